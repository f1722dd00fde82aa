#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "metrics.h"

/* The references as an array literal and its length, for the metric calls. */
#define REFS(...)                                                                                  \
    ((const char *const[]){__VA_ARGS__}),                                                          \
        (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *))

static void near(double got, double want, const char *what) {
    cr_assert(got > want - 1e-9 && got < want + 1e-9, "%s: got %.12f, want %.12f", what, got, want);
}

/* ---- exact match ------------------------------------------------------------------------- */

Test(metrics, em_normalizes_case_punctuation_articles_and_spaces) {
    near(metric_em("The  Cat!", REFS("cat"), 0), 1, "article, case, punctuation");
    near(metric_em("a cat", REFS("the cat"), 0), 1, "articles");
    near(metric_em("  an\tapple\n", REFS("Apple."), 0), 1, "whitespace");
    near(metric_em("don't", REFS("dont"), 0), 1, "apostrophe deleted, not split");
    near(metric_em("cats", REFS("cat"), 0), 0, "plural differs");
    near(metric_em("the cat sat", REFS("cat sat down"), 0), 0, "extra word");
    near(metric_em("theatre", REFS("atre"), 0), 0, "articles only as whole words");
}

Test(metrics, em_takes_the_best_reference) {
    near(metric_em("Denver Broncos", REFS("Carolina", "the Denver Broncos", "x"), 0), 1, "second");
    near(metric_em("Denver", REFS("Carolina", "Broncos"), 0), 0, "none");
    near(metric_em("x", NULL, 0, 0), 0, "no references");
}

Test(metrics, em_empty_strings) {
    near(metric_em("", REFS(""), 0), 1, "both empty");
    near(metric_em("The.", REFS(""), 0), 1, "empty after normalization");
    near(metric_em("", REFS("x"), 0), 0, "empty prediction");
    near(metric_em("x", REFS(""), 0), 0, "empty reference");
}

Test(metrics, em_unicode_is_kept_and_only_ascii_is_lowercased) {
    near(metric_em("Caf\xC3\xA9", REFS("caf\xC3\xA9"), 0), 1, "ASCII C lowercased, e-acute kept");
    near(metric_em("\xC3\x89"
                   "cole",
                   REFS("\xC3\xA9"
                        "cole"),
                   0),
         0, "E-acute is not lowercased");
    near(metric_em("na\xC3\xAFve!", REFS("na\xC3\xAFve"), 0), 1, "punctuation next to UTF-8");
    near(metric_em("\xE6\x97\xA5\xE6\x9C\xAC", REFS("\xE6\x97\xA5\xE6\x9C\xAC"), 0), 1, "CJK");
    /* U+2019 (right single quote) is not ASCII punctuation: it stays in the token. */
    near(metric_em("Janet\xE2\x80\x99s", REFS("janets"), 0), 0, "curly apostrophe kept");
}

Test(metrics, em_gsm8k_compares_final_numbers) {
    const char *ref = "She has 3 + 4 = 7 apples.\n#### 7";
    near(metric_em("3 + 4 = 7\n#### 7", REFS(ref), 1), 1, "same final number");
    near(metric_em("wrong working\n#### 7", REFS(ref), 1), 1, "only the number counts");
    near(metric_em("3 + 4 = 7\n#### 8", REFS(ref), 1), 0, "different number");
    near(metric_em("The answer is 7", REFS(ref), 1), 0, "no #### in the prediction");
    near(metric_em("#### ", REFS(ref), 1), 0, "empty final answer");
    near(metric_em("#### 1,000", REFS("#### 1000"), 1), 1, "commas ignored");
    near(metric_em("#### 18.", REFS("#### 18"), 1), 1, "trailing period ignored");
    near(metric_em("#### 5\nthen #### 18", REFS("#### 18"), 1), 1, "the last #### counts");
    near(metric_em("#### 18", REFS("18"), 1), 1, "reference without #### as text");
}

Test(metrics, gsm8k_answer_extraction) {
    char out[16];
    cr_assert_eq(metric_gsm8k_answer("a\n#### 18", out, sizeof out), 0);
    cr_assert_str_eq(out, "18");
    cr_assert_eq(metric_gsm8k_answer("#### 1,234.\nmore text", out, sizeof out), 0);
    cr_assert_str_eq(out, "1234");
    cr_assert_eq(metric_gsm8k_answer("x #### -3 ", out, sizeof out), 0);
    cr_assert_str_eq(out, "-3");
    cr_assert_eq(metric_gsm8k_answer("####", out, sizeof out), 0);
    cr_assert_str_eq(out, "");
    cr_assert_eq(metric_gsm8k_answer("no marker", out, sizeof out), -1);
    cr_assert_eq(metric_gsm8k_answer("", out, sizeof out), -1);
    cr_assert_eq(metric_gsm8k_answer("#### 123456", out, 4), -1, "does not fit");
    cr_assert_eq(metric_gsm8k_answer("#### 123", out, 4), 0, "just fits");
    cr_assert_str_eq(out, "123");
}

/* ---- final answer ------------------------------------------------------------------------ */

Test(metrics, answer_acc_compares_final_numbers_by_value) {
    const char *ref = "Now 9 + 6 = 15.\n#### 15";
    near(metric_answer_acc("9 + 6 = 15\n#### 15", REFS(ref)), 1, "same number");
    near(metric_answer_acc("wrong working\n#### 15", REFS(ref)), 1, "only the answer counts");
    near(metric_answer_acc("#### 16", REFS(ref)), 0, "another number");
    near(metric_answer_acc("#### 15.0", REFS(ref)), 1, "a zero fraction");
    near(metric_answer_acc("#### 015", REFS(ref)), 1, "a leading zero");
    near(metric_answer_acc("#### +15", REFS(ref)), 1, "a plus sign");
    near(metric_answer_acc("#### 15.", REFS(ref)), 1, "a trailing period");
    near(metric_answer_acc("#### 1,000", REFS("#### 1000")), 1, "commas");
    near(metric_answer_acc("#### 1000", REFS("#### 1,000.00")), 1, "commas and zeros");
    near(metric_answer_acc("#### 0.50", REFS("#### .5")), 1, "no integer part");
    near(metric_answer_acc("#### -0", REFS("#### 0")), 1, "zero has no sign");
    near(metric_answer_acc("#### -3", REFS("#### 3")), 0, "a sign otherwise counts");
    near(metric_answer_acc("#### 15.5", REFS(ref)), 0, "a fraction that is not zero");
    near(metric_answer_acc("#### 150", REFS(ref)), 0, "one digit more");
}

Test(metrics, answer_acc_edge_cases) {
    const char *ref = "#### 18";
    near(metric_answer_acc("The answer is 18", REFS(ref)), 0, "no #### in the output");
    near(metric_answer_acc("", REFS(ref)), 0, "empty output");
    near(metric_answer_acc("#### ", REFS(ref)), 0, "an empty final answer");
    near(metric_answer_acc("#### 5\n#### 18", REFS(ref)), 1, "the last #### counts");
    near(metric_answer_acc("#### 18\n#### 5", REFS(ref)), 0, "the last #### counts");
    near(metric_answer_acc("#### 18\nand more text", REFS(ref)), 1, "up to the end of its line");
    near(metric_answer_acc("#### 18 apples", REFS(ref)), 0, "not a number: compared as text");
    near(metric_answer_acc("#### $18", REFS(ref)), 0, "a currency sign is not a number");
    near(metric_answer_acc("#### 1.8e1", REFS(ref)), 0, "exponents are not decimal numbers");
    near(metric_answer_acc("#### 1.2.3", REFS("#### 1.2.3")), 1, "text equal to text");
    near(metric_answer_acc("#### five", REFS("#### five")), 1, "text answers as text");
    near(metric_answer_acc("#### five", REFS("#### 5")), 0, "text against a number");
    near(metric_answer_acc("#### 5", REFS("####")), 0, "a reference with an empty answer");
    near(metric_answer_acc("#### 5", REFS("no final answer", "#### 5")), 1,
         "the reference that has one");
    cr_assert(isnan(metric_answer_acc("#### 18", REFS("18"))), "no #### in the reference");
    cr_assert(isnan(metric_answer_acc("#### 18", NULL, 0)), "no reference");
}

/* ---- F1 ---------------------------------------------------------------------------------- */

Test(metrics, f1_hand_computed) {
    /* pred tokens {cat, sat, on, mat}, ref {cat, sat}: overlap 2, P 2/4, R 2/2, F1 2/3 */
    near(metric_f1("The cat sat on the mat.", REFS("a cat sat")), 2.0 / 3.0, "subset");
    /* multiset overlap: {x, x, y} and {x, y, y} share one x and one y: P = R = 2/3 */
    near(metric_f1("x x y", REFS("x y y")), 2.0 / 3.0, "repeated tokens");
    near(metric_f1("Paris", REFS("paris!")), 1.0, "identical after normalization");
    near(metric_f1("london", REFS("paris")), 0.0, "no overlap");
    /* P 1/1, R 1/3: F1 = 2 * (1/3) / (4/3) = 1/2 */
    near(metric_f1("blue", REFS("blue green red")), 0.5, "short prediction");
}

Test(metrics, f1_best_reference_and_empty_strings) {
    near(metric_f1("x y z", REFS("q", "y z", "x")), 0.8, "best of three: P 2/3, R 1 for y z");
    near(metric_f1("", REFS("")), 1.0, "both empty");
    near(metric_f1("the", REFS("a")), 1.0, "both empty after normalization");
    near(metric_f1("", REFS("x")), 0.0, "empty prediction");
    near(metric_f1("x", REFS("")), 0.0, "empty reference");
    near(metric_f1("x", NULL, 0), 0.0, "no references");
}

Test(metrics, f1_unicode_tokens) {
    /* {über, straße} vs {straße}: P 1/2, R 1, F1 2/3 */
    near(metric_f1("\xC3\xBC"
                   "ber Stra\xC3\x9F"
                   "e",
                   REFS("stra\xC3\x9F"
                        "e")),
         2.0 / 3.0, "UTF-8");
}

/* ---- ROUGE-L ----------------------------------------------------------------------------- */

Test(metrics, rouge_l_hand_computed) {
    /* LCS "the cat on the mat" = 5 of 6 and 6 tokens: P = R = F = 5/6 */
    near(metric_rouge_l("the cat sat on the mat", REFS("the cat is on the mat")), 5.0 / 6.0,
         "one word differs");
    /* reversed order: LCS 1, P = R = 1/4 */
    near(metric_rouge_l("a b c d", REFS("d c b a")), 0.25, "reversed");
    /* LCS 2 (a c), P 2/3, R 2/2: F = 2 * (2/3) / (5/3) = 4/5 */
    near(metric_rouge_l("a b c", REFS("a c")), 0.8, "gap");
    near(metric_rouge_l("The cat", REFS("the cat")), 0.5, "case matters: no normalization");
    near(metric_rouge_l("cat.", REFS("cat")), 0.0, "punctuation matters");
    near(metric_rouge_l("x  y\n", REFS("x y")), 1.0, "whitespace only separates");
}

Test(metrics, rouge_l_best_reference_and_empty_strings) {
    near(metric_rouge_l("a b", REFS("c", "a b", "a")), 1.0, "best");
    near(metric_rouge_l("", REFS("")), 1.0, "both empty");
    near(metric_rouge_l(" ", REFS("\n")), 1.0, "both blank");
    near(metric_rouge_l("", REFS("x")), 0.0, "empty prediction");
    near(metric_rouge_l("x", REFS("")), 0.0, "empty reference");
}

Test(metrics, rouge_l_unicode_tokens) {
    /* LCS 2 of pred 2 and ref 3: P 1, R 2/3, F 4/5 */
    near(metric_rouge_l("\xE6\x97\xA5\xE6\x9C\xAC \xE8\xAA\x9E",
                        REFS("\xE6\x97\xA5\xE6\x9C\xAC \xE8\xAA\x9E \xE3\x81\xA7\xE3\x81\x99")),
         0.8, "CJK");
}

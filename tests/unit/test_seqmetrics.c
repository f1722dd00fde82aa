/* The token-sequence metrics: edit distance and ed_acc, and the path of a generation against
 * its reference (divergences, what <corr> retracted, which step each visible token came
 * from), on hand-written generations. */
#include <criterion/criterion.h>
#include <string.h>

#include "seqmetrics.h"

#define C TOK_CORR
#define E TOK_EOS

/* Bytes of text as tokens; '#' stands for <corr> and '$' for <eos>. */
static int toks(const char *text, token_t *out) {
    int n = 0;
    for (const char *p = text; *p; p++)
        out[n++] = *p == '#' ? TOK_CORR : *p == '$' ? TOK_EOS : (unsigned char)*p;
    return n;
}

static double ed_acc(const char *a, const char *b) {
    token_t ta[64], tb[64];
    int rows[2 * 65];
    int na = toks(a, ta), nb = toks(b, tb);
    return seq_ed_acc(ta, na, tb, nb, rows);
}

static int distance(const char *a, const char *b) {
    token_t ta[64], tb[64];
    int rows[2 * 65];
    int na = toks(a, ta), nb = toks(b, tb);
    return seq_edit_distance(ta, na, tb, nb, rows);
}

static void near(double got, double want, const char *what) {
    cr_assert(got > want - 1e-12 && got < want + 1e-12, "%s: got %.15f, want %.15f", what, got,
              want);
}

Test(seqmetrics, edit_distance_counts_single_token_edits) {
    cr_assert_eq(distance("kitten", "sitting"), 3);
    cr_assert_eq(distance("sitting", "kitten"), 3, "symmetric");
    cr_assert_eq(distance("abc", "abc"), 0);
    cr_assert_eq(distance("", "abc"), 3);
    cr_assert_eq(distance("abc", ""), 3);
    cr_assert_eq(distance("", ""), 0);
    cr_assert_eq(distance("abcdef", "bcdefa"), 2, "a rotation: one deletion, one insertion");
}

/* A shift costs one edit, where a position-by-position comparison loses everything after it. */
Test(seqmetrics, ed_acc_on_shifts_insertions_and_empty_outputs) {
    near(ed_acc("Now 9 + 6 = 15.", "Now 9 + 6 = 15."), 1.0, "identical");
    near(ed_acc("ow 9 + 6 = 15.", "Now 9 + 6 = 15."), 1.0 - 1.0 / 15, "a dropped first byte");
    near(ed_acc("NNow 9 + 6 = 15.", "Now 9 + 6 = 15."), 1.0 - 1.0 / 16,
         "an inserted byte: over the longer length");
    near(ed_acc("Now 9 + 7 = 15.", "Now 9 + 6 = 15."), 1.0 - 1.0 / 15, "a substitution");
    near(ed_acc("", "abcd"), 0.0, "an empty output");
    near(ed_acc("abcd", ""), 0.0, "an empty reference");
    near(ed_acc("", ""), 1.0, "both empty");
    near(ed_acc("wxyz", "abcd"), 0.0, "nothing in common");
    near(ed_acc("ab", "abcdefgh"), 0.25, "a prefix: six insertions of eight");
}

static SeqPath path(const char *raw, int ended, const char *ref, int segment, int *pick) {
    token_t r[64], f[64];
    int n_raw = toks(raw, r), rlen = toks(ref, f);
    f[rlen++] = TOK_EOS;
    SeqPath p;
    seq_path(r, n_raw, ended, f, rlen, segment, &p, pick, NULL);
    return p;
}

static void expect(SeqPath p, int div, int retracted, int corr, int justified, int diverged,
                   int visible, const char *what) {
    cr_assert_eq(p.divergences, div, "%s: divergences %d, expected %d", what, p.divergences, div);
    cr_assert_eq(p.divergences_retracted, retracted, "%s: retracted %d, expected %d", what,
                 p.divergences_retracted, retracted);
    cr_assert_eq(p.corrections, corr, "%s: corrections %d, expected %d", what, p.corrections, corr);
    cr_assert_eq(p.corrections_justified, justified, "%s: justified %d, expected %d", what,
                 p.corrections_justified, justified);
    cr_assert_eq(p.diverged, diverged, "%s: diverged %d, expected %d", what, p.diverged, diverged);
    cr_assert_eq(p.visible, visible, "%s: visible %d, expected %d", what, p.visible, visible);
}

Test(seqmetrics, path_without_corrections) {
    int pick[64];
    expect(path("abc", 1, "abc", 0, pick), 0, 0, 0, 0, 0, 4, "");
    for (int j = 0; j < 4; j++) cr_assert_eq(pick[j], j, "the eos is step 3");
    expect(path("axc", 1, "abc", 0, NULL), 1, 0, 0, 0, 1, 4, "");
    expect(path("xyz", 1, "abc", 0, NULL), 1, 0, 0, 0, 1, 4, "once off, it stays off");
    expect(path("ab", 1, "abc", 0, NULL), 1, 0, 0, 0, 1, 3, "an early <eos> diverges");
    expect(path("abcd", 1, "abc", 0, NULL), 1, 0, 0, 0, 1, 5, "a byte where <eos> belongs");
    expect(path("ab", 0, "abc", 0, NULL), 0, 0, 0, 0, 1, 2,
           "out of room on the reference: left it without a wrong token");
    expect(path("", 1, "", 0, NULL), 0, 0, 0, 0, 0, 1, "an empty reference, matched");
}

Test(seqmetrics, path_token_corrections) {
    int pick[64];
    /* ref abc: x leaves it at position 1, <corr> retracts x, and b c <eos> follow. */
    expect(path("ax#bc", 1, "abc", 0, pick), 1, 1, 1, 1, 1, 4, "");
    const int want[] = {0, 3, 4, 5};
    for (int j = 0; j < 4; j++)
        cr_assert_eq(pick[j], want[j], "visible %d from step %d", j, pick[j]);
    /* A correct b retracted: a correction the reference does not call for. */
    expect(path("ab#bc", 1, "abc", 0, pick), 0, 0, 1, 0, 0, 4, "");
    cr_assert_eq(pick[1], 3);
    /* Two wrong tokens, two retractions: both made while off, the divergence undone. */
    expect(path("axy##bc", 1, "abc", 0, NULL), 1, 1, 2, 2, 1, 4, "");
    /* Off at x; the <corr> after c retracts c, not x: justified, but x stays. */
    expect(path("axc#d", 1, "abcd", 0, NULL), 1, 0, 1, 1, 1, 4, "");
    /* Two divergences, the first retracted, the second not. */
    expect(path("ax#bz", 1, "abc", 0, NULL), 2, 1, 1, 1, 1, 4, "");
    /* <corr> with nothing visible is no correction. */
    expect(path("#abc", 1, "abc", 0, pick), 0, 0, 0, 0, 0, 4, "");
    cr_assert_eq(pick[0], 1);
    /* A wrong token retracted as the budget ends: recalled, but the output ends unfinished. */
    expect(path("ax#", 0, "abc", 0, NULL), 1, 1, 1, 1, 1, 1, "");
}

Test(seqmetrics, path_segment_corrections) {
    int pick[64];
    /* A <corr> retracts the whole segment: off at x, retracted, then the reference. */
    expect(path("ax#abc", 1, "abc", 1, pick), 1, 1, 1, 1, 1, 4, "");
    const int want[] = {3, 4, 5, 6};
    for (int j = 0; j < 4; j++)
        cr_assert_eq(pick[j], want[j], "visible %d from step %d", j, pick[j]);
    /* A segment still on the reference: an unjustified correction. */
    expect(path("ab#abc", 1, "abc", 1, NULL), 0, 0, 1, 0, 0, 4, "");
    /* The correction comes two tokens after the divergence: the segment takes it along. */
    expect(path("axyz#abc", 1, "abc", 1, NULL), 1, 1, 1, 1, 1, 4, "");
}

/* The Corrections screen's replay of a raw output with <corr> markers. */
#include <criterion/criterion.h>
#include <string.h>

#include "tokview.h"

static void visible(const TokenView *tv, const char *raw, const char *want) {
    char out[256];
    tokview_visible(tv, raw, out, sizeof out);
    cr_assert_str_eq(out, want);
}

Test(ui_tokview, output_without_corrections) {
    TokenView tv;
    cr_assert_eq(tokview_build(&tv, "abXd", "abcd", 0), 0);
    cr_assert_eq(tv.n, 4);
    cr_assert_eq(tv.visible, 4);
    cr_assert(tv.u[0].matches && tv.u[1].matches && !tv.u[2].matches && tv.u[3].matches);
    cr_assert_eq(tv.first_div, 2);
    cr_assert(tv.u[2].first_div);
    cr_assert_eq(tv.retractions, 0);
    visible(&tv, "abXd", "abXd");
    tokview_free(&tv);
}

Test(ui_tokview, token_correction_retracts_the_last_character) {
    const char *raw = "abX<corr>cd";
    TokenView tv;
    cr_assert_eq(tokview_build(&tv, raw, "abcd", 0), 0);
    cr_assert_eq(tv.n, 6);
    cr_assert_eq(tv.u[2].kind, TV_RETRACTED);
    cr_assert_eq(tv.u[3].kind, TV_CORR);
    cr_assert(tv.u[4].replacement);
    cr_assert(tv.u[4].matches);
    cr_assert_eq(tv.first_div, -1);
    cr_assert_eq(tv.retractions, 1);
    visible(&tv, raw, "abcd");
    tokview_free(&tv);
}

Test(ui_tokview, segment_correction_retracts_everything) {
    const char *raw = "XY<corr>ab";
    TokenView tv;
    cr_assert_eq(tokview_build(&tv, raw, "abc", 1), 0);
    cr_assert_eq(tv.u[0].kind, TV_RETRACTED);
    cr_assert_eq(tv.u[1].kind, TV_RETRACTED);
    cr_assert(tv.u[3].replacement);
    visible(&tv, raw, "ab");
    /* It stopped one character short: the divergence is where the output ends. */
    cr_assert_eq(tv.first_div, 2);
    cr_assert(tv.div_missing);
    tokview_free(&tv);
}

Test(ui_tokview, correction_with_nothing_to_retract_is_ignored) {
    const char *raw = "<corr>ab";
    TokenView tv;
    cr_assert_eq(tokview_build(&tv, raw, "ab", 0), 0);
    cr_assert_eq(tv.ignored_corr, 1);
    cr_assert_eq(tv.retractions, 0);
    cr_assert(!tv.u[1].replacement);
    visible(&tv, raw, "ab");
    cr_assert_eq(tv.first_div, -1);
    tokview_free(&tv);
}

Test(ui_tokview, multibyte_characters_are_single_units) {
    const char *raw = "caf\xc3\xa9<corr>e";
    TokenView tv;
    cr_assert_eq(tokview_build(&tv, raw, "cafe", 0), 0);
    cr_assert_eq(tv.u[3].len, 2);
    cr_assert_eq(tv.u[3].kind, TV_RETRACTED);
    visible(&tv, raw, "cafe");
    cr_assert_eq(tv.first_div, -1);
    tokview_free(&tv);
}

Test(ui_tokview, longer_output_diverges_after_the_reference) {
    TokenView tv;
    cr_assert_eq(tokview_build(&tv, "abcz", "abc", 0), 0);
    cr_assert_eq(tv.first_div, 3);
    cr_assert(!tv.div_missing);
    tokview_free(&tv);
}

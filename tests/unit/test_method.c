/* The batch layouts of baseline, BASH and RAC on hand-built examples (docs/methods.md). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "method.h"

/* A corpus of n copies of one example, with self-generated tokens set by the test. */
typedef struct {
    Example ex[64];
    char *answers[64][1];
    Dataset ds;
    Corpus c;
    SelfgenCache sg;
    Batch b;
    int step; /* each build is a new step, with new coin flips */
} Fixture;

static void fixture(Fixture *f, int n, const char *prompt, const char *response, int context) {
    memset(f, 0, sizeof *f);
    for (int i = 0; i < n; i++) {
        f->answers[i][0] = (char *)response;
        f->ex[i] = (Example){(char *)prompt, (char *)response, f->answers[i], 1, i + 1, 0};
    }
    f->ds = (Dataset){(char *)"fixture", LAYOUT_PROMPT_RESPONSE, f->ex, n};
    cr_assert_eq(corpus_build(&f->c, &f->ds, NULL, NULL, 0), 0);
    cr_assert_eq(selfgen_init(&f->sg, &f->c), 0);
    cr_assert_eq(batch_alloc(&f->b, n, context), 0);
}

static void fixture_free(Fixture *f) {
    corpus_free(&f->c);
    selfgen_free(&f->sg);
    batch_free(&f->b);
}

/* Sets y-hat of example i's response to the bytes of s (same length as the response). */
static void set_yhat(Fixture *f, int i, const char *s, int gen_len) {
    token_t *y = f->sg.yhat + f->c.off[i] + f->c.plen[i];
    for (size_t j = 0; s[j]; j++) y[j] = (unsigned char)s[j];
    f->sg.gen_len[i] = gen_len;
}

static MethodStats build(Fixture *f, MethodName name, RacGranularity g, float omega, int B,
                         int context) {
    int idx[64];
    for (int i = 0; i < B; i++) idx[i] = i;
    MethodParams p = {name, g, omega, 99, f->step++, 0};
    MethodStats st;
    method_build_batch(&f->b, &f->c, &f->sg, idx, B, context, &p, &st);
    return st;
}

/* Row 0 must be exactly: inputs, targets, mask and kinds given as strings where
 * '^' is <bos>, '|' <sep>, '$' <eos>, '#' <corr>; kinds P prompt, T truth, S selfgen, C corr. */
static token_t tok(char ch) {
    return ch == '^'   ? TOK_BOS
           : ch == '|' ? TOK_SEP
           : ch == '$' ? TOK_EOS
           : ch == '#' ? TOK_CORR
                       : ch;
}

static void expect_row(const Batch *b, int r, const char *in, const char *tgt, const char *mask,
                       const char *kind) {
    int n = (int)strlen(in);
    cr_assert_eq(b->len[r], n, "row %d has %d positions, expected %d", r, b->len[r], n);
    for (int i = 0; i < n; i++) {
        size_t at = (size_t)r * b->T + i;
        cr_assert_eq(b->input[at], tok(in[i]), "input %d", i);
        cr_assert_eq(b->target[at], tok(tgt[i]), "target %d", i);
        cr_assert_eq(b->mask[at], mask[i] - '0', "mask %d", i);
        int k = kind[i] == 'P'   ? KIND_PROMPT
                : kind[i] == 'T' ? KIND_TRUTH
                : kind[i] == 'S' ? KIND_SELFGEN
                                 : KIND_CORR;
        cr_assert_eq(b->kind[at], k, "kind %d", i);
    }
}

Test(method, baseline_layout) {
    Fixture f;
    fixture(&f, 1, "ab", "xyz", 32);
    build(&f, METHOD_BASELINE, RAC_TOKEN, 0.0f, 1, 32);
    cr_assert_eq(f.b.T, 7, "T is the row's length, not the context");
    expect_row(&f.b, 0, "^ab|xyz", "ab|xyz$", "0001111", "PPPPTTT");
    fixture_free(&f);
}

Test(method, bash_omega_zero_is_baseline_bit_for_bit) {
    Fixture f;
    fixture(&f, 4, "prompt", "response text", 64);
    for (int i = 0; i < 4; i++) set_yhat(&f, i, "RESPONSE TEXT$", 13);
    build(&f, METHOD_BASELINE, RAC_TOKEN, 0.0f, 4, 64);
    Batch base;
    cr_assert_eq(batch_alloc(&base, 4, 64), 0);
    size_t n = (size_t)f.b.B * f.b.T;
    base.B = f.b.B, base.T = f.b.T;
    memcpy(base.input, f.b.input, n * sizeof(token_t));
    memcpy(base.target, f.b.target, n * sizeof(token_t));
    memcpy(base.mask, f.b.mask, n);
    memcpy(base.kind, f.b.kind, n);
    MethodStats st = build(&f, METHOD_BASH, RAC_TOKEN, 0.0f, 4, 64);
    cr_assert_eq(f.b.T, base.T);
    cr_assert_eq(memcmp(f.b.input, base.input, n * sizeof(token_t)), 0);
    cr_assert_eq(memcmp(f.b.target, base.target, n * sizeof(token_t)), 0);
    cr_assert_eq(memcmp(f.b.mask, base.mask, n), 0);
    cr_assert_eq(memcmp(f.b.kind, base.kind, n), 0);
    cr_assert_eq(st.selected, 0);
    batch_free(&base);
    fixture_free(&f);
}

Test(method, bash_omega_one_replaces_every_eligible_input) {
    Fixture f;
    fixture(&f, 1, "ab", "xyz", 32);
    set_yhat(&f, 0, "xQz$", 3);
    MethodStats st = build(&f, METHOD_BASH, RAC_TOKEN, 1.0f, 1, 32);
    /* Inputs y_0..y_2 become y-hat; the prompt and the targets are untouched, <eos> is never
     * an input. */
    expect_row(&f.b, 0, "^ab|xQz", "ab|xyz$", "0001111", "PPPPSSS");
    cr_assert_eq(st.eligible, 3);
    cr_assert_eq(st.selected, 3);
    cr_assert_eq(st.differ, 1);
    fixture_free(&f);
}

Test(method, bash_replaced_fraction_follows_omega) {
    Fixture f;
    /* 64 rows of 199 eligible positions: 12736 per batch. */
    char response[201];
    memset(response, 'r', 200);
    response[200] = '\0';
    fixture(&f, 64, "p", response, 256);
    MethodStats st = build(&f, METHOD_BASH, RAC_TOKEN, 0.3f, 64, 256);
    cr_assert_geq(st.eligible, 10000);
    double frac = (double)st.selected / (double)st.eligible;
    long marked = 0;
    for (long i = 0; i < (long)f.b.B * f.b.T; i++) marked += f.b.kind[i] == KIND_SELFGEN;
    cr_assert_eq(marked, st.selected, "every replaced input is marked self-generated");
    cr_assert(frac > 0.28 && frac < 0.32, "replaced fraction %.4f", frac);
    fixture_free(&f);
}

Test(method, rac_token_layout) {
    Fixture f;
    fixture(&f, 1, "ab", "xyz", 32);
    set_yhat(&f, 0, "xQz$", 3);
    MethodStats st = build(&f, METHOD_RAC, RAC_TOKEN, 1.0f, 1, 32);
    /* ... x, Q, <corr>, y ...: after x the target stays y; after Q it is <corr>; after <corr>
     * it is y. */
    expect_row(&f.b, 0, "^ab|xQ#yz", "ab|xy#yz$", "000111111", "PPPPTSCTT");
    cr_assert_eq(st.inserted, 1);
    cr_assert_eq(st.selected, 3);
    cr_assert_eq(st.differ, 1);
    fixture_free(&f);
}

Test(method, rac_token_several_insertions) {
    Fixture f;
    fixture(&f, 1, "a", "xyz", 32);
    set_yhat(&f, 0, "PyR$", 3);
    build(&f, METHOD_RAC, RAC_TOKEN, 1.0f, 1, 32);
    expect_row(&f.b, 0, "^a|P#xyR#z", "a|x#xyz#z$", "0011111111", "PPPSCTTSCT");
    fixture_free(&f);
}

Test(method, rac_token_stops_at_the_context) {
    Fixture f;
    fixture(&f, 1, "ab", "xyz", 8);
    set_yhat(&f, 0, "xQz$", 3);
    /* 7 inputs; an insertion needs 9 > 8. */
    MethodStats st = build(&f, METHOD_RAC, RAC_TOKEN, 1.0f, 1, 8);
    expect_row(&f.b, 0, "^ab|xyz", "ab|xyz$", "0001111", "PPPPTTT");
    cr_assert_eq(st.inserted, 0);
    cr_assert_eq(st.differ, 1);
    fixture_free(&f);
}

Test(method, rac_segment_layout) {
    Fixture f;
    fixture(&f, 1, "ab", "xyz", 32);
    set_yhat(&f, 0, "PQR$", 3);
    int seen[4] = {0};
    for (int trial = 0; trial < 60; trial++) {
        MethodStats st = build(&f, METHOD_RAC, RAC_SEGMENT, 1.0f, 1, 32);
        cr_assert_eq(st.inserted, 1);
        int k = f.b.len[0] - 8; /* 4 prompt inputs + k + <corr> + 3 */
        cr_assert(k >= 1 && k <= 3, "k = %d", k);
        seen[k]++;
        /* <bos> a b <sep> y-hat_1..y-hat_k <corr> x y z, loss on <corr> and after. */
        const char *in[] = {NULL, "^ab|P#xyz", "^ab|PQ#xyz", "^ab|PQR#xyz"};
        const char *tg[] = {NULL, "ab|P#xyz$", "ab|PQ#xyz$", "ab|PQR#xyz$"};
        const char *mk[] = {NULL, "000011111", "0000011111", "00000011111"};
        const char *kd[] = {NULL, "PPPPSCTTT", "PPPPSSCTTT", "PPPPSSSCTTT"};
        expect_row(&f.b, 0, in[k], tg[k], mk[k], kd[k]);
    }
    cr_assert(seen[1] && seen[2] && seen[3], "k is drawn from 1..n");
    fixture_free(&f);
}

Test(method, coin_flips_do_not_depend_on_how_the_batch_is_split) {
    /* Rows 2..3 built on their own (as a second process would) get the decisions they get
     * inside the whole batch. */
    Fixture f;
    fixture(&f, 4, "prompt", "a longer response here", 64);
    for (int i = 0; i < 4; i++) set_yhat(&f, i, "A LONGER RESPONSE HERE$", 22);
    int idx[4] = {0, 1, 2, 3};
    MethodParams whole = {METHOD_BASH, RAC_TOKEN, 0.5f, 7, 3, 0}, part = whole;
    MethodStats st;
    method_build_batch(&f.b, &f.c, &f.sg, idx, 4, 64, &whole, &st);
    int T = f.b.T;
    token_t saved[2][64];
    memcpy(saved, f.b.input + 2 * T, sizeof(token_t) * 2 * (size_t)T);
    part.row0 = 2;
    method_build_batch(&f.b, &f.c, &f.sg, idx + 2, 2, 64, &part, &st);
    cr_assert_eq(f.b.T, T);
    cr_assert_eq(memcmp(saved, f.b.input, sizeof(token_t) * 2 * (size_t)T), 0);
    fixture_free(&f);
}

Test(method, rac_segment_same_prefix_is_baseline) {
    Fixture f;
    fixture(&f, 1, "ab", "xyz", 32);
    set_yhat(&f, 0, "xyz$", 3);
    MethodStats st = build(&f, METHOD_RAC, RAC_SEGMENT, 1.0f, 1, 32);
    expect_row(&f.b, 0, "^ab|xyz", "ab|xyz$", "0001111", "PPPPTTT");
    cr_assert_eq(st.selected, 1);
    cr_assert_eq(st.inserted, 0);
    fixture_free(&f);
}

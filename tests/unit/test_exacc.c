/* Next-token distributions over text tokens, and the excess accumulated error computed from
 * injected distributions whose KL divergences are known by hand. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "exacc.h"
#include "rng.h"
#include "textdist.h"

static void near(double got, double want, const char *what) {
    cr_assert(fabs(got - want) < 1e-9, "%s: got %.12f, want %.12f", what, got, want);
}

/* A row of TOK_VOCAB_PADDED probabilities: mass spread evenly over the tokens listed (a
 * negative id ends the list), the rest 0. */
static void probs(float *row, const token_t *ids) {
    int n = 0;
    while (ids[n] >= 0) n++;
    memset(row, 0, TOK_VOCAB_PADDED * sizeof *row);
    for (int i = 0; i < n; i++) row[ids[i]] = 1.0f / (float)n;
}

/* A row of logits: 0 for the tokens listed, -1000 (probability 0 in double) for the rest. */
static void logits(float *row, const token_t *ids) {
    for (int j = 0; j < TOK_VOCAB_PADDED; j++) row[j] = -1000.0f;
    for (int i = 0; ids[i] >= 0; i++) row[ids[i]] = 0.0f;
}

#define IDS(...) ((const token_t[]){__VA_ARGS__, -1})

Test(textdist, argmax_never_chooses_corr_or_a_special) {
    float row[TOK_VOCAB_PADDED] = {0};
    row['b'] = 0.3f;
    row[TOK_CORR] = 0.6f;
    row[TOK_BOS] = 0.5f;
    row[TOK_SEP] = 0.5f;
    row[TOK_PAD] = 0.5f;
    cr_assert_eq(textdist_argmax(row, NULL), 'b', "<corr> and the specials are not predictions");
    row[TOK_EOS] = 0.4f;
    cr_assert_eq(textdist_argmax(row, NULL), TOK_EOS, "<eos> is one");
    memset(row, 0, sizeof row);
    row['c'] = row['a'] = 1.0f;
    cr_assert_eq(textdist_argmax(row, NULL), 'a', "the lowest id among equals");
}

Test(textdist, kl_of_hand_computed_distributions) {
    float o[TOK_VOCAB_PADDED], p[TOK_VOCAB_PADDED];
    double lo[TEXTDIST_SIZE], lp[TEXTDIST_SIZE];
    probs(o, IDS('a', 'b'));
    probs(p, IDS('a', 'b', 'c', 'd'));
    textdist_from_probs(o, lo, NULL);
    textdist_from_probs(p, lp, NULL);
    near(textdist_kl(lo, lp, NULL), log(2.0), "half on a, b against a quarter on a, b, c, d");
    near(textdist_kl(lo, lo, NULL), 0.0, "a distribution against itself");
    /* Mass on <corr> and <sep> is left out and the rest renormalised: still a quarter each. */
    p[TOK_CORR] = 0.5f;
    p[TOK_SEP] = 0.25f;
    textdist_from_probs(p, lp, NULL);
    near(textdist_kl(lo, lp, NULL), log(2.0), "renormalised without <corr>");
    /* The same model distribution as logits. */
    float z[TOK_VOCAB_PADDED];
    logits(z, IDS('a', 'b', 'c', 'd'));
    z[TOK_CORR] = 5.0f;
    textdist_from_logits(z, lp, NULL);
    near(textdist_kl(lo, lp, NULL), log(2.0), "from logits, <corr> left out");
    /* All on <eos> against half on <eos>: log 2; against none: finite, not infinite. */
    probs(o, IDS(TOK_EOS));
    probs(p, IDS(TOK_EOS, 'x'));
    textdist_from_probs(o, lo, NULL);
    textdist_from_probs(p, lp, NULL);
    near(exacc_step_loss(o, p, 0, NULL), log(2.0), "step loss from probabilities");
    probs(p, IDS('x'));
    double far = exacc_step_loss(o, p, 0, NULL);
    cr_assert(isfinite(far) && far > 100.0, "an impossible token costs a large finite loss: %g",
              far);
}

/* The one-pass step loss equals the KL of the renormalised distributions on random rows, with
 * mass on <corr> and the specials, from probabilities and from logits. */
Test(exacc, the_step_loss_is_the_kl_of_the_renormalised_distributions) {
    Rng r;
    rng_seed(&r, 3);
    float o[TOK_VOCAB_PADDED], p[TOK_VOCAB_PADDED], z[TOK_VOCAB_PADDED];
    double lo[TEXTDIST_SIZE], lp[TEXTDIST_SIZE];
    for (int trial = 0; trial < 20; trial++) {
        double so = 0, sp = 0;
        for (int j = 0; j < TOK_VOCAB_PADDED; j++) {
            o[j] = j < TOK_COUNT ? (float)(rng_uniform(&r) * rng_uniform(&r)) : 0.0f;
            p[j] = j < TOK_COUNT ? (float)rng_uniform(&r) : 0.0f;
            z[j] = (float)(8.0 * rng_uniform(&r) - 4.0);
            so += o[j], sp += p[j];
        }
        for (int j = 0; j < TOK_COUNT; j++) o[j] = (float)(o[j] / so), p[j] = (float)(p[j] / sp);
        textdist_from_probs(o, lo, NULL);
        textdist_from_probs(p, lp, NULL);
        near(exacc_step_loss(o, p, 0, NULL), textdist_kl(lo, lp, NULL), "from probabilities");
        textdist_from_logits(z, lp, NULL);
        near(exacc_step_loss(o, z, 1, NULL), textdist_kl(lo, lp, NULL), "from logits");
        cr_assert_eq(exacc_step_loss(o, o, 0, NULL), 0.0, "exactly 0 against itself");
    }
}

/* A RAC generation against its reference "ab": the model writes a, then x, retracts it with
 * <corr>, writes b and stops. The visible output a b <eos> comes from decoding steps 0, 3
 * and 4; steps 1 (x) and 2 (<corr>) are detours and must not count. */
Test(exacc, accumulates_along_the_visible_output_with_the_steps_that_emitted_it) {
    enum { V = TOK_VOCAB_PADDED };
    float model[5 * V], oracle[3 * V];
    logits(model + 0 * V, IDS('a', 'b'));
    logits(model + 1 * V, IDS('x'));      /* chose x: a detour */
    logits(model + 2 * V, IDS(TOK_CORR)); /* chose <corr>: left out, and a detour */
    logits(model + 3 * V, IDS('a', 'b', 'c', 'd'));
    logits(model + 4 * V, IDS(TOK_EOS, 'a'));
    probs(oracle + 0 * V, IDS('a', 'b')); /* after "":  KL 0 against step 0 */
    probs(oracle + 1 * V, IDS('b'));      /* after "a": log 4 against step 3 */
    probs(oracle + 2 * V, IDS(TOK_EOS));  /* after "ab": log 2 against step 4 */
    const int pick[] = {0, 3, 4};
    const double ref_step[] = {0.1, 0.2, 0.3};
    ExAccSample s;
    exacc_sample(ref_step, 3, 3, pick, model, oracle, V, NULL, &s);
    cr_assert_eq(s.horizon, 3);
    near(s.ref_loss, 0.6, "l eps");
    near(s.gen_loss, log(8.0), "AccErr = log 4 + log 2");

    double eps, acc, ex;
    exacc_summary(s.ref_loss, s.gen_loss, s.horizon, 1, &eps, &acc, &ex);
    near(eps, 0.2, "eps");
    near(acc, log(8.0), "acc_err");
    near(ex, 100.0 * (log(8.0) - 0.6) / 0.6, "ex_acc_err");
}

Test(exacc, the_horizon_is_the_shorter_of_reference_and_generation) {
    enum { V = TOK_VOCAB_PADDED };
    float model[4 * V], oracle[4 * V];
    for (int k = 0; k < 4; k++) {
        logits(model + k * V, IDS('a', 'b'));
        probs(oracle + k * V, IDS('a'));
    }
    const int pick[] = {0, 1, 2, 3};
    const double ref_step[] = {1, 2, 4, 8, 16};
    ExAccSample s;
    /* A generation of 2 steps (one byte and <eos>) against a reference of 5. */
    exacc_sample(ref_step, 5, 2, pick, model, oracle, V, NULL, &s);
    cr_assert_eq(s.horizon, 2);
    near(s.ref_loss, 3.0, "the first two reference steps only");
    near(s.gen_loss, 2 * log(2.0), "two steps of log 2");
    /* A generation of 4 steps against a reference of 3. */
    exacc_sample(ref_step, 3, 4, pick, model, oracle, V, NULL, &s);
    cr_assert_eq(s.horizon, 3);
    near(s.ref_loss, 7.0, "three reference steps");
    near(s.gen_loss, 3 * log(2.0), "three generated steps");
    /* Nothing visible: nothing compared. */
    exacc_sample(ref_step, 3, 0, pick, model, oracle, V, NULL, &s);
    cr_assert_eq(s.horizon, 0);
    near(s.ref_loss + s.gen_loss, 0.0, "no steps");
}

/* Samples pool: ExAccErr is a ratio of sums, not a mean of ratios. */
Test(exacc, samples_pool_into_one_ratio) {
    double eps, acc, ex;
    /* Sample 1: l = 2, l eps = 1, AccErr = 3. Sample 2: l = 6, l eps = 3, AccErr = 3. */
    exacc_summary(1.0 + 3.0, 3.0 + 3.0, 2 + 6, 2, &eps, &acc, &ex);
    near(eps, 0.5, "4 over 8 steps");
    near(acc, 3.0, "6 over 2 samples");
    near(ex, 50.0, "(6 - 4) / 4");
    exacc_summary(0.0, 1.0, 5, 1, &eps, &acc, &ex);
    near(eps, 0.0, "an oracle equal to the model on the reference");
    cr_assert(isnan(ex), "no excess of nothing");
    exacc_summary(0.0, 0.0, 0, 3, &eps, &acc, &ex);
    cr_assert(isnan(eps) && isnan(acc) && isnan(ex), "no steps compared");
}

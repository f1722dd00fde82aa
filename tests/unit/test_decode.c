#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "decode.h"
#include "puppet.h"

static const ModelConfig small = {
    .layers = 2, .dim = 32, .heads = 4, .context = 64, .vocab = TOK_COUNT};

/* Greedy decoding by recomputing the whole sequence for every token, without a cache. */
static int uncached_greedy(Model *m, const token_t *prompt, int P, int max_new, token_t *out) {
    token_t seq[64];
    memcpy(seq, prompt, (size_t)P * sizeof *seq);
    int n = 0;
    float scratch[TOK_VOCAB_PADDED];
    while (n < max_new) {
        model_forward_logits(m, seq, 1, P + n);
        const float *row = model_logits(m) + (size_t)(P + n - 1) * m->padded_vocab;
        token_t t = decode_pick(row, NULL, 0.0f, 0, 0, NULL, scratch);
        if (t == TOK_EOS) break;
        seq[P + n] = t;
        out[n++] = t;
    }
    return n;
}

static void random_prompt(token_t *p, int n, Rng *r) {
    p[0] = TOK_BOS;
    for (int i = 1; i < n - 1; i++) p[i] = 'a' + (token_t)rng_below(r, 26);
    p[n - 1] = TOK_SEP;
}

/* The small model on `threads` threads with seeded weights, scaled up from GPT-2's init so
 * that the logits are far from uniform and greedy choices are not near-ties. */
static void sharp_model(Model *m, int threads, uint64_t seed) {
    cr_assert_eq(model_init(m, &small, 1), 0);
    if (threads > 1) cr_assert_eq(model_set_threads(m, threads), 0);
    model_init_weights(m, seed);
    for (size_t i = 0; i < m->num_params; i++) m->params[i] *= 8.0f;
}

Test(decode, cached_equals_full_recompute) {
    Model m;
    Rng r;
    rng_seed(&r, 8);
    sharp_model(&m, 1, 21);
    Decoder *d = decoder_new(&m, 3);
    cr_assert_not_null(d);
    token_t prompts[3][20];
    int lens[3] = {5, 12, 20};
    const token_t *pp[3];
    for (int b = 0; b < 3; b++) {
        random_prompt(prompts[b], lens[b], &r);
        pp[b] = prompts[b];
    }
    DecodeOptions opt = {.max_new_tokens = 40};
    DecodeResult res[3];
    cr_assert_eq(decode_batch(d, &m, pp, lens, 3, &opt, &r, res), 0);
    int total = 0;
    for (int b = 0; b < 3; b++) {
        token_t expect[64];
        int n = uncached_greedy(&m, prompts[b], lens[b], 40, expect);
        cr_assert_eq(res[b].n_raw, n, "prompt %d: %d cached tokens, %d uncached", b, res[b].n_raw,
                     n);
        cr_assert_eq(memcmp(res[b].raw, expect, (size_t)n * sizeof(token_t)), 0,
                     "prompt %d: tokens differ", b);
        cr_assert_eq(res[b].n_out, n);
        total += n;
    }
    cr_assert_gt(total, 30, "the test needs generated tokens to compare");
    decoder_free(d);
    model_free(&m);
}

/* The logits decoding keeps are those each token was chosen from: the last row of a full
 * forward pass over the prompt and the tokens before it (and, after the last token, the row
 * <eos> was chosen from). */
Test(decode, kept_logits_are_those_of_each_choice) {
    Model m;
    Rng r;
    rng_seed(&r, 5);
    sharp_model(&m, 1, 33);
    Decoder *d = decoder_new(&m, 2);
    cr_assert_not_null(d);
    token_t prompts[2][12];
    int lens[2] = {6, 12};
    const token_t *pp[2];
    for (int b = 0; b < 2; b++) {
        random_prompt(prompts[b], lens[b], &r);
        pp[b] = prompts[b];
    }
    DecodeOptions opt = {.max_new_tokens = 20, .keep_logits = 1};
    DecodeResult res[2];
    cr_assert_eq(decode_batch(d, &m, pp, lens, 2, &opt, &r, res), 0);
    int rows = 0;
    for (int b = 0; b < 2; b++) {
        cr_assert_not_null(res[b].logits);
        token_t seq[64];
        memcpy(seq, prompts[b], (size_t)lens[b] * sizeof *seq);
        memcpy(seq + lens[b], res[b].raw, (size_t)res[b].n_raw * sizeof *seq);
        for (int k = 0; k < res[b].n_raw + res[b].ended; k++, rows++) {
            model_forward_logits(&m, seq, 1, lens[b] + k);
            const float *want = model_logits(&m) + (size_t)(lens[b] + k - 1) * m.padded_vocab;
            const float *got = res[b].logits + (size_t)k * m.padded_vocab;
            for (int j = 0; j < TOK_COUNT; j++)
                cr_assert(fabsf(got[j] - want[j]) <= 1e-3f * (1.0f + fabsf(want[j])),
                          "sequence %d step %d token %d: kept %g, recomputed %g", b, k, j, got[j],
                          want[j]);
        }
    }
    cr_assert_gt(rows, 10, "the test needs decoding steps to compare");
    opt.keep_logits = 0;
    cr_assert_eq(decode_batch(d, &m, pp, lens, 2, &opt, &r, res), 0);
    cr_assert_null(res[0].logits, "nothing kept unless asked");
    decoder_free(d);
    model_free(&m);
}

/* Three workers share a single sequence's four heads unevenly (1, 1, 2) and the MLP's
 * channels in blocks of 16; the tokens are still the reference's. */
Test(decode, three_workers_on_one_sequence_equal_full_recompute) {
    Model m;
    Rng r;
    rng_seed(&r, 13);
    sharp_model(&m, 3, 6);
    Decoder *d = decoder_new(&m, 1);
    cr_assert_not_null(d);
    token_t prompt[16];
    random_prompt(prompt, 7, &r);
    const token_t *pp[1] = {prompt};
    int len = 7;
    DecodeOptions opt = {.max_new_tokens = 30};
    DecodeResult res[1];
    cr_assert_eq(decode_batch(d, &m, pp, &len, 1, &opt, &r, res), 0);
    token_t expect[64];
    int n = uncached_greedy(&m, prompt, 7, 30, expect);
    cr_assert_eq(res[0].n_raw, n);
    cr_assert_eq(memcmp(res[0].raw, expect, (size_t)n * sizeof(token_t)), 0, "tokens differ");
    cr_assert_gt(n, 10, "the test needs generated tokens to compare");
    decoder_free(d);
    model_free(&m);
}

Test(decode, two_threads_equal_full_recompute) {
    /* With two threads, a batch splits its sequences between the threads and a single
     * sequence splits every matrix between them; both must still give the reference tokens. */
    Model m;
    Rng r;
    rng_seed(&r, 12);
    sharp_model(&m, 2, 5);
    Decoder *d = decoder_new(&m, 3);
    cr_assert_not_null(d);
    token_t prompts[3][16];
    int lens[3] = {4, 16, 9};
    const token_t *pp[3];
    for (int b = 0; b < 3; b++) random_prompt(prompts[b], lens[b], &r), pp[b] = prompts[b];
    DecodeOptions opt = {.max_new_tokens = 30};
    for (int B = 1; B <= 3; B += 2) {
        DecodeResult res[3];
        cr_assert_eq(decode_batch(d, &m, pp, lens, B, &opt, &r, res), 0);
        for (int b = 0; b < B; b++) {
            token_t expect[64];
            int n = uncached_greedy(&m, prompts[b], lens[b], 30, expect);
            cr_assert_eq(res[b].n_raw, n, "batch %d, prompt %d", B, b);
            cr_assert_eq(memcmp(res[b].raw, expect, (size_t)n * sizeof(token_t)), 0,
                         "batch %d, prompt %d: tokens differ", B, b);
        }
    }
    decoder_free(d);
    model_free(&m);
}

Test(decode, batch_equals_one_by_one) {
    Model m;
    Rng r;
    rng_seed(&r, 3);
    sharp_model(&m, 1, 4);
    Decoder *d = decoder_new(&m, 4);
    token_t prompts[4][16];
    int lens[4] = {3, 16, 9, 7};
    const token_t *pp[4];
    for (int b = 0; b < 4; b++) random_prompt(prompts[b], lens[b], &r), pp[b] = prompts[b];
    DecodeOptions opt = {.max_new_tokens = 30};
    DecodeResult all[4], one;
    cr_assert_eq(decode_batch(d, &m, pp, lens, 4, &opt, &r, all), 0);
    token_t saved[4][64];
    int n[4];
    for (int b = 0; b < 4; b++) {
        n[b] = all[b].n_raw;
        memcpy(saved[b], all[b].raw, (size_t)n[b] * sizeof(token_t));
    }
    for (int b = 0; b < 4; b++) {
        cr_assert_eq(decode_batch(d, &m, &pp[b], &lens[b], 1, &opt, &r, &one), 0);
        cr_assert_eq(one.n_raw, n[b]);
        cr_assert_eq(memcmp(one.raw, saved[b], (size_t)n[b] * sizeof(token_t)), 0);
    }
    decoder_free(d);
    model_free(&m);
}

Test(decode, generation_is_capped_by_the_context) {
    token_t prompt[] = {TOK_BOS, 'q', TOK_SEP};
    token_t script[13];
    for (int i = 0; i < 13; i++) script[i] = 'a' + i;
    Model m;
    puppet_init(&m, 16, 3, script, 13, prompt);
    Decoder *d = decoder_new(&m, 1);
    const token_t *pp = prompt;
    int len = 3;
    DecodeOptions opt = {.max_new_tokens = 100};
    DecodeResult r;
    cr_assert_eq(decode_batch(d, &m, &pp, &len, 1, &opt, NULL, &r), 0);
    cr_assert_eq(r.n_raw, 13, "3 prompt tokens + 13 generated fill the context of 16");
    cr_assert_eq(r.raw[12], 'm');
    decoder_free(d);
    model_free(&m);
}

Test(decode, stops_at_eos_and_at_max_new_tokens) {
    token_t prompt[] = {TOK_BOS, 'q', TOK_SEP};
    token_t script[] = {'a', 'b', TOK_EOS, 'z'};
    Model m;
    puppet_init(&m, 16, 3, script, 4, prompt);
    Decoder *d = decoder_new(&m, 1);
    const token_t *pp = prompt;
    int len = 3;
    DecodeOptions opt = {.max_new_tokens = 10};
    DecodeResult r;
    cr_assert_eq(decode_batch(d, &m, &pp, &len, 1, &opt, NULL, &r), 0);
    cr_assert_eq(r.n_raw, 2);
    cr_assert_eq(r.raw[0], 'a');
    cr_assert_eq(r.raw[1], 'b');
    cr_assert_eq(r.ended, 1);
    opt.max_new_tokens = 1;
    cr_assert_eq(decode_batch(d, &m, &pp, &len, 1, &opt, NULL, &r), 0);
    cr_assert_eq(r.n_raw, 1);
    cr_assert_eq(r.ended, 0);
    len = 16; /* a prompt that fills the context leaves no room */
    cr_assert_eq(decode_batch(d, &m, &pp, &len, 1, &opt, NULL, &r), -1);
    decoder_free(d);
    model_free(&m);
}

Test(decode, sampling_respects_top_k) {
    float logits[TOK_VOCAB_PADDED] = {0}, scratch[TOK_VOCAB_PADDED];
    logits['x'] = 5.0f;
    logits['y'] = 4.5f;
    logits[TOK_CORR] = 9.0f; /* not allowed: never chosen */
    Rng r;
    rng_seed(&r, 1);
    int seen_x = 0, seen_y = 0;
    for (int i = 0; i < 2000; i++) {
        token_t t = decode_pick(logits, NULL, 1.0f, 2, 0, &r, scratch);
        cr_assert(t == 'x' || t == 'y', "top-2 sampling gave %d", t);
        seen_x += t == 'x';
        seen_y += t == 'y';
    }
    /* p(x) = e^0.5 / (1 + e^0.5) = 0.622 */
    cr_assert(seen_x > 1150 && seen_x < 1340, "x sampled %d of 2000 times", seen_x);
    cr_assert_gt(seen_y, 0);
    cr_assert_eq(decode_pick(logits, NULL, 0.0f, 0, 1, &r, scratch), TOK_CORR);
    cr_assert_eq(decode_pick(logits, NULL, 0.0f, 0, 0, &r, scratch), 'x');
}

/* Decodes the puppet's script greedily with RAC options; returns the result. */
static DecodeResult run_script(Model *m, Decoder **d, const token_t *script, int n,
                               DecodeOptions opt) {
    static const token_t prompt[] = {TOK_BOS, '?', TOK_SEP};
    puppet_init(m, 32, 3, script, n, prompt);
    *d = decoder_new(m, 1);
    cr_assert_not_null(*d);
    const token_t *pp = prompt;
    int len = 3;
    DecodeResult r;
    cr_assert_eq(decode_batch(*d, m, &pp, &len, 1, &opt, NULL, &r), 0);
    return r;
}

static void assert_tokens(const token_t *got, int n, const char *expect) {
    cr_assert_eq(n, (int)strlen(expect), "%d tokens, expected \"%s\"", n, expect);
    for (int i = 0; i < n; i++) {
        token_t want = expect[i] == '#' ? TOK_CORR : (unsigned char)expect[i];
        cr_assert_eq(got[i], want, "token %d is %d, expected %d", i, got[i], want);
    }
}

#define C TOK_CORR
#define E TOK_EOS

Test(rac_decode, token_granularity_retracts_last_token) {
    token_t script[] = {'a', 'b', C, 'c', E};
    Model m;
    Decoder *d;
    DecodeResult r = run_script(
        &m, &d, script, 5, (DecodeOptions){.max_new_tokens = 20, .rac = 1, .max_corrections = 4});
    assert_tokens(r.raw, r.n_raw, "ab#c");
    assert_tokens(r.out, r.n_out, "ac");
    cr_assert_eq(r.n_corr, 1);
    cr_assert_eq(r.corr[0].pos, 1);
    cr_assert_eq(r.corr[0].retracted, 'b');
    cr_assert_eq(r.corr[0].replacement, 'c');
    decoder_free(d);
    model_free(&m);
}

Test(rac_decode, segment_granularity_retracts_everything_before) {
    token_t script[] = {'a', 'b', C, 'c', 'd', E};
    Model m;
    Decoder *d;
    DecodeResult r = run_script(
        &m, &d, script, 6,
        (DecodeOptions){.max_new_tokens = 20, .rac = 1, .rac_segment = 1, .max_corrections = 4});
    assert_tokens(r.raw, r.n_raw, "ab#cd");
    assert_tokens(r.out, r.n_out, "cd");
    cr_assert_eq(r.n_corr, 1);
    cr_assert_eq(r.corr[0].pos, 0);
    cr_assert_eq(r.corr[0].retracted, 'b');
    cr_assert_eq(r.corr[0].replacement, 'c');
    decoder_free(d);
    model_free(&m);
}

Test(rac_decode, corr_with_nothing_to_retract_is_ignored) {
    token_t script[] = {C, 'a', E};
    Model m;
    Decoder *d;
    DecodeResult r = run_script(
        &m, &d, script, 3, (DecodeOptions){.max_new_tokens = 20, .rac = 1, .max_corrections = 4});
    assert_tokens(r.raw, r.n_raw, "#a");
    assert_tokens(r.out, r.n_out, "a");
    cr_assert_eq(r.n_corr, 0);
    decoder_free(d);
    model_free(&m);
}

Test(rac_decode, at_most_max_corrections) {
    /* The second <corr> is not allowed; the puppet's next best token repeats its input. */
    token_t script[] = {'a', C, 'b', C, 'c', E};
    Model m;
    Decoder *d;
    DecodeResult r = run_script(
        &m, &d, script, 6, (DecodeOptions){.max_new_tokens = 20, .rac = 1, .max_corrections = 1});
    assert_tokens(r.raw, r.n_raw, "a#bbc");
    assert_tokens(r.out, r.n_out, "bbc");
    cr_assert_eq(r.n_corr, 1);
    cr_assert_eq(r.corr[0].retracted, 'a');
    cr_assert_eq(r.corr[0].replacement, 'b');
    decoder_free(d);
    model_free(&m);
}

Test(rac_decode, corr_never_emitted_without_rac) {
    token_t script[] = {'a', C, 'c', E};
    Model m;
    Decoder *d;
    DecodeResult r = run_script(&m, &d, script, 4, (DecodeOptions){.max_new_tokens = 20});
    assert_tokens(r.raw, r.n_raw, "aac");
    cr_assert_eq(r.n_corr, 0);
    decoder_free(d);
    model_free(&m);
}

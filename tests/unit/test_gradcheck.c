/* Every layer's backward pass, and the whole model's, against central finite differences
 * of the double-precision reference in ref_gpt.c. A checked coordinate fails the test when
 * its relative error exceeds MAX_REL. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layers.h"
#include "model.h"
#include "ref_gpt.h"
#include "rng.h"

#define MAX_REL 1e-2
#define FD_STEP 1e-5
#define FLOOR 1e-4 /* gradients below this are compared absolutely, at MAX_REL * FLOOR */

static Rng rng;

static float *randn(size_t n, double scale) {
    float *v = malloc(n * sizeof *v);
    cr_assert_not_null(v);
    for (size_t i = 0; i < n; i++) v[i] = (float)(scale * rng_normal(&rng));
    return v;
}

static float *zeros(size_t n) {
    float *v = calloc(n, sizeof *v);
    cr_assert_not_null(v);
    return v;
}

static double *to_double(const float *v, size_t n) {
    double *d = malloc(n * sizeof *d);
    cr_assert_not_null(d);
    for (size_t i = 0; i < n; i++) d[i] = v[i];
    return d;
}

static size_t *all_indices(size_t n) {
    size_t *idx = malloc(n * sizeof *idx);
    cr_assert_not_null(idx);
    for (size_t i = 0; i < n; i++) idx[i] = i;
    return idx;
}

/* Checks every coordinate of one input against its analytic gradient. */
static void check_all(const char *layer, const char *input, double *x, size_t n,
                      const float *analytic, double (*f)(void *), void *ctx) {
    size_t *idx = all_indices(n);
    GradCheck gc = {0};
    ref_check_coords(&gc, x, idx, n, analytic, f, ctx, FD_STEP, FLOOR);
    free(idx);
    fprintf(stderr, "gradcheck %-12s d%-6s worst relative error %.2e over %zu coordinates\n", layer,
            input, gc.worst_rel, gc.checked);
    cr_assert(gc.worst_rel <= MAX_REL,
              "%s d%s[%zu]: analytic %.9g, numeric %.9g, relative error %.3g", layer, input,
              gc.worst_index, gc.worst_analytic, gc.worst_numeric, gc.worst_rel);
}

/* sum(out * dout): the scalar whose gradient a backward pass computes for upstream dout. */
static double dot(const double *out, const double *dout, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += out[i] * dout[i];
    return s;
}

static void setup(void) { rng_seed(&rng, 1234); }

TestSuite(gradcheck, .init = setup);

/* ---- encoder ---- */
typedef struct {
    double *wte, *wpe, *dout, *out;
    const token_t *inp;
    int B, T, C;
} EncCtx;
static double enc_f(void *p) {
    EncCtx *c = p;
    ref_encoder(c->out, c->inp, c->wte, c->wpe, c->B, c->T, c->C);
    return dot(c->out, c->dout, (size_t)c->B * c->T * c->C);
}
Test(gradcheck, encoder) {
    const int B = 2, T = 5, C = 6, V = 7;
    token_t inp[] = {1, 3, 3, 0, 6, 2, 2, 5, 1, 1};
    float *wte = randn(V * C, 1), *wpe = randn(T * C, 1), *dout = randn(B * T * C, 1);
    float *dwte = zeros(V * C), *dwpe = zeros(T * C);
    encoder_backward(dwte, dwpe, dout, inp, B, T, C);
    EncCtx c = {to_double(wte, V * C),
                to_double(wpe, T * C),
                to_double(dout, B * T * C),
                malloc(sizeof(double) * B * T * C),
                inp,
                B,
                T,
                C};
    check_all("encoder", "wte", c.wte, V * C, dwte, enc_f, &c);
    check_all("encoder", "wpe", c.wpe, T * C, dwpe, enc_f, &c);
    free(wte), free(wpe), free(dout), free(dwte), free(dwpe);
    free(c.wte), free(c.wpe), free(c.dout), free(c.out);
}

/* ---- LayerNorm ---- */
typedef struct {
    double *inp, *w, *b, *dout, *out;
    int N, C;
} LnCtx;
static double ln_f(void *p) {
    LnCtx *c = p;
    ref_layernorm(c->out, c->inp, c->w, c->b, c->N, c->C);
    return dot(c->out, c->dout, (size_t)c->N * c->C);
}
Test(gradcheck, layernorm) {
    const int N = 6, C = 16;
    float *inp = randn(N * C, 2), *w = randn(C, 1), *b = randn(C, 1), *dout = randn(N * C, 1);
    float *out = zeros(N * C), *mean = zeros(N), *rstd = zeros(N);
    float *dinp = zeros(N * C), *dw = zeros(C), *db = zeros(C);
    layernorm_forward(out, mean, rstd, inp, w, b, N, C);
    layernorm_backward(dinp, dw, db, dout, inp, w, mean, rstd, N, C);
    LnCtx c = {to_double(inp, N * C),
               to_double(w, C),
               to_double(b, C),
               to_double(dout, N * C),
               malloc(sizeof(double) * N * C),
               N,
               C};
    check_all("layernorm", "inp", c.inp, N * C, dinp, ln_f, &c);
    check_all("layernorm", "w", c.w, C, dw, ln_f, &c);
    check_all("layernorm", "b", c.b, C, db, ln_f, &c);
    free(inp), free(w), free(b), free(dout), free(out), free(mean), free(rstd);
    free(dinp), free(dw), free(db);
    free(c.inp), free(c.w), free(c.b), free(c.dout), free(c.out);
}

/* ---- linear (matmul + bias) and the residual form out = x + linear(inp) ---- */
typedef struct {
    double *inp, *w, *bias, *resid, *dout, *out;
    int N, IC, OC;
} MmCtx;
static double mm_f(void *p) {
    MmCtx *c = p;
    ref_matmul(c->out, c->inp, c->w, c->bias, c->N, c->IC, c->OC);
    if (c->resid)
        for (long i = 0; i < (long)c->N * c->OC; i++) c->out[i] += c->resid[i];
    return dot(c->out, c->dout, (size_t)c->N * c->OC);
}
static void check_linear(int residual) {
    const int N = 5, IC = 12, OC = 8;
    const char *name = residual ? "residual" : "linear";
    float *inp = randn(N * IC, 1), *w = randn(OC * IC, 0.5), *bias = randn(OC, 1);
    float *x = randn(N * OC, 1), *dout = randn(N * OC, 1), *out = zeros(N * OC);
    float *dinp = zeros(N * IC), *dw = zeros(OC * IC), *dbias = zeros(OC);
    if (residual) memcpy(out, x, sizeof(float) * N * OC);
    matmul_forward(out, inp, w, bias, N, IC, OC, residual ? 1.0f : 0.0f);
    /* The forward must equal the reference exactly up to float rounding. */
    double *ref = malloc(sizeof(double) * N * OC), *inpd = to_double(inp, N * IC);
    double *wd = to_double(w, OC * IC), *bd = to_double(bias, OC);
    ref_matmul(ref, inpd, wd, bd, N, IC, OC);
    for (int i = 0; i < N * OC; i++)
        cr_assert(fabs(out[i] - (ref[i] + (residual ? x[i] : 0.0))) < 1e-4, "%s forward", name);
    matmul_backward(dinp, dw, dbias, dout, inp, w, N, IC, OC);
    MmCtx c = {inpd, wd, bd, residual ? to_double(x, N * OC) : NULL, to_double(dout, N * OC), ref,
               N,    IC, OC};
    check_all(name, "inp", c.inp, N * IC, dinp, mm_f, &c);
    check_all(name, "w", c.w, OC * IC, dw, mm_f, &c);
    check_all(name, "bias", c.bias, OC, dbias, mm_f, &c);
    /* The residual branch passes its gradient through unchanged: d(x) = dout. */
    if (residual) check_all(name, "x", c.resid, N * OC, dout, mm_f, &c);
    free(inp), free(w), free(bias), free(x), free(dout), free(out), free(dinp), free(dw);
    free(dbias), free(c.inp), free(c.w), free(c.bias), free(c.resid), free(c.dout), free(ref);
}
Test(gradcheck, linear) { check_linear(0); }
Test(gradcheck, residual) { check_linear(1); }

/* ---- GELU ---- */
typedef struct {
    double *inp, *dout, *out;
    long n;
} GeluCtx;
static double gelu_f(void *p) {
    GeluCtx *c = p;
    ref_gelu(c->out, c->inp, c->n);
    return dot(c->out, c->dout, (size_t)c->n);
}
Test(gradcheck, gelu) {
    const long n = 64;
    float *inp = randn(n, 2), *dout = randn(n, 1), *d = malloc(sizeof(float) * n);
    memcpy(d, dout, sizeof(float) * n);
    gelu_backward_inplace(d, inp, n);
    GeluCtx c = {to_double(inp, n), to_double(dout, n), malloc(sizeof(double) * n), n};
    check_all("gelu", "inp", c.inp, n, d, gelu_f, &c);
    free(inp), free(dout), free(d), free(c.inp), free(c.dout), free(c.out);
}

/* ---- causal attention ---- */
typedef struct {
    double *qkv, *dout, *out;
    int B, T, C, NH;
} AttCtx;
static double att_f(void *p) {
    AttCtx *c = p;
    ref_attention(c->out, c->qkv, c->B, c->T, c->C, c->NH);
    return dot(c->out, c->dout, (size_t)c->B * c->T * c->C);
}
Test(gradcheck, attention) {
    const int B = 2, T = 6, C = 8, NH = 2, N = B * T;
    float *qkv = randn(N * 3 * C, 1), *dout = randn(N * C, 1), *out = zeros(N * C);
    float *att = zeros(B * NH * T * T), *dqkv = zeros(N * 3 * C), *scratch = zeros(T * T);
    attention_forward(out, att, qkv, B, T, C, NH);
    attention_backward(dqkv, scratch, dout, qkv, att, B, T, C, NH);
    AttCtx c = {to_double(qkv, N * 3 * C),
                to_double(dout, N * C),
                malloc(sizeof(double) * N * C),
                B,
                T,
                C,
                NH};
    /* The forward matches the reference, so the causal mask is where the reference has it. */
    att_f(&c);
    for (int i = 0; i < N * C; i++) cr_assert(fabs(out[i] - c.out[i]) < 1e-5, "attention forward");
    check_all("attention", "qkv", c.qkv, N * 3 * C, dqkv, att_f, &c);
    free(qkv), free(dout), free(out), free(att), free(dqkv), free(scratch);
    free(c.qkv), free(c.dout), free(c.out);
}

/* ---- softmax cross-entropy with a mask ---- */
typedef struct {
    double *logits;
    const token_t *targets;
    const uint8_t *mask;
    int N, V, Vp;
} XentCtx;
static double xent_f(void *p) {
    XentCtx *c = p;
    return ref_crossentropy(c->logits, c->targets, c->mask, c->N, c->V, c->Vp);
}
Test(gradcheck, crossentropy) {
    const int N = 6, V = 13, Vp = 16;
    token_t targets[] = {3, 0, 12, 7, 7, 1};
    uint8_t mask[] = {1, 0, 1, 1, 0, 1};
    float *logits = randn(N * Vp, 3);
    double *ld = to_double(logits, N * Vp);
    XentStats st = crossentropy_forward(logits, targets, mask, N, V, Vp);
    cr_assert_eq(st.count, 4);
    XentCtx c = {ld, targets, mask, N, V, Vp};
    cr_assert(fabs(st.loss_sum / st.count - xent_f(&c)) < 1e-5, "cross-entropy value");
    crossentropy_backward(logits, targets, mask, N, V, Vp, 1.0f / (float)st.count);
    check_all("crossentropy", "logits", ld, N * Vp, logits, xent_f, &c);
    /* Unmasked rows and padding columns carry exactly no gradient. */
    for (int i = 0; i < N; i++)
        for (int j = 0; j < Vp; j++)
            if (!mask[i] || j >= V) cr_assert_eq(logits[i * Vp + j], 0.0f);
    free(logits), free(ld);
}

/* ---- the whole model ---- */
typedef struct {
    const Model *m;
    double *params;
    const Batch *b;
} GptCtx;
static double gpt_f(void *p) {
    GptCtx *c = p;
    return ref_gpt_loss(c->m, c->params, c->b);
}
Test(gradcheck, whole_model) {
    ModelConfig cfg = {.layers = 2, .dim = 16, .heads = 2, .context = 12, .vocab = TOK_COUNT};
    Model m;
    cr_assert_eq(model_init(&m, &cfg, 3), 0);
    model_init_weights(&m, 7);
    /* Move every parameter off its initial value so that biases, gains and the padding rows
     * of the vocabulary all take part. */
    for (size_t i = 0; i < m.num_params; i++) m.params[i] += (float)(0.05 * rng_normal(&rng));
    Batch b;
    cr_assert_eq(batch_alloc(&b, 3, cfg.context), 0);
    batch_reset(&b, 3, 9); /* shorter than the context: T is the batch's longest row */
    for (int i = 0; i < b.B * b.T; i++) {
        b.input[i] = (token_t)rng_below(&rng, TOK_COUNT);
        b.target[i] = (token_t)rng_below(&rng, TOK_COUNT);
        b.mask[i] = (uint8_t)(rng_below(&rng, 4) != 0);
    }
    float loss = model_forward(&m, &b);
    model_zero_grad(&m);
    model_backward(&m, &b);
    GptCtx c = {&m, to_double(m.params, m.num_params), &b};
    cr_assert(fabs(loss - gpt_f(&c)) < 1e-4, "model loss %f vs reference %f", loss, gpt_f(&c));

    static const char *names[NUM_PARAM_TENSORS] = {
        "wte",  "wpe",  "ln1w", "ln1b", "qkvw",    "qkvb",    "attprojw", "attprojb",
        "ln2w", "ln2b", "fcw",  "fcb",  "fcprojw", "fcprojb", "lnfw",     "lnfb"};
    double worst = 0;
    for (int t = 0; t < NUM_PARAM_TENSORS; t++) {
        /* Up to 40 coordinates per tensor, drawn with a fixed seed. */
        size_t n = m.tensor_size[t], count = n < 40 ? n : 40, idx[40];
        for (size_t k = 0; k < count; k++)
            idx[k] = m.tensor_offset[t] + (n <= 40 ? k : rng_below(&rng, (uint32_t)n));
        GradCheck gc = {0};
        ref_check_coords(&gc, c.params, idx, count, m.grads, gpt_f, &c, FD_STEP, 1e-5);
        fprintf(stderr, "gradcheck model d%-9s worst relative error %.2e over %zu coordinates\n",
                names[t], gc.worst_rel, gc.checked);
        cr_expect(gc.worst_rel <= MAX_REL, "model d%s[%zu]: analytic %.9g numeric %.9g rel %.3g",
                  names[t], gc.worst_index - m.tensor_offset[t], gc.worst_analytic,
                  gc.worst_numeric, gc.worst_rel);
        worst = fmax(worst, gc.worst_rel);
    }
    fprintf(stderr, "gradcheck model: worst relative error %.2e\n", worst);
    free(c.params);
    batch_free(&b);
    model_free(&m);
}

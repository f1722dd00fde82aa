#include "block.h"

#include <string.h>

#include "layers.h"

void block_channels(int n, int w, int workers, int *begin, int *end) {
    long b0, b1;
    pool_split((n + 15) / 16, w, workers, &b0, &b1);
    *begin = (int)(b0 * 16 < n ? b0 * 16 : n);
    *end = (int)(b1 * 16 < n ? b1 * 16 : n);
}

/* qkv = ln1 Wqkv^T + b; a team computes the queries, keys and values of its heads only. */
static void qkv_forward(const BlockPass *ps, const BlockWeights *w, const BlockActs *a, int N,
                        int h0, int h1) {
    const int C = ps->C, hs = C / ps->NH;
    if (!ps->team) {
        matmul_forward(a->qkv, a->ln1, w->qkvw, w->qkvb, N, C, 3 * C, 0.0f);
        return;
    }
    for (int part = 0; part < 3; part++)
        matvec_forward_outputs(a->qkv, a->ln1, w->qkvw, w->qkvb, C, part * C + h0 * hs,
                               part * C + h1 * hs, 0.0f);
}

/* atty = causal attention of heads h0..h1-1: within whole sequences, or against the cache
 * once every row's key and value are in it. */
static void attend(const BlockPass *ps, const BlockActs *a, int N, int h0, int h1) {
    const int C = ps->C, hs = C / ps->NH;
    if (!ps->cache) {
        attention_forward(a->atty, a->att, a->qkv, ps->B, ps->T, C, ps->NH);
        return;
    }
    for (int i = 0; i < N; i++) {
        const float *row = a->qkv + (size_t)i * 3 * C;
        kvcache_store(ps->cache, ps->layer, ps->seq[i], ps->pos[i], row + C, row + 2 * C, h0 * hs,
                      h1 * hs);
    }
    for (int i = 0; i < N; i++)
        attention_forward_cached(a->atty + (size_t)i * C, a->att, a->qkv + (size_t)i * 3 * C,
                                 ps->cache, ps->layer, ps->seq[i], ps->pos[i], ps->NH, h0, h1);
}

/* out = x + inp W^T + bias (W is (C, IC)), in place when out is x. A team member multiplies
 * input channels i0..i1-1 into its part `k` and, after the barrier, adds up every part. */
static void residual_forward(const BlockPass *ps, float *out, const float *x, const float *inp,
                             const float *W, const float *bias, int N, int IC, int i0, int i1,
                             int k) {
    const int C = ps->C;
    if (out != x) memcpy(out, x, (size_t)N * C * sizeof(float));
    const BlockTeam *tm = ps->team;
    if (!tm) {
        matmul_forward(out, inp, W, bias, N, IC, C, 1.0f);
        return;
    }
    matvec_forward_inputs(tm->parts + ((size_t)tm->w * 2 + k) * C, inp, W, IC, C, i0, i1);
    /* Every part is written before anyone reads; the other projection's parts are what a
     * worker writes next, so no part is overwritten while another worker still reads it. */
    pool_barrier(tm->pool);
    for (int c = 0; c < C; c++) out[c] += bias[c];
    for (int v = 0; v < tm->workers; v++) {
        const float *part = tm->parts + ((size_t)v * 2 + k) * C;
        for (int c = 0; c < C; c++) out[c] += part[c];
    }
}

void block_forward(const BlockPass *ps, const BlockWeights *w, const BlockActs *a, const float *x,
                   int N) {
    const int C = ps->C, hs = C / ps->NH;
    int h0 = 0, h1 = ps->NH, f0 = 0, f1 = 4 * C;
    if (ps->team) {
        long b, e;
        pool_split(ps->NH, ps->team->w, ps->team->workers, &b, &e);
        h0 = (int)b, h1 = (int)e;
        block_channels(4 * C, ps->team->w, ps->team->workers, &f0, &f1);
    }

    layernorm_forward(a->ln1, a->ln1_mean, a->ln1_rstd, x, w->ln1w, w->ln1b, N, C);
    qkv_forward(ps, w, a, N, h0, h1);
    attend(ps, a, N, h0, h1);
    residual_forward(ps, a->res2, x, a->atty, w->attprojw, w->attprojb, N, C, h0 * hs, h1 * hs, 0);

    layernorm_forward(a->ln2, a->ln2_mean, a->ln2_rstd, a->res2, w->ln2w, w->ln2b, N, C);
    if (ps->team) matvec_forward_outputs(a->fch, a->ln2, w->fcw, w->fcb, C, f0, f1, 0.0f);
    else matmul_forward(a->fch, a->ln2, w->fcw, w->fcb, N, C, 4 * C, 0.0f);
    gelu_forward(a->fch_gelu + f0, a->fch + f0, ps->team ? f1 - f0 : (long)N * 4 * C);
    residual_forward(ps, a->res3, a->res2, a->fch_gelu, w->fcprojw, w->fcprojb, N, 4 * C, f0, f1,
                     1);
}

void head_forward(const BlockPass *ps, float *logits, float *ln, float *mean, float *rstd,
                  const float *x, const float *lnw, const float *lnb, const float *wte, int N,
                  int Vp) {
    const int C = ps->C;
    layernorm_forward(ln, mean, rstd, x, lnw, lnb, N, C);
    if (!ps->team) {
        matmul_forward(logits, ln, wte, NULL, N, C, Vp, 0.0f);
        return;
    }
    int v0, v1;
    block_channels(Vp, ps->team->w, ps->team->workers, &v0, &v1);
    matvec_forward_outputs(logits, ln, wte, NULL, C, v0, v1, 0.0f);
}

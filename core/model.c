#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

/* Everything is allocated 64-byte aligned: cache lines and AVX-512 vectors. */
#define ALIGN 64

static void *alloc_floats(size_t n) {
    size_t bytes = (n * sizeof(float) + ALIGN - 1) / ALIGN * ALIGN;
    void *p = bytes ? aligned_alloc(ALIGN, bytes) : NULL;
    if (p) memset(p, 0, bytes);
    return p;
}

static int padded_vocab(int vocab) { return (vocab + 7) / 8 * 8; }

int model_config_check(const ModelConfig *c, char *err, size_t cap) {
    const char *why = NULL;
    if (c->layers < 1 || c->layers > 256) why = "layers: must be an integer in 1..256";
    else if (c->dim < 1 || c->dim > 16384) why = "dim: must be an integer in 1..16384";
    else if (c->heads < 1 || c->dim % c->heads != 0) why = "heads: must be >= 1 and divide dim";
    else if (c->context < 2 || c->context > 65536) why = "context: must be an integer in 2..65536";
    else if (c->vocab < 1 || c->vocab > 1 << 20) why = "vocab: must be an integer in 1..1048576";
    if (why && err && cap) snprintf(err, cap, "%s", why);
    return why ? -1 : 0;
}

static void tensor_sizes(const ModelConfig *c, size_t sz[NUM_PARAM_TENSORS]) {
    size_t L = (size_t)c->layers, C = (size_t)c->dim;
    sz[P_WTE] = (size_t)padded_vocab(c->vocab) * C;
    sz[P_WPE] = (size_t)c->context * C;
    sz[P_LN1W] = sz[P_LN1B] = L * C;
    sz[P_QKVW] = L * 3 * C * C;
    sz[P_QKVB] = L * 3 * C;
    sz[P_ATTPROJW] = L * C * C;
    sz[P_ATTPROJB] = L * C;
    sz[P_LN2W] = sz[P_LN2B] = L * C;
    sz[P_FCW] = L * 4 * C * C;
    sz[P_FCB] = L * 4 * C;
    sz[P_FCPROJW] = L * C * 4 * C;
    sz[P_FCPROJB] = L * C;
    sz[P_LNFW] = sz[P_LNFB] = C;
}

static size_t count_params(const ModelConfig *c) {
    size_t sz[NUM_PARAM_TENSORS], n = 0;
    tensor_sizes(c, sz);
    for (int i = 0; i < NUM_PARAM_TENSORS; i++) n += sz[i];
    return n;
}

size_t model_state_bytes(const ModelConfig *c) { return 4 * count_params(c) * sizeof(float); }

/* Activation floats for B rows of T positions; the arena is this at (max_batch, context). */
static size_t act_floats(const ModelConfig *c, size_t B, size_t T) {
    size_t L = (size_t)c->layers, C = (size_t)c->dim, NH = (size_t)c->heads, N = B * T;
    size_t Vp = (size_t)padded_vocab(c->vocab);
    size_t per_layer = N * C      /* ln1 */
                       + 2 * N    /* ln1 mean, rstd */
                       + N * 3 * C /* qkv */
                       + N * C    /* atty */
                       + B * NH * T * T /* att */
                       + N * C    /* res2 */
                       + N * C + 2 * N /* ln2, mean, rstd */
                       + 2 * N * 4 * C /* fch, fch_gelu */
                       + N * C;   /* res3 */
    return N * C /* encoded */ + L * per_layer + N * C + 2 * N /* lnf */ + N * Vp /* logits */;
}

/* Backward scratch: residual gradient, a (N, C) temporary, dqkv, d(fc), d(scores) of one head. */
static size_t scratch_floats(const ModelConfig *c, size_t B) {
    size_t C = (size_t)c->dim, T = (size_t)c->context, N = B * T;
    return 2 * N * C + N * 3 * C + N * 4 * C + T * T;
}

size_t model_activation_bytes(const ModelConfig *c, int max_batch) {
    size_t B = (size_t)max_batch;
    return (act_floats(c, B, (size_t)c->context) + scratch_floats(c, B)) * sizeof(float);
}

static void set_views(ParamViews *v, float *base, const size_t off[NUM_PARAM_TENSORS]) {
    for (int i = 0; i < NUM_PARAM_TENSORS; i++) v->at[i] = base + off[i];
}

int model_init(Model *m, const ModelConfig *cfg, int max_batch) {
    memset(m, 0, sizeof *m);
    if (model_config_check(cfg, NULL, 0) || max_batch < 1) return -1;
    m->cfg = *cfg;
    m->padded_vocab = padded_vocab(cfg->vocab);
    m->max_batch = max_batch;
    tensor_sizes(cfg, m->tensor_size);
    size_t off = 0;
    for (int i = 0; i < NUM_PARAM_TENSORS; i++) {
        m->tensor_offset[i] = off;
        off += m->tensor_size[i];
    }
    m->num_params = off;
    m->params = alloc_floats(off);
    m->grads = alloc_floats(off);
    m->adam_m = alloc_floats(off);
    m->adam_v = alloc_floats(off);
    m->acts = alloc_floats(act_floats(cfg, (size_t)max_batch, (size_t)cfg->context));
    m->scratch = alloc_floats(scratch_floats(cfg, (size_t)max_batch));
    if (!m->params || !m->grads || !m->adam_m || !m->adam_v || !m->acts || !m->scratch) {
        model_free(m);
        return -1;
    }
    set_views(&m->p, m->params, m->tensor_offset);
    set_views(&m->g, m->grads, m->tensor_offset);
    return 0;
}

void model_free(Model *m) {
    free(m->params);
    free(m->grads);
    free(m->adam_m);
    free(m->adam_v);
    free(m->acts);
    free(m->scratch);
    memset(m, 0, sizeof *m);
}

int model_tensor_decays(int t) {
    return t == P_WTE || t == P_WPE || t == P_QKVW || t == P_ATTPROJW || t == P_FCW ||
           t == P_FCPROJW;
}

void model_init_weights(Model *m, uint64_t seed) {
    Rng rng;
    rng_seed(&rng, seed);
    const double std = 0.02, resid_std = 0.02 / sqrt(2.0 * m->cfg.layers);
    for (int t = 0; t < NUM_PARAM_TENSORS; t++) {
        float *w = m->p.at[t];
        size_t n = m->tensor_size[t];
        if (t == P_LN1W || t == P_LN2W || t == P_LNFW) {
            for (size_t i = 0; i < n; i++) w[i] = 1.0f;
        } else if (model_tensor_decays(t)) {
            double s = (t == P_ATTPROJW || t == P_FCPROJW) ? resid_std : std;
            for (size_t i = 0; i < n; i++) w[i] = (float)(s * rng_normal(&rng));
        } else {
            memset(w, 0, n * sizeof *w);
        }
    }
    /* The padding rows of the vocabulary never occur as inputs; keep them at zero. */
    size_t C = (size_t)m->cfg.dim;
    memset(m->p.wte + (size_t)m->cfg.vocab * C, 0,
           (size_t)(m->padded_vocab - m->cfg.vocab) * C * sizeof(float));
    memset(m->grads, 0, m->num_params * sizeof(float));
    memset(m->adam_m, 0, m->num_params * sizeof(float));
    memset(m->adam_v, 0, m->num_params * sizeof(float));
}

/* Views into the activation arena for one (B, T) shape. Per-layer tensors are stacked. */
typedef struct {
    float *encoded, *ln1, *ln1_mean, *ln1_rstd, *qkv, *atty, *att, *res2;
    float *ln2, *ln2_mean, *ln2_rstd, *fch, *fch_gelu, *res3;
    float *lnf, *lnf_mean, *lnf_rstd, *logits;
} Acts;

static Acts acts_layout(const Model *m, int B, int T) {
    size_t L = (size_t)m->cfg.layers, C = (size_t)m->cfg.dim, NH = (size_t)m->cfg.heads;
    size_t N = (size_t)B * (size_t)T;
    float *p = m->acts;
    Acts a;
#define TAKE(field, n) (a.field = p, p += (n))
    TAKE(encoded, N * C);
    TAKE(ln1, L * N * C);
    TAKE(ln1_mean, L * N);
    TAKE(ln1_rstd, L * N);
    TAKE(qkv, L * N * 3 * C);
    TAKE(atty, L * N * C);
    TAKE(att, L * (size_t)B * NH * (size_t)T * (size_t)T);
    TAKE(res2, L * N * C);
    TAKE(ln2, L * N * C);
    TAKE(ln2_mean, L * N);
    TAKE(ln2_rstd, L * N);
    TAKE(fch, L * N * 4 * C);
    TAKE(fch_gelu, L * N * 4 * C);
    TAKE(res3, L * N * C);
    TAKE(lnf, N * C);
    TAKE(lnf_mean, N);
    TAKE(lnf_rstd, N);
    TAKE(logits, N * (size_t)m->padded_vocab);
#undef TAKE
    return a;
}

void model_forward_logits(Model *m, const token_t *input, int B, int T) {
    const int L = m->cfg.layers, C = m->cfg.dim, NH = m->cfg.heads, N = B * T;
    const size_t NC = (size_t)N * C;
    m->B = B;
    m->T = T;
    Acts a = acts_layout(m, B, T);
    ParamViews *p = &m->p;

    encoder_forward(a.encoded, input, p->wte, p->wpe, B, T, C);
    const float *x = a.encoded;
    for (int l = 0; l < L; l++) {
        float *ln1 = a.ln1 + l * NC, *qkv = a.qkv + l * 3 * NC, *atty = a.atty + l * NC;
        float *att = a.att + (size_t)l * B * NH * T * T, *res2 = a.res2 + l * NC;
        float *ln2 = a.ln2 + l * NC, *fch = a.fch + l * 4 * NC;
        float *fch_gelu = a.fch_gelu + l * 4 * NC, *res3 = a.res3 + l * NC;

        layernorm_forward(ln1, a.ln1_mean + (size_t)l * N, a.ln1_rstd + (size_t)l * N, x,
                          p->ln1w + l * C, p->ln1b + l * C, N, C);
        matmul_forward(qkv, ln1, p->qkvw + (size_t)l * 3 * C * C, p->qkvb + l * 3 * C, N, C,
                       3 * C, 0.0f);
        attention_forward(atty, att, qkv, B, T, C, NH);
        memcpy(res2, x, NC * sizeof(float));
        matmul_forward(res2, atty, p->attprojw + (size_t)l * C * C, p->attprojb + l * C, N, C, C,
                       1.0f);
        layernorm_forward(ln2, a.ln2_mean + (size_t)l * N, a.ln2_rstd + (size_t)l * N, res2,
                          p->ln2w + l * C, p->ln2b + l * C, N, C);
        matmul_forward(fch, ln2, p->fcw + (size_t)l * 4 * C * C, p->fcb + l * 4 * C, N, C,
                       4 * C, 0.0f);
        gelu_forward(fch_gelu, fch, (long)N * 4 * C);
        memcpy(res3, res2, NC * sizeof(float));
        matmul_forward(res3, fch_gelu, p->fcprojw + (size_t)l * 4 * C * C, p->fcprojb + l * C, N,
                       4 * C, C, 1.0f);
        x = res3;
    }
    layernorm_forward(a.lnf, a.lnf_mean, a.lnf_rstd, x, p->lnfw, p->lnfb, N, C);
    matmul_forward(a.logits, a.lnf, p->wte, NULL, N, C, m->padded_vocab, 0.0f);
}

const float *model_logits(const Model *m) { return acts_layout(m, m->B, m->T).logits; }

float model_forward(Model *m, const Batch *b) {
    model_forward_logits(m, b->input, b->B, b->T);
    Acts a = acts_layout(m, b->B, b->T);
    m->last = crossentropy_forward(a.logits, b->target, b->mask, b->B * b->T, m->cfg.vocab,
                                   m->padded_vocab);
    return m->last.count ? (float)(m->last.loss_sum / m->last.count) : 0.0f;
}

void model_zero_grad(Model *m) { memset(m->grads, 0, m->num_params * sizeof(float)); }

void model_backward(Model *m, const Batch *b) {
    if (m->last.count == 0) return; /* nothing carries loss: the gradient is zero */
    const int L = m->cfg.layers, C = m->cfg.dim, NH = m->cfg.heads, B = b->B, T = b->T;
    const int N = B * T, Vp = m->padded_vocab;
    const size_t NC = (size_t)N * C;
    Acts a = acts_layout(m, B, T);
    ParamViews *p = &m->p, *g = &m->g;
    float *dres = m->scratch, *dtmp = dres + NC, *dqkv = dtmp + NC, *dfc = dqkv + 3 * NC;
    float *dscores = dfc + 4 * NC;

    float *dlogits = a.logits;
    crossentropy_backward(dlogits, b->target, b->mask, N, m->cfg.vocab, Vp,
                          1.0f / (float)m->last.count);
    matmul_backward(dtmp, g->wte, NULL, dlogits, a.lnf, p->wte, N, C, Vp);
    memset(dres, 0, NC * sizeof(float));
    const float *last = a.res3 + (size_t)(L - 1) * NC;
    layernorm_backward(dres, g->lnfw, g->lnfb, dtmp, last, p->lnfw, a.lnf_mean, a.lnf_rstd, N, C);

    for (int l = L - 1; l >= 0; l--) {
        const float *res_in = l == 0 ? a.encoded : a.res3 + (size_t)(l - 1) * NC;
        const float *ln1 = a.ln1 + l * NC, *qkv = a.qkv + l * 3 * NC, *atty = a.atty + l * NC;
        const float *att = a.att + (size_t)l * B * NH * T * T, *res2 = a.res2 + l * NC;
        const float *ln2 = a.ln2 + l * NC, *fch = a.fch + l * 4 * NC;
        const float *fch_gelu = a.fch_gelu + l * 4 * NC;

        /* MLP block; dres holds d(res3) and becomes d(res2). */
        matmul_backward(dfc, g->fcprojw + (size_t)l * 4 * C * C, g->fcprojb + l * C, dres,
                        fch_gelu, p->fcprojw + (size_t)l * 4 * C * C, N, 4 * C, C);
        gelu_backward_inplace(dfc, fch, (long)N * 4 * C);
        matmul_backward(dtmp, g->fcw + (size_t)l * 4 * C * C, g->fcb + l * 4 * C, dfc, ln2,
                        p->fcw + (size_t)l * 4 * C * C, N, C, 4 * C);
        layernorm_backward(dres, g->ln2w + l * C, g->ln2b + l * C, dtmp, res2, p->ln2w + l * C,
                           a.ln2_mean + (size_t)l * N, a.ln2_rstd + (size_t)l * N, N, C);

        /* Attention block; dres becomes d(res_in). */
        matmul_backward(dtmp, g->attprojw + (size_t)l * C * C, g->attprojb + l * C, dres, atty,
                        p->attprojw + (size_t)l * C * C, N, C, C);
        attention_backward(dqkv, dscores, dtmp, qkv, att, B, T, C, NH);
        matmul_backward(dtmp, g->qkvw + (size_t)l * 3 * C * C, g->qkvb + l * 3 * C, dqkv, ln1,
                        p->qkvw + (size_t)l * 3 * C * C, N, C, 3 * C);
        layernorm_backward(dres, g->ln1w + l * C, g->ln1b + l * C, dtmp, res_in, p->ln1w + l * C,
                           a.ln1_mean + (size_t)l * N, a.ln1_rstd + (size_t)l * N, N, C);
    }
    encoder_backward(g->wte, g->wpe, dres, b->input, B, T, C);
}

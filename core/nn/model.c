#include "model.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "util.h"

/* Everything is allocated 64-byte aligned: cache lines and AVX-512 vectors. */
#define ALIGN 64

static void *alloc_floats(size_t n) {
    size_t bytes = (n * sizeof(float) + ALIGN - 1) / ALIGN * ALIGN;
    void *p = bytes ? aligned_alloc(ALIGN, bytes) : NULL;
    if (p) memset(p, 0, bytes);
    return p;
}

static int padded_vocab(int vocab) { return (vocab + 7) / 8 * 8; }

/* 1 (with the message) when value is outside least..most. */
static int outside(const char *name, int value, int least, int most, char *err, size_t cap) {
    if (value >= least && value <= most) return 0;
    if (err && cap) snprintf(err, cap, "%s: must be an integer in %d..%d", name, least, most);
    return 1;
}

int model_config_check(const ModelConfig *c, char *err, size_t cap) {
    if (outside("layers", c->layers, 1, LIMIT_LAYERS, err, cap) ||
        outside("dim", c->dim, 1, LIMIT_MODEL_DIM, err, cap))
        return -1;
    if (c->heads < 1 || c->dim % c->heads != 0) {
        if (err && cap) snprintf(err, cap, "heads: must be >= 1 and divide dim");
        return -1;
    }
    return outside("context", c->context, 2, LIMIT_MODEL_CONTEXT, err, cap) ||
                   outside("vocab", c->vocab, 1, LIMIT_MODEL_VOCAB, err, cap)
               ? -1
               : 0;
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

/* Activation floats of one shard of B rows of T positions (the logits are the model's). */
static size_t act_floats(const ModelConfig *c, size_t B, size_t T) {
    size_t L = (size_t)c->layers, C = (size_t)c->dim, NH = (size_t)c->heads, N = B * T;
    size_t per_layer = N * C            /* ln1 */
                       + 2 * N          /* ln1 mean, rstd */
                       + N * 3 * C      /* qkv */
                       + N * C          /* atty */
                       + B * NH * T * T /* att */
                       + N * C          /* res2 */
                       + N * C + 2 * N  /* ln2, mean, rstd */
                       + 2 * N * 4 * C  /* fch, fch_gelu */
                       + N * C;         /* res3 */
    return N * C /* encoded */ + L * per_layer + N * C + 2 * N /* lnf */;
}

/* Backward scratch of one shard: residual gradient, a (N, C) temporary, dqkv, d(fc), and the
 * score gradients of one head. */
static size_t scratch_floats(const ModelConfig *c, size_t B) {
    size_t C = (size_t)c->dim, T = (size_t)c->context, N = B * T;
    return 2 * N * C + N * 3 * C + N * 4 * C + T * T;
}

static size_t logit_floats(const ModelConfig *c, size_t B) {
    return B * (size_t)c->context * (size_t)padded_vocab(c->vocab);
}

size_t model_activation_bytes(const ModelConfig *c, int max_batch) {
    size_t B = (size_t)max_batch;
    return (act_floats(c, B, (size_t)c->context) + scratch_floats(c, B) + logit_floats(c, B)) *
           sizeof(float);
}

/* One shard: the rows of a batch one thread works on, and its working memory. */
typedef struct ModelShard {
    float *acts, *scratch;
    float *grads;   /* shard 0: the model's gradient; others their own, summed into it */
    int row0, rows; /* of the current batch */
    XentStats stats;
} ModelShard;

static void set_views(ParamViews *v, float *base, const size_t off[NUM_PARAM_TENSORS]) {
    for (int i = 0; i < NUM_PARAM_TENSORS; i++) v->at[i] = base + off[i];
}

static void free_shards(ModelShard *shards, int n, const float *model_grads) {
    for (int i = 0; shards && i < n; i++) {
        free(shards[i].acts);
        free(shards[i].scratch);
        if (shards[i].grads != model_grads) free(shards[i].grads);
    }
    free(shards);
}

int model_set_threads(Model *m, int threads) {
    if (threads < 1) threads = 1;
    /* "One per core" on a machine with more cores than a pool may have. */
    if (threads > LIMIT_THREADS) threads = LIMIT_THREADS;
    int shard_rows = (m->max_batch + threads - 1) / threads;
    ModelShard *shards = calloc((size_t)threads, sizeof *shards);
    Pool *pool = shards ? pool_new(threads) : NULL;
    int ok = pool != NULL;
    for (int i = 0; ok && i < threads; i++) {
        shards[i].acts =
            alloc_floats(act_floats(&m->cfg, (size_t)shard_rows, (size_t)m->cfg.context));
        shards[i].scratch = alloc_floats(scratch_floats(&m->cfg, (size_t)shard_rows));
        shards[i].grads = i == 0 ? m->grads : alloc_floats(m->num_params);
        ok = shards[i].acts && shards[i].scratch && shards[i].grads;
    }
    if (!ok) {
        free_shards(shards, threads, m->grads);
        pool_free(pool);
        return -1;
    }
    free_shards(m->shards, m->threads, m->grads);
    pool_free(m->pool);
    m->shards = shards;
    m->pool = pool;
    m->threads = threads;
    /* The shards are the parallelism; OpenBLAS threads would only compete with them. */
    openblas_set_num_threads(1);
    return 0;
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
    m->logits = alloc_floats(logit_floats(cfg, (size_t)max_batch));
    if (!m->params || !m->grads || !m->adam_m || !m->adam_v || !m->logits ||
        model_set_threads(m, 1)) {
        model_free(m);
        return -1;
    }
    set_views(&m->p, m->params, m->tensor_offset);
    set_views(&m->g, m->grads, m->tensor_offset);
    return 0;
}

void model_free(Model *m) {
    free_shards(m->shards, m->threads, m->grads);
    pool_free(m->pool);
    free(m->params);
    free(m->grads);
    free(m->adam_m);
    free(m->adam_v);
    free(m->logits);
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

/* Views into a shard's activation arena for one (B, T) shape. Per-layer tensors are stacked. */
typedef struct {
    float *encoded, *ln1, *ln1_mean, *ln1_rstd, *qkv, *atty, *att, *res2;
    float *ln2, *ln2_mean, *ln2_rstd, *fch, *fch_gelu, *res3;
    float *lnf, *lnf_mean, *lnf_rstd;
} Acts;

static Acts acts_layout(const Model *m, float *arena, int B, int T) {
    size_t L = (size_t)m->cfg.layers, C = (size_t)m->cfg.dim, NH = (size_t)m->cfg.heads;
    size_t N = (size_t)B * (size_t)T;
    float *p = arena;
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
#undef TAKE
    return a;
}

BlockWeights model_block(const Model *m, int l) {
    const ParamViews *p = &m->p;
    const size_t C = (size_t)m->cfg.dim;
    return (BlockWeights){.ln1w = p->ln1w + l * C,
                          .ln1b = p->ln1b + l * C,
                          .qkvw = p->qkvw + l * 3 * C * C,
                          .qkvb = p->qkvb + l * 3 * C,
                          .attprojw = p->attprojw + l * C * C,
                          .attprojb = p->attprojb + l * C,
                          .ln2w = p->ln2w + l * C,
                          .ln2b = p->ln2b + l * C,
                          .fcw = p->fcw + l * 4 * C * C,
                          .fcb = p->fcb + l * 4 * C,
                          .fcprojw = p->fcprojw + l * 4 * C * C,
                          .fcprojb = p->fcprojb + l * C};
}

/* Block l's part of a shard's activations. */
static BlockActs block_acts(const Acts *a, int l, int B, int T, int C, int NH) {
    const size_t N = (size_t)B * T, NC = N * C, l_ = (size_t)l;
    return (BlockActs){a->ln1 + l_ * NC,     a->ln1_mean + l_ * N, a->ln1_rstd + l_ * N,
                       a->qkv + l_ * 3 * NC, a->atty + l_ * NC,    a->att + l_ * B * NH * T * T,
                       a->res2 + l_ * NC,    a->ln2 + l_ * NC,     a->ln2_mean + l_ * N,
                       a->ln2_rstd + l_ * N, a->fch + l_ * 4 * NC, a->fch_gelu + l_ * 4 * NC,
                       a->res3 + l_ * NC};
}

/* The forward pass of one shard: B rows of input (row-major, T each) to B*T logit rows. */
static void shard_forward(const Model *m, ModelShard *sh, const token_t *input, float *logits,
                          int B, int T) {
    const int C = m->cfg.dim, NH = m->cfg.heads;
    Acts a = acts_layout(m, sh->acts, B, T);
    const ParamViews *p = &m->p;
    const BlockPass ps = {.C = C, .NH = NH, .B = B, .T = T};

    encoder_forward(a.encoded, input, p->wte, p->wpe, B, T, C);
    const float *x = a.encoded;
    for (int l = 0; l < m->cfg.layers; l++) {
        const BlockWeights w = model_block(m, l);
        const BlockActs ba = block_acts(&a, l, B, T, C, NH);
        block_forward(&ps, &w, &ba, x, B * T);
        x = ba.res3;
    }
    head_forward(&ps, logits, a.lnf, a.lnf_mean, a.lnf_rstd, x, p->lnfw, p->lnfb, p->wte, B * T,
                 m->padded_vocab);
}

/* The backward pass of one shard, accumulating into grads; dlogits (the shard's rows of the
 * logits buffer) already hold d(loss)/d(logits). */
static void shard_backward(const Model *m, ModelShard *sh, const token_t *input, float *dlogits,
                           int B, int T) {
    const int L = m->cfg.layers, C = m->cfg.dim, NH = m->cfg.heads, N = B * T;
    const int Vp = m->padded_vocab;
    const size_t NC = (size_t)N * C;
    Acts a = acts_layout(m, sh->acts, B, T);
    const ParamViews *p = &m->p;
    ParamViews g;
    set_views(&g, sh->grads, m->tensor_offset);
    float *dres = sh->scratch, *dtmp = dres + NC, *dqkv = dtmp + NC, *dfc = dqkv + 3 * NC;
    float *dscores = dfc + 4 * NC;

    matmul_backward(dtmp, g.wte, NULL, dlogits, a.lnf, p->wte, N, C, Vp);
    memset(dres, 0, NC * sizeof(float));
    const float *last = a.res3 + (size_t)(L - 1) * NC;
    layernorm_backward(dres, g.lnfw, g.lnfb, dtmp, last, p->lnfw, a.lnf_mean, a.lnf_rstd, N, C);

    for (int l = L - 1; l >= 0; l--) {
        const float *res_in = l == 0 ? a.encoded : a.res3 + (size_t)(l - 1) * NC;
        const float *ln1 = a.ln1 + l * NC, *qkv = a.qkv + l * 3 * NC, *atty = a.atty + l * NC;
        const float *att = a.att + (size_t)l * B * NH * T * T, *res2 = a.res2 + l * NC;
        const float *ln2 = a.ln2 + l * NC, *fch = a.fch + l * 4 * NC;
        const float *fch_gelu = a.fch_gelu + l * 4 * NC;

        /* MLP block; dres holds d(res3) and becomes d(res2). */
        matmul_backward(dfc, g.fcprojw + (size_t)l * 4 * C * C, g.fcprojb + l * C, dres, fch_gelu,
                        p->fcprojw + (size_t)l * 4 * C * C, N, 4 * C, C);
        gelu_backward_inplace(dfc, fch, (long)N * 4 * C);
        matmul_backward(dtmp, g.fcw + (size_t)l * 4 * C * C, g.fcb + l * 4 * C, dfc, ln2,
                        p->fcw + (size_t)l * 4 * C * C, N, C, 4 * C);
        layernorm_backward(dres, g.ln2w + l * C, g.ln2b + l * C, dtmp, res2, p->ln2w + l * C,
                           a.ln2_mean + (size_t)l * N, a.ln2_rstd + (size_t)l * N, N, C);

        /* Attention block; dres becomes d(res_in). */
        matmul_backward(dtmp, g.attprojw + (size_t)l * C * C, g.attprojb + l * C, dres, atty,
                        p->attprojw + (size_t)l * C * C, N, C, C);
        attention_backward(dqkv, dscores, dtmp, qkv, att, B, T, C, NH);
        matmul_backward(dtmp, g.qkvw + (size_t)l * 3 * C * C, g.qkvb + l * 3 * C, dqkv, ln1,
                        p->qkvw + (size_t)l * 3 * C * C, N, C, 3 * C);
        layernorm_backward(dres, g.ln1w + l * C, g.ln1b + l * C, dtmp, res_in, p->ln1w + l * C,
                           a.ln1_mean + (size_t)l * N, a.ln1_rstd + (size_t)l * N, N, C);
    }
    encoder_backward(g.wte, g.wpe, dres, input, B, T, C);
}

/* What one pool_run over the shards needs. */
typedef struct {
    Model *m;
    const token_t *input, *target;
    const uint8_t *mask;
    int B, T;
    float scale; /* backward: 1 / masked positions of the whole batch */
} Pass;

static void assign_rows(Model *m, int B) {
    for (int w = 0; w < m->threads; w++) {
        long begin, end;
        pool_split(B, w, m->threads, &begin, &end);
        m->shards[w].row0 = (int)begin;
        m->shards[w].rows = (int)(end - begin);
    }
}

static void forward_task(void *ctx, int w, int workers) {
    (void)workers;
    Pass *ps = ctx;
    Model *m = ps->m;
    ModelShard *sh = &m->shards[w];
    sh->stats = (XentStats){0.0, 0, 0};
    if (sh->rows == 0) return;
    size_t at = (size_t)sh->row0 * (size_t)ps->T;
    float *logits = m->logits + at * (size_t)m->padded_vocab;
    shard_forward(m, sh, ps->input + at, logits, sh->rows, ps->T);
    if (ps->target)
        sh->stats = crossentropy_forward(logits, ps->target + at, ps->mask + at, sh->rows * ps->T,
                                         m->cfg.vocab, m->padded_vocab);
}

static void backward_task(void *ctx, int w, int workers) {
    (void)workers;
    Pass *ps = ctx;
    Model *m = ps->m;
    ModelShard *sh = &m->shards[w];
    /* Shard 0 accumulates into the model's gradient; the others start from zero and are
     * summed into it afterwards. */
    if (w > 0) memset(sh->grads, 0, m->num_params * sizeof(float));
    if (sh->rows == 0) return;
    size_t at = (size_t)sh->row0 * (size_t)ps->T;
    float *dlogits = m->logits + at * (size_t)m->padded_vocab;
    crossentropy_backward(dlogits, ps->target + at, ps->mask + at, sh->rows * ps->T, m->cfg.vocab,
                          m->padded_vocab, ps->scale);
    shard_backward(m, sh, ps->input + at, dlogits, sh->rows, ps->T);
}

/* m->grads += the other shards' gradients, in shard order, each worker a slice. */
static void reduce_task(void *ctx, int w, int workers) {
    Model *m = ((Pass *)ctx)->m;
    long begin, end;
    pool_split((long)m->num_params, w, workers, &begin, &end);
    for (int s = 1; s < m->threads; s++) {
        if (m->shards[s].rows == 0) continue;
        const float *src = m->shards[s].grads;
        for (long i = begin; i < end; i++) m->grads[i] += src[i];
    }
}

void model_forward_logits(Model *m, const token_t *input, int B, int T) {
    m->B = B;
    m->T = T;
    assign_rows(m, B);
    Pass ps = {.m = m, .input = input, .B = B, .T = T};
    pool_run(m->pool, forward_task, &ps);
}

const float *model_logits(const Model *m) { return m->logits; }

float model_forward(Model *m, const Batch *b) {
    m->B = b->B;
    m->T = b->T;
    assign_rows(m, b->B);
    Pass ps = {
        .m = m, .input = b->input, .target = b->target, .mask = b->mask, .B = b->B, .T = b->T};
    pool_run(m->pool, forward_task, &ps);
    XentStats total = {0.0, 0, 0};
    for (int w = 0; w < m->threads; w++) {
        total.loss_sum += m->shards[w].stats.loss_sum;
        total.count += m->shards[w].stats.count;
        total.correct += m->shards[w].stats.correct;
    }
    m->last = total;
    return total.count ? (float)(total.loss_sum / total.count) : 0.0f;
}

void model_zero_grad(Model *m) { memset(m->grads, 0, m->num_params * sizeof(float)); }

void model_backward_scaled(Model *m, const Batch *b, long count) {
    /* Nothing here carries loss: this batch adds nothing to the gradient. */
    if (m->last.count == 0 || count <= 0) return;
    Pass ps = {.m = m,
               .input = b->input,
               .target = b->target,
               .mask = b->mask,
               .B = b->B,
               .T = b->T,
               .scale = 1.0f / (float)count};
    pool_run(m->pool, backward_task, &ps);
    if (m->threads > 1) pool_run(m->pool, reduce_task, &ps);
}

void model_backward(Model *m, const Batch *b) { model_backward_scaled(m, b, m->last.count); }

#include "decode.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "data.h"

/* Rows of one forward pass at most; a long prefill is processed in chunks of this size. */
#define MAX_ROWS 1024

/* Where a sequence stands during decode_batch. */
typedef struct {
    int len;    /* tokens in the context (prompt + generated) */
    int budget; /* most tokens it may generate */
    int active;
    int pending_corr; /* index of a correction awaiting its replacement, -1 when none */
} SeqState;

/* One worker's scratch for the rows it runs through the network. */
typedef struct {
    float *x, *ln, *mean, *rstd, *qkv, *atty, *fch, *scores, *gathered;
    int *gathered_row;
} Work;

struct Decoder {
    int max_batch, context, L, C, NH, Vp;
    int workers;
    float *kcache, *vcache; /* (L, max_batch, context, C) each */
    Work *work;             /* one per worker of the model's pool */
    float *logits;          /* (max_batch, Vp): the latest logits of each sequence */
    float *pick;
    /* The rows of one pass: token, sequence, position, and whether its logits are wanted. */
    int *row_seq, *row_pos, *logit_row;
    token_t *row_tok;
    int n_rows;
    const Model *m;
    /* One sequence, one token, all workers (the batch-1 steps): each worker's products of its
     * slice of the input channels with the attention and MLP output projections, two rows of
     * C per worker (one per projection, so that one can be written while the other is read). */
    float *tpart;
    token_t ttok;
    int tpos;
    /* Results, max_batch sequences of up to context tokens. */
    token_t *raw, *out;
    Correction *corr;
    SeqState *seq;
    float *kept; /* keep_logits: (max_batch, context, Vp), allocated on first use */
};

static float *floats(size_t n) { return malloc((n ? n : 1) * sizeof(float)); }

static int work_alloc(Work *w, size_t rows, size_t C, size_t context, size_t Vp, size_t batch) {
    w->x = floats(rows * C);
    w->ln = floats(rows * C);
    w->mean = floats(rows);
    w->rstd = floats(rows);
    w->qkv = floats(rows * 3 * C);
    w->atty = floats(rows * C);
    w->fch = floats(rows * 4 * C);
    w->scores = floats(context);
    w->gathered = floats(batch * Vp);
    w->gathered_row = malloc(rows * sizeof(int));
    return w->x && w->ln && w->mean && w->rstd && w->qkv && w->atty && w->fch && w->scores &&
                   w->gathered && w->gathered_row
               ? 0
               : -1;
}

static void work_free(Work *w) {
    free(w->x), free(w->ln), free(w->mean), free(w->rstd), free(w->qkv), free(w->atty);
    free(w->fch), free(w->scores), free(w->gathered), free(w->gathered_row);
}

Decoder *decoder_new(const Model *m, int max_batch) {
    Decoder *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    const ModelConfig *c = &m->cfg;
    d->max_batch = max_batch;
    d->context = c->context;
    d->L = c->layers;
    d->C = c->dim;
    d->NH = c->heads;
    d->Vp = m->padded_vocab;
    d->workers = m->threads;
    size_t C = (size_t)c->dim, R = MAX_ROWS, seqs = (size_t)max_batch * (size_t)c->context;
    size_t cache = (size_t)c->layers * seqs * C;
    /* Zeroed: the last tile of keys is read in full, positions past the sequence included. */
    d->kcache =
        calloc((size_t)c->layers * (size_t)max_batch * C * (((size_t)c->context + 15) / 16 * 16),
               sizeof(float));
    d->vcache = floats(cache);
    d->work = calloc((size_t)d->workers, sizeof *d->work);
    d->logits = floats((size_t)max_batch * (size_t)d->Vp);
    d->pick = floats((size_t)d->Vp);
    d->tpart = floats(2 * (size_t)d->workers * C);
    d->row_seq = malloc(R * sizeof(int));
    d->row_pos = malloc(R * sizeof(int));
    d->logit_row = malloc(R * sizeof(int));
    d->row_tok = malloc(R * sizeof(token_t));
    d->raw = malloc(seqs * sizeof(token_t));
    d->out = malloc(seqs * sizeof(token_t));
    d->corr = malloc(seqs * sizeof(Correction));
    d->seq = malloc((size_t)max_batch * sizeof(SeqState));
    int ok = d->kcache && d->vcache && d->work && d->logits && d->pick && d->tpart && d->row_seq &&
             d->row_pos && d->logit_row && d->row_tok && d->raw && d->out && d->corr && d->seq;
    for (int w = 0; ok && w < d->workers; w++)
        ok = !work_alloc(&d->work[w], R, C, (size_t)c->context, (size_t)d->Vp, (size_t)max_batch);
    if (!ok) {
        decoder_free(d);
        return NULL;
    }
    return d;
}

int decoder_max_batch(const Decoder *d) { return d->max_batch; }

void decoder_free(Decoder *d) {
    if (!d) return;
    for (int w = 0; d->work && w < d->workers; w++) work_free(&d->work[w]);
    free(d->work);
    free(d->kcache), free(d->vcache), free(d->logits), free(d->pick);
    free(d->tpart);
    free(d->row_seq), free(d->row_pos), free(d->logit_row), free(d->row_tok);
    free(d->raw), free(d->out), free(d->corr), free(d->seq);
    free(d->kept);
    free(d);
}

/* Keys are cached in tiles of 16 positions, (L, max_batch, context/16, C, 16): the scores of a
 * query against 16 cached keys are 16 lanes accumulated in one vector register, and the
 * tile a new key is written into stays in cache for the next 15 tokens. Values are cached
 * as rows, (L, max_batch, context, C), which the weighted sum reads contiguously. */
#define TILE 16

static size_t tiles(const Decoder *d) { return ((size_t)d->context + TILE - 1) / TILE; }

static float *keys_at(const Decoder *d, int l, int b) {
    return d->kcache + ((size_t)l * d->max_batch + (size_t)b) * tiles(d) * (size_t)d->C * TILE;
}
static float *values_at(const Decoder *d, int l, int b) {
    return d->vcache + (((size_t)l * d->max_batch + (size_t)b) * (size_t)d->context) * (size_t)d->C;
}

/* Caches channels [c0, c1) of the key and value rows of sequence b at pos. */
static void cache_row(const Decoder *d, int l, int b, int pos, const float *k, const float *v,
                      int c0, int c1) {
    float *tile = keys_at(d, l, b) + (size_t)(pos / TILE) * (size_t)d->C * TILE + pos % TILE;
    for (int c = c0; c < c1; c++) tile[(size_t)c * TILE] = k[c];
    memcpy(values_at(d, l, b) + (size_t)pos * d->C + c0, v + c0, (size_t)(c1 - c0) * sizeof(float));
}

/* s[0..n) = scale * (q . key_j) for the head whose channels start at c0. */
static void scores(const Decoder *d, float *s, const float *q, const float *keys, int c0, int hs,
                   int n, float scale) {
    for (int t = 0; t * TILE < n; t++) {
        const float *tile = keys + (size_t)t * (size_t)d->C * TILE + (size_t)c0 * TILE;
        /* Four accumulators, so that consecutive additions do not wait for each other. */
        float a0[TILE] = {0}, a1[TILE] = {0}, a2[TILE] = {0}, a3[TILE] = {0};
        int i = 0;
        for (; i + 4 <= hs; i += 4) {
            const float *r = tile + (size_t)i * TILE;
            for (int k = 0; k < TILE; k++) {
                a0[k] += q[i] * r[k];
                a1[k] += q[i + 1] * r[TILE + k];
                a2[k] += q[i + 2] * r[2 * TILE + k];
                a3[k] += q[i + 3] * r[3 * TILE + k];
            }
        }
        for (; i < hs; i++)
            for (int k = 0; k < TILE; k++) a0[k] += q[i] * tile[(size_t)i * TILE + k];
        int m = n - t * TILE < TILE ? n - t * TILE : TILE;
        for (int k = 0; k < m; k++) s[t * TILE + k] = ((a0[k] + a1[k]) + (a2[k] + a3[k])) * scale;
    }
}

/* out[0..n) = sum_j p[j] v[j * stride + 0..n), 16 columns at a time in registers. */
static void weighted_rows(float *out, const float *p, const float *v, int rows, size_t stride,
                          int n) {
    int i0 = 0;
    for (; i0 + 16 <= n; i0 += 16) {
        /* Four accumulators, so that consecutive additions do not wait for each other. */
        float a0[16] = {0}, a1[16] = {0}, a2[16] = {0}, a3[16] = {0};
        int j = 0;
        for (; j + 4 <= rows; j += 4) {
            const float *v0 = v + (size_t)j * stride + i0;
            for (int k = 0; k < 16; k++) {
                a0[k] += p[j] * v0[k];
                a1[k] += p[j + 1] * v0[stride + k];
                a2[k] += p[j + 2] * v0[2 * stride + k];
                a3[k] += p[j + 3] * v0[3 * stride + k];
            }
        }
        for (; j < rows; j++)
            for (int k = 0; k < 16; k++) a0[k] += p[j] * v[(size_t)j * stride + i0 + k];
        for (int k = 0; k < 16; k++) out[i0 + k] = (a0[k] + a1[k]) + (a2[k] + a3[k]);
    }
    for (; i0 < n; i0++) {
        float acc = 0.0f;
        for (int j = 0; j < rows; j++) acc += p[j] * v[(size_t)j * stride + i0];
        out[i0] = acc;
    }
}

/* Causal attention of heads [h0, h1) of one row at position pos against its sequence's
 * cache. */
static void attend_row(const Decoder *d, float *s, const float *q, int l, int b, int pos,
                       float *out, int h0, int h1) {
    const int C = d->C, hs = C / d->NH, n = pos + 1;
    const float scale = 1.0f / sqrtf((float)hs);
    const float *keys = keys_at(d, l, b), *v = values_at(d, l, b);
    for (int h = h0; h < h1; h++) {
        scores(d, s, q + h * hs, keys, h * hs, hs, n, scale);
        float mx = s[0];
        for (int j = 1; j < n; j++) mx = s[j] > mx ? s[j] : mx;
        for (int j = 0; j < n; j++) s[j] = fast_expf(s[j] - mx);
        float sum = 0.0f;
        for (int j = 0; j < n; j++) sum += s[j];
        float inv = 1.0f / sum;
        for (int j = 0; j < n; j++) s[j] *= inv;
        weighted_rows(out + h * hs, s, v + h * hs, n, (size_t)C, hs);
    }
}

/* Rows [r0, r1) of the pass through the whole network, in worker w's scratch: writes their
 * keys and values into the cache, and the logits of the wanted rows into d->logits. Rows of
 * one sequence are never split between workers, so every key a row attends to is written
 * by the same worker, earlier. */
static void forward_rows(Decoder *d, Work *wk, int r0, int r1) {
    const Model *m = d->m;
    const int C = d->C, L = d->L, n = r1 - r0;
    const ParamViews *p = &m->p;
    const int *seq = d->row_seq + r0, *pos = d->row_pos + r0;
    for (int i = 0; i < n; i++) {
        const float *e = p->wte + (size_t)d->row_tok[r0 + i] * C, *pe = p->wpe + (size_t)pos[i] * C;
        float *x = wk->x + (size_t)i * C;
        for (int c = 0; c < C; c++) x[c] = e[c] + pe[c];
    }
    for (int l = 0; l < L; l++) {
        layernorm_forward(wk->ln, wk->mean, wk->rstd, wk->x, p->ln1w + l * C, p->ln1b + l * C, n,
                          C);
        matmul_forward(wk->qkv, wk->ln, p->qkvw + (size_t)l * 3 * C * C, p->qkvb + l * 3 * C, n, C,
                       3 * C, 0.0f);
        for (int i = 0; i < n; i++) {
            const float *row = wk->qkv + (size_t)i * 3 * C;
            cache_row(d, l, seq[i], pos[i], row + C, row + 2 * C, 0, C);
        }
        for (int i = 0; i < n; i++)
            attend_row(d, wk->scores, wk->qkv + (size_t)i * 3 * C, l, seq[i], pos[i],
                       wk->atty + (size_t)i * C, 0, d->NH);
        matmul_forward(wk->x, wk->atty, p->attprojw + (size_t)l * C * C, p->attprojb + l * C, n, C,
                       C, 1.0f);
        layernorm_forward(wk->ln, wk->mean, wk->rstd, wk->x, p->ln2w + l * C, p->ln2b + l * C, n,
                          C);
        matmul_forward(wk->fch, wk->ln, p->fcw + (size_t)l * 4 * C * C, p->fcb + l * 4 * C, n, C,
                       4 * C, 0.0f);
        gelu_forward(wk->fch, wk->fch, (long)n * 4 * C);
        matmul_forward(wk->x, wk->fch, p->fcprojw + (size_t)l * 4 * C * C, p->fcprojb + l * C, n,
                       4 * C, C, 1.0f);
    }
    /* Final LayerNorm and LM head only for the rows whose next token is wanted. */
    int k = 0;
    for (int i = 0; i < n; i++)
        if (d->logit_row[r0 + i] >= 0) {
            memmove(wk->x + (size_t)k * C, wk->x + (size_t)i * C, C * sizeof(float));
            wk->gathered_row[k++] = d->logit_row[r0 + i];
        }
    if (k == 0) return;
    layernorm_forward(wk->ln, wk->mean, wk->rstd, wk->x, p->lnfw, p->lnfb, k, C);
    matmul_forward(wk->gathered, wk->ln, p->wte, NULL, k, C, d->Vp, 0.0f);
    for (int i = 0; i < k; i++)
        memcpy(d->logits + (size_t)wk->gathered_row[i] * d->Vp, wk->gathered + (size_t)i * d->Vp,
               (size_t)d->Vp * sizeof(float));
}

/* y[r0, r1) = beta * y[r0, r1) + W[r0, r1) x + bias[r0, r1): rows of a matrix times one
 * vector. */
static void rows_times(float *y, const float *W, const float *x, const float *bias, int IC, int r0,
                       int r1, float beta) {
    if (r1 <= r0) return;
    cblas_sgemv(CblasRowMajor, CblasNoTrans, r1 - r0, IC, 1.0f, W + (size_t)r0 * IC, IC, x, 1, beta,
                y + r0, 1);
    if (bias)
        for (int r = r0; r < r1; r++) y[r] += bias[r];
}

/* Worker w's share [begin, end) of n channels, in whole blocks of 16. */
static void channels(int n, int w, int workers, int *begin, int *end) {
    long b0, b1;
    pool_split((n + 15) / 16, w, workers, &b0, &b1);
    *begin = (int)(b0 * 16 < n ? b0 * 16 : n);
    *end = (int)(b1 * 16 < n ? b1 * 16 : n);
}

/* y = W[:, c0, c1) x[c0, c1): the part of a product that a slice of the input channels
 * contributes (zero for an empty slice). W is (OC, IC). */
static void cols_times(float *y, const float *W, const float *x, int OC, int IC, int c0, int c1) {
    if (c1 <= c0) {
        memset(y, 0, (size_t)OC * sizeof(float));
        return;
    }
    cblas_sgemv(CblasRowMajor, CblasNoTrans, OC, c1 - c0, 1.0f, W + c0, IC, x + c0, 1, 0.0f, y, 1);
}

/* x += bias + every worker's part, in worker order: each worker keeps its own copy of the
 * residual row, and all copies stay bit-identical. */
static void add_parts(float *x, const float *bias, const float *parts, int workers, int C) {
    for (int c = 0; c < C; c++) x[c] += bias[c];
    for (int v = 0; v < workers; v++)
        for (int c = 0; c < C; c++) x[c] += parts[(size_t)v * 2 * C + c];
}

/* One token of sequence 0 through the network by every worker together, so that the weights
 * are read once, split between the cores. A worker owns a share of the heads (their query,
 * key and value rows, cache slices and attention) and of the MLP's hidden channels, and
 * multiplies the output projections by its own slice of their input, leaving a part of the
 * result; after a barrier, every worker adds up all the parts into its own copy of the
 * residual row. Two barriers a layer: the parts of one projection are read while the other's
 * are written, and a worker cannot write a part again before every worker has passed the
 * barrier that follows its reading. */
static void team_step(void *ctx, int w, int workers) {
    Decoder *d = ctx;
    const Model *m = d->m;
    const ParamViews *p = &m->p;
    Pool *pool = m->pool;
    const int C = d->C, hs = C / d->NH, pos = d->tpos;
    Work *wk = &d->work[w];
    long h0, h1;
    pool_split(d->NH, w, workers, &h0, &h1);
    int f0, f1, v0, v1;
    channels(4 * C, w, workers, &f0, &f1);
    channels(d->Vp, w, workers, &v0, &v1);
    const int a0 = (int)h0 * hs, a1 = (int)h1 * hs; /* this worker's attention channels */
    float *x = wk->x, *att_part = d->tpart + (size_t)w * 2 * C, *mlp_part = att_part + C;

    const float *e = p->wte + (size_t)d->ttok * C, *pe = p->wpe + (size_t)pos * C;
    for (int c = 0; c < C; c++) x[c] = e[c] + pe[c];
    for (int l = 0; l < d->L; l++) {
        const float *qkvw = p->qkvw + (size_t)l * 3 * C * C, *qkvb = p->qkvb + l * 3 * C;
        layernorm_forward(wk->ln, wk->mean, wk->rstd, x, p->ln1w + l * C, p->ln1b + l * C, 1, C);
        for (int part = 0; part < 3; part++) /* q, k, v of this worker's heads */
            rows_times(wk->qkv, qkvw, wk->ln, qkvb, C, part * C + a0, part * C + a1, 0.0f);
        cache_row(d, l, 0, pos, wk->qkv + C, wk->qkv + 2 * C, a0, a1);
        attend_row(d, wk->scores, wk->qkv, l, 0, pos, wk->atty, (int)h0, (int)h1);
        cols_times(att_part, p->attprojw + (size_t)l * C * C, wk->atty, C, C, a0, a1);
        pool_barrier(pool);
        add_parts(x, p->attprojb + l * C, d->tpart, workers, C);
        layernorm_forward(wk->ln, wk->mean, wk->rstd, x, p->ln2w + l * C, p->ln2b + l * C, 1, C);
        rows_times(wk->fch, p->fcw + (size_t)l * 4 * C * C, wk->ln, p->fcb + l * 4 * C, C, f0, f1,
                   0.0f);
        gelu_forward(wk->fch + f0, wk->fch + f0, f1 - f0);
        cols_times(mlp_part, p->fcprojw + (size_t)l * 4 * C * C, wk->fch, C, 4 * C, f0, f1);
        pool_barrier(pool);
        add_parts(x, p->fcprojb + l * C, d->tpart + C, workers, C);
    }
    layernorm_forward(wk->ln, wk->mean, wk->rstd, x, p->lnfw, p->lnfb, 1, C);
    rows_times(d->logits, p->wte, wk->ln, NULL, C, v0, v1, 0.0f);
}

/* Worker w's share of the pass: about n/workers rows, cut only between sequences. */
static int cut(const Decoder *d, int w, int workers) {
    int n = d->n_rows;
    if (w <= 0) return 0;
    if (w >= workers) return n;
    int at = (int)((long)n * w / workers);
    while (at > 0 && at < n && d->row_seq[at] == d->row_seq[at - 1]) at++;
    return at;
}

static void pass_task(void *ctx, int w, int workers) {
    Decoder *d = ctx;
    int r0 = cut(d, w, workers), r1 = cut(d, w + 1, workers);
    if (r1 > r0) forward_rows(d, &d->work[w], r0, r1);
}

/* Runs the d->n_rows rows set up in the row arrays through the network. */
static void run_pass(Decoder *d, const Model *m) {
    d->m = m;
    if (d->workers > 1 && m->pool && pool_size(m->pool) == d->workers && d->n_rows > 1)
        pool_run(m->pool, pass_task, d);
    else forward_rows(d, &d->work[0], 0, d->n_rows);
}

/* The i-th id decoding may emit: the text tokens, then <eos>, then <corr>. */
static token_t emittable(const TokenIds *t, int i) {
    return i < t->text ? (token_t)i : i == t->text ? t->eos : t->corr;
}

token_t decode_pick(const float *logits, const TokenIds *ids, float temperature, int top_k,
                    int allow_corr, Rng *rng, float *scratch) {
    const TokenIds t = token_ids_or_byte(ids);
    const int n = t.text + 1 + (allow_corr != 0);
    token_t best = 0;
    for (int i = 1; i < n; i++)
        if (logits[emittable(&t, i)] > logits[best]) best = emittable(&t, i);
    if (temperature <= 0.0f) return best;

    float threshold = -INFINITY;
    if (top_k > 0 && top_k < n) {
        /* The k-th largest logit by partial selection sort over a copy. */
        for (int i = 0; i < n; i++) scratch[i] = logits[emittable(&t, i)];
        for (int i = 0; i < top_k; i++) {
            int mx = i;
            for (int j = i + 1; j < n; j++)
                if (scratch[j] > scratch[mx]) mx = j;
            float tmp = scratch[i];
            scratch[i] = scratch[mx];
            scratch[mx] = tmp;
        }
        threshold = scratch[top_k - 1];
    }
    float mx = logits[best], sum = 0.0f;
    for (int i = 0; i < n; i++) {
        float z = logits[emittable(&t, i)];
        scratch[i] = z >= threshold ? expf((z - mx) / temperature) : 0.0f;
        sum += scratch[i];
    }
    float u = rng_uniform(rng) * sum;
    for (int i = 0; i < n; i++) {
        u -= scratch[i];
        if (u < 0.0f && scratch[i] > 0.0f) return emittable(&t, i);
    }
    return best;
}

static token_t opt_eos(const DecodeOptions *opt) { return token_ids_or_byte(opt->ids).eos; }
static token_t opt_corr(const DecodeOptions *opt) { return token_ids_or_byte(opt->ids).corr; }

/* Applies token t emitted by sequence b to its result and state. */
static void emit(Decoder *d, int b, token_t t, const DecodeOptions *opt, DecodeResult *r) {
    SeqState *s = &d->seq[b];
    if (s->pending_corr >= 0) {
        r->corr[s->pending_corr].replacement = t;
        s->pending_corr = -1;
    }
    if (t == opt_eos(opt)) {
        r->ended = 1;
        s->active = 0;
        return;
    }
    r->raw[r->n_raw++] = t;
    s->len++;
    if (t == opt_corr(opt)) {
        if (r->n_out > 0) {
            Correction *c = &r->corr[r->n_corr];
            c->retracted = r->out[r->n_out - 1];
            c->replacement = -1;
            c->pos = opt->rac_segment ? 0 : r->n_out - 1;
            r->n_out = opt->rac_segment ? 0 : r->n_out - 1;
            s->pending_corr = r->n_corr++;
        }
    } else {
        r->out[r->n_out++] = t;
    }
    if (r->n_raw >= s->budget) s->active = 0;
}

static void pick_and_emit(Decoder *d, int b, const DecodeOptions *opt, Rng *rng, DecodeResult *r) {
    int allow_corr = opt->rac && r->n_corr < opt->max_corrections;
    float *logits = d->logits + (size_t)b * d->Vp;
    /* A sequence makes fewer than context choices: each but the last adds a token to it. */
    if (opt->keep_logits)
        memcpy(d->kept + ((size_t)b * d->context + (size_t)r->n_raw) * d->Vp, logits,
               (size_t)d->Vp * sizeof(float));
    if (opt->ignore_eos) logits[opt_eos(opt)] = -INFINITY;
    token_t t =
        decode_pick(logits, opt->ids, opt->temperature, opt->top_k, allow_corr, rng, d->pick);
    emit(d, b, t, opt, r);
}

int decode_batch(Decoder *d, const Model *m, const token_t *const *prompts, const int *prompt_len,
                 int B, const DecodeOptions *opt, Rng *rng, DecodeResult *results) {
    if (B < 1 || B > d->max_batch || opt->max_new_tokens < 1) return -1;
    for (int b = 0; b < B; b++)
        if (prompt_len[b] < 1 || prompt_len[b] >= d->context) return -1;
    if (opt->keep_logits && !d->kept &&
        !(d->kept = floats((size_t)d->max_batch * (size_t)d->context * (size_t)d->Vp)))
        return -1;

    for (int b = 0; b < B; b++) {
        size_t base = (size_t)b * d->context;
        results[b] = (DecodeResult){d->raw + base,
                                    0,
                                    d->out + base,
                                    0,
                                    d->corr + base,
                                    0,
                                    0,
                                    opt->keep_logits ? d->kept + base * (size_t)d->Vp : NULL};
        int room = d->context - prompt_len[b];
        d->seq[b] = (SeqState){prompt_len[b],
                               opt->max_new_tokens < room ? opt->max_new_tokens : room, 1, -1};
    }

    /* Prefill: every prompt token, in chunks of MAX_ROWS rows; logits only at prompt ends. */
    int n = 0;
    for (int b = 0; b < B; b++)
        for (int t = 0; t < prompt_len[b]; t++) {
            d->row_tok[n] = prompts[b][t];
            d->row_seq[n] = b;
            d->row_pos[n] = t;
            d->logit_row[n] = t == prompt_len[b] - 1 ? b : -1;
            if (++n == MAX_ROWS) {
                d->n_rows = n;
                run_pass(d, m);
                n = 0;
            }
        }
    if (n) {
        d->n_rows = n;
        run_pass(d, m);
    }
    for (int b = 0; b < B; b++) pick_and_emit(d, b, opt, rng, &results[b]);

    /* One step per generated token for every sequence still active. A single sequence is
     * computed by all workers together, which wait for each other spinning between the
     * steps (the same way every time, so results depend only on the thread count). */
    int team = B == 1 && d->workers > 1 && m->pool && pool_size(m->pool) == d->workers;
    if (team) pool_hot(m->pool, 1);
    for (;;) {
        n = 0;
        for (int b = 0; b < B; b++) {
            if (!d->seq[b].active) continue;
            d->row_tok[n] = results[b].raw[results[b].n_raw - 1];
            d->row_seq[n] = b;
            d->row_pos[n] = d->seq[b].len - 1;
            d->logit_row[n] = b;
            n++;
        }
        if (n == 0) break;
        if (team) {
            d->m = m;
            d->ttok = d->row_tok[0];
            d->tpos = d->row_pos[0];
            pool_run(m->pool, team_step, d);
        } else {
            d->n_rows = n;
            run_pass(d, m);
        }

        for (int b = 0; b < B; b++)
            if (d->seq[b].active) pick_and_emit(d, b, opt, rng, &results[b]);
    }
    if (team) pool_hot(m->pool, 0);
    return 0;
}

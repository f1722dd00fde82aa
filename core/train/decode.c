#include "decode.h"

#include <math.h>
#include <stdint.h>
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

/* One worker's scratch for the rows it runs through the network: the residual rows x, which
 * every block updates in place, and one set of block buffers that every block reuses. */
typedef struct {
    float *x, *ln, *mean, *rstd, *qkv, *atty, *fch, *scores, *gathered;
    int *gathered_row;
    BlockActs acts;
} Work;

struct Decoder {
    int max_batch, context, L, C, NH, Vp;
    int workers;
    KVCache cache;
    Work *work;    /* one per worker of the model's pool */
    float *logits; /* (max_batch, Vp): the latest logits of each sequence */
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
    /* Results, max_batch sequences of up to context tokens. */
    token_t *raw, *out;
    Correction *corr;
    SeqState *seq;
    float *kept;  /* keep_logits: (max_batch, context, Vp), allocated on first use */
    size_t bytes; /* what decoder_new allocated (decoder_bytes) */
};

/* decoder_new's allocations, counted in d->bytes so that decoder_bytes_needed can be held to
 * what is really allocated. */
static void *counted(Decoder *d, size_t n, size_t size) {
    if (!n) n = 1;
    void *p = malloc(n * size);
    if (p) d->bytes += n * size;
    return p;
}

static float *floats(Decoder *d, size_t n) { return counted(d, n, sizeof(float)); }

static int work_alloc(Decoder *d, Work *w, size_t rows, size_t C, size_t context, size_t Vp,
                      size_t batch) {
    w->x = floats(d, rows * C);
    w->ln = floats(d, rows * C);
    w->mean = floats(d, rows);
    w->rstd = floats(d, rows);
    w->qkv = floats(d, rows * 3 * C);
    w->atty = floats(d, rows * C);
    w->fch = floats(d, rows * 4 * C);
    w->scores = floats(d, context);
    w->gathered = floats(d, batch * Vp);
    w->gathered_row = counted(d, rows, sizeof(int));
    w->acts = (BlockActs){w->ln, w->mean, w->rstd, w->qkv, w->atty, w->scores, w->x,
                          w->ln, w->mean, w->rstd, w->fch, w->fch,  w->x};
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
    d->bytes = sizeof *d;
    const ModelConfig *c = &m->cfg;
    d->max_batch = max_batch;
    d->context = c->context;
    d->L = c->layers;
    d->C = c->dim;
    d->NH = c->heads;
    d->Vp = m->padded_vocab;
    d->workers = m->threads;
    size_t C = (size_t)c->dim, R = MAX_ROWS, seqs = (size_t)max_batch * (size_t)c->context;
    int cache_ok = !kvcache_init(&d->cache, c->layers, max_batch, c->context, c->dim);
    if (cache_ok) d->bytes += kvcache_bytes(&d->cache);
    d->work = calloc((size_t)d->workers, sizeof *d->work);
    if (d->work) d->bytes += (size_t)d->workers * sizeof *d->work;
    d->logits = floats(d, (size_t)max_batch * (size_t)d->Vp);
    d->pick = floats(d, (size_t)d->Vp);
    d->tpart = floats(d, 2 * (size_t)d->workers * C);
    d->row_seq = counted(d, R, sizeof(int));
    d->row_pos = counted(d, R, sizeof(int));
    d->logit_row = counted(d, R, sizeof(int));
    d->row_tok = counted(d, R, sizeof(token_t));
    d->raw = counted(d, seqs, sizeof(token_t));
    d->out = counted(d, seqs, sizeof(token_t));
    d->corr = counted(d, seqs, sizeof(Correction));
    d->seq = counted(d, (size_t)max_batch, sizeof(SeqState));
    int ok = cache_ok && d->work && d->logits && d->pick && d->tpart && d->row_seq && d->row_pos &&
             d->logit_row && d->row_tok && d->raw && d->out && d->corr && d->seq;
    for (int w = 0; ok && w < d->workers; w++)
        ok =
            !work_alloc(d, &d->work[w], R, C, (size_t)c->context, (size_t)d->Vp, (size_t)max_batch);
    if (!ok) {
        decoder_free(d);
        return NULL;
    }
    return d;
}

int decoder_max_batch(const Decoder *d) { return d->max_batch; }

size_t decoder_bytes(const Decoder *d) { return d->bytes; }

static size_t add(size_t a, size_t b) { return a > SIZE_MAX - b ? SIZE_MAX : a + b; }

static size_t mul(size_t a, size_t b) { return b && a > SIZE_MAX / b ? SIZE_MAX : a * b; }

/* The sizes decoder_new allocates, written out again (the test holds the two together): the
 * key cache padded to whole tiles of 16 positions, the padded vocabulary of the logits, and
 * every worker's rows of MAX_ROWS. */
size_t decoder_bytes_needed(const ModelConfig *c, int max_batch, int workers) {
    size_t L = (size_t)c->layers, C = (size_t)c->dim, T = (size_t)c->context;
    size_t B = max_batch > 0 ? (size_t)max_batch : 1, W = workers > 0 ? (size_t)workers : 1;
    size_t Vp = ((size_t)c->vocab + 7) / 8 * 8, R = MAX_ROWS, tiled = (T + 15) / 16 * 16;
    size_t floats = add(mul(mul(mul(L, B), C), tiled), mul(mul(mul(L, B), T), C)); /* k, v */
    floats = add(floats, add(mul(B, Vp), add(Vp, mul(2 * W, C)))); /* logits, pick, tpart */
    size_t work_floats = add(mul(mul(R, C), 10), add(2 * R, add(T, mul(B, Vp))));
    floats = add(floats, mul(W, work_floats));
    size_t bytes = mul(floats, sizeof(float));
    bytes = add(bytes, sizeof(Decoder) + W * sizeof(Work));
    bytes = add(bytes, mul(3 * R + W * R, sizeof(int)) + R * sizeof(token_t)); /* rows */
    bytes = add(bytes, mul(mul(B, T), 2 * sizeof(token_t) + sizeof(Correction)));
    return add(bytes, mul(B, sizeof(SeqState)));
}

void decoder_free(Decoder *d) {
    if (!d) return;
    for (int w = 0; d->work && w < d->workers; w++) work_free(&d->work[w]);
    free(d->work);
    kvcache_free(&d->cache);
    free(d->logits), free(d->pick);
    free(d->tpart);
    free(d->row_seq), free(d->row_pos), free(d->logit_row), free(d->row_tok);
    free(d->raw), free(d->out), free(d->corr), free(d->seq);
    free(d->kept);
    free(d);
}

/* How the rows set up in d->row_* (from r0 on) pass through the blocks: against the cache,
 * by one worker or (team) by all of them on a single row. */
static BlockPass rows_pass(const Decoder *d, int r0, const BlockTeam *team) {
    return (BlockPass){.C = d->C,
                       .NH = d->NH,
                       .cache = &d->cache,
                       .seq = d->row_seq + r0,
                       .pos = d->row_pos + r0,
                       .team = team};
}

/* Rows [r0, r1) of the pass through the whole network, in worker w's scratch: writes their
 * keys and values into the cache, and the logits of the wanted rows into d->logits. Rows of
 * one sequence are never split between workers, so every key a row attends to is written
 * by the same worker, earlier. */
static void forward_rows(Decoder *d, Work *wk, int r0, int r1) {
    const Model *m = d->m;
    const int C = d->C, n = r1 - r0;
    const ParamViews *p = &m->p;
    BlockPass ps = rows_pass(d, r0, NULL);
    encoder_forward_at(wk->x, d->row_tok + r0, d->row_pos + r0, p->wte, p->wpe, n, C);
    for (ps.layer = 0; ps.layer < d->L; ps.layer++) {
        const BlockWeights w = model_block(m, ps.layer);
        block_forward(&ps, &w, &wk->acts, wk->x, n);
    }
    /* Final LayerNorm and LM head only for the rows whose next token is wanted. */
    int k = 0;
    for (int i = 0; i < n; i++)
        if (d->logit_row[r0 + i] >= 0) {
            memmove(wk->x + (size_t)k * C, wk->x + (size_t)i * C, C * sizeof(float));
            wk->gathered_row[k++] = d->logit_row[r0 + i];
        }
    if (k == 0) return;
    head_forward(&ps, wk->gathered, wk->ln, wk->mean, wk->rstd, wk->x, p->lnfw, p->lnfb, p->wte, k,
                 d->Vp);
    for (int i = 0; i < k; i++)
        memcpy(d->logits + (size_t)wk->gathered_row[i] * d->Vp, wk->gathered + (size_t)i * d->Vp,
               (size_t)d->Vp * sizeof(float));
}

/* One token of sequence 0 through the network by every worker together (a BlockTeam), so
 * that the weights are read once, split between the cores; two barriers a block. */
static void team_step(void *ctx, int w, int workers) {
    Decoder *d = ctx;
    const Model *m = d->m;
    const ParamViews *p = &m->p;
    Work *wk = &d->work[w];
    const BlockTeam team = {w, workers, m->pool, d->tpart};
    BlockPass ps = rows_pass(d, 0, &team);
    encoder_forward_at(wk->x, d->row_tok, d->row_pos, p->wte, p->wpe, 1, d->C);
    for (ps.layer = 0; ps.layer < d->L; ps.layer++) {
        const BlockWeights bw = model_block(m, ps.layer);
        block_forward(&ps, &bw, &wk->acts, wk->x, 1);
    }
    head_forward(&ps, d->logits, wk->ln, wk->mean, wk->rstd, wk->x, p->lnfw, p->lnfb, p->wte, 1,
                 d->Vp);
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
        !(d->kept =
              malloc((size_t)d->max_batch * (size_t)d->context * (size_t)d->Vp * sizeof(float))))
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

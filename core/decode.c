#include "decode.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer.h"

/* Rows of one forward pass at most; a long prefill is processed in chunks of this size. */
#define MAX_ROWS 1024

/* Where a sequence stands during decode_batch. */
typedef struct {
    int len;          /* tokens in the context (prompt + generated) */
    int budget;       /* most tokens it may generate */
    int active;
    int pending_corr; /* index of a correction awaiting its replacement, -1 when none */
} SeqState;

struct Decoder {
    int max_batch, context, L, C, NH, Vp;
    float *kcache, *vcache; /* (L, max_batch, context, C) each */
    /* One forward pass over up to MAX_ROWS rows. */
    float *x, *ln, *mean, *rstd, *qkv, *atty, *fch, *scores, *pick;
    float *gathered; /* logits of the wanted rows of one pass, in row order */
    float *logits;   /* (max_batch, Vp): the latest logits of each sequence */
    int *row_seq, *row_pos, *logit_row;
    token_t *row_tok;
    /* Results, max_batch sequences of up to context tokens. */
    token_t *raw, *out;
    Correction *corr;
    SeqState *seq;
};

static float *floats(size_t n) { return malloc(n * sizeof(float)); }

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
    size_t C = (size_t)c->dim, R = MAX_ROWS, seqs = (size_t)max_batch * (size_t)c->context;
    size_t cache = (size_t)c->layers * seqs * C;
    d->kcache = floats(cache);
    d->vcache = floats(cache);
    d->x = floats(R * C);
    d->ln = floats(R * C);
    d->mean = floats(R);
    d->rstd = floats(R);
    d->qkv = floats(R * 3 * C);
    d->atty = floats(R * C);
    d->fch = floats(R * 4 * C);
    d->logits = floats((size_t)max_batch * (size_t)d->Vp);
    d->gathered = floats((size_t)max_batch * (size_t)d->Vp);
    d->scores = floats((size_t)c->context);
    d->pick = floats((size_t)d->Vp);
    d->row_seq = malloc(R * sizeof(int));
    d->row_pos = malloc(R * sizeof(int));
    d->logit_row = malloc(R * sizeof(int));
    d->row_tok = malloc(R * sizeof(token_t));
    d->raw = malloc(seqs * sizeof(token_t));
    d->out = malloc(seqs * sizeof(token_t));
    d->corr = malloc(seqs * sizeof(Correction));
    d->seq = malloc((size_t)max_batch * sizeof(SeqState));
    if (!d->kcache || !d->vcache || !d->x || !d->ln || !d->mean || !d->rstd || !d->qkv ||
        !d->atty || !d->fch || !d->logits || !d->gathered || !d->scores || !d->pick || !d->row_seq ||
        !d->row_pos || !d->logit_row || !d->row_tok || !d->raw || !d->out || !d->corr ||
        !d->seq) {
        decoder_free(d);
        return NULL;
    }
    return d;
}

int decoder_max_batch(const Decoder *d) { return d->max_batch; }

void decoder_free(Decoder *d) {
    if (!d) return;
    free(d->kcache), free(d->vcache), free(d->x), free(d->ln), free(d->mean), free(d->rstd);
    free(d->qkv), free(d->atty), free(d->fch), free(d->logits), free(d->gathered), free(d->scores), free(d->pick);
    free(d->row_seq), free(d->row_pos), free(d->logit_row), free(d->row_tok);
    free(d->raw), free(d->out), free(d->corr), free(d->seq);
    free(d);
}

/* Start of the cached keys (or values) of sequence b in layer l. */
static float *cache_at(const Decoder *d, float *cache, int l, int b) {
    return cache + (((size_t)l * d->max_batch + (size_t)b) * (size_t)d->context) * (size_t)d->C;
}

/* Causal attention of one row at position pos against its sequence's cache. */
static void attend_row(Decoder *d, const float *q, const float *k, const float *v, int pos,
                       float *out) {
    const int C = d->C, hs = C / d->NH;
    const float scale = 1.0f / sqrtf((float)hs);
    float *s = d->scores;
    for (int h = 0; h < d->NH; h++) {
        const float *qh = q + h * hs;
        float mx = -INFINITY;
        for (int j = 0; j <= pos; j++) {
            const float *kj = k + (size_t)j * C + h * hs;
            float dot = 0.0f;
            for (int i = 0; i < hs; i++) dot += qh[i] * kj[i];
            s[j] = dot * scale;
            mx = s[j] > mx ? s[j] : mx;
        }
        float sum = 0.0f;
        for (int j = 0; j <= pos; j++) sum += (s[j] = expf(s[j] - mx));
        float inv = 1.0f / sum, *oh = out + h * hs;
        for (int i = 0; i < hs; i++) oh[i] = 0.0f;
        for (int j = 0; j <= pos; j++) {
            const float *vj = v + (size_t)j * C + h * hs;
            float p = s[j] * inv;
            for (int i = 0; i < hs; i++) oh[i] += p * vj[i];
        }
    }
}

/* One forward pass over n rows (token row_tok[i] of sequence row_seq[i] at row_pos[i]),
 * writing their keys and values into the cache. Afterwards d->logits holds one row of
 * logits for each row i with logit_row[i] >= 0, at that index. */
static void forward_rows(Decoder *d, const Model *m, int n) {
    const int C = d->C, L = d->L;
    const ParamViews *p = &m->p;
    for (int i = 0; i < n; i++) {
        const float *e = p->wte + (size_t)d->row_tok[i] * C, *pe = p->wpe + (size_t)d->row_pos[i] * C;
        float *x = d->x + (size_t)i * C;
        for (int c = 0; c < C; c++) x[c] = e[c] + pe[c];
    }
    for (int l = 0; l < L; l++) {
        layernorm_forward(d->ln, d->mean, d->rstd, d->x, p->ln1w + l * C, p->ln1b + l * C, n, C);
        matmul_forward(d->qkv, d->ln, p->qkvw + (size_t)l * 3 * C * C, p->qkvb + l * 3 * C, n, C,
                       3 * C, 0.0f);
        for (int i = 0; i < n; i++) {
            const float *row = d->qkv + (size_t)i * 3 * C;
            size_t at = (size_t)d->row_pos[i] * C;
            memcpy(cache_at(d, d->kcache, l, d->row_seq[i]) + at, row + C, C * sizeof(float));
            memcpy(cache_at(d, d->vcache, l, d->row_seq[i]) + at, row + 2 * C, C * sizeof(float));
        }
        for (int i = 0; i < n; i++)
            attend_row(d, d->qkv + (size_t)i * 3 * C, cache_at(d, d->kcache, l, d->row_seq[i]),
                       cache_at(d, d->vcache, l, d->row_seq[i]), d->row_pos[i],
                       d->atty + (size_t)i * C);
        matmul_forward(d->x, d->atty, p->attprojw + (size_t)l * C * C, p->attprojb + l * C, n, C,
                       C, 1.0f);
        layernorm_forward(d->ln, d->mean, d->rstd, d->x, p->ln2w + l * C, p->ln2b + l * C, n, C);
        matmul_forward(d->fch, d->ln, p->fcw + (size_t)l * 4 * C * C, p->fcb + l * 4 * C, n, C,
                       4 * C, 0.0f);
        gelu_forward(d->fch, d->fch, (long)n * 4 * C);
        matmul_forward(d->x, d->fch, p->fcprojw + (size_t)l * 4 * C * C, p->fcprojb + l * C, n,
                       4 * C, C, 1.0f);
    }
    /* Final LayerNorm and LM head only for the rows whose next token is wanted. */
    int k = 0;
    for (int i = 0; i < n; i++)
        if (d->logit_row[i] >= 0) {
            memmove(d->x + (size_t)k * C, d->x + (size_t)i * C, C * sizeof(float));
            d->logit_row[k++] = d->logit_row[i];
        }
    if (k == 0) return;
    layernorm_forward(d->ln, d->mean, d->rstd, d->x, p->lnfw, p->lnfb, k, C);
    matmul_forward(d->gathered, d->ln, p->wte, NULL, k, C, d->Vp, 0.0f);
    for (int i = 0; i < k; i++)
        memcpy(d->logits + (size_t)d->logit_row[i] * d->Vp, d->gathered + (size_t)i * d->Vp,
               (size_t)d->Vp * sizeof(float));
}

token_t decode_pick(const float *logits, int vocab, float temperature, int top_k,
                    int allow_corr, Rng *rng, float *scratch) {
    (void)vocab;
    /* Emittable ids: bytes, <eos>, and <corr> when allowed. */
    int best = 0;
    for (int j = 1; j < 256; j++)
        if (logits[j] > logits[best]) best = j;
    if (logits[TOK_EOS] > logits[best]) best = TOK_EOS;
    if (allow_corr && logits[TOK_CORR] > logits[best]) best = TOK_CORR;
    if (temperature <= 0.0f) return best;

    int n = 0;
    int ids[TOK_COUNT];
    for (int j = 0; j < 256; j++) ids[n++] = j;
    ids[n++] = TOK_EOS;
    if (allow_corr) ids[n++] = TOK_CORR;
    float threshold = -INFINITY;
    if (top_k > 0 && top_k < n) {
        /* The k-th largest logit by partial selection sort over a copy. */
        for (int i = 0; i < n; i++) scratch[i] = logits[ids[i]];
        for (int i = 0; i < top_k; i++) {
            int mx = i;
            for (int j = i + 1; j < n; j++)
                if (scratch[j] > scratch[mx]) mx = j;
            float t = scratch[i];
            scratch[i] = scratch[mx];
            scratch[mx] = t;
        }
        threshold = scratch[top_k - 1];
    }
    float mx = logits[best], sum = 0.0f;
    for (int i = 0; i < n; i++) {
        float z = logits[ids[i]];
        scratch[i] = z >= threshold ? expf((z - mx) / temperature) : 0.0f;
        sum += scratch[i];
    }
    float u = rng_uniform(rng) * sum;
    for (int i = 0; i < n; i++) {
        u -= scratch[i];
        if (u < 0.0f && scratch[i] > 0.0f) return ids[i];
    }
    return best;
}

/* Applies token t emitted by sequence b to its result and state. */
static void emit(Decoder *d, int b, token_t t, const DecodeOptions *opt, DecodeResult *r) {
    SeqState *s = &d->seq[b];
    if (s->pending_corr >= 0) {
        r->corr[s->pending_corr].replacement = t;
        s->pending_corr = -1;
    }
    if (t == TOK_EOS) {
        r->ended = 1;
        s->active = 0;
        return;
    }
    r->raw[r->n_raw++] = t;
    s->len++;
    if (t == TOK_CORR) {
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

static void pick_and_emit(Decoder *d, int b, const DecodeOptions *opt, Rng *rng,
                          DecodeResult *r) {
    int allow_corr = opt->rac && r->n_corr < opt->max_corrections;
    token_t t = decode_pick(d->logits + (size_t)b * d->Vp, TOK_COUNT, opt->temperature,
                            opt->top_k, allow_corr, rng, d->pick);
    emit(d, b, t, opt, r);
}

int decode_batch(Decoder *d, const Model *m, const token_t *const *prompts,
                 const int *prompt_len, int B, const DecodeOptions *opt, Rng *rng,
                 DecodeResult *results) {
    if (B < 1 || B > d->max_batch || opt->max_new_tokens < 1) return -1;
    for (int b = 0; b < B; b++)
        if (prompt_len[b] < 1 || prompt_len[b] >= d->context) return -1;

    for (int b = 0; b < B; b++) {
        size_t base = (size_t)b * d->context;
        results[b] = (DecodeResult){d->raw + base, 0, d->out + base, 0, d->corr + base, 0, 0};
        int room = d->context - prompt_len[b];
        d->seq[b] = (SeqState){prompt_len[b], opt->max_new_tokens < room ? opt->max_new_tokens : room,
                               1, -1};
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
                forward_rows(d, m, n);
                n = 0;
            }
        }
    if (n) forward_rows(d, m, n);
    for (int b = 0; b < B; b++) pick_and_emit(d, b, opt, rng, &results[b]);

    /* One step per generated token for every sequence still active. */
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
        forward_rows(d, m, n);
        for (int b = 0; b < B; b++)
            if (d->seq[b].active) pick_and_emit(d, b, opt, rng, &results[b]);
    }
    return 0;
}

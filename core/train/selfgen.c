#include "selfgen.h"

#include <stdlib.h>
#include <string.h>

int selfgen_init(SelfgenCache *s, const Corpus *c) {
    memset(s, 0, sizeof *s);
    size_t len =
        c->n ? c->off[c->n - 1] + (size_t)c->plen[c->n - 1] + (size_t)c->rlen[c->n - 1] : 1;
    s->yhat = malloc(len * sizeof *s->yhat);
    s->gen_len = malloc(((size_t)c->n + 1) * sizeof *s->gen_len);
    if (!s->yhat || !s->gen_len) {
        selfgen_free(s);
        return -1;
    }
    if (c->n) memcpy(s->yhat, c->pool, len * sizeof *s->yhat);
    for (int i = 0; i < c->n; i++) s->gen_len[i] = c->rlen[i] - 1;
    s->pool_len = len;
    s->n = c->n;
    return 0;
}

void selfgen_free(SelfgenCache *s) {
    free(s->yhat);
    free(s->gen_len);
    memset(s, 0, sizeof *s);
}

static int teacher_forced(SelfgenCache *s, const Corpus *c, const int *idx, int B,
                          float temperature, Model *m, Batch *b, Rng *rng) {
    float *scratch = malloc((size_t)(c->ids.text + 2) * sizeof *scratch);
    if (!scratch) return -1;
    corpus_batch(c, idx, B, b);
    model_forward_logits(m, b->input, b->B, b->T);
    const float *logits = model_logits(m);
    for (int r = 0; r < B; r++) {
        int i = idx[r], plen = c->plen[i], rlen = c->rlen[i];
        const token_t *ref = corpus_seq(c, i) + plen;
        token_t *yhat = s->yhat + c->off[i] + plen;
        for (int j = 0; j < rlen; j++) {
            /* The logits at input position plen-1+j predict response token j. */
            const float *row =
                logits + ((size_t)r * b->T + (size_t)(plen - 1 + j)) * m->padded_vocab;
            token_t t = decode_pick(row, &c->ids, temperature, 0, 0, rng, scratch);
            yhat[j] = t < c->ids.text ? t : ref[j];
        }
        s->gen_len[i] = rlen - 1;
    }
    free(scratch);
    return 0;
}

int selfgen_refresh_due(int refresh, int step, int last, float omega, int batch, int n_examples) {
    if (refresh == REFRESH_BATCH || !(omega > 0.0f)) return 0;
    if (last < 0) return 1;
    long long since = (long long)step - last;
    if (refresh == REFRESH_EPOCH) return since * batch >= n_examples;
    return since >= refresh;
}

/* Sequences decoded together. */
#define FREE_RUN_CHUNK 64

static int free_run(SelfgenCache *s, const Corpus *c, const int *idx, int B, float temperature,
                    const Model *m, Decoder *dec, Rng *rng) {
    const token_t *prompts[FREE_RUN_CHUNK] = {0};
    int plens[FREE_RUN_CHUNK] = {0};
    DecodeResult res[FREE_RUN_CHUNK];
    int longest = 1;
    for (int r = 0; r < B; r++) {
        prompts[r] = corpus_seq(c, idx[r]);
        plens[r] = c->plen[idx[r]];
        if (c->rlen[idx[r]] - 1 > longest) longest = c->rlen[idx[r]] - 1;
    }
    /* Only as many tokens as the longest reference response can be aligned with it. */
    DecodeOptions opt = {.max_new_tokens = longest, .temperature = temperature, .ids = &c->ids};
    if (decode_batch(dec, m, prompts, plens, B, &opt, rng, res)) return -1;
    for (int r = 0; r < B; r++) {
        int i = idx[r], plen = c->plen[i], rlen = c->rlen[i];
        const token_t *ref = corpus_seq(c, i) + plen;
        token_t *yhat = s->yhat + c->off[i] + plen;
        int n = res[r].n_raw < rlen ? res[r].n_raw : rlen;
        for (int j = 0; j < rlen; j++) yhat[j] = j < n ? res[r].raw[j] : ref[j];
        s->gen_len[i] = n;
    }
    return 0;
}

int selfgen_compute(SelfgenCache *s, const Corpus *c, const int *idx, int n, int use_free_run,
                    float temperature, Model *m, Batch *scratch, Decoder *dec, Rng *rng) {
    int chunk = m->max_batch < scratch->cap_B ? m->max_batch : scratch->cap_B;
    if (use_free_run)
        chunk = decoder_max_batch(dec) < FREE_RUN_CHUNK ? decoder_max_batch(dec) : FREE_RUN_CHUNK;
    for (int at = 0; at < n; at += chunk) {
        int B = n - at < chunk ? n - at : chunk;
        if (use_free_run) {
            if (free_run(s, c, idx + at, B, temperature, m, dec, rng)) return -1;
        } else if (teacher_forced(s, c, idx + at, B, temperature, m, scratch, rng)) {
            return -1;
        }
    }
    return 0;
}

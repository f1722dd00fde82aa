#include "corpus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer.h"

/* Encodes text[0..n) into s (room for n) and returns the count, or -1 with err. */
static int encode(Vocab *v, const Example *e, const char *what, const char *text, token_t *s,
                  const char *path, char *err, size_t cap) {
    size_t n = strlen(text), got = n;
    if (!v) {
        tok_encode(text, n, s);
        return (int)n;
    }
    char why[160];
    if (vocab_encode(v, text, n, s, &got, why, sizeof why)) {
        snprintf(err, cap, "%.300s:%d: %s: %s", path, e->line, what, why);
        return -1;
    }
    return (int)got;
}

int corpus_build(Corpus *c, const Dataset *d, Vocab *v, char *err, size_t cap) {
    memset(c, 0, sizeof *c);
    c->ids = v ? *vocab_ids(v) : token_ids_byte();
    /* Room for the bytes: no vocabulary has a token of less than one byte. */
    size_t total = 0;
    for (int i = 0; i < d->n; i++) total += strlen(d->ex[i].prompt) + strlen(d->ex[i].response) + 3;
    c->pool = malloc((total ? total : 1) * sizeof *c->pool);
    c->off = malloc(((size_t)d->n + 1) * sizeof *c->off);
    c->plen = malloc(((size_t)d->n + 1) * sizeof *c->plen);
    c->rlen = malloc(((size_t)d->n + 1) * sizeof *c->rlen);
    if (!c->pool || !c->off || !c->plen || !c->rlen) {
        corpus_free(c);
        snprintf(err, cap, "out of memory preparing the data");
        return -1;
    }
    size_t at = 0;
    for (int i = 0; i < d->n; i++) {
        const Example *e = &d->ex[i];
        token_t *s = c->pool + at;
        s[0] = c->ids.bos;
        int pn = encode(v, e, "prompt", e->prompt, s + 1, d->path, err, cap);
        if (pn < 0) goto fail;
        s[pn + 1] = c->ids.sep;
        int rn = encode(v, e, "response", e->response, s + pn + 2, d->path, err, cap);
        if (rn < 0) goto fail;
        s[pn + rn + 2] = c->ids.eos;
        c->off[i] = at;
        c->plen[i] = pn + 2;
        c->rlen[i] = rn + 1;
        at += (size_t)(pn + rn + 3);
        if (corpus_inputs(c, i) > c->longest) c->longest = corpus_inputs(c, i);
    }
    c->n = d->n;
    c->data = d;
    return 0;
fail:
    corpus_free(c);
    return -1;
}

void corpus_free(Corpus *c) {
    free(c->pool);
    free(c->off);
    free(c->plen);
    free(c->rlen);
    memset(c, 0, sizeof *c);
}

void corpus_batch(const Corpus *c, const int *idx, int B, Batch *b) {
    int T = 1;
    for (int r = 0; r < B; r++)
        if (corpus_inputs(c, idx[r]) > T) T = corpus_inputs(c, idx[r]);
    batch_reset(b, B, T);
    for (int r = 0; r < B; r++) {
        const token_t *s = corpus_seq(c, idx[r]);
        int plen = c->plen[idx[r]], n = corpus_inputs(c, idx[r]);
        size_t row = (size_t)r * (size_t)T;
        for (int i = 0; i < n; i++) {
            b->input[row + i] = s[i];
            b->target[row + i] = s[i + 1];
            b->mask[row + i] = i >= plen - 1;
            b->kind[row + i] = i < plen ? KIND_PROMPT : KIND_TRUTH;
        }
        b->len[r] = n;
    }
}

#include "corpus.h"

#include <stdlib.h>
#include <string.h>

#include "tokenizer.h"

int corpus_build(Corpus *c, const Dataset *d) {
    memset(c, 0, sizeof *c);
    size_t total = 0;
    for (int i = 0; i < d->n; i++) total += (size_t)example_tokens(&d->ex[i]);
    c->pool = malloc((total ? total : 1) * sizeof *c->pool);
    c->off = malloc(((size_t)d->n + 1) * sizeof *c->off);
    c->plen = malloc(((size_t)d->n + 1) * sizeof *c->plen);
    c->rlen = malloc(((size_t)d->n + 1) * sizeof *c->rlen);
    if (!c->pool || !c->off || !c->plen || !c->rlen) {
        corpus_free(c);
        return -1;
    }
    size_t at = 0;
    for (int i = 0; i < d->n; i++) {
        const Example *e = &d->ex[i];
        size_t pn = strlen(e->prompt), rn = strlen(e->response);
        token_t *s = c->pool + at;
        s[0] = TOK_BOS;
        tok_encode(e->prompt, pn, s + 1);
        s[pn + 1] = TOK_SEP;
        tok_encode(e->response, rn, s + pn + 2);
        s[pn + rn + 2] = TOK_EOS;
        c->off[i] = at;
        c->plen[i] = (int)pn + 2;
        c->rlen[i] = (int)rn + 1;
        at += pn + rn + 3;
        if (corpus_inputs(c, i) > c->longest) c->longest = corpus_inputs(c, i);
    }
    c->n = d->n;
    c->data = d;
    return 0;
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

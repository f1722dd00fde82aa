/* A dataset turned into token sequences once, before training: every example's
 * <bos> prompt <sep> response <eos> lives in one token pool, so building a batch copies
 * tokens and allocates nothing. */
#ifndef EXPOSURE_CORPUS_H
#define EXPOSURE_CORPUS_H

#include <stddef.h>

#include "nn.h"
#include "dataset.h"
#include "vocab.h"

typedef struct {
    token_t *pool;
    size_t *off; /* start of example i's sequence in pool */
    int *plen;   /* <bos> prompt <sep>: tokens */
    int *rlen;   /* response <eos>: tokens (>= 2: a non-empty response and <eos>) */
    int n;
    int longest;         /* most input positions of any example (sequence length - 1) */
    const Dataset *data; /* the examples (text, answers) it was built from; not owned */
    TokenIds ids;        /* the vocabulary's layout: its specials, what decoding may emit */
} Corpus;

/* Encodes every example of d with v (NULL: the byte-level vocabulary). Returns 0, or -1 with
 * "FILE:LINE: prompt: invalid UTF-8 at byte N" or a failure of memory in err. */
int corpus_build(Corpus *c, const Dataset *d, Vocab *v, char *err, size_t errcap);
void corpus_free(Corpus *c);

static inline const token_t *corpus_seq(const Corpus *c, int i) { return c->pool + c->off[i]; }
static inline int corpus_inputs(const Corpus *c, int i) { return c->plen[i] + c->rlen[i] - 1; }

/* The teacher-forced batch of examples idx[0..B): inputs are the sequence without its last
 * token, targets the sequence shifted by one, loss on the response and <eos>, T the longest
 * row. b must have room for B rows of the longest of them. */
void corpus_batch(const Corpus *c, const int *idx, int B, Batch *b);

#endif

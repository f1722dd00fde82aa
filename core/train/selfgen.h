/* Self-generated tokens: y-hat_t, the token the model would emit at response position t of
 * a training example (docs/methods.md, "Self-generated tokens"), kept for every example of a
 * corpus.
 *
 * teacher_forced: one forward pass without gradients over the ground-truth sequence;
 *   y-hat_t = argmax p(. | prompt, y_<t) (or sampled at the temperature).
 * free_run: greedy (or sampled) decoding from the prompt with the key/value cache, aligned
 *   with the reference by position.
 * Only bytes count as self-generated tokens: where the model would stop (<eos>) before the
 * reference ends, or a free-running generation has ended, y-hat_t is the reference y_t. */
#ifndef EXPOSURE_SELFGEN_H
#define EXPOSURE_SELFGEN_H

#include "data.h"
#include "decode.h"
#include "nn.h"
#include "util.h"

typedef struct {
    token_t *yhat; /* aligned with the corpus pool; the response part of each example is used */
    int *gen_len;  /* free_run: bytes generated before <eos>; teacher_forced: response bytes */
    size_t pool_len;
    int n;
} SelfgenCache;

/* Starts with y-hat = the reference everywhere. Returns 0, or -1 when out of memory. */
int selfgen_init(SelfgenCache *s, const Corpus *c);
void selfgen_free(SelfgenCache *s);

/* y-hat_j of example i, j in 0..rlen-1. */
static inline token_t selfgen_at(const SelfgenCache *s, const Corpus *c, int i, int j) {
    return s->yhat[c->off[i] + (size_t)c->plen[i] + (size_t)j];
}

/* Recomputes y-hat for examples idx[0..n) with the model's current weights.
 * teacher_forced uses scratch (a batch of m->max_batch rows of the corpus's longest
 * example) and the model's activations; free_run uses dec. rng is used only when
 * temperature > 0. Returns 0, or -1 when a shape does not fit. */
int selfgen_compute(SelfgenCache *s, const Corpus *c, const int *idx, int n, int free_run,
                    float temperature, Model *m, Batch *scratch, Decoder *dec, Rng *rng);

#endif

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

#include "config.h"
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

/* Whether every example's y-hat is to be recomputed before step `step` (0-based, omega its
 * mixing ratio) under method.selfgen.refresh = REFRESH_EPOCH or N >= 1: only at a step where
 * omega > 0, so that the tokens always come from weights trained with them in view; the first
 * time at the first such step, then again once the last refresh (at step `last`, -1 for
 * none) is N steps old, or an epoch old: n_examples examples drawn at `batch` a step. Never
 * for REFRESH_BATCH, which refreshes each batch's own examples instead. */
int selfgen_refresh_due(int refresh, int step, int last, float omega, int batch, int n_examples);

/* Recomputes y-hat for examples idx[0..n) with the model's current weights.
 * teacher_forced uses scratch (a batch of m->max_batch rows of the corpus's longest
 * example) and the model's activations; free_run uses dec. rng is used only when
 * temperature > 0. Returns 0, or -1 when a shape does not fit. */
int selfgen_compute(SelfgenCache *s, const Corpus *c, const int *idx, int n, int free_run,
                    float temperature, Model *m, Batch *scratch, Decoder *dec, Rng *rng);

#endif

/* Small helpers the training tests share: a fixed random batch and one optimizer step. */
#ifndef EXPOSURE_TEST_TRAIN_UTIL_H
#define EXPOSURE_TEST_TRAIN_UTIL_H

#include "batch.h"
#include "model.h"
#include "optim.h"
#include "rng.h"

/* Fills b with B rows of random bytes of random length (at most T), as sequences
 * <bos> prompt <sep> response <eos> with loss on the response and <eos>. */
void fill_random_batch(Batch *b, int B, int T, Rng *r);

/* forward, backward, AdamW; returns the loss. */
float train_step(Model *m, const Batch *b, const OptimConfig *oc, int step);

#endif

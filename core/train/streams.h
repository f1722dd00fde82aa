/* The named random streams of a run. Each has a seed of its own, derived from train.seed
 * (and for some the step), so that one stream's draws never shift another's: evaluation or a
 * method's coin flips never change the order of the data, and a resumed run draws exactly
 * what it would have drawn without the interruption. Stored runs and the determinism tests
 * depend on these values: a stream's derivation never changes. */
#ifndef EXPOSURE_STREAMS_H
#define EXPOSURE_STREAMS_H

#include <stdint.h>

typedef enum {
    STREAM_WEIGHTS,        /* the model's initial weights: seed */
    STREAM_DATA_ORDER,     /* the shuffle of every epoch: seed * 3 + 1 */
    STREAM_METHOD_COINS,   /* BASH's and RAC's omega coins: seed * 3 + 2, split by step and
                            * row in method.c */
    STREAM_SELFGEN_SAMPLE, /* sampling self-generated tokens (temperature > 0): seed * 3 + 3 */
    STREAM_EVAL_SAMPLE,    /* sampling during the evaluation at a step: seed * 1000003 + step */
    STREAM_VAL_SPLIT,      /* which examples of data.train are held out for validation: a
                            * fixed seed, so the split is the same whatever train.seed is */
} RandomStream;

/* The seed of stream s for a run of train.seed `seed`; step matters for STREAM_EVAL_SAMPLE
 * only. */
uint64_t stream_seed(RandomStream s, uint64_t seed, int64_t step);

#endif

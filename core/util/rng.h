/* A small deterministic random number generator (xoshiro256**, seeded with splitmix64).
 * Its whole state is the struct, so checkpoints save and restore it by value. */
#ifndef EXPOSURE_RNG_H
#define EXPOSURE_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t s[4];
} Rng;

void rng_seed(Rng *r, uint64_t seed);
uint64_t rng_u64(Rng *r);
/* Uniform in [0, 1) with 24 random bits, exactly representable as float. */
float rng_uniform(Rng *r);
/* Uniform integer in [0, n), n >= 1, without modulo bias. */
uint32_t rng_below(Rng *r, uint32_t n);
/* Standard normal (Box-Muller; one value per call, so the stream has no hidden cached state). */
double rng_normal(Rng *r);
/* Fisher-Yates shuffle of n ints. */
void rng_shuffle(Rng *r, int *v, int n);

#endif

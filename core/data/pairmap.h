/* A hash table from pairs of token ids to 64-bit values (open addressing, linear probing):
 * the merge table of the BPE encoder and the pair statistics of BPE training. */
#ifndef EXPOSURE_PAIRMAP_H
#define EXPOSURE_PAIRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t key, value;
} PairSlot;

typedef struct {
    PairSlot *slots; /* cap of them; a free slot's key is PAIRMAP_FREE */
    size_t cap, n;
} PairMap;

#define PAIRMAP_FREE UINT64_MAX

/* Ids are non-negative int32s, so no pair's key is PAIRMAP_FREE. */
static inline uint64_t pairmap_key(int32_t left, int32_t right) {
    return (uint64_t)(uint32_t)left << 32 | (uint32_t)right;
}

/* An empty map with room for `expected` pairs before it grows. Returns 0, or -1 when memory
 * runs out. */
int pairmap_init(PairMap *m, size_t expected);
void pairmap_free(PairMap *m);

/* The value stored for key, or NULL when there is none. */
uint64_t *pairmap_find(const PairMap *m, uint64_t key);

/* The value stored for key, added as 0 (with *added set to 1) when there was none. NULL when
 * memory runs out. The pointer is good until the next insert. */
uint64_t *pairmap_insert(PairMap *m, uint64_t key, int *added);

#endif

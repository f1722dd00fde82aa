/* The keys and values of every layer, sequence and position that decoding has computed, so
 * that a new token attends to the tokens before it without recomputing them.
 *
 * Keys are stored in tiles of KV_TILE positions, (layers, batch, ceil(context/16), C, 16):
 * the scores of one query against 16 cached keys are 16 lanes accumulated in one vector
 * register, and the tile a new key is written into stays in cache for the next 15 tokens.
 * Values are stored as rows, (layers, batch, context, C), which the weighted sum reads
 * contiguously. */
#ifndef EXPOSURE_KVCACHE_H
#define EXPOSURE_KVCACHE_H

#include <stddef.h>

#define KV_TILE 16

typedef struct {
    int layers, batch, context, dim;
    float *keys, *values;
} KVCache;

/* Allocates the cache; returns 0, or -1 when memory is short (kvcache_free is then harmless). */
int kvcache_init(KVCache *kv, int layers, int batch, int context, int dim);
void kvcache_free(KVCache *kv);
/* The bytes kvcache_init allocated: the keys padded to whole tiles, and the values. */
size_t kvcache_bytes(const KVCache *kv);

/* Stores channels [c0, c1) of the key and value rows of sequence b at position pos. */
void kvcache_store(const KVCache *kv, int layer, int b, int pos, const float *k, const float *v,
                   int c0, int c1);

/* s[0..n) = scale * (q . key_j) over the first n positions of sequence b, for the head whose
 * hs channels start at c0 (q points at that head's query). */
void kvcache_scores(const KVCache *kv, float *s, const float *q, int layer, int b, int c0, int hs,
                    int n, float scale);

/* out[0..hs) = sum over j < n of p[j] * value_j, channels c0..c0+hs of sequence b. */
void kvcache_weighted_values(const KVCache *kv, float *out, const float *p, int layer, int b,
                             int c0, int hs, int n);

#endif

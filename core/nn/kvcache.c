#include "kvcache.h"

#include <stdlib.h>
#include <string.h>

static size_t tiles(const KVCache *kv) { return ((size_t)kv->context + KV_TILE - 1) / KV_TILE; }

int kvcache_init(KVCache *kv, int layers, int batch, int context, int dim) {
    *kv = (KVCache){layers, batch, context, dim, NULL, NULL};
    size_t seqs = (size_t)layers * (size_t)batch, C = (size_t)dim;
    /* Zeroed: the last tile of keys is read in full, positions past the sequence included. */
    kv->keys = calloc(seqs * tiles(kv) * KV_TILE * C, sizeof(float));
    size_t values = seqs * (size_t)context * C;
    kv->values = malloc((values ? values : 1) * sizeof(float));
    if (kv->keys && kv->values) return 0;
    kvcache_free(kv);
    return -1;
}

size_t kvcache_bytes(const KVCache *kv) {
    size_t seqs = (size_t)kv->layers * (size_t)kv->batch, C = (size_t)kv->dim;
    size_t values = seqs * (size_t)kv->context * C;
    return (seqs * tiles(kv) * KV_TILE * C + (values ? values : 1)) * sizeof(float);
}

void kvcache_free(KVCache *kv) {
    free(kv->keys);
    free(kv->values);
    kv->keys = kv->values = NULL;
}

static float *keys_at(const KVCache *kv, int l, int b) {
    return kv->keys + ((size_t)l * kv->batch + (size_t)b) * tiles(kv) * (size_t)kv->dim * KV_TILE;
}

static float *values_at(const KVCache *kv, int l, int b) {
    return kv->values + ((size_t)l * kv->batch + (size_t)b) * (size_t)kv->context * kv->dim;
}

void kvcache_store(const KVCache *kv, int l, int b, int pos, const float *k, const float *v, int c0,
                   int c1) {
    float *tile =
        keys_at(kv, l, b) + (size_t)(pos / KV_TILE) * (size_t)kv->dim * KV_TILE + pos % KV_TILE;
    for (int c = c0; c < c1; c++) tile[(size_t)c * KV_TILE] = k[c];
    memcpy(values_at(kv, l, b) + (size_t)pos * kv->dim + c0, v + c0,
           (size_t)(c1 - c0) * sizeof(float));
}

void kvcache_scores(const KVCache *kv, float *s, const float *q, int l, int b, int c0, int hs,
                    int n, float scale) {
    const float *keys = keys_at(kv, l, b);
    for (int t = 0; t * KV_TILE < n; t++) {
        const float *tile = keys + (size_t)t * (size_t)kv->dim * KV_TILE + (size_t)c0 * KV_TILE;
        /* Four accumulators, so that consecutive additions do not wait for each other. */
        float a0[KV_TILE] = {0}, a1[KV_TILE] = {0}, a2[KV_TILE] = {0}, a3[KV_TILE] = {0};
        int i = 0;
        for (; i + 4 <= hs; i += 4) {
            const float *r = tile + (size_t)i * KV_TILE;
            for (int k = 0; k < KV_TILE; k++) {
                a0[k] += q[i] * r[k];
                a1[k] += q[i + 1] * r[KV_TILE + k];
                a2[k] += q[i + 2] * r[2 * KV_TILE + k];
                a3[k] += q[i + 3] * r[3 * KV_TILE + k];
            }
        }
        for (; i < hs; i++)
            for (int k = 0; k < KV_TILE; k++) a0[k] += q[i] * tile[(size_t)i * KV_TILE + k];
        int m = n - t * KV_TILE < KV_TILE ? n - t * KV_TILE : KV_TILE;
        for (int k = 0; k < m; k++)
            s[t * KV_TILE + k] = ((a0[k] + a1[k]) + (a2[k] + a3[k])) * scale;
    }
}

void kvcache_weighted_values(const KVCache *kv, float *out, const float *p, int l, int b, int c0,
                             int hs, int n) {
    const float *v = values_at(kv, l, b) + c0;
    const size_t stride = (size_t)kv->dim;
    int i0 = 0;
    /* 16 columns at a time in registers, four accumulators so that consecutive additions do
     * not wait for each other. */
    for (; i0 + 16 <= hs; i0 += 16) {
        float a0[16] = {0}, a1[16] = {0}, a2[16] = {0}, a3[16] = {0};
        int j = 0;
        for (; j + 4 <= n; j += 4) {
            const float *v0 = v + (size_t)j * stride + i0;
            for (int k = 0; k < 16; k++) {
                a0[k] += p[j] * v0[k];
                a1[k] += p[j + 1] * v0[stride + k];
                a2[k] += p[j + 2] * v0[2 * stride + k];
                a3[k] += p[j + 3] * v0[3 * stride + k];
            }
        }
        for (; j < n; j++)
            for (int k = 0; k < 16; k++) a0[k] += p[j] * v[(size_t)j * stride + i0 + k];
        for (int k = 0; k < 16; k++) out[i0 + k] = (a0[k] + a1[k]) + (a2[k] + a3[k]);
    }
    for (; i0 < hs; i0++) {
        float acc = 0.0f;
        for (int j = 0; j < n; j++) acc += p[j] * v[(size_t)j * stride + i0];
        out[i0] = acc;
    }
}

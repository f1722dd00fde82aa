/* Building a Bpe: its tokens, merges and specials (bpe_internal.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpe_internal.h"

Bpe *bpe_alloc(size_t n_tokens) {
    if (n_tokens == 0 || n_tokens > INT32_MAX - BPE_SPECIAL_COUNT) return NULL;
    Bpe *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->n_tokens = n_tokens;
    b->end_of_text = -1;
    b->offset = malloc(n_tokens * sizeof *b->offset);
    b->length = calloc(n_tokens, sizeof *b->length); /* 0: not set yet */
    int maps_failed = strmap_init(&b->by_bytes, n_tokens) | pairmap_init(&b->ranks, n_tokens) |
                      strmap_init(&b->cache, 1024);
    if (!b->offset || !b->length || maps_failed) {
        bpe_free(b);
        return NULL;
    }
    return b;
}

void bpe_free(Bpe *b) {
    if (!b) return;
    free(b->offset);
    free(b->length);
    free(b->bytes);
    strmap_free(&b->by_bytes);
    free(b->merges);
    pairmap_free(&b->ranks);
    pretok_free(b->pretok);
    free(b->word);
    free(b->word_rank);
    free(b->word_fresh);
    strmap_free(&b->cache);
    free(b->cache_ids);
    free(b);
}

static int valid_id(const Bpe *b, token_t id) { return id >= 0 && (size_t)id < b->n_tokens; }

int bpe_set_token(Bpe *b, token_t id, const void *bytes, size_t len, token_t *other) {
    if (!valid_id(b, id) || b->length[id] || len == 0 || len > UINT32_MAX) return -1;
    int added;
    uint32_t *slot = strmap_insert(&b->by_bytes, bytes, len, &added);
    if (!slot) return -3;
    if (!added) {
        *other = (token_t)*slot;
        return -2;
    }
    *slot = (uint32_t)id;
    if (b->bytes_len + len > b->bytes_cap) {
        size_t cap = b->bytes_cap ? b->bytes_cap : 4096;
        while (cap < b->bytes_len + len) cap *= 2;
        unsigned char *grown = cap <= UINT32_MAX ? realloc(b->bytes, cap) : NULL;
        if (!grown) return -3;
        b->bytes = grown;
        b->bytes_cap = cap;
    }
    memcpy(b->bytes + b->bytes_len, bytes, len);
    b->offset[id] = (uint32_t)b->bytes_len;
    b->length[id] = (uint32_t)len;
    b->bytes_len += len;
    if (len > b->max_token_bytes) b->max_token_bytes = len;
    return 0;
}

void bpe_shrink(Bpe *b, size_t n_tokens) {
    if (n_tokens < b->n_tokens && b->n_merges == 0) b->n_tokens = n_tokens;
}

token_t bpe_find_token(const Bpe *b, const void *bytes, size_t len) {
    const uint32_t *id = strmap_find(&b->by_bytes, bytes, len);
    return id ? (token_t)*id : -1;
}

/* The token of left's bytes followed by right's, or -1. */
static token_t joined_token(const Bpe *b, token_t left, token_t right) {
    size_t ll = b->length[left], rl = b->length[right];
    unsigned char small[256], *joined = ll + rl <= sizeof small ? small : malloc(ll + rl);
    if (!joined) return -1;
    memcpy(joined, b->bytes + b->offset[left], ll);
    memcpy(joined + ll, b->bytes + b->offset[right], rl);
    token_t id = bpe_find_token(b, joined, ll + rl);
    if (joined != small) free(joined);
    return id;
}

static int add_pair(Bpe *b, token_t left, token_t right, size_t rank, token_t *result) {
    if (!valid_id(b, left) || !valid_id(b, right) || !b->length[left] || !b->length[right])
        return -1;
    token_t joined = joined_token(b, left, right);
    if (joined < 0) return -2;
    int added;
    uint64_t *slot = pairmap_insert(&b->ranks, pairmap_key(left, right), &added);
    if (!slot) return -4;
    if (!added) return -3;
    *slot = (uint64_t)rank << 32 | (uint32_t)joined;
    *result = joined;
    return 0;
}

int bpe_add_merge(Bpe *b, token_t left, token_t right) {
    if (b->n_merges >= BPE_NO_RANK) return -4;
    if (b->n_merges == b->merges_cap) {
        size_t cap = b->merges_cap ? 2 * b->merges_cap : 1024;
        token_t(*grown)[3] = realloc(b->merges, cap * sizeof *grown);
        if (!grown) return -4;
        b->merges = grown;
        b->merges_cap = cap;
    }
    token_t result;
    int rc = add_pair(b, left, right, b->n_merges, &result);
    if (rc) return rc;
    token_t *m = b->merges[b->n_merges++];
    m[0] = left, m[1] = right, m[2] = result;
    return 0;
}

int bpe_add_alias(Bpe *b, token_t left, token_t right, size_t rank) {
    token_t result;
    return rank < b->n_merges ? add_pair(b, left, right, rank, &result) : -1;
}

int bpe_finish(Bpe *b, token_t end_of_text, char *err, size_t errcap) {
    for (size_t id = 0; id < b->n_tokens; id++) {
        if (!b->length[id]) {
            snprintf(err, errcap, "no token has id %zu (ids must run from 0 to %zu)", id,
                     b->n_tokens - 1);
            return -1;
        }
    }
    for (int byte = 0; byte < 256; byte++) {
        unsigned char c = (unsigned char)byte;
        b->byte_token[byte] = bpe_find_token(b, &c, 1);
        if (b->byte_token[byte] < 0 || b->byte_token[byte] == end_of_text) {
            snprintf(err, errcap, "no token for the byte 0x%02X", (unsigned)byte);
            return -1;
        }
    }
    if (end_of_text >= 0) {
        for (size_t r = 0; r < b->n_merges; r++) {
            if (b->merges[r][2] == end_of_text) {
                snprintf(err, errcap, "merge %zu makes the end-of-text token", r);
                return -1;
            }
        }
    }
    b->end_of_text = end_of_text;
    token_t next = (token_t)b->n_tokens;
    for (int s = 0; s < BPE_SPECIAL_COUNT; s++) {
        int shared = end_of_text >= 0 && (s == BPE_BOS || s == BPE_EOS);
        b->special[s] = shared ? end_of_text : next++;
    }
    b->n_total = (size_t)next;
    b->pretok = b->pretok ? b->pretok : pretok_new(err, errcap);
    return b->pretok ? 0 : -1;
}

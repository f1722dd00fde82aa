#include "strmap.h"

#include <stdlib.h>
#include <string.h>

/* FNV-1a: keys are short (pre-tokens, tokens), where it is as good as anything. */
static uint64_t hash_bytes(const unsigned char *p, size_t n) {
    uint64_t h = 0xCBF29CE484222325ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001B3ULL;
    return h;
}

/* The high half of the hash picks the slot (FNV-1a mixes its high bits better); the low half
 * is kept in the slot to skip most key comparisons. */
static size_t home_slot(const StrMap *m, uint64_t h) { return (size_t)(h >> 32) & (m->cap - 1); }

static int allocate(StrMap *m, size_t cap) {
    m->slots = malloc(cap * sizeof *m->slots);
    if (!m->slots) return -1;
    for (size_t i = 0; i < cap; i++) m->slots[i].key = STRMAP_FREE;
    m->cap = cap;
    m->n = 0;
    return 0;
}

int strmap_init(StrMap *m, size_t expected) {
    size_t cap = 16;
    while (cap < 2 * expected) cap *= 2; /* at most half full */
    m->keys = NULL;
    m->keys_len = m->keys_cap = 0;
    return allocate(m, cap);
}

void strmap_free(StrMap *m) {
    free(m->slots);
    free(m->keys);
    memset(m, 0, sizeof *m);
}

void strmap_clear(StrMap *m) {
    for (size_t i = 0; i < m->cap; i++) m->slots[i].key = STRMAP_FREE;
    m->n = 0;
    m->keys_len = 0;
}

static int same_key(const StrMap *m, const StrSlot *s, uint64_t h, const void *key, size_t len) {
    return s->hash == (uint32_t)h && s->len == len &&
           (len == 0 || !memcmp(m->keys + s->key, key, len));
}

uint32_t *strmap_find(const StrMap *m, const void *key, size_t len) {
    uint64_t h = hash_bytes(key, len);
    for (size_t i = home_slot(m, h);; i = (i + 1) & (m->cap - 1)) {
        StrSlot *s = &m->slots[i];
        if (s->key == STRMAP_FREE) return NULL;
        if (same_key(m, s, h, key, len)) return &s->value;
    }
}

static int grow(StrMap *m) {
    StrSlot *old = m->slots;
    size_t old_cap = m->cap, n = m->n;
    if (allocate(m, old_cap * 2)) {
        m->slots = old;
        m->cap = old_cap;
        return -1;
    }
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].key == STRMAP_FREE) continue;
        size_t j = home_slot(m, hash_bytes(m->keys + old[i].key, old[i].len));
        while (m->slots[j].key != STRMAP_FREE) j = (j + 1) & (m->cap - 1);
        m->slots[j] = old[i];
    }
    m->n = n;
    free(old);
    return 0;
}

/* Room for len more key bytes; offsets must stay below STRMAP_FREE. */
static int reserve_keys(StrMap *m, size_t len) {
    if (m->keys_len + len <= m->keys_cap) return 0;
    if (m->keys_len + len >= STRMAP_FREE) return -1;
    size_t cap = m->keys_cap ? m->keys_cap : 4096;
    while (cap < m->keys_len + len) cap *= 2;
    unsigned char *keys = realloc(m->keys, cap);
    if (!keys) return -1;
    m->keys = keys;
    m->keys_cap = cap;
    return 0;
}

uint32_t *strmap_insert(StrMap *m, const void *key, size_t len, int *added) {
    *added = 0;
    uint64_t h = hash_bytes(key, len);
    size_t i = home_slot(m, h);
    for (; m->slots[i].key != STRMAP_FREE; i = (i + 1) & (m->cap - 1))
        if (same_key(m, &m->slots[i], h, key, len)) return &m->slots[i].value;
    if (reserve_keys(m, len)) return NULL;
    if (2 * (m->n + 1) > m->cap) {
        if (grow(m)) return NULL;
        for (i = home_slot(m, h); m->slots[i].key != STRMAP_FREE;) i = (i + 1) & (m->cap - 1);
    }
    if (len) memcpy(m->keys + m->keys_len, key, len);
    m->slots[i] = (StrSlot){(uint32_t)h, (uint32_t)m->keys_len, (uint32_t)len, 0};
    m->keys_len += len;
    m->n++;
    *added = 1;
    return &m->slots[i].value;
}

size_t strmap_key_bytes(const StrMap *m) { return m->keys_len; }

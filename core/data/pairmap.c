#include "pairmap.h"

#include <stdlib.h>

/* The finalizer of splitmix64: every bit of the key moves every bit of the slot index. */
static size_t slot_of(uint64_t key, size_t cap) {
    key ^= key >> 30;
    key *= 0xBF58476D1CE4E5B9ULL;
    key ^= key >> 27;
    key *= 0x94D049BB133111EBULL;
    key ^= key >> 31;
    return (size_t)key & (cap - 1);
}

static int allocate(PairMap *m, size_t cap) {
    m->slots = malloc(cap * sizeof *m->slots);
    if (!m->slots) return -1;
    for (size_t i = 0; i < cap; i++) m->slots[i].key = PAIRMAP_FREE;
    m->cap = cap;
    m->n = 0;
    return 0;
}

int pairmap_init(PairMap *m, size_t expected) {
    size_t cap = 16;
    while (cap < 2 * expected) cap *= 2; /* at most half full */
    return allocate(m, cap);
}

void pairmap_free(PairMap *m) {
    free(m->slots);
    m->slots = NULL;
    m->cap = m->n = 0;
}

uint64_t *pairmap_find(const PairMap *m, uint64_t key) {
    for (size_t i = slot_of(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
        if (m->slots[i].key == key) return &m->slots[i].value;
        if (m->slots[i].key == PAIRMAP_FREE) return NULL;
    }
}

static int grow(PairMap *m) {
    PairMap bigger;
    if (allocate(&bigger, m->cap * 2)) return -1;
    for (size_t i = 0; i < m->cap; i++) {
        if (m->slots[i].key == PAIRMAP_FREE) continue;
        size_t j = slot_of(m->slots[i].key, bigger.cap);
        while (bigger.slots[j].key != PAIRMAP_FREE) j = (j + 1) & (bigger.cap - 1);
        bigger.slots[j] = m->slots[i];
    }
    bigger.n = m->n;
    free(m->slots);
    *m = bigger;
    return 0;
}

uint64_t *pairmap_insert(PairMap *m, uint64_t key, int *added) {
    *added = 0;
    if (2 * (m->n + 1) > m->cap && grow(m)) return NULL;
    size_t i = slot_of(key, m->cap);
    for (; m->slots[i].key != PAIRMAP_FREE; i = (i + 1) & (m->cap - 1))
        if (m->slots[i].key == key) return &m->slots[i].value;
    m->slots[i].key = key;
    m->slots[i].value = 0;
    m->n++;
    *added = 1;
    return &m->slots[i].value;
}

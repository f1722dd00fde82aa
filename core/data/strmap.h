/* A hash table from byte strings to 32-bit values (open addressing, linear probing), which
 * keeps its own copy of every key in one growing buffer: token bytes to ids, pre-tokens to
 * their cached encoding, and words to their index in BPE training. */
#ifndef EXPOSURE_STRMAP_H
#define EXPOSURE_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t hash; /* the low half of the key's hash (the high half picks the slot) */
    uint32_t key;  /* offset of the key's bytes in the map's buffer; STRMAP_FREE when unused */
    uint32_t len;  /* of the key */
    uint32_t value;
} StrSlot;

typedef struct {
    StrSlot *slots;
    size_t cap, n;
    unsigned char *keys; /* every key, one after the other */
    size_t keys_len, keys_cap;
} StrMap;

#define STRMAP_FREE UINT32_MAX

/* An empty map with room for `expected` keys before it grows. Returns 0, or -1 when memory
 * runs out. */
int strmap_init(StrMap *m, size_t expected);
void strmap_free(StrMap *m);
/* Forgets every key and keeps the memory. */
void strmap_clear(StrMap *m);

/* The value stored for key[0..len), or NULL when there is none. */
uint32_t *strmap_find(const StrMap *m, const void *key, size_t len);

/* The value stored for key[0..len), added as 0 (with *added set to 1) when there was none.
 * NULL when memory runs out or the keys would pass 4 GiB. The pointer is good until the next
 * insert. */
uint32_t *strmap_insert(StrMap *m, const void *key, size_t len, int *added);

/* Bytes held for keys (what a cache bounds). */
size_t strmap_key_bytes(const StrMap *m);

#endif

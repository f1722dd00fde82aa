/* Encoding, decoding and what the rest of the program asks of a Bpe (bpe.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpe_internal.h"
#include "byteunicode.h"
#include "util.h"

/* Pieces up to this many bytes are cached; longer ones (long numbers, whitespace runs) are
 * rare and would crowd the cache. */
#define CACHE_MAX_PIECE 64
/* The cache starts over once it holds this many pieces (GSM8K's train split has 17,688
 * distinct ones): it never takes more than 24 MiB, even with every piece 64 bytes long. */
#define CACHE_MAX_ENTRIES (1u << 16)

static const char *const special_names[BPE_SPECIAL_COUNT] = {
    "<bos>", "<sep>", "<eos>", "<corr>", "<pad>",
};

size_t bpe_vocab_size(const Bpe *b) { return b->n_tokens; }
size_t bpe_total_size(const Bpe *b) { return b->n_total; }
size_t bpe_max_token_bytes(const Bpe *b) { return b->max_token_bytes; }
size_t bpe_merge_count(const Bpe *b) { return b->n_merges; }

token_t bpe_special(const Bpe *b, BpeSpecial which) {
    return which >= 0 && which < BPE_SPECIAL_COUNT ? b->special[which] : -1;
}

int bpe_is_special(const Bpe *b, token_t id) {
    if (id < 0) return 0;
    return id == b->end_of_text || ((size_t)id >= b->n_tokens && (size_t)id < b->n_total);
}

int bpe_merge(const Bpe *b, size_t rank, token_t *left, token_t *right, token_t *result) {
    if (rank >= b->n_merges) return -1;
    *left = b->merges[rank][0];
    *right = b->merges[rank][1];
    *result = b->merges[rank][2];
    return 0;
}

const unsigned char *bpe_token_bytes(const Bpe *b, token_t id, size_t *len) {
    if (id < 0 || (size_t)id >= b->n_tokens || id == b->end_of_text) return NULL;
    *len = b->length[id];
    return b->bytes + b->offset[id];
}

/* ---- encoding ---------------------------------------------------------------------------- */

static int reserve_word(Bpe *b, size_t n) {
    if (n <= b->word_cap) return 0;
    size_t cap = b->word_cap ? b->word_cap : 256;
    while (cap < n) cap *= 2;
    token_t *word = realloc(b->word, cap * sizeof *word);
    if (word) b->word = word;
    uint32_t *rank = realloc(b->word_rank, cap * sizeof *rank);
    if (rank) b->word_rank = rank;
    unsigned char *fresh = realloc(b->word_fresh, cap);
    if (fresh) b->word_fresh = fresh;
    if (!word || !rank || !fresh) return -1;
    b->word_cap = cap;
    return 0;
}

static uint32_t pair_rank(const Bpe *b, token_t left, token_t right) {
    const uint64_t *v = pairmap_find(&b->ranks, pairmap_key(left, right));
    return v ? (uint32_t)(*v >> 32) : BPE_NO_RANK;
}

/* Merges the bytes of one piece into b->word; returns the number of tokens. This is the
 * reference encoder's loop, step for step: find the pair of lowest rank (the last such pair
 * when several share it, as the JavaScript encoder keeps the last one it sees), merge every
 * occurrence of that pair from left to right, repeat until no pair has a rank. Ranks of pairs
 * that a merge did not touch are kept, so a long piece costs one lookup per merge, not one
 * per pair per round. */
static size_t merge_piece(Bpe *b, const unsigned char *p, size_t len) {
    token_t *w = b->word;
    uint32_t *rank = b->word_rank;
    unsigned char *fresh = b->word_fresh;
    for (size_t i = 0; i < len; i++) w[i] = b->byte_token[p[i]];
    for (size_t i = 0; i + 1 < len; i++) rank[i] = pair_rank(b, w[i], w[i + 1]);
    size_t n = len;
    while (n > 1) {
        uint32_t best = BPE_NO_RANK;
        size_t at = 0;
        for (size_t i = 0; i + 1 < n; i++)
            if (rank[i] <= best && rank[i] != BPE_NO_RANK) best = rank[i], at = i;
        if (best == BPE_NO_RANK) break;
        token_t first = w[at], second = w[at + 1];
        token_t joined = (token_t)(uint32_t)*pairmap_find(&b->ranks, pairmap_key(first, second));
        size_t out = 0;
        for (size_t i = 0; i < n; out++) {
            if (i + 1 < n && w[i] == first && w[i + 1] == second) {
                w[out] = joined;
                fresh[out] = 1;
                i += 2;
            } else {
                w[out] = w[i];
                rank[out] = rank[i];
                fresh[out] = 0;
                i++;
            }
        }
        n = out;
        for (size_t i = 0; i + 1 < n; i++)
            if (fresh[i] || fresh[i + 1]) rank[i] = pair_rank(b, w[i], w[i + 1]);
    }
    return n;
}

/* Keeps the encoding of a piece for the next time it occurs. A failed allocation only means
 * the piece is not cached. */
static void cache_piece(Bpe *b, const unsigned char *p, size_t len, const token_t *ids,
                        size_t count) {
    if (b->cache.n >= CACHE_MAX_ENTRIES) {
        strmap_clear(&b->cache);
        b->cache_len = 0;
    }
    if (b->cache_len + count + 1 > b->cache_cap) {
        size_t cap = b->cache_cap ? 2 * b->cache_cap : 1u << 14;
        while (cap < b->cache_len + count + 1) cap *= 2;
        token_t *grown = realloc(b->cache_ids, cap * sizeof *grown);
        if (!grown) return;
        b->cache_ids = grown;
        b->cache_cap = cap;
    }
    int added;
    uint32_t *slot = strmap_insert(&b->cache, p, len, &added);
    if (!slot || !added) return;
    *slot = (uint32_t)b->cache_len;
    token_t *entry = b->cache_ids + b->cache_len;
    entry[0] = (token_t)count;
    memcpy(entry + 1, ids, count * sizeof *ids);
    b->cache_len += count + 1;
}

/* Appends the tokens of one piece to ids; returns their number, or 0 when memory runs out. */
static size_t encode_piece(Bpe *b, const unsigned char *p, size_t len, token_t *ids) {
    if (len == 1) {
        ids[0] = b->byte_token[p[0]];
        return 1;
    }
    int cacheable = len <= CACHE_MAX_PIECE;
    if (cacheable) {
        const uint32_t *at = strmap_find(&b->cache, p, len);
        if (at) {
            const token_t *entry = b->cache_ids + *at;
            memcpy(ids, entry + 1, (size_t)entry[0] * sizeof *ids);
            return (size_t)entry[0];
        }
    }
    if (reserve_word(b, len)) return 0;
    size_t count = merge_piece(b, p, len);
    memcpy(ids, b->word, count * sizeof *ids);
    if (cacheable) cache_piece(b, p, len, ids, count);
    return count;
}

int bpe_encode(Bpe *b, const char *text, size_t n, token_t *ids, size_t *n_ids, char *err,
               size_t errcap) {
    size_t bad;
    if (utf8_validate(text, n, &bad)) {
        snprintf(err, errcap, "invalid UTF-8 at byte %zu", bad);
        return -1;
    }
    size_t pos = 0, len, count = 0;
    int rc;
    while ((rc = pretok_next(b->pretok, text, n, &pos, &len, err, errcap)) > 0) {
        size_t got = encode_piece(b, (const unsigned char *)text + pos - len, len, ids + count);
        if (!got) {
            snprintf(err, errcap, "out of memory");
            return -1;
        }
        count += got;
    }
    if (rc < 0) return -1;
    *n_ids = count;
    return 0;
}

/* ---- decoding and display ---------------------------------------------------------------- */

size_t bpe_decode(const Bpe *b, const token_t *ids, size_t n, char *out, size_t cap) {
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len;
        const unsigned char *t = bpe_token_bytes(b, ids[i], &len);
        if (!t) continue;
        if (total < cap) memcpy(out + total, t, len <= cap - total ? len : cap - total);
        total += len;
    }
    return total;
}

/* The name of a special, or NULL when id is not one. */
static const char *special_name(const Bpe *b, token_t id, size_t *len) {
    if (!bpe_is_special(b, id)) return NULL;
    if (id == b->end_of_text) {
        *len = b->length[id];
        return (const char *)b->bytes + b->offset[id];
    }
    for (int s = 0; s < BPE_SPECIAL_COUNT; s++) {
        if (b->special[s] == id) {
            *len = strlen(special_names[s]);
            return special_names[s];
        }
    }
    return NULL;
}

/* Appends s[0..len) to out as far as it fits, always keeping room for the NUL. */
static void append(char *out, size_t cap, size_t *pos, const char *s, size_t len) {
    for (size_t k = 0; k < len; k++, (*pos)++)
        if (*pos + 1 < cap) out[*pos] = s[k];
}

size_t bpe_token_string(const Bpe *b, token_t id, char *out, size_t cap) {
    size_t pos = 0, len;
    const char *name = special_name(b, id, &len);
    const unsigned char *t = name ? NULL : bpe_token_bytes(b, id, &len);
    if (name) {
        append(out, cap, &pos, name, len);
    } else if (!t) {
        append(out, cap, &pos, "<?>", 3);
    } else {
        for (size_t k = 0; k < len; k++) {
            char c[3];
            append(out, cap, &pos, c, byteunicode_encode(t + k, 1, c));
        }
    }
    if (cap > 0) out[pos < cap ? pos : cap - 1] = '\0';
    return pos;
}

token_t bpe_token_id(const Bpe *b, const char *s) {
    for (int k = 0; k < BPE_SPECIAL_COUNT; k++)
        if ((size_t)b->special[k] >= b->n_tokens && !strcmp(s, special_names[k]))
            return b->special[k];
    size_t n = strlen(s);
    unsigned char small[256], *bytes = n <= sizeof small ? small : malloc(n);
    if (!bytes) return -1;
    long len = byteunicode_decode(s, n, bytes);
    token_t id = len > 0 ? bpe_find_token(b, bytes, (size_t)len) : -1;
    if (bytes != small) free(bytes);
    return id;
}

/* Up to four bytes from byte k of token i on, as far as the tokens are not specials: what a
 * UTF-8 sequence starting there can be made of. */
static size_t gather(const Bpe *b, const token_t *ids, size_t n, size_t i, size_t k,
                     unsigned char seq[4]) {
    size_t got = 0, len;
    const unsigned char *t;
    for (; got < 4 && i < n && (t = bpe_token_bytes(b, ids[i], &len)); i++, k = 0)
        for (; got < 4 && k < len; k++) seq[got++] = t[k];
    return got;
}

size_t bpe_render(const Bpe *b, const token_t *ids, size_t n, char *out, size_t cap) {
    size_t pos = 0, i = 0, k = 0, len;
    while (i < n) {
        const unsigned char *t = bpe_token_bytes(b, ids[i], &len);
        if (!t) {
            const char *name = special_name(b, ids[i], &len);
            if (name) append(out, cap, &pos, name, len);
            else append(out, cap, &pos, "<?>", 3);
            i++;
            continue;
        }
        unsigned char c = t[k];
        size_t take = 1;
        if (c == '\n') {
            append(out, cap, &pos, "\\n", 2);
        } else if (c == '\t') {
            append(out, cap, &pos, "\\t", 2);
        } else if (c >= 0x20 && c < 0x7F) {
            append(out, cap, &pos, (const char *)&c, 1);
        } else {
            unsigned char seq[4];
            size_t seq_len = utf8_sequence_length(seq, gather(b, ids, n, i, k, seq));
            if (seq_len >= 2) {
                append(out, cap, &pos, (const char *)seq, seq_len);
                take = seq_len;
            } else {
                char hex[5];
                snprintf(hex, sizeof hex, "\\x%02X", (unsigned)c);
                append(out, cap, &pos, hex, 4);
            }
        }
        /* The bytes taken lie in ordinary tokens (gather stops at anything else). */
        for (size_t s = 0; s < take; s++) {
            if (++k < len) continue;
            i++, k = 0;
            if (s + 1 < take) (void)bpe_token_bytes(b, ids[i], &len);
        }
    }
    if (cap > 0) out[pos < cap ? pos : cap - 1] = '\0';
    return pos;
}

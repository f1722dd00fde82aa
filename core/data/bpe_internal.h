/* The inside of a Bpe, shared by the files that build one (bpe_vocab.c, the GPT-2 and JSON
 * loaders, bpe_train.c) and the encoder (bpe.c). Not for use outside the BPE module. */
#ifndef EXPOSURE_BPE_INTERNAL_H
#define EXPOSURE_BPE_INTERNAL_H

#include <stdint.h>

#include "bpe.h"
#include "pairmap.h"
#include "pretok.h"
#include "strmap.h"

/* A rank no merge has: the pair is not in the table. */
#define BPE_NO_RANK UINT32_MAX

struct Bpe {
    /* The vocabulary: token id's bytes are bytes[offset[id] .. offset[id] + length[id]). */
    size_t n_tokens;
    uint32_t *offset, *length;
    unsigned char *bytes;
    size_t bytes_len, bytes_cap, max_token_bytes;
    StrMap by_bytes; /* token bytes -> id */
    token_t byte_token[256];
    token_t end_of_text; /* -1 when the vocabulary has none */
    token_t special[BPE_SPECIAL_COUNT];
    size_t n_total;

    /* Merges in rank order (left, right, result), and the table the encoder asks:
     * pairmap_key(left, right) -> rank << 32 | result. */
    size_t n_merges, merges_cap;
    token_t (*merges)[3];
    PairMap ranks;

    /* Encoding: the pre-tokenizer, one piece's tokens and pair ranks, and a cache of pieces
     * already encoded (piece bytes -> offset in cache_ids of [count, ids...]). */
    Pretok *pretok;
    token_t *word;
    uint32_t *word_rank;
    unsigned char *word_fresh;
    size_t word_cap;
    StrMap cache;
    token_t *cache_ids;
    size_t cache_len, cache_cap;
};

/* An empty vocabulary of n_tokens ids, each to be given its bytes with bpe_set_token. NULL
 * when memory runs out. */
Bpe *bpe_alloc(size_t n_tokens);

/* Gives id its bytes (1 or more). Returns 0; -1 when the id is outside the vocabulary or
 * already set; -2 when another id has the same bytes (*other is set to it); -3 when memory
 * runs out. */
int bpe_set_token(Bpe *b, token_t id, const void *bytes, size_t len, token_t *other);

/* Cuts the vocabulary down to its first n_tokens ids, before any merge is added: for a
 * learner that allocated room for more tokens than it found. */
void bpe_shrink(Bpe *b, size_t n_tokens);

/* The id whose bytes are bytes[0..len), or -1. */
token_t bpe_find_token(const Bpe *b, const void *bytes, size_t len);

/* Appends the merge of left and right, whose result is the token of their bytes joined.
 * Returns 0; -1 when left or right is not a token; -2 when the joined bytes are not a token;
 * -3 when the pair is already in the table; -4 when memory runs out. */
int bpe_add_merge(Bpe *b, token_t left, token_t right);

/* Makes the pair (left, right) merge with the rank of merge `rank` (into left's and right's
 * bytes joined), without adding a merge to the table that is saved: for the JavaScript
 * encoder's reading of vocab.bpe (bpe_gpt2.c). Same returns as bpe_add_merge. */
int bpe_add_alias(Bpe *b, token_t left, token_t right, size_t rank);

/* Completes b once every token is set: checks that each byte has a token of its own and
 * that no merge makes the end-of-text token, places the specials, and prepares the encoder.
 * end_of_text is -1 or the id of the vocabulary's end-of-text token. Returns 0, or -1 with a
 * reason in err. */
int bpe_finish(Bpe *b, token_t end_of_text, char *err, size_t errcap);

#endif

/* Byte-level byte pair encoding: GPT-2's tokenizer, exactly as the JavaScript encoder
 * gpt-3-encoder 1.1.4 encodes, and vocabularies learned by bpe_train (bpe_train.h) on a
 * corpus, saved as JSON. Text is cut into pieces by GPT-2's pre-tokenization (pretok.h); the
 * bytes of each piece start as one token each and are merged pair by pair, the pair of lowest
 * rank first, until no pair of the merge table is left. Every byte string has an encoding, and
 * decoding gives the bytes back exactly. docs/tokenizers.md describes the files and formats.
 *
 * Ids: the vocabulary's own ids come first (0..vocab_size-1; GPT-2's 50,257, the last of
 * which is <|endoftext|>). exposure's special tokens follow, in the order of BpeSpecial, except
 * that a vocabulary with an end-of-text token (GPT-2's <|endoftext|>) uses it as both <bos>
 * and <eos>: GPT-2's ids end with <sep> 50257, <corr> 50258, <pad> 50259. Encoding never
 * produces a special: "<|endoftext|>" in a text is encoded as text, as the reference does. */
#ifndef EXPOSURE_BPE_H
#define EXPOSURE_BPE_H

#include <stddef.h>

#include "nn.h"

typedef struct Bpe Bpe;

typedef enum {
    BPE_BOS,  /* start of every sequence */
    BPE_SEP,  /* end of the prompt, start of the response */
    BPE_EOS,  /* end of the response */
    BPE_CORR, /* RAC: retract the previous token */
    BPE_PAD,  /* filler after the end of a short row */
    BPE_SPECIAL_COUNT
} BpeSpecial;

/* GPT-2's tokenizer from dir/encoder.json and dir/vocab.bpe (assets/tokenizers/gpt2 holds
 * them). NULL with "FILE: reason" or "FILE:LINE: reason" in err on any problem. */
Bpe *bpe_load_gpt2(const char *dir, char *err, size_t errcap);

/* A vocabulary saved by bpe_save_json (bpe_train's, or any in that format). NULL with
 * "FILE: KEY: reason" in err when the file is not such a vocabulary. */
Bpe *bpe_load_json(const char *path, char *err, size_t errcap);

/* The same from text[0..len) in memory; source names it in messages. */
Bpe *bpe_load_json_text(const char *text, size_t len, const char *source, char *err, size_t errcap);

/* Writes b as JSON to path (replacing it atomically). Returns 0, or -1 with "FILE: reason". */
int bpe_save_json(const Bpe *b, const char *path, char *err, size_t errcap);

void bpe_free(Bpe *b);

/* Ids of the vocabulary itself (GPT-2: 50257). */
size_t bpe_vocab_size(const Bpe *b);
/* Every id, the appended specials included (GPT-2: 50260): what a model's embedding holds. */
size_t bpe_total_size(const Bpe *b);
token_t bpe_special(const Bpe *b, BpeSpecial which);
/* 1 when id is one of the specials (GPT-2's <|endoftext|> included), else 0. */
int bpe_is_special(const Bpe *b, token_t id);
/* The most bytes one token stands for. */
size_t bpe_max_token_bytes(const Bpe *b);

/* Encodes text[0..n) into ids, which must have room for n ids (a token is at least one byte),
 * and sets *n_ids. Returns 0, or -1 with "invalid UTF-8 at byte N" (or a failure of the
 * pre-tokenizer, or memory) in err. Encoding uses scratch memory and a cache inside b: one
 * thread at a time. */
int bpe_encode(Bpe *b, const char *text, size_t n, token_t *ids, size_t *n_ids, char *err,
               size_t errcap);

/* The bytes of ids[0..n) into out[0..cap); specials and ids outside [0, bpe_total_size) add
 * nothing. Returns the number of bytes the whole decoding has (more than cap when it did not
 * fit: out then holds its first cap bytes). decode(encode(x)) == x for every valid x. */
size_t bpe_decode(const Bpe *b, const token_t *ids, size_t n, char *out, size_t cap);

/* The bytes token id stands for, and their number in *len; NULL for specials and ids outside
 * the vocabulary. */
const unsigned char *bpe_token_bytes(const Bpe *b, token_t id, size_t *len);

/* The token's name as the vocabulary files spell it, each byte as GPT-2's stand-in character
 * ("Ġthe" for " the", byteunicode.h), or the special's name ("<|endoftext|>", "<sep>"), or
 * "<?>" for an id outside bpe_total_size; NUL-terminated into out[0..cap) (cap >= 1).
 * Returns the full length (like snprintf). */
size_t bpe_token_string(const Bpe *b, token_t id, char *out, size_t cap);

/* The id whose bpe_token_string is s, or -1 when there is none. */
token_t bpe_token_id(const Bpe *b, const char *s);

/* A printable rendering of ids[0..n) for display, NUL-terminated, truncated to fit cap
 * (cap >= 1), with the rules of tok_render: specials as their names, well-formed UTF-8 and
 * printable ASCII as themselves (a character split over tokens shown whole), newline and tab
 * as "\n" and "\t", every other byte as "\xNN", ids outside the vocabulary as "<?>". Returns
 * the length the full rendering would have. */
size_t bpe_render(const Bpe *b, const token_t *ids, size_t n, char *out, size_t cap);

/* The merge table, in rank order: merge `rank` joins left and right into result. */
size_t bpe_merge_count(const Bpe *b);
int bpe_merge(const Bpe *b, size_t rank, token_t *left, token_t *right, token_t *result);

#endif

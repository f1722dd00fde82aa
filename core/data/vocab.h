/* The vocabulary a model reads its text with, as model.tokenizer names it: "byte" (one id per
 * byte, tokenizer.h), "gpt2" (GPT-2's byte pair encoding, assets/tokenizers/gpt2) or the path
 * of a vocabulary learned by `exposure tokenizer train` (bpe.h's JSON format). Every place that
 * turns text into ids or ids into text goes through one Vocab, so that datasets, decoding,
 * evaluation and the displays agree; docs/tokenizers.md has the id layouts. */
#ifndef EXPOSURE_VOCAB_H
#define EXPOSURE_VOCAB_H

#include <stddef.h>

#include "nn.h"
#include "dataset.h"

typedef struct Vocab Vocab;

/* Opens the vocabulary spec names. NULL with "model.tokenizer: ..." in err when spec is
 * none of the three, or with the file's own message when it cannot be read. */
Vocab *vocab_open(const char *spec, char *err, size_t errcap);
void vocab_free(Vocab *v);

/* The spec it was opened with ("byte", "gpt2", a path). */
const char *vocab_spec(const Vocab *v);
/* What the vocabulary is, independent of where its file is: "byte", "gpt2", or
 * "bpe:N:fnv1a64:HEX" for a learned one of N tokens (a hash of its tokens and merges).
 * Checkpoints record it, so that a run resumes only with the vocabulary it was trained on. */
const char *vocab_identity(const Vocab *v);
/* One line for people: "byte (256 bytes + 5 specials)", "gpt2 (50,257 tokens + 3 specials)". */
const char *vocab_describe(const Vocab *v);
/* Ids of the vocabulary's own tokens, before exposure's specials are appended: 256 for bytes,
 * 50,257 for GPT-2 (<|endoftext|> included), N for a learned one. */
int vocab_own_size(const Vocab *v);
/* The id layout; the model's vocabulary is ids->count. */
const TokenIds *vocab_ids(const Vocab *v);
int vocab_is_byte(const Vocab *v);

/* Encodes text[0..n) into ids (room for n: a token is at least one byte), *n_ids tokens.
 * Returns 0, or -1 with "invalid UTF-8 at byte N" (BPE only: the byte-level vocabulary
 * encodes any bytes) or a failure of memory in err. One thread at a time per Vocab. */
int vocab_encode(Vocab *v, const char *text, size_t n, token_t *ids, size_t *n_ids, char *err,
                 size_t errcap);

/* Sets each example's token count (Example.tokens: <bos> prompt <sep> response <eos>), so that
 * dataset_longest and dataset_drop_longer_than count this vocabulary's tokens. Returns 0, or
 * -1 with "FILE:LINE: prompt: invalid UTF-8 at byte N" (or response) in err. */
int vocab_measure(Vocab *v, Dataset *d, char *err, size_t errcap);

/* The bytes vocab_text needs for n ids, its NUL included. */
size_t vocab_text_cap(const Vocab *v, size_t n);
/* Text for storing and printing generated output (tok_to_text's rules): the tokens' bytes,
 * specials by name ("<corr>"), ill-formed UTF-8 replaced by U+FFFD. out holds
 * vocab_text_cap(v, n) bytes; NUL-terminated. Returns the length. */
size_t vocab_text(const Vocab *v, const token_t *ids, size_t n, char *out);

/* A printable rendering for display (tok_render's and bpe_render's rules), NUL-terminated,
 * truncated to cap (cap >= 1). Returns the length the full rendering would have. */
size_t vocab_render(const Vocab *v, const token_t *ids, size_t n, char *out, size_t cap);

#endif

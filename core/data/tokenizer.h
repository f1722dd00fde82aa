/* Byte-level tokenizer: ids 0-255 are the bytes themselves, specials follow (token.h).
 * Every byte sequence encodes and decodes back exactly; there is no merge table. */
#ifndef EXPOSURE_TOKENIZER_H
#define EXPOSURE_TOKENIZER_H

#include <stddef.h>

#include "nn.h"

/* Writes n ids for n bytes into ids (which must hold n). Returns n. */
size_t tok_encode(const void *bytes, size_t n, token_t *ids);

/* Writes the bytes of the byte ids among ids[0..n) into out (which must hold n) and skips
 * specials. Returns the number of bytes written. decode(encode(x)) == x for every x. */
size_t tok_decode(const token_t *ids, size_t n, char *out);

/* 1 when id is a byte or a special, 0 otherwise. */
int tok_is_valid(token_t id);

/* "<bos>", "<sep>", "<eos>", "<corr>", "<pad>" for specials, NULL for anything else. */
const char *tok_special_name(token_t id);

/* A printable rendering for display, NUL-terminated, truncated to fit cap (cap >= 1).
 * Specials appear as their names, well-formed UTF-8 and printable ASCII as themselves,
 * newline and tab as "\n" and "\t", every other byte as "\xNN".
 * Returns the length the full rendering would have (like snprintf). */
size_t tok_render(const token_t *ids, size_t n, char *out, size_t cap);

/* Text for storing and printing generated output: bytes as themselves, specials as their
 * names ("<corr>"), ill-formed UTF-8 replaced by U+FFFD. out must hold 6 * n + 1 bytes;
 * NUL-terminated. Returns the length. */
size_t tok_to_text(const token_t *ids, size_t n, char *out);

#endif

/* GPT-2's reversible mapping of bytes to printable characters: the token strings of GPT-2's
 * encoder.json and vocab.bpe (and of exposure's own BPE files) spell each byte as one
 * character, so that a space is "Ġ" (U+0120) and a newline "Ċ" (U+010A). Bytes that are
 * printable Latin-1 (0x21-0x7E, 0xA1-0xAC, 0xAE-0xFF) stand for themselves; the other 68 are
 * U+0100 to U+0143 in byte order. */
#ifndef EXPOSURE_BYTEUNICODE_H
#define EXPOSURE_BYTEUNICODE_H

#include <stddef.h>

/* The code point that stands for byte b. */
unsigned byteunicode_char(unsigned char b);

/* Writes the characters of bytes[0..n) as UTF-8 into out, which must hold 2 * n + 1 bytes
 * (no character takes more than two); NUL-terminated. Returns the length. */
size_t byteunicode_encode(const void *bytes, size_t n, char *out);

/* The bytes that the UTF-8 string s[0..n) spells, into out (which must hold n bytes). Returns
 * their number, or -1 when s holds anything but the 256 stand-in characters (including
 * ill-formed UTF-8). */
long byteunicode_decode(const char *s, size_t n, unsigned char *out);

#endif

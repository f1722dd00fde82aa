/* Strict UTF-8 (RFC 3629): what the datasets accept and how their lengths are counted. */
#ifndef EXPOSURE_UTF8_H
#define EXPOSURE_UTF8_H

#include <stddef.h>

/* Returns 0 when s[0..n) is well-formed UTF-8: no overlong forms, no surrogates (U+D800 to
 * U+DFFF), nothing above U+10FFFF, no truncated or stray continuation bytes. Otherwise returns
 * -1 and sets *bad_offset (when not NULL) to the offset of the first byte of the bad sequence. */
int utf8_validate(const char *s, size_t n, size_t *bad_offset);

/* Number of code points in well-formed UTF-8 (the bytes that are not continuation bytes). */
size_t utf8_codepoints(const char *s, size_t n);

#endif

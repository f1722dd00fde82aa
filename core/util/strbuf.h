/* A growable NUL-terminated string. Appends never fail loudly: an allocation failure sets
 * `failed`, later appends do nothing, and the caller checks once at the end. */
#ifndef EXPOSURE_STRBUF_H
#define EXPOSURE_STRBUF_H

#include <stddef.h>

typedef struct {
    char *data; /* NUL-terminated once anything was appended; NULL before */
    size_t len, cap;
    int failed;
} StrBuf;

void sb_init(StrBuf *b);
void sb_free(StrBuf *b);
/* Empties the string and keeps the memory. */
void sb_clear(StrBuf *b);
void sb_append(StrBuf *b, const char *s);
void sb_append_n(StrBuf *b, const char *s, size_t n);
void sb_printf(StrBuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns the string (the caller frees it) and leaves b empty, or NULL when an append failed
 * (b is freed then). An empty buffer yields "". */
char *sb_take(StrBuf *b);

#endif

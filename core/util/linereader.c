#include "linereader.h"

#include <stdlib.h>
#include <string.h>

enum { READ_CHUNK = 1 << 16 };

void line_reader_init(LineReader *r, FILE *f, size_t max_line) {
    memset(r, 0, sizeof *r);
    r->f = f;
    r->max_line = max_line;
}

void line_reader_free(LineReader *r) {
    free(r->buf);
    r->buf = NULL;
    r->cap = r->start = r->len = 0;
}

/* Moves the unconsumed bytes to the front and makes room for one more chunk (plus the NUL
 * that terminates a line). */
static int make_room(LineReader *r) {
    size_t pending = r->len - r->start;
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, pending);
        r->start = 0;
        r->len = pending;
    }
    size_t need = pending + READ_CHUNK + 1;
    if (need <= r->cap) return 0;
    size_t cap = r->cap ? r->cap : READ_CHUNK + 1;
    while (cap < need) cap *= 2;
    char *grown = realloc(r->buf, cap);
    if (!grown) return -1;
    r->buf = grown;
    r->cap = cap;
    return 0;
}

static char *take_line(LineReader *r, size_t end, size_t *len) {
    char *line = r->buf + r->start;
    size_t n = end - r->start;
    r->start = end < r->len ? end + 1 : end; /* skip the newline when there is one */
    if (n > 0 && line[n - 1] == '\r') n--;
    line[n] = '\0';
    *len = n;
    return line;
}

LineStatus line_reader_next(LineReader *r, char **line, size_t *len) {
    size_t scanned = 0; /* bytes of the pending line already searched for a newline */
    for (;;) {
        size_t pending = r->len - r->start;
        char *nl =
            pending > scanned ? memchr(r->buf + r->start + scanned, '\n', pending - scanned) : NULL;
        if (nl) {
            size_t end = (size_t)(nl - r->buf);
            if (end - r->start > r->max_line) return LINE_TOO_LONG;
            *line = take_line(r, end, len);
            return LINE_OK;
        }
        scanned = pending;
        if (pending > r->max_line) return LINE_TOO_LONG;
        if (r->eof) {
            if (pending == 0) return LINE_END;
            *line = take_line(r, r->len, len);
            return LINE_OK;
        }
        if (make_room(r) != 0) return LINE_NO_MEMORY;
        size_t got = fread(r->buf + r->len, 1, READ_CHUNK, r->f);
        r->len += got;
        if (got < READ_CHUNK) {
            if (ferror(r->f)) return LINE_READ_ERROR;
            r->eof = 1;
        }
    }
}

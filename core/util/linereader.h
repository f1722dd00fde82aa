/* Reads a stream line by line with a bounded buffer: a line longer than the limit is reported
 * as soon as the limit is passed, so a huge line is never held in memory whole. */
#ifndef EXPOSURE_LINEREADER_H
#define EXPOSURE_LINEREADER_H

#include <stddef.h>
#include <stdio.h>

typedef enum {
    LINE_OK = 1,        /* *line holds the next line */
    LINE_END = 0,       /* no more lines */
    LINE_TOO_LONG = -1, /* the next line has more than max_line bytes */
    LINE_READ_ERROR = -2,
    LINE_NO_MEMORY = -3,
} LineStatus;

typedef struct {
    FILE *f;
    size_t max_line;
    char *buf;
    size_t cap;
    size_t start, len; /* unconsumed bytes are buf[start..len) */
    int eof;
} LineReader;

/* Does not allocate; the buffer grows on demand up to about max_line plus one read chunk. */
void line_reader_init(LineReader *r, FILE *f, size_t max_line);
void line_reader_free(LineReader *r);

/* On LINE_OK, *line points at the line without its "\n" (and without a "\r" before it),
 * NUL-terminated, valid until the next call; *len is its length, which may count NUL bytes
 * inside the line. A last line without a newline counts. */
LineStatus line_reader_next(LineReader *r, char **line, size_t *len);

#endif

/* Whole files in and out, for the unit tests. Each function fails the test when the file
 * cannot be read or written. */
#ifndef EXPOSURE_TEST_FILES_H
#define EXPOSURE_TEST_FILES_H

#include <stddef.h>

/* The whole file, malloc'd and NUL-terminated (a byte past its size); *len, when len is not
 * NULL, its size. */
char *read_file(const char *path, size_t *len);
/* Creates or replaces path with bytes[0..n). */
void write_file(const char *path, const void *bytes, size_t n);

#endif

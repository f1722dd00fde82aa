/* Reading a whole file of bounded size into memory (tokenizer files). */
#ifndef EXPOSURE_WHOLEFILE_H
#define EXPOSURE_WHOLEFILE_H

#include <stddef.h>

/* The bytes of path, malloc'd and NUL-terminated one past the end, with their number in *len.
 * NULL with "PATH: reason" in err when the file cannot be read, is larger than max bytes, or
 * is the run database this process holds open (fileguard.h). */
char *wholefile_read(const char *path, size_t max, size_t *len, char *err, size_t errcap);

#endif

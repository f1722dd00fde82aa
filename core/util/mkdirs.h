/* Making a directory with its missing parents, as `mkdir -p` does. */
#ifndef EXPOSURE_MKDIRS_H
#define EXPOSURE_MKDIRS_H

#include <stddef.h>
#include <sys/types.h>

/* Creates dir and every missing directory above it with the given mode; directories that
 * exist already are fine. Returns 0, or -1 with errno set and, when failed is not NULL, the
 * directory that could not be made written into failed (ENAMETOOLONG: dir itself). */
int mkdirs(const char *dir, mode_t mode, char *failed, size_t cap);

#endif

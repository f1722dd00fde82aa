/* Paths as text: the directory a path is in, and one path as seen from a directory, for files
 * that link to each other (a report and its plots). */
#ifndef EXPOSURE_PATHS_H
#define EXPOSURE_PATHS_H

#include <stddef.h>

/* The directory part of path, as dirname(1) gives it ("a/b/c.md" -> "a/b", "c.md" -> ".",
 * "/c.md" -> "/"), into out. Returns 0, or -1 when it does not fit. */
int path_dirname(const char *path, char *out, size_t cap);

/* The path of `to` relative to the directory from_dir ("../plots" from "docs" to "plots"),
 * both of which must exist: they are resolved first (realpath), so "." and symbolic links
 * count as what they stand for. "." when they are the same. Returns 0, or -1 with errno set
 * (ENAMETOOLONG when the result does not fit). */
int path_relative(const char *from_dir, const char *to, char *out, size_t cap);

#endif

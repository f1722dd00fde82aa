/* Reading what the commands stored, straight from the database file, and the files around it:
 * the checks of the fault and bad-input tests. Each function asserts on failure. */
#ifndef EXPOSURE_TEST_SQL_H
#define EXPOSURE_TEST_SQL_H

#include <stddef.h>

/* The first column of the first row of a query, opened read-only. */
double sql_double(const char *db, const char *sql);
const char *sql_text(const char *db, const char *sql, char *out, size_t cap);
/* Runs statements on a database opened for writing (created when missing). */
void sql_exec(const char *db, const char *sql);

/* A whole file, malloc'd (NULL when it does not exist or is not a regular file); *len its
 * size. */
char *file_bytes(const char *path, size_t *len);
void write_file(const char *path, const void *bytes, size_t n);
/* Asserts that path holds exactly bytes[0..n). */
void assert_file_is(const char *path, const char *bytes, size_t n);

#endif

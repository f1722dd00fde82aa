/* A fresh directory per test under /tmp, removed afterwards, so that tests never share or
 * leave behind a database. */
#ifndef EXPOSURE_TEST_SCRATCH_H
#define EXPOSURE_TEST_SCRATCH_H

#include <stddef.h>

/* Creates the directory from dir, a mkdtemp template ending in XXXXXX (rewritten in place),
 * and when db is not NULL writes there the path of db_name inside it. Fails the test when
 * the directory cannot be made. */
void scratch_create(char *dir, char *db, size_t cap, const char *db_name);
/* Removes the directory and everything in it. */
void scratch_remove(const char *dir);

#endif

#include "scratch.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

void scratch_create(char *dir, char *db, size_t cap, const char *db_name) {
    cr_assert_not_null(mkdtemp(dir), "cannot create %s", dir);
    if (db) cr_assert_lt((size_t)snprintf(db, cap, "%s/%s", dir, db_name), cap);
}

void scratch_remove(const char *dir) {
    char cmd[600];
    cr_assert_lt((size_t)snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir), sizeof cmd);
    cr_assert_eq(system(cmd), 0, "cannot remove %s", dir);
}

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "limit.h"
#include "mkdirs.h"

static char dir[] = "/tmp/exposure-mkdirs-XXXXXX";

static void setup(void) { cr_assert_not_null(mkdtemp(dir)); }

static void teardown(void) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

static int is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

TestSuite(mkdirs, .init = setup, .fini = teardown);

Test(mkdirs, makes_every_missing_parent_and_accepts_what_exists) {
    char path[256], failed[256] = "";
    snprintf(path, sizeof path, "%s/a/b/c", dir);
    cr_assert_eq(mkdirs(path, 0755, failed, sizeof failed), 0, "%s: %s", failed, strerror(errno));
    cr_assert(is_dir(path));
    /* Again, and with a trailing slash: everything is there already. */
    cr_assert_eq(mkdirs(path, 0755, failed, sizeof failed), 0);
    snprintf(path, sizeof path, "%s/a/b/", dir);
    cr_assert_eq(mkdirs(path, 0755, NULL, 0), 0);
}

Test(mkdirs, names_the_directory_it_could_not_make) {
    char file[256], path[256], failed[256] = "";
    snprintf(file, sizeof file, "%s/file", dir);
    FILE *f = fopen(file, "w");
    cr_assert_not_null(f);
    cr_assert_eq(fclose(f), 0);
    /* A regular file where a parent should be. */
    snprintf(path, sizeof path, "%s/file/sub/leaf", dir);
    cr_assert_eq(mkdirs(path, 0755, failed, sizeof failed), -1);
    cr_assert_eq(errno, ENOTDIR, "%s", strerror(errno));
    snprintf(path, sizeof path, "%s/file/sub", dir);
    cr_assert_str_eq(failed, path);
}

Test(mkdirs, refuses_a_path_longer_than_the_limit) {
    char *path = malloc(LIMIT_PATH_BYTES + 2);
    cr_assert_not_null(path);
    memset(path, 'x', LIMIT_PATH_BYTES + 1);
    path[0] = '/';
    path[LIMIT_PATH_BYTES + 1] = '\0';
    cr_assert_eq(mkdirs(path, 0755, NULL, 0), -1);
    cr_assert_eq(errno, ENAMETOOLONG);
    free(path);
}

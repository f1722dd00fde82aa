#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mkdirs.h"
#include "paths.h"

static char dir[] = "/tmp/exposure-paths-XXXXXX";

static void setup(void) {
    cr_assert_not_null(mkdtemp(dir));
    const char *made[] = {"a/b/c", "a/bc", "docs/results", "plots"};
    for (size_t i = 0; i < sizeof made / sizeof *made; i++) {
        char path[300];
        snprintf(path, sizeof path, "%s/%s", dir, made[i]);
        cr_assert_eq(mkdirs(path, 0777, NULL, 0), 0, "%s", path);
    }
    char link[300], target[300];
    snprintf(link, sizeof link, "%s/link", dir);
    snprintf(target, sizeof target, "%s/a/b", dir);
    cr_assert_eq(symlink(target, link), 0);
}

static void teardown(void) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(paths, .init = setup, .fini = teardown);

Test(paths, dirname_as_dirname_gives_it) {
    const char *cases[][2] = {{"a/b/c.md", "a/b"},
                              {"c.md", "."},
                              {"/c.md", "/"},
                              {"a//b.md", "a"},
                              {"some.md.dir/r.md", "some.md.dir"},
                              {"a/b/", "a"},
                              {"/", "/"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char out[64];
        cr_assert_eq(path_dirname(cases[i][0], out, sizeof out), 0);
        cr_assert_str_eq(out, cases[i][1], "dirname %s", cases[i][0]);
    }
    char small[3];
    cr_assert_eq(path_dirname("abc/def", small, sizeof small), -1);
}

static void expect_relative(const char *from, const char *to, const char *want) {
    char a[300], b[300], out[300];
    snprintf(a, sizeof a, "%s/%s", dir, from);
    snprintf(b, sizeof b, "%s/%s", dir, to);
    cr_assert_eq(path_relative(a, b, out, sizeof out), 0, "%s -> %s: %s", from, to,
                 strerror(errno));
    cr_assert_str_eq(out, want, "%s -> %s", from, to);
}

Test(paths, relative_walks_up_then_down_by_whole_components) {
    expect_relative("docs", "docs/results", "results");
    expect_relative("docs", "plots", "../plots");
    expect_relative("a/b/c", "a", "../..");
    /* a shared prefix of letters is not a shared component */
    expect_relative("a/b", "a/bc", "../bc");
    expect_relative("a/bc", "a/b/c", "../b/c");
    expect_relative("docs", "docs", ".");
    expect_relative("link/c", "a/b", ".."); /* a link counts as what it points to */
    expect_relative("docs/./results/..", "plots", "../plots");
}

Test(paths, relative_needs_both_to_exist_and_room) {
    char a[300], b[300], out[300], small[4];
    snprintf(a, sizeof a, "%s/docs", dir);
    snprintf(b, sizeof b, "%s/missing", dir);
    cr_assert_eq(path_relative(a, b, out, sizeof out), -1);
    cr_assert_eq(errno, ENOENT);
    snprintf(b, sizeof b, "%s/a/b/c", dir);
    cr_assert_eq(path_relative(a, b, small, sizeof small), -1);
    cr_assert_eq(errno, ENAMETOOLONG);
}

#include <criterion/criterion.h>
#include <string.h>

#include "run.h"
#include "version.h"

Test(cli, version) {
    RunResult r = run_exposure((const char *[]){"--version", NULL}, NULL);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    /* The version, then the machine and its BLAS kernels (test_kernels.c). */
    const char *first = "exposure " EXPOSURE_VERSION "\n";
    cr_assert_eq(strncmp(r.out, first, strlen(first)), 0, "%s", r.out);
    cr_assert_not_null(strstr(r.out, "\ncpu     "), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "\nvector  "), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "\nblas    OpenBLAS "), "%s", r.out);
    run_free(&r);
}

Test(cli, help) {
    RunResult r = run_exposure((const char *[]){"--help", NULL}, NULL);
    cr_assert_eq(r.status, 0);
    cr_assert_not_null(strstr(r.out, "usage:\n  exposure "), "%s", r.out);
    run_free(&r);
}

Test(cli, unknown_command_is_usage_error) {
    RunResult r = run_exposure((const char *[]){"frobnicate", NULL}, NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "frobnicate"));
    cr_assert_str_eq(r.out, "");
    run_free(&r);
}

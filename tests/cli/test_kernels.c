/* The OpenBLAS kernels exposure runs (core/nn/kernels.c): when OpenBLAS falls back to generic
 * kernels on a CPU with better ones, exposure runs itself again with the best core; an
 * OPENBLAS_CORETYPE the user set is kept. On a machine whose OpenBLAS picks well, the fallback
 * is played with OPENBLAS_CORETYPE=Prescott and EXPOSURE_BLAS_PRETEND_DEFAULT=1, which makes
 * exposure take that setting for OpenBLAS's own choice. */
#include <cblas.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "run.h"

TestSuite(kernels, .timeout = 60);

static RunResult version(void) {
    RunResult r = run_exposure((const char *[]){"--version", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    return r;
}

/* The best core for this CPU, as the start-up would choose it; skips a CPU without AVX2. */
static void best_core(char *out, size_t cap) {
    CpuInfo cpu;
    cpu_detect(&cpu);
    BlasSituation s = {.openblas_core = "Prescott", .openblas_config = openblas_get_config()};
    BlasDecision d = blas_decide(&cpu, &s);
    if (!d.reexec) cr_skip_test("this CPU has nothing better than SSE kernels");
    snprintf(out, cap, "%s", d.core);
}

Test(kernels, a_fallback_to_generic_kernels_is_replaced_by_the_best_core) {
    char best[32], want[128];
    best_core(best, sizeof best);
    cr_assert_eq(setenv("OPENBLAS_CORETYPE", "Prescott", 1), 0);
    cr_assert_eq(setenv("EXPOSURE_BLAS_PRETEND_DEFAULT", "1", 1), 0);
    RunResult r = version();
    /* The core OpenBLAS really runs after the second start, and why. */
    snprintf(want, sizeof want, "core %s (chosen by exposure: OpenBLAS picked Prescott)", best);
    cr_assert_not_null(strstr(r.out, want), "no '%s' in\n%s", want, r.out);
    cr_assert_null(strstr(r.out, "core Prescott"), "%s", r.out);
    run_free(&r);
}

Test(kernels, the_users_coretype_is_kept) {
    cr_assert_eq(setenv("OPENBLAS_CORETYPE", "Prescott", 1), 0);
    cr_assert_eq(unsetenv("EXPOSURE_BLAS_PRETEND_DEFAULT"), 0);
    RunResult r = version();
    cr_assert_not_null(strstr(r.out, "core Prescott (OPENBLAS_CORETYPE set by the user"), "%s",
                       r.out);
    run_free(&r);
}

/* Without OPENBLAS_CORETYPE the process never stays on kernels it would replace. */
Test(kernels, openblass_own_choice_is_kept_or_replaced) {
    cr_assert_eq(unsetenv("OPENBLAS_CORETYPE"), 0);
    RunResult r = version();
    cr_assert(strstr(r.out, "(OpenBLAS's own choice") || strstr(r.out, "(chosen by exposure"), "%s",
              r.out);
    cr_assert_null(strstr(r.out, "failed"), "%s", r.out);
    run_free(&r);
}

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
#include "scratch.h"
#include "sql.h"

static char dir[] = "/tmp/exposure-kernels-XXXXXX";
static char db[300];

static void setup(void) { scratch_create(dir, db, sizeof db, "runs.db"); }
static void teardown(void) { scratch_remove(dir); }
TestSuite(kernels, .init = setup, .fini = teardown, .timeout = 120);

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

static void train_tiny(void) {
    RunResult r = run_exposure(
        (const char *[]){"train", "--db", db, "--quiet", "--set", "model.layers=1", "--set",
                         "model.dim=16", "--set", "model.heads=2", "--set", "train.steps=2",
                         "--set", "train.eval_every=0", "--set", "train.threads=1", NULL},
        NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
}

static RunResult show(const char *id, int json) {
    RunResult r = run_exposure(
        (const char *[]){"runs", "show", id, "--db", db, json ? "--json" : NULL, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    return r;
}

/* Every run records the machine it ran on; runs show prints it, a run from before the
 * record says unknown. */
Test(kernels, every_run_records_its_machine) {
    char best[32], want[160];
    best_core(best, sizeof best);
    cr_assert_eq(setenv("OPENBLAS_CORETYPE", "Prescott", 1), 0);
    cr_assert_eq(setenv("EXPOSURE_BLAS_PRETEND_DEFAULT", "1", 1), 0);
    train_tiny();
    RunResult r = show("1", 0);
    cr_assert_not_null(strstr(r.out, "\n  blas       OpenBLAS "), "%s", r.out);
    snprintf(want, sizeof want, ", core %s (chosen by exposure: OpenBLAS picked Prescott)\n", best);
    cr_assert_not_null(strstr(r.out, want), "no '%s' in\n%s", want, r.out);
    cr_assert_not_null(strstr(r.out, "\n  cpu        "), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "\n  vector     AVX"), "%s", r.out);
    run_free(&r);
    r = show("1", 1);
    snprintf(want, sizeof want,
             "\"blas_core\":\"%s\",\"blas_core_source\":\"exposure\","
             "\"openblas_pick\":\"Prescott\"",
             best);
    cr_assert_not_null(strstr(r.out, want), "no '%s' in\n%s", want, r.out);
    run_free(&r);

    sql_exec(db, "UPDATE runs SET machine = NULL WHERE id = 1");
    r = show("1", 0);
    cr_assert_not_null(strstr(r.out, "\n  cpu        unknown\n  vector     unknown\n"
                                     "  blas       unknown\n"),
                       "%s", r.out);
    run_free(&r);
    r = show("1", 1);
    cr_assert_not_null(strstr(r.out, "\"machine\":{\"cpu\":\"unknown\",\"features\":\"unknown\""),
                       "%s", r.out);
    run_free(&r);
}

/* exposure bench says first which machine and kernels its figures are of (the plain binary:
 * the sanitized one would take long over the matrix products). */
Test(kernels, bench_names_the_machine_first) {
    cr_assert_eq(unsetenv("OPENBLAS_CORETYPE"), 0);
    RunLimits plain = {.bin = exposure_plain_bin()};
    RunResult r = run_exposure_limited(
        (const char *[]){"bench", "--model", "S", "--steps", "3", "--quick", NULL}, &plain);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_eq(strncmp(r.out, "cpu     ", 8), 0, "%s", r.out);
    cr_assert_not_null(strstr(r.out, "\nvector  "), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "\nblas    OpenBLAS"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "\nmodel S: "), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "not measured (--quick)"), "%s", r.out);
    run_free(&r);
}

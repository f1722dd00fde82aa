/* Models too large for the machine are refused before anything is allocated for them, by
 * exposure train and exposure eval, with the memory they need and the memory there is. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkpoint.h"
#include "config.h"
#include "run.h"
#include "scratch.h"
#include "sql.h"
#include "store.h"

static char dir[] = "/tmp/exposure-limits-XXXXXX";
static char db[300];

static void setup(void) { scratch_create(dir, db, sizeof db, "runs.db"); }
static void teardown(void) { scratch_remove(dir); }
TestSuite(limits, .init = setup, .fini = teardown, .timeout = 120);

#define HUGE                                                                                       \
    "--set", "model.dim=4096", "--set", "model.layers=64", "--set", "train.batch=4096", "--set",   \
        "model.heads=32"

static void expect_refusal(const RunResult *r, const char *want) {
    cr_assert_eq(r->status, 2, "exit %d: %s", r->status, r->err);
    cr_assert_not_null(strstr(r->err, want), "%s", r->err);
}

Test(limits, a_model_too_large_for_the_machine_is_refused) {
    RunResult r = run_exposure((const char *[]){"train", "--db", db, HUGE, NULL}, NULL);
    expect_refusal(&r, "exposure train: train.batch: a model of 64 layers, dim 4096, context 256, "
                       "batch 4096 needs 18.4 TiB; this machine has ");
    cr_assert_not_null(strstr(r.err, " available"), "%s", r.err);
    cr_assert_neq(access(db, F_OK), 0, "nothing is stored for a refused run");
    run_free(&r);
}

/* Under an address-space limit the plain binary (the sanitizers need far more address space
 * than any limit here) refuses a model beyond the limit. Had it tried to allocate the huge
 * model first, it would have failed with "out of memory" and exit 1. A tiny model still trains
 * under the same limit. */
Test(limits, an_address_space_limit_counts) {
    cr_assert_eq(access(exposure_plain_bin(), X_OK), 0, "%s is not built", exposure_plain_bin());
    RunLimits lim = {.bin = exposure_plain_bin(), .as = 1ll << 30};
    RunResult r = run_exposure_limited((const char *[]){"train", "--db", db, HUGE, NULL}, &lim);
    expect_refusal(&r, "the address-space limit (ulimit -v) leaves ");
    run_free(&r);
    r = run_exposure_limited((const char *[]){"train", "--db", db, "--set", "model.layers=8",
                                              "--set", "model.dim=512", "--set", "model.heads=8",
                                              "--set", "train.batch=64", NULL},
                             &lim);
    expect_refusal(&r, "train.batch: a model of 8 layers, dim 512, context 256, batch 64 needs "
                       "6.0 GiB; the address-space limit (ulimit -v) leaves ");
    run_free(&r);
    cr_assert_neq(access(db, F_OK), 0, "nothing is stored for a refused run");
    r = run_exposure_limited((const char *[]){"train", "--db",
                                              db,      "--quiet",
                                              "--set", "model.layers=1",
                                              "--set", "model.dim=32",
                                              "--set", "model.heads=2",
                                              "--set", "train.batch=8",
                                              "--set", "train.steps=3",
                                              "--set", "train.warmup=0",
                                              "--set", "train.eval_samples=2",
                                              "--set", "train.threads=1",
                                              NULL},
                             &lim);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
}

/* A run whose stored batch is 4096, with a model of context 4096: evaluating it would need
 * terabytes of activations. */
Test(limits, eval_refuses_a_model_too_large_before_building_it) {
    Config c;
    config_defaults(&c);
    char err[1024];
    const char *sets[] = {"model.layers=1", "model.dim=16", "model.heads=2", "model.context=4096",
                          "train.batch=4096"};
    for (size_t i = 0; i < sizeof sets / sizeof *sets; i++)
        cr_assert_eq(config_set(&c, sets[i], err, sizeof err), 0, "%s", err);
    char *json = config_to_json(&c, 0);
    Store *s;
    cr_assert_eq(store_open(db, &s, err, sizeof err), 0, "%s", err);
    NewRun nr = {
        .name = "wide", .method = "baseline", .dataset = "arith", .config_json = json, .steps = 1};
    cr_assert_eq(store_create_run(s, &nr), 1);
    free(json);
    char run_dir[400], ckpt[500];
    cr_assert_eq(store_make_run_dir(s, 1, run_dir, sizeof run_dir), 0);
    snprintf(ckpt, sizeof ckpt, "%s/step-000001.ckpt", run_dir);
    ModelConfig mc = {1, 16, 2, 4096, TOK_COUNT};
    Model m;
    cr_assert_eq(model_init(&m, &mc, 1), 0);
    CheckpointState st = {.step = 1};
    cr_assert_eq(checkpoint_save(ckpt, &m, &st, err, sizeof err), 0, "%s", err);
    model_free(&m);
    cr_assert_eq(store_checkpoint(s, 1, 1, ckpt), 0);
    cr_assert_eq(store_set_status(s, 1, "completed"), 0);
    store_close(s);
    size_t len;
    char *before = file_bytes(db, &len);
    RunResult r = run_exposure((const char *[]){"eval", "--run", "1", "--db", db, NULL}, NULL);
    expect_refusal(&r, "exposure eval: train.batch: a model of 1 layers, dim 16, context 4096, "
                       "batch 4096 needs ");
    run_free(&r);
    assert_file_is(db, before, len);
    free(before);
}

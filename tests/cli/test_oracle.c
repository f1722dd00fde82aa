/* exposure eval --oracle: the excess accumulated error against another run, stored with the
 * oracle's run and step; an oracle that cannot serve is refused (exit 2) before anything is
 * stored. */
#include <cJSON.h>
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "run.h"
#include "scratch.h"
#include "sql.h"
#include "store.h"

static char dir[] = "/tmp/exposure-oracle-XXXXXX";
static char db[300];

static void setup(void) { scratch_create(dir, db, sizeof db, "runs.db"); }
static void teardown(void) { scratch_remove(dir); }
TestSuite(oracle, .init = setup, .fini = teardown, .timeout = 240);

#define TINY                                                                                       \
    "--set", "model.layers=1", "--set", "model.heads=2", "--set", "train.batch=8", "--set",        \
        "decode.max_new_tokens=24", "--set", "train.threads=1", "--set", "train.warmup=5",         \
        "--set", "train.eval_every=0", "--set", "train.lr=0.003"

/* Trains run `expect_id`: a model of dim `dim` for `steps` steps. */
static void train(int expect_id, const char *dim, const char *steps) {
    RunResult r = run_exposure(
        (const char *[]){"train", "--db", db, "--quiet", TINY, "--set", dim, "--set", steps, NULL},
        NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT status FROM runs WHERE id=%d", expect_id);
    char status[32];
    cr_assert_str_eq(sql_text(db, sql, status, sizeof status), "completed");
}

static double metric(int run, const char *key) {
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM metrics WHERE run=%d AND key='%s'", run, key);
    cr_assert_eq(sql_double(db, sql), 1, "%s of run %d is not stored once", key, run);
    snprintf(sql, sizeof sql, "SELECT value FROM metrics WHERE run=%d AND key='%s'", run, key);
    return sql_double(db, sql);
}

Test(oracle, a_larger_model_trained_longer) {
    train(1, "model.dim=32", "train.steps=30");
    train(2, "model.dim=48", "train.steps=60");
    RunResult r = run_exposure((const char *[]){"eval", "--run", "1", "--oracle", "2", "--db", db,
                                                "--split", "test", "--limit", "4", "--jsonl", NULL},
                               NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    int samples = 0;
    cJSON *ev = NULL;
    char *save = NULL;
    for (char *line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        cJSON *o = cJSON_Parse(line);
        cr_assert_not_null(o, "%s", line);
        const char *kind = cJSON_GetObjectItem(o, "event")->valuestring;
        if (!strcmp(kind, "sample")) {
            samples++;
            const cJSON *h = cJSON_GetObjectItem(o, "horizon");
            cr_assert(cJSON_IsNumber(h) && h->valueint >= 1, "%s", line);
            cr_assert(cJSON_IsNumber(cJSON_GetObjectItem(o, "acc_err")), "%s", line);
            cJSON_Delete(o);
        } else {
            cJSON_Delete(ev);
            ev = o;
        }
    }
    cr_assert_eq(samples, 4);
    cr_assert_not_null(ev);
    cr_assert_eq(cJSON_GetObjectItem(ev, "oracle_run")->valueint, 2);
    cr_assert_eq(cJSON_GetObjectItem(ev, "oracle_step")->valueint, 60);
    double eps = cJSON_GetObjectItem(ev, "eps")->valuedouble;
    double acc = cJSON_GetObjectItem(ev, "acc_err")->valuedouble;
    double ex = cJSON_GetObjectItem(ev, "ex_acc_err")->valuedouble;
    cr_assert(eps > 0 && acc > 0, "eps %g, acc_err %g", eps, acc);
    cJSON_Delete(ev);
    run_free(&r);

    /* The oracle is stored with the evaluation; the metrics agree with the samples. */
    cr_assert_eq(metric(1, "test/oracle_run"), 2);
    cr_assert_eq(metric(1, "test/oracle_step"), 60);
    cr_assert(fabs(metric(1, "test/eps") - eps) <= 1e-6 * eps);
    cr_assert(fabs(metric(1, "test/ex_acc_err") - ex) <= 1e-5 * fabs(ex) + 1e-9);
    double l = sql_double(db, "SELECT sum(horizon) FROM samples WHERE run=1 AND split='test'");
    double l_eps = sql_double(db, "SELECT sum(eps * horizon) FROM samples WHERE run=1 AND "
                                  "split='test'");
    double sum_acc = sql_double(db, "SELECT sum(acc_err) FROM samples WHERE run=1 AND "
                                    "split='test'");
    cr_assert(fabs(l_eps / l - eps) <= 1e-9 + 1e-6 * eps, "eps is the pooled mean per step");
    cr_assert(fabs(sum_acc / 4 - acc) <= 1e-6 * acc, "acc_err the mean per sample");
    cr_assert(fabs(100 * (sum_acc - l_eps) / l_eps - ex) <= 1e-4 * fabs(ex) + 1e-6,
              "ex_acc_err = (AccErr - l eps) / (l eps)");

    /* Shown by runs show and compared by runs compare, with no "best" of the oracle's id. */
    r = run_exposure((const char *[]){"runs", "show", "1", "--db", db, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "test/ex_acc_err"), "%s", r.out);
    const char *row = strstr(r.out, "test/oracle_run");
    cr_assert_not_null(row, "%s", r.out);
    char line[200];
    snprintf(line, sizeof line, "%.*s", (int)strcspn(row, "\n"), row);
    cr_assert_not_null(strstr(line, " - "), "no best for a record: %s", line);
    run_free(&r);
    r = run_exposure((const char *[]){"runs", "compare", "1", "2", "--db", db, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "test/ex_acc_err"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "test/oracle_step"), "%s", r.out);
    run_free(&r);

    /* The text output names the oracle. */
    r = run_exposure(
        (const char *[]){"eval", "--run", "1", "--oracle", "2", "--db", db, "--limit", "2", NULL},
        NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "oracle run 2 step 60: eps "), "%s", r.out);
    run_free(&r);
}

/* The model as its own oracle: the same distributions everywhere. */
Test(oracle, the_model_itself) {
    train(1, "model.dim=32", "train.steps=20");
    RunResult r = run_exposure(
        (const char *[]){"eval", "--run", "1", "--oracle", "1", "--db", db, "--limit", "3", NULL},
        NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    cr_assert_eq(metric(1, "val/eps"), 0);
    cr_assert_lt(metric(1, "val/acc_err"), 1e-6);
    cr_assert_eq(sql_double(db, "SELECT count(*) FROM metrics WHERE key='val/ex_acc_err'"), 0,
                 "no excess over an eps of 0: absent");
}

/* A run with one checkpoint of a model of shape mc (and a stored config that says nothing). */
static void add_checkpointed_run(int expect_id, const ModelConfig *mc) {
    Store *s;
    char err[512];
    cr_assert_eq(store_open(db, &s, err, sizeof err), 0, "%s", err);
    NewRun nr = {.name = "odd", .method = "baseline", .dataset = "arith", .config_json = "{}"};
    cr_assert_eq(store_create_run(s, &nr), expect_id);
    char path[400];
    snprintf(path, sizeof path, "%s/odd.ckpt", dir);
    Model m;
    cr_assert_eq(model_init(&m, mc, 1), 0);
    model_init_weights(&m, 1);
    CheckpointState st = {.step = 7};
    cr_assert_eq(checkpoint_save(path, &m, &st, err, sizeof err), 0, "%s", err);
    model_free(&m);
    cr_assert_eq(store_checkpoint(s, expect_id, 7, path), 0);
    cr_assert_eq(store_set_status(s, expect_id, "completed"), 0);
    store_close(s);
}

static void expect_refused(const char *oracle, const char *message) {
    double metrics = sql_double(db, "SELECT count(*) FROM metrics");
    double samples = sql_double(db, "SELECT count(*) FROM samples");
    RunResult r = run_exposure((const char *[]){"eval", "--run", "1", "--oracle", oracle, "--db",
                                                db, "--limit", "2", NULL},
                               NULL);
    cr_assert_eq(r.status, 2, "--oracle %s: exit %d, %s", oracle, r.status, r.err);
    cr_assert_not_null(strstr(r.err, message), "--oracle %s: %s", oracle, r.err);
    cr_assert_eq(r.out[0], '\0', "%s", r.out);
    run_free(&r);
    cr_assert_eq(sql_double(db, "SELECT count(*) FROM metrics"), metrics, "nothing stored");
    cr_assert_eq(sql_double(db, "SELECT count(*) FROM samples"), samples, "nothing stored");
}

Test(oracle, one_that_cannot_serve_is_refused) {
    train(1, "model.dim=32", "train.steps=5");
    expect_refused("9", "--oracle: no run 9");
    ModelConfig bigger_vocab = {.layers = 1, .dim = 16, .heads = 2, .context = 256, .vocab = 300};
    add_checkpointed_run(2, &bigger_vocab);
    expect_refused("2", "--oracle: run 2 has a vocabulary of 300 tokens, run 1 of 261: an oracle "
                        "must share the model's tokenizer");
    ModelConfig shorter = {.layers = 1, .dim = 16, .heads = 2, .context = 128, .vocab = TOK_COUNT};
    add_checkpointed_run(3, &shorter);
    expect_refused("3", "--oracle: run 3 has a context of 128 tokens, shorter than run 1's 256");
    Store *s;
    char err[512];
    cr_assert_eq(store_open(db, &s, err, sizeof err), 0, "%s", err);
    NewRun nr = {.name = "empty", .method = "baseline", .dataset = "arith", .config_json = "{}"};
    cr_assert_eq(store_create_run(s, &nr), 4);
    store_close(s);
    expect_refused("4", "--oracle: run 4 has no checkpoint yet");
    expect_refused("x", "--oracle: 'x' is not a run id");
}

/* Warm starts end to end: exposure train --from, the lineage in runs list/show/compare, a
 * parent removed under its children, and a warm-started run stopped and resumed. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run.h"
#include "scratch.h"
#include "sql.h"

static char dir[] = "/tmp/exposure-warm-XXXXXX";
static char db[300], data[400];

/* 120 arith problems, so that refreshing every example's self-generated tokens is quick. */
static void setup(void) {
    scratch_create(dir, db, sizeof db, "runs.db");
    gen_arith_file(dir, 120, 5, data, sizeof data);
}
static void teardown(void) { scratch_remove(dir); }
TestSuite(warmstart, .init = setup, .fini = teardown, .timeout = 240);

/* Everything but the model's shape, which a warm start takes from its parent. */
#define SMALL                                                                                      \
    "--set", data, "--set", "data.val=", "--set", "data.val_fraction=0.1", "--set",                \
        "train.batch=8", "--set", "train.eval_samples=8", "--set", "decode.max_new_tokens=48",     \
        "--set", "train.threads=1", "--set", "train.warmup=5"
#define SHAPE "--set", "model.layers=1", "--set", "model.dim=32", "--set", "model.heads=2"

/* Run 1: 20 steps with checkpoints at 10 and 20. */
static void train_parent(void) {
    RunResult r =
        run_exposure((const char *[]){"train", "--db", db, "--quiet", SMALL, SHAPE, "--set",
                                      "train.steps=20", "--set", "train.checkpoint_every=10",
                                      "--set", "train.eval_every=10", NULL},
                     NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
}

/* The line of text that contains needle. */
static void line_with(const char *text, const char *needle, char *out, size_t cap) {
    const char *hit = strstr(text, needle);
    cr_assert_not_null(hit, "no line with '%s' in:\n%s", needle, text);
    const char *start = hit;
    while (start > text && start[-1] != '\n') start--;
    snprintf(out, cap, "%.*s", (int)strcspn(start, "\n"), start);
}

#define RUNS(...) run_exposure((const char *[]){"runs", __VA_ARGS__, "--db", db, NULL}, NULL)

Test(warmstart, from_a_run_takes_its_shape_and_the_lineage_shows_everywhere) {
    train_parent();
    RunResult r =
        run_exposure((const char *[]){"train", "--db", db, "--quiet", SMALL, "--from", "1", "--set",
                                      "method.name=bash", "--set", "train.steps=10", "--set",
                                      "train.eval_every=5", "--name", "bash-child", NULL},
                     NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.err, "starting from the weights of run 1 at step 20"), "%s", r.err);
    run_free(&r);
    char text[256];
    /* Its shape is the parent's, though only the parent's command line said so. */
    cr_assert_str_eq(sql_text(db,
                              "SELECT json_extract(config, '$.model.dim') || ',' || "
                              "json_extract(config, '$.model.layers') FROM runs WHERE id=2",
                              text, sizeof text),
                     "32,1");
    cr_assert_str_eq(
        sql_text(db, "SELECT parent || ':' || parent_step FROM runs WHERE id=2", text, sizeof text),
        "1:20");
    /* Its curves start at the parent's last evaluation. */
    cr_assert_eq(sql_double(db, "SELECT value FROM metrics WHERE run=2 AND key='val/loss' AND "
                                "step=0"),
                 sql_double(db, "SELECT value FROM metrics WHERE run=1 AND key='val/loss' AND "
                                "step=20"));
    /* --from=V, with the global --db before the command. */
    r = run_exposure((const char *[]){"--db", db, "train", "--quiet", SMALL, "--from=1:10", "--set",
                                      "train.steps=5", "--name", "base-child", NULL},
                     NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    /* What a config starting from run 1 resolves to: its shape, not set anywhere here. */
    r = run_exposure(
        (const char *[]){"config", "show", "--db", db, "--set", "train.init_from=1", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"layers\":\t1,") && strstr(r.out, "\"dim\":\t32,"), "%s", r.out);
    run_free(&r);

    r = RUNS("list");
    cr_assert_eq(r.status, 0, "%s", r.err);
    char line[512];
    line_with(r.out, "id  name", line, sizeof line);
    cr_assert_not_null(strstr(line, "  from"), "%s", line);
    line_with(r.out, "bash-child", line, sizeof line);
    cr_assert_not_null(strstr(line, " 1:20"), "%s", line);
    line_with(r.out, "base-child", line, sizeof line);
    cr_assert_not_null(strstr(line, " 1:10"), "%s", line);
    run_free(&r);

    r = RUNS("show", "2");
    cr_assert_eq(r.status, 0, "%s", r.err);
    line_with(r.out, "  parent ", line, sizeof line);
    cr_assert_not_null(strstr(line, "run 1 at step 20: "), "%s", line);
    cr_assert_not_null(strstr(line, "step-000020.ckpt (fnv1a64:"), "%s", line);
    cr_assert_not_null(strstr(r.out, "  children   -"), "%s", r.out);
    run_free(&r);
    r = RUNS("show", "1");
    cr_assert_not_null(strstr(r.out, "  parent     - (trained from scratch)"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "  children   2 and 3"), "%s", r.out);
    run_free(&r);
    r = RUNS("compare", "1", "2", "3");
    cr_assert_eq(r.status, 0, "%s", r.err);
    line_with(r.out, "from ", line, sizeof line);
    cr_assert(strstr(line, " - ") && strstr(line, "1:20") && strstr(line, "1:10"), "%s", line);
    run_free(&r);
    r = RUNS("list", "--json");
    cr_assert_not_null(strstr(r.out, "\"parent\":null"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "\"parent\":{\"run\":1,\"step\":20,\"checkpoint\":"), "%s",
                       r.out);
    cr_assert_not_null(strstr(r.out, "\"removed\":false"), "%s", r.out);
    run_free(&r);
}

Test(warmstart, what_cannot_be_started_from_is_refused_with_exit_2) {
    train_parent();
    sql_exec(db, "INSERT INTO runs (name, status, created) VALUES ('broken', 'failed', 1e9)");
    const struct {
        const char *from, *shape_key, *message;
    } cases[] = {
        {"1:15", NULL,
         "train.init_from: run 1 has no checkpoint at step 15; it has checkpoints "
         "at steps 10 and 20"},
        {"1", "model.dim=64", "model.dim is 32 there, 64 here"},
        {"1", "model.context=128", "model.context is 256 there, 128 here"},
        {"7", NULL, "train.init_from: no run 7 in "},
        {"2", NULL, "train.init_from: run 2 (failed) has no checkpoint to start from"},
        {db, NULL, "train.init_from: "},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char set[64];
        snprintf(set, sizeof set, "%s", cases[i].shape_key ? cases[i].shape_key : "train.seed=1");
        RunResult r = run_exposure((const char *[]){"train", "--db", db, "--quiet", SMALL, "--from",
                                                    cases[i].from, "--set", set, NULL},
                                   NULL);
        cr_assert_eq(r.status, 2, "%s: %s", cases[i].from, r.err);
        cr_assert_not_null(strstr(r.err, cases[i].message), "%s: %s", cases[i].from, r.err);
        run_free(&r);
    }
    cr_assert_eq(sql_double(db, "SELECT count(*) FROM runs"), 2, "nothing was stored");
    RunResult r = run_exposure(
        (const char *[]){"train", "--db", db, "--resume", "1", "--from", "1", NULL}, NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "--from cannot be combined"), "%s", r.err);
    run_free(&r);
    r = run_exposure(
        (const char *[]){"train", "--db", db, "--from", "1", "--set", "train.init_from=1:10", NULL},
        NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "--from and --set train.init_from name the same key"), "%s",
                       r.err);
    run_free(&r);
    r = run_exposure((const char *[]){"train", "--db", db, "--from", NULL}, NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "--from"), "%s", r.err);
    run_free(&r);
}

/* Losses of a run by step. */
static int losses(int run, double *out, int cap) {
    char sql[128];
    int n = 0;
    for (int step = 1; step <= cap; step++) {
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM metrics WHERE run=%d AND key='loss' AND step=%d", run, step);
        if (sql_double(db, sql) == 0) break;
        snprintf(sql, sizeof sql,
                 "SELECT value FROM metrics WHERE run=%d AND key='loss' AND step=%d", run, step);
        out[n++] = sql_double(db, sql);
    }
    return n;
}

Test(warmstart, the_parent_can_go_and_a_stopped_child_resumes_exactly) {
    train_parent();
#define CHILD                                                                                      \
    "train", "--db", db, "--quiet", SMALL, "--from", "1", "--set", "method.name=bash", "--set",    \
        "method.schedule.kind=constant", "--set", "method.schedule.value=0.3", "--set",            \
        "method.selfgen.refresh=7", "--set", "train.steps=60", "--set", "train.eval_every=0",      \
        "--set", "train.checkpoint_every=0"
    /* Run 2 uninterrupted; run 3 the same, stopped on the way. */
    RunResult r = run_exposure((const char *[]){CHILD, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    Child *c = spawn_exposure((const char *[]){CHILD, "--jsonl", NULL});
    char line[4096];
    int step = 0;
    while (step < 15) {
        cr_assert(child_read_line(c, line, sizeof line, 60000), "the run stopped reporting");
        const char *s = strstr(line, "\"event\":\"step\",\"step\":");
        if (s) step = atoi(s + strlen("\"event\":\"step\",\"step\":"));
    }
    kill(c->pid, SIGINT);
    cr_assert_eq(child_wait(c), 0);
    int stopped_at = (int)sql_double(db, "SELECT max(step) FROM checkpoints WHERE run=3");
    cr_assert(stopped_at >= 15 && stopped_at < 60, "stopped at %d", stopped_at);

    /* The parent goes: the user hears of its children, which keep their record of it. */
    r = RUNS("rm", "1", "--yes");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.err, "run 1 is the parent of 2 runs (2 and 3)"), "%s", r.err);
    run_free(&r);
    char text[64];
    cr_assert_str_eq(sql_text(db, "PRAGMA integrity_check", text, sizeof text), "ok");
    cr_assert_eq(sql_double(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    cr_assert_eq(sql_double(db, "SELECT count(*) FROM runs WHERE parent=1 AND parent_step=20"), 2);
    r = RUNS("list");
    const char *second = strstr(r.out, "1:20 (removed)");
    cr_assert(second && strstr(second + 1, "1:20 (removed)"), "both children:\n%s", r.out);
    run_free(&r);
    r = RUNS("show", "3");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "parent     run 1 (removed) at step 20"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "run 1 has been removed; this run keeps the record"), "%s",
                       r.out);
    run_free(&r);

    /* The child resumes from its own checkpoint, the parent gone, as if never stopped. */
    r = run_exposure((const char *[]){"train", "--db", db, "--quiet", "--resume", "3", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    double a[100], b[100];
    cr_assert_eq(losses(2, a, 100), 60);
    cr_assert_eq(losses(3, b, 100), 60);
    for (int i = 0; i < 60; i++)
        cr_assert_eq(a[i], b[i], "step %d: %.9g uninterrupted, %.9g resumed (stopped at %d)", i + 1,
                     a[i], b[i], stopped_at);
    cr_assert_eq(sql_double(db, "SELECT count(*) FROM events WHERE run=3 AND kind='refresh'"),
                 sql_double(db, "SELECT count(*) FROM events WHERE run=2 AND kind='refresh'"));
}

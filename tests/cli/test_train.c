/* exposure train and exposure eval end to end: a tiny model on the built-in arith task. */
#include <cJSON.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run.h"
#include "scratch.h"
#include "utf8.h"

static char dir[] = "/tmp/exposure-train-XXXXXX";
static char db[300];

static void setup(void) { scratch_create(dir, db, sizeof db, "runs.db"); }
static void teardown(void) { scratch_remove(dir); }
TestSuite(train, .init = setup, .fini = teardown, .timeout = 240);

#define TINY                                                                                       \
    "--set", "model.layers=1", "--set", "model.dim=32", "--set", "model.heads=2", "--set",         \
        "train.batch=8", "--set", "train.eval_samples=8", "--set", "decode.max_new_tokens=48",     \
        "--set", "train.threads=1", "--set", "train.warmup=10"

static sqlite3 *open_db(void) {
    sqlite3 *h;
    cr_assert_eq(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    return h;
}

static double query_double(sqlite3 *h, const char *sql) {
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(h));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sql);
    double v = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    return v;
}

static const char *query_text(sqlite3 *h, const char *sql, char *out, size_t cap) {
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(h));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sql);
    snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
}

/* Losses of run id from the store, by step. */
static int losses(int run, double *out, int cap) {
    sqlite3 *h = open_db();
    sqlite3_stmt *st;
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT value FROM metrics WHERE run=%d AND key='loss' ORDER BY step",
             run);
    cr_assert_eq(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
    int n = 0;
    while (sqlite3_step(st) == SQLITE_ROW && n < cap) out[n++] = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return n;
}

Test(train, loss_falls_and_everything_lands_in_the_store) {
    RunResult r = run_exposure((const char *[]){"train", "--db", db, "--jsonl", TINY, "--set",
                                                "train.steps=150", "--set", "train.eval_every=75",
                                                "--set", "train.lr=0.003", NULL},
                               NULL);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    /* Every stdout line is compact JSON; steps arrive in order; the last line is done. */
    double first = 0, last = 0;
    int steps = 0, evals = 0;
    char *save = NULL, *lastline = NULL;
    for (char *line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        cJSON *o = cJSON_Parse(line);
        cr_assert_not_null(o, "not JSON: %s", line);
        cr_assert_null(strstr(line, "\": "), "not compact: %s", line);
        const char *ev = cJSON_GetObjectItem(o, "event")->valuestring;
        if (!strcmp(ev, "step")) {
            steps++;
            cr_assert_eq(cJSON_GetObjectItem(o, "step")->valueint, steps);
            double loss = cJSON_GetObjectItem(o, "loss")->valuedouble;
            if (steps <= 10) first += loss / 10;
            if (steps > 140) last += loss / 10;
            for (const char *k = "lr\0omega\0mixed_frac\0diff_frac\0tok_s\0"; *k;
                 k += strlen(k) + 1)
                cr_assert_not_null(cJSON_GetObjectItem(o, k), "step event lacks %s", k);
        } else if (!strcmp(ev, "eval")) {
            evals++;
            for (const char *k = "val_loss\0tf_acc\0fr_acc\0gap\0em\0f1\0rougeL\0first_err\0"
                                 "corrections\0answer_acc\0ed_acc\0diverged\0";
                 *k; k += strlen(k) + 1)
                cr_assert_not_null(cJSON_GetObjectItem(o, k), "eval event lacks %s", k);
            /* A baseline run has no <corr> figures and, without an oracle, no oracle's. */
            for (const char *k = "corr_precision\0corr_recall\0eps\0ex_acc_err\0oracle_run\0"; *k;
                 k += strlen(k) + 1)
                cr_assert_null(cJSON_GetObjectItem(o, k), "eval event has %s", k);
        }
        cJSON_Delete(o);
        lastline = line;
    }
    cr_assert_eq(steps, 150);
    cr_assert_eq(evals, 2, "evaluations at steps 75 and 150");
    cr_assert_not_null(strstr(lastline, "\"event\":\"done\""));
    cr_assert_not_null(strstr(lastline, "\"status\":\"completed\""));
    cr_assert_lt(last, first - 1.0, "loss %.3f -> %.3f", first, last);

    sqlite3 *h = open_db();
    char status[32];
    cr_assert_str_eq(query_text(h, "SELECT status FROM runs WHERE id=1", status, sizeof status),
                     "completed");
    cr_assert_eq(query_double(h, "SELECT count(*) FROM metrics WHERE run=1 AND key='loss'"), 150);
    cr_assert_eq(query_double(h, "SELECT count(*) FROM metrics WHERE run=1 AND key='val/em'"), 2);
    cr_assert_eq(query_double(h, "SELECT count(*) FROM samples WHERE run=1"), 16);
    /* arith has final answers: answer_acc of every sample, and of every evaluation. */
    cr_assert_eq(query_double(h, "SELECT count(*) FROM samples WHERE run=1 AND answer_acc IS NOT "
                                 "NULL AND ed_acc BETWEEN 0 AND 1"),
                 16);
    cr_assert_eq(query_double(h, "SELECT count(*) FROM metrics WHERE run=1 AND "
                                 "key='val/answer_acc'"),
                 2);
    /* train.checkpoint_every, not set, follows the 150 steps: every 50. */
    cr_assert_eq(query_double(h, "SELECT count(*) FROM checkpoints WHERE run=1"), 3);
    sqlite3_close(h);
    run_free(&r);

    /* exposure eval on the test split: an eval event and one sample event per example. */
    r = run_exposure((const char *[]){"eval", "--run", "1", "--db", db, "--split", "test",
                                      "--limit", "5", "--jsonl", NULL},
                     NULL);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    int samples = 0, eval_lines = 0;
    save = NULL;
    for (char *line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        cJSON *o = cJSON_Parse(line);
        cr_assert_not_null(o);
        const char *ev = cJSON_GetObjectItem(o, "event")->valuestring;
        if (!strcmp(ev, "sample")) {
            samples++;
            for (const char *k = "idx\0prompt\0reference\0output\0raw_output\0corrections\0em\0"
                                 "f1\0rougeL\0answer_acc\0ed_acc\0divergences\0";
                 *k; k += strlen(k) + 1)
                cr_assert_not_null(cJSON_GetObjectItem(o, k), "sample event lacks %s", k);
            cr_assert(cJSON_IsArray(cJSON_GetObjectItem(o, "corrections")));
        } else if (!strcmp(ev, "eval")) {
            eval_lines++;
            cr_assert_str_eq(cJSON_GetObjectItem(o, "split")->valuestring, "test");
        }
        cJSON_Delete(o);
    }
    cr_assert_eq(samples, 5);
    cr_assert_eq(eval_lines, 1);
    h = open_db();
    cr_assert_eq(query_double(h, "SELECT count(*) FROM metrics WHERE run=1 AND key='test/em'"), 1);
    cr_assert_eq(query_double(h, "SELECT count(*) FROM samples WHERE run=1 AND split='test'"), 5);
    sqlite3_close(h);
    run_free(&r);
}

/* Starts a long run in the background and returns once it reports step `at`. */
static Child *start_run(int at, const char *steps, const char *checkpoint_every) {
    Child *c = spawn_exposure((const char *[]){"train", "--db", db, "--jsonl", "--quiet", TINY,
                                               "--set", steps, "--set", "train.eval_every=0",
                                               "--set", checkpoint_every, NULL});
    char line[4096];
    int step = 0;
    while (step < at) {
        cr_assert(child_read_line(c, line, sizeof line, 60000), "the run stopped reporting");
        const char *s = strstr(line, "\"event\":\"step\",\"step\":");
        if (s) step = atoi(s + strlen("\"event\":\"step\",\"step\":"));
    }
    return c;
}

Test(train, sigint_stops_and_resume_matches_an_uninterrupted_run) {
    /* The reference: 120 uninterrupted steps. */
    RunResult r = run_exposure((const char *[]){"train", "--db", db, "--quiet", TINY, "--set",
                                                "train.steps=120", "--set", "train.eval_every=0",
                                                "--set", "train.checkpoint_every=0", NULL},
                               NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);

    Child *c = start_run(30, "train.steps=120", "train.checkpoint_every=0");
    kill(c->pid, SIGINT);
    cr_assert_eq(child_wait(c), 0, "SIGINT exits 0");
    sqlite3 *h = open_db();
    char status[32];
    cr_assert_str_eq(query_text(h, "SELECT status FROM runs WHERE id=2", status, sizeof status),
                     "stopped");
    int stopped_at = (int)query_double(h, "SELECT max(step) FROM checkpoints WHERE run=2");
    cr_assert(stopped_at >= 30 && stopped_at < 120, "stopped at %d", stopped_at);
    sqlite3_close(h);

    r = run_exposure((const char *[]){"train", "--db", db, "--quiet", "--resume", "2", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    double a[200], b[200];
    cr_assert_eq(losses(1, a, 200), 120);
    cr_assert_eq(losses(2, b, 200), 120);
    for (int i = 0; i < 120; i++)
        cr_assert_eq(a[i], b[i], "step %d: %.9g uninterrupted, %.9g resumed (stopped at %d)", i + 1,
                     a[i], b[i], stopped_at);
}

Test(train, sigkill_leaves_a_sound_store_and_an_interrupted_run_that_resumes) {
    Child *c = start_run(200, "train.steps=400", "train.checkpoint_every=100");
    /* 200 steps of 4 metrics each have crossed the 512-row commit threshold at least once. */
    kill(c->pid, SIGKILL);
    cr_assert_eq(child_wait(c), 128 + SIGKILL);
    sqlite3 *h = open_db();
    char text[64];
    cr_assert_str_eq(query_text(h, "PRAGMA integrity_check", text, sizeof text), "ok");
    double n = query_double(h, "SELECT count(*) FROM metrics WHERE run=1 AND key='loss'");
    double top = query_double(h, "SELECT max(step) FROM metrics WHERE run=1 AND key='loss'");
    cr_assert_geq(n, 100, "committed metrics survive");
    cr_assert_eq(n, top, "the committed steps are exactly 1..%g, without gaps", top);
    /* Every checkpoint the store lists is whole: a write cut short is never listed. */
    cr_assert_geq(query_double(h, "SELECT count(*) FROM checkpoints WHERE run=1"), 1);
    sqlite3_close(h);
    /* The next process to open the store sees the dead run as interrupted. */
    RunResult r = run_exposure((const char *[]){"runs", "list", "--db", db, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "interrupted"), "%s", r.out);
    run_free(&r);
    /* It resumes from its last checkpoint and completes with every step's metrics. */
    r = run_exposure((const char *[]){"train", "--db", db, "--quiet", "--resume", "1", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    h = open_db();
    cr_assert_str_eq(query_text(h, "SELECT status FROM runs WHERE id=1", text, sizeof text),
                     "completed");
    cr_assert_eq(query_double(h, "SELECT count(*) FROM metrics WHERE run=1 AND key='loss'"), 400);
    cr_assert_eq(query_double(h, "SELECT max(step) FROM metrics WHERE run=1 AND key='loss'"), 400);
    cr_assert_str_eq(query_text(h, "PRAGMA integrity_check", text, sizeof text), "ok");
    sqlite3_close(h);
}

Test(train, bad_config_is_refused_before_anything_is_stored) {
    RunResult r =
        run_exposure((const char *[]){"train", "--db", db, "--set", "model.layers=0", NULL}, NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "model.layers: must be an integer in 1..256"), "%s", r.err);
    run_free(&r);
    r = run_exposure(
        (const char *[]){"train", "--db", db, "--set", "data.train=/nonexistent.jsonl", NULL},
        NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "/nonexistent.jsonl"), "%s", r.err);
    run_free(&r);
    cr_assert_neq(access(db, F_OK), 0, "no database was created for refused runs");
}

/* Every line is JSON whatever the bytes of the names and paths it carries. */
static void assert_json_lines(const char *out, const char *what) {
    char *copy = strdup(out), *save = NULL;
    cr_assert_not_null(copy);
    int lines = 0;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        size_t bad;
        cr_assert_eq(utf8_validate(line, strlen(line), &bad), 0, "%s: not UTF-8 at %zu: %s", what,
                     bad, line);
        for (const char *p = line; *p; p++)
            cr_assert_geq((unsigned char)*p, 0x20, "%s: a raw control character: %s", what, line);
        cJSON *o = cJSON_Parse(line);
        cr_assert_not_null(o, "%s: not JSON: %s", what, line);
        cJSON_Delete(o);
        lines++;
    }
    cr_assert_gt(lines, 0, "%s printed nothing", what);
    free(copy);
}

Test(train, jsonl_is_valid_json_whatever_the_names_and_paths) {
    /* A directory and a run name with quotes, a backslash, control characters, UTF-8 and a
     * byte that is not UTF-8 (a Latin-1 name). The directory's name then runs on in two-byte
     * characters, placed so that the start event's 200 bytes of data.train end inside one. */
    char odd[600], data[700], store[700], set[720];
    int len = snprintf(odd, sizeof odd, "%s/q\"uo\\te\t\x01 \xe9t\xc3\xa9 \xe2\x9c\x93 ", dir);
    if ((200 - 1 - len) % 2) odd[len++] = 'x';
    while (len < 270) len += snprintf(odd + len, sizeof odd - (size_t)len, "\xc3\xa9");
    cr_assert_eq(mkdir(odd, 0777), 0, "%s", strerror(errno));
    snprintf(data, sizeof data, "%s/d\"\xff.jsonl", odd);
    snprintf(store, sizeof store, "%s/runs.db", odd);
    snprintf(set, sizeof set, "data.train=%s", data);
    FILE *f = fopen(data, "w");
    cr_assert_not_null(f);
    for (int i = 0; i < 20; i++)
        fprintf(f, "{\"prompt\":\"%d+%d=\",\"response\":\"%d\"}\n", i, i, 2 * i);
    fprintf(f, "{\"prompt\":\"%0300d\",\"response\":\"long\"}\n", 1); /* a note: dropped */
    cr_assert_eq(fclose(f), 0);
    const char *name = "n\"\\\x02\xff\xc3\xbc";
    RunResult r = run_exposure((const char *[]){"train", "--db", store, "--jsonl", "--name", name,
                                                TINY, "--set", "train.steps=10", "--set",
                                                "model.context=64", "--set", set, NULL},
                               NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    assert_json_lines(r.out, "train --jsonl");
    /* The name is in the start event, escaped rather than lost. */
    cr_assert_not_null(strstr(r.out, "(n\\\"\\\\\\u0002\xef\xbf\xbd\xc3\xbc)"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "\"event\":\"note\""), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "\"event\":\"checkpoint\""), "%s", r.out);
    run_free(&r);
    r = run_exposure((const char *[]){"eval", "--db", store, "--run", "1", "--jsonl", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    assert_json_lines(r.out, "eval --jsonl");
    run_free(&r);
    r = run_exposure((const char *[]){"runs", "list", "--json", "--db", store, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    assert_json_lines(r.out, "runs list --json");
    run_free(&r);
}

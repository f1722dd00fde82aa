/* Faults while training: a diverging run, a disk that fills up, a run directory that cannot be
 * written, two trainers on one database, databases of other schema versions. In every case the
 * command says what happened and the database keeps what it had committed. (A killed trainer
 * is in test_train.c.) */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run.h"
#include "scratch.h"
#include "sql.h"
#include "store.h"

static char dir[] = "/tmp/exposure-faults-XXXXXX";
static char db[300];

static void setup(void) { scratch_create(dir, db, sizeof db, "runs.db"); }
static void teardown(void) { scratch_remove(dir); }
TestSuite(faults, .init = setup, .fini = teardown, .timeout = 240);

#define TINY                                                                                       \
    "--set", "model.layers=1", "--set", "model.dim=32", "--set", "model.heads=2", "--set",         \
        "train.batch=8", "--set", "train.eval_samples=8", "--set", "decode.max_new_tokens=48",     \
        "--set", "train.threads=1", "--set", "train.warmup=0"

static void assert_sound(void) {
    char text[64];
    cr_assert_str_eq(sql_text(db, "PRAGMA integrity_check", text, sizeof text), "ok");
}

static const char *status_of(int run, char *out, size_t cap) {
    char sql[100];
    snprintf(sql, sizeof sql, "SELECT status FROM runs WHERE id=%d", run);
    return sql_text(db, sql, out, cap);
}

/* Steps of run's committed losses: asserts they are exactly 1..n, and returns n. */
static int committed_steps(int run) {
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM metrics WHERE run=%d AND key='loss'", run);
    int n = (int)sql_double(db, sql);
    snprintf(sql, sizeof sql,
             "SELECT coalesce(max(step), 0) FROM metrics WHERE run=%d AND key='loss'", run);
    cr_assert_eq((int)sql_double(db, sql), n, "committed steps have gaps");
    return n;
}

static int count_of(const char *haystack, const char *needle) {
    int n = 0;
    for (const char *p = strstr(haystack, needle); p; p = strstr(p + 1, needle)) n++;
    return n;
}

/* With decoupled weight decay of lr * 10 = 100 per step, every weight is multiplied by -99 at
 * each step: the tiny model's loss overflows at step 10, whatever the data. */
Test(faults, a_diverging_run_fails_naming_the_step) {
    RunResult r = run_exposure((const char *[]){"train", "--db", db, "--jsonl", TINY, "--set",
                                                "train.lr=10", "--set", "train.weight_decay=10",
                                                "--set", "train.steps=200", NULL},
                               NULL);
    cr_assert_eq(r.status, 1, "stderr: %s", r.err);
    cr_assert_not_null(strstr(r.err, "run 1 failed: non-finite loss at step 10 (lr "), "%s", r.err);
    cr_assert_not_null(strstr(r.err, "): the run diverged"), "%s", r.err);
    const char *done = strstr(r.out, "{\"event\":\"done\"");
    cr_assert_not_null(done, "%s", r.out);
    cr_assert_not_null(strstr(done, "\"status\":\"failed\""), "%s", done);
    char text[512];
    cr_assert_str_eq(status_of(1, text, sizeof text), "failed");
    cr_assert_eq(committed_steps(1), 9, "the nine finite steps are kept");
    sql_text(db, "SELECT detail FROM events WHERE run=1 AND kind='failure'", text, sizeof text);
    cr_assert_not_null(strstr(text, "non-finite loss at step 10"), "%s", text);
    assert_sound();
    run_free(&r);
}

/* RLIMIT_FSIZE stands for a full disk: every write past it fails with EFBIG. 200 KB leave room
 * for the database and not for the model's checkpoint (about 350 KB). */
Test(faults, a_full_disk_fails_the_checkpoint_and_keeps_the_store) {
    RunLimits lim = {.fsize = 200 << 10};
    RunResult r = run_exposure_limited(
        (const char *[]){"train", "--db", db, "--quiet", TINY, "--set", "train.steps=30", "--set",
                         "train.eval_every=0", "--set", "train.checkpoint_every=0", NULL},
        &lim);
    cr_assert_eq(r.status, 1, "stderr: %s", r.err);
    char ckpt[400];
    snprintf(ckpt, sizeof ckpt, "%s/1/step-000030.ckpt: cannot write checkpoint: File too large",
             dir);
    cr_assert_not_null(strstr(r.err, ckpt), "%s", r.err);
    char text[32];
    cr_assert_str_eq(status_of(1, text, sizeof text), "failed");
    cr_assert_eq(committed_steps(1), 30);
    cr_assert_eq(sql_double(db, "SELECT count(*) FROM checkpoints"), 0);
    assert_sound();
    /* The half-written checkpoint was removed. */
    char cmd[400];
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s/1')\"", dir);
    cr_assert_eq(system(cmd), 0, "files left in the run directory");
    run_free(&r);
}

/* Here the database itself cannot grow: commits fail (the rows stay buffered), the user hears
 * it once, training goes on, and what was committed before stays as it was. */
Test(faults, a_store_that_cannot_grow_keeps_what_it_committed) {
    RunLimits lim = {.fsize = 100 << 10};
    RunResult r = run_exposure_limited(
        (const char *[]){"train", "--db", db, "--quiet", TINY, "--set", "train.steps=300", "--set",
                         "train.eval_every=0", "--set", "train.checkpoint_every=0", NULL},
        &lim);
    cr_assert_eq(r.status, 1, "stderr: %s", r.err);
    cr_assert_eq(count_of(r.err, "(will retry)"), 1, "%s", r.err);
    cr_assert_not_null(strstr(r.err, "committing: disk I/O error"), "%s", r.err);
    cr_assert_not_null(strstr(r.err, "buffered rows not saved"), "%s", r.err);
    assert_sound();
    int kept = committed_steps(1);
    cr_assert_lt(kept, 300);
    run_free(&r);
    /* The run's process is gone: the next command marks it interrupted. */
    r = run_exposure((const char *[]){"runs", "list", "--db", db, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "interrupted"), "%s", r.out);
    cr_assert_eq(committed_steps(1), kept);
    run_free(&r);
}

/* Permissions cannot make runs/<id>/ unwritable for root (as the tests often run); a file in
 * its place refuses the checkpoint for everyone. */
Test(faults, a_run_directory_that_cannot_be_written_fails_the_run) {
    char runs_dir[400];
    snprintf(runs_dir, sizeof runs_dir, "%s/1", dir);
    write_file(runs_dir, "", 0);
    RunResult r = run_exposure((const char *[]){"train", "--db", db, "--quiet", TINY, "--set",
                                                "train.steps=20", "--set", "train.eval_every=0",
                                                "--set", "train.checkpoint_every=10", NULL},
                               NULL);
    cr_assert_eq(r.status, 1, "stderr: %s", r.err);
    cr_assert_not_null(strstr(r.err, runs_dir), "%s", r.err);
    cr_assert_not_null(strstr(r.err, "Not a directory"), "%s", r.err);
    char text[32];
    cr_assert_str_eq(status_of(1, text, sizeof text), "failed");
    cr_assert_eq(committed_steps(1), 10);
    assert_sound();
    run_free(&r);
}

static void wait_done(Child *c) {
    char line[4096];
    int done = 0;
    while (!done && child_read_line(c, line, sizeof line, 120000))
        done = strstr(line, "\"event\":\"done\"") != NULL;
    cr_assert(done, "a trainer ended without its done event");
    cr_assert_not_null(strstr(line, "\"status\":\"completed\""), "%s", line);
    cr_assert_eq(child_wait(c), 0);
}

Test(faults, two_trainers_share_one_database) {
    const char *args[] = {"train",   "--db",
                          db,        "--jsonl",
                          "--quiet", TINY,
                          "--set",   "train.steps=60",
                          "--set",   "train.eval_every=30",
                          "--set",   "train.checkpoint_every=20",
                          NULL};
    Child *a = spawn_exposure(args), *b = spawn_exposure(args);
    wait_done(a);
    wait_done(b);
    assert_sound();
    cr_assert_eq(sql_double(db, "SELECT count(DISTINCT id) FROM runs WHERE status='completed'"), 2);
    for (int run = 1; run <= 2; run++) {
        cr_assert_eq(committed_steps(run), 60);
        char sql[160];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM metrics WHERE run=%d AND key='val/loss'",
                 run);
        cr_assert_eq(sql_double(db, sql), 2);
        snprintf(sql, sizeof sql, "SELECT count(*) FROM checkpoints WHERE run=%d", run);
        cr_assert_eq(sql_double(db, sql), 3);
    }
}

/* The version-1 schema exactly as released (as in tests/unit/test_store.c). */
static const char schema_v1[] =
    "PRAGMA application_id = 1165521007;"
    "CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL DEFAULT '',"
    " status TEXT NOT NULL DEFAULT 'running'"
    " CHECK (status IN ('running','completed','stopped','interrupted','failed')),"
    " method TEXT NOT NULL DEFAULT '', dataset TEXT NOT NULL DEFAULT '',"
    " config TEXT NOT NULL DEFAULT '{}', seed INTEGER NOT NULL DEFAULT 0,"
    " version TEXT NOT NULL DEFAULT '', created REAL NOT NULL, finished REAL,"
    " pid INTEGER NOT NULL DEFAULT 0, host TEXT NOT NULL DEFAULT '',"
    " heartbeat REAL NOT NULL DEFAULT 0, step INTEGER NOT NULL DEFAULT 0,"
    " steps INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE metrics (run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    " step INTEGER NOT NULL, key TEXT NOT NULL, value REAL, wall REAL NOT NULL,"
    " PRIMARY KEY (run, key, step)) WITHOUT ROWID;"
    "CREATE TABLE events (id INTEGER PRIMARY KEY,"
    " run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, step INTEGER NOT NULL,"
    " wall REAL NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '{}');"
    "CREATE INDEX events_by_run ON events(run, id);"
    "CREATE TABLE samples (run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    " step INTEGER NOT NULL, split TEXT NOT NULL, idx INTEGER NOT NULL, prompt TEXT NOT NULL,"
    " reference TEXT NOT NULL, output TEXT NOT NULL, raw_output TEXT NOT NULL,"
    " corrections TEXT NOT NULL DEFAULT '[]', em REAL, f1 REAL, rouge_l REAL, fr_acc REAL,"
    " first_err INTEGER NOT NULL DEFAULT -1, n_corrections INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (run, split, step, idx));"
    "CREATE TABLE checkpoints (run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    " step INTEGER NOT NULL, path TEXT NOT NULL, wall REAL NOT NULL, PRIMARY KEY (run, step));"
    "INSERT INTO runs (name, status, method, created, heartbeat, step, steps)"
    " VALUES ('old run', 'completed', 'rac', 1.7e9, 1.7e9, 20, 20);"
    "INSERT INTO metrics VALUES (1, 10, 'loss', 2.5, 1.7e9);"
    "INSERT INTO metrics VALUES (1, 20, 'loss', 1.5, 1.7e9);";

Test(faults, an_older_schema_is_migrated_and_keeps_its_runs) {
    sql_exec(db, schema_v1);
    sql_exec(db, "PRAGMA user_version = 1");
    RunResult r = run_exposure((const char *[]){"runs", "list", "--db", db, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "old run"), "%s", r.out);
    cr_assert_eq(sql_double(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    run_free(&r);
    r = run_exposure((const char *[]){"train", "--db", db, "--quiet", TINY, "--set",
                                      "train.steps=5", "--set", "train.eval_samples=2", NULL},
                     NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    cr_assert_eq(sql_double(db, "SELECT count(*) FROM metrics WHERE run=1"), 2);
    cr_assert_eq(sql_double(db, "SELECT value FROM metrics WHERE run=1 AND step=20"), 1.5);
    cr_assert_eq(committed_steps(2), 5);
    assert_sound();
}

Test(faults, a_newer_schema_is_refused_by_every_command_and_left_unchanged) {
    sql_exec(db, schema_v1);
    sql_exec(db, "PRAGMA user_version = 99");
    size_t len;
    char *before = file_bytes(db, &len);
    const char *const commands[][16] = {
        {"runs", "list", "--db", db, NULL},
        {"runs", "show", "1", "--db", db, NULL},
        {"runs", "rm", "1", "--yes", "--db", db, NULL},
        {"eval", "--run", "1", "--db", db, NULL},
        {"train", "--db", db, "--quiet", "--set", "train.steps=1", "--set", "train.warmup=0",
         "--set", "model.layers=1", "--set", "model.dim=32", NULL},
    };
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        RunResult r = run_exposure(commands[i], NULL);
        cr_assert_eq(r.status, 1, "%s %s: %d %s", commands[i][0], commands[i][1], r.status, r.err);
        cr_assert_not_null(strstr(r.err, "schema version 99 is newer"), "%s", r.err);
        cr_assert_not_null(strstr(r.err, db), "%s", r.err);
        run_free(&r);
        assert_file_is(db, before, len);
    }
    free(before);
}

#include <criterion/criterion.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "files.h"

static char dir[] = "/tmp/exposure-store-XXXXXX";
static char db[512];

static void setup(void) {
    cr_assert_not_null(mkdtemp(dir));
    /* A directory that does not exist yet: store_open creates it. */
    snprintf(db, sizeof db, "%s/runs/exposure.db", dir);
}

static void teardown(void) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(store, .init = setup, .fini = teardown);

/* ---- fixtures and checks --------------------------------------------------------------- */

static Store *open_ok(const char *path) {
    Store *s = NULL;
    char err[1024];
    cr_assert_eq(store_open(path, &s, err, sizeof err), 0, "%s", err);
    return s;
}

static int64_t new_run(Store *s, const char *name) {
    NewRun r = {.name = name,
                .method = "bash",
                .dataset = "assets/datasets/arith/train.jsonl",
                .config_json = "{\"model\":{\"layers\":2},\"method\":{\"name\":\"bash\"}}",
                .seed = 7,
                .steps = 100};
    int64_t id = store_create_run(s, &r);
    cr_assert_geq(id, 1, "%s", store_error(s));
    return id;
}

static void sql_exec(const char *path, const char *sql) {
    sqlite3 *h;
    cr_assert_eq(sqlite3_open(path, &h), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
    cr_assert_eq(rc, SQLITE_OK, "%s: %s", sql, msg ? msg : "");
    sqlite3_close(h);
}

static int64_t sql_int(const char *path, const char *sql) {
    sqlite3 *h;
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_open(path, &h), SQLITE_OK);
    cr_assert_eq(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(h));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sqlite3_errmsg(h));
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return v;
}

static void sql_text(const char *path, const char *sql, char *out, size_t cap) {
    sqlite3 *h;
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_open(path, &h), SQLITE_OK);
    cr_assert_eq(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(h));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(h);
}

/* Opening path must fail with a message naming the file and containing `expect`, and leave
 * the file byte for byte as it was. */
static void assert_refused_unchanged(const char *path, const char *expect) {
    size_t before_len, after_len;
    char *before = read_file(path, &before_len);
    Store *s = NULL;
    char err[1024] = "";
    cr_assert_eq(store_open(path, &s, err, sizeof err), -1);
    cr_assert_null(s);
    cr_assert_not_null(strstr(err, path), "message names the file: %s", err);
    cr_assert_not_null(strstr(err, expect), "message says '%s': %s", expect, err);
    cr_assert_eq(store_open_existing(path, &s, err, sizeof err), -1);
    char *after = read_file(path, &after_len);
    cr_assert_eq(after_len, before_len);
    cr_assert(memcmp(before, after, before_len) == 0, "file was modified");
    free(before);
    free(after);
}

static pid_t dead_pid(void) {
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) _exit(0);
    cr_assert_eq(waitpid(pid, NULL, 0), pid);
    return pid;
}

/* ---- runs -------------------------------------------------------------------------------- */

Test(store, create_get_list_run) {
    Store *s = open_ok(db);
    int64_t a = new_run(s, "first"), b = new_run(s, "second");
    cr_assert_eq(b, a + 1);
    RunRow r;
    cr_assert_eq(store_get_run(s, a, &r), 0, "%s", store_error(s));
    cr_assert_str_eq(r.name, "first");
    cr_assert_str_eq(r.status, "running");
    cr_assert_str_eq(r.method, "bash");
    cr_assert_str_eq(r.dataset, "assets/datasets/arith/train.jsonl");
    cr_assert_not_null(strstr(r.config_json, "\"layers\":2"));
    cr_assert_eq(r.seed, 7);
    cr_assert_eq(r.steps, 100);
    cr_assert_eq(r.step, 0);
    cr_assert_eq(r.pid, getpid());
    cr_assert_eq(r.sweep, 0);
    cr_assert_str_eq(r.tags, "");
    cr_assert(r.created > 1e9 && r.heartbeat >= r.created && r.finished == 0);
    /* This process's machine, as kernels.h describes it. */
    RunMachine m;
    run_row_machine(&r, &m);
    const KernelsInfo *k = kernels_info();
    cr_assert_str_eq(m.cpu, k->cpu.brand);
    cr_assert_str_eq(m.blas_core, k->core);
    char features[160];
    cpu_features_text(k->cpu.features, features, sizeof features);
    cr_assert_str_eq(m.features, features);
    run_row_free(&r);

    cr_assert_eq(store_get_run(s, 999, &r), -1);
    cr_assert_not_null(strstr(store_error(s), "no run 999"));

    RunRow *rows;
    int n;
    cr_assert_eq(store_list_runs(s, &rows, &n), 0);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(rows[1].name, "second");
    for (int i = 0; i < n; i++) run_row_free(&rows[i]);
    free(rows);
    store_close(s);
    cr_assert_eq(sql_int(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    char mode[16];
    sql_text(db, "PRAGMA journal_mode", mode, sizeof mode);
    cr_assert_str_eq(mode, "wal");
}

Test(store, status_rename_tags) {
    Store *s = open_ok(db);
    int64_t id = new_run(s, "old");
    cr_assert_eq(store_rename_run(s, id, "new name"), 0);
    cr_assert_eq(store_set_tags(s, id, "lr-sweep,baseline"), 0);
    cr_assert_eq(store_set_status(s, id, "completed"), 0);
    cr_assert_eq(store_set_status(s, id, "finished"), -1);
    cr_assert_not_null(strstr(store_error(s), "finished"));
    cr_assert_eq(store_rename_run(s, 42, "x"), -1);
    RunRow r;
    cr_assert_eq(store_get_run(s, id, &r), 0);
    cr_assert_str_eq(r.name, "new name");
    cr_assert_str_eq(r.tags, "lr-sweep,baseline");
    cr_assert_str_eq(r.status, "completed");
    cr_assert(r.finished >= r.created);
    run_row_free(&r);
    /* Resuming takes the run back to running, owned by this process. */
    cr_assert_eq(store_set_status(s, id, "running"), 0);
    cr_assert_eq(store_get_run(s, id, &r), 0);
    cr_assert_str_eq(r.status, "running");
    cr_assert_eq(r.finished, 0);
    run_row_free(&r);
    store_close(s);
}

/* ---- metrics ----------------------------------------------------------------------------- */

Test(store, metrics_buffered_until_commit) {
    Store *s = open_ok(db);
    int64_t id = new_run(s, "m");
    for (int step = 0; step < 10; step++)
        cr_assert_eq(store_metric(s, id, step, "loss", 5.0 - step * 0.25), 0);
    cr_assert_eq(store_progress(s, id, 10), 0);
    int64_t *steps;
    double *values, *wall;
    int n;
    cr_assert_eq(store_metric_series(s, id, "loss", &steps, &values, &wall, &n), 0);
    cr_assert_eq(n, 0, "nothing is visible before the commit");
    free(steps), free(values), free(wall);
    cr_assert_eq(sql_int(db, "SELECT count(*) FROM metrics"), 0);

    cr_assert_eq(store_commit(s), 0, "%s", store_error(s));
    cr_assert_eq(sql_int(db, "SELECT count(*) FROM metrics"), 10);
    cr_assert_eq(store_metric_series(s, id, "loss", &steps, &values, &wall, &n), 0);
    cr_assert_eq(n, 10);
    for (int i = 0; i < n; i++) {
        cr_assert_eq(steps[i], i);
        cr_assert_eq(values[i], 5.0 - i * 0.25);
        cr_assert(wall[i] > 1e9);
    }
    free(steps), free(values), free(wall);
    RunRow r;
    cr_assert_eq(store_get_run(s, id, &r), 0);
    cr_assert_eq(r.step, 10);
    run_row_free(&r);
    store_close(s);
}

Test(store, maybe_commit_at_row_threshold) {
    Store *s = open_ok(db);
    int64_t id = new_run(s, "m");
    for (int i = 0; i < STORE_COMMIT_ROWS - 1; i++) {
        cr_assert_eq(store_metric(s, id, i, "lr", 1e-3), 0);
        cr_assert_eq(store_maybe_commit(s), 0);
    }
    cr_assert_eq(sql_int(db, "SELECT count(*) FROM metrics"), 0);
    cr_assert_eq(store_metric(s, id, STORE_COMMIT_ROWS, "lr", 1e-3), 0);
    cr_assert_eq(store_maybe_commit(s), 0);
    cr_assert_eq(sql_int(db, "SELECT count(*) FROM metrics"), STORE_COMMIT_ROWS);
    store_close(s);
}

Test(store, close_commits_the_buffer) {
    Store *s = open_ok(db);
    int64_t id = new_run(s, "m");
    cr_assert_eq(store_metric(s, id, 1, "loss", 1.5), 0);
    cr_assert_eq(store_event(s, id, 1, "pause", NULL), 0);
    store_close(s);
    cr_assert_eq(sql_int(db, "SELECT count(*) FROM metrics"), 1);
    cr_assert_eq(sql_int(db, "SELECT count(*) FROM events"), 1);
}

Test(store, metric_rewrite_replaces) {
    Store *s = open_ok(db);
    int64_t id = new_run(s, "m");
    cr_assert_eq(store_metric(s, id, 5, "loss", 2.0), 0);
    cr_assert_eq(store_commit(s), 0);
    cr_assert_eq(store_metric(s, id, 5, "loss", 1.0), 0);
    cr_assert_eq(store_commit(s), 0);
    cr_assert_eq(sql_int(db, "SELECT count(*) FROM metrics"), 1);
    double v;
    cr_assert_eq(store_metric_last(s, id, "loss", NULL, &v), 0);
    cr_assert_eq(v, 1.0);
    store_close(s);
}

Test(store, last_best_at) {
    Store *s = open_ok(db);
    int64_t id = new_run(s, "m");
    const double loss[] = {3.0, 1.0, 2.0, NAN, 1.5};
    const double em[] = {0.1, 0.5, 0.5, 0.3, NAN};
    for (int i = 0; i < 5; i++) {
        cr_assert_eq(store_metric(s, id, i * 10, "val/loss", loss[i]), 0);
        cr_assert_eq(store_metric(s, id, i * 10, "val/em", em[i]), 0);
    }
    cr_assert_eq(store_commit(s), 0);
    int64_t step;
    double v;
    cr_assert_eq(store_metric_last(s, id, "val/loss", &step, &v), 0);
    cr_assert(step == 40 && v == 1.5);
    cr_assert_eq(store_metric_last(s, id, "val/em", &step, &v), 0);
    cr_assert(step == 40 && isnan(v), "a NaN is read back as NaN");
    cr_assert_eq(store_metric_best(s, id, "val/loss", &step, &v), 0);
    cr_assert(step == 10 && v == 1.0, "lowest loss");
    cr_assert_eq(store_metric_best(s, id, "val/em", &step, &v), 0);
    cr_assert(step == 10 && v == 0.5, "highest em, earliest on a tie");
    cr_assert_eq(store_metric_at(s, id, "val/loss", 25, &v), 0);
    cr_assert_eq(v, 2.0);
    cr_assert_eq(store_metric_at(s, id, "val/loss", 20, &v), 0);
    cr_assert_eq(v, 2.0);
    cr_assert_eq(store_metric_at(s, id, "val/loss", 1000, &v), 0);
    cr_assert_eq(v, 1.5);
    cr_assert_eq(store_metric_at(s, id, "val/loss", -1, &v), -1);
    cr_assert_eq(store_metric_last(s, id, "val/f1", &step, &v), -1);
    cr_assert_not_null(strstr(store_error(s), "val/f1"));
    cr_assert_eq(store_metric_best(s, id, "val/f1", &step, &v), -1);

    char **keys;
    int n;
    cr_assert_eq(store_metric_keys(s, id, &keys, &n), 0);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(keys[0], "val/em");
    cr_assert_str_eq(keys[1], "val/loss");
    for (int i = 0; i < n; i++) free(keys[i]);
    free(keys);
    store_close(s);
}

Test(store, lower_is_better) {
    const char *lower[] = {"loss", "val/loss", "test/loss", "val/gap", "gap", "val/nll_loss"};
    const char *higher[] = {"val/em",          "val/f1",        "val/rougeL", "val/tf_acc",
                            "test/fr_acc",     "val/first_err", "tok_s",      "lr",
                            "val/corrections", "lossy/em"};
    for (size_t i = 0; i < sizeof lower / sizeof *lower; i++)
        cr_assert(metric_lower_is_better(lower[i]), "%s", lower[i]);
    for (size_t i = 0; i < sizeof higher / sizeof *higher; i++)
        cr_assert(!metric_lower_is_better(higher[i]), "%s", higher[i]);
}

/* ---- samples, events, checkpoints, sweeps ------------------------------------------------ */

Test(store, samples_round_trip) {
    Store *s = open_ok(db);
    int64_t id = new_run(s, "s");
    const char *corr = "[{\"pos\":3,\"retracted\":\"ü\",\"replacement\":\"u\"}]";
    for (int step = 100; step <= 200; step += 100)
        for (int i = 0; i < 3; i++) {
            char out[64];
            snprintf(out, sizeof out, "résumé %d → ✓ 日本", i + step);
            SampleRow row = {.step = step,
                             .split = "val",
                             .idx = i,
                             .prompt = "Größe?\n\"quoted\"",
                             .reference = "naïve",
                             .output = out,
                             .raw_output = "na<corr>ïve",
                             .corrections_json = (char *)corr,
                             .em = i == 1,
                             .f1 = 0.5,
                             .rouge_l = 0.25,
                             .fr_acc = 0.75,
                             .first_err = i - 1,
                             .corrections = 1,
                             .answer_acc = i == 2 ? NAN : 1.0,
                             .ed_acc = 0.875,
                             .recovery = i == 0 ? NAN : 0.0,
                             .divergences = 2,
                             .divergences_retracted = 1,
                             .corrections_justified = 1,
                             .eps = i == 0 ? 0.125 : NAN,
                             .acc_err = i == 0 ? 3.5 : NAN,
                             .horizon = i == 0 ? 12 : 0};
            cr_assert_eq(store_sample(s, id, &row), 0, "%s", store_error(s));
        }
    SampleRow bad = {.split = "val", .corrections_json = "[{]"};
    cr_assert_eq(store_sample(s, id, &bad), -1);
    cr_assert_eq(store_commit(s), 0, "%s", store_error(s));

    SampleRow *rows;
    int n;
    cr_assert_eq(store_samples(s, id, -1, "val", &rows, &n), 0);
    cr_assert_eq(n, 3);
    cr_assert_eq(rows[0].step, 200, "the latest evaluation");
    cr_assert_str_eq(rows[2].output, "résumé 202 → ✓ 日本");
    cr_assert_str_eq(rows[0].prompt, "Größe?\n\"quoted\"");
    cr_assert_str_eq(rows[0].reference, "naïve");
    cr_assert_str_eq(rows[0].raw_output, "na<corr>ïve");
    cr_assert_str_eq(rows[0].corrections_json, corr);
    cr_assert_str_eq(rows[0].split, "val");
    cr_assert(rows[1].em == 1 && rows[0].em == 0 && rows[0].f1 == 0.5 && rows[0].rouge_l == 0.25);
    cr_assert(rows[0].fr_acc == 0.75 && rows[0].first_err == -1 && rows[2].first_err == 1);
    cr_assert_eq(rows[0].corrections, 1);
    cr_assert(rows[0].answer_acc == 1.0 && isnan(rows[2].answer_acc), "NaN is absent, not 0");
    cr_assert(isnan(rows[0].recovery) && rows[1].recovery == 0.0);
    cr_assert(rows[1].ed_acc == 0.875 && rows[1].divergences == 2);
    cr_assert(rows[1].divergences_retracted == 1 && rows[1].corrections_justified == 1);
    cr_assert(rows[0].eps == 0.125 && rows[0].acc_err == 3.5 && rows[0].horizon == 12);
    cr_assert(isnan(rows[1].eps) && isnan(rows[1].acc_err) && rows[1].horizon == 0);
    for (int i = 0; i < n; i++) sample_row_free(&rows[i]);
    free(rows);

    cr_assert_eq(store_samples(s, id, 100, "val", &rows, &n), 0);
    cr_assert(n == 3 && rows[0].step == 100);
    for (int i = 0; i < n; i++) sample_row_free(&rows[i]);
    free(rows);
    cr_assert_eq(store_samples(s, id, -1, "test", &rows, &n), 0);
    cr_assert_eq(n, 0);
    free(rows);
    store_close(s);
}

Test(store, events_round_trip) {
    Store *s = open_ok(db);
    int64_t id = new_run(s, "e");
    cr_assert_eq(store_event(s, id, 10, "schedule", "{\"kind\":\"linear\",\"end\":0.5}"), 0);
    cr_assert_eq(store_event(s, id, 20, "pause", NULL), 0);
    cr_assert_eq(store_event(s, id, 20, "warning", "not json"), -1);
    cr_assert_eq(store_event(s, id, 20, "", "{}"), -1);
    cr_assert_eq(store_commit(s), 0);
    EventRow *ev;
    int n;
    cr_assert_eq(store_events(s, id, &ev, &n), 0);
    cr_assert_eq(n, 2);
    cr_assert_eq(ev[0].step, 10);
    cr_assert_str_eq(ev[0].kind, "schedule");
    cr_assert_str_eq(ev[0].detail_json, "{\"kind\":\"linear\",\"end\":0.5}");
    cr_assert_str_eq(ev[1].kind, "pause");
    cr_assert_str_eq(ev[1].detail_json, "{}");
    cr_assert(ev[1].wall >= ev[0].wall);
    for (int i = 0; i < n; i++) event_row_free(&ev[i]);
    free(ev);
    store_close(s);
}

Test(store, checkpoints) {
    Store *s = open_ok(db);
    int64_t id = new_run(s, "c");
    int64_t step;
    char path[256];
    cr_assert_eq(store_last_checkpoint(s, id, &step, path, sizeof path), -1);
    cr_assert_eq(store_checkpoint(s, id, 100, "runs/1/step100.ckpt"), 0);
    cr_assert_eq(store_checkpoint(s, id, 200, "runs/1/step200.ckpt"), 0);
    cr_assert_eq(store_last_checkpoint(s, id, &step, path, sizeof path), 0);
    cr_assert_eq(step, 200);
    cr_assert_str_eq(path, "runs/1/step200.ckpt");
    CheckpointRow *ck;
    int n;
    cr_assert_eq(store_checkpoints(s, id, &ck, &n), 0);
    cr_assert_eq(n, 2);
    cr_assert_eq(ck[0].step, 100);
    cr_assert_str_eq(ck[0].path, "runs/1/step100.ckpt");
    for (int i = 0; i < n; i++) checkpoint_row_free(&ck[i]);
    free(ck);
    store_close(s);
}

Test(store, delete_cascades) {
    Store *s = open_ok(db);
    int64_t keep = new_run(s, "keep"), gone = new_run(s, "gone");
    for (int i = 0; i < 2; i++) {
        int64_t id = i ? gone : keep;
        cr_assert_eq(store_metric(s, id, 1, "loss", 1), 0);
        cr_assert_eq(store_event(s, id, 1, "pause", NULL), 0);
        SampleRow row = {.split = "val", .prompt = "p"};
        cr_assert_eq(store_sample(s, id, &row), 0);
        cr_assert_eq(store_commit(s), 0);
        cr_assert_eq(store_checkpoint(s, id, 1, "x.ckpt"), 0);
    }
    /* Rows still buffered for the run go with it. */
    cr_assert_eq(store_metric(s, gone, 2, "loss", 1), 0);
    cr_assert_eq(store_delete_run(s, gone), 0, "%s", store_error(s));
    cr_assert_eq(store_delete_run(s, gone), -1);
    RunCounts c;
    cr_assert_eq(store_run_counts(s, gone, &c), 0);
    cr_assert(c.metrics == 0 && c.events == 0 && c.samples == 0 && c.checkpoints == 0);
    cr_assert_eq(store_run_counts(s, keep, &c), 0);
    cr_assert(c.metrics == 1 && c.events == 1 && c.samples == 1 && c.checkpoints == 1);
    /* A row for a run deleted meanwhile has nowhere to go and does not block later commits. */
    cr_assert_eq(store_metric(s, gone, 3, "loss", 1), 0);
    cr_assert_eq(store_metric(s, keep, 3, "loss", 1), 0);
    cr_assert_eq(store_commit(s), 0, "%s", store_error(s));
    cr_assert_eq(sql_int(db, "SELECT count(*) FROM metrics"), 2);
    store_close(s);
}

Test(store, sweeps) {
    Store *s = open_ok(db);
    int64_t sw = store_create_sweep(s, "methods", "{\"seeds\":[1,2]}");
    cr_assert_geq(sw, 1, "%s", store_error(s));
    NewRun r = {.name = "a", .method = "rac", .sweep = sw};
    int64_t a = store_create_run(s, &r);
    new_run(s, "outside");
    int64_t b = store_create_run(s, &r);
    cr_assert(a > 0 && b > 0);
    r.sweep = 999;
    cr_assert_eq(store_create_run(s, &r), -1, "an unknown sweep is refused");
    int64_t *ids;
    int n;
    cr_assert_eq(store_sweep_runs(s, sw, &ids, &n), 0);
    cr_assert_eq(n, 2);
    cr_assert(ids[0] == a && ids[1] == b);
    free(ids);
    RunRow row;
    cr_assert_eq(store_get_run(s, a, &row), 0);
    cr_assert_eq(row.sweep, sw);
    run_row_free(&row);
    store_close(s);
}

Test(store, run_dir) {
    Store *s = open_ok(db);
    char out[600], expect[600];
    store_run_dir(s, 12, out, sizeof out);
    snprintf(expect, sizeof expect, "%s/runs/12", dir);
    cr_assert_str_eq(out, expect);
    cr_assert_str_eq(store_path(s), db);
    cr_assert_eq(store_make_run_dir(s, 12, out, sizeof out), 0);
    struct stat st;
    cr_assert(stat(expect, &st) == 0 && S_ISDIR(st.st_mode));
    cr_assert_eq(store_make_run_dir(s, 12, out, sizeof out), 0, "existing is fine");
    store_close(s);
}

/* ---- stale runs -------------------------------------------------------------------------- */

Test(store, dead_process_marked_interrupted) {
    Store *s = open_ok(db);
    int64_t dead = new_run(s, "dead"), alive = new_run(s, "alive");
    cr_assert_eq(store_progress(s, dead, 30), 0);
    cr_assert_eq(store_commit(s), 0);
    store_close(s);
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE runs SET pid = %d WHERE id = %lld", (int)dead_pid(),
             (long long)dead);
    sql_exec(db, sql);

    s = open_ok(db);
    RunRow r;
    cr_assert_eq(store_get_run(s, dead, &r), 0);
    cr_assert_str_eq(r.status, "interrupted");
    cr_assert_eq(r.finished, r.heartbeat);
    cr_assert_eq(r.step, 30);
    run_row_free(&r);
    cr_assert_eq(store_get_run(s, alive, &r), 0);
    cr_assert_str_eq(r.status, "running", "this process is alive");
    run_row_free(&r);
    EventRow *ev;
    int n;
    cr_assert_eq(store_events(s, dead, &ev, &n), 0);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(ev[0].kind, "status");
    cr_assert_not_null(strstr(ev[0].detail_json, "gone"), "%s", ev[0].detail_json);
    event_row_free(&ev[0]);
    free(ev);
    store_close(s);
}

Test(store, silent_run_marked_interrupted_and_revived_by_owner) {
    Store *s = open_ok(db);
    int64_t remote = new_run(s, "remote"), mine = new_run(s, "mine");
    store_close(s);
    char sql[200];
    snprintf(sql, sizeof sql,
             "UPDATE runs SET host = 'elsewhere', heartbeat = heartbeat - %d WHERE id = %lld",
             STORE_STALE_SECONDS + 60, (long long)remote);
    sql_exec(db, sql);
    snprintf(sql, sizeof sql, "UPDATE runs SET heartbeat = heartbeat - %d WHERE id = %lld",
             STORE_STALE_SECONDS + 60, (long long)mine);
    sql_exec(db, sql);

    s = open_ok(db);
    RunRow r;
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(store_get_run(s, i ? mine : remote, &r), 0);
        cr_assert_str_eq(r.status, "interrupted");
        run_row_free(&r);
    }
    /* The owner is still here: its next heartbeat makes the run running again. */
    cr_assert_eq(store_progress(s, mine, 5), 0);
    cr_assert_eq(store_progress(s, remote, 5), 0);
    cr_assert_eq(store_commit(s), 0);
    cr_assert_eq(store_get_run(s, mine, &r), 0);
    cr_assert_str_eq(r.status, "running");
    cr_assert_eq(r.finished, 0);
    run_row_free(&r);
    cr_assert_eq(store_get_run(s, remote, &r), 0);
    cr_assert_str_eq(r.status, "interrupted", "not ours to revive");
    run_row_free(&r);
    store_close(s);
}

/* ---- files that are not ours ------------------------------------------------------------- */

Test(store, foreign_files_refused_unchanged) {
    char path[600];
    snprintf(path, sizeof path, "%s/notes.txt", dir);
    const char text[] = "these are my notes, not a database\n";
    write_file(path, text, sizeof text - 1);
    assert_refused_unchanged(path, "not an SQLite database");

    snprintf(path, sizeof path, "%s/config.json", dir);
    const char json[] = "{\"model\":{\"layers\":4},\"train\":{\"steps\":1000}}\n";
    write_file(path, json, sizeof json - 1);
    assert_refused_unchanged(path, "not an SQLite database");

    snprintf(path, sizeof path, "%s/tiny", dir);
    write_file(path, "SQLite", 6);
    assert_refused_unchanged(path, "not an SQLite database");

    snprintf(path, sizeof path, "%s/other.db", dir);
    sql_exec(path, "CREATE TABLE places (url TEXT); INSERT INTO places VALUES ('x');");
    assert_refused_unchanged(path, "another program");

    Store *s;
    char err[1024];
    cr_assert_eq(store_open(dir, &s, err, sizeof err), -1, "a directory");
    cr_assert_not_null(strstr(err, "not a regular file"));
}

Test(store, empty_file_becomes_a_database) {
    char path[600];
    snprintf(path, sizeof path, "%s/empty.db", dir);
    write_file(path, "", 0);
    Store *s;
    char err[1024];
    cr_assert_eq(store_open_existing(path, &s, err, sizeof err), -1, "nothing to read");
    s = open_ok(path);
    new_run(s, "x");
    store_close(s);
}

Test(store, missing_database_not_created_by_readers) {
    Store *s;
    char err[1024];
    cr_assert_eq(store_open_existing(db, &s, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, db));
    struct stat st;
    cr_assert_eq(stat(db, &st), -1, "no file left behind");
    char parent[600];
    snprintf(parent, sizeof parent, "%s/runs", dir);
    cr_assert_eq(stat(parent, &st), -1, "no directory left behind");
}

static void make_db_with_runs(int runs) {
    Store *s = open_ok(db);
    for (int i = 0; i < runs; i++) {
        int64_t id = new_run(s, "r");
        for (int k = 0; k < 200; k++) store_metric(s, id, k, "loss", 1.0 / (k + 1));
        cr_assert_eq(store_commit(s), 0);
    }
    store_close(s);
}

Test(store, truncated_database_refused_unchanged) {
    make_db_with_runs(3);
    size_t len;
    char *data = read_file(db, &len);
    cr_assert_gt(len, 8192u);
    write_file(db, data, len / 2);
    free(data);
    assert_refused_unchanged(db, "corrupt");
}

Test(store, damaged_table_refused_unchanged) {
    make_db_with_runs(3);
    int64_t root = sql_int(db, "SELECT rootpage FROM sqlite_master WHERE name = 'runs'");
    int64_t page = sql_int(db, "PRAGMA page_size");
    size_t len;
    char *data = read_file(db, &len);
    cr_assert_geq(len, (size_t)(root * page));
    memset(data + (root - 1) * page, 0xA5, (size_t)page);
    write_file(db, data, len);
    free(data);
    assert_refused_unchanged(db, "corrupt");
}

Test(store, newer_schema_refused_unchanged) {
    make_db_with_runs(1);
    sql_exec(db, "PRAGMA user_version = 99");
    assert_refused_unchanged(db, "schema version 99 is newer");
}

/* The version-1 schema exactly as released; never edit it. */
static const char schema_v1[] =
    "PRAGMA application_id = 1165521007;\n"
    "CREATE TABLE runs (\n"
    "    id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
    "    name TEXT NOT NULL DEFAULT '',\n"
    "    status TEXT NOT NULL DEFAULT 'running'\n"
    "        CHECK (status IN ('running','completed','stopped','interrupted','failed')),\n"
    "    method TEXT NOT NULL DEFAULT '',\n"
    "    dataset TEXT NOT NULL DEFAULT '',\n"
    "    config TEXT NOT NULL DEFAULT '{}',\n"
    "    seed INTEGER NOT NULL DEFAULT 0,\n"
    "    version TEXT NOT NULL DEFAULT '',\n"
    "    created REAL NOT NULL,\n"
    "    finished REAL,\n"
    "    pid INTEGER NOT NULL DEFAULT 0,\n"
    "    host TEXT NOT NULL DEFAULT '',\n"
    "    heartbeat REAL NOT NULL DEFAULT 0,\n"
    "    step INTEGER NOT NULL DEFAULT 0,\n"
    "    steps INTEGER NOT NULL DEFAULT 0\n"
    ");\n"
    "CREATE TABLE metrics (\n"
    "    run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "    step INTEGER NOT NULL,\n"
    "    key TEXT NOT NULL,\n"
    "    value REAL,\n"
    "    wall REAL NOT NULL,\n"
    "    PRIMARY KEY (run, key, step)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE events (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "    step INTEGER NOT NULL,\n"
    "    wall REAL NOT NULL,\n"
    "    kind TEXT NOT NULL,\n"
    "    detail TEXT NOT NULL DEFAULT '{}'\n"
    ");\n"
    "CREATE INDEX events_by_run ON events(run, id);\n"
    "CREATE TABLE samples (\n"
    "    run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "    step INTEGER NOT NULL,\n"
    "    split TEXT NOT NULL,\n"
    "    idx INTEGER NOT NULL,\n"
    "    prompt TEXT NOT NULL,\n"
    "    reference TEXT NOT NULL,\n"
    "    output TEXT NOT NULL,\n"
    "    raw_output TEXT NOT NULL,\n"
    "    corrections TEXT NOT NULL DEFAULT '[]',\n"
    "    em REAL,\n"
    "    f1 REAL,\n"
    "    rouge_l REAL,\n"
    "    fr_acc REAL,\n"
    "    first_err INTEGER NOT NULL DEFAULT -1,\n"
    "    n_corrections INTEGER NOT NULL DEFAULT 0,\n"
    "    PRIMARY KEY (run, split, step, idx)\n"
    ");\n"
    "CREATE TABLE checkpoints (\n"
    "    run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "    step INTEGER NOT NULL,\n"
    "    path TEXT NOT NULL,\n"
    "    wall REAL NOT NULL,\n"
    "    PRIMARY KEY (run, step)\n"
    ");\n"
    "PRAGMA user_version = 1;\n";

Test(store, lineage_is_recorded_and_outlives_the_parent) {
    Store *s = open_ok(db);
    int64_t parent = new_run(s, "parent");
    char ckpt[600];
    cr_assert_eq(store_make_run_dir(s, parent, ckpt, sizeof ckpt), 0);
    strcat(ckpt, "/step-000100.ckpt");
    write_file(ckpt, "x", 1);
    cr_assert_eq(store_checkpoint(s, parent, 100, ckpt), 0);
    NewRun child = {.name = "child",
                    .method = "rac",
                    .steps = 50,
                    .parent_checkpoint = ckpt,
                    .parent_params = "fnv1a64:0123456789abcdef",
                    .parent = parent,
                    .parent_step = 100};
    int64_t a = store_create_run(s, &child), b = store_create_run(s, &child);
    cr_assert(a > 0 && b > 0, "%s", store_error(s));
    int64_t scratch = new_run(s, "scratch");

    RunRow r;
    cr_assert_eq(store_get_run(s, scratch, &r), 0);
    cr_assert_str_eq(r.parent_checkpoint, "");
    cr_assert_eq(r.parent, 0);
    cr_assert_eq(r.parent_step, -1);
    run_row_free(&r);
    int64_t *ids;
    int n;
    cr_assert_eq(store_run_children(s, parent, &ids, &n), 0);
    cr_assert(n == 2 && ids[0] == a && ids[1] == b);
    free(ids);
    int64_t run, step;
    /* The same file under another spelling of its path. */
    char other[700];
    snprintf(other, sizeof other, "%s/runs/./%lld/../%lld/step-000100.ckpt", dir, (long long)parent,
             (long long)parent);
    cr_assert_eq(store_find_checkpoint(s, other, &run, &step), 0);
    cr_assert(run == parent && step == 100);
    cr_assert_eq(store_find_checkpoint(s, db, &run, &step), 1);

    /* Removing the parent leaves the children whole, their record of it unchanged. */
    cr_assert_eq(store_delete_run(s, parent), 0, "%s", store_error(s));
    cr_assert_eq(store_run_exists(s, parent), 0);
    cr_assert_eq(store_run_exists(s, a), 1);
    cr_assert_eq(store_get_run(s, b, &r), 0);
    cr_assert_eq(r.parent, parent);
    cr_assert_eq(r.parent_step, 100);
    cr_assert_str_eq(r.parent_checkpoint, ckpt);
    cr_assert_str_eq(r.parent_params, "fnv1a64:0123456789abcdef");
    char parent_text[64];
    run_row_parent(&r, parent_text, sizeof parent_text);
    char want[64];
    snprintf(want, sizeof want, "%lld:100", (long long)parent);
    cr_assert_str_eq(parent_text, want);
    run_row_free(&r);
    store_close(s);
    cr_assert_eq(sql_int(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    /* A new run never takes the removed parent's id. */
    s = open_ok(db);
    cr_assert_gt(new_run(s, "later"), scratch);
    store_close(s);
}

Test(store, migrates_version_1) {
    char parent[600];
    snprintf(parent, sizeof parent, "%s/runs", dir);
    cr_assert_eq(mkdir(parent, 0777), 0);
    sql_exec(db, schema_v1);
    sql_exec(db, "INSERT INTO runs (name, status, method, created, heartbeat, step, steps) "
                 "VALUES ('old run', 'completed', 'rac', 1.7e9, 1.7e9, 50, 50);"
                 "INSERT INTO metrics VALUES (1, 10, 'loss', 2.5, 1.7e9);"
                 "INSERT INTO metrics VALUES (1, 20, 'loss', 1.5, 1.7e9);"
                 "INSERT INTO events (run, step, wall, kind) VALUES (1, 5, 1.7e9, 'pause');"
                 "INSERT INTO samples (run, step, split, idx, prompt, reference, output, "
                 "raw_output) VALUES (1, 20, 'val', 0, 'p', 'r', 'o', 'o');"
                 "INSERT INTO checkpoints VALUES (1, 50, 'runs/1/a.ckpt', 1.7e9);");
    cr_assert_eq(sql_int(db, "PRAGMA user_version"), 1);

    Store *s = open_ok(db);
    cr_assert_eq(sql_int(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    RunRow r;
    cr_assert_eq(store_get_run(s, 1, &r), 0, "%s", store_error(s));
    cr_assert_str_eq(r.name, "old run");
    cr_assert_str_eq(r.status, "completed");
    cr_assert_eq(r.sweep, 0);
    cr_assert_str_eq(r.tags, "");
    cr_assert_str_eq(r.parent_checkpoint, "", "an old run trained from scratch");
    cr_assert_eq(r.parent_step, -1);
    /* Its machine was not recorded before schema 5. */
    RunMachine m;
    run_row_machine(&r, &m);
    cr_assert_str_eq(m.cpu, "unknown");
    cr_assert_str_eq(m.features, "unknown");
    char core[128];
    run_machine_core_text(&m, core, sizeof core);
    cr_assert_str_eq(core, "unknown");
    run_row_free(&r);
    double v;
    cr_assert_eq(store_metric_last(s, 1, "loss", NULL, &v), 0);
    cr_assert_eq(v, 1.5);
    RunCounts c;
    cr_assert_eq(store_run_counts(s, 1, &c), 0);
    cr_assert(c.metrics == 2 && c.events == 1 && c.samples == 1 && c.checkpoints == 1);
    cr_assert_eq(store_set_tags(s, 1, "migrated"), 0);
    cr_assert_geq(store_create_sweep(s, "new", NULL), 1);
    /* A sample of version 1 reads back without the later metrics: NULL (NaN), not 0. */
    SampleRow *rows;
    int n;
    cr_assert_eq(store_samples(s, 1, -1, "val", &rows, &n), 0, "%s", store_error(s));
    cr_assert_eq(n, 1);
    cr_assert(isnan(rows[0].answer_acc) && isnan(rows[0].ed_acc) && isnan(rows[0].recovery));
    cr_assert(isnan(rows[0].eps) && isnan(rows[0].acc_err));
    cr_assert_eq(rows[0].divergences + rows[0].corrections_justified + rows[0].horizon, 0);
    sample_row_free(&rows[0]);
    free(rows);
    store_close(s);
    char mode[16];
    sql_text(db, "PRAGMA journal_mode", mode, sizeof mode);
    cr_assert_str_eq(mode, "wal");
}

/* ---- several processes ------------------------------------------------------------------- */

/* Forked children report through their exit status: Criterion's assertions belong to the
 * test's own process. Each returns 0, or the number of the step that failed. */
static int write_many(const char *name, int rows, int per_commit) {
    Store *s;
    char err[1024];
    if (store_open(db, &s, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    NewRun r = {.name = name, .method = "baseline"};
    int64_t id = store_create_run(s, &r);
    int failed = id < 1 ? 2 : 0;
    for (int i = 0; i < rows && !failed; i++) {
        if (store_metric(s, id, i, "loss", i * 0.5) != 0) failed = 3;
        else if ((i + 1) % per_commit == 0 && store_commit(s) != 0) failed = 4;
    }
    if (!failed && store_set_status(s, id, "completed") != 0) failed = 5;
    if (failed) fprintf(stderr, "%s: %s\n", name, store_error(s));
    store_close(s);
    return failed;
}

/* Both also race to create the database. */
Test(store, two_processes_write_at_once) {
    pid_t child = fork();
    cr_assert_neq(child, -1);
    if (child == 0) _exit(write_many("child", 3000, 50));
    cr_assert_eq(write_many("parent", 3000, 50), 0);
    int status;
    cr_assert_eq(waitpid(child, &status, 0), child);
    cr_assert(WIFEXITED(status), "the child crashed");
    cr_assert_eq(WEXITSTATUS(status), 0, "the child failed at step %d", WEXITSTATUS(status));
    cr_assert_eq(sql_int(db, "SELECT count(*) FROM metrics"), 6000);
    cr_assert_eq(sql_int(db, "SELECT count(*) FROM runs WHERE status = 'completed'"), 2);
}

/* Commits 300 rows, buffers 200 more, tells the parent, and waits to be killed. */
static int commit_then_wait(int ready_fd) {
    Store *s;
    char err[1024];
    if (store_open(db, &s, err, sizeof err) != 0) return 1;
    NewRun r = {.name = "doomed", .method = "baseline"};
    int64_t id = store_create_run(s, &r);
    if (id < 1) return 2;
    for (int i = 0; i < 300; i++) store_metric(s, id, i, "loss", 1.0);
    if (store_commit(s) != 0) return 3;
    for (int i = 300; i < 500; i++) store_metric(s, id, i, "loss", 1.0);
    if (write(ready_fd, "x", 1) != 1) return 4;
    for (;;) pause();
}

Test(store, killed_writer_loses_only_its_buffer) {
    int pipefd[2];
    cr_assert_eq(pipe(pipefd), 0);
    pid_t child = fork();
    cr_assert_neq(child, -1);
    if (child == 0) _exit(commit_then_wait(pipefd[1]));
    close(pipefd[1]);
    char c;
    cr_assert_eq(read(pipefd[0], &c, 1), 1, "the child failed before committing");
    cr_assert_eq(kill(child, SIGKILL), 0);
    cr_assert_eq(waitpid(child, NULL, 0), child);
    char check[32];
    sql_text(db, "PRAGMA integrity_check", check, sizeof check);
    cr_assert_str_eq(check, "ok");
    cr_assert_eq(sql_int(db, "SELECT count(*) FROM metrics"), 300);
    cr_assert_eq(sql_int(db, "SELECT max(step) FROM metrics"), 299);
    Store *s = open_ok(db);
    RunRow r;
    cr_assert_eq(store_get_run(s, 1, &r), 0);
    cr_assert_str_eq(r.status, "interrupted");
    run_row_free(&r);
    store_close(s);
}

Test(store, busy_database_keeps_the_buffer) {
    Store *s = open_ok(db);
    int64_t id = new_run(s, "b");
    sqlite3 *other;
    cr_assert_eq(sqlite3_open(db, &other), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    store_set_busy_timeout(s, 50);
    cr_assert_eq(store_metric(s, id, 1, "loss", 3.0), 0);
    cr_assert_eq(store_commit(s), -1);
    cr_assert_not_null(strstr(store_error(s), "locked"), "%s", store_error(s));
    cr_assert_not_null(strstr(store_error(s), db));
    cr_assert_eq(store_set_status(s, id, "completed"), -1);
    cr_assert_eq(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);
    cr_assert_eq(store_commit(s), 0, "%s", store_error(s));
    double v;
    cr_assert_eq(store_metric_last(s, id, "loss", NULL, &v), 0);
    cr_assert_eq(v, 3.0);
    store_close(s);
}

/* As an unprivileged user (root may write anything), in a child process. */
static int readonly_checks(void) {
    if (geteuid() == 0 && setuid(65534) != 0) return 10;
    Store *s = NULL;
    char err[1024];
    if (store_open(db, &s, err, sizeof err) != -1 || !strstr(err, "read-only")) return 11;
    if (store_open_existing(db, &s, err, sizeof err) != 0) return 12;
    RunRow *rows;
    int n;
    if (store_list_runs(s, &rows, &n) != 0 || n != 1) return 13;
    run_row_free(&rows[0]);
    free(rows);
    if (store_metric(s, 1, 1, "loss", 1) != -1 || !strstr(store_error(s), "read-only")) return 14;
    store_close(s);
    return 0;
}

Test(store, read_only_database) {
    make_db_with_runs(1);
    char parent[600];
    snprintf(parent, sizeof parent, "%s/runs", dir);
    cr_assert_eq(chmod(dir, 0755), 0);
    cr_assert_eq(chmod(parent, 0777), 0);
    cr_assert_eq(chmod(db, 0444), 0);
    pid_t child = fork();
    cr_assert_neq(child, -1);
    if (child == 0) _exit(readonly_checks());
    int status;
    cr_assert_eq(waitpid(child, &status, 0), child);
    cr_assert(WIFEXITED(status), "the child crashed");
    cr_assert_eq(WEXITSTATUS(status), 0, "read-only check %d failed", WEXITSTATUS(status));
}

/* POSIX locks belong to a process, and closing any descriptor of a file drops all of them. If
 * opening a second store on the file (the trainer, an evaluation and the sweep each hold one)
 * read the file through a descriptor of its own, the first store's locks would be gone: another
 * process closing its connection would then take itself for the last user, checkpoint and
 * delete the WAL under the first store, whose later commits fail or vanish. */
Test(store, second_store_keeps_the_first_ones_locks) {
    Store *a = open_ok(db);
    int64_t id = new_run(a, "first");
    cr_assert_eq(store_commit(a), 0, "%s", store_error(a));
    Store *b = open_ok(db);
    store_close(b);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "sqlite3 '%s' 'SELECT count(*) FROM runs' >/dev/null", db);
    cr_assert_eq(system(cmd), 0, "another process reads the database");
    char wal[600];
    snprintf(wal, sizeof wal, "%s-wal", db);
    struct stat st;
    cr_assert_eq(stat(wal, &st), 0, "the WAL of an open store is left in place");
    for (int step = 0; step < 10; step++)
        cr_assert_eq(store_metric(a, id, step, "loss", 1.0 + step), 0, "%s", store_error(a));
    cr_assert_eq(store_commit(a), 0, "%s", store_error(a));
    store_close(a);
    cr_assert_eq(sql_int(db, "SELECT count(*) FROM metrics"), 10);
    char check[64];
    sql_text(db, "PRAGMA integrity_check", check, sizeof check);
    cr_assert_str_eq(check, "ok");
}

/* ---- another process holding the lock: retried with a backoff, bounded -------------------- */

static sqlite3 *hold_lock(void) {
    sqlite3 *other;
    cr_assert_eq(sqlite3_open(db, &other), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(other, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
    return other;
}

static void release_lock(sqlite3 *other) {
    cr_assert_eq(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);
}

static void sleep_ms(int ms) {
    nanosleep(&(struct timespec){ms / 1000, ms % 1000 * 1000000L}, NULL);
}

/* A trainer's steps while another process holds the database: every commit comes back at once
 * with the rows kept (the store's own wait is the default 10 s, which no try uses), only a few
 * of the calls try at all, and once the lock is gone every row lands. */
Test(store, a_locked_database_keeps_the_rows_and_retries_with_a_backoff) {
    Store *s = open_ok(db);
    int64_t id = new_run(s, "locked");
    cr_assert_eq(store_metric(s, id, 0, "loss", 9.0), 0);
    cr_assert_eq(store_commit(s), 0, "%s", store_error(s));
    sqlite3 *other = hold_lock();
    int calls = 200, kept = 0;
    for (int step = 1; step <= calls; step++) {
        cr_assert_eq(store_metric(s, id, step, "loss", 1.0 / step), 0);
        cr_assert_eq(store_progress(s, id, step), 0);
        /* The first call is due at once (the rows have waited since the commit above). */
        int rc = step == 1 ? store_try_commit(s) : store_maybe_commit(s);
        cr_assert_neq(rc, -1, "%s", store_error(s));
        kept += rc == STORE_KEPT;
        sleep_ms(2);
    }
    cr_assert_eq(kept, calls, "no commit can succeed while the lock is held");
    cr_assert_not_null(strstr(store_error(s), "locked"), "%s", store_error(s));
    cr_assert_eq(store_pending_rows(s), calls + 1);
    release_lock(other);
    cr_assert_eq(store_try_commit(s), STORE_KEPT, "the next try is not due yet");
    sleep_ms(2100);
    cr_assert_eq(store_maybe_commit(s), 0, "%s", store_error(s));
    StoreRetries r = store_last_retries(s);
    /* Several tries in 0.4 s or more (one that waited out the 10 s busy timeout would have
     * been the only one), a handful rather than one per call: the interval grows. */
    cr_assert_geq(r.tries, 2, "%d tries", r.tries);
    cr_assert_leq(r.tries, 20, "%d tries", r.tries);
    cr_assert_eq(r.rows, calls + 1);
    cr_assert_eq(sql_int(db, "SELECT count(*) FROM metrics WHERE key = 'loss'"), calls + 1);
    cr_assert_eq(sql_int(db, "SELECT step FROM runs WHERE id = 1"), calls);
    store_close(s);
}

/* Held past the limit: the call fails with a message saying what was given up on; what was
 * committed before is intact, and later writes on the handle wait no longer than a try. */
Test(store, a_lock_held_past_the_limit_fails_cleanly) {
    Store *s = open_ok(db);
    int64_t id = new_run(s, "limit");
    for (int step = 0; step < 10; step++) cr_assert_eq(store_metric(s, id, step, "loss", 1.0), 0);
    cr_assert_eq(store_commit(s), 0, "%s", store_error(s));
    store_set_backlog_limit(s, 0.3, 0);
    sqlite3 *other = hold_lock();
    int rc = 0, step = 10;
    for (; step < 5000 && rc != -1; step++) {
        cr_assert_eq(store_metric(s, id, step, "loss", 2.0), 0);
        rc = store_try_commit(s);
        sleep_ms(2);
    }
    cr_assert_eq(rc, -1, "still kept after %d steps", step);
    const char *e = store_error(s);
    cr_assert_not_null(strstr(e, "gave up after"), "%s", e);
    cr_assert_not_null(strstr(e, "rows could not be committed (the limit is 0.3 s"), "%s", e);
    cr_assert_not_null(strstr(e, STORE_LOCK_LIMIT_ENV), "%s", e);
    cr_assert_not_null(strstr(e, "locked by another process"), "%s", e);
    cr_assert_eq(store_set_status(s, id, "failed"), -1, "the lock is still held");
    cr_assert_eq(sql_int(db, "SELECT count(*) FROM metrics"), 10);
    release_lock(other);
    char check[32];
    sql_text(db, "PRAGMA integrity_check", check, sizeof check);
    cr_assert_str_eq(check, "ok");
    cr_assert_eq(sql_int(db, "SELECT count(*) FROM metrics"), 10);
    store_close(s);
}

/* The backlog's other bound: rows. */
Test(store, too_many_rows_waiting_fail_cleanly) {
    Store *s = open_ok(db);
    int64_t id = new_run(s, "rows");
    store_set_backlog_limit(s, 1000, 50);
    sqlite3 *other = hold_lock();
    int rc = 0, step = 0;
    for (; step < 200 && rc != -1; step++) {
        cr_assert_eq(store_metric(s, id, step, "loss", 2.0), 0);
        rc = store_try_commit(s);
    }
    cr_assert_eq(rc, -1);
    cr_assert_eq(step, 50, "given up at the 50th row");
    cr_assert_not_null(strstr(store_error(s), "50 rows could not be committed"), "%s",
                       store_error(s));
    release_lock(other);
    store_close(s);
}

/* A checkpoint recorded with the buffered rows lands with them. */
Test(store, a_buffered_checkpoint_lands_with_the_next_commit) {
    Store *s = open_ok(db);
    int64_t id = new_run(s, "ckpt");
    cr_assert_eq(store_checkpoint_later(s, id, 5, "runs/1/step-5.ckpt"), 0);
    int64_t step;
    char path[64];
    cr_assert_eq(store_last_checkpoint(s, id, &step, path, sizeof path), -1);
    cr_assert_eq(store_pending_rows(s), 1);
    cr_assert_eq(store_try_commit(s), 0, "%s", store_error(s));
    cr_assert_eq(store_last_checkpoint(s, id, &step, path, sizeof path), 0);
    cr_assert_eq(step, 5);
    cr_assert_str_eq(path, "runs/1/step-5.ckpt");
    store_close(s);
}

/* Bad input through every entry point: dataset files (exposure train, eval --data, data check),
 * config files (--config), overrides (--set) and run databases (--db). Each is refused with a
 * message naming the file and line, or the key, and the database is left byte for byte as it
 * was. docs/reliability.md lists the cases. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checkpoint.h"
#include "config.h"
#include "run.h"
#include "scratch.h"
#include "sql.h"
#include "store.h"

static char dir[] = "/tmp/exposure-input-XXXXXX";
static char db[300], bad[300];
static char *db_before;
static size_t db_len;

/* A run database with one completed run of a tiny model and its checkpoint, as training
 * leaves it, built through the core's API. */
static void make_fixture(void) {
    Config c;
    config_defaults(&c);
    char err[1024];
    const char *sets[] = {"model.layers=1", "model.dim=16", "model.heads=2", "train.batch=4"};
    for (size_t i = 0; i < sizeof sets / sizeof *sets; i++)
        cr_assert_eq(config_set(&c, sets[i], err, sizeof err), 0, "%s", err);
    char *json = config_to_json(&c, 0);
    cr_assert_not_null(json);
    Store *s;
    cr_assert_eq(store_open(db, &s, err, sizeof err), 0, "%s", err);
    NewRun nr = {.name = "fixture",
                 .method = "baseline",
                 .dataset = "arith",
                 .config_json = json,
                 .seed = 1,
                 .steps = 5};
    cr_assert_eq(store_create_run(s, &nr), 1, "%s", store_error(s));
    free(json);
    for (int step = 1; step <= 5; step++) store_metric(s, 1, step, "loss", 5.0 - step);
    char run_dir[400], ckpt[500];
    cr_assert_eq(store_make_run_dir(s, 1, run_dir, sizeof run_dir), 0);
    snprintf(ckpt, sizeof ckpt, "%s/step-000005.ckpt", run_dir);
    ModelConfig mc = {1, 16, 2, 256, TOK_COUNT};
    Model m;
    cr_assert_eq(model_init(&m, &mc, 1), 0);
    model_init_weights(&m, 1);
    CheckpointState st = {.step = 5};
    cr_assert_eq(checkpoint_save(ckpt, &m, &st, err, sizeof err), 0, "%s", err);
    model_free(&m);
    cr_assert_eq(store_checkpoint(s, 1, 5, ckpt), 0);
    cr_assert_eq(store_set_status(s, 1, "completed"), 0);
    store_close(s);
}

static void setup(void) {
    scratch_create(dir, db, sizeof db, "runs.db");
    snprintf(bad, sizeof bad, "%s/bad.jsonl", dir);
    make_fixture();
    db_before = file_bytes(db, &db_len);
    cr_assert_not_null(db_before);
}

static void teardown(void) {
    free(db_before);
    scratch_remove(dir);
}

TestSuite(input, .init = setup, .fini = teardown, .timeout = 240);

#define TINY                                                                                       \
    "--set", "model.layers=1", "--set", "model.dim=16", "--set", "model.heads=2", "--set",         \
        "train.steps=2", "--set", "train.warmup=0", "--set", "train.threads=1"

/* Runs args; asserts the exit code, that stderr holds want, and that the database is as the
 * fixture left it. */
static void expect_refused(const char *const *args, int status, const char *want) {
    RunResult r = run_exposure(args, NULL);
    cr_assert_eq(r.status, status, "exposure %s %s: exit %d, expected %d; stderr: %s", args[0],
                 args[1], r.status, status, r.err);
    cr_assert_not_null(strstr(r.err, want), "exposure %s %s: stderr lacks \"%s\":\n%s", args[0],
                       args[1], want, r.err);
    run_free(&r);
    assert_file_is(db, db_before, db_len);
}

/* The same refusal of a dataset file from the three commands that read one. */
static void expect_bad_data(const char *path, const char *want) {
    char set[400];
    snprintf(set, sizeof set, "data.train=%s", path);
    expect_refused((const char *[]){"data", "check", path, NULL}, 2, want);
    expect_refused((const char *[]){"train", "--db", db, "--set", set, TINY, NULL}, 2, want);
    expect_refused((const char *[]){"eval", "--run", "1", "--db", db, "--data", path, NULL}, 2,
                   want);
}

/* Writes bytes to the bad file and expects "bad.jsonl:LINE: reason" (or "bad.jsonl: reason"
 * for line 0) from every command. */
static void expect_bad_file(const char *bytes, size_t n, int line, const char *reason) {
    write_file(bad, bytes, n);
    char want[1024];
    if (line) snprintf(want, sizeof want, "%s:%d: %s", bad, line, reason);
    else snprintf(want, sizeof want, "%s: %s", bad, reason);
    expect_bad_data(bad, want);
}

#define BAD_TEXT(text, line, reason) expect_bad_file(text, strlen(text), line, reason)

static const char good[] = "{\"prompt\":\"a\",\"response\":\"b\"}\n";

Test(input, dataset_files_that_are_not_datasets) {
    BAD_TEXT("", 0, "empty");
    BAD_TEXT("\n \n\t\r\n", 0, "empty");
    BAD_TEXT("{\"prompt\":\"a\",\"response\":\"b\"}\n{\"prompt\": oops}\n", 2,
             "invalid JSON at byte 12");
    BAD_TEXT("[1,2]\n", 1, "not a JSON object");
    BAD_TEXT("{\"text\":\"hello\"}\n", 1, "cannot tell the layout from the keys");
    BAD_TEXT("{\"prompt\":\"a\",\"response\":\"b\"}\n{\"prompt\":\"c\"}\n", 2,
             "missing field \"response\"");
    BAD_TEXT("{\"prompt\":\"a\",\"response\":5}\n", 1, "field \"response\" must be a string");
    BAD_TEXT("{\"prompt\":\"a\",\"response\":1e999}\n", 1, "field \"response\" must be a string");
    BAD_TEXT("{\"prompt\":\"a\",\"response\":\"\"}\n", 1,
             "field \"response\" is empty (nothing to train on)");
    BAD_TEXT("{\"prompt\":\"\xC3\x28\",\"response\":\"b\"}\n", 1, "invalid UTF-8 at byte 12");
    BAD_TEXT("{\"prompt\":\"\\uD800\",\"response\":\"b\"}\n", 1,
             "lone UTF-16 surrogate \\uD800 at byte 12");
    const char elf[] = "\x7F"
                       "ELF\x02\x01\x01\x00\x00\x00\x00\x00";
    expect_bad_file(elf, sizeof elf - 1, 1, "binary data: control byte 0x02 at byte 5");
}

Test(input, a_line_over_one_mebibyte) {
    size_t n = (1u << 20) + 64;
    char *text = malloc(strlen(good) + n + 2);
    cr_assert_not_null(text);
    strcpy(text, good);
    char *line = text + strlen(good);
    memset(line, 'x', n);
    memcpy(line, "{\"prompt\":\"", 11);
    memcpy(line + n - 18, "\",\"response\":\"b\"}", 17);
    line[n - 1] = '\n';
    line[n] = '\0';
    BAD_TEXT(text, 2, "line longer than 1048576 bytes");
    free(text);
}

/* A sparse file: over the size bound without using the disk, refused before it is read. */
Test(input, a_dataset_file_over_the_size_limit) {
    int fd = open(bad, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert_geq(fd, 0);
    cr_assert_eq(ftruncate(fd, (256 << 20) + 1), 0);
    close(fd);
    char want[400];
    snprintf(want, sizeof want, "%s: larger than 268435456 bytes (the limit on a dataset file)",
             bad);
    expect_bad_data(bad, want);
}

Test(input, dataset_paths_that_are_not_files) {
    char want[400];
    snprintf(want, sizeof want, "%s: read error: Is a directory", dir);
    expect_bad_data(dir, want);
    expect_bad_data("/dev/null", "/dev/null: empty");
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", bad);
    expect_bad_data(bad, want);
}

/* A FIFO is read like a file (process substitution, <(...), is one); with nobody writing, it
 * waits as cat would, so only the case with a writer is run here. */
Test(input, a_fifo_with_a_writer_is_read) {
    cr_assert_eq(mkfifo(bad, 0600), 0);
    pid_t writer = fork();
    cr_assert_neq(writer, -1);
    if (writer == 0) {
        int fd = open(bad, O_WRONLY);
        ssize_t ignored = fd >= 0 ? write(fd, good, strlen(good)) : -1;
        (void)ignored;
        _exit(fd >= 0 ? 0 : 1);
    }
    RunResult r = run_exposure((const char *[]){"data", "check", bad, NULL}, NULL);
    int status;
    cr_assert_eq(waitpid(writer, &status, 0), writer);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "records: 1"), "%s", r.out);
    run_free(&r);
}

/* ---- config files and overrides ---------------------------------------------------------- */

static void expect_bad_config_path(const char *path, const char *want) {
    expect_refused((const char *[]){"train", "--db", db, "--config", path, NULL}, 2, want);
    expect_refused((const char *[]){"config", "show", "--config", path, NULL}, 2, want);
}

static void expect_bad_config_bytes(const char *bytes, size_t n, const char *reason) {
    char path[400], want[1024];
    snprintf(path, sizeof path, "%s/bad.json", dir);
    write_file(path, bytes, n);
    snprintf(want, sizeof want, "%s%s", path, reason);
    expect_bad_config_path(path, want);
}

static void expect_bad_config(const char *text, const char *reason) {
    expect_bad_config_bytes(text, strlen(text), reason);
}

Test(input, config_files_refused_naming_the_line_or_key) {
    expect_bad_config("{\n\"train\": {\n  \"steps\": ,\n}}", ":3: invalid JSON");
    expect_bad_config("[1,2]", ": must be a JSON object");
    expect_bad_config("{\"train\":{\"stepz\":4}}", ": train.stepz: unknown key");
    expect_bad_config("{\"method\":{\"name\":\"beam\"}}",
                      ": method.name: must be one of: baseline, bash, rac");
    expect_bad_config("{\"model\":{\"dim\":-64}}", ": model.dim: must be an integer in 8..4096");
    expect_bad_config("{\"train\":{\"batch\":1e12}}",
                      ": train.batch: must be an integer in 1..4096");
    expect_bad_config("{\"train\":{\"steps\":1e999}}", ": train.steps: must be a finite number");
    expect_bad_config("{\"train\":{\"lr\":\"fast\"}}", ": train.lr: must be a number > 0 and ≤ 10");
    expect_bad_config("{\"model\":{\"context\":8192}}",
                      ": model.context: must be an integer in 16..4096");
    expect_bad_config("", ": empty, not a JSON config");
    const char elf[] = "\x7F"
                       "ELF\x02\x01\x01\x00\x00\x00";
    expect_bad_config_bytes(elf, sizeof elf - 1, ": binary data, not a JSON config");
    expect_bad_config("\x7F"
                      "ELF\x02\x01\x01",
                      ":1: invalid JSON");
    /* A conflict between keys both set names both, their values and values that work. */
    RunResult r = run_exposure((const char *[]){"train", "--db", db, "--set", "model.dim=100",
                                                "--set", "model.heads=3", NULL},
                               NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "model.heads (3) must divide model.dim (100): set model.heads "
                                     "to 2, or model.dim to 102"),
                       "%s", r.err);
    run_free(&r);
}

Test(input, config_paths_that_are_not_files) {
    char want[400];
    snprintf(want, sizeof want, "%s: read error: Is a directory", dir);
    expect_bad_config_path(dir, want);
    expect_bad_config_path("/dev/null", "/dev/null: empty, not a JSON config");
    snprintf(want, sizeof want, "%s/none.json: cannot open: No such file or directory", dir);
    char path[400];
    snprintf(path, sizeof path, "%s/none.json", dir);
    expect_bad_config_path(path, want);
}

Test(input, overrides_refused_naming_the_key) {
    const char *cases[][2] = {
        {"train.lr=inf", "--set train.lr: must be a finite number"},
        {"train.lr=nan", "--set train.lr: must be a finite number"},
        {"train.lr=-inf", "--set train.lr: must be a finite number"},
        {"train.lr=1e-50", "--set train.lr: must be a number > 0 and ≤ 10"},
        {"train.lr=20", "--set train.lr: must be a number > 0 and ≤ 10"},
        {"model.dim=-8", "--set model.dim: must be an integer in 8..4096"},
        {"train.batch=1e10", "--set train.batch: must be an integer in 1..4096"},
        {"train.steps=99999999999999999999", "--set train.steps: must be an integer ≥ 1"},
        {"model.context=8192", "--set model.context: must be an integer in 16..4096"},
        {"model.depth=3", "--set model.depth: unknown key"},
        {"method.name=beam", "--set method.name: must be one of: baseline, bash, rac"},
        {"method.schedule.points=[[0,2]]",
         "--set method.schedule.points: point 1: omega must be in 0..1"},
        {"noequals", "--set noequals: must be key=value"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        expect_refused((const char *[]){"train", "--db", db, "--set", cases[i][0], TINY, NULL}, 2,
                       cases[i][1]);
}

/* ---- run databases ------------------------------------------------------------------------ */

/* A database that cannot be used is a runtime failure (exit 1, as docs/run-store.md says) and
 * is never modified. */
static void expect_bad_db(const char *path, const char *want) {
    size_t len;
    char *before = file_bytes(path, &len);
    const char *const commands[][24] = {
        {"runs", "list", "--db", path, NULL},
        {"eval", "--run", "1", "--db", path, NULL},
        {"train", "--db", path, "--quiet", TINY, NULL},
    };
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        RunResult r = run_exposure(commands[i], NULL);
        cr_assert_eq(r.status, 1, "%s: exit %d: %s", commands[i][0], r.status, r.err);
        cr_assert_not_null(strstr(r.err, want), "%s: stderr lacks \"%s\": %s", commands[i][0], want,
                           r.err);
        run_free(&r);
        if (before) assert_file_is(path, before, len);
    }
    free(before);
}

Test(input, databases_that_are_not_run_stores) {
    char path[400], want[600];
    snprintf(path, sizeof path, "%s/notes.txt", dir);
    write_file(path, "{\"not\": \"a database\"}\n", 22);
    snprintf(want, sizeof want, "%s: not an SQLite database", path);
    expect_bad_db(path, want);
    snprintf(path, sizeof path, "%s/half.db", dir);
    write_file(path, db_before, db_len / 2);
    snprintf(want, sizeof want, "%s: the database is corrupt (truncated", path);
    expect_bad_db(path, want);
    snprintf(want, sizeof want, "%s: not a regular file", dir);
    expect_bad_db(dir, want);
}

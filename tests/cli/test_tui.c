/* The terminal interface end to end, driven through tmux: screens, help, a live run, the
 * corrections of stored samples, the runs table, resizing, bad input, colourless and
 * non-UTF-8 terminals, and quitting while a run trains. */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"
#include "tui.h"

static Tui t;

static void setup(void) { tui_init(&t); }
static void teardown(void) { tui_stop(&t); }
TestSuite(tui, .init = setup, .fini = teardown, .timeout = 180);

#define TINY                                                                                       \
    "--set model.layers=1 --set model.dim=32 --set model.heads=2 --set train.batch=8 "             \
    "--set train.eval_samples=4 --set decode.max_new_tokens=48 --set train.threads=1 "             \
    "--set train.warmup=5"

/* How long the screen may take to show something (the sanitized build starts slowly). */
enum { SHOW = 8000 };

#define SEE(text)                                                                                  \
    cr_assert(tui_wait(&t, (text), SHOW), "expected \"%s\" on the screen:\n%s", (text), t.screen)

static void expect_clean_exit(void) {
    int rc = tui_wait_exit(&t, 30000);
    char path[300];
    snprintf(path, sizeof path, "%s/stderr.txt", t.dir);
    FILE *f = fopen(path, "r");
    char err[4096] = "";
    if (f) {
        size_t n = fread(err, 1, sizeof err - 1, f);
        err[n] = '\0';
        fclose(f);
    }
    cr_assert_eq(rc, 0, "exit code %d; stderr:\n%s\nscreen:\n%s", rc, err, t.screen);
}

/* A finished tiny run made with the command line, for the screens that read the store. */
static void headless_run(const char *name, const char *seed) {
    char set_seed[64];
    snprintf(set_seed, sizeof set_seed, "train.seed=%s", seed);
    RunResult r = run_exposure((const char *[]){"train",  "--db",
                                                t.db,     "--quiet",
                                                "--name", name,
                                                "--set",  "model.layers=1",
                                                "--set",  "model.dim=32",
                                                "--set",  "model.heads=2",
                                                "--set",  "train.batch=8",
                                                "--set",  "train.eval_samples=4",
                                                "--set",  "decode.max_new_tokens=32",
                                                "--set",  "train.steps=12",
                                                "--set",  "train.warmup=2",
                                                "--set",  "train.threads=1",
                                                "--set",  set_seed,
                                                NULL},
                               NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
}

static void query_text(const char *sql, char *out, size_t cap) {
    sqlite3 *h;
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_open_v2(t.db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(h));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sql);
    snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(h);
}

/* The step counter "step N / M" of the Train screen, or -1. */
static int shown_step(void) {
    const char *at = strstr(t.screen, " step ");
    return at ? atoi(at + 6) : -1;
}

static int has_braille(const char *s) {
    /* U+2801..U+28FF in UTF-8: E2 A0 81 .. E2 A3 BF */
    for (const unsigned char *p = (const unsigned char *)s; p[0] && p[1] && p[2]; p++)
        if (p[0] == 0xE2 && p[1] >= 0xA0 && p[1] <= 0xA3 && !(p[1] == 0xA0 && p[2] == 0x80))
            return 1;
    return 0;
}

Test(tui, visits_every_screen_and_opens_help) {
    tui_start(&t, 100, 32, NULL, "");
    SEE("1 Datasets");
    SEE("preview: example 1 of 6000");
    tui_keys(&t, "2");
    SEE("Config of the next run");
    SEE("omega(s)");
    tui_keys(&t, "3");
    SEE("No run trained yet");
    tui_keys(&t, "4");
    SEE("No evaluation samples yet");
    tui_keys(&t, "5");
    SEE("No runs yet");
    tui_keys(&t, "?");
    SEE("Keys: Runs");
    SEE("Everywhere");
    tui_keys(&t, "Escape");
    cr_assert(tui_wait_gone(&t, "Keys: Runs", SHOW), "Esc closes the help:\n%s", t.screen);
    tui_keys(&t, "Tab");
    SEE("preview: example");
    tui_keys(&t, "BTab");
    SEE("Runs in");
    /* The tab bar takes mouse clicks: " 3 Train " starts at column 37. */
    tui_click(&t, 40, 0);
    SEE("No run trained yet");
    tui_keys(&t, "q");
    expect_clean_exit();
}

Test(tui, trains_live_then_quits_and_the_run_is_stopped) {
    tui_start(&t, 100, 32, NULL, TINY " --set train.steps=100000 --set train.eval_every=40");
    SEE("1 Datasets");
    tui_keys(&t, "3");
    SEE("No run trained yet");
    tui_keys(&t, "Enter");
    SEE("training");
    cr_assert(tui_wait(&t, "step 1", SHOW), "%s", t.screen);
    int first = -1, later = -1;
    for (int i = 0; i < 100 && later <= first; i++) {
        tui_capture(&t);
        if (first < 0 && shown_step() > 0) first = shown_step();
        else if (first > 0) later = shown_step();
        if (later <= first) tui_wait(&t, "never shown", 100);
    }
    cr_assert_gt(first, 0, "%s", t.screen);
    cr_assert_gt(later, first, "the step counter advances:\n%s", t.screen);
    cr_assert(has_braille(t.screen), "a braille chart is drawn:\n%s", t.screen);
    SEE("loss");
    /* Pause and resume. */
    tui_keys(&t, "Space");
    SEE("paused");
    tui_keys(&t, "Space");
    SEE("training");
    /* A live change, applied at the next batch and noted. */
    tui_keys(&t, "e");
    SEE("Live change");
    tui_keys(&t, "C-u");
    tui_keys(&t, "-l train.lr=0.001");
    tui_keys(&t, "Enter");
    SEE("train.lr: 0.004 -> 0.001 from step");
    /* Quit asks first, then stops the run cleanly. */
    tui_keys(&t, "q");
    SEE("Stop it");
    tui_keys(&t, "y");
    expect_clean_exit();
    char status[32];
    query_text("SELECT status FROM runs WHERE id=1", status, sizeof status);
    cr_assert_str_eq(status, "stopped");
}

Test(tui, shows_corrections_and_compares_two_runs) {
    headless_run("alpha", "1");
    headless_run("beta", "2");
    tui_start(&t, 100, 32, NULL, "");
    SEE("1 Datasets");
    tui_keys(&t, "4");
    SEE("sample 1 of 4");
    SEE("reference");
    SEE("output (as generated)");
    SEE("first_err");
    tui_keys(&t, "n");
    SEE("sample 2 of 4");
    tui_keys(&t, "f");
    SEE("filter wrong");
    tui_keys(&t, "b");
    SEE("Batch inspector");
    tui_keys(&t, "b");
    tui_keys(&t, "5");
    SEE("alpha");
    SEE("beta");
    tui_keys(&t, "Space");
    tui_keys(&t, "j");
    tui_keys(&t, "Space");
    SEE("2 selected");
    SEE("#1 alpha");
    SEE("#2 beta");
    tui_keys(&t, "v");
    SEE("val/em");
    tui_keys(&t, "v");
    SEE("train.seed");
    tui_keys(&t, "q");
    expect_clean_exit();
}

Test(tui, asks_for_a_bigger_terminal_and_recovers) {
    tui_start(&t, 100, 32, NULL, "");
    SEE("1 Datasets");
    tui_resize(&t, 60, 20);
    SEE("enlarge the terminal (needs 80x24, now 60x20)");
    tui_resize(&t, 100, 32);
    SEE("1 Datasets");
    cr_assert(tui_wait_gone(&t, "enlarge", SHOW), "%s", t.screen);
    tui_keys(&t, "q");
    expect_clean_exit();
}

Test(tui, a_bad_dataset_shows_file_and_line_and_changes_nothing) {
    char path[300];
    snprintf(path, sizeof path, "%s/bad.jsonl", t.dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("{\"prompt\":\"a\",\"response\":\"b\"}\n{\"prompt\": 7}\n", f);
    fclose(f);
    tui_start(&t, 100, 32, NULL, "");
    SEE("1 Datasets");
    tui_keys(&t, "o");
    SEE("Open dataset");
    char keys[400], want[340];
    snprintf(keys, sizeof keys, "-l '%s'", path);
    tui_keys(&t, keys);
    tui_keys(&t, "Enter");
    snprintf(want, sizeof want, "bad.jsonl:2: ");
    SEE(want);
    tui_keys(&t, "Escape");
    tui_keys(&t, "2");
    SEE("data.train");
    cr_assert(tui_wait(&t, "arith", SHOW), "the config still trains on arith:\n%s", t.screen);
    tui_keys(&t, "q");
    expect_clean_exit();
}

Test(tui, works_without_colours_or_utf8) {
    headless_run("plain", "1");
    tui_start(&t, 100, 32, "TERM=vt100 LANG=C LC_ALL=C", "");
    SEE("1 Datasets");
    tui_keys(&t, "2");
    SEE("omega(s)");
    tui_keys(&t, "5");
    SEE("plain");
    SEE("loss (m)");
    for (const unsigned char *p = (const unsigned char *)t.screen; *p; p++)
        cr_assert_lt(*p, 0x80, "only ASCII without a UTF-8 locale:\n%s", t.screen);
    cr_assert_not_null(strstr(t.screen, "*"), "an ASCII chart:\n%s", t.screen);
    tui_keys(&t, "q");
    expect_clean_exit();
}

/* Sets a key on the Config screen: find it, edit it, type the value. */
static void set_key(const char *key, const char *value) {
    char keys[200];
    tui_keys(&t, "/");
    SEE("Find key");
    snprintf(keys, sizeof keys, "-l '%s'", key);
    tui_keys(&t, keys);
    tui_keys(&t, "Enter");
    tui_keys(&t, "Enter");
    tui_keys(&t, "C-u");
    snprintf(keys, sizeof keys, "-l '%s'", value);
    tui_keys(&t, keys);
    tui_keys(&t, "Enter");
    char status[200];
    snprintf(status, sizeof status, "%s = %s", key, value);
    SEE(status);
}

/* A key's row on the Config screen: the key in a 28-column field, then its value. */
static void see_row(const char *key, const char *value) {
    char row[120];
    snprintf(row, sizeof row, "%-28s%s ", key, value);
    cr_assert(tui_wait(&t, row, SHOW), "expected \"%s\":\n%s", row, t.screen);
}

/* Edits on the Config screen count as set; keys not set follow them, and d gives a key back
 * to its rule. */
Test(tui, config_screen_edits_are_set_and_derived_keys_follow) {
    tui_start(&t, 100, 40, NULL, "");
    SEE("1 Datasets");
    tui_keys(&t, "2");
    SEE("Config of the next run");
    set_key("train.steps", "50");
    see_row("train.warmup", "5");
    see_row("train.eval_every", "4");
    set_key("train.warmup", "7");
    set_key("train.steps", "3000");
    see_row("train.warmup", "7");
    see_row("train.eval_every", "250");
    tui_keys(&t, "/");
    SEE("Find key");
    tui_keys(&t, "-l train.warmup");
    tui_keys(&t, "Enter");
    tui_keys(&t, "d");
    SEE("train.warmup = 100 (follows the keys it depends on)");
    see_row("train.warmup", "100");
    tui_keys(&t, "q");
    expect_clean_exit();
}

/* f on the Runs screen: the run's config, starting from its weights, ready to train; set are
 * only the keys where the run differs from the defaults, so that the rest follow. Typed on the
 * Config screen, train.init_from hands the model keys to its checkpoint. */
Test(tui, warm_starts_from_a_run_of_the_runs_screen) {
    headless_run("parent", "1");
    tui_start(&t, 120, 40, NULL, "");
    SEE("1 Datasets");
    tui_keys(&t, "5");
    SEE("parent");
    SEE("run 1 trained from scratch");
    /* Under it, the machine the run ran on (runs show prints the same, test_kernels.c). */
    SEE("ran on ");
    tui_keys(&t, "f");
    SEE("Config of the next run");
    SEE("config of run 1 loaded, starting from its weights at step 12");
    see_row("train.init_from", "1:12");
    see_row("model.dim", "32");
    see_row("train.eval_every", "1");
    /* The run evaluated every step of its 12 because it was not told otherwise: more steps
     * here, and the evaluations follow them; its warm-up, which it was told, stays. */
    set_key("train.steps", "60");
    see_row("train.eval_every", "5");
    see_row("train.warmup", "2");
    tui_keys(&t, "m");
    SEE("method.name = bash");
    tui_keys(&t, "3");
    tui_keys(&t, "Enter");
    SEE("starting from the weights of run 1 at step 12");
    char text[64];
    for (int i = 0; i < 300; i++) {
        query_text("SELECT status FROM runs WHERE id=2", text, sizeof text);
        if (strcmp(text, "running") != 0) break;
        tui_wait(&t, "never shown", 100);
    }
    cr_assert_str_eq(text, "completed");
    query_text("SELECT parent || ':' || parent_step || ' ' || method || ' ' || "
               "json_extract(config, '$.train.eval_every') FROM runs WHERE id=2",
               text, sizeof text);
    cr_assert_str_eq(text, "1:12 bash 5");
    /* The cursor stays on run 1; run 2 is listed above it. */
    tui_keys(&t, "5");
    SEE("run 1 trained from scratch; runs started from it: 2");
    tui_keys(&t, "D");
    SEE("Run 2 started from its checkpoints;");
    tui_keys(&t, "Escape");
    cr_assert(tui_wait_gone(&t, "Delete run", SHOW), "%s", t.screen);
    tui_keys(&t, "k");
    SEE("run 2 started from 1:12");
    /* A model key set here gives way to the checkpoint typed in train.init_from. */
    tui_keys(&t, "2");
    set_key("model.dim", "64");
    tui_keys(&t, "/");
    SEE("Find key");
    tui_keys(&t, "-l init_from");
    tui_keys(&t, "Enter");
    tui_keys(&t, "Enter");
    tui_keys(&t, "C-u");
    tui_keys(&t, "-l 2");
    tui_keys(&t, "Enter");
    SEE("train.init_from = 2; the model keys follow its checkpoint (1 layer, dim 32");
    see_row("model.dim", "32");
    /* Set again to another value, it is refused in place until given back with d. */
    set_key("model.dim", "64");
    SEE("not valid yet: train.init_from: run 2 at step 60 is a model of another shape");
    tui_keys(&t, "d");
    SEE("model.dim = 32 (follows the keys it depends on)");
    tui_keys(&t, "q");
    expect_clean_exit();
}

/* `exposure --db F`, as with git or sqlite3: the interface on that database. */
Test(tui, global_db_option_without_a_command_opens_the_interface_on_it) {
    headless_run("global-db", "1");
    char line[400];
    snprintf(line, sizeof line, "--db '%s'", t.db);
    tui_start_line(&t, 100, 32, NULL, line);
    SEE("1 Datasets");
    tui_keys(&t, "5");
    SEE("global-db");
    tui_keys(&t, "q");
    expect_clean_exit();
}

/* A run trained from a JSONL file has one dataset name: the file's, without the extension, in
 * exposure runs list and show and on the Runs screen (and in the run's default name). */
Test(tui, a_run_from_a_file_has_the_same_dataset_name_everywhere) {
    char file[300], data[320];
    snprintf(file, sizeof file, "%s/qa-notes.jsonl", t.dir);
    FILE *f = fopen(file, "w");
    cr_assert_not_null(f);
    for (int i = 0; i < 20; i++)
        fprintf(f, "{\"prompt\":\"%d+%d=\",\"response\":\"%d\"}\n", i, i, 2 * i);
    cr_assert_eq(fclose(f), 0);
    snprintf(data, sizeof data, "data.train=%s", file);
    RunResult r = run_exposure(
        (const char *[]){"train", "--db", t.db, "--quiet", "--set", "model.layers=1", "--set",
                         "model.dim=16", "--set", "model.heads=2", "--set", "model.context=32",
                         "--set", "train.steps=2", "--set", "train.threads=1", "--set", data, NULL},
        NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    r = run_exposure((const char *[]){"runs", "list", "--db", t.db, NULL}, NULL);
    cr_assert_not_null(strstr(r.out, "baseline-qa-notes-s1  baseline  qa-notes"), "%s", r.out);
    run_free(&r);
    r = run_exposure((const char *[]){"runs", "show", "1", "--db", t.db, NULL}, NULL);
    char shown[400];
    snprintf(shown, sizeof shown, "  dataset    qa-notes (%s)\n", file);
    cr_assert_not_null(strstr(r.out, shown), "%s", r.out);
    run_free(&r);
    tui_start(&t, 100, 32, NULL, "");
    SEE("1 Datasets");
    tui_keys(&t, "5");
    SEE("baseline-qa-notes-s1");
    cr_assert(tui_wait(&t, " qa-notes ", SHOW), "the dataset column:\n%s", t.screen);
    cr_assert_null(strstr(t.screen, "qa-notes.jsonl"), "%s", t.screen);
    tui_keys(&t, "q");
    expect_clean_exit();
}

Test(tui, a_corrupt_preference_file_is_reported_and_replaced) {
    char dir[300], path[340];
    snprintf(dir, sizeof dir, "%s/config/exposure", t.dir);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    cr_assert_eq(system(cmd), 0);
    snprintf(path, sizeof path, "%s/tui.json", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("{\"smoothing\": [", f);
    fclose(f);
    tui_start(&t, 100, 32, NULL, "");
    SEE("not valid preferences");
    tui_keys(&t, "3");
    tui_keys(&t, "]");
    tui_keys(&t, "q");
    expect_clean_exit();
    f = fopen(path, "r");
    cr_assert_not_null(f);
    char text[512];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    cr_assert_not_null(strstr(text, "\"smoothing\":\t0.85"), "%s", text);
}

Test(tui, an_unreadable_database_is_a_message_not_a_crash) {
    FILE *f = fopen(t.db, "w");
    cr_assert_not_null(f);
    fputs("this is not a database\n", f);
    fclose(f);
    tui_start(&t, 100, 32, NULL, "");
    SEE("1 Datasets");
    tui_keys(&t, "5");
    SEE("No runs to show");
    SEE("not an SQLite database");
    tui_keys(&t, "4");
    SEE("no run store to read");
    tui_keys(&t, "q");
    expect_clean_exit();
}

/* Without a terminal the interface does not start: plain `exposure` prints the help as
 * before, and `exposure ui` says what it needs. */
Test(tui_no_terminal, no_arguments_prints_the_help) {
    RunResult r = run_exposure((const char *[]){NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "usage:\n  exposure "), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "exposure ui"), "%s", r.out);
    run_free(&r);
}

Test(tui_no_terminal, ui_needs_a_terminal) {
    RunResult r = run_exposure((const char *[]){"ui", NULL}, NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "needs a terminal"), "%s", r.err);
    run_free(&r);
}

Test(tui_no_terminal, ui_checks_its_arguments_first) {
    RunResult r = run_exposure(
        (const char *[]){"ui", "--set", "model.dim=96", "--set", "model.heads=7", NULL}, NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "model.heads"), "%s", r.err);
    run_free(&r);
    r = run_exposure((const char *[]){"ui", "--frobnicate", NULL}, NULL);
    cr_assert_eq(r.status, 2);
    run_free(&r);
    r = run_exposure((const char *[]){"ui", "--help", NULL}, NULL);
    cr_assert_eq(r.status, 0);
    cr_assert_not_null(strstr(r.out, "usage: exposure ui"), "%s", r.out);
    run_free(&r);
}

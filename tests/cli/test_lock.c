/* Training beside another process that holds the run database (BEGIN EXCLUSIVE, as a long
 * write of another program would): training goes on, the rows are kept and retried with a
 * growing interval, and all of them land once the lock is gone; a lock held past the limit
 * ($EXPOSURE_STORE_LOCK_LIMIT) fails the run cleanly with what was committed before intact. */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "run.h"
#include "scratch.h"
#include "sql.h"

static char dir[] = "/tmp/exposure-lock-XXXXXX";
static char db[300];

static void setup(void) { scratch_create(dir, db, sizeof db, "runs.db"); }
static void teardown(void) { scratch_remove(dir); }
TestSuite(lock, .init = setup, .fini = teardown, .timeout = 240);

#define TINY                                                                                       \
    "--set", "model.layers=1", "--set", "model.dim=16", "--set", "model.heads=2", "--set",         \
        "train.batch=2", "--set", "train.threads=1", "--set", "train.eval_every=0", "--set",       \
        "train.checkpoint_every=0", "--set", "train.warmup=0"

static sqlite3 *hold_lock(void) {
    sqlite3 *h;
    cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(h, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK, "%s",
                 sqlite3_errmsg(h));
    return h;
}

static void release_lock(sqlite3 *h) {
    cr_assert_eq(sqlite3_exec(h, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The next line with "event":"<kind>"; fails the test at the end of the output. */
static void next_event(Child *c, const char *kind, char *line, size_t cap) {
    char want[64];
    snprintf(want, sizeof want, "\"event\":\"%s\"", kind);
    while (child_read_line(c, line, cap, 120000))
        if (strstr(line, want)) return;
    cr_assert_fail("no %s event", kind);
}

Test(lock, training_goes_on_while_another_process_holds_the_database) {
    Child *c = spawn_exposure(
        (const char *[]){"train", "--db", db, "--jsonl", TINY, "--set", "train.steps=600", NULL});
    char line[4096];
    next_event(c, "step", line, sizeof line);
    sqlite3 *h = hold_lock();
    /* Steps keep coming while the lock is held: 200 of them, and at least a second. */
    double t0 = now();
    for (int i = 0; i < 200 || now() - t0 < 1.0; i++) next_event(c, "step", line, sizeof line);
    release_lock(h);
    int saw_note = 0, tries = 0;
    while (child_read_line(c, line, sizeof line, 120000)) {
        const char *p = strstr(line, "run store: writing again after ");
        if (p && sscanf(p, "run store: writing again after %d failed tries", &tries) == 1)
            saw_note = 1;
        if (strstr(line, "\"event\":\"done\"")) {
            cr_assert_not_null(strstr(line, "\"status\":\"completed\""), "%s", line);
            break;
        }
    }
    cr_assert_eq(child_wait(c), 0);
    cr_assert(saw_note, "the trainer said when writing worked again");
    /* Tries spaced by a growing interval over the second or more the lock was held; one that
     * waited out the database's 10 s busy timeout would have been alone. */
    cr_assert_geq(tries, 2, "%d failed tries", tries);
    cr_assert_eq(sql_double(db, "SELECT count(*) FROM metrics WHERE key='loss'"), 600,
                 "every step's row landed");
    cr_assert_eq(sql_double(db, "SELECT count(*) FROM events WHERE kind='store' AND "
                                "json_extract(detail, '$.failed_tries') >= 2"),
                 1);
    char text[32];
    cr_assert_str_eq(sql_text(db, "SELECT status FROM runs WHERE id=1", text, sizeof text),
                     "completed");
}

Test(lock, a_lock_held_past_the_limit_fails_the_run_cleanly) {
    cr_assert_eq(setenv("EXPOSURE_STORE_LOCK_LIMIT", "1", 1), 0);
    Child *c = spawn_exposure((const char *[]){"train", "--db", db, "--jsonl", TINY, "--set",
                                               "train.steps=100000", NULL});
    char line[4096];
    /* The first commit (after 2 s of steps, or 512 rows) is in before the lock is taken. */
    int committed = 0;
    while (committed == 0) {
        next_event(c, "step", line, sizeof line);
        committed = (int)sql_double(db, "SELECT count(*) FROM metrics WHERE key='loss'");
    }
    sqlite3 *h = hold_lock();
    next_event(c, "done", line, sizeof line);
    cr_assert_not_null(strstr(line, "\"status\":\"failed\""), "%s", line);
    cr_assert_not_null(strstr(line, "run store: "), "%s", line);
    cr_assert_not_null(strstr(line, "gave up after "), "%s", line);
    cr_assert_not_null(strstr(line, "the limit is 1 s"), "%s", line);
    cr_assert_eq(child_wait(c), 1);
    release_lock(h);
    char text[32];
    cr_assert_str_eq(sql_text(db, "PRAGMA integrity_check", text, sizeof text), "ok");
    int kept = (int)sql_double(db, "SELECT count(*) FROM metrics WHERE key='loss'");
    cr_assert_geq(kept, committed, "what was committed before stays");
    cr_assert_eq(sql_double(db, "SELECT max(step) FROM metrics WHERE key='loss'"), kept,
                 "committed steps without gaps");
}

/* Keys the user did not set follow the keys they depend on, through the binary: a short run on
 * every built-in task, a small context, a JSONL file of one's own; what the run stores; and
 * what is still refused (a conflict between keys both set, data that does not fit). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run.h"
#include "scratch.h"
#include "sql.h"

static char dir[] = "/tmp/exposure-config-XXXXXX";
static char db[300], small[300], mixed[300];

/* 40 short records, and the same with two records far longer than a context of 64. */
static void write_small_files(void) {
    FILE *s = fopen(small, "w"), *m = fopen(mixed, "w");
    cr_assert(s && m);
    for (int i = 0; i < 40; i++) {
        fprintf(s, "{\"prompt\":\"%d+%d=\",\"response\":\"%d\"}\n", i, i + 1, 2 * i + 1);
        if (i % 20 == 7) fprintf(m, "{\"prompt\":\"%0100d+1=\",\"response\":\"%d\"}\n", i, i + 1);
        else fprintf(m, "{\"prompt\":\"%d+%d=\",\"response\":\"%d\"}\n", i, i + 1, 2 * i + 1);
    }
    cr_assert_eq(fclose(s), 0);
    cr_assert_eq(fclose(m), 0);
}

static void setup(void) {
    scratch_create(dir, db, sizeof db, "runs.db");
    snprintf(small, sizeof small, "%s/small.jsonl", dir);
    snprintf(mixed, sizeof mixed, "%s/mixed.jsonl", dir);
    write_small_files();
}
static void teardown(void) { scratch_remove(dir); }
TestSuite(config, .init = setup, .fini = teardown, .timeout = 240);

/* A small model, with none of the keys that follow others set. */
#define SMALL_MODEL                                                                                \
    "--set", "model.layers=1", "--set", "model.dim=32", "--set", "model.heads=2", "--set",         \
        "train.batch=8", "--set", "train.eval_samples=8", "--set", "train.threads=1"

/* A key of run id's stored config, as text. */
static const char *stored(int id, const char *path, char *out, size_t cap) {
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT json_extract(config, '$.%s') FROM runs WHERE id=%d", path,
             id);
    return sql_text(db, sql, out, cap);
}

#define ASSERT_STORED(id, path, want)                                                              \
    do {                                                                                           \
        char got_[600];                                                                            \
        cr_assert_str_eq(stored(id, path, got_, sizeof got_), want, "run %d: %s", id, path);       \
    } while (0)

/* What a user types, on the plain binary (the sanitized one makes the default model slow):
 * five steps on each built-in task. The keys that follow train.steps and data.train take
 * values that fit, and the run stores them. */
Test(config, five_steps_on_every_built_in_task) {
    static const char *const tasks[] = {"arith", "facts", "digest"};
    RunLimits plain = {.bin = exposure_plain_bin()};
    for (int i = 0; i < 3; i++) {
        char data[64];
        snprintf(data, sizeof data, "data.train=%s", tasks[i]);
        RunResult r = run_exposure_limited(
            (const char *[]){"train", "--db", db, "--set", "train.steps=5", "--set", data, NULL},
            &plain);
        cr_assert_eq(r.status, 0, "%s: %s", tasks[i], r.err);
        cr_assert_not_null(strstr(r.out, "completed: 5 steps"), "%s", r.out);
        run_free(&r);
        ASSERT_STORED(i + 1, "train.warmup", "0");
        ASSERT_STORED(i + 1, "train.eval_every", "0");
        ASSERT_STORED(i + 1, "train.checkpoint_every", "1");
        ASSERT_STORED(i + 1, "data.val", tasks[i]);
        ASSERT_STORED(i + 1, "data.test", tasks[i]);
    }
}

/* A JSONL file of one's own and a small context: validation is held out of the file, there is
 * no test data, and decoding fits the context. */
Test(config, a_small_context_on_a_file_of_ones_own) {
    char data[400];
    snprintf(data, sizeof data, "data.train=%s", small);
    RunResult r = run_exposure((const char *[]){"train", "--db", db, "--jsonl", SMALL_MODEL,
                                                "--set", "train.steps=20", "--set",
                                                "model.context=64", "--set", data, NULL},
                               NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "(38 train, 2 val)"), "%s", r.out);
    run_free(&r);
    ASSERT_STORED(1, "decode.max_new_tokens", "62");
    ASSERT_STORED(1, "data.val", "");
    ASSERT_STORED(1, "data.test", "");
    ASSERT_STORED(1, "train.warmup", "2");
    /* No test split: evaluating it says so, and how to evaluate a file instead. */
    r = run_exposure((const char *[]){"eval", "--db", db, "--run", "1", "--split", "test", NULL},
                     NULL);
    cr_assert_eq(r.status, 2, "%s", r.err);
    cr_assert_not_null(strstr(r.err, "data.test is empty"), "%s", r.err);
    cr_assert_not_null(strstr(r.err, "exposure eval --data FILE"), "%s", r.err);
    run_free(&r);
    r = run_exposure((const char *[]){"eval", "--db", db, "--run", "1", "--data", small, NULL},
                     NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "(40 examples)"), "%s", r.out);
    run_free(&r);
}

/* Dropped for length: how many of how many, the longest, and the context that keeps them. */
Test(config, examples_dropped_for_length_are_counted) {
    char data[400];
    snprintf(data, sizeof data, "data.train=%s", mixed);
    RunResult r = run_exposure((const char *[]){"train", "--db", db, "--quiet", SMALL_MODEL,
                                                "--set", "train.steps=3", "--set",
                                                "model.context=64", "--set", data, NULL},
                               NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.err, "examples longer than model.context (64 tokens); the "
                                     "longest needs 107 (model.context=107 keeps them all)"),
                       "%s", r.err);
    cr_assert_not_null(strstr(r.err, "dropped 2 of 38"), "%s", r.err);
    run_free(&r);
    /* Nothing fits: refused, with the counts and the context that would do. */
    r = run_exposure((const char *[]){"train", "--db", db, "--set", "model.context=64", NULL},
                     NULL);
    cr_assert_eq(r.status, 2, "%s", r.err);
    cr_assert_not_null(strstr(r.err, "train.jsonl): all 6000 examples are longer than "
                                     "model.context (64 tokens); the longest needs 227 "
                                     "(model.context=227 keeps them all)"),
                       "%s", r.err);
    run_free(&r);
    /* Evaluating with a context too small says the same of the file evaluated. */
    r = run_exposure((const char *[]){"eval", "--db", db, "--run", "1", "--data", mixed, NULL},
                     NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.err, "left out 2 of 40 examples longer than the run's "
                                     "model.context; the longest needs 107"),
                       "%s", r.err);
    run_free(&r);
}

/* Both sides set: refused before anything is stored, naming both keys, their values and
 * values that work, each of which then resolves. */
Test(config, a_conflict_between_keys_both_set_is_refused) {
    RunResult r = run_exposure((const char *[]){"train", "--db", db, "--set", "train.steps=5",
                                                "--set", "train.warmup=10", NULL},
                               NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "train.warmup (10) must be at most train.steps (5): set "
                                     "train.warmup to 5 or less, or train.steps to 10 or more"),
                       "%s", r.err);
    run_free(&r);
    cr_assert_neq(access(db, F_OK), 0, "nothing was stored");
    const char *fixes[][2] = {{"train.warmup=5", "train.steps=5"},
                              {"train.warmup=10", "train.steps=10"}};
    for (int i = 0; i < 2; i++) {
        r = run_exposure(
            (const char *[]){"config", "show", "--set", fixes[i][0], "--set", fixes[i][1], NULL},
            NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        run_free(&r);
    }
}

/* config show prints the resolved values; config keys says how each derived key follows. */
Test(config, show_prints_the_values_used_and_keys_the_rules) {
    RunResult r =
        run_exposure((const char *[]){"config", "show", "--set", "train.steps=50", "--set",
                                      "data.train=my.jsonl", "--set", "model.context=64", NULL},
                     NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    const char *want[] = {"\"warmup\":\t5,", "\"eval_every\":\t4,", "\"checkpoint_every\":\t16,",
                          "\"val\":\t\"\",", "\"test\":\t\"\",",    "\"max_new_tokens\":\t62,"};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        cr_assert_not_null(strstr(r.out, want[i]), "no %s in\n%s", want[i], r.out);
    run_free(&r);
    r = run_exposure((const char *[]){"config", "keys", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "train.warmup"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "when not set: the default, but at most train.steps / 10"),
                       "%s", r.out);
    run_free(&r);
}

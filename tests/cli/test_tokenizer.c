/* model.tokenizer through the whole tool: a run on GPT-2's vocabulary trains, evaluates,
 * records its vocabulary in its checkpoints, warm-starts only on it, and refuses a tokenizer
 * that is none. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"
#include "scratch.h"
#include "sql.h"

static char dir[] = "/tmp/exposure-tok-XXXXXX";
static char db[300], data[400];

/* 40 arith problems: a GPT-2-vocabulary model's head is 50,260 rows, so keep every pass small.
 * Their sequences need about 220 bytes but fewer than 96 GPT-2 tokens. */
static void setup(void) {
    scratch_create(dir, db, sizeof db, "runs.db");
    char path[300];
    snprintf(path, sizeof path, "%s/arith.jsonl", dir);
    snprintf(data, sizeof data, "data.train=%s", path);
    RunResult r = run_exposure(
        (const char *[]){"data", "gen", "arith", "--n", "40", "--seed", "3", "-o", path, NULL},
        NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
}
static void teardown(void) { scratch_remove(dir); }
TestSuite(tokenizer, .init = setup, .fini = teardown, .timeout = 240);

#define SMALL                                                                                      \
    "--set", data, "--set", "data.val=", "--set", "data.val_fraction=0.1", "--set",                \
        "train.batch=4", "--set", "train.eval_samples=4", "--set", "decode.max_new_tokens=12",     \
        "--set", "train.threads=1", "--set", "train.warmup=1", "--set", "train.steps=3", "--set",  \
        "train.eval_every=3"
#define SHAPE                                                                                      \
    "--set", "model.layers=1", "--set", "model.dim=16", "--set", "model.heads=2", "--set",         \
        "model.context=96"

static char *checkpoint_of(int64_t run, char *out, size_t cap) {
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT path FROM checkpoints WHERE run=%lld ORDER BY step DESC",
             (long long)run);
    return (char *)sql_text(db, sql, out, cap);
}

static int file_holds(const char *path, const char *needle) {
    size_t len, n = strlen(needle);
    char *buf = file_bytes(path, &len);
    cr_assert_not_null(buf, "%s", path);
    int found = 0;
    for (size_t i = 0; i + n <= len && !found; i++) found = memcmp(buf + i, needle, n) == 0;
    free(buf);
    return found;
}

Test(tokenizer, a_gpt2_run_trains_evaluates_records_its_vocabulary_and_warm_starts_on_it) {
    RunResult r =
        run_exposure((const char *[]){"train", "--db", db, "--quiet", SMALL, SHAPE, "--set",
                                      "model.tokenizer=gpt2", "--set", "method.name=rac", NULL},
                     NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    char text[4200];
    cr_assert_str_eq(sql_text(db, "SELECT json_extract(config, '$.model.tokenizer') FROM runs",
                              text, sizeof text),
                     "gpt2");
    /* The outputs are text: GPT-2 token ids beyond the bytes never show as "<?>". */
    cr_assert_eq(sql_double(db, "SELECT count(*) FROM samples WHERE output LIKE '%<?>%' OR "
                                "raw_output LIKE '%<?>%'"),
                 0);
    cr_assert(file_holds(checkpoint_of(1, text, sizeof text), "TOKN"));

    r = run_exposure((const char *[]){"eval", "--run", "1", "--db", db, "--jsonl", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "\"event\":\"sample\""), "%s", r.out);
    run_free(&r);

    r = run_exposure((const char *[]){"runs", "show", "1", "--db", db, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "\"tokenizer\": \"gpt2\""), "%s", r.out);
    run_free(&r);

    /* A warm start takes the checkpoint's tokenizer with its shape... */
    r = run_exposure((const char *[]){"train", "--db", db, "--quiet", SMALL, "--from", "1", NULL},
                     NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    cr_assert_str_eq(
        sql_text(db, "SELECT json_extract(config, '$.model.tokenizer') FROM runs WHERE id=2", text,
                 sizeof text),
        "gpt2");
    /* ...and refuses another one, naming the key. */
    r = run_exposure((const char *[]){"train", "--db", db, "--quiet", SMALL, "--from", "1", "--set",
                                      "model.tokenizer=byte", NULL},
                     NULL);
    cr_assert_eq(r.status, 2, "%s", r.err);
    cr_assert_not_null(strstr(r.err, "model.tokenizer is gpt2 there, byte here"), "%s", r.err);
    run_free(&r);
}

Test(tokenizer, the_default_stays_byte_and_its_checkpoints_have_no_vocabulary_section) {
    RunResult r = run_exposure((const char *[]){"train", "--db", db, "--quiet", SMALL, SHAPE,
                                                "--set", "model.context=256", NULL},
                               NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    char text[4200];
    cr_assert_str_eq(sql_text(db, "SELECT json_extract(config, '$.model.tokenizer') FROM runs",
                              text, sizeof text),
                     "byte");
    cr_assert(!file_holds(checkpoint_of(1, text, sizeof text), "TOKN"));
}

Test(tokenizer, a_tokenizer_that_is_none_is_refused) {
    const char *bad[] = {"model.tokenizer=gpt3", "model.tokenizer=/nonexistent/v.json"};
    const char *says[] = {"model.tokenizer: \"gpt3\" is not a tokenizer", "/nonexistent/v.json"};
    for (int i = 0; i < 2; i++) {
        RunResult r = run_exposure(
            (const char *[]){"train", "--db", db, "--quiet", SMALL, SHAPE, "--set", bad[i], NULL},
            NULL);
        cr_assert_eq(r.status, 2, "%s: %s", bad[i], r.err);
        cr_assert_not_null(strstr(r.err, says[i]), "%s", r.err);
        run_free(&r);
    }
}

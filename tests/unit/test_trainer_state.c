/* The trainer's state inside a checkpoint: what resuming accepts and what it refuses. A real
 * run of a tiny model writes the checkpoint; the tests then damage its state in one way each. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blob.h"
#include "checkpoint.h"
#include "datasource.h"
#include "store.h"
#include "trainer.h"

static char dir[] = "/tmp/exposure-state-XXXXXX";
static char db[300], data[300], ckpt[4096];

/* What a test needs: the run's config and corpus, the checkpoint's step and state blob. */
static Config cfg;
static Dataset ds;
static Corpus corpus;
static int64_t step;
static unsigned char *blob;
static size_t blob_len;
static char err[1024];

static void write_data(void) {
    FILE *f = fopen(data, "w");
    cr_assert_not_null(f);
    for (int i = 0; i < 12; i++)
        fprintf(f, "{\"prompt\":\"add %d and %d\",\"response\":\"%d\"}\n", i, i + 1, 2 * i + 1);
    cr_assert_eq(fclose(f), 0);
}

static void train_tiny_run(void) {
    config_defaults(&cfg);
    const char *sets[] = {"model.layers=1",
                          "model.dim=16",
                          "model.heads=2",
                          "model.context=32",
                          "train.steps=4",
                          "train.batch=2",
                          "train.warmup=0",
                          "train.threads=1",
                          "train.eval_every=0",
                          "train.eval_samples=2",
                          "train.checkpoint_every=2",
                          "decode.max_new_tokens=4",
                          "data.val=",
                          "data.val_fraction=0.25",
                          "method.name=bash"};
    for (size_t i = 0; i < sizeof sets / sizeof *sets; i++)
        cr_assert_eq(config_set(&cfg, sets[i], err, sizeof err), 0, "%s", err);
    char train[400];
    snprintf(train, sizeof train, "data.train=%s", data);
    cr_assert_eq(config_set(&cfg, train, err, sizeof err), 0, "%s", err);
    /* The config as the run stores it, which the state's config is checked against. */
    cr_assert_eq(config_resolve(&cfg, err, sizeof err), 0, "%s", err);
    TrainerOptions opt = {.db_path = db};
    Trainer *t;
    cr_assert_eq(trainer_start(&cfg, &opt, &t, err, sizeof err), 0, "%s", err);
    TrainerEvent ev;
    do cr_assert(trainer_wait_event(t, &ev, 60000), "the run stopped reporting");
    while (ev.kind != EV_DONE);
    cr_assert_str_eq(ev.status, "completed", "%s", ev.text);
    trainer_free(t);
}

static void load_state(void) {
    Store *s;
    cr_assert_eq(store_open(db, &s, err, sizeof err), 0, "%s", err);
    cr_assert_eq(store_last_checkpoint(s, 1, &step, ckpt, sizeof ckpt), 0);
    store_close(s);
    cr_assert_eq(datasource_load_split(&cfg, "train", &ds, err, sizeof err), 0, "%s", err);
    cr_assert_eq(corpus_build(&corpus, &ds, NULL, NULL, 0), 0);
    ModelConfig mc;
    cr_assert_eq(checkpoint_read_config(ckpt, &mc, err, sizeof err), 0, "%s", err);
    Model m;
    cr_assert_eq(model_init(&m, &mc, 1), 0);
    CheckpointState st;
    cr_assert_eq(checkpoint_load(ckpt, &m, &st, err, sizeof err), 0, "%s", err);
    model_free(&m);
    cr_assert_eq(st.step, step);
    blob = st.extra;
    blob_len = st.extra_len;
}

static void setup(void) {
    cr_assert_not_null(mkdtemp(dir));
    snprintf(db, sizeof db, "%s/runs.db", dir);
    snprintf(data, sizeof data, "%s/data.jsonl", dir);
    write_data();
    train_tiny_run();
    load_state();
}

static void teardown(void) {
    free(blob);
    corpus_free(&corpus);
    dataset_free(&ds);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(trainer_state, .init = setup, .fini = teardown, .timeout = 120);

static int check(const void *b, size_t len, int64_t at) {
    err[0] = '\0';
    return trainer_state_check(b, len, &cfg, &corpus, at, err, sizeof err);
}

/* The blob starts with a magic i32, then the config JSON as a length-prefixed string. */
static unsigned char *with_config(const char *json, size_t *len) {
    BlobReader r = {blob, blob_len, 0, 0};
    (void)blob_get_i32(&r);
    size_t old;
    cr_assert_not_null(blob_get_bytes(&r, 1 << 20, &old));
    BlobWriter w = {0};
    blob_put(&w, blob, 4);
    blob_put_bytes(&w, json, strlen(json));
    blob_put(&w, blob + r.pos, blob_len - r.pos);
    cr_assert_eq(w.failed, 0);
    *len = w.len;
    return w.data;
}

static char *config_json_with(const char *assignment) {
    Config c = cfg;
    cr_assert_eq(config_set(&c, assignment, err, sizeof err), 0, "%s", err);
    char *json = config_to_json(&c, 0);
    cr_assert_not_null(json);
    return json;
}

Test(trainer_state, the_written_state_is_accepted) {
    cr_assert_eq(step, 4);
    cr_assert_eq(check(blob, blob_len, step), 0, "%s", err);
}

Test(trainer_state, the_state_of_an_older_format_is_accepted) {
    /* XTR2, written before refreshes waited for omega > 0: the same layout, another magic. */
    unsigned char *older = malloc(blob_len);
    cr_assert_not_null(older);
    memcpy(older, blob, blob_len);
    cr_assert_eq(memcmp(older, "XTR3", 4), 0, "the state starts with its magic");
    memcpy(older, "XTR2", 4);
    cr_assert_eq(check(older, blob_len, step), 0, "%s", err);
    memcpy(older, "XTR1", 4);
    cr_assert_eq(check(older, blob_len, step), -1);
    cr_assert_str_eq(err, "trainer state missing");
    free(older);
}

Test(trainer_state, truncated_or_extended_state_is_damaged) {
    for (size_t cut = 1; cut < blob_len; cut += 1 + cut / 3) {
        cr_assert_eq(check(blob, blob_len - cut, step), -1, "cut %zu accepted", cut);
        cr_assert_neq(err[0], '\0');
    }
    unsigned char *longer = malloc(blob_len + 1);
    cr_assert_not_null(longer);
    memcpy(longer, blob, blob_len);
    longer[blob_len] = 0;
    cr_assert_eq(check(longer, blob_len + 1, step), -1);
    cr_assert_str_eq(err, "trainer state is damaged");
    free(longer);
}

Test(trainer_state, a_step_outside_the_run_is_refused) {
    cr_assert_eq(check(blob, blob_len, -1), -1);
    cr_assert_str_eq(err, "checkpoint step -1 is outside the run's 0..4 steps");
    cr_assert_eq(check(blob, blob_len, 5), -1);
    cr_assert_str_eq(err, "checkpoint step 5 is outside the run's 0..4 steps");
    cr_assert_eq(check(blob, blob_len, (int64_t)1 << 40), -1);
    /* The state records evaluation and self-generation steps up to 4: step 2 contradicts them
     * only where they are later, so an earlier step can be damaged or fine; never a crash. */
    (void)check(blob, blob_len, 2);
}

Test(trainer_state, self_generated_tokens_must_be_tokens) {
    /* The blob ends with the self-generated tokens, a length per example and an i32. */
    size_t n = (size_t)corpus.n,
           pool = corpus.off[n - 1] + (size_t)corpus.plen[n - 1] + (size_t)corpus.rlen[n - 1];
    size_t yhat = blob_len - 4 - n * sizeof(int) - pool * sizeof(token_t);
    const int32_t bad_tokens[] = {-1, TOK_COUNT, 1 << 30};
    for (size_t i = 0; i < sizeof bad_tokens / sizeof *bad_tokens; i++) {
        unsigned char *b = malloc(blob_len);
        cr_assert_not_null(b);
        memcpy(b, blob, blob_len);
        memcpy(b + yhat + 3 * sizeof(token_t), &bad_tokens[i], sizeof(int32_t));
        cr_assert_eq(check(b, blob_len, step), -1, "token %d accepted", bad_tokens[i]);
        cr_assert_str_eq(err, "trainer state is damaged");
        free(b);
    }
    const int32_t bad_lengths[] = {-1, corpus.rlen[0] + 1};
    for (size_t i = 0; i < sizeof bad_lengths / sizeof *bad_lengths; i++) {
        unsigned char *b = malloc(blob_len);
        cr_assert_not_null(b);
        memcpy(b, blob, blob_len);
        memcpy(b + blob_len - 4 - n * sizeof(int), &bad_lengths[i], sizeof(int32_t));
        cr_assert_eq(check(b, blob_len, step), -1, "length %d accepted", bad_lengths[i]);
        free(b);
    }
}

Test(trainer_state, the_model_and_batch_cannot_change_but_live_keys_can) {
    const char *fixed[][2] = {{"model.dim=32", "model.dim is 32 in the checkpoint, 16 in the run"},
                              {"model.context=64", "model.context is 64"},
                              {"train.batch=4", "train.batch is 4"},
                              {"train.steps=10", "train.steps is 10"}};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) {
        char *json = config_json_with(fixed[i][0]);
        size_t len;
        unsigned char *b = with_config(json, &len);
        cr_assert_eq(check(b, len, step), -1, "%s accepted", fixed[i][0]);
        cr_assert_not_null(strstr(err, fixed[i][1]), "%s: %s", fixed[i][0], err);
        free(b);
        free(json);
    }
    char *json = config_json_with("train.lr=0.01");
    size_t len;
    unsigned char *b = with_config(json, &len);
    cr_assert_eq(check(b, len, step), 0, "a live change refused: %s", err);
    free(b);
    free(json);
    b = with_config("{\"model\":", &len);
    cr_assert_eq(check(b, len, step), -1);
    cr_assert_str_eq(err, "checkpoint config:1: invalid JSON");
    free(b);
}

Test(trainer_state, other_training_data_is_refused) {
    Dataset fewer = {0};
    cr_assert_eq(datasource_load_split(&cfg, "train", &fewer, err, sizeof err), 0, "%s", err);
    dataset_truncate(&fewer, fewer.n - 1);
    Corpus c;
    cr_assert_eq(corpus_build(&c, &fewer, NULL, NULL, 0), 0);
    cr_assert_eq(trainer_state_check(blob, blob_len, &cfg, &c, step, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "the training data has changed since the checkpoint"), "%s",
                       err);
    corpus_free(&c);
    dataset_free(&fewer);
}

/* Resuming from a checkpoint whose state is damaged is refused as bad input, naming the file,
 * and leaves the run as it was. */
Test(trainer_state, resuming_from_a_damaged_state_is_refused) {
    ModelConfig mc;
    cr_assert_eq(checkpoint_read_config(ckpt, &mc, err, sizeof err), 0, "%s", err);
    Model m;
    cr_assert_eq(model_init(&m, &mc, 1), 0);
    CheckpointState st;
    cr_assert_eq(checkpoint_load(ckpt, &m, &st, err, sizeof err), 0, "%s", err);
    char *json = config_json_with("model.heads=4");
    size_t len;
    unsigned char *b = with_config(json, &len);
    free(st.extra);
    st.extra = b;
    st.extra_len = len;
    cr_assert_eq(checkpoint_save(ckpt, &m, &st, err, sizeof err), 0, "%s", err);
    model_free(&m);
    free(b);
    free(json);

    Store *s;
    cr_assert_eq(store_open(db, &s, err, sizeof err), 0, "%s", err);
    cr_assert_eq(store_set_status(s, 1, "stopped"), 0);
    store_close(s);
    TrainerOptions opt = {.db_path = db, .resume = 1};
    Trainer *t = NULL;
    cr_assert_eq(trainer_start(&cfg, &opt, &t, err, sizeof err), TRAINER_EINPUT);
    cr_assert_null(t);
    cr_assert_not_null(strstr(err, ckpt), "%s", err);
    cr_assert_not_null(strstr(err, "model.heads is 4 in the checkpoint, 2 in the run"), "%s", err);
    cr_assert_eq(store_open(db, &s, err, sizeof err), 0, "%s", err);
    RunRow run;
    cr_assert_eq(store_get_run(s, 1, &run), 0);
    cr_assert_str_eq(run.status, "stopped");
    run_row_free(&run);
    store_close(s);
}

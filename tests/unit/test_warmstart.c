/* Warm starts (train.init_from): finding the checkpoint, the shape check, loading the weights
 * with a fresh optimizer, and a run started from another run's weights, checked exactly
 * against the parent: its evaluation at step 0, its first step's loss, its first optimizer
 * step, its lineage. Then when self-generated tokens are refreshed. */
#include <cblas.h>
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datasource.h"
#include "mixing.h"
#include "selfgen.h"
#include "store.h"
#include "streams.h"
#include "trainer.h"
#include "warmstart.h"

static char dir[] = "/tmp/exposure-warm-XXXXXX";
static char db[300], data[300];
static char err[2048];

static void write_data(void) {
    FILE *f = fopen(data, "w");
    cr_assert_not_null(f);
    for (int i = 0; i < 12; i++)
        fprintf(f, "{\"prompt\":\"add %d and %d\",\"response\":\"%d\"}\n", i, i + 1, 2 * i + 1);
    cr_assert_eq(fclose(f), 0);
}

static void setup(void) {
    cr_assert_not_null(mkdtemp(dir));
    snprintf(db, sizeof db, "%s/runs.db", dir);
    snprintf(data, sizeof data, "%s/data.jsonl", dir);
    write_data();
}

static void teardown(void) {
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(warmstart, .init = setup, .fini = teardown, .timeout = 180);

/* A tiny run's config on the data file, then the assignments given. */
static Config tiny_config(const char *const *extra, int n_extra) {
    Config c;
    config_defaults(&c);
    const char *sets[] = {"model.layers=1",
                          "model.dim=16",
                          "model.heads=2",
                          "model.context=32",
                          "train.steps=6",
                          "train.batch=3",
                          "train.warmup=2",
                          "train.threads=1",
                          "train.eval_every=3",
                          "train.eval_samples=3",
                          "train.checkpoint_every=3",
                          "decode.max_new_tokens=4",
                          "data.val=",
                          "data.val_fraction=0.25"};
    for (size_t i = 0; i < sizeof sets / sizeof *sets; i++)
        cr_assert_eq(config_set(&c, sets[i], err, sizeof err), 0, "%s", err);
    snprintf(c.data.train, sizeof c.data.train, "%s", data);
    for (int i = 0; i < n_extra; i++)
        cr_assert_eq(config_set(&c, extra[i], err, sizeof err), 0, "%s: %s", extra[i], err);
    return c;
}

/* Trains cfg to the end; returns the run's id. */
static int64_t train(const Config *cfg) {
    TrainerOptions opt = {.db_path = db};
    Trainer *t;
    cr_assert_eq(trainer_start(cfg, &opt, &t, err, sizeof err), 0, "%s", err);
    TrainerEvent ev;
    do cr_assert(trainer_wait_event(t, &ev, 60000), "the run stopped reporting");
    while (ev.kind != EV_DONE);
    cr_assert_str_eq(ev.status, "completed", "%s", ev.text);
    TrainerSnapshot snap;
    trainer_snapshot(t, &snap);
    trainer_free(t);
    return snap.run_id;
}

static int64_t train_with(const char *const *extra, int n_extra) {
    Config c = tiny_config(extra, n_extra);
    return train(&c);
}

static Store *open_store(void) {
    Store *s;
    cr_assert_eq(store_open(db, &s, err, sizeof err), 0, "%s", err);
    return s;
}

static double metric_at(Store *s, int64_t run, const char *key, int64_t step) {
    int64_t *steps;
    double *values;
    int n;
    cr_assert_eq(store_metric_series(s, run, key, &steps, &values, NULL, &n), 0);
    double v = NAN;
    for (int i = 0; i < n; i++)
        if (steps[i] == step) v = values[i];
    free(steps);
    free(values);
    cr_assert(!isnan(v), "run %lld has no %s at step %lld", (long long)run, key, (long long)step);
    return v;
}

/* ---- finding the checkpoint ---------------------------------------------------------------- */

Test(warmstart, a_run_id_names_its_latest_checkpoint_and_id_step_one_of_them) {
    int64_t parent = train_with(NULL, 0); /* checkpoints at steps 3 and 6 */
    WarmStart ws;
    cr_assert_eq(warmstart_find(db, "1", &ws, err, sizeof err), 0, "%s", err);
    cr_assert_eq(ws.run, parent);
    cr_assert_eq(ws.step, 6);
    cr_assert_not_null(strstr(ws.path, "step-000006.ckpt"), "%s", ws.path);
    cr_assert(ws.shape.layers == 1 && ws.shape.dim == 16 && ws.shape.heads == 2 &&
              ws.shape.context == 32);
    cr_assert_eq(warmstart_find(db, "1:3", &ws, err, sizeof err), 0, "%s", err);
    cr_assert_eq(ws.step, 3);
    cr_assert_not_null(strstr(ws.path, "step-000003.ckpt"), "%s", ws.path);

    /* A file named directly: its run and step are found in the store. */
    char path[LIMIT_PATH_BYTES];
    snprintf(path, sizeof path, "%s", ws.path);
    cr_assert_eq(warmstart_find(db, path, &ws, err, sizeof err), 0, "%s", err);
    cr_assert_eq(ws.run, parent);
    cr_assert_eq(ws.step, 3);
    /* A copy elsewhere is a file of no run. */
    char copy[400], cmd[LIMIT_PATH_BYTES + 500];
    snprintf(copy, sizeof copy, "%s/start.ckpt", dir);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", path, copy);
    cr_assert_eq(system(cmd), 0);
    cr_assert_eq(warmstart_find(db, copy, &ws, err, sizeof err), 0, "%s", err);
    cr_assert_eq(ws.run, 0);
    cr_assert_eq(ws.step, -1, "the step of a file is read when it is loaded");
}

Test(warmstart, what_cannot_be_started_from_is_refused_by_name) {
    char nowhere[400];
    snprintf(nowhere, sizeof nowhere, "%s/none.db", dir);
    WarmStart ws;
    cr_assert_eq(warmstart_find(nowhere, "4", &ws, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "train.init_from: no run 4: there is no run store at"), "%s",
                       err);
    cr_assert_neq(access(nowhere, F_OK), 0, "looking created nothing");

    train_with(NULL, 0);
    Store *s = open_store();
    NewRun failed = {.name = "failed", .method = "baseline", .steps = 10};
    cr_assert_eq(store_create_run(s, &failed), 2);
    cr_assert_eq(store_set_status(s, 2, "failed"), 0);
    store_close(s);
    const struct {
        const char *init_from, *message;
    } cases[] = {
        {"9", "train.init_from: no run 9 in "},
        {"2", "train.init_from: run 2 (failed) has no checkpoint to start from"},
        {"1:4", "train.init_from: run 1 has no checkpoint at step 4; it has checkpoints at steps "
                "3 and 6"},
        {"1:x", "train.init_from: 1:x: No such file or directory"},
        {db, "is the run database this program has open"},
        {dir, "not a regular file, not a checkpoint"},
        {data, "not an exposure checkpoint"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        err[0] = '\0';
        cr_assert_eq(warmstart_find(db, cases[i].init_from, &ws, err, sizeof err), -1, "%s",
                     cases[i].init_from);
        cr_assert_not_null(strstr(err, cases[i].message), "%s: %s", cases[i].init_from, err);
    }
}

Test(warmstart, a_shape_that_differs_is_refused_naming_each_key_and_both_values) {
    train_with(NULL, 0);
    const char *other[] = {"train.init_from=1", "model.layers=2", "model.dim=32", "model.heads=4"};
    Config c = tiny_config(other, 4);
    WarmStart ws;
    cr_assert_eq(warmstart_adopt_shape(&c, db, &ws, err, sizeof err), 0, "%s", err);
    cr_assert_eq(ws.step, 6);
    cr_assert_eq(config_resolve(&c, err, sizeof err), -1);
    cr_assert_str_eq(err, "train.init_from: run 1 at step 6 is a model of another shape: "
                          "model.layers is 1 there, 2 here; model.dim is 16 there, 32 here; "
                          "model.heads is 2 there, 4 here (leave those keys unset to take the "
                          "checkpoint's)");
    config_unset(&c, "model.layers");
    config_unset(&c, "model.dim");
    config_unset(&c, "model.heads");
    cr_assert_eq(config_resolve(&c, err, sizeof err), 0, "%s", err);
    cr_assert(c.model.layers == 1 && c.model.dim == 16 && c.model.heads == 2);

    /* The trainer refuses it the same way, before anything is stored. */
    const char *sets[] = {"train.init_from=1", "model.context=64"};
    c = tiny_config(sets, 2);
    TrainerOptions opt = {.db_path = db};
    Trainer *t = NULL;
    cr_assert_eq(trainer_start(&c, &opt, &t, err, sizeof err), TRAINER_EINPUT);
    cr_assert_not_null(strstr(err, "model.context is 32 there, 64 here"), "%s", err);
    Store *s = open_store();
    cr_assert_eq(store_run_exists(s, 2), 0, "a refused warm start stores no run");
    store_close(s);
}

/* The shape keys not set are the checkpoint's, and the keys that follow them follow it; a
 * config whose train.init_from has changed since forgets the checkpoint's shape. */
Test(warmstart, shape_keys_not_set_take_the_checkpoints_and_the_rest_follow_them) {
    train_with(NULL, 0); /* 1 layer, dim 16, 2 heads, context 32 */
    Config c;
    config_defaults(&c);
    cr_assert_eq(config_set(&c, "train.init_from=1:3", err, sizeof err), 0, "%s", err);
    cr_assert_eq(warmstart_adopt_shape(&c, db, NULL, err, sizeof err), 0, "%s", err);
    cr_assert_eq(config_resolve(&c, err, sizeof err), 0, "%s", err);
    cr_assert(c.model.layers == 1 && c.model.dim == 16 && c.model.heads == 2 &&
                  c.model.context == 32,
              "%d %d %d %d", c.model.layers, c.model.dim, c.model.heads, c.model.context);
    cr_assert(!config_is_set(&c, "model.dim"), "taken, not set by the user");
    cr_assert_eq(c.decode.max_new_tokens, 30, "at most the checkpoint's context - 2");
    /* A generation longer than the checkpoint's context is refused: it cannot grow. */
    Config longer = c;
    cr_assert_eq(config_set(&longer, "decode.max_new_tokens=40", err, sizeof err), 0);
    cr_assert_eq(config_resolve(&longer, err, sizeof err), -1);
    cr_assert_str_eq(err, "decode.max_new_tokens (40) must be at most model.context - 2 (30): set "
                          "decode.max_new_tokens to 30 or less (model.context is the one of run "
                          "1 at step 3, train.init_from)");
    /* From scratch again: the defaults. */
    cr_assert_eq(config_set(&c, "train.init_from=", err, sizeof err), 0, "%s", err);
    cr_assert_eq(config_resolve(&c, err, sizeof err), 0, "%s", err);
    Config def;
    config_defaults(&def);
    cr_assert(c.model.layers == def.model.layers && c.model.dim == def.model.dim &&
              c.model.context == def.model.context);
    cr_assert_eq(c.decode.max_new_tokens, def.decode.max_new_tokens);
    /* Without train.init_from there is nothing to read. */
    cr_assert_eq(warmstart_adopt_shape(&c, "/nonexistent/runs.db", NULL, err, sizeof err), 0);
}

Test(warmstart, loading_takes_the_weights_bit_for_bit_and_leaves_the_optimizer_behind) {
    const ModelConfig mc = {.layers = 1, .dim = 16, .heads = 2, .context = 32, .vocab = TOK_COUNT};
    Model saved, loaded;
    cr_assert_eq(model_init(&saved, &mc, 1), 0);
    cr_assert_eq(model_init(&loaded, &mc, 1), 0);
    model_init_weights(&saved, 5);
    model_init_weights(&loaded, 6);
    for (size_t i = 0; i < saved.num_params; i++) {
        saved.adam_m[i] = 0.5f;
        saved.adam_v[i] = 0.25f;
        loaded.adam_m[i] = 1.0f;
        loaded.adam_v[i] = 1.0f;
        loaded.grads[i] = 1.0f;
    }
    char path[400];
    snprintf(path, sizeof path, "%s/saved.ckpt", dir);
    CheckpointState st = {.step = 42};
    cr_assert_eq(checkpoint_save(path, &saved, &st, err, sizeof err), 0, "%s", err);
    WarmStart ws;
    cr_assert_eq(warmstart_find(NULL, path, &ws, err, sizeof err), 0, "%s", err);
    cr_assert_eq(warmstart_load(&ws, &loaded, err, sizeof err), 0, "%s", err);
    cr_assert_eq(memcmp(loaded.params, saved.params, saved.num_params * sizeof(float)), 0);
    for (size_t i = 0; i < loaded.num_params; i++)
        cr_assert(loaded.adam_m[i] == 0 && loaded.adam_v[i] == 0 && loaded.grads[i] == 0,
                  "element %zu", i);
    cr_assert_eq(ws.step, 42);
    /* The identity is the hash of the parameters' bytes. */
    uint64_t h = 0xCBF29CE484222325ull;
    const unsigned char *p = (const unsigned char *)saved.params;
    for (size_t i = 0; i < saved.num_params * sizeof(float); i++) h = (h ^ p[i]) * 0x100000001B3ull;
    char want[32];
    checkpoint_params_id(h, want, sizeof want);
    cr_assert_str_eq(ws.params_id, want);
    model_free(&saved);
    model_free(&loaded);
}

/* ---- a warm-started run -------------------------------------------------------------------- */

/* The parent's weights on the child's first batch: the loss of its first step, before any
 * update. The batch is the trainer's: the first train.batch examples of the shuffle of seed's
 * data-order stream. */
static float parent_loss_on_first_batch(const Config *child, const char *ckpt) {
    Dataset ds;
    Corpus corpus;
    cr_assert_eq(datasource_load_split(child, "train", &ds, err, sizeof err), 0, "%s", err);
    cr_assert_eq(corpus_build(&corpus, &ds, NULL, NULL, 0), 0);
    int perm[64], B = child->train.batch;
    cr_assert_leq(corpus.n, 64);
    Rng r;
    rng_seed(&r, stream_seed(STREAM_DATA_ORDER, (uint64_t)child->train.seed, 0));
    for (int i = 0; i < corpus.n; i++) perm[i] = i;
    rng_shuffle(&r, perm, corpus.n);
    ModelConfig mc = {1, 16, 2, 32, TOK_COUNT};
    Model m;
    Batch b;
    cr_assert_eq(model_init(&m, &mc, B), 0);
    cr_assert_eq(batch_alloc(&b, B, mc.context), 0);
    CheckpointState st;
    cr_assert_eq(checkpoint_load(ckpt, &m, &st, err, sizeof err), 0, "%s", err);
    free(st.extra);
    corpus_batch(&corpus, perm, B, &b);
    float loss = model_forward(&m, &b);
    batch_free(&b);
    model_free(&m);
    corpus_free(&corpus);
    dataset_free(&ds);
    return loss;
}

Test(warmstart, a_warm_start_begins_exactly_where_the_parent_stands) {
    openblas_set_num_threads(1);
    const char *parent_sets[] = {"train.seed=3"};
    int64_t parent = train_with(parent_sets, 1);
    /* Another seed, data order, schedule length and method than the parent's. */
    const char *child_sets[] = {"train.init_from=1", "train.seed=8",   "train.steps=4",
                                "train.warmup=3",    "train.lr=0.002", "train.checkpoint_every=1"};
    Config child = tiny_config(child_sets, 6);
    int64_t id = train(&child);
    Store *s = open_store();

    /* Its evaluation before any step is the parent's last one, to the bit. */
    for (const char *k = "val/loss\0val/tf_acc\0val/fr_acc\0val/em\0"; *k; k += strlen(k) + 1)
        cr_assert_eq(metric_at(s, id, k, 0), metric_at(s, parent, k, 6), "%s", k);
    /* Its first step's loss is the parent's weights' loss on that batch. */
    char ckpt[LIMIT_PATH_BYTES];
    int64_t step;
    cr_assert_eq(store_last_checkpoint(s, parent, &step, ckpt, sizeof ckpt), 0);
    float expect = parent_loss_on_first_batch(&child, ckpt);
    cr_assert_eq(metric_at(s, id, "loss", 1), (double)expect, "%.9g, the parent's %.9g",
                 metric_at(s, id, "loss", 1), (double)expect);
    /* Its own learning-rate schedule: step 1 of 3 of its warm-up. */
    cr_assert_eq(metric_at(s, id, "lr", 1), (double)(0.002f * 1.0f / 3.0f),
                 "the first step's lr is the child's own warm-up, not the parent's decayed lr");

    /* Its first optimizer step started from zero moments: m = (1 - b1) g and v = (1 - b2) g^2,
     * so v (1 - b1)^2 = m^2 (1 - b2). The parent's moments would break that. */
    CheckpointRow *ck;
    int n;
    cr_assert_eq(store_checkpoints(s, id, &ck, &n), 0);
    cr_assert_eq(ck[0].step, 1);
    ModelConfig mc = {1, 16, 2, 32, TOK_COUNT};
    Model m;
    cr_assert_eq(model_init(&m, &mc, 1), 0);
    CheckpointState st;
    cr_assert_eq(checkpoint_load(ck[0].path, &m, &st, err, sizeof err), 0, "%s", err);
    free(st.extra);
    const double b1 = 0.9, b2 = 0.95;
    size_t checked = 0;
    for (size_t i = 0; i < m.num_params; i++) {
        double mo = m.adam_m[i], v = m.adam_v[i];
        if (v < 1e-20) continue;
        double lhs = v * (1 - b1) * (1 - b1), rhs = mo * mo * (1 - b2);
        cr_assert(fabs(lhs - rhs) <= 1e-3 * lhs, "element %zu: m %g, v %g", i, mo, v);
        checked++;
    }
    cr_assert_gt(checked, m.num_params / 2);
    model_free(&m);
    for (int i = 0; i < n; i++) checkpoint_row_free(&ck[i]);
    free(ck);

    /* The lineage: parent, step, file and the weights' identity. */
    RunRow row;
    cr_assert_eq(store_get_run(s, id, &row), 0);
    cr_assert_eq(row.parent, parent);
    cr_assert_eq(row.parent_step, 6);
    cr_assert_str_eq(row.parent_checkpoint, ckpt);
    cr_assert_eq(strncmp(row.parent_params, "fnv1a64:", 8), 0, "%s", row.parent_params);
    cr_assert_not_null(strstr(row.name, "-s8-from1"), "%s", row.name);
    run_row_free(&row);
    store_close(s);
}

/* ---- when self-generated tokens are refreshed ---------------------------------------------- */

TestSuite(selfgen_refresh, .init = setup, .fini = teardown, .timeout = 180);

/* The steps among 0..steps-1 at which every example's tokens are refreshed. */
static int refresh_steps(const ScheduleConfig *sc, int refresh, int steps, int batch, int n,
                         int *out) {
    int last = -1, count = 0;
    for (int s = 0; s < steps; s++)
        if (selfgen_refresh_due(refresh, s, last, mixing_omega(sc, s, steps), batch, n))
            out[count++] = last = s;
    return count;
}

#define EXPECT_STEPS(got, n, ...)                                                                  \
    do {                                                                                           \
        const int want[] = {__VA_ARGS__};                                                          \
        cr_assert_eq(n, (int)(sizeof want / sizeof *want), "%d refreshes", n);                     \
        for (int i_ = 0; i_ < n; i_++) cr_assert_eq(got[i_], want[i_], "refresh %d", i_ + 1);      \
    } while (0)

Test(selfgen_refresh, the_first_refresh_waits_for_omega_and_the_period_counts_from_it) {
    /* omega 0 until step 5, then 0.5; epochs of 10 examples at 4 a step: 2.5 steps. */
    ScheduleConfig sc = {.kind = SCHED_PIECEWISE, .points = {3, {0, 5, 6}, {0, 0, 0.5f}}};
    int got[64], n;
    n = refresh_steps(&sc, REFRESH_EPOCH, 16, 4, 10, got);
    EXPECT_STEPS(got, n, 6, 9, 12, 15);
    n = refresh_steps(&sc, 4, 16, 4, 10, got);
    EXPECT_STEPS(got, n, 6, 10, 14);
    n = refresh_steps(&sc, 1, 9, 4, 10, got);
    EXPECT_STEPS(got, n, 6, 7, 8);
    n = refresh_steps(&sc, REFRESH_BATCH, 16, 4, 10, got);
    cr_assert_eq(n, 0, "batch refreshes each batch's examples, never all of them");
    /* An epoch of 8 examples at 4 a step is exactly 2 steps. */
    n = refresh_steps(&sc, REFRESH_EPOCH, 12, 4, 8, got);
    EXPECT_STEPS(got, n, 6, 8, 10);
}

Test(selfgen_refresh, omega_from_the_first_step_refreshes_at_step_0) {
    ScheduleConfig sc = {.kind = SCHED_CONSTANT, .value = 0.25f};
    int got[64], n = refresh_steps(&sc, REFRESH_EPOCH, 10, 3, 9, got);
    EXPECT_STEPS(got, n, 0, 3, 6, 9);
    /* A schedule that is never positive never refreshes. */
    sc.value = 0;
    cr_assert_eq(refresh_steps(&sc, 2, 10, 3, 9, got), 0);
    /* A linear ramp from 0 at step 0 is positive from step 1. */
    sc = (ScheduleConfig){.kind = SCHED_LINEAR, .start = 0, .end = 1, .to_step = -1};
    n = refresh_steps(&sc, 3, 10, 3, 9, got);
    EXPECT_STEPS(got, n, 1, 4, 7);
}

Test(selfgen_refresh, omega_back_at_0_pauses_refreshes_and_stale_tokens_are_refreshed_on_return) {
    /* omega 1 at steps 4..6, 0 at 7..12, 1 again from 13. */
    ScheduleConfig sc = {.kind = SCHED_PIECEWISE,
                         .points = {6, {3, 4, 6, 7, 12, 13}, {0, 1, 1, 0, 0, 1}}};
    int got[64], n = refresh_steps(&sc, 2, 16, 4, 10, got);
    EXPECT_STEPS(got, n, 4, 6, 13, 15);
    /* Tokens younger than the period are used as they are when omega returns. */
    n = refresh_steps(&sc, 10, 16, 4, 10, got);
    EXPECT_STEPS(got, n, 4, 14);
}

/* The trainer refreshes exactly there, records each refresh as an event, and a live change
 * that turns omega on later moves the first refresh with it. */
static int stored_refreshes(int64_t run, int *out) {
    Store *s = open_store();
    EventRow *ev;
    int n, count = 0;
    cr_assert_eq(store_events(s, run, &ev, &n), 0);
    for (int i = 0; i < n; i++) {
        if (!strcmp(ev[i].kind, "refresh")) out[count++] = (int)ev[i].step;
        event_row_free(&ev[i]);
    }
    free(ev);
    store_close(s);
    return count;
}

Test(selfgen_refresh, the_trainer_refreshes_at_those_steps) {
    /* 9 training examples at 3 a step: an epoch is 3 steps. omega turns on at step 4. */
    const char *sets[] = {"method.name=bash", "method.schedule.kind=piecewise",
                          "method.schedule.points=[[0,0],[4,0],[5,0.5]]", "train.steps=12",
                          "method.selfgen.refresh=epoch"};
    int got[64], n;
    int64_t id = train_with(sets, 5);
    n = stored_refreshes(id, got);
    EXPECT_STEPS(got, n, 5, 8, 11);
    const char *every_4[] = {"method.name=rac", "method.schedule.kind=piecewise",
                             "method.schedule.points=[[0,0],[4,0],[5,0.5]]", "train.steps=12",
                             "method.selfgen.refresh=4"};
    id = train_with(every_4, 5);
    n = stored_refreshes(id, got);
    EXPECT_STEPS(got, n, 5, 9);

    /* A live change at step 7 turns a constant omega of 0 positive. */
    const char *off[] = {"method.name=bash", "method.schedule.kind=constant",
                         "method.schedule.value=0", "train.steps=12", "method.selfgen.refresh=2"};
    Config c = tiny_config(off, 5);
    TrainerOptions opt = {.db_path = db};
    Trainer *t;
    cr_assert_eq(trainer_start(&c, &opt, &t, err, sizeof err), 0, "%s", err);
    TrainerEvent ev;
    int changed = 0;
    do {
        cr_assert(trainer_wait_event(t, &ev, 60000), "the run stopped reporting");
        if (ev.kind == EV_STEP && ev.step == 6 && !changed) {
            trainer_pause(t);
            changed = 1;
        }
    } while (ev.kind != EV_DONE && !changed);
    /* Paused after step 6 or a little later: the change applies before the next step. */
    TrainerSnapshot snap;
    do {
        usleep(1000);
        trainer_snapshot(t, &snap);
    } while (snap.phase != PHASE_PAUSED && snap.phase != PHASE_FINISHED);
    int at = snap.step;
    cr_assert_eq(trainer_set(t, "method.schedule.value=0.5", err, sizeof err), 0, "%s", err);
    trainer_resume(t);
    do cr_assert(trainer_wait_event(t, &ev, 60000), "the run stopped reporting");
    while (ev.kind != EV_DONE);
    cr_assert_str_eq(ev.status, "completed", "%s", ev.text);
    trainer_free(t);
    n = stored_refreshes(snap.run_id, got);
    cr_assert_geq(n, 1);
    cr_assert_eq(got[0], at, "the first refresh is at the first step with omega > 0 (%d)", at);
    for (int i = 1; i < n; i++) cr_assert_eq(got[i], got[i - 1] + 2);
}

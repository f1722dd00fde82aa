/* Everything before the first step: config, data, model, store; for a new run or a resumed
 * one. Errors the user can fix return TRAINER_EINPUT, the rest TRAINER_ERUNTIME. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "datasource.h"
#include "capacity.h"
#include "streams.h"
#include "nn.h"
#include "trainer_internal.h"
#include "util.h"

/* What would keep every example: a larger model.context, when there can be one. */
static void raise_context_hint(int longest, char *out, size_t cap) {
    if (longest <= LIMIT_CONTEXT) snprintf(out, cap, "model.context=%d keeps them all", longest);
    else snprintf(out, cap, "more than model.context can be (%d)", LIMIT_CONTEXT);
}

/* Drops what does not fit the context, telling the user how many of how many, the longest,
 * and the context that would keep them; refuses data of which nothing is left. */
static int fit_context(Trainer *t, Dataset *d, const char *what, char *err, size_t cap) {
    int context = t->cfg.model.context, before = d->n, longest = dataset_longest(d);
    int dropped = dataset_drop_longer_than(d, context);
    char hint[96];
    raise_context_hint(longest, hint, sizeof hint);
    if (before > 0 && d->n == 0) {
        snprintf(err, cap,
                 "%s (%.300s): all %d examples are longer than model.context (%d tokens); the "
                 "longest needs %d (%s)",
                 what, d->path, before, context, longest, hint);
        return TRAINER_EINPUT;
    }
    if (dropped)
        trainer_note(t,
                     "%s (%.300s): dropped %d of %d examples longer than model.context (%d "
                     "tokens); the longest needs %d (%s)",
                     what, d->path, dropped, before, context, longest, hint);
    return 0;
}

/* model.tokenizer's vocabulary; a warm start's checkpoint must have been trained on it. */
static int open_vocab(Trainer *t, char *err, size_t cap) {
    if (!(t->vocab = vocab_open(t->cfg.model.tokenizer, err, cap))) return TRAINER_EINPUT;
    const WarmStart *p = &t->parent;
    if (!p->path[0]) return 0;
    char what[LIMIT_PATH_BYTES + 64];
    warmstart_describe(p, what, sizeof what);
    const char *have = checkpoint_tokenizer_is_byte(&p->tokenizer) ? "byte" : p->tokenizer.identity;
    if (strcmp(have, vocab_identity(t->vocab)) != 0 ||
        p->shape.vocab != vocab_ids(t->vocab)->count) {
        snprintf(err, cap,
                 "train.init_from: %s was trained on another vocabulary (%s, %d ids) than "
                 "model.tokenizer %s gives (%s, %d ids)",
                 what, have, p->shape.vocab, t->cfg.model.tokenizer, vocab_identity(t->vocab),
                 vocab_ids(t->vocab)->count);
        return TRAINER_EINPUT;
    }
    return 0;
}

static int load_data(Trainer *t, char *err, size_t cap) {
    const Config *c = &t->cfg;
    if (datasource_load_split(c, "train", &t->train_ds, err, cap) ||
        datasource_load_split(c, "val", &t->val_ds, err, cap) ||
        vocab_measure(t->vocab, &t->train_ds, err, cap) ||
        vocab_measure(t->vocab, &t->val_ds, err, cap))
        return TRAINER_EINPUT;
    if (fit_context(t, &t->train_ds, "training data", err, cap) ||
        fit_context(t, &t->val_ds, "validation data", err, cap))
        return TRAINER_EINPUT;
    if (t->val_ds.n == 0) {
        snprintf(err, cap,
                 "no validation examples: data.val is empty and data.val_fraction (%g) of the "
                 "%d examples of %.300s is none; set data.val to a file",
                 (double)c->data.val_fraction, t->train_ds.n, t->train_ds.path);
        return TRAINER_EINPUT;
    }
    t->gsm8k = t->train_ds.layout == LAYOUT_QUESTION_ANSWER;
    if (corpus_build(&t->train, &t->train_ds, t->vocab, err, cap) ||
        corpus_build(&t->val, &t->val_ds, t->vocab, err, cap))
        return TRAINER_EINPUT;
    if (selfgen_init(&t->sg, &t->train)) {
        snprintf(err, cap, "out of memory preparing the data");
        return TRAINER_ERUNTIME;
    }
    return 0;
}

static ModelConfig model_config(const Trainer *t) {
    const Config *c = &t->cfg;
    return (ModelConfig){c->model.layers, c->model.dim, c->model.heads, c->model.context,
                         vocab_ids(t->vocab)->count};
}

/* The rows of every batch this process works on: all of them, or its share in a job of
 * several processes. */
static int local_rows(const Config *c) {
    int lo, hi;
    trainer_share(c->train.batch, &lo, &hi);
    return hi - lo;
}

static int fits_ranks(const Trainer *t, char *err, size_t cap) {
    if (t->cfg.train.batch >= dist_size()) return 0;
    snprintf(err, cap, "train.batch: %d rows cannot be shared by %d processes (at least one each)",
             t->cfg.train.batch, dist_size());
    return TRAINER_EINPUT;
}

/* One thread per core by default, the cores shared by the ranks on this host. */
static int thread_count(const Config *c) {
    if (c->train.threads > 0) return c->train.threads;
    int n = (int)sysconf(_SC_NPROCESSORS_ONLN) / dist_local_size();
    return n > 1 ? n : 1;
}

/* Refuses a model the machine cannot hold before anything is allocated for it: once before the
 * data is loaded, so that the answer is immediate, and again after, when the memory the data
 * took is no longer available. */
static int check_memory(const Trainer *t, char *err, size_t cap) {
    ModelConfig mc = model_config(t);
    MemoryAvailable avail = capacity_memory_available();
    if (capacity_check_memory(&mc, local_rows(&t->cfg), 2, DECODE_BATCH, thread_count(&t->cfg),
                              &avail, err, cap))
        return TRAINER_EINPUT;
    return 0;
}

static int alloc_compute(Trainer *t, char *err, size_t cap) {
    const Config *c = &t->cfg;
    ModelConfig mc = model_config(t);
    int rc = check_memory(t, err, cap);
    if (rc) return rc;
    int rows = local_rows(c);
    if (model_init(&t->model, &mc, rows) || model_set_threads(&t->model, thread_count(c)) ||
        batch_alloc(&t->batch, rows, mc.context) || batch_alloc(&t->scratch, rows, mc.context) ||
        !(t->dec = decoder_new(&t->model, DECODE_BATCH)) ||
        !(t->perm = malloc((size_t)t->train.n * sizeof *t->perm))) {
        snprintf(err, cap, "out of memory for a model of %d layers, dim %d, context %d, batch %d",
                 mc.layers, mc.dim, mc.context, c->train.batch);
        return TRAINER_ERUNTIME;
    }
    t->oc = (OptimConfig){.lr = c->train.lr,
                          .min_lr_frac = c->train.min_lr_frac,
                          .beta1 = c->train.beta1,
                          .beta2 = c->train.beta2,
                          .eps = 1e-8f,
                          .weight_decay = c->train.weight_decay,
                          .grad_clip = c->train.grad_clip,
                          .warmup = c->train.warmup,
                          .steps = c->train.steps};
    return 0;
}

static int open_store(Trainer *t, const TrainerOptions *opt, char *err, size_t cap) {
    if (store_open(opt->db_path, &t->store, err, cap)) return TRAINER_ERUNTIME;
    return 0;
}

/* Rank 0 of a new run with train.init_from: the checkpoint, whose shape the model keys not set
 * take, and the config resolved with it, before it is shared with the other ranks. */
static int find_parent(Trainer *t, const TrainerOptions *opt, char *err, size_t cap) {
    if (!t->cfg.train.init_from[0]) return 0;
    if (warmstart_adopt_shape(&t->cfg, opt->db_path, &t->parent, err, cap) ||
        config_resolve(&t->cfg, err, cap))
        return TRAINER_EINPUT;
    return 0;
}

/* Rank 0: the parent's weights in place of the initialisation (the other ranks receive them
 * with the run, share_run). */
static int load_parent(Trainer *t, char *err, size_t cap) {
    if (!t->cfg.train.init_from[0]) return 0;
    if (warmstart_load(&t->parent, &t->model, err, cap)) return TRAINER_EINPUT;
    char what[LIMIT_PATH_BYTES + 64];
    warmstart_describe(&t->parent, what, sizeof what);
    trainer_note(t, "starting from the weights of %s (%s)", what, t->parent.path);
    return 0;
}

/* Rank 0: the run in the store. */
static int create_run(Trainer *t, const Config *cfg, const TrainerOptions *opt, char *err,
                      size_t cap) {
    int rc = open_store(t, opt, err, cap);
    if (rc) return rc;
    char *json = config_to_json(&t->cfg, 0), name[128];
    if (!json) {
        snprintf(err, cap, "out of memory");
        return TRAINER_ERUNTIME;
    }
    char data[96];
    dataset_name(cfg->data.train, data, sizeof data);
    if (opt->name && *opt->name) snprintf(name, sizeof name, "%s", opt->name);
    else if (t->parent.run > 0)
        snprintf(name, sizeof name, "%s-%s-s%d-from%lld", method_info(cfg->method.name)->name, data,
                 cfg->train.seed, (long long)t->parent.run);
    else
        snprintf(name, sizeof name, "%s-%s-s%d", method_info(cfg->method.name)->name, data,
                 cfg->train.seed);
    NewRun nr = {.name = name,
                 .method = method_info(cfg->method.name)->name,
                 .dataset = cfg->data.train,
                 .config_json = json,
                 .seed = cfg->train.seed,
                 .steps = cfg->train.steps,
                 .sweep = opt->sweep};
    snprintf(t->run_name, sizeof t->run_name, "%s", name);
    if (t->cfg.train.init_from[0]) {
        nr.parent_checkpoint = t->parent.path;
        nr.parent_params = t->parent.params_id;
        nr.parent = t->parent.run;
        nr.parent_step = t->parent.step;
    }
    t->run_id = store_create_run(t->store, &nr);
    free(json);
    if (t->run_id < 0) {
        snprintf(err, cap, "%s", store_error(t->store));
        return TRAINER_ERUNTIME;
    }
    return 0;
}

/* Every rank: rank 0's run id and model, and a note in the run of how many ranks train it. */
static void share_run(Trainer *t) {
    if (!t->dist) return;
    int64_t id = t->run_id;
    dist_bcast(&id, sizeof id, 0);
    t->run_id = id;
    trainer_share_model(&t->model);
    if (t->store) {
        char detail[64];
        snprintf(detail, sizeof detail, "{\"ranks\":%d}", dist_size());
        store_event(t->store, t->run_id, t->step, "ranks", detail);
    }
}

/* Every rank trains rank 0's config, whatever it read itself. */
static int share_config(Trainer *t, char *err, size_t cap) {
    int rc = trainer_share_config(&t->cfg, err, cap) ? TRAINER_ERUNTIME : 0;
    return trainer_agree(rc, err, cap);
}

int trainer_setup_new(Trainer *t, const Config *cfg, const TrainerOptions *opt, char *err,
                      size_t cap) {
    t->cfg = *cfg;
    int rc = dist_rank() == 0 ? find_parent(t, opt, err, cap) : 0;
    if ((rc = trainer_agree(rc, err, cap)) || (rc = share_config(t, err, cap))) return rc;
    rc = config_resolve(&t->cfg, err, cap) ? TRAINER_EINPUT : fits_ranks(t, err, cap);
    if (!rc) rc = open_vocab(t, err, cap);
    if (!rc) rc = check_memory(t, err, cap);
    if (!rc) rc = load_data(t, err, cap);
    if (!rc) rc = alloc_compute(t, err, cap);
    /* Nothing is stored unless every rank is ready. */
    if ((rc = trainer_agree(rc, err, cap))) return rc;
    uint64_t seed = (uint64_t)t->cfg.train.seed;
    model_init_weights(&t->model, stream_seed(STREAM_WEIGHTS, seed, 0));
    rc = dist_rank() == 0 ? load_parent(t, err, cap) : 0;
    if ((rc = trainer_agree(rc, err, cap))) return rc;
    rng_seed(&t->rng_data, stream_seed(STREAM_DATA_ORDER, seed, 0));
    rng_seed(&t->rng_sample, stream_seed(STREAM_SELFGEN_SAMPLE, seed, 0));
    t->perm_pos = t->train.n; /* the first batch starts an epoch */
    t->epoch = 0;
    t->selfgen_refreshed = -1;
    if (dist_rank() == 0) rc = create_run(t, cfg, opt, err, cap);
    if ((rc = trainer_agree(rc, err, cap))) return rc;
    share_run(t);
    return 0;
}

/* Rank 0: the run to resume, its config and its last checkpoint, from the store. */
static int read_run(Trainer *t, const TrainerOptions *opt, char *path, size_t pathcap, char *err,
                    size_t cap) {
    int rc = open_store(t, opt, err, cap);
    if (rc) return rc;
    RunRow run;
    if (store_get_run(t->store, opt->resume, &run)) {
        snprintf(err, cap, "%s", store_error(t->store));
        return TRAINER_EINPUT;
    }
    rc = 0;
    if (strcmp(run.status, "stopped") != 0 && strcmp(run.status, "interrupted") != 0) {
        snprintf(err, cap, "run %lld is %s; only stopped or interrupted runs can be resumed",
                 (long long)run.id, run.status);
        rc = TRAINER_EINPUT;
    }
    snprintf(t->run_name, sizeof t->run_name, "%s", run.name);
    config_defaults(&t->cfg);
    if (!rc && config_apply_json_text(&t->cfg, run.config_json, "stored config", err, cap))
        rc = TRAINER_EINPUT;
    run_row_free(&run);
    if (rc) return rc;
    int64_t ckpt_step;
    if (store_last_checkpoint(t->store, opt->resume, &ckpt_step, path, pathcap)) {
        snprintf(err, cap, "run %lld has no checkpoint to resume from", (long long)opt->resume);
        return TRAINER_EINPUT;
    }
    return 0;
}

/* Rank 0 reads the store and the checkpoint and hands both to the other ranks, so that only
 * rank 0's host needs the run directory. */
int trainer_setup_resume(Trainer *t, const TrainerOptions *opt, char *err, size_t cap) {
    char path[LIMIT_PATH_BYTES] = "";
    int rc = dist_rank() == 0 ? read_run(t, opt, path, sizeof path, err, cap) : 0;
    if ((rc = trainer_agree(rc, err, cap)) || (rc = share_config(t, err, cap))) return rc;
    dist_bcast(path, sizeof path, 0);
    t->run_id = opt->resume;
    rc = fits_ranks(t, err, cap);
    if (!rc) rc = open_vocab(t, err, cap);
    if (!rc) rc = check_memory(t, err, cap);
    if (!rc) rc = load_data(t, err, cap);
    if (!rc) rc = alloc_compute(t, err, cap);
    if ((rc = trainer_agree(rc, err, cap))) return rc;
    if (trainer_load_checkpoint(t, path, err, cap)) return TRAINER_EINPUT;
    rc = 0;
    if (t->store && store_set_status(t->store, t->run_id, "running")) {
        snprintf(err, cap, "%s", store_error(t->store));
        rc = TRAINER_ERUNTIME;
    }
    if ((rc = trainer_agree(rc, err, cap))) return rc;
    share_run(t);
    trainer_note(t, "resuming run %lld from step %d (%s)", (long long)t->run_id, t->step, path);
    return 0;
}

void trainer_release(Trainer *t) {
    store_close(t->store);
    t->store = NULL;
    decoder_free(t->dec);
    t->dec = NULL;
    selfgen_free(&t->sg);
    corpus_free(&t->train);
    corpus_free(&t->val);
    dataset_free(&t->train_ds);
    dataset_free(&t->val_ds);
    vocab_free(t->vocab);
    t->vocab = NULL;
    batch_free(&t->batch);
    batch_free(&t->scratch);
    model_free(&t->model);
    free(t->perm);
    t->perm = NULL;
}

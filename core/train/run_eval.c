#include "run_eval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capacity.h"
#include "store.h"
#include "datasource.h"
#include "method.h"
#include "streams.h"

/* Sequences decoded together, as the trainer does. */
enum { EVAL_DECODE_BATCH = 32 };

/* Everything one evaluation needs, released together. */
typedef struct {
    Store *store;
    int64_t run;
    Config cfg;
    Dataset ds;
    Vocab *vocab; /* the run's model.tokenizer */
    Corpus corpus;
    Model model;
    Batch scratch;
    Decoder *dec;
    Model oracle;
    int64_t oracle_step;
    const RunEvalOptions *opt;
    RunEvalResult *result;
    MemoryAvailable avail; /* what is left once the model is built */
} Job;

static void job_free(Job *j) {
    model_free(&j->oracle);
    decoder_free(j->dec);
    batch_free(&j->scratch);
    model_free(&j->model);
    corpus_free(&j->corpus);
    dataset_free(&j->ds);
    vocab_free(j->vocab);
}

static int load_model(Job *j, char *err, size_t cap) {
    RunRow run;
    if (store_get_run(j->store, j->run, &run)) {
        snprintf(err, cap, "%s", store_error(j->store));
        return RUN_EVAL_ERUNTIME; /* as `exposure runs` treats an unknown run */
    }
    config_defaults(&j->cfg);
    int bad = config_apply_json_text(&j->cfg, run.config_json, "stored config", err, cap);
    run_row_free(&run);
    if (bad) return RUN_EVAL_ERUNTIME;
    char path[LIMIT_PATH_BYTES];
    if (store_last_checkpoint(j->store, j->run, &j->result->step, path, sizeof path)) {
        snprintf(err, cap, "run %lld has no checkpoint yet", (long long)j->run);
        return RUN_EVAL_EINPUT;
    }
    ModelConfig mc;
    if (checkpoint_read_config(path, &mc, err, cap)) return RUN_EVAL_ERUNTIME;
    if (!(j->vocab = vocab_open(j->cfg.model.tokenizer, err, cap))) return RUN_EVAL_EINPUT;
    if (mc.vocab != vocab_ids(j->vocab)->count) {
        snprintf(err, cap,
                 "%s: the checkpoint's model has %d ids, model.tokenizer %s gives %d: it was "
                 "trained on another vocabulary",
                 path, mc.vocab, j->cfg.model.tokenizer, vocab_ids(j->vocab)->count);
        return RUN_EVAL_EINPUT;
    }
    int threads = j->opt->threads > 0 ? j->opt->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    j->avail = capacity_memory_available();
    if (capacity_check_memory(&mc, j->cfg.train.batch, 1, EVAL_DECODE_BATCH, threads, &j->avail,
                              err, cap))
        return RUN_EVAL_EINPUT;
    size_t need =
        capacity_memory_need(&mc, j->cfg.train.batch, 1, EVAL_DECODE_BATCH, threads).total;
    if (j->avail.bytes != SIZE_MAX)
        j->avail.bytes = j->avail.bytes > need ? j->avail.bytes - need : 0;
    if (model_init(&j->model, &mc, j->cfg.train.batch) || model_set_threads(&j->model, threads) ||
        batch_alloc(&j->scratch, j->cfg.train.batch, mc.context) ||
        !(j->dec = decoder_new(&j->model, EVAL_DECODE_BATCH))) {
        snprintf(err, cap, "out of memory for the model of run %lld", (long long)j->run);
        return RUN_EVAL_ERUNTIME;
    }
    CheckpointState st;
    if (checkpoint_load(path, &j->model, &st, err, cap)) return RUN_EVAL_ERUNTIME;
    free(st.extra);
    const char *have = checkpoint_tokenizer_is_byte(&st.tokenizer) ? "byte" : st.tokenizer.identity;
    if (strcmp(have, vocab_identity(j->vocab)) != 0) {
        snprintf(err, cap,
                 "%s: the checkpoint's vocabulary is %s, but model.tokenizer %s is now %s (was "
                 "its file changed?)",
                 path, have, j->cfg.model.tokenizer, vocab_identity(j->vocab));
        return RUN_EVAL_EINPUT;
    }
    return 0;
}

/* 1 when two configs give key the same value (written to va and vb), or when one of them does
 * not know it: a key of a later version, such as the tokenizer, is compared only where both
 * runs record it. */
static int same_setting(const Config *a, const Config *b, const char *key, char *va, char *vb,
                        size_t cap) {
    if (config_get(a, key, va, cap) || config_get(b, key, vb, cap)) return 1;
    return strcmp(va, vb) == 0;
}

/* The oracle's latest checkpoint, checked against the model: the same vocabulary (and
 * tokenizer), at least its context. */
static int load_oracle(Job *j, char *err, size_t cap) {
    long long id = (long long)j->opt->oracle, run_id = (long long)j->run;
    RunRow run;
    if (store_get_run(j->store, j->opt->oracle, &run)) {
        snprintf(err, cap, "--oracle: no run %lld", id);
        return RUN_EVAL_EINPUT;
    }
    Config ocfg;
    config_defaults(&ocfg);
    int bad =
        config_apply_json_text(&ocfg, run.config_json, "the oracle's stored config", err, cap);
    run_row_free(&run);
    if (bad) return RUN_EVAL_ERUNTIME;
    char path[LIMIT_PATH_BYTES], va[LIMIT_CONFIG_STRING], vb[LIMIT_CONFIG_STRING];
    if (store_last_checkpoint(j->store, j->opt->oracle, &j->oracle_step, path, sizeof path)) {
        snprintf(err, cap, "--oracle: run %lld has no checkpoint yet", id);
        return RUN_EVAL_EINPUT;
    }
    ModelConfig mc;
    if (checkpoint_read_config(path, &mc, err, cap)) return RUN_EVAL_ERUNTIME;
    const ModelConfig *own = &j->model.cfg;
    if (mc.vocab != own->vocab) {
        snprintf(err, cap,
                 "--oracle: run %lld has a vocabulary of %d tokens, run %lld of %d: an oracle "
                 "must share the model's tokenizer",
                 id, mc.vocab, run_id, own->vocab);
        return RUN_EVAL_EINPUT;
    }
    if (!same_setting(&ocfg, &j->cfg, "model.tokenizer", va, vb, sizeof va)) {
        snprintf(err, cap,
                 "--oracle: run %lld has model.tokenizer %s, run %lld %s: an oracle must share "
                 "the model's tokenizer",
                 id, va, run_id, vb);
        return RUN_EVAL_EINPUT;
    }
    if (mc.context < own->context) {
        snprintf(err, cap,
                 "--oracle: run %lld has a context of %d tokens, shorter than run %lld's %d: an "
                 "oracle must read every prefix the model does",
                 id, mc.context, run_id, own->context);
        return RUN_EVAL_EINPUT;
    }
    if (capacity_check_memory(&mc, j->cfg.train.batch, 0, 0, j->model.threads, &j->avail, err, cap))
        return RUN_EVAL_EINPUT;
    if (model_init(&j->oracle, &mc, j->cfg.train.batch) ||
        model_set_threads(&j->oracle, j->model.threads)) {
        snprintf(err, cap, "out of memory for the oracle, run %lld", id);
        return RUN_EVAL_ERUNTIME;
    }
    CheckpointState st;
    if (checkpoint_load(path, &j->oracle, &st, err, cap)) return RUN_EVAL_ERUNTIME;
    free(st.extra);
    return 0;
}

static int load_data(Job *j, char *err, size_t cap) {
    const RunEvalOptions *o = j->opt;
    int rc;
    if (o->data) {
        LoadOptions lo = {.layout = (Layout)j->cfg.data.layout, .keep_calc = j->cfg.data.keep_calc};
        rc = dataset_load(o->data, &lo, &j->ds, err, cap);
    } else {
        rc = datasource_load_split(&j->cfg, o->split, &j->ds, err, cap);
    }
    if (rc || vocab_measure(j->vocab, &j->ds, err, cap)) return RUN_EVAL_EINPUT;
    snprintf(j->result->data, sizeof j->result->data, "%s", j->ds.path ? j->ds.path : "");
    j->result->examples = j->ds.n;
    j->result->longest = dataset_longest(&j->ds);
    j->result->dropped = dataset_drop_longer_than(&j->ds, j->model.cfg.context);
    if (o->limit) dataset_truncate(&j->ds, (int)o->limit);
    if (j->ds.n == 0 && j->result->dropped) {
        snprintf(err, cap,
                 "%.300s: all %d examples are longer than the run's model.context (%d tokens); "
                 "the longest needs %d",
                 j->result->data, j->result->examples, j->model.cfg.context, j->result->longest);
        return RUN_EVAL_EINPUT;
    }
    if (j->ds.n == 0) {
        snprintf(err, cap, "%s: no examples to evaluate", j->result->data);
        return RUN_EVAL_EINPUT;
    }
    if (corpus_build(&j->corpus, &j->ds, j->vocab, err, cap)) return RUN_EVAL_EINPUT;
    return 0;
}

int run_eval_store_sample(Store *st, int64_t run, int64_t step, const char *split,
                          const EvalSample *s) {
    char *corr = eval_corrections_json(s->res, s->vocab);
    SampleRow row = {.step = step,
                     .idx = s->idx,
                     .prompt = s->ex->prompt,
                     .reference = s->ex->response,
                     .output = (char *)s->output,
                     .raw_output = (char *)s->raw_output,
                     .corrections_json = corr ? corr : "[]"};
    eval_sample_scores(s, &row);
    snprintf(row.split, sizeof row.split, "%s", split);
    int rc = store_sample(st, run, &row);
    free(corr);
    return rc;
}

static void store_sample_row(void *ctx, const EvalSample *s) {
    Job *j = ctx;
    run_eval_store_sample(j->store, j->run, j->result->step, j->opt->split, s);
    store_maybe_commit(j->store);
    if (j->opt->on_sample) j->opt->on_sample(j->opt->ctx, s);
}

int run_eval(Store *s, int64_t run, const RunEvalOptions *o, RunEvalResult *r, char *err,
             size_t cap) {
    memset(r, 0, sizeof *r);
    if (strcmp(o->split, "val") != 0 && strcmp(o->split, "test") != 0) {
        snprintf(err, cap, "split must be val or test, not '%s'", o->split);
        return RUN_EVAL_EINPUT;
    }
    Job j = {.store = s, .run = run, .opt = o, .result = r};
    int rc = load_model(&j, err, cap);
    if (!rc && o->oracle) rc = load_oracle(&j, err, cap);
    if (!rc) rc = load_data(&j, err, cap);
    if (!rc) {
        r->rac = method_corrects(j.cfg.method.name);
        EvalContext e = {.m = &j.model,
                         .dec = j.dec,
                         .scratch = &j.scratch,
                         .decode = eval_decode_options(&j.cfg),
                         .gsm8k = j.ds.layout == LAYOUT_QUESTION_ANSWER,
                         .seed =
                             stream_seed(STREAM_EVAL_SAMPLE, (uint64_t)j.cfg.train.seed, r->step),
                         .oracle = o->oracle ? &j.oracle : NULL,
                         .vocab = j.vocab};
        if (evaluate(&e, &j.corpus, j.corpus.n, &r->summary, store_sample_row, &j)) {
            snprintf(err, cap, "evaluation failed (out of memory)");
            rc = RUN_EVAL_ERUNTIME;
        }
        if (o->oracle) {
            r->summary.oracle_run = o->oracle;
            r->summary.oracle_step = j.oracle_step;
        }
    }
    if (!rc) {
        eval_store_summary(s, run, r->step, o->split, &r->summary, r->rac);
        if (store_commit(s)) {
            snprintf(err, cap, "%s", store_error(s));
            rc = RUN_EVAL_ERUNTIME;
        }
    }
    job_free(&j);
    return rc;
}

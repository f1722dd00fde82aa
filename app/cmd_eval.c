/* exposure eval: evaluates a run's latest checkpoint on a whole split (or a file), stores
 * the metrics and per-sample records, and prints them. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "cli.h"
#include "commands.h"
#include "datasource.h"
#include "jsonl.h"
#include "capacity.h"
#include "store.h"

/* Sequences decoded together, as the trainer does. */
enum { EVAL_DECODE_BATCH = 32 };

static const char usage[] =
    "usage: exposure eval --run ID [--split val|test] [--data F] [--limit N] [--db F] [--jsonl]\n"
    "\n"
    "Evaluates the run's latest checkpoint: teacher-forced loss and accuracy, then free-running\n"
    "generation (decode.* of the run's config) scored with em, f1 and rougeL. Metrics are\n"
    "stored as <split>/<name> at the checkpoint's step, with a record per sample.\n"
    "  --split S   val (default) or test: the run's data.val / data.test\n"
    "  --data F    evaluate on this JSONL file instead (stored as split \"test\")\n"
    "  --limit N   only the first N examples\n"
    "  --jsonl     print the eval event and one sample event per example on stdout\n";

typedef struct {
    long run, limit;
    const char *split, *data, *db;
    int jsonl;
} EvalArgs;

static int parse_args(int argc, char **argv, EvalArgs *a) {
    *a = (EvalArgs){.split = "val"};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(arg)) {
            fputs(usage, stdout);
            exit(EXIT_OK);
        } else if (!strcmp(arg, "--jsonl")) a->jsonl = 1;
        else if (!strcmp(arg, "--run") || !strcmp(arg, "--split") || !strcmp(arg, "--data") ||
                 !strcmp(arg, "--db") || !strcmp(arg, "--limit")) {
            if (!value) return cli_usage_error("eval", "%s needs a value", arg);
            i++;
            if (!strcmp(arg, "--run") && cli_parse_long(value, 1, INT64_MAX, &a->run))
                return cli_usage_error("eval", "--run: '%s' is not a run id", value);
            if (!strcmp(arg, "--limit") && cli_parse_long(value, 1, 1L << 30, &a->limit))
                return cli_usage_error("eval", "--limit: '%s' is not a positive count", value);
            if (!strcmp(arg, "--split")) a->split = value;
            if (!strcmp(arg, "--data")) a->data = value;
            if (!strcmp(arg, "--db")) a->db = value;
        } else {
            return cli_usage_error("eval", "unknown argument '%s'", arg);
        }
    }
    if (!a->run) return cli_usage_error("eval", "--run ID is required");
    if (strcmp(a->split, "val") && strcmp(a->split, "test"))
        return cli_usage_error("eval", "--split must be val or test");
    if (a->data) a->split = "test";
    return 0;
}

/* Everything one evaluation needs, released together. */
typedef struct {
    Store *store;
    Config cfg;
    Dataset ds;
    Corpus corpus;
    Model model;
    Batch scratch;
    Decoder *dec;
    int64_t step;
} EvalJob;

static void job_free(EvalJob *j) {
    decoder_free(j->dec);
    batch_free(&j->scratch);
    model_free(&j->model);
    corpus_free(&j->corpus);
    dataset_free(&j->ds);
    store_close(j->store);
}

/* Opens the run and its checkpoint; returns an exit code. */
static int load_model(EvalJob *j, const EvalArgs *a, char *err, size_t cap) {
    if (store_open(cli_db_path(a->db), &j->store, err, cap)) return EXIT_RUNTIME;
    RunRow run;
    if (store_get_run(j->store, a->run, &run)) {
        snprintf(err, cap, "%s", store_error(j->store));
        return EXIT_RUNTIME;
    }
    config_defaults(&j->cfg);
    int bad = config_apply_json_text(&j->cfg, run.config_json, "stored config", err, cap);
    run_row_free(&run);
    if (bad) return EXIT_RUNTIME;
    char path[4096];
    if (store_last_checkpoint(j->store, a->run, &j->step, path, sizeof path)) {
        snprintf(err, cap, "run %ld has no checkpoint yet", a->run);
        return EXIT_RUNTIME;
    }
    ModelConfig mc;
    if (checkpoint_read_config(path, &mc, err, cap)) return EXIT_RUNTIME;
    MemoryAvailable avail = capacity_memory_available();
    if (capacity_check_memory(&mc, j->cfg.train.batch, 1, EVAL_DECODE_BATCH, &avail, err, cap))
        return EXIT_USAGE;
    CheckpointState st;
    if (model_init(&j->model, &mc, j->cfg.train.batch) ||
        batch_alloc(&j->scratch, j->cfg.train.batch, mc.context) ||
        !(j->dec = decoder_new(&j->model, EVAL_DECODE_BATCH))) {
        snprintf(err, cap, "out of memory for the model of run %ld", a->run);
        return EXIT_RUNTIME;
    }
    if (checkpoint_load(path, &j->model, &st, err, cap)) return EXIT_RUNTIME;
    free(st.extra);
    return EXIT_OK;
}

static int load_data(EvalJob *j, const EvalArgs *a, char *err, size_t cap) {
    int rc;
    if (a->data) {
        LoadOptions lo = {.layout = (Layout)j->cfg.data.layout, .keep_calc = j->cfg.data.keep_calc};
        rc = dataset_load(a->data, &lo, &j->ds, err, cap);
    } else {
        rc = data_load_split(&j->cfg, a->split, &j->ds, err, cap);
    }
    if (rc) return EXIT_USAGE;
    int before = j->ds.n, dropped = dataset_drop_longer_than(&j->ds, j->model.cfg.context);
    if (dropped)
        fprintf(stderr, "exposure eval: %s: dropped %d of %d examples longer than model.context (%d)\n",
                j->ds.path, dropped, before, j->model.cfg.context);
    if (a->limit) dataset_truncate(&j->ds, (int)a->limit);
    if (j->ds.n == 0) {
        snprintf(err, cap, "%s: no examples to evaluate", j->ds.path);
        return EXIT_USAGE;
    }
    if (corpus_build(&j->corpus, &j->ds)) {
        snprintf(err, cap, "out of memory");
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}

typedef struct {
    EvalJob *job;
    const char *split;
    int64_t run;
    int jsonl;
} SampleOut;

static void on_sample(void *ctx, const EvalSample *s) {
    SampleOut *o = ctx;
    char *corr = eval_corrections_json(s->res);
    SampleRow row = {.step = o->job->step, .idx = s->idx, .prompt = s->ex->prompt,
                     .reference = s->ex->response, .output = (char *)s->output,
                     .raw_output = (char *)s->raw_output, .corrections_json = corr ? corr : "[]",
                     .em = s->em, .f1 = s->f1, .rouge_l = s->rouge_l, .fr_acc = s->fr_acc,
                     .first_err = s->first_err, .corrections = s->res->n_corr};
    snprintf(row.split, sizeof row.split, "%s", o->split);
    store_sample(o->job->store, o->run, &row);
    store_maybe_commit(o->job->store);
    if (o->jsonl) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "event", "sample");
        cJSON_AddNumberToObject(e, "idx", s->idx);
        cJSON_AddStringToObject(e, "prompt", s->ex->prompt);
        cJSON_AddStringToObject(e, "reference", s->ex->response);
        cJSON_AddStringToObject(e, "output", s->output);
        cJSON_AddStringToObject(e, "raw_output", s->raw_output);
        cJSON *list = cJSON_Parse(corr ? corr : "[]");
        cJSON_AddItemToObject(e, "corrections", list ? list : cJSON_CreateArray());
        jsonl_add_number(e, "em", s->em);
        jsonl_add_number(e, "f1", s->f1);
        jsonl_add_number(e, "rougeL", s->rouge_l);
        jsonl_add_number(e, "fr_acc", s->fr_acc);
        cJSON_AddNumberToObject(e, "first_err", s->first_err);
        jsonl_print(e);
    }
    free(corr);
}

int cmd_eval(int argc, char **argv) {
    EvalArgs a;
    int rc = parse_args(argc, argv, &a);
    if (rc) return rc;
    EvalJob j = {0};
    char err[1024];
    rc = load_model(&j, &a, err, sizeof err);
    if (!rc) rc = load_data(&j, &a, err, sizeof err);
    if (rc) {
        fprintf(stderr, "exposure eval: %s\n", err);
        job_free(&j);
        return rc;
    }
    EvalContext e = {&j.model, j.dec, &j.scratch, eval_decode_options(&j.cfg),
                     j.ds.layout == LAYOUT_QUESTION_ANSWER,
                     (uint64_t)j.cfg.train.seed * 1000003u + (uint64_t)j.step};
    SampleOut out = {&j, a.split, a.run, a.jsonl};
    EvalSummary sum;
    int rac = j.cfg.method.name == METHOD_RAC;
    if (evaluate(&e, &j.corpus, j.corpus.n, &sum, on_sample, &out)) {
        fprintf(stderr, "exposure eval: evaluation failed (out of memory)\n");
        job_free(&j);
        return EXIT_RUNTIME;
    }
    eval_store_summary(j.store, a.run, j.step, a.split, &sum, rac);
    if (store_commit(j.store)) {
        fprintf(stderr, "exposure eval: %s\n", store_error(j.store));
        rc = EXIT_RUNTIME;
    }
    if (a.jsonl) {
        jsonl_print(jsonl_eval(j.step, a.split, &sum, rac));
    } else {
        printf("run %ld step %lld on %s (%d examples)\n", a.run, (long long)j.step, j.ds.path, sum.n);
        printf("  loss %.4f  tf_acc %.4f  fr_acc %.4f  gap %.4f\n", sum.loss, sum.tf_acc,
               sum.fr_acc, sum.gap);
        printf("  em %.4f  f1 %.4f  rougeL %.4f  first_err %.2f\n", sum.em, sum.f1, sum.rouge_l,
               sum.first_err);
        if (rac)
            printf("  corrections/sample %.3f  corrected %d (%d end right)\n", sum.corrections,
                   sum.corrected, sum.corrected_right);
    }
    job_free(&j);
    return rc;
}

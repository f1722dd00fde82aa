/* exposure eval: evaluates a run's latest checkpoint on a whole split (or a file), stores
 * the metrics and per-sample records, and prints them. */
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "evaltext.h"
#include "jsonl.h"
#include "train.h"

enum { F_RUN, F_SPLIT, F_DATA, F_LIMIT, F_ORACLE, F_JSONL };
static const ArgFlag flags[] = {
    [F_RUN] = {"--run", NULL, "ID", 0, "the run to evaluate (required)"},
    [F_SPLIT] = {"--split", NULL, "S", 0, "val (default) or test: the run's data.val / data.test"},
    [F_DATA] = {"--data", NULL, "F", 0,
                "evaluate on this JSONL file instead (stored as split \"test\")"},
    [F_LIMIT] = {"--limit", NULL, "N", 0, "only the first N examples"},
    [F_ORACLE] = {"--oracle", NULL, "ID", 0,
                  "also eps, acc_err and ex_acc_err against run ID's latest checkpoint"},
    [F_JSONL] = {"--jsonl", NULL, NULL, 0,
                 "print the eval event and one sample event per example on stdout"},
    {0},
};

typedef struct {
    long run, limit, oracle;
    const char *split, *data;
    int jsonl;
} EvalArgs;

static int parse_args(const Args *args, EvalArgs *a) {
    *a = (EvalArgs){.split = "val", .data = args_value(args, F_DATA)};
    if (args_max_positional(args, 0)) return EXIT_USAGE;
    const char *run = args_value(args, F_RUN), *limit = args_value(args, F_LIMIT);
    const char *oracle = args_value(args, F_ORACLE);
    if (!run) return cli_usage_error("eval", "--run ID is required");
    if (cli_parse_long(run, 1, INT64_MAX, &a->run))
        return cli_usage_error("eval", "--run: '%s' is not a run id", run);
    if (limit && cli_parse_long(limit, 1, 1L << 30, &a->limit))
        return cli_usage_error("eval", "--limit: '%s' is not a positive count", limit);
    if (oracle && cli_parse_long(oracle, 1, INT64_MAX, &a->oracle))
        return cli_usage_error("eval", "--oracle: '%s' is not a run id", oracle);
    if (args_value(args, F_SPLIT)) a->split = args_value(args, F_SPLIT);
    if (strcmp(a->split, "val") && strcmp(a->split, "test"))
        return cli_usage_error("eval", "--split must be val or test");
    a->jsonl = args_count(args, F_JSONL) > 0;
    if (a->data) a->split = "test";
    return 0;
}

/* A sample event line, with the fields README.md ("The command line") names. */
static void print_sample(void *ctx, const EvalSample *s) {
    (void)ctx;
    char *corr = eval_corrections_json(s->res, s->vocab);
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "event", "sample");
    cJSON_AddNumberToObject(e, "idx", s->idx);
    jsonl_add_string(e, "prompt", s->ex->prompt);
    jsonl_add_string(e, "reference", s->ex->response);
    jsonl_add_string(e, "output", s->output);
    jsonl_add_string(e, "raw_output", s->raw_output);
    cJSON *list = cJSON_Parse(corr ? corr : "[]");
    cJSON_AddItemToObject(e, "corrections", list ? list : cJSON_CreateArray());
    jsonl_add_number(e, metric_info(METRIC_EM)->name, s->em);
    jsonl_add_number(e, metric_info(METRIC_F1)->name, s->f1);
    jsonl_add_number(e, metric_info(METRIC_ROUGE_L)->name, s->rouge_l);
    jsonl_add_number(e, metric_info(METRIC_FR_ACC)->name, s->fr_acc);
    cJSON_AddNumberToObject(e, metric_info(METRIC_FIRST_ERR)->name, s->first_err);
    /* The per-sample values of the exposure-bias metrics, absent where not defined. */
    const struct {
        const char *name;
        double value;
    } more[] = {
        {metric_info(METRIC_ANSWER_ACC)->name, s->answer_acc},
        {metric_info(METRIC_ED_ACC)->name, s->ed_acc},
        {metric_info(METRIC_RECOVERY)->name, s->recovery},
        {"divergences", s->path.divergences},
        {"divergences_retracted", s->path.divergences_retracted},
        {"corrections_justified", s->path.corrections_justified},
        {metric_info(METRIC_EPS)->name, s->eps},
        {metric_info(METRIC_ACC_ERR)->name, s->acc_err},
        {"horizon", s->horizon > 0 || !isnan(s->acc_err) ? s->horizon : NAN},
    };
    for (size_t i = 0; i < sizeof more / sizeof *more; i++)
        if (!isnan(more[i].value)) jsonl_add_number(e, more[i].name, more[i].value);
    jsonl_print(e);
    free(corr);
}

static int run(const Args *args) {
    EvalArgs a;
    int rc = parse_args(args, &a);
    if (rc) return rc;
    char err[1024];
    Store *store;
    if (store_open(cli_db_path(args->db), &store, err, sizeof err)) {
        fprintf(stderr, "exposure eval: %s\n", err);
        return EXIT_RUNTIME;
    }
    RunEvalOptions o = {.split = a.split,
                        .data = a.data,
                        .limit = a.limit,
                        .oracle = a.oracle,
                        .on_sample = a.jsonl ? print_sample : NULL};
    RunEvalResult r;
    rc = run_eval(store, a.run, &o, &r, err, sizeof err);
    store_close(store);
    if (r.dropped && rc == 0)
        fprintf(stderr,
                "exposure eval: %s: left out %d of %d examples longer than the run's "
                "model.context; the longest needs %d\n",
                r.data, r.dropped, r.examples, r.longest);
    if (rc) {
        fprintf(stderr, "exposure eval: %s\n", err);
        return rc == RUN_EVAL_EINPUT ? EXIT_USAGE : EXIT_RUNTIME;
    }
    const EvalSummary *s = &r.summary;
    if (a.jsonl) {
        jsonl_print(jsonl_eval(r.step, a.split, s, r.rac));
        return EXIT_OK;
    }
    printf("run %ld step %lld on %s (%d examples)\n", a.run, (long long)r.step, r.data, s->n);
    printf("  loss %.4f  tf_acc %.4f  fr_acc %.4f  gap %.4f\n", s->loss, s->tf_acc, s->fr_acc,
           s->gap);
    printf("  em %.4f  f1 %.4f  rougeL %.4f  first_err %.2f\n", s->em, s->f1, s->rouge_l,
           s->first_err);
    char line[512];
    eval_exposure_line(s, r.rac, line, sizeof line);
    printf("  %s\n", line);
    if (r.rac)
        printf("  corrections/sample %.3f  corrected %d (%d end right)\n", s->corrections,
               s->corrected, s->corrected_right);
    if (s->oracle_run > 0) {
        eval_oracle_line(s, line, sizeof line);
        printf("  %s\n", line);
    }
    return EXIT_OK;
}

const Command command_eval = {
    .name = "eval",
    .summary = "eval --run ID [--split val|test] [--data F] [--limit N] [--oracle ID] [--jsonl]",
    .usage = "exposure eval --run ID [--split val|test] [--data F] [--limit N] [--oracle ID]\n"
             "                     [--jsonl]",
    .about = "Evaluates the run's latest checkpoint: teacher-forced loss and accuracy, then\n"
             "free-running generation (decode.* of the run's config) scored with em, f1, rougeL,\n"
             "answer_acc, ed_acc, recovery and, for RAC, corr_precision and corr_recall. Metrics\n"
             "are stored as <split>/<name> at the checkpoint's step, with a record per sample.\n"
             "An oracle (--oracle) must share the run's vocabulary and have at least its\n"
             "context; its run id and step are stored with the metrics.\n",
    .flags = flags,
    .more_help = NULL,
    .run = run,
};

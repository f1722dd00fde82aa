/* exposure data: generate the built-in tasks and check dataset files. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "data.h"
#include "util.h"

enum { DEFAULT_CONTEXT = 256, MAX_PROBLEMS_SHOWN = 5 };

enum { F_N, F_SEED, F_OUTPUT, F_LAYOUT, F_CONTEXT, F_KEEP_CALC, F_TOKENIZER };
static const ArgFlag flags[] = {
    [F_N] = {"--n", NULL, "N", 0, "gen: how many records"},
    [F_SEED] = {"--seed", NULL, "S", 0, "gen: the seed they are drawn from"},
    [F_OUTPUT] = {"-o", "--output", "FILE", 0, "gen: where to write them (- for standard output)"},
    [F_LAYOUT] = {"--layout", NULL, "L", 0,
                  "check: auto (default) or a layout of data.layout (exposure config keys)"},
    [F_CONTEXT] = {"--context", NULL, "N", 0, "check: the model's context in tokens (default 256)"},
    [F_KEEP_CALC] = {"--keep-calc", NULL, NULL, 0,
                     "check: question/answer: keep GSM8K <<...>> calculator annotations"},
    [F_TOKENIZER] = {"--tokenizer", NULL, "T", 0,
                     "check: count tokens of byte (default), gpt2 or a FILE.json vocabulary"},
    {0},
};
enum {
    GEN_FLAGS = 1u << F_N | 1u << F_SEED | 1u << F_OUTPUT,
    CHECK_FLAGS = 1u << F_LAYOUT | 1u << F_CONTEXT | 1u << F_KEEP_CALC | 1u << F_TOKENIZER
};

static void more_help(FILE *out) {
    fputs("gen writes N records of the built-in task TASK as JSONL; the same TASK, N and S give\n"
          "the same bytes on every machine. The tasks:\n",
          out);
    for (const TaskInfo *t = builtin_tasks; t->name; t++)
        fprintf(out, "  %-7s %s, %s layout\n          %s\n", t->name, t->kind, t->layout,
                t->description);
    fputs("The shipped files assets/datasets/TASK/SPLIT.jsonl were written with:\n", out);
    static const char *const splits[] = {"train", "val", "test"};
    for (const TaskInfo *t = builtin_tasks; t->name; t++)
        for (int s = 0; s < 3; s++)
            fprintf(out,
                    "  exposure data gen %s --n %d --seed %llu -o assets/datasets/%s/%s.jsonl\n",
                    t->name, t->sizes[s], (unsigned long long)t->seeds[s], t->name, splits[s]);
    fputs("\ncheck loads FILE (JSONL, one object a line) as training would and prints its layout,\n"
          "the number of records, length statistics in characters (code points) and in tokens\n"
          "(of --tokenizer: one a byte by default; the sequence is <bos> prompt <sep> response\n"
          "<eos>), how many records are\n"
          "longer than the context, and the first of them. FILE may also be a built-in task\n"
          "name: then its shipped train split is checked. Exit status 0 when the file is usable,\n"
          "2 when it is not (FILE:LINE: reason on stderr).\n",
          out);
}

/* ---- gen --------------------------------------------------------------------------------- */

typedef struct {
    const char *task, *output;
    long n, seed;
} GenArgs;

static int parse_gen_args(const Args *a, GenArgs *g) {
    const char *cmd = "data";
    const char *n = args_value(a, F_N), *seed = args_value(a, F_SEED);
    if (args_allow_only(a, GEN_FLAGS, "gen") || args_max_positional(a, 2)) return EXIT_USAGE;
    g->task = a->n_positional > 1 ? a->positional[1] : NULL;
    g->output = args_value(a, F_OUTPUT);
    if (!g->task) return cli_usage_error(cmd, "which task? (arith, facts or digest)");
    if (!task_find(g->task))
        return cli_usage_error(cmd, "unknown task \"%s\" (arith, facts or digest)", g->task);
    if (!n) return cli_usage_error(cmd, "--n is required");
    if (cli_parse_long(n, 1, 10000000, &g->n) != 0)
        return cli_usage_error(cmd, "--n must be a whole number from 1 to 10000000");
    if (!seed) return cli_usage_error(cmd, "--seed is required");
    if (cli_parse_long(seed, 0, LONG_MAX, &g->seed) != 0)
        return cli_usage_error(cmd, "--seed must be a whole number from 0");
    if (!g->output) return cli_usage_error(cmd, "-o is required (- for standard output)");
    return EXIT_OK;
}

static int data_gen(const Args *a) {
    GenArgs g = {0};
    int rc = parse_gen_args(a, &g);
    if (rc != EXIT_OK) return rc;
    if (cli_check_output("data gen", g.output)) return EXIT_USAGE;
    int to_stdout = strcmp(g.output, "-") == 0;
    FILE *out = to_stdout ? stdout : fopen(g.output, "wb");
    if (!out) {
        fprintf(stderr, "exposure data gen: %s: cannot open: %s\n", g.output, strerror(errno));
        return EXIT_RUNTIME;
    }
    char err[256];
    rc = task_generate(g.task, (int)g.n, (uint64_t)g.seed, out, err, sizeof err);
    if (!to_stdout && fclose(out) != 0 && rc == 0) {
        snprintf(err, sizeof err, "write error: %s", strerror(errno));
        rc = -1;
    }
    if (rc != 0) {
        fprintf(stderr, "exposure data gen: %s: %s\n", g.output, err);
        if (!to_stdout) unlink(g.output); /* never leave a partial file that looks complete */
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}

/* ---- check ------------------------------------------------------------------------------- */

typedef struct {
    const char *file;
    LoadOptions opt;
    long context;
    const char *tokenizer; /* model.tokenizer the tokens are counted in */
} CheckArgs;

static int parse_check_args(const Args *a, CheckArgs *c) {
    const char *cmd = "data";
    const char *layout = args_value(a, F_LAYOUT), *context = args_value(a, F_CONTEXT);
    if (args_allow_only(a, CHECK_FLAGS, "check") || args_max_positional(a, 2)) return EXIT_USAGE;
    c->context = DEFAULT_CONTEXT;
    c->file = a->n_positional > 1 ? a->positional[1] : NULL;
    c->tokenizer = args_value(a, F_TOKENIZER) ? args_value(a, F_TOKENIZER) : "byte";
    c->opt.keep_calc = args_count(a, F_KEEP_CALC) > 0;
    if (layout && layout_parse(layout, &c->opt.layout) != 0)
        return cli_usage_error(cmd, "unknown layout \"%s\"", layout);
    if (context && cli_parse_long(context, 1, 1 << 20, &c->context) != 0)
        return cli_usage_error(cmd, "--context must be a whole number from 1 to %d", 1 << 20);
    if (!c->file) return cli_usage_error(cmd, "which file?");
    return EXIT_OK;
}

static int compare_ints(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Prints min, median (the lower middle value) and max of v, which it sorts. */
static void print_stats(const char *label, int *v, int n) {
    qsort(v, (size_t)n, sizeof *v, compare_ints);
    printf("  %-16s %7d %7d %7d\n", label, v[0], v[(n - 1) / 2], v[n - 1]);
}

enum {
    COL_PROMPT_CHARS,
    COL_RESPONSE_CHARS,
    COL_PROMPT_TOKENS,
    COL_RESPONSE_TOKENS,
    COL_SEQUENCE_TOKENS,
    N_COLS
};

/* Tokens of text in v (its bytes for the byte-level vocabulary); ids has room for them. */
static int count_tokens(Vocab *v, const char *text, token_t *ids) {
    size_t n = strlen(text), got = n;
    char why[8];
    if (!vocab_is_byte(v) && vocab_encode(v, text, n, ids, &got, why, sizeof why)) return -1;
    return (int)got;
}

static int print_lengths(const Dataset *d, Vocab *v) {
    static const char *const labels[N_COLS] = {"prompt chars", "response chars", "prompt tokens",
                                               "response tokens", "sequence tokens"};
    int *cols[N_COLS] = {0};
    for (int c = 0; c < N_COLS; c++)
        if (!(cols[c] = malloc((size_t)d->n * sizeof(int)))) {
            for (int k = 0; k < c; k++) free(cols[k]);
            return -1;
        }
    size_t longest = 1;
    for (int i = 0; i < d->n; i++) {
        size_t p = strlen(d->ex[i].prompt), r = strlen(d->ex[i].response);
        longest = p > longest ? p : longest;
        longest = r > longest ? r : longest;
    }
    token_t *ids = malloc(longest * sizeof *ids);
    if (!ids) {
        for (int c = 0; c < N_COLS; c++) free(cols[c]);
        return -1;
    }
    for (int i = 0; i < d->n; i++) {
        const Example *e = &d->ex[i];
        size_t p = strlen(e->prompt), r = strlen(e->response);
        cols[COL_PROMPT_CHARS][i] = (int)utf8_codepoints(e->prompt, p);
        cols[COL_RESPONSE_CHARS][i] = (int)utf8_codepoints(e->response, r);
        cols[COL_PROMPT_TOKENS][i] = count_tokens(v, e->prompt, ids);
        cols[COL_RESPONSE_TOKENS][i] = count_tokens(v, e->response, ids);
        cols[COL_SEQUENCE_TOKENS][i] = example_tokens(e);
    }
    free(ids);
    printf("lengths                min  median     max\n");
    for (int c = 0; c < N_COLS; c++) {
        print_stats(labels[c], cols[c], d->n);
        free(cols[c]);
    }
    if (vocab_is_byte(v))
        printf("  (a token is a byte; sequence = <bos> prompt <sep> response <eos>)\n");
    else
        printf("  (tokens of %s; sequence = <bos> prompt <sep> response <eos>)\n",
               vocab_describe(v));
    return 0;
}

/* Reports the records that do not fit the context; returns how many there are. */
static int print_too_long(const Dataset *d, long context) {
    int count = 0;
    for (int i = 0; i < d->n; i++)
        if (example_tokens(&d->ex[i]) - 1 > context) count++;
    printf("longer than context %ld: %d of %d%s\n", context, count, d->n,
           count ? " (dropped for training)" : "");
    if (count == 0) {
        printf("problems: none\n");
        return 0;
    }
    printf("problems:\n");
    for (int i = 0, shown = 0; i < d->n && shown < MAX_PROBLEMS_SHOWN; i++) {
        int tokens = example_tokens(&d->ex[i]);
        if (tokens - 1 <= context) continue;
        printf("  %s:%d: sequence of %d tokens needs more than the context of %ld\n", d->path,
               d->ex[i].line, tokens, context);
        shown++;
    }
    if (count > MAX_PROBLEMS_SHOWN) printf("  ... and %d more\n", count - MAX_PROBLEMS_SHOWN);
    return count;
}

static int data_check(const Args *a) {
    CheckArgs c = {0};
    int rc = parse_check_args(a, &c);
    if (rc != EXIT_OK) return rc;
    char path[LIMIT_PATH_BYTES];
    const TaskInfo *task = task_find(c.file);
    if (task_resolve(c.file, "train", path, sizeof path) != 0) {
        fprintf(stderr, "exposure data check: %s: path too long\n", c.file);
        return EXIT_USAGE;
    }
    if (task) printf("%s: built-in task (%s), checking its train split\n", task->name, task->kind);
    Dataset d;
    char err[512];
    if (dataset_load(path, &c.opt, &d, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return EXIT_USAGE;
    }
    printf("file: %s\n", d.path);
    printf("layout: %s (%s%s)\n", layout_name(d.layout), layout_fields(d.layout),
           c.opt.layout == LAYOUT_AUTO ? ", detected" : "");
    printf("records: %d\n", d.n);
    Vocab *v = vocab_open(c.tokenizer, err, sizeof err);
    if (!v || vocab_measure(v, &d, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        vocab_free(v);
        dataset_free(&d);
        return EXIT_USAGE;
    }
    rc = print_lengths(&d, v);
    vocab_free(v);
    if (rc != 0) {
        dataset_free(&d);
        fprintf(stderr, "exposure data check: out of memory\n");
        return EXIT_RUNTIME;
    }
    int too_long = print_too_long(&d, c.context);
    rc = EXIT_OK;
    if (too_long == d.n) {
        fprintf(stderr, "%s: every record is longer than the context of %ld tokens\n", d.path,
                c.context);
        rc = EXIT_USAGE;
    }
    dataset_free(&d);
    return rc;
}

static int run(const Args *a) {
    if (a->n_positional < 1) return cli_usage_error("data", "gen or check?");
    if (strcmp(a->positional[0], "gen") == 0) return data_gen(a);
    if (strcmp(a->positional[0], "check") == 0) return data_check(a);
    return cli_usage_error("data", "unknown action \"%s\" (gen or check)", a->positional[0]);
}

const Command command_data = {
    .name = "data",
    .summary = "data gen TASK --n N --seed S -o FILE | check FILE [--context N]",
    .usage =
        "exposure data gen TASK --n N --seed S -o FILE\n"
        "       exposure data check FILE [--layout L] [--context N] [--keep-calc] [--tokenizer T]",
    .about = "  gen     write N records of a built-in task as JSONL\n"
             "  check   load a dataset and report its layout, size and lengths\n",
    .flags = flags,
    .more_help = more_help,
    .run = run,
};

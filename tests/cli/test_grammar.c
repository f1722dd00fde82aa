/* One command-line grammar for every command: the global options (--db F, --db=F, --help,
 * --version) before or after the command, flags as --flag value or --flag=value, $EXPOSURE_DB,
 * and the same messages everywhere for an unknown flag (with the closest one), a missing
 * value, a value given twice or to a switch. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run.h"
#include "scratch.h"
#include "sql.h"
#include "version.h"

static char dir[] = "/tmp/exposure-grammar-XXXXXX";
static char db[300], small[300];

static void setup(void) {
    scratch_create(dir, db, sizeof db, "runs.db");
    snprintf(small, sizeof small, "%s/small.jsonl", dir);
    FILE *f = fopen(small, "w");
    cr_assert_not_null(f);
    for (int i = 0; i < 24; i++)
        fprintf(f, "{\"prompt\":\"%d+%d=\",\"response\":\"%d\"}\n", i, i + 1, 2 * i + 1);
    cr_assert_eq(fclose(f), 0);
}
static void teardown(void) { scratch_remove(dir); }
TestSuite(grammar, .init = setup, .fini = teardown, .timeout = 240);

#define TINY                                                                                       \
    "--set", "model.layers=1", "--set", "model.dim=16", "--set", "model.heads=2", "--set",         \
        "train.batch=4", "--set", "train.eval_samples=2", "--set", "train.threads=1", "--set",     \
        "model.context=32", "--set", "train.steps=2"

#define RUN(...) run_exposure((const char *[]){__VA_ARGS__, NULL}, NULL)

static void expect_ok(RunResult r, const char *in_out) {
    cr_assert_eq(r.status, 0, "stdout: %s\nstderr: %s", r.out, r.err);
    if (in_out) cr_assert_not_null(strstr(r.out, in_out), "no '%s' in\n%s", in_out, r.out);
    run_free(&r);
}

static void expect_usage(RunResult r, const char *in_err) {
    cr_assert_eq(r.status, 2, "stdout: %s\nstderr: %s", r.out, r.err);
    cr_assert_not_null(strstr(r.err, in_err), "no '%s' in\n%s", in_err, r.err);
    cr_assert_str_eq(r.out, "");
    run_free(&r);
}

/* Each command opens the database it is given, however --db is spelled and wherever it is. */
Test(grammar, db_before_or_after_every_command) {
    char db_is[320], data[340];
    snprintf(db_is, sizeof db_is, "--db=%s", db);
    snprintf(data, sizeof data, "data.train=%s", small);
    expect_ok(RUN("--db", db, "train", "--quiet", "--name", "first", TINY, "--set", data), NULL);
    expect_ok(RUN("train", "--quiet", "--name", "second", TINY, "--set", data, db_is), NULL);
    cr_assert_eq(sql_double(db, "SELECT count(*) FROM runs"), 2);
    expect_ok(RUN(db_is, "sweep", "--quiet", "--methods", "baseline", "--seeds", "1", "--tasks",
                  small, TINY),
              NULL);
    expect_ok(RUN("sweep", "--quiet", "--methods", "baseline", "--seeds", "2", "--tasks", small,
                  TINY, "--db", db),
              NULL);
    cr_assert_eq(sql_double(db, "SELECT count(DISTINCT sweep) FROM runs WHERE sweep > 0"), 2);
    /* The four spellings for the commands that read it. */
    char md[320], plots[320];
    snprintf(md, sizeof md, "%s/report.md", dir);
    snprintf(plots, sizeof plots, "%s/plots", dir); /* not sweep-ID/ in the current directory */
    expect_ok(RUN("--db", db, "runs", "list"), "first");
    expect_ok(RUN("runs", "list", "--db", db), "second");
    expect_ok(RUN(db_is, "runs", "show", "1"), "first");
    expect_ok(RUN("runs", "show", "2", db_is), "second");
    expect_ok(RUN("--db", db, "eval", "--run", "1", "--limit", "1"), "run 1 step 2");
    expect_ok(RUN("eval", "--run=2", "--limit=1", "--db", db), "run 2 step 2");
    expect_ok(RUN(db_is, "eval", "--run", "1", "--limit", "1"), "run 1 step 2");
    expect_ok(RUN("eval", "--run", "2", "--limit", "1", db_is), "run 2 step 2");
    expect_ok(RUN("--db", db, "report", "--sweep", "1", "--plots", plots), "# ");
    expect_ok(RUN("report", "--sweep", "2", "--plots", plots, "--db", db), "# ");
    expect_ok(RUN(db_is, "report", "--sweep=1", "-o", md), NULL);
    expect_ok(RUN("report", "--sweep", "2", "--output", md, db_is), NULL);
    /* Commands without a database take --db too, as every command does. */
    expect_ok(RUN("--db", db, "config", "show"), "\"model\"");
    expect_ok(RUN("data", "check", small, db_is), "records: 24");
    /* Given twice, wherever: refused rather than one silently winning. */
    expect_usage(RUN("--db", db, "runs", "list", "--db", "other.db"), "--db given twice");
}

Test(grammar, exposure_db_from_the_environment) {
    char data[340];
    snprintf(data, sizeof data, "data.train=%s", small);
    expect_ok(RUN("--db", db, "train", "--quiet", "--name", "from-env", TINY, "--set", data), NULL);
    cr_assert_eq(setenv("EXPOSURE_DB", db, 1), 0);
    RunResult listed = RUN("runs", "list");
    char other[320];
    snprintf(other, sizeof other, "%s/other.db", dir);
    RunResult overridden = RUN("runs", "list", "--db", other);
    cr_assert_eq(unsetenv("EXPOSURE_DB"), 0);
    expect_ok(listed, "from-env");
    cr_assert_null(strstr(overridden.out, "from-env"), "--db wins over $EXPOSURE_DB");
    expect_ok(overridden, "no runs");
}

/* The global options block of the program's help, which every command's help repeats. */
static char *global_block(const char *help) {
    const char *at = strstr(help, "global options");
    cr_assert_not_null(at, "%s", help);
    const char *end = strstr(at, "\n\n");
    size_t n = end ? (size_t)(end - at) : strlen(at);
    while (n > 0 && at[n - 1] == '\n') n--;
    char *block = malloc(n + 1);
    cr_assert_not_null(block);
    memcpy(block, at, n);
    block[n] = '\0';
    return block;
}

Test(grammar, help_before_or_after_every_command_lists_the_same_global_options) {
    RunResult top = RUN("--help");
    cr_assert_eq(top.status, 0);
    char *global = global_block(top.out);
    cr_assert_not_null(strstr(global, "--db F"), "%s", global);
    cr_assert_not_null(strstr(global, "--version"), "%s", global);
    static const char *const commands[] = {"bench", "config", "data",  "eval", "report",
                                           "runs",  "sweep",  "train", "ui"};
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        const char *c = commands[i];
        char usage[64];
        snprintf(usage, sizeof usage, "usage: exposure %s", c);
        cr_assert_not_null(strstr(top.out, usage + strlen("usage: ")), "%s not listed", c);
        const char *const *lines[] = {
            (const char *[]){c, "--help", NULL}, (const char *[]){"--help", c, NULL},
            (const char *[]){"-h", c, NULL}, (const char *[]){c, "--no-such-flag", "-h", NULL}};
        for (size_t k = 0; k < sizeof lines / sizeof *lines; k++) {
            RunResult r = run_exposure(lines[k], NULL);
            cr_assert_eq(r.status, 0, "%s (form %zu): %s", c, k, r.err);
            cr_assert_str_eq(r.err, "", "%s (form %zu)", c, k);
            cr_assert_eq(strncmp(r.out, usage, strlen(usage)), 0, "%s (form %zu):\n%s", c, k,
                         r.out);
            char *block = global_block(r.out);
            cr_assert_str_eq(block, global, "%s (form %zu)", c, k);
            free(block);
            run_free(&r);
        }
    }
    free(global);
    run_free(&top);
}

/* The version on its first line, then the machine and its BLAS kernels (test_kernels.c). */
static void expect_version(const RunResult *r, const char *line) {
    const char *first = "exposure " EXPOSURE_VERSION "\n";
    cr_assert_eq(strncmp(r->out, first, strlen(first)), 0, "exposure %s ...: %s", line, r->out);
    cr_assert_not_null(strstr(r->out, "\nblas    OpenBLAS"), "exposure %s ...: %s", line, r->out);
}

Test(grammar, version_before_or_after_a_command) {
    const char *const *lines[] = {(const char *[]){"--version", NULL},
                                  (const char *[]){"train", "--version", NULL},
                                  (const char *[]){"--version", "runs", "list", NULL}};
    for (size_t k = 0; k < sizeof lines / sizeof *lines; k++) {
        RunResult r = run_exposure(lines[k], NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        expect_version(&r, "--version");
        run_free(&r);
    }
}

Test(grammar, the_same_messages_for_every_command) {
    expect_usage(RUN("train", "--jsnol"), "exposure train: unknown option '--jsnol' (did you "
                                          "mean --jsonl?)");
    expect_usage(RUN("runs", "list", "--jsn"), "unknown option '--jsn'");
    expect_usage(RUN("sweep", "--methds", "bash"), "(did you mean --methods?)");
    expect_usage(RUN("trian"), "exposure: unknown command 'trian' (did you mean train?)");
    expect_usage(RUN("eval", "--run"), "exposure eval: --run needs a value (--run ID)");
    expect_usage(RUN("eval", "--run", "--jsonl"), "--run needs a value");
    expect_usage(RUN("train", "--config"), "--config needs a value (--config F)");
    expect_usage(RUN("--db"), "exposure: --db needs a value");
    expect_usage(RUN("train", "--jsonl=yes"), "exposure train: --jsonl takes no value");
    expect_usage(RUN("train", "--name", "a", "--name", "b"), "--name given twice");
    expect_usage(RUN("bench", "extra"), "exposure bench: unexpected argument 'extra'");
    expect_usage(RUN("runs", "list", "--svg", "x.svg"), "exposure runs: list does not take --svg");
    expect_usage(RUN("data", "gen", "arith", "--context", "9"), "gen does not take --context");
    /* A command's own flags come after its name; only the global options may come before. */
    expect_usage(RUN("--set", "train.steps=1", "train"), "exposure: unknown option '--set'");
    /* After "--", a word that looks like a flag is an argument (here a file name). */
    RunResult r = RUN("data", "check", "--", "-not-a-flag.jsonl");
    cr_assert_eq(r.status, 2, "%s", r.err);
    cr_assert_not_null(strstr(r.err, "-not-a-flag.jsonl: cannot open"), "%s", r.err);
    run_free(&r);
}

/* Without a terminal, `exposure --db F` prints the help as plain `exposure` does. */
Test(grammar, no_command_without_a_terminal_prints_the_help) {
    char db_is[320];
    snprintf(db_is, sizeof db_is, "--db=%s", db);
    expect_ok(RUN("--db", db), "usage:\n  exposure ");
    expect_ok(RUN(db_is), "usage:\n  exposure ");
    cr_assert_neq(access(db, F_OK), 0, "no database was created");
}

/* The command lines of README.md (its synopsis with values filled in, and its examples) are
 * accepted as written: with --version added, a line that parses prints the version. */
Test(grammar, readme_command_lines_parse) {
    const char *const *lines[] = {
        (const char *[]){"train", NULL},
        (const char *[]){"train", "--config", "F", "--set", "train.steps=5", "--set",
                         "method.name=bash", "--db", "F", "--name", "N", "--jsonl", "--quiet",
                         NULL},
        (const char *[]){"train", "--set", "train.threads=1", NULL},
        (const char *[]){"train", "--resume", "1", NULL},
        (const char *[]){"eval", "--run", "1", "--split", "test", NULL},
        (const char *[]){"eval", "--run", "1", "--split", "val", "--data", "F", "--limit", "5",
                         "--jsonl", NULL},
        (const char *[]){"runs", "list", NULL},
        (const char *[]){"runs", "show", "1", NULL},
        (const char *[]){"runs", "compare", "1", "2", "--step", "5", NULL},
        (const char *[]){"runs", "export", "1", "--format", "json", NULL},
        (const char *[]){"runs", "plot", "1", "2", "--svg", "F", NULL},
        (const char *[]){"runs", "rm", "1", "--yes", NULL},
        (const char *[]){"data", "gen", "arith", "--n", "6000", "--seed", "101", "-o",
                         "assets/datasets/arith/train.jsonl", NULL},
        (const char *[]){"data", "check", "F", "--context", "64", "--tokenizer", "gpt2", NULL},
        (const char *[]){"model", "import", "F.safetensors", "--name", "N", "--tokenizer", "gpt2",
                         NULL},
        (const char *[]){"model", "export", "1:5", "-o", "F.safetensors", "--bf16", NULL},
        (const char *[]){"tokenizer", "train", "arith", "--vocab", "600", "-o", "F.json",
                         "--min-count", "2", NULL},
        (const char *[]){"sweep", "--config", "F", "--methods", "baseline,bash,rac", "--seeds",
                         "1,2,3", "--tasks", "arith,facts", "--test", NULL},
        (const char *[]){"sweep", "--preset", "paper", NULL},
        (const char *[]){"sweep", "--preset", "paper", "--quick", NULL},
        (const char *[]){"sweep", "--preset", "scratch", NULL},
        (const char *[]){"report", "--sweep", "1", "-o", "docs/results.md", NULL},
        (const char *[]){"bench", "--model", "S", "--steps", "20", "--json", NULL},
        (const char *[]){"config", "keys", NULL},
        (const char *[]){"config", "default", NULL},
        (const char *[]){"config", "show", "--config", "F", "--set", "train.steps=5", NULL},
        (const char *[]){"ui", "--db", "F", "--set", "model.layers=2", NULL},
    };
    for (size_t k = 0; k < sizeof lines / sizeof *lines; k++) {
        const char *words[32];
        int n = 0;
        for (const char *const *w = lines[k]; *w; w++) words[n++] = *w;
        words[n++] = "--version";
        words[n] = NULL;
        RunResult r = run_exposure(words, NULL);
        cr_assert_eq(r.status, 0, "exposure %s ...: %s", lines[k][0], r.err);
        expect_version(&r, lines[k][0]);
        run_free(&r);
    }
}

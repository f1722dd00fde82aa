/* exposure sweep and exposure report on a tiny grid. */
#include <criterion/criterion.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run.h"
#include "scratch.h"
#include "sql.h"
#include "store.h"

static char dir[] = "/tmp/exposure-sweep-XXXXXX";
static char db[300], small[300];

/* A small file in the facts task's layout keeps the test evaluations short. */
static void setup(void) {
    scratch_create(dir, db, sizeof db, "runs.db");
    snprintf(small, sizeof small, "%s/small.jsonl", dir);
    char cmd[800];
    snprintf(cmd, sizeof cmd, "head -n 48 assets/datasets/facts/train.jsonl > '%s'", small);
    cr_assert_eq(system(cmd), 0);
}
static void teardown(void) { scratch_remove(dir); }
TestSuite(sweep, .init = setup, .fini = teardown, .timeout = 240);

#define TINY                                                                                       \
    "--set", "model.layers=1", "--set", "model.dim=32", "--set", "model.heads=2", "--set",         \
        "train.batch=8", "--set", "train.eval_samples=8", "--set", "decode.max_new_tokens=24",     \
        "--set", "train.threads=1", "--set", "train.warmup=2", "--set", "train.eval_every=0"

/* The count a query returns; 0 while the database or its tables do not exist yet. */
static int count_or_zero(const char *sql) {
    sqlite3 *h;
    sqlite3_stmt *st;
    int n = 0;
    if (access(db, F_OK) != 0 || sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return 0;
    if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(h);
    return n;
}

static int count(const char *sql) {
    sqlite3 *h;
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(h));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    int n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return n;
}

/* Writes sweep 1's report to FILE in the scratch directory and returns its text (free it). */
static char *report_of_sweep_1(const char *file) {
    char md[400];
    snprintf(md, sizeof md, "%s/%s", dir, file);
    RunResult r =
        run_exposure((const char *[]){"report", "--sweep", "1", "--db", db, "-o", md, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    size_t n;
    char *text = file_bytes(md, &n);
    cr_assert_not_null(text);
    return text;
}

Test(sweep, grid_then_report) {
    /* A file brings no test split of its own: data.test names one (here the file itself). */
    char test_set[400];
    snprintf(test_set, sizeof test_set, "data.test=%s", small);
    RunResult r =
        run_exposure((const char *[]){"sweep", "--db", db, "--methods", "baseline,bash", "--seeds",
                                      "3,4", "--tasks", small, "--test", "--quiet", TINY, "--set",
                                      "train.steps=12", "--set", test_set, NULL},
                     NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "small.jsonl (test split"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "baseline        2"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "bash            2"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "±"));
    run_free(&r);
    cr_assert_eq(count("SELECT count(*) FROM runs WHERE sweep=1 AND status='completed'"), 4);
    cr_assert_eq(count("SELECT count(DISTINCT seed) FROM runs WHERE sweep=1"), 2);
    cr_assert_eq(count("SELECT count(*) FROM runs WHERE sweep=1 AND dataset LIKE '%small.jsonl'"),
                 4);
    cr_assert_eq(count("SELECT count(*) FROM metrics WHERE key='test/f1'"), 4);

    char md[400], svg[800];
    snprintf(md, sizeof md, "%s/results.md", dir);
    snprintf(svg, sizeof svg, "%s/results/sweep1-%s.svg", dir, small);
    for (char *p = svg + strlen(dir) + strlen("/results/sweep1-"); *p; p++)
        if (*p == '/') *p = '_';
    r = run_exposure((const char *[]){"report", "--sweep", "1", "--db", db, "-o", md, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    FILE *f = fopen(md, "r");
    cr_assert_not_null(f);
    char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    char heading[400], verdict[400];
    snprintf(heading, sizeof heading, "## %s\n", small);
    snprintf(verdict, sizeof verdict, "**%s, bash**", small);
    cr_assert_not_null(strstr(text, heading), "%s", text);
    cr_assert_not_null(strstr(text, verdict), "%s", text);
    cr_assert_not_null(strstr(text, "](results/sweep1-"), "%s", text);
    /* Every run has its own row. */
    for (int run = 1; run <= 4; run++) {
        char row[32];
        snprintf(row, sizeof row, "\n| %d | ", run);
        cr_assert_not_null(strstr(text, row), "no row for run %d", run);
    }
    cr_assert_eq(access(svg, R_OK), 0, "%s not written", svg);
}

Test(sweep, ctrl_c_stops_after_the_current_run) {
    Child *c = spawn_exposure((const char *[]){"sweep", "--db", db, "--methods", "baseline,bash",
                                               "--seeds", "1", "--tasks", "arith", "--jsonl",
                                               "--quiet", TINY, "--set", "train.steps=300", NULL});
    /* Once the run exists, interrupt: it finishes, and no second run starts. */
    for (int i = 0; i < 600 && count_or_zero("SELECT count(*) FROM runs") == 0; i++) usleep(50000);
    cr_assert_eq(count("SELECT count(*) FROM runs"), 1);
    kill(c->pid, SIGINT);
    char line[4096];
    int runs = 0;
    while (child_read_line(c, line, sizeof line, 120000))
        runs += strstr(line, "\"event\":\"sweep_run\"") != NULL;
    cr_assert_eq(child_wait(c), 0);
    cr_assert_eq(runs, 1);
    cr_assert_eq(count("SELECT count(*) FROM runs"), 1);
    cr_assert_eq(count("SELECT count(*) FROM runs WHERE status='completed' AND step=300"), 1);
}

Test(sweep, bad_grid_is_refused_before_training) {
    RunResult r = run_exposure(
        (const char *[]){"sweep", "--db", db, "--methods", "baseline,beam", NULL}, NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "beam"), "%s", r.err);
    run_free(&r);
    r = run_exposure((const char *[]){"sweep", "--db", db, "--preset", "nonexistent", NULL}, NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "nonexistent"), "%s", r.err);
    run_free(&r);
    /* A file has no test split unless data.test names one: --test cannot evaluate it. */
    r = run_exposure((const char *[]){"sweep", "--db", db, "--tasks", small, "--test", NULL}, NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "has no test data (data.test is empty"), "%s", r.err);
    run_free(&r);
    cr_assert_neq(access(db, F_OK), 0, "nothing was created");
}

/* A sweep made by hand: three seeds per method on "arith", with test metrics chosen so that
 * each verdict of the report's summary has one case; a second sweep of one seed each. */
static void add_sweep_run(Store *s, int64_t sweep, const char *method, int seed, double em,
                          double gap) {
    NewRun r = {.name = method,
                .method = method,
                .dataset = "arith",
                .config_json = "{}",
                .seed = seed,
                .steps = 10,
                .sweep = sweep};
    int64_t id = store_create_run(s, &r);
    cr_assert_geq(id, 1, "%s", store_error(s));
    cr_assert_eq(store_metric(s, id, 10, "test/em", em), 0);
    cr_assert_eq(store_metric(s, id, 10, "test/gap", gap), 0);
    cr_assert_eq(store_set_status(s, id, "completed"), 0);
}

Test(sweep, report_judges_differences_by_their_spread) {
    Store *s;
    char err[1024];
    cr_assert_eq(store_open(db, &s, err, sizeof err), 0, "%s", err);
    int64_t sweep = store_create_sweep(s, "made", "{}");
    /* Paired by seed: bash's differences from the baseline are 0.19, 0.20, 0.21 in em (mean
     * 0.200, se 0.006) and -0.20, -0.19, -0.18 in gap; rac's 0.03, -0.02, 0.02 in em (mean 0.010,
     * se 0.015) and 0.10, 0.11, 0.12 in gap. */
    static const double rac_offset[] = {0.03, -0.02, 0.02};
    for (int i = 0; i < 3; i++) {
        add_sweep_run(s, sweep, "baseline", i, 0.10 + 0.02 * i, 0.5);
        add_sweep_run(s, sweep, "bash", i, 0.29 + 0.03 * i, 0.30 + 0.01 * i);
        add_sweep_run(s, sweep, "rac", i, 0.10 + 0.02 * i + rac_offset[i], 0.60 + 0.01 * i);
    }
    int64_t single = store_create_sweep(s, "one seed", "{}");
    add_sweep_run(s, single, "baseline", 1, 0.1, 0.5);
    add_sweep_run(s, single, "bash", 1, 0.5, 0.1);
    cr_assert_eq(store_commit(s), 0, "%s", store_error(s));
    store_close(s);

    char md[400], id[16];
    snprintf(md, sizeof md, "%s/made.md", dir);
    snprintf(id, sizeof id, "%lld", (long long)sweep);
    RunResult r =
        run_exposure((const char *[]){"report", "--sweep", id, "--db", db, "-o", md, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    size_t n;
    char *text = file_bytes(md, &n);
    cr_assert_not_null(text);
    cr_assert_not_null(strstr(text, "- **arith, bash**: helps on em (+0.200 ± 0.006 against "
                                    "0.120); exposure gap: smaller (-0.190 ± 0.006 against "
                                    "0.500)."),
                       "%s", text);
    cr_assert_not_null(strstr(text, "- **arith, rac**: no clear difference on em (+0.010 ± 0.015 "
                                    "against 0.120); exposure gap: larger (+0.110 ± 0.006 "
                                    "against 0.500)."),
                       "%s", text);
    cr_assert_not_null(strstr(text, "- **bash** against the baseline, on 1 task: helps on 1 "
                                    "(arith em +0.200).\n"),
                       "%s", text);
    cr_assert_not_null(strstr(text, "- **rac** against the baseline, on 1 task: no clear "
                                    "difference on 1 (arith em +0.010).\n"),
                       "%s", text);
    free(text);

    snprintf(id, sizeof id, "%lld", (long long)single);
    r = run_exposure((const char *[]){"report", "--sweep", id, "--db", db, "-o", md, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    text = file_bytes(md, &n);
    cr_assert_not_null(strstr(text, "- **arith, bash**: not judged (one seed gives no spread) on "
                                    "em (+0.400"),
                       "%s", text);
    free(text);
}

/* The plots' directory comes from the end of -o's path only, and every missing directory is
 * made: the report's own and the plots'. The links are relative to the report. */
Test(sweep, report_paths_make_their_directories_and_link_relatively) {
    Store *s;
    char err[1024];
    cr_assert_eq(store_open(db, &s, err, sizeof err), 0, "%s", err);
    int64_t sweep = store_create_sweep(s, "paths", "{}");
    add_sweep_run(s, sweep, "baseline", 1, 0.1, 0.5);
    cr_assert_eq(store_commit(s), 0, "%s", store_error(s));
    store_close(s);
    static const struct {
        const char *out, *plots, *svg, *link;
    } cases[] = {
        {"some.md.dir/results.md", NULL, "some.md.dir/results/sweep1-arith.svg", "](results/"},
        {"a/b/c.md", NULL, "a/b/c/sweep1-arith.svg", "](c/"},
        {"notes.md.txt", NULL, "notes.md.txt-plots/sweep1-arith.svg", "](notes.md.txt-plots/"},
        {"docs/r.md", "figures/r", "figures/r/sweep1-arith.svg", "](../figures/r/"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char out[400], plots[400], svg[400];
        snprintf(out, sizeof out, "%s/%s", dir, cases[i].out);
        snprintf(plots, sizeof plots, "%s/%s", dir, cases[i].plots ? cases[i].plots : "");
        snprintf(svg, sizeof svg, "%s/%s", dir, cases[i].svg);
        RunResult r = cases[i].plots
                          ? run_exposure((const char *[]){"report", "--sweep", "1", "--db", db,
                                                          "-o", out, "--plots", plots, NULL},
                                         NULL)
                          : run_exposure((const char *[]){"report", "--sweep", "1", "--db", db,
                                                          "-o", out, NULL},
                                         NULL);
        cr_assert_eq(r.status, 0, "%s: %s", cases[i].out, r.err);
        run_free(&r);
        size_t n;
        char *text = file_bytes(out, &n);
        cr_assert_not_null(text, "%s not written", out);
        cr_assert_not_null(strstr(text, cases[i].link), "%s links:\n%s", cases[i].out, text);
        free(text);
        cr_assert_eq(access(svg, R_OK), 0, "%s not written", svg);
    }
}

/* Continuations of one parent: the report groups them under the checkpoint they started from. */
Test(sweep, the_report_shows_what_warm_started_runs_started_from) {
    char data[400];
    snprintf(data, sizeof data, "data.train=%s", small);
    RunResult r =
        run_exposure((const char *[]){"train", "--db", db, "--quiet", TINY, "--set",
                                      "train.steps=12", "--set", data, "--set", "data.val=", NULL},
                     NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    r = run_exposure((const char *[]){"sweep", "--db", db, "--methods", "baseline,bash", "--seeds",
                                      "1", "--tasks", small, "--quiet", TINY, "--set",
                                      "train.steps=6", "--set", "train.init_from=1", NULL},
                     NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    cr_assert_eq(count("SELECT count(*) FROM runs WHERE sweep=1 AND parent=1 AND parent_step=12"),
                 2);
    char *text = report_of_sweep_1("warm.md");
    cr_assert_not_null(strstr(text, "Warm starts (train.init_from)"), "%s", text);
    cr_assert_not_null(strstr(text, "- from `1:12` (fnv1a64:"), "%s", text);
    cr_assert_not_null(strstr(text, "run 2 (baseline, seed 1), run 3 (bash, seed 1)."), "%s", text);
    free(text);
}

/* The warm-start study of --preset paper, cut down to one small file, three arms and a few
 * steps: per seed a parent, then one continuation per arm from the parent's last checkpoint,
 * tagged so that the table and the report tell them apart. */
Test(sweep, study_continues_each_parent_once_per_arm) {
    char test_set[400];
    snprintf(test_set, sizeof test_set, "data.test=%s", small);
    RunResult r = run_exposure((const char *[]){"sweep", "--db", db, "--preset", "paper", "--quick",
                                                "--quiet", "--tasks", small, "--seeds", "4,5",
                                                "--methods", "baseline,bash,rac", "--set", test_set,
                                                "--set", "train.steps=6", TINY, NULL},
                               NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "parent"), "%s", r.out);
    run_free(&r);
    cr_assert_eq(count("SELECT count(*) FROM runs WHERE status='completed'"), 8);
    cr_assert_eq(count("SELECT count(*) FROM runs WHERE tags='study=parent' AND parent IS NULL "
                       "AND method='baseline'"),
                 2);
    /* Every continuation starts from the last step of its own seed's parent. */
    cr_assert_eq(count("SELECT count(*) FROM runs c JOIN runs p ON c.parent = p.id "
                       "WHERE p.tags='study=parent' AND c.seed = p.seed AND c.parent_step = 6 "
                       "AND c.tags LIKE 'arm=%'"),
                 6);
    cr_assert_eq(count("SELECT count(DISTINCT tags) FROM runs WHERE tags LIKE 'arm=%'"), 3);
    cr_assert_eq(count("SELECT count(*) FROM runs WHERE tags='arm=rac' AND method='rac'"), 2);
    cr_assert_eq(count("SELECT count(*) FROM metrics m JOIN runs r ON m.run = r.id "
                       "WHERE m.key='test/em'"),
                 8, "parents and continuations are evaluated on the test file");

    char *text = report_of_sweep_1("study.md");
    cr_assert_not_null(strstr(text, "fine-tuning trained models"), "%s", text);
    cr_assert_not_null(strstr(text, "## Is there exposure bias to remove?"), "%s", text);
    cr_assert_not_null(strstr(text, "| parent | 2 |"), "%s", text);
    cr_assert_not_null(strstr(text, "**rac** (rac, ω constant 0.5"), "%s", text);
    cr_assert_not_null(strstr(text, "- **bash** against the baseline, on 1 task:"), "%s", text);
    cr_assert_null(strstr(text, "- **parent** against"), "a parent is not an arm: %s", text);
    free(text);

    /* An arm the preset does not have is refused before anything trains. */
    r = run_exposure((const char *[]){"sweep", "--db", db, "--preset", "paper", "--methods",
                                      "baseline,beam", NULL},
                     NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "no arm 'beam'"), "%s", r.err);
    run_free(&r);
}

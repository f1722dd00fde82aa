/* exposure runs, driven as a user would, on a database built through the store's API. */
#include <cJSON.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run.h"
#include "scratch.h"
#include "sql.h"
#include "store.h"

static char dir[] = "/tmp/exposure-runs-XXXXXX";
static char db[512], inside_ckpt[700], outside_ckpt[600], run_dir[600];

static void add_file(const char *path) {
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs("checkpoint bytes", f);
    cr_assert_eq(fclose(f), 0);
}

static int64_t add_run(Store *s, const char *name, const char *method, const char *config,
                       int with_em) {
    NewRun nr = {.name = name,
                 .method = method,
                 .dataset = "assets/datasets/arith/train.jsonl",
                 .config_json = config,
                 .seed = 1,
                 .steps = 100};
    int64_t id = store_create_run(s, &nr);
    cr_assert_geq(id, 1, "%s", store_error(s));
    for (int step = 0; step <= 100; step += 10) {
        cr_assert_eq(store_metric(s, id, step, "loss", 4.0 / (step + 1)), 0);
        cr_assert_eq(store_progress(s, id, step), 0);
    }
    for (int step = 50; step <= 100; step += 50) {
        cr_assert_eq(store_metric(s, id, step, "val/loss", step == 50 ? 0.5 : 0.75), 0);
        if (with_em) cr_assert_eq(store_metric(s, id, step, "val/em", step / 200.0), 0);
    }
    cr_assert_eq(store_event(s, id, 40, "schedule", "{\"kind\":\"linear\"}"), 0);
    for (int i = 0; i < 3; i++) {
        SampleRow row = {.step = 100,
                         .split = "val",
                         .idx = i,
                         .prompt = "2+2?",
                         .reference = "4",
                         .output = "4",
                         .raw_output = "4",
                         .em = 1};
        cr_assert_eq(store_sample(s, id, &row), 0);
    }
    cr_assert_eq(store_commit(s), 0, "%s", store_error(s));
    return id;
}

/* Run 1 baseline with val/em, run 2 rac without it (and with checkpoint files), run 3
 * still running in this process. */
static void setup(void) {
    scratch_create(dir, db, sizeof db, "runs/exposure.db");
    Store *s;
    char err[1024];
    cr_assert_eq(store_open(db, &s, err, sizeof err), 0, "%s", err);
    int64_t a = add_run(s, "baseline-s1", "baseline",
                        "{\"model\":{\"layers\":2,\"dim\":64},\"method\":{\"name\":\"baseline\"},"
                        "\"train\":{\"steps\":100}}",
                        1);
    int64_t b = add_run(s, "rac-s1", "rac",
                        "{\"model\":{\"layers\":2,\"dim\":128},\"method\":{\"name\":\"rac\","
                        "\"rac\":{\"granularity\":\"token\"}},\"train\":{\"steps\":100}}",
                        0);
    cr_assert_eq(store_set_status(s, a, "completed"), 0);
    cr_assert_eq(store_set_status(s, b, "stopped"), 0);
    cr_assert_eq(store_make_run_dir(s, b, run_dir, sizeof run_dir), 0);
    snprintf(inside_ckpt, sizeof inside_ckpt, "%s/step100.ckpt", run_dir);
    snprintf(outside_ckpt, sizeof outside_ckpt, "%s/elsewhere.ckpt", dir);
    add_file(inside_ckpt);
    add_file(outside_ckpt);
    cr_assert_eq(store_checkpoint(s, b, 50, outside_ckpt), 0);
    cr_assert_eq(store_checkpoint(s, b, 100, inside_ckpt), 0);
    NewRun live = {.name = "live", .method = "bash", .steps = 10};
    cr_assert_eq(store_create_run(s, &live), 3);
    store_close(s);
}

static void teardown(void) { scratch_remove(dir); }

TestSuite(runs, .init = setup, .fini = teardown);

#define RUNS(...) run_exposure((const char *[]){"runs", __VA_ARGS__, NULL}, NULL)

static int count_lines(const char *text) {
    int n = 0;
    for (; *text; text++) n += *text == '\n';
    return n;
}

static int count_of(const char *text, const char *needle) {
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle)) n++;
    return n;
}

/* Splits line at spaces into at most max words (pointers into line, which is modified). */
static int words(char *line, char **out, int max) {
    int n = 0;
    for (char *w = strtok(line, " "); w && n < max; w = strtok(NULL, " ")) out[n++] = w;
    return n;
}

/* The line of text that contains needle, copied into out. */
static void line_with(const char *text, const char *needle, char *out, size_t cap) {
    const char *hit = strstr(text, needle);
    cr_assert_not_null(hit, "no line with '%s' in:\n%s", needle, text);
    const char *start = hit;
    while (start > text && start[-1] != '\n') start--;
    size_t len = strcspn(start, "\n");
    snprintf(out, cap, "%.*s", (int)len, start);
}

Test(runs, help) {
    RunResult r = RUNS("--help");
    cr_assert_eq(r.status, 0);
    cr_assert_not_null(strstr(r.out, "usage: exposure runs list"));
    run_free(&r);
    r = RUNS("plot", "--help");
    cr_assert_eq(r.status, 0);
    cr_assert_not_null(strstr(r.out, "--svg"));
    run_free(&r);
}

Test(runs, usage_errors) {
    const char *cases[][4] = {
        {"runs", NULL},
        {"runs", "frob", NULL},
        {"runs", "show", NULL},
        {"runs", "show", "abc", NULL},
        {"runs", "show", "0", NULL},
        {"runs", "compare", "1", NULL},
        {"runs", "list", "--frob", NULL},
        {"runs", "list", "--yes", NULL},
        {"runs", "export", "1", "--format"},
        {"runs", "plot", "1", NULL},
        {"runs", "rm", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *args[8] = {0};
        for (int k = 0; k < 4 && cases[i][k]; k++) args[k] = cases[i][k];
        RunResult r = run_exposure(args, NULL);
        cr_assert_eq(r.status, 2, "case %zu: %s", i, r.err);
        cr_assert_not_null(strstr(r.err, "exposure runs:"), "case %zu: %s", i, r.err);
        run_free(&r);
    }
    RunResult r = RUNS("export", "1", "--format", "xml", "--db", db);
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "xml"));
    run_free(&r);
}

Test(runs, list_table) {
    RunResult r = RUNS("list", "--db", db);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_eq(count_lines(r.out), 4, "%s", r.out);
    char line[512];
    line_with(r.out, "id  name", line, sizeof line);
    cr_assert_not_null(strstr(line, "best val/loss"));
    cr_assert_not_null(strstr(line, "last val/em"));
    /* id name method dataset status steps val/loss best, last; val/em best, last; time;
     * the checkpoint it started from */
    const char *expect[3][11] = {
        {"1", "baseline-s1", "baseline", "arith", "completed", "100/100", "0.5", "0.75", "0.5",
         "0.5", NULL},
        {"2", "rac-s1", "rac", "arith", "stopped", "100/100", "0.5", "0.75", "-", "-", NULL},
        {"3", "live", "bash", "-", "running", "0/10", "-", "-", "-", "-", NULL},
    };
    const char *names[] = {"baseline-s1", "rac-s1", "live"};
    for (int i = 0; i < 3; i++) {
        char *w[16];
        line_with(r.out, names[i], line, sizeof line);
        cr_assert_eq(words(line, w, 16), 12, "%s", r.out);
        for (int k = 0; k < 10; k++)
            cr_assert_str_eq(w[k], expect[i][k], "run %d column %d:\n%s", i + 1, k, r.out);
        cr_assert(strchr(w[10], 's'), "a duration: %s", w[10]);
        cr_assert_str_eq(w[11], "-", "trained from scratch");
    }
    run_free(&r);
}

Test(runs, list_json) {
    RunResult r = RUNS("list", "--json", "--db", db);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_eq(count_lines(r.out), 3);
    cr_assert_null(strstr(r.out, ": "), "compact");
    cJSON *first = cJSON_ParseWithOpts(r.out, NULL, 0);
    cr_assert_not_null(first);
    cr_assert_eq(cJSON_GetObjectItem(first, "id")->valuedouble, 1);
    cr_assert_str_eq(cJSON_GetObjectItem(first, "name")->valuestring, "baseline-s1");
    cr_assert_str_eq(cJSON_GetObjectItem(first, "status")->valuestring, "completed");
    cJSON *metrics = cJSON_GetObjectItem(first, "metrics");
    cJSON *val_loss = cJSON_GetObjectItem(metrics, "val/loss");
    cr_assert_not_null(val_loss);
    cr_assert_eq(cJSON_GetObjectItem(val_loss, "best")->valuedouble, 0.5);
    cr_assert_eq(cJSON_GetObjectItem(val_loss, "last")->valuedouble, 0.75);
    cJSON_Delete(first);
    run_free(&r);
}

Test(runs, list_uses_environment_and_creates_nothing) {
    char missing[600];
    snprintf(missing, sizeof missing, "%s/nowhere/exposure.db", dir);
    cr_assert_eq(setenv("EXPOSURE_DB", missing, 1), 0);
    RunResult r = RUNS("list");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "no runs"));
    run_free(&r);
    struct stat st;
    cr_assert_eq(stat(missing, &st), -1, "list created a database");
    r = RUNS("show", "1");
    cr_assert_eq(r.status, 1);
    run_free(&r);

    cr_assert_eq(setenv("EXPOSURE_DB", db, 1), 0);
    r = RUNS("list");
    cr_assert_eq(r.status, 0);
    cr_assert_not_null(strstr(r.out, "baseline-s1"));
    run_free(&r);
    unsetenv("EXPOSURE_DB");
}

Test(runs, foreign_database_file) {
    char path[600];
    snprintf(path, sizeof path, "%s/notes.txt", dir);
    const char text[] = "{\"not\": \"a database\"}\n";
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    RunResult r = RUNS("list", "--db", path);
    cr_assert_eq(r.status, 1);
    cr_assert_not_null(strstr(r.err, "not an SQLite database"), "%s", r.err);
    cr_assert_not_null(strstr(r.err, path));
    run_free(&r);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_size, (off_t)strlen(text));
}

Test(runs, show) {
    RunResult r = RUNS("show", "2", "--db", db);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "run 2: rac-s1"));
    cr_assert_not_null(strstr(r.out, "status     stopped"));
    cr_assert_not_null(strstr(r.out, "  \"model\": {"), "pretty config:\n%s", r.out);
    cr_assert_not_null(strstr(r.out, "\"granularity\": \"token\""));
    char line[512];
    line_with(r.out, "val/loss ", line, sizeof line);
    cr_assert_not_null(strstr(line, "0.75"), "last: %s", line);
    cr_assert_not_null(strstr(line, "0.5"), "best: %s", line);
    cr_assert_not_null(strstr(r.out, "events: 1"));
    cr_assert_not_null(strstr(r.out, "schedule"));
    cr_assert_not_null(strstr(r.out, "checkpoints: 2"));
    cr_assert_not_null(strstr(r.out, "step100.ckpt"));
    cr_assert_not_null(strstr(r.out, "samples: 3"));
    run_free(&r);

    r = RUNS("show", "99", "--db", db);
    cr_assert_eq(r.status, 1);
    cr_assert_not_null(strstr(r.err, "no run 99"));
    cr_assert_str_eq(r.out, "");
    run_free(&r);
}

Test(runs, compare) {
    RunResult r = RUNS("compare", "1", "2", "--step", "60", "--db", db);
    cr_assert_eq(r.status, 0, "%s", r.err);
    char line[512];
    line_with(r.out, "method ", line, sizeof line);
    cr_assert(strstr(line, "baseline") && strstr(line, "rac"), "%s", line);
    cr_assert_not_null(strstr(r.out, "#1 baseline-s1"));
    line_with(r.out, "val/em ", line, sizeof line);
    cr_assert_not_null(strstr(line, "last"));
    cr_assert_not_null(strstr(line, "0.5"), "%s", line);
    cr_assert_not_null(strstr(line, " -"), "run 2 has no val/em: %s", line);
    line_with(r.out, "at 60", line, sizeof line);
    cr_assert_not_null(strstr(r.out, "config differences"));
    line_with(r.out, "model.dim", line, sizeof line);
    cr_assert(strstr(line, "64") && strstr(line, "128"), "%s", line);
    line_with(r.out, "method.name", line, sizeof line);
    cr_assert(strstr(line, "\"baseline\"") && strstr(line, "\"rac\""), "%s", line);
    line_with(r.out, "method.rac.granularity", line, sizeof line);
    cr_assert_not_null(strstr(line, " -"), "missing in run 1: %s", line);
    cr_assert_null(strstr(r.out, "model.layers"), "equal keys are not shown");
    cr_assert_null(strstr(r.out, "train.steps"));
    run_free(&r);

    r = RUNS("compare", "1", "77", "--db", db);
    cr_assert_eq(r.status, 1);
    cr_assert_not_null(strstr(r.err, "no run 77"));
    run_free(&r);
}

Test(runs, export_csv) {
    RunResult r = RUNS("export", "1", "--db", db);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_eq(strncmp(r.out, "run,step,key,value,wall\n", 24), 0, "%s", r.out);
    /* 11 loss + 2 val/loss + 2 val/em rows. */
    cr_assert_eq(count_lines(r.out), 1 + 11 + 2 + 2);
    cr_assert_not_null(strstr(r.out, "\n1,10,loss,0.36363636363636365,"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "\n1,100,val/loss,0.75,"));
    run_free(&r);
}

Test(runs, export_json_to_file) {
    char path[600];
    snprintf(path, sizeof path, "%s/run1.json", dir);
    RunResult r = RUNS("export", "1", "--format", "json", "-o", path, "--db", db);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "");
    run_free(&r);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    cJSON *j = cJSON_Parse(buf);
    cr_assert_not_null(j, "%s", buf);
    cJSON *run = cJSON_GetObjectItem(j, "run");
    cr_assert_str_eq(cJSON_GetObjectItem(run, "name")->valuestring, "baseline-s1");
    cJSON *config = cJSON_GetObjectItem(run, "config");
    cr_assert(cJSON_IsObject(config));
    cJSON *loss = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "metrics"), "loss");
    cr_assert_eq(cJSON_GetArraySize(loss), 11);
    cJSON *row = cJSON_GetArrayItem(loss, 1);
    cr_assert_eq(cJSON_GetArrayItem(row, 0)->valuedouble, 10);
    cr_assert_eq(cJSON_GetArrayItem(row, 1)->valuedouble, 4.0 / 11);
    cJSON *events = cJSON_GetObjectItem(j, "events");
    cr_assert_eq(cJSON_GetArraySize(events), 1);
    cJSON *ev = cJSON_GetArrayItem(events, 0);
    cr_assert_str_eq(cJSON_GetObjectItem(ev, "kind")->valuestring, "schedule");
    cr_assert(cJSON_IsObject(cJSON_GetObjectItem(ev, "detail")));
    cJSON_Delete(j);
}

Test(runs, plot) {
    char path[600];
    snprintf(path, sizeof path, "%s/curves.svg", dir);
    RunResult r = RUNS("plot", "1", "2", "--svg", path, "--db", db);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    static char svg[1 << 18];
    size_t n = fread(svg, 1, sizeof svg - 1, f);
    svg[n] = '\0';
    fclose(f);
    cr_assert_not_null(strstr(svg, "<svg"));
    cr_assert_not_null(strstr(svg, "</svg>"));
    cr_assert_not_null(strstr(svg, "train loss"));
    cr_assert_not_null(strstr(svg, "val/em"));
    /* Legend entries in each of the three panels. */
    cr_assert_eq(count_of(svg, "#1 baseline-s1"), 3);
    cr_assert_eq(count_of(svg, "#2 rac-s1"), 3);

    r = RUNS("plot", "3", "--svg", path, "--db", db);
    cr_assert_eq(r.status, 1, "a run without metrics");
    cr_assert_not_null(strstr(r.err, "no loss"));
    run_free(&r);
}

static int exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

Test(runs, rm_asks_first) {
    RunResult r = run_exposure((const char *[]){"runs", "rm", "2", "--db", db, NULL}, "n\n");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.err, "delete run 2 (rac-s1, 13 metrics)? [y/N]"), "%s", r.err);
    run_free(&r);
    r = RUNS("show", "2", "--db", db);
    cr_assert_eq(r.status, 0, "declined: still there");
    run_free(&r);
    cr_assert(exists(inside_ckpt));

    r = run_exposure((const char *[]){"runs", "rm", "2", "--db", db, NULL}, "y\n");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "deleted run 2"));
    run_free(&r);
    r = RUNS("show", "2", "--db", db);
    cr_assert_eq(r.status, 1);
    run_free(&r);
    cr_assert(!exists(inside_ckpt), "its checkpoint file is gone");
    cr_assert(!exists(run_dir), "and its directory");
    cr_assert(exists(outside_ckpt), "nothing outside its directory is touched");

    r = RUNS("rm", "2", "--yes", "--db", db);
    cr_assert_eq(r.status, 1);
    cr_assert_not_null(strstr(r.err, "no run 2"));
    run_free(&r);
}

Test(runs, rm_yes_and_running) {
    RunResult r = RUNS("rm", "1", "--yes", "--db", db);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.err, "");
    run_free(&r);
    r = RUNS("rm", "3", "--yes", "--db", db);
    cr_assert_eq(r.status, 1, "a running run is not deleted");
    cr_assert_not_null(strstr(r.err, "running"));
    run_free(&r);
    r = RUNS("list", "--db", db);
    cr_assert_null(strstr(r.out, "baseline-s1"));
    cr_assert_not_null(strstr(r.out, "live"));
    run_free(&r);
}

/* An output path that is a database is refused before anything is written. */
Test(runs, never_writes_over_a_database) {
    size_t len;
    char *before = file_bytes(db, &len);
    cr_assert_not_null(before);
    RunResult r = RUNS("export", "1", "-o", db, "--db", db);
    cr_assert_eq(r.status, 2, "%s", r.err);
    cr_assert(strstr(r.err, db) && strstr(r.err, "not overwritten"), "%s", r.err);
    run_free(&r);
    r = RUNS("plot", "1", "--svg", db, "--db", db);
    cr_assert_eq(r.status, 2, "%s", r.err);
    run_free(&r);
    r = run_exposure(
        (const char *[]){"data", "gen", "arith", "--n", "3", "--seed", "1", "-o", db, NULL}, NULL);
    cr_assert_eq(r.status, 2, "%s", r.err);
    run_free(&r);
    assert_file_is(db, before, len);
    free(before);
}

/* exposure runs: list, show, compare, export, plot and delete the runs of the run store.
 * Every action only opens an existing database (nothing is created by looking), and only
 * rm writes to it. */
#include <cJSON.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "data.h"
#include "jsonl.h"
#include "store.h"
#include "util.h"

#define CMD "runs"
#define MAX_IDS 64

typedef enum { ACT_LIST, ACT_SHOW, ACT_COMPARE, ACT_EXPORT, ACT_PLOT, ACT_RM, ACT_COUNT } Action;

static const char *const action_names[ACT_COUNT] = {"list",   "show", "compare",
                                                    "export", "plot", "rm"};

enum { F_JSON, F_STEP, F_FORMAT, F_OUTPUT, F_SVG, F_WIDTH, F_YES };
static const ArgFlag flags[] = {
    [F_JSON] = {"--json", NULL, NULL, 0,
                "list, show: one JSON object per run and line (show: with its config)"},
    [F_STEP] = {"--step", NULL, "S", 0, "compare: also the last value at or before step S"},
    [F_FORMAT] = {"--format", NULL, "csv|json", 0, "export: the format (default csv)"},
    [F_OUTPUT] = {"-o", "--output", "FILE", 0, "export: write to FILE instead of stdout"},
    [F_SVG] = {"--svg", NULL, "FILE", 0, "plot: the SVG file to write (required)"},
    [F_WIDTH] = {"--width", NULL, "PIXELS", 0, "plot: the image's width (320-8192, default 900)"},
    [F_YES] = {"--yes", "-y", NULL, 0, "rm: do not ask"},
    {0},
};

/* Which flags each action accepts. */
static const unsigned long action_flags[ACT_COUNT] = {
    [ACT_LIST] = 1u << F_JSON,
    [ACT_SHOW] = 1u << F_JSON,
    [ACT_COMPARE] = 1u << F_STEP,
    [ACT_EXPORT] = 1u << F_FORMAT | 1u << F_OUTPUT,
    [ACT_PLOT] = 1u << F_SVG | 1u << F_WIDTH,
    [ACT_RM] = 1u << F_YES,
};

typedef struct {
    Action action;
    const char *db, *format, *output, *svg;
    long step, width;
    int json, yes, at_step; /* at_step: --step was given */
    int64_t ids[MAX_IDS];
    int n_ids;
} Options;

/* ---- arguments --------------------------------------------------------------------------- */

static int parse_action(Options *o, const char *name) {
    for (int a = 0; a < ACT_COUNT; a++)
        if (strcmp(name, action_names[a]) == 0) {
            o->action = (Action)a;
            return 0;
        }
    return cli_usage_error(CMD, "unknown action '%s' (list, show, compare, export, plot, rm)",
                           name);
}

static int parse_id(Options *o, const char *arg) {
    long id;
    if (cli_parse_long(arg, 1, LONG_MAX, &id))
        return cli_usage_error(CMD, "not a run id: '%s'", arg);
    if (o->n_ids == MAX_IDS) return cli_usage_error(CMD, "at most %d runs at once", MAX_IDS);
    o->ids[o->n_ids++] = id;
    return 0;
}

static int check_arity(const Options *o) {
    const char *name = action_names[o->action];
    int n = o->n_ids;
    if (o->action == ACT_LIST && n > 0) return cli_usage_error(CMD, "list takes no run id");
    if ((o->action == ACT_SHOW || o->action == ACT_EXPORT || o->action == ACT_RM) && n != 1)
        return cli_usage_error(CMD, "%s takes one run id", name);
    if (o->action == ACT_COMPARE && n < 2)
        return cli_usage_error(CMD, "compare takes two or more run ids");
    if (o->action == ACT_PLOT && n < 1) return cli_usage_error(CMD, "plot takes run ids");
    if (o->action == ACT_PLOT && !o->svg) return cli_usage_error(CMD, "plot needs --svg FILE");
    if (o->format && strcmp(o->format, "csv") != 0 && strcmp(o->format, "json") != 0)
        return cli_usage_error(CMD, "--format is csv or json, not '%s'", o->format);
    return 0;
}

static int parse_args(Options *o, const Args *a) {
    *o = (Options){.db = a->db,
                   .format = args_value(a, F_FORMAT),
                   .output = args_value(a, F_OUTPUT),
                   .svg = args_value(a, F_SVG),
                   .json = args_count(a, F_JSON) > 0,
                   .at_step = args_count(a, F_STEP) > 0,
                   .yes = args_count(a, F_YES) > 0};
    if (a->n_positional < 1)
        return cli_usage_error(CMD, "missing action (list, show, compare, export, plot, rm)");
    if (parse_action(o, a->positional[0])) return EXIT_USAGE;
    if (args_allow_only(a, action_flags[o->action], action_names[o->action])) return EXIT_USAGE;
    for (int i = 1; i < a->n_positional; i++)
        if (parse_id(o, a->positional[i])) return EXIT_USAGE;
    const char *step = args_value(a, F_STEP), *width = args_value(a, F_WIDTH);
    if (step && cli_parse_long(step, 0, LONG_MAX, &o->step))
        return cli_usage_error(CMD, "--step needs a step number, not '%s'", step);
    if (width && cli_parse_long(width, 320, 8192, &o->width))
        return cli_usage_error(CMD, "--width needs a number of pixels (320-8192), not '%s'", width);
    return check_arity(o) ? EXIT_USAGE : 0;
}

/* ---- formatting -------------------------------------------------------------------------- */

static double run_duration(const RunRow *r) {
    double end = r->finished > 0 ? r->finished : r->heartbeat;
    if (strcmp(r->status, "running") == 0 && !(r->finished > 0)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        end = (double)ts.tv_sec;
    }
    return end > r->created ? end - r->created : 0;
}

static void format_time(double t, char *out, size_t cap) {
    if (!(t > 0)) {
        snprintf(out, cap, "-");
        return;
    }
    time_t secs = (time_t)t;
    struct tm tm;
    if (!localtime_r(&secs, &tm) || !strftime(out, cap, "%Y-%m-%d %H:%M:%S", &tm))
        snprintf(out, cap, "%.0f", t);
}

static void format_value(double v, char *out, size_t cap) { snprintf(out, cap, "%.4g", v); }

/* Display width of UTF-8 text, one column per code point. */
static int text_width(const char *s) {
    int n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Copies at most max display columns of s, ending in "~" when cut. */
static void clip_text(const char *s, int max, char *out, size_t cap) {
    if (text_width(s) <= max) {
        snprintf(out, cap, "%s", s);
        return;
    }
    size_t i = 0;
    for (int cols = 0; s[i] && cols < max - 1; cols++) {
        i++;
        while (((unsigned char)s[i] & 0xC0) == 0x80) i++;
    }
    snprintf(out, cap, "%.*s~", (int)i, s);
}

/* ---- tables ------------------------------------------------------------------------------ */

typedef struct {
    int cols, rows, cap;
    char **cells;      /* rows * cols, row-major */
    const char *right; /* per column: 'r' right-aligned, else left */
} Table;

static int table_row(Table *t, const char *const *cells) {
    if (t->rows == t->cap) {
        int cap = t->cap ? t->cap * 2 : 16;
        char **grown = realloc(t->cells, (size_t)cap * (size_t)t->cols * sizeof *grown);
        if (!grown) return -1;
        t->cells = grown;
        t->cap = cap;
    }
    for (int c = 0; c < t->cols; c++) {
        char *copy = strdup(cells[c] ? cells[c] : "");
        if (!copy) {
            for (int k = 0; k < c; k++) free(t->cells[t->rows * t->cols + k]);
            return -1;
        }
        t->cells[t->rows * t->cols + c] = copy;
    }
    t->rows++;
    return 0;
}

static void table_print(const Table *t, FILE *out) {
    int width[32] = {0};
    for (int r = 0; r < t->rows; r++)
        for (int c = 0; c < t->cols && c < 32; c++) {
            int w = text_width(t->cells[r * t->cols + c]);
            if (w > width[c]) width[c] = w;
        }
    for (int r = 0; r < t->rows; r++) {
        for (int c = 0; c < t->cols && c < 32; c++) {
            const char *cell = t->cells[r * t->cols + c];
            int pad = width[c] - text_width(cell);
            int last = c == t->cols - 1;
            if (t->right && t->right[c] == 'r') fprintf(out, "%*s%s", pad, "", cell);
            else fprintf(out, "%s%*s", cell, last ? 0 : pad, "");
            if (!last) fputs("  ", out);
        }
        fputc('\n', out);
    }
}

static void table_free(Table *t) {
    for (int i = 0; i < t->rows * t->cols; i++) free(t->cells[i]);
    free(t->cells);
}

/* ---- opening and failing ----------------------------------------------------------------- */

/* Failures are reported where they happen; callers only pass -1 on. */
static int fail_store(const Store *s) {
    fprintf(stderr, "exposure runs: %s\n", store_error(s));
    return -1;
}

static int fail_memory(void) {
    fprintf(stderr, "exposure runs: out of memory\n");
    return -1;
}

static int database_missing(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) return errno == ENOENT;
    return S_ISREG(st.st_mode) && st.st_size == 0;
}

static int open_db(const char *path, Store **s) {
    char err[1024];
    if (store_open_existing(path, s, err, sizeof err) == 0) return 0;
    fprintf(stderr, "exposure runs: %s\n", err);
    return EXIT_RUNTIME;
}

/* Loads each requested run; a missing one is reported by id. */
static int load_runs(Store *s, const Options *o, RunRow *rows) {
    for (int i = 0; i < o->n_ids; i++)
        if (store_get_run(s, o->ids[i], &rows[i])) {
            fail_store(s);
            for (int k = 0; k < i; k++) run_row_free(&rows[k]);
            return EXIT_RUNTIME;
        }
    return 0;
}

/* Opens the database and loads the runs the command names, or says why not: for a command of
 * one run the message names it. Returns 0 with *s open and rows loaded, or the exit code. */
static int open_runs(const Options *o, const char *path, int one_run, Store **s, RunRow *rows) {
    if (database_missing(path)) {
        if (one_run)
            fprintf(stderr, "exposure runs: no run %lld (no database at %s)\n",
                    (long long)o->ids[0], path);
        else fprintf(stderr, "exposure runs: no runs (no database at %s)\n", path);
        return EXIT_RUNTIME;
    }
    if (open_db(path, s)) return EXIT_RUNTIME;
    int rc = load_runs(*s, o, rows);
    if (rc) store_close(*s);
    return rc;
}

static void free_runs(RunRow *rows, int n) {
    for (int i = 0; i < n; i++) run_row_free(&rows[i]);
}

/* ---- list -------------------------------------------------------------------------------- */

/* The last or best validation value of a metric, "-" when the run has none. */
static void metric_cell(Store *s, int64_t run, MetricId id, int best, char *out, size_t cap) {
    char key[64];
    metric_key(id, "val", key, sizeof key);
    double v;
    int rc =
        best ? store_metric_best(s, run, key, NULL, &v) : store_metric_last(s, run, key, NULL, &v);
    if (rc == 0) format_value(v, out, cap);
    else snprintf(out, cap, "-");
}

/* 1 when the run started from a run of the store that has since been removed. */
static int parent_removed(Store *s, const RunRow *r) {
    return r->parent > 0 && store_run_exists(s, r->parent) == 0;
}

/* The list's and compare's "from" cell: "3:1000", "3:1000 (removed)", or "-". */
static void from_cell(Store *s, const RunRow *r, char *out, size_t cap) {
    char parent[160];
    run_row_parent(r, parent, sizeof parent);
    if (!parent[0]) snprintf(out, cap, "-");
    else snprintf(out, cap, "%s%s", parent, parent_removed(s, r) ? " (removed)" : "");
}

static int list_row(Store *s, const RunRow *r, Table *t) {
    char id[24], name[64], dataset[64], short_ds[128], steps[48], time[32], from[200];
    char loss_best[32], loss_last[32], em_best[32], em_last[32];
    snprintf(id, sizeof id, "%lld", (long long)r->id);
    clip_text(r->name, 24, name, sizeof name);
    dataset_name(r->dataset, short_ds, sizeof short_ds);
    clip_text(short_ds, 20, dataset, sizeof dataset);
    snprintf(steps, sizeof steps, "%lld/%lld", (long long)r->step, (long long)r->steps);
    metric_cell(s, r->id, METRIC_LOSS, 1, loss_best, sizeof loss_best);
    metric_cell(s, r->id, METRIC_LOSS, 0, loss_last, sizeof loss_last);
    metric_cell(s, r->id, METRIC_EM, 1, em_best, sizeof em_best);
    metric_cell(s, r->id, METRIC_EM, 0, em_last, sizeof em_last);
    clock_format_duration(run_duration(r), time, sizeof time);
    from_cell(s, r, from, sizeof from);
    const char *cells[] = {id,
                           name[0] ? name : "-",
                           r->method[0] ? r->method : "-",
                           dataset[0] ? dataset : "-",
                           r->status,
                           steps,
                           loss_best,
                           loss_last,
                           em_best,
                           em_last,
                           time,
                           from};
    return table_row(t, cells);
}

static cJSON *metric_summary_json(Store *s, int64_t run) {
    cJSON *all = cJSON_CreateObject();
    char **keys;
    int n;
    if (!all || store_metric_keys(s, run, &keys, &n)) return all;
    for (int k = 0; k < n; k++) {
        int64_t last_step, best_step;
        double last, best;
        cJSON *m = cJSON_AddObjectToObject(all, keys[k]);
        if (m && store_metric_last(s, run, keys[k], &last_step, &last) == 0) {
            cJSON_AddNumberToObject(m, "last", last);
            cJSON_AddNumberToObject(m, "step", (double)last_step);
        }
        if (m && metric_has_best(keys[k]) &&
            store_metric_best(s, run, keys[k], &best_step, &best) == 0) {
            cJSON_AddNumberToObject(m, "best", best);
            cJSON_AddNumberToObject(m, "best_step", (double)best_step);
        }
        free(keys[k]);
    }
    free(keys);
    return all;
}

/* "machine": the CPU, its vector features and the OpenBLAS kernels the run ran on, each
 * "unknown" for a run created before they were recorded. */
static void add_machine_json(const RunRow *r, cJSON *o) {
    RunMachine m;
    run_row_machine(r, &m);
    cJSON *j = cJSON_AddObjectToObject(o, "machine");
    if (!j) return;
    jsonl_add_string(j, "cpu", m.cpu);
    jsonl_add_string(j, "features", m.features);
    jsonl_add_string(j, "blas", m.blas);
    jsonl_add_string(j, "blas_core", m.blas_core);
    jsonl_add_string(j, "blas_core_source", m.source);
    jsonl_add_string(j, "openblas_pick", strcmp(m.source, "exposure") == 0 ? m.openblas_pick : "");
}

static cJSON *run_json(const RunRow *r) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddNumberToObject(o, "id", (double)r->id);
    jsonl_add_string(o, "name", r->name);
    cJSON_AddStringToObject(o, "status", r->status);
    cJSON_AddStringToObject(o, "method", r->method);
    char name[128];
    dataset_name(r->dataset, name, sizeof name);
    jsonl_add_string(o, "dataset", r->dataset);
    jsonl_add_string(o, "dataset_name", name);
    cJSON_AddNumberToObject(o, "seed", (double)r->seed);
    cJSON_AddNumberToObject(o, "step", (double)r->step);
    cJSON_AddNumberToObject(o, "steps", (double)r->steps);
    cJSON_AddNumberToObject(o, "created", r->created);
    if (r->finished > 0) cJSON_AddNumberToObject(o, "finished", r->finished);
    else cJSON_AddNullToObject(o, "finished");
    cJSON_AddNumberToObject(o, "heartbeat", r->heartbeat);
    cJSON_AddNumberToObject(o, "duration", run_duration(r));
    cJSON_AddStringToObject(o, "version", r->version);
    cJSON_AddNumberToObject(o, "pid", (double)r->pid);
    jsonl_add_string(o, "host", r->host);
    if (r->sweep > 0) cJSON_AddNumberToObject(o, "sweep", (double)r->sweep);
    else cJSON_AddNullToObject(o, "sweep");
    jsonl_add_string(o, "tags", r->tags);
    add_machine_json(r, o);
    return o;
}

/* "parent": where the run's weights started, or null for a run trained from scratch. */
static void add_parent_json(Store *s, const RunRow *r, cJSON *o) {
    if (!o) return;
    if (!r->parent_checkpoint || !r->parent_checkpoint[0]) {
        cJSON_AddNullToObject(o, "parent");
        return;
    }
    cJSON *p = cJSON_AddObjectToObject(o, "parent");
    if (!p) return;
    if (r->parent > 0) cJSON_AddNumberToObject(p, "run", (double)r->parent);
    else cJSON_AddNullToObject(p, "run");
    cJSON_AddNumberToObject(p, "step", (double)r->parent_step);
    cJSON_AddStringToObject(p, "checkpoint", r->parent_checkpoint);
    cJSON_AddStringToObject(p, "params", r->parent_params);
    cJSON_AddBoolToObject(p, "removed", parent_removed(s, r));
}

static int print_json_line(cJSON *o, FILE *out) {
    char *text = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (!text) {
        fprintf(stderr, "exposure runs: out of memory\n");
        return EXIT_RUNTIME;
    }
    fprintf(out, "%s\n", text);
    free(text);
    return 0;
}

static int list_json(Store *s, const RunRow *rows, int n) {
    for (int i = 0; i < n; i++) {
        cJSON *o = run_json(&rows[i]);
        add_parent_json(s, &rows[i], o);
        if (o) cJSON_AddItemToObject(o, "metrics", metric_summary_json(s, rows[i].id));
        if (print_json_line(o, stdout)) return EXIT_RUNTIME;
    }
    return EXIT_OK;
}

static int list_table(Store *s, const RunRow *rows, int n) {
    Table t = {.cols = 12, .right = "rllllrrrrrrl"};
    const char *header[] = {"id",          "name",        "method",        "dataset",
                            "status",      "steps",       "best val/loss", "last val/loss",
                            "best val/em", "last val/em", "time",          "from"};
    int rc = table_row(&t, header);
    for (int i = 0; i < n && rc == 0; i++) rc = list_row(s, &rows[i], &t);
    if (rc == 0) table_print(&t, stdout);
    else fail_memory();
    table_free(&t);
    return rc == 0 ? EXIT_OK : EXIT_RUNTIME;
}

static int cmd_list(const Options *o, const char *path) {
    if (database_missing(path)) {
        if (!o->json) printf("no runs (no database at %s)\n", path);
        return EXIT_OK;
    }
    Store *s;
    if (open_db(path, &s)) return EXIT_RUNTIME;
    RunRow *rows;
    int n, rc = EXIT_RUNTIME;
    if (store_list_runs(s, &rows, &n)) {
        fail_store(s);
    } else {
        if (n == 0 && !o->json) printf("no runs in %s\n", path);
        else rc = o->json ? list_json(s, rows, n) : list_table(s, rows, n);
        if (n == 0) rc = EXIT_OK;
        free_runs(rows, n);
        free(rows);
    }
    store_close(s);
    return rc;
}

/* ---- show -------------------------------------------------------------------------------- */

/* cJSON indents with tabs and puts one after each colon; spaces read better in a terminal.
 * Tabs inside strings are escaped by cJSON, so every raw tab is layout. */
static void print_pretty_json(const char *json) {
    cJSON *j = cJSON_Parse(json);
    char *text = j ? cJSON_Print(j) : NULL;
    cJSON_Delete(j);
    if (!text) {
        printf("%s\n", json);
        return;
    }
    int line_start = 1;
    for (const char *p = text; *p; p++) {
        if (*p == '\t') {
            fputs(line_start ? "  " : " ", stdout);
            continue;
        }
        line_start = *p == '\n';
        putchar(*p);
    }
    putchar('\n');
    free(text);
}

static void show_fields(const RunRow *r) {
    char created[32], finished[32], heartbeat[32], duration[32];
    format_time(r->created, created, sizeof created);
    format_time(r->finished, finished, sizeof finished);
    format_time(r->heartbeat, heartbeat, sizeof heartbeat);
    clock_format_duration(run_duration(r), duration, sizeof duration);
    printf("run %lld: %s\n", (long long)r->id, r->name[0] ? r->name : "(unnamed)");
    printf("  status     %s\n", r->status);
    printf("  method     %s\n", r->method);
    char name[128];
    dataset_name(r->dataset, name, sizeof name);
    if (strcmp(name, r->dataset) == 0) printf("  dataset    %s\n", r->dataset);
    else printf("  dataset    %s (%s)\n", name, r->dataset);
    Config c;
    char why[256];
    config_defaults(&c);
    if (r->config_json && config_apply_json_text(&c, r->config_json, "", why, sizeof why) == 0)
        printf("  model      %d layer%s x %d dim, %d heads, context %d, tokenizer %s\n",
               c.model.layers, c.model.layers == 1 ? "" : "s", c.model.dim, c.model.heads,
               c.model.context, c.model.tokenizer);
    printf("  seed       %lld\n", (long long)r->seed);
    printf("  steps      %lld/%lld\n", (long long)r->step, (long long)r->steps);
    printf("  created    %s\n", created);
    printf("  finished   %s\n", finished);
    printf("  heartbeat  %s\n", heartbeat);
    printf("  duration   %s\n", duration);
    printf("  process    %lld on %s\n", (long long)r->pid, r->host);
    printf("  version    %s\n", r->version);
    RunMachine m;
    char core[160];
    run_row_machine(r, &m);
    run_machine_core_text(&m, core, sizeof core);
    printf("  cpu        %s\n", m.cpu);
    printf("  vector     %s\n", m.features);
    printf("  blas       %s%s%s\n", strcmp(m.blas, "unknown") ? m.blas : "",
           strcmp(m.blas, "unknown") ? ", core " : "", core);
    if (r->sweep > 0) printf("  sweep      %lld\n", (long long)r->sweep);
    else printf("  sweep      -\n");
    printf("  tags       %s\n", r->tags[0] ? r->tags : "-");
}

static int show_metrics(Store *s, int64_t run) {
    char **keys;
    int n;
    if (store_metric_keys(s, run, &keys, &n)) return fail_store(s);
    if (n == 0) printf("\nmetrics: none\n");
    Table t = {.cols = 6, .right = "lrrrrr"};
    const char *header[] = {"metric", "last", "at step", "best", "at step", "points"};
    int rc = n > 0 ? table_row(&t, header) : 0;
    for (int k = 0; k < n && rc == 0; k++) {
        int64_t last_step = 0, best_step = 0;
        double last = NAN, best = NAN;
        int count = 0;
        char c[5][32];
        store_metric_last(s, run, keys[k], &last_step, &last);
        int has_best =
            metric_has_best(keys[k]) && store_metric_best(s, run, keys[k], &best_step, &best) == 0;
        store_metric_series(s, run, keys[k], NULL, NULL, NULL, &count);
        format_value(last, c[0], 32);
        snprintf(c[1], 32, "%lld", (long long)last_step);
        if (has_best)
            format_value(best, c[2], 32), snprintf(c[3], 32, "%lld", (long long)best_step);
        else snprintf(c[2], 32, "-"), snprintf(c[3], 32, "-");
        snprintf(c[4], 32, "%d", count);
        const char *cells[] = {keys[k], c[0], c[1], c[2], c[3], c[4]};
        rc = table_row(&t, cells);
    }
    if (n > 0 && rc == 0) {
        printf("\nmetrics\n");
        table_print(&t, stdout);
    }
    if (rc) fail_memory();
    table_free(&t);
    for (int k = 0; k < n; k++) free(keys[k]);
    free(keys);
    return rc;
}

#define SHOWN_EVENTS 20

static int show_events(Store *s, int64_t run) {
    EventRow *ev;
    int n;
    if (store_events(s, run, &ev, &n)) return fail_store(s);
    printf("\nevents: %d\n", n);
    int first = n > SHOWN_EVENTS ? n - SHOWN_EVENTS : 0;
    if (first > 0) printf("  (%d earlier events not shown)\n", first);
    for (int i = first; i < n; i++)
        printf("  step %-8lld %-10s %s\n", (long long)ev[i].step, ev[i].kind, ev[i].detail_json);
    for (int i = 0; i < n; i++) event_row_free(&ev[i]);
    free(ev);
    return 0;
}

static int show_checkpoints(Store *s, int64_t run) {
    CheckpointRow *ck;
    int n;
    if (store_checkpoints(s, run, &ck, &n)) return fail_store(s);
    printf("\ncheckpoints: %d\n", n);
    for (int i = 0; i < n; i++) printf("  step %-8lld %s\n", (long long)ck[i].step, ck[i].path);
    for (int i = 0; i < n; i++) checkpoint_row_free(&ck[i]);
    free(ck);
    return 0;
}

static int show_samples(Store *s, int64_t run) {
    RunCounts counts;
    if (store_run_counts(s, run, &counts)) return fail_store(s);
    printf("\nsamples: %lld\n", (long long)counts.samples);
    const char *splits[] = {"val", "test"};
    for (int i = 0; i < 2; i++) {
        SampleRow *rows;
        int n;
        if (store_samples(s, run, -1, splits[i], &rows, &n)) return fail_store(s);
        if (n > 0)
            printf("  latest %s evaluation: step %lld, %d samples\n", splits[i],
                   (long long)rows[0].step, n);
        for (int k = 0; k < n; k++) sample_row_free(&rows[k]);
        free(rows);
    }
    return 0;
}

/* "5, 6 and 9": the runs started from run's checkpoints; "-" when none. Returns 0, or -1
 * (reported). */
static int children_text(Store *s, int64_t run, int *count, char *out, size_t cap) {
    int64_t *ids;
    int n;
    if (store_run_children(s, run, &ids, &n)) return fail_store(s);
    size_t len = 0;
    snprintf(out, cap, "-");
    for (int i = 0; i < n && len < cap; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%lld",
                                i == 0       ? ""
                                : i == n - 1 ? " and "
                                             : ", ",
                                (long long)ids[i]);
    free(ids);
    *count = n;
    return 0;
}

static int show_lineage(Store *s, const RunRow *r) {
    if (r->parent_checkpoint[0]) {
        int removed = parent_removed(s, r);
        char who[64] = "a file of no run here";
        if (r->parent > 0)
            snprintf(who, sizeof who, "run %lld%s", (long long)r->parent,
                     removed ? " (removed)" : "");
        printf("  parent     %s at step %lld: %s (%s)\n", who, (long long)r->parent_step,
               r->parent_checkpoint, r->parent_params);
        if (removed)
            printf("             run %lld has been removed; this run keeps the record of the "
                   "weights it started from\n",
                   (long long)r->parent);
    } else {
        printf("  parent     - (trained from scratch)\n");
    }
    char children[1024];
    int n;
    if (children_text(s, r->id, &n, children, sizeof children)) return -1;
    printf("  children   %s\n", children);
    return 0;
}

/* The run as runs list --json gives it, with its config. */
static int show_json(Store *s, const RunRow *r) {
    cJSON *o = run_json(r);
    add_parent_json(s, r, o);
    if (o) {
        cJSON_AddItemToObject(o, "metrics", metric_summary_json(s, r->id));
        cJSON *config = cJSON_Parse(r->config_json);
        cJSON_AddItemToObject(o, "config", config ? config : cJSON_CreateString(r->config_json));
    }
    return print_json_line(o, stdout);
}

static int cmd_show(const Options *o, const char *path) {
    Store *s;
    RunRow r;
    int rc = open_runs(o, path, 1, &s, &r);
    if (rc) return rc;
    if (o->json) {
        rc = show_json(s, &r);
        run_row_free(&r);
        store_close(s);
        return rc;
    }
    show_fields(&r);
    if (show_lineage(s, &r)) rc = EXIT_RUNTIME;
    printf("\nconfig\n");
    print_pretty_json(r.config_json);
    if (show_metrics(s, r.id) || show_events(s, r.id) || show_checkpoints(s, r.id) ||
        show_samples(s, r.id))
        rc = EXIT_RUNTIME;
    run_row_free(&r);
    store_close(s);
    return rc;
}

/* ---- compare ----------------------------------------------------------------------------- */

static void run_heading(const RunRow *r, char *out, size_t cap) {
    char name[40];
    clip_text(r->name, 20, name, sizeof name);
    snprintf(out, cap, "#%lld%s%s", (long long)r->id, name[0] ? " " : "", name);
}

static int compare_configs(const RunRow *rows, int n) {
    FlatConfig flats[MAX_IDS];
    /* A stored config that is not a JSON object compares as one without keys. */
    for (int i = 0; i < n; i++) flatcfg_parse(rows[i].config_json, &flats[i]);
    const char **keys = NULL;
    int n_keys = flatcfg_diff(flats, n, &keys);
    Table t = {.cols = n + 1};
    const char *cells[MAX_IDS + 1];
    char headings[MAX_IDS][64];
    cells[0] = "config key";
    for (int i = 0; i < n; i++) run_heading(&rows[i], headings[i], 64), cells[i + 1] = headings[i];
    int rc = n_keys >= 0 ? table_row(&t, cells) : -1;
    for (int k = 0; k < n_keys && rc == 0; k++) {
        cells[0] = keys[k];
        for (int i = 0; i < n; i++) {
            const char *v = flatcfg_get(&flats[i], keys[k]);
            cells[i + 1] = v ? v : "-";
        }
        rc = table_row(&t, cells);
    }
    if (rc == 0 && t.rows > 1) {
        printf("\nconfig differences\n");
        table_print(&t, stdout);
    } else if (rc == 0) {
        printf("\nconfigs: identical\n");
    } else {
        fail_memory();
    }
    table_free(&t);
    free(keys);
    for (int i = 0; i < n; i++) flatcfg_free(&flats[i]);
    return rc;
}

static int metric_rows(Store *s, const RunRow *rows, int n, const char *key, const Options *o,
                       Table *t) {
    const char *stats[] = {"last", "best", "at"};
    char label[48], values[MAX_IDS][32];
    const char *cells[MAX_IDS + 2];
    for (int st = 0; st < (o->at_step ? 3 : 2); st++) {
        for (int i = 0; i < n; i++) {
            double v;
            int rc =
                st == 0 ? store_metric_last(s, rows[i].id, key, NULL, &v)
                : st == 1
                    ? (metric_has_best(key) ? store_metric_best(s, rows[i].id, key, NULL, &v) : -1)
                    : store_metric_at(s, rows[i].id, key, o->step, &v);
            if (rc == 0) format_value(v, values[i], 32);
            else snprintf(values[i], 32, "-");
            cells[i + 2] = values[i];
        }
        if (st == 2) snprintf(label, sizeof label, "at %ld", o->step);
        else snprintf(label, sizeof label, "%s", stats[st]);
        cells[0] = st == 0 ? key : "";
        cells[1] = label;
        if (table_row(t, cells)) return -1;
    }
    return 0;
}

typedef struct {
    char **keys;
    int n;
} KeyList;

static void key_list_free(KeyList *l) {
    for (int i = 0; i < l->n; i++) free(l->keys[i]);
    free(l->keys);
}

static int compare_strings(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every metric key of any of the runs, sorted, each once. */
static int collect_metric_keys(Store *s, const RunRow *rows, int n, KeyList *all) {
    for (int i = 0; i < n; i++) {
        char **keys;
        int k;
        if (store_metric_keys(s, rows[i].id, &keys, &k)) return fail_store(s);
        char **grown = realloc(all->keys, (size_t)(all->n + k + 1) * sizeof *grown);
        if (grown) {
            memcpy(grown + all->n, keys, (size_t)k * sizeof *keys);
            all->keys = grown;
            all->n += k;
        } else {
            for (int j = 0; j < k; j++) free(keys[j]);
        }
        free(keys);
        if (!grown) return fail_memory();
    }
    if (all->n > 1) qsort(all->keys, (size_t)all->n, sizeof *all->keys, compare_strings);
    int unique = 0;
    for (int i = 0; i < all->n; i++) {
        if (unique > 0 && strcmp(all->keys[unique - 1], all->keys[i]) == 0) free(all->keys[i]);
        else all->keys[unique++] = all->keys[i];
    }
    all->n = unique;
    return 0;
}

static int compare_metrics(Store *s, const RunRow *rows, int n, const Options *o) {
    KeyList keys = {0};
    if (collect_metric_keys(s, rows, n, &keys)) {
        key_list_free(&keys);
        return -1;
    }
    Table t = {.cols = n + 2};
    const char *cells[MAX_IDS + 2] = {"metric", ""};
    char headings[MAX_IDS][64];
    for (int i = 0; i < n; i++) run_heading(&rows[i], headings[i], 64), cells[i + 2] = headings[i];
    int rc = table_row(&t, cells);
    for (int k = 0; k < keys.n && rc == 0; k++) rc = metric_rows(s, rows, n, keys.keys[k], o, &t);
    if (rc == 0) {
        printf("\nmetrics\n");
        if (keys.n > 0) table_print(&t, stdout);
        else printf("  none\n");
    } else {
        fail_memory();
    }
    table_free(&t);
    key_list_free(&keys);
    return rc;
}

static int compare_fields(Store *s, const RunRow *rows, int n) {
    Table t = {.cols = n + 1};
    const char *names[] = {"run", "method", "dataset", "status", "steps", "seed", "from"};
    char cells_buf[MAX_IDS][7][128];
    const char *cells[MAX_IDS + 1];
    for (int i = 0; i < n; i++) {
        const RunRow *r = &rows[i];
        run_heading(r, cells_buf[i][0], 128);
        snprintf(cells_buf[i][1], 128, "%s", r->method);
        dataset_name(r->dataset, cells_buf[i][2], 128);
        snprintf(cells_buf[i][3], 128, "%s", r->status);
        snprintf(cells_buf[i][4], 128, "%lld/%lld", (long long)r->step, (long long)r->steps);
        snprintf(cells_buf[i][5], 128, "%lld", (long long)r->seed);
        from_cell(s, r, cells_buf[i][6], 128);
    }
    int rc = 0;
    for (int f = 0; f < 7 && rc == 0; f++) {
        cells[0] = names[f];
        for (int i = 0; i < n; i++) cells[i + 1] = cells_buf[i][f];
        rc = table_row(&t, cells);
    }
    if (rc == 0) table_print(&t, stdout);
    else fail_memory();
    table_free(&t);
    return rc;
}

static int cmd_compare(const Options *o, const char *path) {
    Store *s;
    RunRow rows[MAX_IDS];
    int rc = open_runs(o, path, 0, &s, rows);
    if (rc) return rc;
    if (compare_fields(s, rows, o->n_ids) || compare_metrics(s, rows, o->n_ids, o) ||
        compare_configs(rows, o->n_ids))
        rc = EXIT_RUNTIME;
    free_runs(rows, o->n_ids);
    store_close(s);
    return rc;
}

/* ---- export ------------------------------------------------------------------------------ */

/* The shortest decimal that reads back as the same double. */
static void exact_number(double v, char *out, size_t cap) {
    if (isnan(v)) {
        snprintf(out, cap, "nan");
        return;
    }
    snprintf(out, cap, "%.15g", v);
    if (strtod(out, NULL) != v) snprintf(out, cap, "%.17g", v);
}

static void csv_field(FILE *f, const char *s) {
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static int export_csv(Store *s, int64_t run, char **keys, int n_keys, FILE *out) {
    fputs("run,step,key,value,wall\n", out);
    for (int k = 0; k < n_keys; k++) {
        int64_t *steps;
        double *values, *wall;
        int n;
        if (store_metric_series(s, run, keys[k], &steps, &values, &wall, &n)) return fail_store(s);
        for (int i = 0; i < n; i++) {
            char v[40], w[40];
            exact_number(values[i], v, sizeof v);
            exact_number(wall[i], w, sizeof w);
            fprintf(out, "%lld,%lld,", (long long)run, (long long)steps[i]);
            csv_field(out, keys[k]);
            fprintf(out, ",%s,%s\n", v, w);
        }
        free(steps), free(values), free(wall);
    }
    return 0;
}

static cJSON *series_json(Store *s, int64_t run, const char *key) {
    int64_t *steps;
    double *values, *wall;
    int n;
    if (store_metric_series(s, run, key, &steps, &values, &wall, &n)) {
        fail_store(s);
        return NULL;
    }
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; arr && i < n; i++) {
        cJSON *row = cJSON_CreateArray();
        if (!row) break;
        cJSON_AddItemToArray(row, cJSON_CreateNumber((double)steps[i]));
        cJSON_AddItemToArray(row,
                             isnan(values[i]) ? cJSON_CreateNull() : cJSON_CreateNumber(values[i]));
        cJSON_AddItemToArray(row, cJSON_CreateNumber(wall[i]));
        cJSON_AddItemToArray(arr, row);
    }
    free(steps), free(values), free(wall);
    return arr;
}

static cJSON *events_json(Store *s, int64_t run) {
    EventRow *ev;
    int n;
    if (store_events(s, run, &ev, &n)) {
        fail_store(s);
        return NULL;
    }
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        if (arr && e) {
            cJSON_AddNumberToObject(e, "step", (double)ev[i].step);
            cJSON_AddNumberToObject(e, "wall", ev[i].wall);
            cJSON_AddStringToObject(e, "kind", ev[i].kind);
            cJSON *detail = cJSON_Parse(ev[i].detail_json);
            cJSON_AddItemToObject(e, "detail",
                                  detail ? detail : cJSON_CreateString(ev[i].detail_json));
            cJSON_AddItemToArray(arr, e);
        } else {
            cJSON_Delete(e);
        }
        event_row_free(&ev[i]);
    }
    free(ev);
    return arr;
}

static int export_json(Store *s, const RunRow *r, char **keys, int n_keys, FILE *out) {
    cJSON *root = cJSON_CreateObject(), *run = run_json(r), *metrics = cJSON_CreateObject();
    add_parent_json(s, r, run);
    if (run) {
        cJSON *config = cJSON_Parse(r->config_json);
        cJSON_AddItemToObject(run, "config", config ? config : cJSON_CreateString(r->config_json));
    }
    cJSON_AddItemToObject(root, "run", run);
    cJSON_AddItemToObject(root, "metrics", metrics);
    if (!root || !run || !metrics) {
        cJSON_Delete(root);
        return fail_memory();
    }
    for (int k = 0; k < n_keys; k++) {
        cJSON *series = series_json(s, r->id, keys[k]);
        if (!series) {
            cJSON_Delete(root);
            return -1;
        }
        cJSON_AddItemToObject(metrics, keys[k], series);
    }
    cJSON *events = events_json(s, r->id);
    if (!events) {
        cJSON_Delete(root);
        return -1;
    }
    cJSON_AddItemToObject(root, "events", events);
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!text) return fail_memory();
    fprintf(out, "%s\n", text);
    free(text);
    return 0;
}

static FILE *open_output(const Options *o) {
    if (!o->output || strcmp(o->output, "-") == 0) return stdout;
    FILE *f = fopen(o->output, "w");
    if (!f) fprintf(stderr, "exposure runs: %s: cannot write: %s\n", o->output, strerror(errno));
    return f;
}

static int close_output(const Options *o, FILE *f) {
    int failed = ferror(f);
    if (f == stdout) failed |= fflush(f) != 0;
    else failed |= fclose(f) != 0;
    if (failed)
        fprintf(stderr, "exposure runs: %s: cannot write: %s\n",
                o->output && f != stdout ? o->output : "stdout", strerror(errno));
    return failed ? EXIT_RUNTIME : EXIT_OK;
}

static int cmd_export(const Options *o, const char *path) {
    if (cli_check_output("runs", o->output)) return EXIT_USAGE;
    Store *s;
    RunRow r;
    int rc = open_runs(o, path, 1, &s, &r);
    if (rc) return rc;
    char **keys = NULL;
    int n_keys = 0;
    if (store_metric_keys(s, r.id, &keys, &n_keys) != 0) rc = fail_store(s);
    FILE *out = rc == 0 ? open_output(o) : NULL;
    if (out) {
        int json = o->format && strcmp(o->format, "json") == 0;
        int written =
            json ? export_json(s, &r, keys, n_keys, out) : export_csv(s, r.id, keys, n_keys, out);
        int closed = close_output(o, out);
        rc = written || closed ? EXIT_RUNTIME : EXIT_OK;
    } else {
        rc = EXIT_RUNTIME;
    }
    for (int k = 0; k < n_keys; k++) free(keys[k]);
    free(keys);
    run_row_free(&r);
    store_close(s);
    return rc;
}

/* ---- plot -------------------------------------------------------------------------------- */

typedef struct {
    double *x, *y;
    int n;
} Curve;

static int load_curve(Store *s, int64_t run, const char *key, Curve *c) {
    int64_t *steps;
    memset(c, 0, sizeof *c);
    if (store_metric_series(s, run, key, &steps, &c->y, NULL, &c->n)) return fail_store(s);
    c->x = malloc((size_t)(c->n > 0 ? c->n : 1) * sizeof *c->x);
    if (!c->x) {
        free(steps);
        free(c->y);
        c->y = NULL;
        return fail_memory();
    }
    for (int i = 0; i < c->n; i++) c->x[i] = (double)steps[i];
    free(steps);
    return 0;
}

/* The key of the first of the candidate metrics of split (NULL: per step) that any of the
 * runs has, written into key; returns 0, or -1 when none has any. */
static int first_present(Store *s, const RunRow *rows, int n, const MetricId *ids, int n_ids,
                         const char *split, char *key, size_t cap) {
    for (int k = 0; k < n_ids; k++)
        for (int i = 0; i < n; i++) {
            double v;
            metric_key(ids[k], split, key, cap);
            if (store_metric_last(s, rows[i].id, key, NULL, &v) == 0) return 0;
        }
    return -1;
}

typedef struct {
    PlotPanel panels[3];
    PlotSeries series[3][MAX_IDS];
    Curve curves[3][MAX_IDS];
    char labels[MAX_IDS][160];
    char keys[3][64]; /* each panel's metric */
    char metric_title[64];
    int n_panels;
} Plot;

/* A panel of the metric whose key is in p->keys[p->n_panels]. */
static int add_panel(Store *s, const RunRow *rows, int n, Plot *p, const char *title) {
    int k = p->n_panels;
    const char *key = p->keys[k];
    for (int i = 0; i < n; i++) {
        if (load_curve(s, rows[i].id, key, &p->curves[k][i])) return -1;
        p->series[k][i] =
            (PlotSeries){p->labels[i], p->curves[k][i].x, p->curves[k][i].y, p->curves[k][i].n};
    }
    p->panels[k] = (PlotPanel){title, "step", key, p->series[k], n, 0};
    p->n_panels++;
    return 0;
}

static void free_plot(Plot *p, int n) {
    for (int k = 0; k < p->n_panels; k++)
        for (int i = 0; i < n; i++) free(p->curves[k][i].x), free(p->curves[k][i].y);
}

static int build_plot(Store *s, const RunRow *rows, int n, Plot *p) {
    static const MetricId loss[] = {METRIC_LOSS};
    static const MetricId free_running[] = {METRIC_EM, METRIC_F1, METRIC_ROUGE_L};
    const size_t cap = sizeof p->keys[0];
    for (int i = 0; i < n; i++)
        snprintf(p->labels[i], sizeof p->labels[i], "#%lld %s", (long long)rows[i].id,
                 rows[i].name);
    if (!first_present(s, rows, n, loss, 1, NULL, p->keys[p->n_panels], cap) &&
        add_panel(s, rows, n, p, "train loss"))
        return -1;
    char *key = p->keys[p->n_panels];
    if (!first_present(s, rows, n, loss, 1, "val", key, cap) && add_panel(s, rows, n, p, key))
        return -1;
    key = p->keys[p->n_panels];
    int found = !first_present(s, rows, n, free_running, 3, "val", key, cap);
    snprintf(p->metric_title, sizeof p->metric_title, "free-running %s", found ? key : "");
    if (found && add_panel(s, rows, n, p, p->metric_title)) return -1;
    return 0;
}

static int cmd_plot(const Options *o, const char *path) {
    if (cli_check_output("runs", o->svg)) return EXIT_USAGE;
    Store *s;
    RunRow rows[MAX_IDS];
    int rc = open_runs(o, path, 0, &s, rows);
    if (rc) return rc;
    Plot *p = calloc(1, sizeof *p);
    char err[1024];
    if (!p) {
        rc = EXIT_RUNTIME;
        fail_memory();
    } else if (build_plot(s, rows, o->n_ids, p)) {
        rc = EXIT_RUNTIME;
    } else if (p->n_panels == 0) {
        fprintf(stderr, "exposure runs: the runs have no loss or validation metrics to plot\n");
        rc = EXIT_RUNTIME;
    } else if (svg_plot_write(o->svg, p->panels, p->n_panels, o->width ? (int)o->width : 900, err,
                              sizeof err)) {
        fprintf(stderr, "exposure runs: %s\n", err);
        rc = EXIT_RUNTIME;
    } else {
        printf("wrote %s (%d panels, %d runs)\n", o->svg, p->n_panels, o->n_ids);
    }
    if (p) free_plot(p, o->n_ids);
    free(p);
    free_runs(rows, o->n_ids);
    store_close(s);
    return rc;
}

/* ---- rm ---------------------------------------------------------------------------------- */

static int confirmed(const RunRow *r, const RunCounts *c) {
    fprintf(stderr, "delete run %lld (%s, %lld metrics)? [y/N] ", (long long)r->id,
            r->name[0] ? r->name : "unnamed", (long long)c->metrics);
    fflush(stderr);
    char line[64];
    if (!fgets(line, sizeof line, stdin)) {
        fputc('\n', stderr);
        return 0;
    }
    line[strcspn(line, "\r\n")] = '\0';
    return strcasecmp(line, "y") == 0 || strcasecmp(line, "yes") == 0;
}

/* Deletes the run's checkpoint files that lie inside its directory, then the directory when
 * that leaves it empty. Never touches anything outside it. */
static void remove_run_files(const char *run_dir, const CheckpointRow *ck, int n) {
    char dir[PATH_MAX], file[PATH_MAX];
    if (!realpath(run_dir, dir)) return;
    size_t len = strlen(dir);
    for (int i = 0; i < n; i++) {
        if (!realpath(ck[i].path, file)) continue;
        if (strncmp(file, dir, len) != 0 || file[len] != '/') {
            fprintf(stderr, "exposure runs: kept %s: outside %s\n", ck[i].path, run_dir);
            continue;
        }
        if (unlink(file) != 0)
            fprintf(stderr, "exposure runs: cannot delete %s: %s\n", file, strerror(errno));
    }
    if (rmdir(dir) != 0 && (errno == ENOTEMPTY || errno == EEXIST))
        fprintf(stderr, "exposure runs: kept %s: it holds other files\n", run_dir);
}

static int delete_run(Store *s, const RunRow *r) {
    CheckpointRow *ck;
    int n;
    if (store_checkpoints(s, r->id, &ck, &n)) return fail_store(s);
    int rc = store_delete_run(s, r->id) ? fail_store(s) : 0;
    if (rc == 0) {
        char dir[LIMIT_PATH_BYTES];
        store_run_dir(s, r->id, dir, sizeof dir);
        remove_run_files(dir, ck, n);
    }
    for (int i = 0; i < n; i++) checkpoint_row_free(&ck[i]);
    free(ck);
    return rc;
}

/* Removing a parent leaves its children whole (their weights are theirs, their record of the
 * parent stays); the user hears which runs it concerns before answering. */
static int tell_children(Store *s, const RunRow *r) {
    char children[1024];
    int n;
    if (children_text(s, r->id, &n, children, sizeof children)) return -1;
    if (n > 0)
        fprintf(stderr,
                "run %lld is the parent of %d run%s (%s), started from its checkpoints; they keep "
                "their weights and their record of it, shown as removed\n",
                (long long)r->id, n, n == 1 ? "" : "s", children);
    return 0;
}

static int cmd_rm(const Options *o, const char *path) {
    Store *s;
    RunRow r;
    RunCounts counts;
    int rc = open_runs(o, path, 1, &s, &r);
    if (rc) return rc;
    if (strcmp(r.status, "running") == 0) {
        fprintf(stderr, "exposure runs: run %lld is running (process %lld on %s); stop it first\n",
                (long long)r.id, (long long)r.pid, r.host);
        rc = EXIT_RUNTIME;
    } else if (store_run_counts(s, r.id, &counts)) {
        rc = EXIT_RUNTIME;
        fail_store(s);
    } else if (tell_children(s, &r)) {
        rc = EXIT_RUNTIME;
    } else if (!o->yes && !confirmed(&r, &counts)) {
        fprintf(stderr, "kept run %lld\n", (long long)r.id);
    } else if (delete_run(s, &r)) {
        rc = EXIT_RUNTIME;
    } else {
        printf("deleted run %lld (%lld metrics)\n", (long long)r.id, (long long)counts.metrics);
    }
    run_row_free(&r);
    store_close(s);
    return rc;
}

/* ---- dispatch ---------------------------------------------------------------------------- */

static int run(const Args *a) {
    Options o;
    int rc = parse_args(&o, a);
    if (rc) return rc;
    const char *path = cli_db_path(o.db);
    switch (o.action) {
    case ACT_LIST: return cmd_list(&o, path);
    case ACT_SHOW: return cmd_show(&o, path);
    case ACT_COMPARE: return cmd_compare(&o, path);
    case ACT_EXPORT: return cmd_export(&o, path);
    case ACT_PLOT: return cmd_plot(&o, path);
    case ACT_RM: return cmd_rm(&o, path);
    case ACT_COUNT: break;
    }
    return EXIT_USAGE;
}

const Command command_runs = {
    .name = "runs",
    .summary = "runs list | show ID | compare ID... | export ID [--format csv|json] | plot ID... "
               "--svg F | rm ID",
    .usage = "exposure runs list [--json]\n"
             "       exposure runs show ID [--json]\n"
             "       exposure runs compare ID ID... [--step S]\n"
             "       exposure runs export ID [--format csv|json] [-o FILE]\n"
             "       exposure runs plot ID... --svg FILE [--width PIXELS]\n"
             "       exposure runs rm ID [--yes]",
    .about =
        "  list      one line per run: status, progress, best and last val/loss and val/em,\n"
        "            duration, and the checkpoint it started from (ID:STEP, train.init_from);\n"
        "            --json prints one JSON object per run and line instead\n"
        "  show      a run's fields (the machine it ran on: CPU, vector features, OpenBLAS\n"
        "            kernels), lineage (parent and children), config, metric summary,\n"
        "            events, checkpoints, samples; --json: the run as list --json gives it,\n"
        "            with its config\n"
        "  compare   metrics side by side (last, best, and at --step S: the last value at or\n"
        "            before S), then the config keys whose values differ\n"
        "  export    every metric row, as CSV (run,step,key,value,wall) or JSON; stdout\n"
        "            unless -o FILE\n"
        "  plot      train loss, val/loss and a free-running metric of the runs, overlaid,\n"
        "            as an SVG file\n"
        "  rm        deletes a run, its rows and its checkpoint files after asking on stderr\n"
        "            (a line from stdin; --yes does not ask); runs started from its weights\n"
        "            keep their record of it\n",
    .flags = flags,
    .more_help = NULL,
    .run = run,
};

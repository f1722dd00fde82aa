/* exposure report: a sweep's results as Markdown, with SVG curves, for docs/results.md. */
#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "store.h"
#include "util.h"
#include "report_study.h"
#include "sweep_stats.h"
#include "data.h"

enum { F_SWEEP, F_OUTPUT, F_PLOTS };
static const ArgFlag flags[] = {
    [F_SWEEP] = {"--sweep", NULL, "ID", 0, "the sweep to report (required)"},
    [F_OUTPUT] = {"-o", "--output", "FILE", 0, "write the Markdown to FILE (default: stdout)"},
    [F_PLOTS] = {"--plots", NULL, "DIR", 0,
                 "the SVG curves' directory (default: FILE's name without .md, beside it)"},
    {0},
};

/* The free-running metric a task is judged by: the final answer's accuracy where the data has
 * final answers (arith, GSM8K-style files), as the literature scores them; facts by f1, digest
 * by rougeL; em for anything else. */
static int primary_metric(const SweepTable *t, const char *task) {
    if (sweep_task_has(t, task, SM_ANSWER_ACC)) return SM_ANSWER_ACC;
    if (!strcmp(task, "facts")) return SM_F1;
    if (!strcmp(task, "digest")) return SM_ROUGE_L;
    return SM_EM;
}

static void machine(char *out, size_t cap) {
    char model[256] = "unknown CPU";
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
            snprintf(model, sizeof model, "%s", strchr(line, ':') + 2);
            model[strcspn(model, "\n")] = '\0';
            break;
        }
    if (f) fclose(f);
    struct utsname u;
    if (uname(&u) != 0) snprintf(u.release, sizeof u.release, "?");
    snprintf(out, cap, "%s, %ld cores, Linux %s", model, sysconf(_SC_NPROCESSORS_ONLN), u.release);
}

static int mixes(const char *method) {
    int m = method_find(method);
    return m >= 0 && method_mixes((MethodName)m);
}

/* An arm compared with the task's baseline arm: every arm but the baseline itself; parents
 * and oracles are context, not contestants. */
static const SweepCell *compared_baseline(const SweepTable *t, const SweepCell *c) {
    const SweepCell *b = sweep_baseline(t, c->task);
    return b && c != b && c->role == SWEEP_ARM ? b : NULL;
}

/* A difference counts when the mean of the per-seed differences (paired by seed: same
 * initialisation, data order and parent) is larger than twice its standard error and than
 * 0.01. For a quality metric the words are "helps"/"hurts"; for the gap and the excess
 * accumulated error, which are lower when better, "smaller"/"larger". */
static const char *verdict(const SweepCell *c, const SweepCell *b, int m, double *d, double *se) {
    int n;
    if (sweep_paired(c, b, m, d, se, &n)) return "cannot be compared";
    if (n < 2) return "not judged (one seed gives no spread)";
    if (fabs(*d) < 0.01 || fabs(*d) <= 2.0 * *se) return "no clear difference";
    if (m == SM_GAP || m == SM_EX_ACC_ERR) return *d < 0 ? "smaller" : "larger";
    return *d > 0 ? "helps" : "hurts";
}

/* The value of a config key as text ("?" when unknown). */
static const char *cfg(const Config *c, const char *key, char *buf, size_t cap) {
    if (config_get(c, key, buf, cap)) snprintf(buf, cap, "?");
    return buf;
}

/* The settings every run of the sweep shares, read from the config of a run that used BASH or
 * RAC (so that the method keys are the ones in effect), else of the first run. */
static void write_setup(FILE *o, Store *s, const SweepTable *t) {
    const SweepCell *pick = t->n ? &t->cells[0] : NULL;
    for (int i = 0; i < t->n; i++)
        if (mixes(t->cells[i].method) && t->cells[i].role == SWEEP_ARM && t->cells[i].n)
            pick = &t->cells[i];
    RunRow row;
    if (!pick || !pick->n || store_get_run(s, pick->runs[0].run, &row)) return;
    Config c;
    config_defaults(&c);
    char err[512];
    int ok = config_apply_json_text(&c, row.config_json, "run config", err, sizeof err) == 0;
    run_row_free(&row);
    if (!ok) return;
    char a[8][64];
    fprintf(o,
            "- Setup, the same for every run: a model of %s layers, dim %s, %s heads, context %s; ",
            cfg(&c, "model.layers", a[0], 64), cfg(&c, "model.dim", a[1], 64),
            cfg(&c, "model.heads", a[2], 64), cfg(&c, "model.context", a[3], 64));
    fprintf(o, "%s steps of %s sequences, AdamW at lr %s (warm-up %s steps, cosine decay).\n",
            cfg(&c, "train.steps", a[0], 64), cfg(&c, "train.batch", a[1], 64),
            cfg(&c, "train.lr", a[2], 64), cfg(&c, "train.warmup", a[3], 64));
    fprintf(o, "- BASH and RAC: ω by a %s schedule", cfg(&c, "method.schedule.kind", a[0], 64));
    ScheduleKind k = c.method.schedule.kind;
    if (k == SCHED_CONSTANT) fprintf(o, " of %s", cfg(&c, "method.schedule.value", a[1], 64));
    else if (k == SCHED_LINEAR || k == SCHED_COSINE)
        fprintf(o, " from %s at step %s to %s at %s", cfg(&c, "method.schedule.start", a[1], 64),
                cfg(&c, "method.schedule.from_step", a[2], 64),
                cfg(&c, "method.schedule.end", a[3], 64),
                c.method.schedule.to_step < 0 ? "the last step"
                                              : cfg(&c, "method.schedule.to_step", a[4], 64));
    fprintf(o,
            "; self-generated tokens from `%s`, refreshed every %s; RAC at %s granularity, at "
            "most %s corrections a sample in decoding.\n",
            cfg(&c, "method.selfgen.source", a[5], 64), cfg(&c, "method.selfgen.refresh", a[6], 64),
            cfg(&c, "method.rac.granularity", a[7], 64),
            cfg(&c, "method.rac.max_corrections", a[0], 64));
    fprintf(o,
            "- Evaluation: greedy decoding of at most %s tokens; the curves below are %s "
            "validation samples every %s steps.\n",
            cfg(&c, "decode.max_new_tokens", a[0], 64), cfg(&c, "train.eval_samples", a[1], 64),
            cfg(&c, "train.eval_every", a[2], 64));
}

static const char legend[] =
    "Columns: `em` exact match, `answer_acc` final-answer accuracy (where the task has a "
    "`#### N` answer), `f1` token F1, `rougeL` ROUGE-L F1 of the free-running output against "
    "the reference; `ed_acc` 1 − its edit distance to the reference over the longer length (a "
    "shift costs one edit); `tf_acc` and `fr_acc` the share of reference tokens predicted right "
    "teacher-forced and free-running; `gap` = `tf_acc` − `fr_acc`, the exposure gap (smaller is "
    "better only when `fr_acc` does not fall with it); `first_err` the mean position of the "
    "first wrong output token; `recovery` the share of samples whose generation left the "
    "reference that still ended right; `corrections` the mean number of `<corr>` per sample "
    "(RAC), `corrected` how many test samples had at least one, `corrected_right` how many of "
    "those ended exactly right, `corr_precision` the share of `<corr>` that retracted while the "
    "output was off the reference, `corr_recall` the share of divergences that a `<corr>` "
    "retracted; with an oracle (`exposure eval --oracle`), `eps` its mean per-step KL on "
    "reference prefixes, `acc_err` the KL accumulated along a sample's own generation and "
    "`ex_acc_err` the excess in percent, against run `oracle_run` at step `oracle_step`; `minutes` a run's wall "
    "time, evaluations included. Definitions: "
    "[methods.md](methods.md#evaluation-metrics).\n\n";

static void fmt(int m, double mean, double sd, char *out, size_t cap) {
    sweep_format(m, mean, sd, out, cap);
}

/* Per method, across tasks: how many tasks it helps, hurts or leaves unchanged on their
 * metric, with the differences. */
static void write_overall(FILE *o, const SweepTable *t) {
    const char *arms[16];
    int n_arms = 0;
    for (int i = 0; i < t->n; i++) {
        if (!compared_baseline(t, &t->cells[i])) continue;
        int seen = 0;
        for (int k = 0; k < n_arms; k++) seen |= !strcmp(arms[k], t->cells[i].arm);
        if (!seen && n_arms < 16) arms[n_arms++] = t->cells[i].arm;
    }
    for (int k = 0; k < n_arms; k++) {
        static const char *const groups[] = {"helps", "hurts", "no clear difference",
                                             "not judged (one seed)"};
        int counts[4] = {0}, tasks = 0;
        char lists[4][1024] = {"", "", "", ""};
        for (int i = 0; i < t->n; i++) {
            const SweepCell *c = &t->cells[i], *b = compared_baseline(t, c);
            if (!b || strcmp(c->arm, arms[k])) continue;
            int m = primary_metric(t, c->task);
            double d, se;
            const char *v = verdict(c, b, m, &d, &se);
            int g = !strcmp(v, "helps")             ? 0
                    : !strcmp(v, "hurts")           ? 1
                    : !strncmp(v, "not judged", 10) ? 3
                                                    : 2;
            size_t len = strlen(lists[g]);
            snprintf(lists[g] + len, sizeof lists[g] - len, "%s%s %s %+.3f", counts[g] ? ", " : "",
                     c->task, sweep_metric_name(m), d);
            counts[g]++;
            tasks++;
        }
        fprintf(o, "- **%s** against the baseline, on %d task%s:", arms[k], tasks,
                tasks == 1 ? "" : "s");
        const char *sep = " ";
        for (int g = 0; g < 4; g++)
            if (counts[g]) {
                fprintf(o, "%s%s on %d (%s)", sep, groups[g], counts[g], lists[g]);
                sep = "; ";
            }
        fprintf(o, ".\n");
    }
    fputc('\n', o);
}

/* "+0.012 ± 0.004" (no ± without a spread), in the metric's precision. */
static void difference(int m, double d, double se, char *out, size_t cap) {
    int points = m == SM_EX_ACC_ERR;
    if (isnan(se)) snprintf(out, cap, points ? "%+.1f" : "%+.3f", d);
    else snprintf(out, cap, points ? "%+.1f ± %.1f" : "%+.3f ± %.3f", d, se);
}

static void write_summary(FILE *o, const SweepTable *t) {
    fprintf(o, "## What the numbers say\n\n");
    fprintf(o, "Differences are paired by seed: runs of one seed share their initialisation, "
               "their data order and, in a warm-start study, their parent. A method *helps* or "
               "*hurts* when the mean of its per-seed differences from the baseline is larger "
               "than twice its standard error (the differences' sd/√n) and at least 0.01; "
               "otherwise there is *no clear difference*. With few seeds this is a rough "
               "screen, not a test.\n\n");
    write_overall(o, t);
    fprintf(o, "Per task, on its metric, on ed_acc and on the exposure gap (and the excess "
               "accumulated error where an oracle was used):\n\n");
    for (int i = 0; i < t->n; i++) {
        const SweepCell *c = &t->cells[i], *b = compared_baseline(t, c);
        if (!b) continue;
        int m = primary_metric(t, c->task);
        double d, se;
        char text[64];
        const char *v = verdict(c, b, m, &d, &se);
        difference(m, d, se, text, sizeof text);
        fprintf(o, "- **%s, %s**: %s on %s (%s against %.3f)", c->task, c->arm, v,
                sweep_metric_name(m), text, b->mean[m]);
        /* The secondary measures, where both sides have them. */
        static const int also[] = {SM_ED_ACC, SM_GAP, SM_EX_ACC_ERR};
        static const char *const names[] = {"ed_acc", "exposure gap", "ExAccErr"};
        for (int k = 0; k < 3; k++) {
            v = verdict(c, b, also[k], &d, &se);
            if (!strcmp(v, "cannot be compared")) continue;
            difference(also[k], d, se, text, sizeof text);
            fprintf(o, "; %s: %s (%s against %.*f%s)", names[k], v, text,
                    also[k] == SM_EX_ACC_ERR ? 1 : 3, b->mean[also[k]],
                    also[k] == SM_EX_ACC_ERR ? "%" : "");
        }
        fprintf(o, ".\n");
    }
    fputc('\n', o);
}

/* The columns of a task's tables that have values: those marked optional only when some run
 * of the task has them. */
static int task_columns(const SweepTable *t, const char *task, const int *all, int n_all,
                        int *out) {
    int k = 0;
    for (int j = 0; j < n_all; j++) {
        int m = all[j], optional = m == SM_ANSWER_ACC || m == SM_RECOVERY ||
                                   m == SM_CORR_PRECISION || m == SM_CORR_RECALL || m == SM_EPS ||
                                   m == SM_ACC_ERR || m == SM_EX_ACC_ERR || m == SM_ORACLE_RUN ||
                                   m == SM_ORACLE_STEP || m == SM_DIFF_FRAC ||
                                   m == SM_RAC_INSERTIONS;
        if (!optional || sweep_task_has(t, task, m)) out[k++] = m;
    }
    return k;
}

static void write_task_table(FILE *o, const SweepTable *t, const char *task) {
    static const int all[] = {SM_EM,
                              SM_ANSWER_ACC,
                              SM_F1,
                              SM_ROUGE_L,
                              SM_ED_ACC,
                              SM_TF_ACC,
                              SM_FR_ACC,
                              SM_GAP,
                              SM_FIRST_ERR,
                              SM_RECOVERY,
                              SM_CORRECTIONS,
                              SM_CORRECTED,
                              SM_CORRECTED_RIGHT,
                              SM_CORR_PRECISION,
                              SM_CORR_RECALL,
                              SM_EPS,
                              SM_ACC_ERR,
                              SM_EX_ACC_ERR,
                              SM_DIFF_FRAC,
                              SM_RAC_INSERTIONS};
    int cols[SM_COUNT];
    const int k = task_columns(t, task, all, (int)(sizeof all / sizeof *all), cols);
    fprintf(o, "| arm | runs |");
    for (int j = 0; j < k; j++) fprintf(o, " %s |", sweep_metric_name(cols[j]));
    fprintf(o, "\n|---|---|");
    for (int j = 0; j < k; j++) fprintf(o, "---|");
    fputc('\n', o);
    for (int i = 0; i < t->n; i++) {
        const SweepCell *c = &t->cells[i];
        if (strcmp(c->task, task)) continue;
        fprintf(o, "| %s | %d |", c->arm, c->n);
        for (int j = 0; j < k; j++) {
            char cell[64];
            fmt(cols[j], c->mean[cols[j]], c->sd[cols[j]], cell, sizeof cell);
            fprintf(o, " %s |", cell);
        }
        fputc('\n', o);
    }
    static const int every[] = {SM_EM,          SM_ANSWER_ACC, SM_F1,          SM_ROUGE_L,
                                SM_ED_ACC,      SM_TF_ACC,     SM_FR_ACC,      SM_GAP,
                                SM_FIRST_ERR,   SM_RECOVERY,   SM_CORRECTIONS, SM_CORR_PRECISION,
                                SM_CORR_RECALL, SM_EX_ACC_ERR, SM_ORACLE_RUN,  SM_ORACLE_STEP,
                                SM_DIFF_FRAC,   SM_MINUTES};
    int each[SM_COUNT];
    const int n_each = task_columns(t, task, every, (int)(sizeof every / sizeof *every), each);
    fprintf(o, "\nEvery run:\n\n| run | arm | seed | status |");
    for (int j = 0; j < n_each; j++) fprintf(o, " %s |", sweep_metric_name(each[j]));
    fprintf(o, "\n|---|---|---|---|");
    for (int j = 0; j < n_each; j++) fprintf(o, "---|");
    fputc('\n', o);
    for (int i = 0; i < t->n; i++) {
        const SweepCell *c = &t->cells[i];
        if (strcmp(c->task, task)) continue;
        for (int r = 0; r < c->n; r++) {
            const SweepRun *run = &c->runs[r];
            fprintf(o, "| %lld | %s | %d | %s |", (long long)run->run, c->arm, run->seed,
                    run->status);
            for (int j = 0; j < n_each; j++) {
                char cell[32];
                sweep_format_value(each[j], run->v[each[j]], cell, sizeof cell);
                fprintf(o, " %s |", cell);
            }
            fputc('\n', o);
        }
    }
    fputc('\n', o);
}

/* Which runs of the task started from another run's weights, grouped by that checkpoint, so
 * that continuations of one parent read as a set. Nothing when every run trained from
 * scratch. */
static void write_lineage(FILE *o, Store *s, const SweepTable *t, const char *task) {
    enum { MAX_LISTED = 256 };
    RunRow *rows = calloc(MAX_LISTED, sizeof *rows);
    const char **methods = calloc(MAX_LISTED, sizeof *methods);
    int n = 0;
    for (int i = 0; rows && methods && i < t->n; i++) {
        const SweepCell *c = &t->cells[i];
        if (strcmp(c->task, task)) continue;
        for (int r = 0; r < c->n && n < MAX_LISTED; r++) {
            if (store_get_run(s, c->runs[r].run, &rows[n])) continue;
            if (rows[n].parent_checkpoint[0]) methods[n++] = c->arm;
            else run_row_free(&rows[n]);
        }
    }
    if (n > 0)
        fprintf(o, "Warm starts (train.init_from): each run below started from its parent's "
                   "weights with a fresh optimizer and its own schedule.\n\n");
    for (int i = 0; i < n; i++) {
        char parent[200];
        run_row_parent(&rows[i], parent, sizeof parent);
        int first = 1;
        for (int k = 0; k < i && first; k++) {
            char other[200];
            run_row_parent(&rows[k], other, sizeof other);
            first = strcmp(parent, other) != 0;
        }
        if (!first) continue;
        int removed = rows[i].parent > 0 && store_run_exists(s, rows[i].parent) == 0;
        fprintf(o, "- from `%s`%s (%s):", parent, removed ? " (removed)" : "",
                rows[i].parent_params);
        const char *sep = " ";
        for (int k = i; k < n; k++) {
            char other[200];
            run_row_parent(&rows[k], other, sizeof other);
            if (strcmp(parent, other)) continue;
            fprintf(o, "%srun %lld (%s, seed %lld)", sep, (long long)rows[k].id, methods[k],
                    (long long)rows[k].seed);
            sep = ", ";
        }
        fputs(".\n", o);
    }
    if (n > 0) fputc('\n', o);
    for (int i = 0; i < n; i++) run_row_free(&rows[i]);
    free(rows);
    free(methods);
}

/* One panel of a metric over steps, a series per run of the task. */
static int plot_panel(Store *s, const SweepTable *t, const char *task, const char *key,
                      const char *title, PlotPanel *panel, PlotSeries *series, char labels[][64],
                      double **bufs, int *n_bufs) {
    int n = 0;
    for (int i = 0; i < t->n; i++) {
        const SweepCell *c = &t->cells[i];
        /* A parent's and an oracle's curves are longer than the arms' and would flatten them. */
        if (strcmp(c->task, task) || c->role != SWEEP_ARM) continue;
        for (int r = 0; r < c->n && n < 64; r++) {
            int64_t *steps;
            double *values;
            int count;
            if (store_metric_series(s, c->runs[r].run, key, &steps, &values, NULL, &count))
                return -1;
            double *x = malloc((size_t)(count ? count : 1) * sizeof *x);
            if (!x) {
                free(steps), free(values);
                return -1;
            }
            for (int k = 0; k < count; k++) x[k] = (double)steps[k];
            free(steps);
            bufs[(*n_bufs)++] = x;
            bufs[(*n_bufs)++] = values;
            snprintf(labels[n], 64, "%s s%d", c->arm, c->runs[r].seed);
            series[n] = (PlotSeries){labels[n], x, values, count};
            n++;
        }
    }
    *panel = (PlotPanel){title, "step", key, series, n, 0};
    return 0;
}

static int write_plot(Store *s, const SweepTable *t, const char *task, const char *path, char *err,
                      size_t cap) {
    char key[64], loss_key[64], title[2][160];
    int m = primary_metric(t, task);
    snprintf(key, sizeof key, "val/%s", sweep_metric_name(m));
    metric_key(METRIC_LOSS, "val", loss_key, sizeof loss_key);
    snprintf(title[0], sizeof title[0], "%.100s: validation loss", task);
    snprintf(title[1], sizeof title[1], "%.100s: free-running %s on validation samples", task,
             sweep_metric_name(m));
    PlotPanel panels[2];
    PlotSeries series[2][64];
    char labels[2][64][64];
    double *bufs[4 * 64];
    int n_bufs = 0, rc = -1;
    if (plot_panel(s, t, task, loss_key, title[0], &panels[0], series[0], labels[0], bufs,
                   &n_bufs) == 0 &&
        plot_panel(s, t, task, key, title[1], &panels[1], series[1], labels[1], bufs, &n_bufs) == 0)
        rc = svg_plot_write(path, panels, 2, 900, err, cap);
    else snprintf(err, cap, "%s", store_error(s));
    for (int i = 0; i < n_bufs; i++) free(bufs[i]);
    return rc;
}

static void write_header(FILE *o, Store *s, int64_t sweep, const SweepTable *t) {
    SweepRow row;
    char command[4096] = "?";
    if (store_get_sweep(s, sweep, &row) == 0) {
        cJSON *cfg = cJSON_Parse(row.config_json);
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(cfg, "command");
        if (cJSON_IsString(c)) snprintf(command, sizeof command, "%s", c->valuestring);
        cJSON_Delete(cfg);
        sweep_row_free(&row);
    }
    double first = 0, last = 0;
    for (int i = 0; i < t->n; i++)
        for (int r = 0; r < t->cells[i].n; r++) {
            RunRow run;
            if (store_get_run(s, t->cells[i].runs[r].run, &run)) continue;
            double end = run.finished > 0 ? run.finished : run.heartbeat;
            /* The test evaluation follows the run's end; its metrics carry the time it did. */
            int64_t *steps;
            double *values, *wall;
            int n;
            char test_loss[64];
            metric_key(METRIC_LOSS, "test", test_loss, sizeof test_loss);
            if (store_metric_series(s, run.id, test_loss, &steps, &values, &wall, &n) == 0) {
                if (n > 0 && wall[n - 1] > end) end = wall[n - 1];
                free(steps), free(values), free(wall);
            }
            if (!first || run.created < first) first = run.created;
            if (end > last) last = end;
            run_row_free(&run);
        }
    char host[512], when[64], took[32];
    machine(host, sizeof host);
    time_t now = time(NULL);
    strftime(when, sizeof when, "%Y-%m-%d", gmtime(&now));
    clock_format_duration(last - first, took, sizeof took);
    fprintf(o, "# Results: BASH and RAC against teacher forcing%s\n\n",
            report_is_study(t) ? ", fine-tuning trained models" : "");
    fprintf(o,
            "Generated by `exposure report --sweep %lld` (exposure %s) on %s from sweep %lld, "
            "run as\n\n    %s\n\n",
            (long long)sweep, EXPOSURE_VERSION, when, (long long)sweep, command);
    fprintf(o,
            "- Machine: %s.\n- Sweep time: %s from the first run's start to the end of the "
            "last run's test evaluation.\n",
            host, took);
    fprintf(o,
            "- Metrics: the %s split, after the last training step, as defined in "
            "[methods.md](methods.md#evaluation-metrics); mean ± sample sd over seeds. Every "
            "seed's run is listed; none was selected or dropped.\n",
            t->split);
}

/* Where the plots go and how the report links them. By default beside the report, in a
 * directory named after it (results.md: results/; another name gets "-plots" added), or
 * sweep-ID/ for a report on stdout. The directories, and the report's own, are made with
 * their parents; the link is the plots' directory as seen from the report's. */
static int place_plots(const char *out_path, const char *plots, long sweep, char *dir, size_t cap,
                       char *link, size_t link_cap) {
    size_t len = out_path ? strlen(out_path) : 0;
    int md = len > 3 && strcmp(out_path + len - 3, ".md") == 0;
    if (plots) snprintf(dir, cap, "%s", plots);
    else if (out_path && md) snprintf(dir, cap, "%.*s", (int)(len - 3), out_path);
    else if (out_path) snprintf(dir, cap, "%s-plots", out_path);
    else snprintf(dir, cap, "sweep-%ld", sweep);
    char report_dir[LIMIT_PATH_BYTES], failed[LIMIT_PATH_BYTES];
    if (path_dirname(out_path ? out_path : ".", report_dir, sizeof report_dir)) {
        fprintf(stderr, "exposure report: %s: path too long\n", out_path);
        return -1;
    }
    if (mkdirs(dir, 0777, failed, sizeof failed) ||
        mkdirs(out_path ? report_dir : ".", 0777, failed, sizeof failed)) {
        fprintf(stderr, "exposure report: %s: cannot make the directory: %s\n", failed,
                strerror(errno));
        return -1;
    }
    if (path_relative(out_path ? report_dir : ".", dir, link, link_cap)) {
        fprintf(stderr, "exposure report: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    return 0;
}

static int run(const Args *a) {
    long sweep = 0;
    const char *out_path = args_value(a, F_OUTPUT), *plots = args_value(a, F_PLOTS), *db = a->db;
    const char *sweep_text = args_value(a, F_SWEEP);
    if (args_max_positional(a, 0)) return EXIT_USAGE;
    if (!sweep_text) return cli_usage_error("report", "--sweep ID is required");
    if (cli_parse_long(sweep_text, 1, INT64_MAX, &sweep))
        return cli_usage_error("report", "--sweep: '%s' is not a sweep id", sweep_text);
    if (cli_check_output("report", out_path)) return EXIT_USAGE;
    char err[1024], plot_dir[4096], link_dir[4096];
    Store *s;
    if (store_open_existing(cli_db_path(db), &s, err, sizeof err)) {
        fprintf(stderr, "exposure report: %s\n", err);
        return EXIT_RUNTIME;
    }
    SweepTable t;
    if (sweep_table_load(s, sweep, &t, err, sizeof err)) {
        fprintf(stderr, "exposure report: %s\n", err);
        store_close(s);
        return EXIT_RUNTIME;
    }
    if (t.n == 0) {
        fprintf(stderr, "exposure report: sweep %ld has no runs\n", sweep);
        sweep_table_free(&t);
        store_close(s);
        return EXIT_RUNTIME;
    }
    if (place_plots(out_path, plots, sweep, plot_dir, sizeof plot_dir, link_dir, sizeof link_dir)) {
        sweep_table_free(&t);
        store_close(s);
        return EXIT_RUNTIME;
    }
    FILE *o = out_path ? fopen(out_path, "w") : stdout;
    if (!o) {
        fprintf(stderr, "exposure report: %s: %s\n", out_path, strerror(errno));
        sweep_table_free(&t);
        store_close(s);
        return EXIT_RUNTIME;
    }
    write_header(o, s, sweep, &t);
    if (report_is_study(&t)) report_study_setup(o, s, &t);
    else write_setup(o, s, &t);
    fputc('\n', o);
    if (report_is_study(&t)) report_study_bias(o, s, &t);
    write_summary(o, &t);
    fputs(legend, o);
    int rc = EXIT_OK;
    const char *done[64];
    int n_done = 0;
    for (int i = 0; i < t.n && rc == EXIT_OK; i++) {
        const char *task = t.cells[i].task;
        int seen = 0;
        for (int k = 0; k < n_done; k++) seen |= !strcmp(done[k], task);
        if (seen || n_done == 64) continue;
        done[n_done++] = task;
        const TaskInfo *info = task_find(task);
        fprintf(o, "## %s%s%s%s\n\n", task, info ? " (" : "", info ? info->kind : "",
                info ? ")" : "");
        write_task_table(o, &t, task);
        write_lineage(o, s, &t, task);
        char file[4200], path[8400];
        snprintf(file, sizeof file, "sweep%ld-%.60s.svg", sweep, task);
        for (char *c = file; *c; c++)
            if (*c == '/') *c = '_';
        snprintf(path, sizeof path, "%s/%s", plot_dir, file);
        if (write_plot(s, &t, task, path, err, sizeof err)) {
            fprintf(stderr, "exposure report: %s\n", err);
            rc = EXIT_RUNTIME;
        }
        fprintf(o, "![%s: validation loss and free-running %s over steps](%s/%s)\n\n", task,
                sweep_metric_name(primary_metric(&t, task)), link_dir, file);
    }
    if (out_path && fclose(o) != 0) {
        fprintf(stderr, "exposure report: %s: %s\n", out_path, strerror(errno));
        rc = EXIT_RUNTIME;
    }
    sweep_table_free(&t);
    store_close(s);
    return rc;
}

const Command command_report = {
    .name = "report",
    .summary = "report --sweep ID [-o FILE] [--plots DIR]",
    .usage = "exposure report --sweep ID [-o FILE] [--plots DIR]",
    .about =
        "Writes a sweep's results as Markdown (stdout, or FILE): per task and method the mean\n"
        "± sd over seeds of em, answer_acc, f1, rougeL, ed_acc, tf_acc, fr_acc, gap, first_err,\n"
        "recovery, the RAC corrections (corr_precision, corr_recall) and, for runs evaluated\n"
        "with --oracle, eps, acc_err and ex_acc_err; every run on its own row (with its\n"
        "oracle); where BASH or RAC differ from the baseline and by how much; and SVG curves of validation loss and the task's free-running metric\n"
        "over training steps, written to DIR (default: FILE's name without .md, or\n"
        "sweep-ID) and linked.\n",
    .flags = flags,
    .more_help = NULL,
    .run = run,
};

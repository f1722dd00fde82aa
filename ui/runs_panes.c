#include "runs_panes.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "train.h"
#include "text.h"
#include "theme.h"
#include "widgets.h"

enum { PANE_CURVES, PANE_COMPARE, PANE_DIFF, PANE_COUNT };

static const char *const pane_names[PANE_COUNT] = {"curves", "compare", "config diff"};

/* The metrics the panes offer, in order: per step (split NULL) or of validation. */
static const struct {
    MetricId id;
    const char *split;
} metrics[] = {
    {METRIC_LOSS, NULL},         {METRIC_LOSS, "val"},        {METRIC_EM, "val"},
    {METRIC_ANSWER_ACC, "val"},  {METRIC_ED_ACC, "val"},      {METRIC_RECOVERY, "val"},
    {METRIC_EX_ACC_ERR, "val"},  {METRIC_F1, "val"},          {METRIC_ROUGE_L, "val"},
    {METRIC_FR_ACC, "val"},      {METRIC_TF_ACC, "val"},      {METRIC_GAP, "val"},
    {METRIC_FIRST_ERR, "val"},   {METRIC_CORRECTIONS, "val"}, {METRIC_CORR_PRECISION, "val"},
    {METRIC_CORR_RECALL, "val"}, {METRIC_EPS, "val"},         {METRIC_ACC_ERR, "val"},
    {METRIC_OMEGA, NULL},        {METRIC_MIXED_FRAC, NULL},   {METRIC_DIFF_FRAC, NULL},
    {METRIC_LR, NULL},           {METRIC_TOK_S, NULL},        {METRIC_GRAD_NORM, NULL},
};
enum { N_METRICS = (int)(sizeof metrics / sizeof *metrics) };
/* The rows of the comparison table: the metrics down to the exposure gap. */
enum { N_COMPARED = 12 };

/* The stored key of the m-th metric: "loss", "val/em". */
static const char *key_of(int m, char *out, size_t cap) {
    metric_key(metrics[m].id, metrics[m].split, out, cap);
    return out;
}

struct RunsPanes {
    PaneRun runs[PANE_RUNS];
    int n;
    int pane, metric;
    long at_step; /* the comparison's chosen step; -1: none */
    int loaded;   /* curves match runs and metric */
    double loaded_at;
    History curves[PANE_RUNS];
    char labels[PANE_RUNS][160];
    int diff_scroll;
    int compare_loaded;
    double compare_at;
    char cells[N_COMPARED][PANE_RUNS][3][48]; /* last, best, at step */
    /* The config diff, built once per set of runs. */
    int diff_loaded, diff_failed, diff_n, diff_nk, diff_with_default;
    FlatConfig diff_cfgs[PANE_RUNS + 1];
    const char **diff_keys;
};

static void free_diff(RunsPanes *p) {
    for (int i = 0; i < p->diff_n; i++) flatcfg_free(&p->diff_cfgs[i]);
    free(p->diff_keys);
    p->diff_keys = NULL;
    p->diff_n = p->diff_nk = 0;
    p->diff_loaded = 0;
}

RunsPanes *panes_new(void) {
    RunsPanes *p = calloc(1, sizeof *p);
    if (p) p->at_step = -1;
    return p;
}

void panes_free(RunsPanes *p) {
    if (!p) return;
    free_diff(p);
    free(p);
}

void panes_set_runs(RunsPanes *p, const PaneRun *runs, int n) {
    if (n > PANE_RUNS) n = PANE_RUNS;
    int same = n == p->n;
    for (int i = 0; same && i < n; i++) same = runs[i].id == p->runs[i].id;
    memcpy(p->runs, runs, (size_t)n * sizeof *runs);
    p->n = n;
    if (!same) {
        p->loaded = 0;
        p->compare_loaded = 0;
        free_diff(p);
        p->diff_scroll = 0;
    }
}

void panes_invalidate(RunsPanes *p) { p->loaded = p->compare_loaded = 0; }

static void load_curves(RunsPanes *p, Store *s) {
    for (int i = 0; i < p->n; i++) {
        History *h = &p->curves[i];
        history_init(h);
        const PaneRun *run = &p->runs[i];
        char label[sizeof p->labels[i]];
        snprintf(label, sizeof label, "#%lld %s", (long long)run->id, run->name);
        memcpy(p->labels[i], label, sizeof label);
        int64_t *steps;
        double *values, *wall;
        int n;
        char key[64];
        key_of(p->metric, key, sizeof key);
        if (store_metric_series(s, p->runs[i].id, key, &steps, &values, &wall, &n)) continue;
        for (int k = 0; k < n; k++) history_add(h, (double)steps[k], wall[k] - wall[0], values[k]);
        free(steps);
        free(values);
        free(wall);
    }
    p->loaded = 1;
    p->loaded_at = clock_monotonic();
}

static int any_running(const RunsPanes *p) {
    for (int i = 0; i < p->n; i++)
        if (strcmp(p->runs[i].status, "running") == 0) return 1;
    return 0;
}

static void draw_curves(RunsPanes *p, Shell *a, Store *s, int top, int rows, int cols) {
    if (!p->loaded || (any_running(p) && clock_monotonic() - p->loaded_at > 2.0)) load_curves(p, s);
    ChartSeries series[PANE_RUNS];
    for (int i = 0; i < p->n; i++)
        series[i] = (ChartSeries){p->labels[i], &p->curves[i], theme_series(i), STYLE_LINE, 0};
    char title[80], key[64];
    snprintf(title, sizeof title, "%s (m)", key_of(p->metric, key, sizeof key));
    int unit = (metric_info(metrics[p->metric].id)->flags & METRIC_SCORE) != 0;
    ChartSpec spec = {.title = title,
                      .by_time = a->prefs.x_time,
                      .fix_y = unit,
                      .y0 = 0,
                      .y1 = 1,
                      .empty = "these runs have no points of this metric (m: another)"};
    chart_draw(top, 1, rows, cols - 2, &spec, series, p->n);
}

static void value_text(int rc, double v, int64_t step, char *out, size_t cap) {
    if (rc) snprintf(out, cap, "-");
    else if (step >= 0) snprintf(out, cap, "%.4g @%lld", v, (long long)step);
    else snprintf(out, cap, "%.4g", v);
}

/* The comparison's values as text, read once per change of runs or step. */
static void load_compare(RunsPanes *p, Store *s) {
    for (int m = 0; m < N_COMPARED; m++)
        for (int i = 0; i < p->n; i++) {
            char key[64];
            key_of(m, key, sizeof key);
            int64_t step = -1;
            double v = 0;
            char(*cell)[48] = p->cells[m][i];
            int rc = store_metric_last(s, p->runs[i].id, key, &step, &v);
            value_text(rc, v, step, cell[0], sizeof cell[0]);
            rc = store_metric_best(s, p->runs[i].id, key, &step, &v);
            value_text(rc, v, step, cell[1], sizeof cell[1]);
            snprintf(cell[2], sizeof cell[2], "-");
            if (p->at_step >= 0) {
                rc = store_metric_at(s, p->runs[i].id, key, p->at_step, &v);
                value_text(rc, v, -1, cell[2], sizeof cell[2]);
            }
        }
    p->compare_loaded = 1;
    p->compare_at = clock_monotonic();
}

static void draw_compare(RunsPanes *p, Store *s, int top, int rows, int cols) {
    if (!p->compare_loaded || (any_running(p) && clock_monotonic() - p->compare_at > 2.0))
        load_compare(p, s);
    int valw = 16, runw = cols - 2 - 15 - 3 * valw;
    if (runw < 14) runw = 14;
    int xrun = 17, xlast = xrun + runw + 1, xbest = xlast + valw, xat = xbest + valw;
    char at_head[48];
    if (p->at_step >= 0) snprintf(at_head, sizeof at_head, "at %ld (a)", p->at_step);
    else snprintf(at_head, sizeof at_head, "at step (a)");
    text_put0(top, 1, 15, "metric", theme_attr(R_DIM));
    text_put0(top, xrun, runw, "run", theme_attr(R_DIM));
    text_put0(top, xlast, valw, "last @step", theme_attr(R_DIM));
    text_put0(top, xbest, valw, "best @step", theme_attr(R_DIM));
    text_put0(top, xat, cols - xat - 1, at_head, theme_attr(R_DIM));
    int y = top + 1;
    for (int m = 0; m < N_COMPARED && y < top + rows; m++)
        for (int i = 0; i < p->n && y < top + rows; i++, y++) {
            char key[64];
            text_put0(y, 1, 15, i == 0 ? key_of(m, key, sizeof key) : "", theme_attr(R_TITLE));
            char run[160];
            snprintf(run, sizeof run, "#%lld %s", (long long)p->runs[i].id, p->runs[i].name);
            text_put0(y, xrun, runw, run, theme_attr(theme_series(i)));
            text_put0(y, xlast, valw - 1, p->cells[m][i][0], theme_attr(R_NORMAL));
            text_put0(y, xbest, valw - 1, p->cells[m][i][1], theme_attr(R_GOOD));
            text_put0(y, xat, cols - xat - 1, p->cells[m][i][2], theme_attr(R_NORMAL));
        }
}

/* Flattens the runs' configs (and the default one, next to a single run) and finds the keys
 * on which they differ. */
static void load_diff(RunsPanes *p) {
    free_diff(p);
    p->diff_loaded = 1;
    p->diff_with_default = p->n == 1;
    p->diff_failed = 0;
    if (p->diff_with_default && flatcfg_parse(config_default_json(), &p->diff_cfgs[p->diff_n]) == 0)
        p->diff_n++;
    for (int i = 0; i < p->n; i++)
        if (flatcfg_parse(p->runs[i].config_json, &p->diff_cfgs[p->diff_n]) == 0) p->diff_n++;
    if (p->diff_n != p->n + p->diff_with_default) {
        p->diff_failed = 1;
        return;
    }
    p->diff_nk = p->diff_n > 1 ? flatcfg_diff(p->diff_cfgs, p->diff_n, &p->diff_keys) : 0;
}

static void draw_diff(RunsPanes *p, int top, int rows, int cols) {
    if (!p->diff_loaded) load_diff(p);
    if (p->diff_failed) {
        text_put0(top, 1, cols - 2, "a run's config could not be read", theme_attr(R_ERROR));
        return;
    }
    int n = p->diff_n, nk = p->diff_nk, with_default = p->diff_with_default;
    int keyw = 28, colw = (cols - keyw - 3) / (n > 0 ? n : 1);
    text_put0(top, 1, keyw, with_default ? "key (vs the default)" : "key", theme_attr(R_DIM));
    for (int i = 0; i < n; i++) {
        char head[64];
        if (with_default && i == 0) snprintf(head, sizeof head, "default");
        else snprintf(head, sizeof head, "#%lld", (long long)p->runs[i - with_default].id);
        text_put0(top, 2 + keyw + i * colw, colw - 1, head,
                  theme_attr(with_default && i == 0 ? R_DIM : theme_series(i - with_default)));
    }
    if (nk < 0) text_put0(top + 1, 1, cols - 2, "out of memory", theme_attr(R_ERROR));
    else if (nk == 0) text_put0(top + 1, 1, cols - 2, "no differences", theme_attr(R_GOOD));
    if (p->diff_scroll > nk - 1) p->diff_scroll = nk > 0 ? nk - 1 : 0;
    for (int k = p->diff_scroll, y = top + 1; k < nk && y < top + rows; k++, y++) {
        text_put0(y, 1, keyw, p->diff_keys[k], theme_attr(R_NORMAL));
        for (int i = 0; i < n; i++) {
            const char *v = flatcfg_get(&p->diff_cfgs[i], p->diff_keys[k]);
            text_put0(y, 2 + keyw + i * colw, colw - 1, v ? v : "(absent)", theme_attr(R_NORMAL));
        }
    }
}

void panes_draw(RunsPanes *p, Shell *a, int top, int rows, int cols) {
    int col = 1;
    for (int i = 0; i < PANE_COUNT; i++) {
        char cell[32];
        snprintf(cell, sizeof cell, " %s ", pane_names[i]);
        col +=
            text_put0(top, col, cols - col, cell, theme_attr(i == p->pane ? R_TAB_ACTIVE : R_TAB)) +
            1;
    }
    text_put0(top, col + 1, cols - col - 2, "(v)", theme_attr(R_DIM));
    Store *s = shell_store(a);
    if (p->n == 0 || !s) {
        text_put0(top + 2, 2, cols - 4,
                  "Space selects runs to compare (the run under the cursor is shown until then).",
                  theme_attr(R_DIM));
        return;
    }
    switch (p->pane) {
    case PANE_CURVES: draw_curves(p, a, s, top + 1, rows - 1, cols); break;
    case PANE_COMPARE: draw_compare(p, s, top + 1, rows - 1, cols); break;
    default: draw_diff(p, top + 1, rows - 1, cols); break;
    }
}

static int at_step_submit(void *ctx, const char *text, char *err, size_t cap) {
    RunsPanes *p = ctx;
    char *end;
    long v = strtol(text, &end, 10);
    if (*text == '\0') {
        p->at_step = -1;
        p->compare_loaded = 0;
        return 0;
    }
    if (*end != '\0' || v < 0) {
        snprintf(err, cap, "a step number (empty: none)");
        return -1;
    }
    p->at_step = v;
    p->pane = PANE_COMPARE;
    p->compare_loaded = 0;
    return 0;
}

int panes_key(RunsPanes *p, Shell *a, int key) {
    switch (key) {
    case 'v': p->pane = (p->pane + 1) % PANE_COUNT; return 1;
    case 'm':
        p->metric = (p->metric + 1) % N_METRICS;
        p->loaded = 0;
        p->pane = PANE_CURVES;
        return 1;
    case 'M':
        p->metric = (p->metric + N_METRICS - 1) % N_METRICS;
        p->loaded = 0;
        p->pane = PANE_CURVES;
        return 1;
    case 'a':
        dialog_prompt(&a->dlg, "Compare at step",
                      "Step to compare the runs at (the last value at or before it):", "",
                      COMPLETE_NONE, at_step_submit, p);
        return 1;
    case ']': p->diff_scroll++; return 1;
    case '[':
        if (p->diff_scroll > 0) p->diff_scroll--;
        return 1;
    default: return 0;
    }
}

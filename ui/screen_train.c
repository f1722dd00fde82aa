/* Train: start a run with the current config, watch it learn (train loss raw and smoothed,
 * val loss, free-running metrics, omega and the mixed fraction, lr, tokens/s), pause, stop,
 * and change the schedule while it trains. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "screens.h"
#include "text.h"
#include "theme.h"
#include "widgets.h"

/* Width of the numbers panel right of the loss chart. */
enum { PANEL_COLS = 34, NOTE_ROWS = 3, MAX_LIVE_KEYS = 64 };

typedef struct {
    const char *live_keys[MAX_LIVE_KEYS]; /* completion words of the live-change prompt */
    int n_live;
} TrainScreen;

static const KeyHelp train_keys[] = {
    {"Enter / r", "start a run with the current config (screens 1 and 2 set it)"},
    {"Space", "pause / resume the run"},
    {"s", "stop the run (asks first; a checkpoint is written, the run is marked stopped)"},
    {"e", "change a live key while it trains, e.g. method.schedule.end=0.6 (Tab completes)"},
    {"[ / ]", "less / more smoothing of the train loss (debiased moving average)"},
    {"x", "x axis: steps or training time"},
    {"c", "show this run's latest evaluation samples (Corrections)"},
};

static void *train_create(Shell *a) {
    (void)a;
    TrainScreen *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    int n;
    const ConfigKey *keys = config_keys(&n);
    for (int i = 0; i < n && t->n_live < MAX_LIVE_KEYS; i++)
        if (keys[i].live) t->live_keys[t->n_live++] = keys[i].key;
    return t;
}

static void train_destroy(void *st) { free(st); }

static const char *method_name(const Config *c) { return method_info(c->method.name)->name; }

static const char *phase_text(const LiveRun *s, Role *role) {
    *role = R_GOOD;
    if (s->finished) {
        *role = strcmp(s->status, "failed") == 0      ? R_ERROR
                : strcmp(s->status, "completed") == 0 ? R_GOOD
                                                      : R_WARN;
        return s->status;
    }
    switch (s->snap.phase) {
    case PHASE_PAUSED: *role = R_WARN; return "paused";
    case PHASE_STOPPING: *role = R_WARN; return "stopping";
    default: return "training";
    }
}

static void draw_idle(Shell *a, int top, int rows, int cols) {
    const Config *c = &a->cfg;
    int y = top + rows / 3, w = cols - 8;
    text_put0(y, 4, w, "No run trained yet since exposure started.", theme_attr(R_TITLE));
    y += 2;
    char text[1200], err[512];
    snprintf(text, sizeof text,
             "Enter (or r) trains %s on %s: %d layer%s x %d dim, %d heads, %d steps of %d.",
             method_name(c), c->data.train, c->model.layers, c->model.layers == 1 ? "" : "s",
             c->model.dim, c->model.heads, c->train.steps, c->train.batch);
    y += ui_paragraph(y, 4, w, 4, text, theme_attr(R_NORMAL));
    if (config_validate(c, err, sizeof err)) {
        snprintf(text, sizeof text, "The config is not valid yet: %s", err);
        y += ui_paragraph(y, 4, w, 4, text, theme_attr(R_ERROR));
    }
    ui_paragraph(y + 1, 4, w, 4,
                 "Pick the data on screen 1 and change the method, model and schedule on screen 2.",
                 theme_attr(R_DIM));
}

static void draw_header(const LiveRun *s, int y, int cols) {
    const TrainerSnapshot *p = &s->snap;
    const Config *c = &p->config;
    Role role;
    const char *phase = phase_text(s, &role);
    int col = text_printf(y, 1, cols - 2, theme_attr(R_TITLE), "run %lld", (long long)s->run_id);
    col += text_printf(y, 1 + col, cols - 2 - col, theme_attr(R_NORMAL),
                       "  %s on %s  %d layer%s x %d dim  ", method_name(c), c->data.train,
                       c->model.layers, c->model.layers == 1 ? "" : "s", c->model.dim);
    text_printf(y, 1 + col, cols - 2 - col, theme_attr(role) | A_BOLD, "%s %s", glyphs()->mark,
                phase);
    char eta[32] = "-", took[32], toks[32];
    if (p->eta >= 0 && !s->finished) clock_format_duration(p->eta, eta, sizeof eta);
    clock_format_duration(p->elapsed, took, sizeof took);
    ui_format_count(p->last.tok_s, toks, sizeof toks);
    char right[160];
    snprintf(right, sizeof right, " %3.0f%%  ETA %s  elapsed %s  %s tok/s  epoch %d",
             p->steps ? 100.0 * p->step / p->steps : 0.0, eta, took, toks, p->epoch);
    char left[64];
    snprintf(left, sizeof left, "step %d / %d ", p->step, p->steps);
    int lw = text_put0(y + 1, 1, cols - 2, left, theme_attr(R_NORMAL) | A_BOLD);
    int rw = text_width0(right);
    int bar = cols - 2 - lw - rw;
    if (bar > 4)
        ui_progress(y + 1, 1 + lw, bar, p->steps ? (double)p->step / p->steps : 0,
                    theme_attr(R_SERIES0), theme_attr(R_DIM));
    text_put0(y + 1, cols - 1 - rw, rw, right, theme_attr(R_NORMAL));
}

/* A row of the panel: the label (or the metric's name) and the value in the metric's format;
 * metric METRIC_COUNT is a step number. */
static void stat_line(int y, int x, int w, const char *label, MetricId metric, double v, Role r) {
    text_put0(y, x, w, label ? label : metric_info(metric)->name, theme_attr(R_DIM));
    char val[32];
    if (metric < METRIC_COUNT) metric_format(metric, v, val, sizeof val);
    else if (isnan(v)) snprintf(val, sizeof val, "-");
    else snprintf(val, sizeof val, "%.0f", v);
    text_put_right(y, x, w, val, theme_attr(r));
}

static void draw_panel(const Shell *a, const LiveRun *s, int y, int x, int h, int w) {
    const TrainerSnapshot *p = &s->snap;
    int evald = p->eval_step >= 0;
    /* The baseline mixes nothing: its omega and fractions are not numbers to show. */
    int mixing = p->step && method_mixes(p->config.method.name);
    int rac = method_corrects(p->config.method.name);
    double nan = NAN, smooth[HISTORY_BUCKETS];
    const History *loss = &s->h[H_LOSS];
    double smoothed = nan;
    if (loss->n) {
        history_smooth(loss, a->prefs.smoothing, smooth);
        smoothed = smooth[loss->n - 1];
    }
    int half = (w - 1) / 2, r = y;
    /* Each row shows a metric (its name unless label says otherwise, in its format); the
     * evaluation's step is the one row that is not a metric. */
    struct {
        const char *label;
        MetricId metric;
        double v;
        Role role;
    } rows[] = {
        {NULL, METRIC_LOSS, p->step ? p->last.loss : nan, R_SERIES0},
        {"smoothed", METRIC_LOSS, smoothed, R_SERIES0},
        {"val loss", METRIC_LOSS, evald ? p->eval.loss : nan, R_SERIES1},
        {"eval step", METRIC_COUNT, evald ? p->eval_step : nan, R_NORMAL},
        {NULL, METRIC_TF_ACC, evald ? p->eval.tf_acc : nan, R_NORMAL},
        {NULL, METRIC_FR_ACC, evald ? p->eval.fr_acc : nan, R_SERIES3},
        {NULL, METRIC_GAP, evald ? p->eval.gap : nan, R_WARN},
        {NULL, METRIC_FIRST_ERR, evald ? p->eval.first_err : nan, R_NORMAL},
        {NULL, METRIC_EM, evald ? p->eval.em : nan, R_SERIES0},
        {NULL, METRIC_F1, evald ? p->eval.f1 : nan, R_SERIES1},
        {NULL, METRIC_ROUGE_L, evald ? p->eval.rouge_l : nan, R_SERIES2},
        {NULL, METRIC_ED_ACC, evald ? p->eval.ed_acc : nan, R_SERIES4},
        {NULL, METRIC_ANSWER_ACC, evald ? p->eval.answer_acc : nan, R_SERIES6},
        {NULL, METRIC_RECOVERY, evald ? p->eval.recovery : nan, R_NORMAL},
        {NULL, METRIC_CORRECTIONS, evald ? p->eval.corrections : nan, R_NORMAL},
        {"corr prec", METRIC_CORR_PRECISION, evald && rac ? p->eval.corr_precision : nan, R_NORMAL},
        {"corr recall", METRIC_CORR_RECALL, evald && rac ? p->eval.corr_recall : nan, R_NORMAL},
        {NULL, METRIC_DIVERGED, evald ? p->eval.diverged : nan, R_NORMAL},
        {NULL, METRIC_OMEGA, mixing ? p->last.omega : nan, R_SERIES0},
        {NULL, METRIC_MIXED_FRAC, mixing ? p->last.mixed_frac : nan, R_SERIES1},
        {NULL, METRIC_DIFF_FRAC, mixing ? p->last.diff_frac : nan, R_SERIES2},
        {NULL, METRIC_GRAD_NORM, p->step ? p->last.grad_norm : nan, R_NORMAL},
        {NULL, METRIC_LR, p->step ? p->last.lr : nan, R_NORMAL},
        {"tok/s", METRIC_TOK_S, p->step ? p->last.tok_s : nan, R_NORMAL},
    };
    int n = (int)(sizeof rows / sizeof *rows);
    for (int i = 0; i < n && r < y + h; i += 2, r++) {
        stat_line(r, x, half - 1, rows[i].label, rows[i].metric, rows[i].v, rows[i].role);
        if (i + 1 < n)
            stat_line(r, x + half + 1, w - half - 1, rows[i + 1].label, rows[i + 1].metric,
                      rows[i + 1].v, rows[i + 1].role);
    }
    if (r + 1 < y + h)
        text_printf(++r, x, w, theme_attr(R_DIM), "smoothing %.2f ([ ])  x: %s (x)",
                    a->prefs.smoothing, a->prefs.x_time ? "time" : "step");
    if (s->finished && strcmp(s->status, "failed") == 0 && r + 1 < y + h)
        text_put0(++r, x, w, s->done_text, theme_attr(R_ERROR));
}

static void draw_charts(const Shell *a, const LiveRun *s, int y, int h, int cols) {
    int by_time = a->prefs.x_time;
    int loss_h = h * 55 / 100, left_w = cols - PANEL_COLS - 3;
    ChartSeries loss[] = {
        {"raw", &s->h[H_LOSS], R_SERIES0, STYLE_BAND, 0},
        {"val", &s->h[H_VAL_LOSS], R_SERIES1, STYLE_LINE, 0},
        {"smoothed", &s->h[H_LOSS], R_SERIES0, STYLE_SMOOTH, a->prefs.smoothing},
    };
    ChartSpec loss_spec = {
        .title = "loss", .by_time = by_time, .empty = "waiting for the first step"};
    chart_draw(y, 1, loss_h, left_w, &loss_spec, loss, 3);
    draw_panel(a, s, y, cols - PANEL_COLS - 1, loss_h, PANEL_COLS);
    int y2 = y + loss_h + 1, h2 = h - loss_h - 1, half = (cols - 3) / 2;
    ChartSeries fr[] = {
        {metric_info(METRIC_EM)->name, &s->h[H_EM], R_SERIES0, STYLE_LINE, 0},
        {metric_info(METRIC_F1)->name, &s->h[H_F1], R_SERIES1, STYLE_LINE, 0},
        {metric_info(METRIC_ROUGE_L)->name, &s->h[H_ROUGE], R_SERIES2, STYLE_LINE, 0},
        {metric_info(METRIC_FR_ACC)->name, &s->h[H_FR_ACC], R_SERIES3, STYLE_LINE, 0},
        {metric_info(METRIC_GAP)->name, &s->h[H_GAP], R_SERIES5, STYLE_LINE, 0},
        {metric_info(METRIC_ED_ACC)->name, &s->h[H_ED_ACC], R_SERIES4, STYLE_LINE, 0},
        {metric_info(METRIC_ANSWER_ACC)->name, &s->h[H_ANSWER_ACC], R_SERIES6, STYLE_LINE, 0},
    };
    ChartSpec fr_spec = {.title = "free-running",
                         .by_time = by_time,
                         .fix_y = 1,
                         .y0 = 0,
                         .y1 = 1,
                         .empty = "after the first evaluation"};
    /* answer_acc only where the data has final answers: an empty series still takes legend
     * room. */
    chart_draw(y2, 1, h2, half, &fr_spec, fr, s->h[H_ANSWER_ACC].n ? 7 : 6);
    if (!method_mixes(s->snap.config.method.name)) {
        ChartSeries lr[] = {{metric_info(METRIC_LR)->name, &s->h[H_LR], R_SERIES4, STYLE_LINE, 0}};
        ChartSpec lr_spec = {.title = "learning rate", .by_time = by_time, .empty = "waiting"};
        chart_draw(y2, 2 + half + 1, h2, cols - half - 4, &lr_spec, lr, 1);
    } else {
        ChartSeries mix[] = {
            {metric_info(METRIC_OMEGA)->name, &s->h[H_OMEGA], R_SERIES0, STYLE_LINE, 0},
            {metric_info(METRIC_MIXED_FRAC)->name, &s->h[H_MIXED], R_SERIES1, STYLE_LINE, 0},
            {metric_info(METRIC_DIFF_FRAC)->name, &s->h[H_DIFF], R_SERIES2, STYLE_LINE, 0},
        };
        ChartSpec mix_spec = {.title = "schedule",
                              .by_time = by_time,
                              .fix_y = 1,
                              .y0 = 0,
                              .y1 = 1,
                              .empty = "waiting"};
        chart_draw(y2, 2 + half + 1, h2, cols - half - 4, &mix_spec, mix, 3);
    }
}

static void draw_notes(const LiveRun *s, int y, int rows, int cols) {
    ui_rule(y, 1, cols - 2, theme_attr(R_BORDER));
    text_put0(y, 3, cols - 6, " notes ", theme_attr(R_TITLE));
    for (int i = 0; i < rows - 1; i++) {
        const char *note = liverun_note(s, i);
        if (!note) break;
        text_put0(y + 1 + i, 2, cols - 4, note, theme_attr(i == 0 ? R_NORMAL : R_DIM));
    }
    if (!liverun_note(s, 0) && s->start_text[0])
        text_put0(y + 1, 2, cols - 4, s->start_text, theme_attr(R_DIM));
}

static void train_draw(void *st, Shell *a, int top, int rows, int cols) {
    (void)st;
    const LiveRun *s = a->run;
    if (!s) {
        draw_idle(a, top, rows, cols);
        return;
    }
    draw_header(s, top, cols);
    int chart_rows = rows - 3 - NOTE_ROWS - 1;
    draw_charts(a, s, top + 3, chart_rows, cols);
    draw_notes(s, top + rows - NOTE_ROWS - 1, NOTE_ROWS + 1, cols);
}

static void stop_confirmed(void *ctx) {
    Shell *a = ctx;
    if (!shell_training(a)) return;
    liverun_stop(a->run);
    shell_status(a, 0, "stopping run %lld: finishing the step and writing a checkpoint",
                 (long long)a->run->run_id);
}

static int live_change(void *ctx, const char *text, char *err, size_t cap) {
    Shell *a = ctx;
    if (!shell_training(a)) {
        snprintf(err, cap, "no run is training");
        return -1;
    }
    if (!strchr(text, '=')) {
        snprintf(err, cap, "write key=value, e.g. method.schedule.end=0.6");
        return -1;
    }
    if (liverun_set(a->run, text, err, cap)) return -1;
    shell_status(a, 0, "%s: applies at the next batch (see the notes)", text);
    return 0;
}

static void adjust_smoothing(Shell *a, double by) {
    double w = a->prefs.smoothing + by;
    a->prefs.smoothing = w < 0 ? 0 : w > 0.99 ? 0.99 : round(w * 100) / 100;
    shell_save_prefs(a);
}

static int train_key(void *st, Shell *a, int key) {
    TrainScreen *t = st;
    switch (key) {
    case '\r':
    case '\n':
    case KEY_FN(KEY_ENTER):
    case 'r':
        if (shell_training(a))
            shell_status(a, 1, "run %lld is training: Space pauses it, s stops it",
                         (long long)a->run->run_id);
        else shell_start_run(a, 0);
        return 1;
    case ' ':
        if (!shell_training(a)) shell_status(a, 1, "no run is training (Enter starts one)");
        else if (a->run->snap.phase == PHASE_PAUSED)
            liverun_resume(a->run), shell_status(a, 0, "resumed");
        else liverun_pause(a->run), shell_status(a, 0, "pausing after this step (Space resumes)");
        return 1;
    case 's':
        if (!shell_training(a)) shell_status(a, 1, "no run is training");
        else {
            char q[200];
            snprintf(
                q, sizeof q,
                "Stop run %lld? It finishes the step, writes a checkpoint and is marked stopped.",
                (long long)a->run->run_id);
            dialog_confirm(&a->dlg, "Stop", q, stop_confirmed, a);
        }
        return 1;
    case 'e':
        if (!shell_training(a)) {
            shell_status(a, 1, "no run is training: change the config on screen 2");
            return 1;
        }
        dialog_prompt(
            &a->dlg, "Live change",
            "key=value of a live key, applied before the next step and recorded with the run "
            "(Tab completes key names):",
            "method.schedule.", COMPLETE_WORDS, live_change, a);
        dialog_set_words(&a->dlg, t->live_keys, t->n_live);
        return 1;
    case '[': adjust_smoothing(a, -0.05); return 1;
    case ']': adjust_smoothing(a, 0.05); return 1;
    case 'x':
        a->prefs.x_time = !a->prefs.x_time;
        shell_save_prefs(a);
        return 1;
    case 'c':
        if (a->run) {
            a->focus_run = a->run->run_id;
            shell_show(a, SCR_CORRECTIONS);
        }
        return 1;
    default: return 0;
    }
}

const Screen screen_train = {
    .title = "Train",
    .create = train_create,
    .destroy = train_destroy,
    .draw = train_draw,
    .key = train_key,
    .keys = train_keys,
    .n_keys = (int)(sizeof train_keys / sizeof *train_keys),
    .hint = "Enter start  Space pause  s stop  e live change  [ ] smoothing  x axis",
};

/* Corrections: the evaluation samples of a run's latest evaluation, one at a time: prompt,
 * reference and output (side by side when wide, stacked otherwise), the output's characters
 * coloured by what happened to them (kept and matching, diverged, retracted by <corr>,
 * written as a replacement), the first divergence marked, and the sample's metrics. `b`
 * switches to the batch inspector. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batchview.h"
#include "flow.h"
#include "sampleview.h"
#include "screens.h"
#include "text.h"
#include "theme.h"
#include "tokview.h"
#include "train.h"
#include "widgets.h"

enum { F_ALL, F_WRONG, F_RIGHT, F_CORRECTED, F_COUNT };
/* Terminals at least this wide show prompt, reference and output side by side. */
enum { SIDE_BY_SIDE_COLS = 120 };

typedef struct {
    int64_t run;    /* whose samples are loaded; 0: none */
    int live_evals; /* the live run's evaluation count when they were loaded */
    double loaded_at;
    char run_name[128], method[16];
    int segment; /* the run corrects segments (RAC segment granularity) */
    SampleRow *rows;
    int n;
    int *shown; /* indices of rows passing the filter */
    int n_shown;
    int filter, cur, scroll;
    char msg[1024]; /* why there is nothing to show */
    TokenView tv;
    int tv_row;           /* which row tv (and corr_text) was built for; -1 none */
    char corr_text[2048]; /* the row's corrections, readable */
    int batch_mode;
    BatchView *batch;
} CorrScreen;

static const char *const filter_names[F_COUNT] = {"all", "wrong", "right", "corrected"};

static const KeyHelp corrections_keys[] = {
    {"Left/Right n/p", "previous / next sample (of the filter)"},
    {"Home / End", "first / last sample"},
    {"g", "go to a sample by its number"},
    {"/", "find the next sample whose prompt, reference or output contains a text"},
    {"f", "filter: all, wrong (em 0), right (em 1), corrected (at least one <corr>)"},
    {"Up/Down j/k", "scroll a long sample"},
    {"r", "reload: the latest evaluation of the run"},
    {"b", "batch inspector: a training sequence as the method built it (Space freezes)"},
    {"colours", "green matches the reference, red diverged, reversed: first divergence"},
    {"struck", "retracted by <corr> (dim, struck through; [-x-] without UTF-8)"},
    {"highlighted", "the replacement written after a <corr>"},
};

static void *corr_create(Shell *a) {
    (void)a;
    CorrScreen *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->batch = calloc(1, sizeof *c->batch);
    if (!c->batch) {
        free(c);
        return NULL;
    }
    c->tv_row = -1;
    return c;
}

static void clear_samples(CorrScreen *c) {
    for (int i = 0; i < c->n; i++) sample_row_free(&c->rows[i]);
    free(c->rows);
    free(c->shown);
    c->rows = NULL;
    c->shown = NULL;
    c->n = c->n_shown = 0;
    tokview_free(&c->tv);
    c->tv_row = -1;
}

static void corr_destroy(void *st) {
    CorrScreen *c = st;
    clear_samples(c);
    free(c->batch);
    free(c);
}

static int passes(const SampleRow *r, int filter) {
    switch (filter) {
    case F_WRONG: return r->em < 1.0;
    case F_RIGHT: return r->em >= 1.0;
    case F_CORRECTED: return r->corrections > 0;
    default: return 1;
    }
}

static void apply_filter(CorrScreen *c) {
    int keep = c->n_shown > 0 ? c->shown[c->cur] : 0;
    c->n_shown = 0;
    for (int i = 0; i < c->n; i++)
        if (passes(&c->rows[i], c->filter)) c->shown[c->n_shown++] = i;
    c->cur = 0;
    for (int i = 0; i < c->n_shown; i++)
        if (c->shown[i] >= keep) {
            c->cur = i;
            break;
        }
    c->scroll = 0;
}

/* The run to show: the one asked for, else the one trained here, else the newest with samples. */
static int64_t pick_run(Shell *a, Store *s) {
    if (a->focus_run) return a->focus_run;
    if (a->run) return a->run->run_id;
    RunRow *runs;
    int n;
    if (store_list_runs(s, &runs, &n)) return 0;
    int64_t best = 0;
    for (int i = 0; i < n; i++) {
        RunCounts counts;
        if (runs[i].id > best && store_run_counts(s, runs[i].id, &counts) == 0 &&
            counts.samples > 0)
            best = runs[i].id;
    }
    for (int i = 0; i < n; i++) run_row_free(&runs[i]);
    free(runs);
    return best;
}

static void read_run_info(CorrScreen *c, Store *s) {
    RunRow row;
    c->run_name[0] = c->method[0] = '\0';
    c->segment = 0;
    if (store_get_run(s, c->run, &row)) return;
    snprintf(c->run_name, sizeof c->run_name, "%s", row.name);
    snprintf(c->method, sizeof c->method, "%s", row.method);
    FlatConfig f;
    if (flatcfg_parse(row.config_json, &f) == 0) {
        const char *g = flatcfg_get(&f, "method.rac.granularity");
        c->segment = g && strcmp(g, "\"segment\"") == 0;
        flatcfg_free(&f);
    }
    run_row_free(&row);
}

static void load(CorrScreen *c, Shell *a) {
    int keep_idx = c->n_shown > 0 ? c->rows[c->shown[c->cur]].idx : -1;
    clear_samples(c);
    c->msg[0] = '\0';
    c->loaded_at = clock_monotonic();
    if (a->run) c->live_evals = a->run->evals;
    Store *s = shell_store(a);
    if (!s && a->store_missing) {
        snprintf(c->msg, sizeof c->msg,
                 "No evaluation samples yet. Train a run (screen 3): every "
                 "evaluation stores its samples here.");
        c->run = 0;
        return;
    }
    if (!s) {
        snprintf(c->msg, sizeof c->msg, "no run store to read: %.900s", a->store_err);
        c->run = 0;
        return;
    }
    c->run = pick_run(a, s);
    if (!c->run) {
        snprintf(c->msg, sizeof c->msg,
                 "No evaluation samples yet. Train a run (screen 3): every evaluation stores its "
                 "samples here.");
        return;
    }
    read_run_info(c, s);
    if (store_samples(s, c->run, -1, "val", &c->rows, &c->n)) {
        snprintf(c->msg, sizeof c->msg, "run %lld: %s", (long long)c->run, store_error(s));
        return;
    }
    if (c->n == 0) {
        snprintf(c->msg, sizeof c->msg,
                 "run %lld has no evaluation yet (the first comes after "
                 "train.eval_every steps, or at the end)",
                 (long long)c->run);
        return;
    }
    c->shown = malloc((size_t)c->n * sizeof *c->shown);
    if (!c->shown) {
        clear_samples(c);
        snprintf(c->msg, sizeof c->msg, "out of memory");
        return;
    }
    c->n_shown = 0;
    apply_filter(c);
    for (int i = 0; i < c->n_shown; i++)
        if (c->rows[c->shown[i]].idx == keep_idx) c->cur = i;
}

static int stale(const CorrScreen *c, const Shell *a) {
    int64_t want = a->focus_run ? a->focus_run : a->run ? a->run->run_id : c->run;
    if (want && want != c->run) return 1;
    if (c->run == 0)
        return clock_monotonic() - c->loaded_at > 2.0; /* nothing yet: look now and then */
    return a->run && a->run->run_id == c->run && a->run->evals != c->live_evals;
}

static void corr_enter(void *st, Shell *a) {
    CorrScreen *c = st;
    if (stale(c, a)) load(c, a);
}

/* ---- drawing ---- */

static const SampleRow *current(const CorrScreen *c) {
    return c->n_shown > 0 ? &c->rows[c->shown[c->cur]] : NULL;
}

static void draw_header(const CorrScreen *c, const SampleRow *r, int y, int cols) {
    int col = text_printf(y, 1, cols - 2, theme_attr(R_TITLE), "run %lld (%s)", (long long)c->run,
                          c->method);
    col += text_printf(y, 1 + col, cols - 2 - col, theme_attr(R_NORMAL) | A_BOLD,
                       "  sample %d of %d", c->cur + 1, c->n_shown);
    col += text_printf(y, 1 + col, cols - 2 - col, theme_attr(R_NORMAL), "  filter %s (f)",
                       filter_names[c->filter]);
    text_printf(y, 1 + col, cols - 2 - col, theme_attr(R_DIM),
                "  %s eval at step %lld, example #%d  %s", r->split, (long long)r->step, r->idx + 1,
                c->run_name);
}

static void draw_metrics(const SampleRow *r, int y, int cols) {
    char first[32];
    if (r->first_err < 0) snprintf(first, sizeof first, "none");
    else snprintf(first, sizeof first, "%d", r->first_err);
    text_printf(y, 1, cols - 2, theme_attr(r->em >= 1.0 ? R_GOOD : R_ERROR) | A_BOLD, "em %.0f",
                r->em);
    /* Rows stored before these metrics existed hold NULL (NaN): "-". */
    char ed[16], answer[32] = "";
    metric_format(METRIC_ED_ACC, r->ed_acc, ed, sizeof ed);
    if (!isnan(r->answer_acc)) snprintf(answer, sizeof answer, "  answer %.0f", r->answer_acc);
    text_printf(y, 7, cols - 8, theme_attr(R_NORMAL),
                "  f1 %.3f  rougeL %.3f  fr_acc %.3f  ed_acc %s%s  first_err %s  corrections %d",
                r->f1, r->rouge_l, r->fr_acc, ed, answer, first, r->corrections);
}

/* One titled block; returns the row after it. */
static int block_title(int y, int x, int w, const char *title, int bottom) {
    if (y >= bottom) return y;
    ui_rule(y, x, w, theme_attr(R_BORDER));
    text_printf(y, x + 1, w - 2, theme_attr(R_TITLE), " %s ", title);
    return y + 1;
}

static void draw_stacked(CorrScreen *c, const SampleRow *r, int top, int bottom, int cols) {
    int w = cols - 4;
    Flow f;
    int y = block_title(top, 1, cols - 2, "prompt", bottom);
    TextSpan spans[6];
    int n = text_wrap(r->prompt, w, spans, 6), shown = n < 6 ? n : 6;
    if (shown > 4 && n > 4) shown = 4;
    for (int i = 0; i < shown && y < bottom; i++, y++)
        text_put(y, 3, w, r->prompt + spans[i].start, (size_t)spans[i].len,
                 theme_attr(R_KIND_PROMPT));
    if (n > shown && y - 1 < bottom)
        text_put0(y - 1, cols - 14, 12, " (more above)", theme_attr(R_DIM));
    y = block_title(y, 1, cols - 2, "reference", bottom);
    flow_init(&f, y, 3, w, bottom, 0);
    sample_flow_reference(&f, r->reference, c->tv.first_div);
    y += flow_lines(&f);
    y = block_title(y, 1, cols - 2, "output (as generated)", bottom);
    flow_init(&f, y, 3, w, bottom, c->scroll);
    sample_flow_output(&f, &c->tv, r->raw_output);
    y += flow_lines(&f) - c->scroll;
    if (r->corrections > 0 && y < bottom) {
        y = block_title(y, 1, cols - 2, "corrections (position: retracted -> written next)",
                        bottom);
        if (y < bottom) ui_paragraph(y, 3, w, bottom - y, c->corr_text, theme_attr(R_NORMAL));
    }
}

static void draw_side_by_side(CorrScreen *c, const SampleRow *r, int top, int bottom, int cols) {
    enum { CORRECTION_ROWS = 4 };
    int w = (cols - 4) / 3;
    int columns_end = r->corrections > 0 ? bottom - CORRECTION_ROWS : bottom;
    const char *titles[3] = {"prompt", "reference", "output (as generated)"};
    for (int k = 0; k < 3; k++) {
        int x = 1 + k * (w + 1);
        block_title(top, x, w, titles[k], columns_end);
        Flow f;
        flow_init(&f, top + 1, x + 1, w - 2, columns_end, k == 2 ? c->scroll : 0);
        if (k == 0)
            ui_paragraph(top + 1, x + 1, w - 2, columns_end - top - 1, r->prompt,
                         theme_attr(R_KIND_PROMPT));
        else if (k == 1) sample_flow_reference(&f, r->reference, c->tv.first_div);
        else sample_flow_output(&f, &c->tv, r->raw_output);
    }
    if (r->corrections > 0) {
        int y = block_title(columns_end, 1, cols - 2,
                            "corrections (position: retracted -> written next)", bottom);
        ui_paragraph(y, 3, cols - 6, bottom - y, c->corr_text, theme_attr(R_NORMAL));
    }
}

static void draw_samples(CorrScreen *c, Shell *a, int top, int rows, int cols) {
    if (stale(c, a)) load(c, a);
    const SampleRow *r = current(c);
    if (!r) {
        text_put0(top, 1, cols - 2, "Corrections", theme_attr(R_TITLE));
        if (c->n > 0)
            text_printf(top + 2, 2, cols - 4, theme_attr(R_NORMAL),
                        "No sample of run %lld's latest evaluation is %s (f changes the filter).",
                        (long long)c->run, filter_names[c->filter]);
        else text_put0(top + 2, 2, cols - 4, c->msg, theme_attr(R_NORMAL));
        return;
    }
    if (c->tv_row != c->shown[c->cur]) {
        tokview_free(&c->tv);
        if (tokview_build(&c->tv, r->raw_output, r->reference, c->segment) == 0)
            c->tv_row = c->shown[c->cur];
        sample_corrections_text(r->corrections_json, c->corr_text, sizeof c->corr_text);
    }
    draw_header(c, r, top, cols);
    draw_metrics(r, top + 1, cols);
    sample_legend(top + 2, cols);
    if (c->tv_row < 0) return;
    if (cols >= SIDE_BY_SIDE_COLS) draw_side_by_side(c, r, top + 3, top + rows, cols);
    else draw_stacked(c, r, top + 3, top + rows, cols);
}

static void corr_draw(void *st, Shell *a, int top, int rows, int cols) {
    CorrScreen *c = st;
    if (c->batch_mode) batchview_draw(c->batch, a, top, rows, cols);
    else draw_samples(c, a, top, rows, cols);
}

/* ---- keys ---- */

static int goto_submit(void *ctx, const char *text, char *err, size_t cap) {
    Shell *a = ctx;
    CorrScreen *c = a->state[SCR_CORRECTIONS];
    char *end;
    long k = strtol(text, &end, 10);
    if (*text == '\0' || *end != '\0' || k < 1 || k > c->n) {
        snprintf(err, cap, "a number from 1 to %d", c->n);
        return -1;
    }
    if (!passes(&c->rows[k - 1], c->filter)) c->filter = F_ALL;
    c->n_shown = 0;
    apply_filter(c);
    for (int i = 0; i < c->n_shown; i++)
        if (c->shown[i] == k - 1) c->cur = i;
    return 0;
}

static int find_submit(void *ctx, const char *text, char *err, size_t cap) {
    Shell *a = ctx;
    CorrScreen *c = a->state[SCR_CORRECTIONS];
    for (int k = 1; k <= c->n_shown; k++) {
        int i = (c->cur + k) % c->n_shown;
        const SampleRow *r = &c->rows[c->shown[i]];
        if (strstr(r->prompt, text) || strstr(r->reference, text) || strstr(r->output, text)) {
            c->cur = i;
            c->scroll = 0;
            return 0;
        }
    }
    snprintf(err, cap, "no sample of the filter contains \"%s\"", text);
    return -1;
}

static void step(CorrScreen *c, int by) {
    if (c->n_shown == 0) return;
    c->cur += by;
    if (c->cur < 0) c->cur = 0;
    if (c->cur >= c->n_shown) c->cur = c->n_shown - 1;
    c->scroll = 0;
}

static int corr_key(void *st, Shell *a, int key) {
    CorrScreen *c = st;
    if (key == 'b') {
        c->batch_mode = !c->batch_mode;
        return 1;
    }
    if (c->batch_mode) return batchview_key(c->batch, a, key);
    switch (key) {
    case KEY_FN(KEY_RIGHT):
    case 'n':
    case 'l': step(c, 1); return 1;
    case KEY_FN(KEY_LEFT):
    case 'p':
    case 'h': step(c, -1); return 1;
    case KEY_FN(KEY_HOME): step(c, -c->n_shown); return 1;
    case KEY_FN(KEY_END): step(c, c->n_shown); return 1;
    case KEY_FN(KEY_DOWN):
    case 'j': c->scroll++; return 1;
    case KEY_FN(KEY_UP):
    case 'k':
        if (c->scroll > 0) c->scroll--;
        return 1;
    case 'f':
        c->filter = (c->filter + 1) % F_COUNT;
        apply_filter(c);
        return 1;
    case 'r': load(c, a); return 1;
    case '/':
        if (c->n_shown > 0)
            dialog_prompt(&a->dlg, "Find sample",
                          "Text in the prompt, the reference or the output:", "", COMPLETE_NONE,
                          find_submit, a);
        return 1;
    case 'g':
        if (c->n > 0)
            dialog_prompt(&a->dlg, "Go to sample",
                          "Sample number (1 .. samples of the evaluation):", "", COMPLETE_NONE,
                          goto_submit, a);
        return 1;
    default: return 0;
    }
}

static void corr_click(void *st, Shell *a, int y, int x, int wheel) {
    CorrScreen *c = st;
    (void)a, (void)y, (void)x;
    if (wheel && !c->batch_mode) {
        c->scroll += wheel;
        if (c->scroll < 0) c->scroll = 0;
    }
}

const Screen screen_corrections = {
    .title = "Corrections",
    .create = corr_create,
    .destroy = corr_destroy,
    .enter = corr_enter,
    .draw = corr_draw,
    .key = corr_key,
    .click = corr_click,
    .keys = corrections_keys,
    .n_keys = (int)(sizeof corrections_keys / sizeof *corrections_keys),
    .hint = "n/p sample  f filter  g go to  / find  b batch inspector  r reload",
};

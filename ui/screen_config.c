/* Config & schedule: every config key, edited in place with the core's own validation; the
 * method; the mixing schedule of every kind (piecewise points too) with a live plot of
 * omega(s) over the run's steps; save and load config JSON. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chart.h"
#include "config_edit.h"
#include "util.h"
#include "input.h"
#include "points_editor.h"
#include "train.h"
#include "screens.h"
#include "text.h"
#include "theme.h"
#include "widgets.h"

/* Points drawn along the omega(s) plot. */
enum { PLOT_SAMPLES = 400, KEY_COLS = 28, MIN_PLOT_COLS = 30 };

typedef struct {
    ListView list;
    int editing; /* the value of the key under the cursor is being typed */
    TextInput input;
    char err[512]; /* why the last change of err_key was refused */
    int err_key;
    PointsEditor points; /* the piecewise point editor */
    char path[1024];     /* the config file last saved or loaded */
    History next_omega, live_omega;
    int list_top_row, list_rows, plot_row; /* where the last frame drew, for the mouse */
    int method_row, method_col;
    int method_starts[METHOD_COUNT + 1]; /* each method's cell, from method_col */
} ConfigScreen;

static const KeyHelp config_keys_help[] = {
    {"Up/Down j/k", "move between keys (PgUp/PgDn, Home/End)"},
    {"Enter", "edit the value (choices and true/false cycle; points open the point editor)"},
    {"Left/Right h/l", "previous / next choice of a choice key"},
    {"d", "reset the key to its default (or to what fits the keys it follows)"},
    {"m", "next method: baseline, bash, rac"},
    {"t", "next schedule kind: constant, linear, exponential, inverse_sigmoid, cosine, piecewise"},
    {"p", "edit the piecewise points: a adds, Delete/x removes, Enter edits, Esc closes"},
    {"w", "write the config to a JSON file"},
    {"o", "open a config JSON file (keys it lacks keep their defaults)"},
    {"/", "find a key by name"},
    {"while editing", "Enter applies, Esc cancels; errors show under the list"},
    {"•", "marks live keys: while a run trains, changing one also changes that run"},
};

static void *config_create(Shell *a) {
    (void)a;
    ConfigScreen *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->err_key = -1;
    snprintf(c->path, sizeof c->path, "exposure-config.json");
    return c;
}

static void config_destroy(void *st) { free(st); }

static const ConfigKey *all_keys(int *n) { return config_keys(n); }

static int key_index(const char *name) {
    int n;
    const ConfigKey *k = all_keys(&n);
    for (int i = 0; i < n; i++)
        if (strcmp(k[i].key, name) == 0) return i;
    return 0;
}

/* Which schedule parameters the current kind reads. */
static int schedule_param_used(const ScheduleConfig *s, const char *key) {
    if (strncmp(key, "method.schedule.", 16) != 0) return 1;
    const char *p = key + 16;
    if (!strcmp(p, "kind")) return 1;
    switch (s->kind) {
    case SCHED_CONSTANT: return !strcmp(p, "value");
    case SCHED_LINEAR:
    case SCHED_COSINE:
        return !strcmp(p, "start") || !strcmp(p, "end") || !strcmp(p, "from_step") ||
               !strcmp(p, "to_step");
    case SCHED_EXPONENTIAL:
        return !strcmp(p, "start") || !strcmp(p, "end") || !strcmp(p, "from_step") ||
               !strcmp(p, "rate");
    case SCHED_INVERSE_SIGMOID: return !strcmp(p, "k");
    case SCHED_PIECEWISE: return !strcmp(p, "points");
    }
    return 1;
}

static void apply_or_show(Shell *a, ConfigScreen *c, int idx, const char *value) {
    int n;
    const ConfigKey *k = all_keys(&n);
    if (config_edit_apply(a, k[idx].key, value, c->err, sizeof c->err)) c->err_key = idx;
    else c->err_key = -1;
}

static void cycle_choice(Shell *a, ConfigScreen *c, int idx, int by) {
    int n;
    const ConfigKey *k = &all_keys(&n)[idx];
    if (k->type == CT_BOOL) {
        char now[16];
        config_get(&a->cfg, k->key, now, sizeof now);
        apply_or_show(a, c, idx, strcmp(now, "true") == 0 ? "false" : "true");
        return;
    }
    if (k->type != CT_ENUM) return;
    int count = 0;
    while (k->choices[count]) count++;
    int cur = *(const int *)((const char *)&a->cfg + k->offset);
    apply_or_show(a, c, idx, k->choices[((cur + by) % count + count) % count]);
}

/* ---- files ---- */

static int save_submit(void *ctx, const char *path, char *err, size_t cap) {
    Shell *a = ctx;
    ConfigScreen *c = a->state[SCR_CONFIG];
    if (fileguard_check_write(path, err, cap)) return -1;
    char *json = config_to_json(&a->cfg, 1);
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = json ? fopen(tmp, "w") : NULL;
    int ok = f && fputs(json, f) >= 0 && fputc('\n', f) != EOF;
    if (f && fclose(f)) ok = 0;
    const char *why = json ? NULL : "out of memory";
    free(json);
    if (!ok || rename(tmp, path)) {
        snprintf(err, cap, "%s: %s", path, why ? why : strerror(errno));
        unlink(tmp);
        return -1;
    }
    snprintf(c->path, sizeof c->path, "%s", path);
    shell_status(a, 0, "config written to %s", path);
    return 0;
}

static int load_submit(void *ctx, const char *path, char *err, size_t cap) {
    Shell *a = ctx;
    ConfigScreen *c = a->state[SCR_CONFIG];
    Config next;
    config_defaults(&next);
    if (config_load_file(&next, path, err, cap)) return -1;
    char why[1024];
    if (warmstart_adopt_shape(&next, a->db_path, NULL, why, sizeof why) ||
        config_resolve(&next, why, sizeof why)) {
        snprintf(err, cap, "%s: %s", path, why);
        return -1;
    }
    a->cfg = next;
    snprintf(c->path, sizeof c->path, "%s", path);
    shell_status(a, 0, "config loaded from %s (for the next run)", path);
    return 0;
}

static int find_submit(void *ctx, const char *text, char *err, size_t cap) {
    Shell *a = ctx;
    ConfigScreen *c = a->state[SCR_CONFIG];
    int n;
    const ConfigKey *k = all_keys(&n);
    for (int i = 1; i <= n; i++) {
        int j = (c->list.cursor + i) % n;
        if (strstr(k[j].key, text)) {
            c->list.cursor = j;
            return 0;
        }
    }
    snprintf(err, cap, "no key contains \"%s\"", text);
    return -1;
}

/* ---- keys ---- */

static void start_edit(Shell *a, ConfigScreen *c) {
    int n;
    const ConfigKey *k = &all_keys(&n)[c->list.cursor];
    if (k->type == CT_ENUM || k->type == CT_BOOL) {
        cycle_choice(a, c, c->list.cursor, 1);
        return;
    }
    if (k->type == CT_POINTS) {
        points_editor_open(&c->points, a);
        return;
    }
    char value[LIMIT_CONFIG_STRING];
    config_get(&a->cfg, k->key, value, sizeof value);
    input_set(&c->input, value);
    c->editing = 1;
}

static int edit_key(Shell *a, ConfigScreen *c, int key) {
    InputResult r = input_key(&c->input, key);
    if (r == INPUT_CANCEL) {
        c->editing = 0;
    } else if (r == INPUT_SUBMIT) {
        apply_or_show(a, c, c->list.cursor, c->input.buf);
        if (c->err_key < 0) c->editing = 0;
    }
    return 1;
}

static void next_method(Shell *a, ConfigScreen *c) {
    cycle_choice(a, c, key_index("method.name"), 1);
}

static int config_key_press(void *st, Shell *a, int key) {
    ConfigScreen *c = st;
    int n;
    all_keys(&n);
    if (c->editing) return edit_key(a, c, key);
    if (c->points.open) {
        points_editor_key(&c->points, key);
        return 1;
    }
    if (list_key(&c->list, key, n, c->list_rows > 0 ? c->list_rows : 10, 0)) return 1;
    switch (key) {
    case '\r':
    case '\n':
    case KEY_FN(KEY_ENTER): start_edit(a, c); return 1;
    case KEY_FN(KEY_LEFT):
    case 'h': cycle_choice(a, c, c->list.cursor, -1); return 1;
    case KEY_FN(KEY_RIGHT):
    case 'l': cycle_choice(a, c, c->list.cursor, 1); return 1;
    case 'm': next_method(a, c); return 1;
    case 't': cycle_choice(a, c, key_index("method.schedule.kind"), 1); return 1;
    case 'p': points_editor_open(&c->points, a); return 1;
    case 'd':
        config_edit_reset(a, all_keys(&n)[c->list.cursor].key);
        c->err_key = -1;
        return 1;
    case 'w':
        dialog_prompt(&a->dlg, "Write config",
                      "Write the config as JSON to (Tab completes):", c->path, COMPLETE_PATH,
                      save_submit, a);
        return 1;
    case 'o':
        dialog_prompt(&a->dlg, "Open config", "Load a config JSON file (Tab completes):", c->path,
                      COMPLETE_PATH, load_submit, a);
        return 1;
    case '/':
        dialog_prompt(&a->dlg, "Find key", "Part of a key name:", "", COMPLETE_NONE, find_submit,
                      a);
        return 1;
    default: return 0;
    }
}

/* ---- drawing ---- */

static void draw_list(Shell *a, ConfigScreen *c, int top, int rows, int w) {
    int n;
    const ConfigKey *k = all_keys(&n);
    c->list_top_row = top;
    c->list_rows = rows;
    list_clamp(&c->list, n, rows);
    int keyw = KEY_COLS;
    for (int r = 0; r < rows && c->list.top + r < n; r++) {
        int i = c->list.top + r, y = top + r;
        char value[LIMIT_CONFIG_STRING];
        config_get(&a->cfg, k[i].key, value, sizeof value);
        int used = schedule_param_used(&a->cfg.method.schedule, k[i].key);
        attr_t base =
            i == c->list.cursor ? theme_attr(R_CURSOR) : theme_attr(used ? R_NORMAL : R_DIM);
        ui_clear_rect(y, 1, 1, w);
        if (i == c->list.cursor)
            for (int x = 1; x < 1 + w; x++) (void)mvaddch(y, x, ' ' | base);
        text_put0(y, 1, 1, k[i].live ? glyphs()->bullet : " ", base);
        text_put0(y, 3, keyw, k[i].key, base);
        if (c->editing && i == c->list.cursor) {
            input_draw(&c->input, y, 3 + keyw, w - keyw - 3, theme_attr(R_NORMAL) | A_UNDERLINE,
                       theme_attr(R_CURSOR));
            continue;
        }
        /* Bold: set by the user; the rest are defaults or follow the keys they depend on. */
        attr_t va = base | (config_is_set(&a->cfg, k[i].key) ? A_BOLD : 0);
        if (i == c->err_key && i != c->list.cursor) va = theme_attr(R_ERROR);
        text_put0(y, 3 + keyw, w - keyw - 3, value, va);
    }
}

static void draw_key_help(Shell *a, ConfigScreen *c, int y, int w) {
    int n;
    const ConfigKey *k = &all_keys(&n)[c->list.cursor];
    char range[96] = "";
    if (k->type == CT_INT || k->type == CT_FLOAT)
        snprintf(range, sizeof range, "  [%g .. %g]", k->min, k->max >= 1e9 ? INFINITY : k->max);
    text_printf(y, 1, w, theme_attr(R_DIM), "%s%s%s", k->help, range, k->live ? "  (live)" : "");
    char err[512];
    if (c->err_key == c->list.cursor && c->err[0])
        text_put0(y + 1, 1, w, c->err, theme_attr(R_ERROR));
    else if (config_validate(&a->cfg, err, sizeof err))
        text_printf(y + 1, 1, w, theme_attr(R_WARN), "not valid yet: %s", err);
    else if (shell_training(a))
        text_printf(y + 1, 1, w, theme_attr(R_DIM),
                    "for the next run; live keys (%s) also change run %lld", glyphs()->bullet,
                    (long long)a->run->run_id);
    else
        text_put0(y + 1, 1, w, "valid: Enter on the Train screen (3) starts a run with it",
                  theme_attr(R_GOOD));
}

static void draw_method(Shell *a, ConfigScreen *c, int y, int x, int w) {
    int col = text_put0(y, x, w, "method ", theme_attr(R_DIM));
    c->method_row = y;
    c->method_col = x + col;
    for (int i = 0; i < METHOD_COUNT; i++) {
        char cell[64];
        snprintf(cell, sizeof cell, " %s ", method_info((MethodName)i)->name);
        c->method_starts[i] = x + col - c->method_col;
        col +=
            text_put0(y, x + col, w - col, cell,
                      (int)a->cfg.method.name == i ? theme_attr(R_TAB_ACTIVE) : theme_attr(R_TAB));
        col++;
    }
    c->method_starts[METHOD_COUNT] = x + col - c->method_col;
}

static void schedule_summary(const ScheduleConfig *s, int steps, char *out, size_t cap) {
    int to = s->to_step < 0 ? steps : s->to_step;
    switch (s->kind) {
    case SCHED_CONSTANT: snprintf(out, cap, "constant %.3g", (double)s->value); break;
    case SCHED_LINEAR:
        snprintf(out, cap, "linear %.3g -> %.3g, steps %d..%d", (double)s->start, (double)s->end,
                 s->from_step, to);
        break;
    case SCHED_EXPONENTIAL:
        snprintf(out, cap, "exponential %.3g -> %.3g, rate %.4g from %d", (double)s->start,
                 (double)s->end, (double)s->rate, s->from_step);
        break;
    case SCHED_INVERSE_SIGMOID: snprintf(out, cap, "inverse_sigmoid k = %.4g", (double)s->k); break;
    case SCHED_COSINE:
        snprintf(out, cap, "cosine %.3g -> %.3g, steps %d..%d", (double)s->start, (double)s->end,
                 s->from_step, to);
        break;
    case SCHED_PIECEWISE: snprintf(out, cap, "piecewise, %d points", s->points.n); break;
    }
}

static void sample_schedule(History *h, const ScheduleConfig *s, int steps) {
    history_init(h);
    for (int i = 0; i <= PLOT_SAMPLES; i++) {
        int step = (int)((double)steps * i / PLOT_SAMPLES);
        history_add(h, step, step, mixing_omega(s, step, steps));
    }
}

static void draw_schedule(Shell *a, ConfigScreen *c, int y, int x, int h, int w) {
    const Config *cfg = &a->cfg;
    draw_method(a, c, y, x, w);
    char summary[160];
    schedule_summary(&cfg->method.schedule, cfg->train.steps, summary, sizeof summary);
    text_printf(y + 1, x, w, theme_attr(R_NORMAL), "schedule %s", summary);
    if (!method_mixes(cfg->method.name))
        text_printf(y + 2, x, w, theme_attr(R_DIM),
                    "%s uses no schedule (omega = 0); m picks a method",
                    method_info(cfg->method.name)->name);
    else
        text_put0(y + 2, x, w, "t: kind  p: points  keys method.schedule.* on the left",
                  theme_attr(R_DIM));
    sample_schedule(&c->next_omega, &cfg->method.schedule, cfg->train.steps);
    ChartSeries series[2] = {{"next run", &c->next_omega, R_SERIES0, STYLE_LINE, 0}};
    int n = 1;
    ChartSpec spec = {.title = "omega(s)",
                      .fix_y = 1,
                      .y0 = 0,
                      .y1 = 1,
                      .fix_x = 1,
                      .x0 = 0,
                      .x1 = cfg->train.steps};
    if (a->run && method_mixes(a->run->snap.config.method.name)) {
        const Config *live = &a->run->snap.config;
        sample_schedule(&c->live_omega, &live->method.schedule, live->train.steps);
        static char label[48];
        snprintf(label, sizeof label, "run %lld", (long long)a->run->run_id);
        series[n++] = (ChartSeries){label, &c->live_omega, R_SERIES1, STYLE_LINE, 0};
        spec.has_marker = 1;
        spec.marker_x = a->run->snap.step;
        if (live->train.steps > spec.x1) spec.x1 = live->train.steps;
    }
    c->plot_row = y + 4;
    chart_draw(y + 4, x, h - 4, w, &spec, series, n);
    if (c->points.open)
        points_editor_draw(&c->points, y + 4, x + 2, h - 4 < 16 ? h - 4 : 16, w - 4);
}

static void config_draw(void *st, Shell *a, int top, int rows, int cols) {
    ConfigScreen *c = st;
    int plot_w = cols * 40 / 100;
    if (plot_w < MIN_PLOT_COLS) plot_w = MIN_PLOT_COLS;
    int list_w = cols - plot_w - 5;
    text_put0(top, 1, list_w, "Config of the next run", theme_attr(R_TITLE));
    draw_list(a, c, top + 1, rows - 4, list_w);
    draw_key_help(a, c, top + rows - 2, cols - 2);
    ui_vrule(top, list_w + 2, rows - 3, theme_attr(R_BORDER));
    draw_schedule(a, c, top, list_w + 4, rows - 3, cols - list_w - 5);
}

static void config_click(void *st, Shell *a, int y, int x, int wheel) {
    ConfigScreen *c = st;
    int n;
    all_keys(&n);
    if (c->editing || c->points.open) return;
    if (wheel) {
        c->list.cursor += wheel * 3;
        list_clamp(&c->list, n, c->list_rows);
        return;
    }
    if (y == c->method_row && x >= c->method_col) {
        const int *starts = c->method_starts;
        for (int i = 0; i < METHOD_COUNT; i++)
            if (x - c->method_col >= starts[i] && x - c->method_col < starts[i + 1] - 1)
                apply_or_show(a, c, key_index("method.name"), method_info((MethodName)i)->name);
        return;
    }
    int row = y - c->list_top_row;
    if (row >= 0 && row < c->list_rows && c->list.top + row < n) c->list.cursor = c->list.top + row;
}

const Screen screen_config = {
    .title = "Config & schedule",
    .create = config_create,
    .destroy = config_destroy,
    .draw = config_draw,
    .key = config_key_press,
    .click = config_click,
    .keys = config_keys_help,
    .n_keys = (int)(sizeof config_keys_help / sizeof *config_keys_help),
    .hint = "Enter edit  m method  t schedule kind  p points  w/o save/load  / find",
};

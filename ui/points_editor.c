#include "points_editor.h"

#include <stdio.h>
#include <string.h>

#include "config_edit.h"
#include "text.h"
#include "theme.h"
#include "util.h"

/* Rows the editor moves by on PgUp/PgDn. */
enum { PAGE = 10 };

static void points_json(const SchedulePoints *p, char *out, size_t cap) {
    size_t len = (size_t)snprintf(out, cap, "[");
    for (int i = 0; i < p->n && len < cap; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s[%d,%.6g]", i ? "," : "", p->step[i],
                                (double)p->value[i]);
    if (len < cap) snprintf(out + len, cap - len, "]");
}

static int set_points(Shell *a, const SchedulePoints *p, char *err, size_t cap) {
    char json[2048];
    points_json(p, json, sizeof json);
    return config_edit_apply(a, "method.schedule.points", json, err, cap);
}

static int point_submit(void *ctx, const char *text, char *err, size_t cap) {
    PointsEditor *pe = ctx;
    Shell *a = pe->shell;
    int step;
    double omega;
    char extra;
    if (sscanf(text, " %d , %lf %c", &step, &omega, &extra) != 2 &&
        sscanf(text, " %d %lf %c", &step, &omega, &extra) != 2) {
        snprintf(err, cap, "write: step, omega (e.g. 500, 0.25)");
        return -1;
    }
    SchedulePoints p = a->cfg.method.schedule.points;
    int i = pe->list.cursor;
    if (i < 0 || i >= p.n) return 0;
    p.step[i] = step;
    p.value[i] = (float)omega;
    return set_points(a, &p, err, cap);
}

/* A new point halfway to the next one (or to the end of the run). */
static void add_point(PointsEditor *pe) {
    Shell *a = pe->shell;
    SchedulePoints p = a->cfg.method.schedule.points;
    if (p.n >= LIMIT_SCHEDULE_POINTS) {
        shell_status(a, 1, "at most %d points", LIMIT_SCHEDULE_POINTS);
        return;
    }
    int i = pe->list.cursor, steps = a->cfg.train.steps, at = i + 1;
    int s0 = p.n ? p.step[i] : 0;
    int s1 = at < p.n ? p.step[at] : (s0 < steps ? steps : s0 + 100);
    int step = s0 + (s1 - s0) / 2;
    if (step <= s0) step = s0 + 1;
    float v = p.n ? (at < p.n ? (p.value[i] + p.value[at]) / 2 : p.value[i]) : 0.0f;
    memmove(&p.step[at + 1], &p.step[at], (size_t)(p.n - at) * sizeof p.step[0]);
    memmove(&p.value[at + 1], &p.value[at], (size_t)(p.n - at) * sizeof p.value[0]);
    p.step[at] = step;
    p.value[at] = v;
    p.n++;
    char err[512];
    if (set_points(a, &p, err, sizeof err)) shell_status(a, 1, "%s", err);
    else pe->list.cursor = at;
}

static void delete_point(PointsEditor *pe) {
    Shell *a = pe->shell;
    SchedulePoints p = a->cfg.method.schedule.points;
    if (p.n <= 1) {
        shell_status(a, 1, "a piecewise schedule needs at least one point");
        return;
    }
    int i = pe->list.cursor;
    memmove(&p.step[i], &p.step[i + 1], (size_t)(p.n - i - 1) * sizeof p.step[0]);
    memmove(&p.value[i], &p.value[i + 1], (size_t)(p.n - i - 1) * sizeof p.value[0]);
    p.n--;
    char err[512];
    if (set_points(a, &p, err, sizeof err)) shell_status(a, 1, "%s", err);
}

void points_editor_open(PointsEditor *pe, Shell *a) {
    pe->open = 1;
    pe->shell = a;
    pe->list = (ListView){0, 0};
}

void points_editor_key(PointsEditor *pe, int key) {
    Shell *a = pe->shell;
    const SchedulePoints *p = &a->cfg.method.schedule.points;
    if (key == KEY_ESC || key == 'p' || key == 'q') {
        pe->open = 0;
    } else if (key == 'a' || key == KEY_FN(KEY_IC)) {
        add_point(pe);
    } else if (key == 'x' || key == 'd' || key == KEY_FN(KEY_DC)) {
        delete_point(pe);
    } else if (key == '\r' || key == '\n' || key == KEY_FN(KEY_ENTER)) {
        char init[64];
        int i = pe->list.cursor;
        snprintf(init, sizeof init, "%d, %.6g", p->step[i], (double)p->value[i]);
        dialog_prompt(&a->dlg, "Schedule point",
                      "step, omega (omega in 0..1; steps increase):", init, COMPLETE_NONE,
                      point_submit, pe);
    } else {
        list_key(&pe->list, key, p->n, PAGE, 0);
    }
    list_clamp(&pe->list, a->cfg.method.schedule.points.n, PAGE);
}

void points_editor_draw(PointsEditor *pe, int y, int x, int h, int w) {
    const SchedulePoints *p = &pe->shell->cfg.method.schedule.points;
    ui_clear_rect(y, x, h, w);
    ui_box(y, x, h, w, "piecewise points", theme_attr(R_BORDER), theme_attr(R_TITLE));
    int rows = h - 3;
    list_clamp(&pe->list, p->n, rows);
    for (int r = 0; r < rows && pe->list.top + r < p->n; r++) {
        int i = pe->list.top + r;
        attr_t at = i == pe->list.cursor ? theme_attr(R_CURSOR) : theme_attr(R_NORMAL);
        text_printf(y + 1 + r, x + 2, w - 4, at, " %2d  step %-8d omega %.4g ", i + 1, p->step[i],
                    (double)p->value[i]);
    }
    text_put0(y + h - 2, x + 2, w - 4, "a add  x delete  Enter edit  Esc close", theme_attr(R_DIM));
}

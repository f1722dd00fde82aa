#include "chart.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "text.h"
#include "widgets.h"
#include "util.h"

/* The largest plot area drawn, in cells; bigger terminals get a chart of this size. */
enum { MAX_COLS = 400, MAX_ROWS = 120, MAX_SERIES = 16 };

/* One frame's canvas: braille dot bits per cell and the series that drew last in it.
 * Static: the UI draws from one thread, and the size is bounded. */
static uint8_t dots[MAX_ROWS][MAX_COLS];
static int8_t owner[MAX_ROWS][MAX_COLS];
static double smoothed[HISTORY_BUCKETS];

typedef struct {
    int cols, rows; /* plot cells */
    int sx, sy;     /* dots per cell: 2x4 braille, 1x1 ASCII */
    double xlo, xhi, ylo, yhi;
} Canvas;

/* The 1, 2 or 5 x 10^k spacing that cuts span into about target intervals. */
static double chart_nice_step(double span, int target) {
    if (!(span > 0) || target < 1) return 1;
    double raw = span / target;
    double mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/* "0.25", "1.5k", "12": a tick label for v on an axis whose ticks are step apart. */
static void chart_tick_label(double v, double step, char *out, int cap) {
    if (fabs(v) < step * 1e-9) v = 0;
    double a = fabs(v);
    if (a >= 1e4 && step >= 100) {
        ui_format_count(v, out, cap);
        return;
    }
    if (step < 0.01 || a >= 1e7) {
        snprintf(out, (size_t)cap, "%.2g", v);
        return;
    }
    int decimals = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    snprintf(out, (size_t)cap, "%.*f", decimals, v);
}

static void plot_dot(const Canvas *c, int px, int py, int series) {
    if (px < 0 || py < 0 || px >= c->cols * c->sx || py >= c->rows * c->sy) return;
    int cx = px / c->sx, cy = py / c->sy;
    if (c->sx == 2) {
        /* Braille dot numbering: left column 1,2,3,7, right column 4,5,6,8 (top to bottom). */
        static const uint8_t bit[4][2] = {{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}};
        dots[cy][cx] |= bit[py % 4][px % 2];
    } else {
        dots[cy][cx] = 1;
    }
    owner[cy][cx] = (int8_t)series;
}

static void plot_line(const Canvas *c, int x0, int y0, int x1, int y1, int series) {
    int dx = x1 > x0 ? x1 - x0 : x0 - x1, dy = y1 > y0 ? y0 - y1 : y1 - y0;
    int stepx = x0 < x1 ? 1 : -1, stepy = y0 < y1 ? 1 : -1, e = dx + dy;
    for (int guard = 0; guard < 4 * (MAX_COLS + MAX_ROWS) * 4; guard++) {
        plot_dot(c, x0, y0, series);
        if (x0 == x1 && y0 == y1) break;
        int e2 = 2 * e;
        if (e2 >= dy) e += dy, x0 += stepx;
        if (e2 <= dx) e += dx, y0 += stepy;
    }
}

static double bucket_x(const HistBucket *b, int by_time) {
    return by_time ? (b->t0 + b->t1) / 2 : (b->x0 + b->x1) / 2;
}

static int to_px(const Canvas *c, double x) {
    double span = c->xhi - c->xlo;
    return (int)lround(span > 0 ? (x - c->xlo) / span * (c->cols * c->sx - 1) : 0);
}

static int to_py(const Canvas *c, double y) {
    double span = c->yhi - c->ylo;
    double f = span > 0 ? (c->yhi - y) / span : 0.5;
    if (f < 0) f = 0;
    if (f > 1) f = 1;
    return (int)lround(f * (c->rows * c->sy - 1));
}

static void plot_series(const Canvas *c, const ChartSeries *s, int idx, int by_time) {
    const History *h = s->h;
    if (!h || h->n == 0) return;
    if (s->style == STYLE_SMOOTH) history_smooth(h, s->smooth, smoothed);
    int px_prev = 0, py_prev = 0;
    for (int i = 0; i < h->n; i++) {
        const HistBucket *b = &h->b[i];
        double y = s->style == STYLE_SMOOTH ? smoothed[i] : bucket_mean(b);
        int px = to_px(c, bucket_x(b, by_time)), py = to_py(c, y);
        if (s->style == STYLE_BAND) plot_line(c, px, to_py(c, b->min), px, to_py(c, b->max), idx);
        if (i > 0) plot_line(c, px_prev, py_prev, px, py, idx);
        px_prev = px, py_prev = py;
    }
    if (h->n == 1) { /* a lone point: a small cross, so that it shows */
        plot_line(c, px_prev - 1, py_prev, px_prev + 1, py_prev, idx);
        plot_line(c, px_prev, py_prev - 1, px_prev, py_prev + 1, idx);
    }
}

/* The data's extent over every series; returns 0 when there is no point. */
static int extent(const ChartSpec *spec, const ChartSeries *s, int n, Canvas *c) {
    int any = 0;
    for (int i = 0; i < n; i++) {
        const History *h = s[i].h;
        double lo, hi;
        if (!h || !history_range(h, &lo, &hi)) continue;
        double x0 = spec->by_time ? h->b[0].t0 : h->b[0].x0;
        double x1 = spec->by_time ? h->b[h->n - 1].t1 : h->b[h->n - 1].x1;
        if (!any) c->ylo = lo, c->yhi = hi, c->xlo = x0, c->xhi = x1;
        if (lo < c->ylo) c->ylo = lo;
        if (hi > c->yhi) c->yhi = hi;
        if (x0 < c->xlo) c->xlo = x0;
        if (x1 > c->xhi) c->xhi = x1;
        any = 1;
    }
    if (spec->fix_y) c->ylo = spec->y0, c->yhi = spec->y1;
    if (spec->fix_x) c->xlo = spec->x0, c->xhi = spec->x1;
    if (!any) return 0;
    if (!spec->fix_y) {
        double pad = (c->yhi - c->ylo) * 0.05;
        if (pad <= 0) pad = fabs(c->yhi) > 0 ? fabs(c->yhi) * 0.1 : 0.5;
        c->ylo -= pad, c->yhi += pad;
    }
    if (!(c->xhi > c->xlo)) c->xhi = c->xlo + 1;
    return 1;
}

/* The title and the legend, wrapped onto more rows (at most max_rows) when they do not fit
 * on one. Returns the rows used. */
static int draw_legend(int y, int x, int w, int max_rows, const ChartSpec *spec,
                       const ChartSeries *s, int n) {
    int col = text_put0(y, x, w, spec->title, theme_attr(R_TITLE)), row = 0;
    const char *marks = "*+ox#@%&";
    for (int i = 0; i < n; i++) {
        if (!s[i].label) continue;
        attr_t a = theme_attr(s[i].role) | (s[i].style == STYLE_BAND ? A_DIM : 0);
        char mark[8];
        if (text_utf8()) snprintf(mark, sizeof mark, "%s", s[i].style == STYLE_BAND ? "┄" : "━");
        else snprintf(mark, sizeof mark, "%c", s[i].style == STYLE_BAND ? '.' : marks[i % 8]);
        int need = 2 + text_width0(mark) + 1 + text_width0(s[i].label);
        if (col + need > w && col > 0) {
            if (row + 1 >= max_rows) break;
            row++;
            col = 0;
        }
        col += 2;
        col += text_put0(y + row, x + col, w - col, mark, a);
        col += 1;
        col += text_put0(y + row, x + col, w - col, s[i].label, a);
    }
    return row + 1;
}

static int y_ticks(const Canvas *c, double *ticks, double *step, int cap) {
    *step = chart_nice_step(c->yhi - c->ylo, c->rows >= 6 ? c->rows / 2 : 2);
    int n = 0;
    for (double v = ceil(c->ylo / *step - 1e-9) * *step; v <= c->yhi + *step * 1e-9 && n < cap;
         v += *step)
        ticks[n++] = v;
    return n;
}

static void x_labels(int y, int x, const Canvas *c, int by_time) {
    double span = c->xhi - c->xlo;
    double step = chart_nice_step(span, c->cols / 12 > 1 ? c->cols / 12 : 1);
    int next_free = 0;
    for (double v = ceil(c->xlo / step - 1e-9) * step; v <= c->xhi + step * 1e-9; v += step) {
        char label[32];
        if (by_time) clock_format_duration(v, label, sizeof label);
        else chart_tick_label(v, step, label, sizeof label);
        int col = (int)lround((v - c->xlo) / span * (c->cols - 1));
        int lw = text_width0(label), at = col - lw / 2;
        if (at < 0) at = 0;
        if (at + lw > c->cols) at = c->cols - lw;
        if (at < next_free) continue;
        text_put0(y, x + at, lw, label, theme_attr(R_AXIS));
        next_free = at + lw + 2;
    }
}

/* Turns the canvas into characters. */
static void blit(int y, int x, const Canvas *c, const ChartSpec *spec, const ChartSeries *s) {
    const char *marks = "*+ox#@%&";
    int marker_col = spec->has_marker && spec->marker_x >= c->xlo && spec->marker_x <= c->xhi
                         ? to_px(c, spec->marker_x) / c->sx
                         : -1;
    for (int r = 0; r < c->rows; r++)
        for (int col = 0; col < c->cols; col++) {
            if (!dots[r][col]) {
                if (col == marker_col)
                    text_put0(y + r, x + col, 1, text_utf8() ? "┊" : ":", theme_attr(R_AXIS));
                continue;
            }
            const ChartSeries *se = &s[owner[r][col]];
            attr_t a = theme_attr(se->role) | (se->style == STYLE_BAND ? A_DIM : 0);
            if (c->sx == 2) {
                wchar_t w[2] = {(wchar_t)(0x2800 + dots[r][col]), 0};
                cchar_t cc;
                if (setcchar(&cc, w, a & ~A_COLOR, (short)PAIR_NUMBER(a), NULL) == OK)
                    (void)mvadd_wch(y + r, x + col, &cc);
            } else {
                char ch = se->style == STYLE_BAND ? '.' : marks[owner[r][col] % 8];
                (void)mvaddch(y + r, x + col, (chtype)ch | a);
            }
        }
}

void chart_draw(int y, int x, int h, int w, const ChartSpec *spec, const ChartSeries *s, int n) {
    if (h < 1 || w < 1) return;
    if (n > MAX_SERIES) n = MAX_SERIES;
    int legend_rows = draw_legend(y, x, w, h >= 8 ? h / 4 : 1, spec, s, n);
    y += legend_rows - 1;
    h -= legend_rows - 1;
    if (h < 4 || w < 20) return;
    Canvas c = {0};
    c.sx = text_utf8() ? 2 : 1;
    c.sy = text_utf8() ? 4 : 1;
    c.rows = h - 2;
    if (!extent(spec, s, n, &c)) {
        const char *msg = spec->empty ? spec->empty : "no data yet";
        text_put0(y + h / 2, x + (w - text_width0(msg)) / 2, w, msg, theme_attr(R_DIM));
        return;
    }
    double ticks[32], step;
    int nt = y_ticks(&c, ticks, &step, 32), lw = 1;
    char labels[32][24];
    for (int i = 0; i < nt; i++) {
        chart_tick_label(ticks[i], step, labels[i], sizeof labels[i]);
        int tw = text_width0(labels[i]);
        if (tw > lw) lw = tw;
    }
    if (lw > 8) lw = 8;
    c.cols = w - lw - 1;
    if (c.cols > MAX_COLS) c.cols = MAX_COLS;
    if (c.rows > MAX_ROWS) c.rows = MAX_ROWS;
    int px = x + lw + 1;
    ui_vrule(y + 1, x + lw, c.rows, theme_attr(R_AXIS));
    for (int i = 0; i < nt; i++) {
        int row = to_py(&c, ticks[i]) / c.sy;
        text_put_right(y + 1 + row, x, lw, labels[i], theme_attr(R_AXIS));
        text_put0(y + 1 + row, x + lw, 1, glyphs()->tee_r, theme_attr(R_AXIS));
    }
    for (int r = 0; r < c.rows; r++) memset(dots[r], 0, (size_t)c.cols);
    for (int i = 0; i < n; i++) plot_series(&c, &s[i], i, spec->by_time);
    blit(y + 1, px, &c, spec, s);
    x_labels(y + h - 1, px, &c, spec->by_time);
}

/* SVG line charts. Every number is printed with a fixed precision and every choice depends
 * only on the input, so the same input always gives the same bytes. */
#include "svgplot.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileguard.h"

/* Okabe-Ito: distinguishable with every common colour-vision deficiency. Yellow is last
 * because it is faint on white. Beyond eight series the colours repeat with dashes. */
static const char *const palette[] = {"#0072B2", "#E69F00", "#009E73", "#D55E00",
                                      "#CC79A7", "#56B4E9", "#000000", "#F0E442"};
static const char *const dashes[] = {NULL, "6,3", "2,3", "8,3,2,3"};
#define PALETTE_SIZE 8
#define DASH_KINDS 4

enum {
    MARGIN_LEFT = 76,
    MARGIN_RIGHT = 36,
    TITLE_SPACE = 36, /* from the panel's top to the plot area */
    AXIS_SPACE = 48,  /* below the plot area: tick labels and the x label */
    LEGEND_ROW = 18,
    PANEL_GAP = 18,
    CHAR_WIDTH = 7, /* rough width of a 12 px character, for the legend's columns */
    MIN_WIDTH = 320,
    MAX_WIDTH = 8192,
};

typedef struct {
    double x, y;
    int order; /* position in the caller's arrays: ties in x keep it */
} Point;

typedef struct {
    double lo, hi, step; /* for a log axis: exponents of ten */
    int log;
} Axis;

typedef struct {
    FILE *f;
    int x0, y0, w, h; /* plot area */
    Axis xa, ya;
} Frame;

/* ---- text -------------------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s, or 0 when it is not one. */
static int utf8_length(const unsigned char *s) {
    int len = s[0] < 0x80                    ? 1
              : s[0] >= 0xC2 && s[0] <= 0xDF ? 2
              : s[0] >= 0xE0 && s[0] <= 0xEF ? 3
              : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4
                                             : 0;
    for (int i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    return len;
}

/* XML text: markup characters escaped; control characters and broken UTF-8, which XML
 * cannot carry, become '?'. */
static void put_text(FILE *f, const char *text) {
    const unsigned char *s = (const unsigned char *)(text ? text : "");
    while (*s) {
        int len = utf8_length(s);
        if (len == 0 || (len == 1 && *s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r')) {
            fputc('?', f);
            s++;
            continue;
        }
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        default: fwrite(s, 1, (size_t)len, f);
        }
        s += len;
    }
}

static int text_columns(const char *text) {
    int n = 0;
    for (const unsigned char *s = (const unsigned char *)(text ? text : ""); *s; s++)
        n += (*s & 0xC0) != 0x80;
    return n;
}

/* ---- axes -------------------------------------------------------------------------------- */

/* The 1, 2 or 5 x 10^k step that cuts span into about target intervals. */
static double nice_step(double span, int target) {
    double raw = span / target;
    double magnitude = pow(10, floor(log10(raw)));
    double f = raw / magnitude;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * magnitude;
}

static Axis linear_axis(double lo, double hi, int target) {
    if (!(hi > lo)) {
        double pad = lo != 0 ? fabs(lo) * 0.1 : 1;
        lo -= pad;
        hi += pad;
    }
    double step = nice_step(hi - lo, target);
    return (Axis){floor(lo / step) * step, ceil(hi / step) * step, step, 0};
}

static Axis log_axis(double lo, double hi) {
    Axis a = {floor(log10(lo)), ceil(log10(hi)), 1, 1};
    if (a.hi <= a.lo) a.hi = a.lo + 1;
    return a;
}

static double axis_value(const Axis *a, double v) { return a->log ? log10(v) : v; }

static double to_px_x(const Frame *fr, double x) {
    return fr->x0 + (axis_value(&fr->xa, x) - fr->xa.lo) / (fr->xa.hi - fr->xa.lo) * fr->w;
}

static double to_px_y(const Frame *fr, double y) {
    return fr->y0 + fr->h - (axis_value(&fr->ya, y) - fr->ya.lo) / (fr->ya.hi - fr->ya.lo) * fr->h;
}

static void tick_label(char *out, size_t cap, double v, const Axis *a) {
    if (a->log) {
        snprintf(out, cap, "%g", v);
        return;
    }
    if (fabs(v) < a->step * 1e-9) v = 0; /* no "-0" */
    double mag = fmax(fabs(a->lo), fabs(a->hi));
    if (mag >= 1e6 || a->step < 1e-4) {
        snprintf(out, cap, "%.3g", v);
        return;
    }
    int decimals = a->step >= 1 ? 0 : (int)ceil(-log10(a->step) - 1e-9);
    snprintf(out, cap, "%.*f", decimals, v);
}

/* Tick values: every step of a linear axis; on a log axis the powers of ten, and 2 and 5
 * times them when there are few decades. Returns how many were written. */
static int ticks(const Axis *a, double *out, int cap) {
    int n = 0;
    if (!a->log) {
        for (int i = 0; n < cap; i++) {
            double v = a->lo + i * a->step;
            if (v > a->hi + a->step * 1e-9) break;
            out[n++] = v;
        }
        return n;
    }
    int few = a->hi - a->lo <= 2;
    for (double e = a->lo; e <= a->hi && n < cap; e++) {
        double base = pow(10, e);
        out[n++] = base;
        if (few && e < a->hi && n + 2 <= cap) {
            out[n++] = 2 * base;
            out[n++] = 5 * base;
        }
    }
    return n;
}

static void draw_axes(const Frame *fr, const PlotPanel *p) {
    FILE *f = fr->f;
    double t[64];
    char label[64];
    int n = ticks(&fr->ya, t, 64);
    for (int i = 0; i < n; i++) {
        double y = to_px_y(fr, t[i]);
        fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>\n",
                fr->x0, y, fr->x0 + fr->w, y);
        tick_label(label, sizeof label, t[i], &fr->ya);
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", fr->x0 - 6, y + 4,
                label);
    }
    n = ticks(&fr->xa, t, 64);
    for (int i = 0; i < n; i++) {
        double x = to_px_x(fr, t[i]);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e5e5e5\"/>\n", x,
                fr->y0, x, fr->y0 + fr->h);
        tick_label(label, sizeof label, t[i], &fr->xa);
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x,
                fr->y0 + fr->h + 16, label);
    }
    fprintf(f, "<polyline points=\"%d,%d %d,%d %d,%d\" fill=\"none\" stroke=\"#333333\"/>\n",
            fr->x0, fr->y0, fr->x0, fr->y0 + fr->h, fr->x0 + fr->w, fr->y0 + fr->h);
    fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", fr->x0 + fr->w / 2.0,
            fr->y0 + fr->h + 36);
    put_text(f, p->xlabel);
    fputs("</text>\n", f);
    double mid = fr->y0 + fr->h / 2.0;
    fprintf(f,
            "<text x=\"16\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 16 %.1f)\">",
            mid, mid);
    put_text(f, p->ylabel);
    fputs("</text>\n", f);
}

/* ---- series ------------------------------------------------------------------------------ */

/* Beyond these magnitudes an axis's arithmetic would overflow; such values count as gaps. */
#define HUGE_VALUE 1e150
#define TINY_LOG_VALUE 1e-150

static int value_drawable(double v) { return isfinite(v) && fabs(v) <= HUGE_VALUE; }

static int point_drawable(const PlotPanel *p, double x, double y) {
    return value_drawable(x) && value_drawable(y) && (!p->log_y || y >= TINY_LOG_VALUE);
}

/* The data's extent over every series; returns 0 when nothing can be drawn. */
static int data_extent(const PlotPanel *p, double *xlo, double *xhi, double *ylo, double *yhi) {
    int any = 0;
    for (int s = 0; s < p->n_series; s++) {
        const PlotSeries *se = &p->series[s];
        for (int i = 0; i < se->n; i++) {
            if (!point_drawable(p, se->x[i], se->y[i])) continue;
            if (!any || se->x[i] < *xlo) *xlo = se->x[i];
            if (!any || se->x[i] > *xhi) *xhi = se->x[i];
            if (!any || se->y[i] < *ylo) *ylo = se->y[i];
            if (!any || se->y[i] > *yhi) *yhi = se->y[i];
            any = 1;
        }
    }
    return any;
}

static int by_x(const void *a, const void *b) {
    const Point *p = a, *q = b;
    if (p->x != q->x) return p->x < q->x ? -1 : 1;
    return (p->order > q->order) - (p->order < q->order);
}

/* A series' points sorted by x; a point whose y cannot be drawn stays, as a gap. */
static Point *sorted_points(const PlotSeries *se, int *n) {
    Point *pts = malloc((size_t)(se->n > 0 ? se->n : 1) * sizeof *pts);
    if (!pts) return NULL;
    *n = 0;
    for (int i = 0; i < se->n; i++)
        if (value_drawable(se->x[i])) pts[(*n)++] = (Point){se->x[i], se->y[i], i};
    qsort(pts, (size_t)*n, sizeof *pts, by_x);
    return pts;
}

/* Writes polylines point by point: begins one on the first point after a break. */
typedef struct {
    FILE *f;
    const char *style;
    int open;
    double last_x, last_y;
    int points;
} Line;

static void line_point(Line *l, double x, double y) {
    if (!l->open) {
        fprintf(l->f, "<polyline%s points=\"%.1f,%.1f", l->style, x, y);
        l->open = 1;
        l->points = 0;
    } else {
        fprintf(l->f, " %.1f,%.1f", x, y);
    }
    l->last_x = x;
    l->last_y = y;
    l->points++;
}

static void line_break(Line *l) {
    if (!l->open) return;
    /* A lone point is drawn as a dot: a zero-length segment with round caps. */
    if (l->points == 1) fprintf(l->f, " %.1f,%.1f", l->last_x, l->last_y);
    fputs("\"/>\n", l->f);
    l->open = 0;
}

/* The lowest and highest point of one pixel column, in the order they came. */
typedef struct {
    int col, used;
    Point lo, hi;
} Column;

static void column_flush(Column *c, const Frame *fr, Line *l) {
    if (!c->used) return;
    const Point *first = c->lo.order <= c->hi.order ? &c->lo : &c->hi;
    const Point *second = first == &c->lo ? &c->hi : &c->lo;
    line_point(l, to_px_x(fr, first->x), to_px_y(fr, first->y));
    if (second->order != first->order)
        line_point(l, to_px_x(fr, second->x), to_px_y(fr, second->y));
    c->used = 0;
}

/* More points than pixels: each pixel column keeps its extremes, so spikes stay visible.
 * A gap only breaks the line where the points on its two sides fall in different columns;
 * inside one column it could not be seen. */
static void draw_downsampled(const Frame *fr, const PlotPanel *p, const Point *pts, int n,
                             Line *l) {
    Column c = {0};
    int gap = 0;
    for (int i = 0; i < n; i++) {
        if (!point_drawable(p, pts[i].x, pts[i].y)) {
            gap = 1;
            continue;
        }
        double px = floor(to_px_x(fr, pts[i].x) - fr->x0);
        int col = px <= 0 ? 0 : px >= fr->w ? fr->w : (int)px;
        if (c.used && col != c.col) {
            column_flush(&c, fr, l);
            if (gap) line_break(l);
        }
        gap = 0;
        if (!c.used) {
            c = (Column){col, 1, pts[i], pts[i]};
            continue;
        }
        if (pts[i].y < c.lo.y) c.lo = pts[i];
        if (pts[i].y > c.hi.y) c.hi = pts[i];
    }
    column_flush(&c, fr, l);
    line_break(l);
}

static void draw_all(const Frame *fr, const PlotPanel *p, const Point *pts, int n, Line *l) {
    for (int i = 0; i < n; i++) {
        if (point_drawable(p, pts[i].x, pts[i].y))
            line_point(l, to_px_x(fr, pts[i].x), to_px_y(fr, pts[i].y));
        else line_break(l);
    }
    line_break(l);
}

static void series_style(int i, char *out, size_t cap) {
    const char *dash = dashes[(i / PALETTE_SIZE) % DASH_KINDS];
    snprintf(out, cap, " stroke=\"%s\"%s%s%s", palette[i % PALETTE_SIZE],
             dash ? " stroke-dasharray=\"" : "", dash ? dash : "", dash ? "\"" : "");
}

static int draw_series(const Frame *fr, const PlotPanel *p, int i) {
    int n;
    Point *pts = sorted_points(&p->series[i], &n);
    if (!pts) return -1;
    char style[96];
    series_style(i, style, sizeof style);
    Line l = {.f = fr->f, .style = style};
    if (n > 2 * fr->w) draw_downsampled(fr, p, pts, n, &l);
    else draw_all(fr, p, pts, n, &l);
    free(pts);
    return 0;
}

/* ---- panels ------------------------------------------------------------------------------ */

static int legend_columns(const PlotPanel *p, int plot_w) {
    int widest = 0;
    for (int i = 0; i < p->n_series; i++) {
        int w = text_columns(p->series[i].label) * CHAR_WIDTH + 44;
        if (w > widest) widest = w;
    }
    int cols = widest > 0 ? plot_w / widest : 1;
    return cols < 1 ? 1 : cols;
}

static int legend_rows(const PlotPanel *p, int plot_w) {
    int cols = legend_columns(p, plot_w);
    return (p->n_series + cols - 1) / cols;
}

static int plot_height(int width) {
    int h = width * 3 / 10;
    return h < 180 ? 180 : h > 360 ? 360 : h;
}

static int panel_height(const PlotPanel *p, int width) {
    int plot_w = width - MARGIN_LEFT - MARGIN_RIGHT;
    return TITLE_SPACE + plot_height(width) + AXIS_SPACE + legend_rows(p, plot_w) * LEGEND_ROW +
           PANEL_GAP;
}

static void draw_legend(const Frame *fr, const PlotPanel *p) {
    int cols = legend_columns(p, fr->w), col_w = fr->w / cols;
    int top = fr->y0 + fr->h + AXIS_SPACE + 4;
    for (int i = 0; i < p->n_series; i++) {
        int x = fr->x0 + (i % cols) * col_w, y = top + (i / cols) * LEGEND_ROW;
        char style[96];
        series_style(i, style, sizeof style);
        fprintf(fr->f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"%s stroke-width=\"2\"/>\n", x,
                y, x + 24, y, style);
        fprintf(fr->f, "<text x=\"%d\" y=\"%d\">", x + 30, y + 4);
        put_text(fr->f, p->series[i].label);
        fputs("</text>\n", fr->f);
    }
}

static int draw_panel(FILE *f, const PlotPanel *p, int top, int width) {
    Frame fr = {.f = f,
                .x0 = MARGIN_LEFT,
                .y0 = top + TITLE_SPACE,
                .w = width - MARGIN_LEFT - MARGIN_RIGHT,
                .h = plot_height(width)};
    fprintf(f, "<g>\n<text x=\"%d\" y=\"%d\" font-size=\"14\" font-weight=\"bold\">", fr.x0,
            top + 20);
    put_text(f, p->title);
    fputs("</text>\n", f);
    double xlo = 0, xhi = 1, ylo = 1, yhi = 10;
    int any = data_extent(p, &xlo, &xhi, &ylo, &yhi);
    fr.xa = linear_axis(xlo, xhi, 8);
    fr.ya = p->log_y ? log_axis(ylo, yhi) : linear_axis(ylo, yhi, 6);
    draw_axes(&fr, p);
    if (!any)
        fprintf(f,
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#777777\">"
                "no data</text>\n",
                fr.x0 + fr.w / 2.0, fr.y0 + fr.h / 2.0);
    fputs("<g fill=\"none\" stroke-width=\"1.5\" stroke-linejoin=\"round\" "
          "stroke-linecap=\"round\">\n",
          f);
    for (int i = 0; i < p->n_series && any; i++)
        if (draw_series(&fr, p, i)) return -1;
    fputs("</g>\n", f);
    draw_legend(&fr, p);
    fputs("</g>\n", f);
    return 0;
}

static int check_input(const PlotPanel *panels, int n_panels, char *err, size_t errcap,
                       const char *path) {
    if (n_panels < 1 || !panels) {
        snprintf(err, errcap, "%s: nothing to plot", path);
        return -1;
    }
    for (int i = 0; i < n_panels; i++)
        for (int s = 0; s < panels[i].n_series; s++) {
            const PlotSeries *se = &panels[i].series[s];
            if (se->n > 0 && (!se->x || !se->y)) {
                snprintf(err, errcap, "%s: series %d of panel %d has no data arrays", path, s, i);
                return -1;
            }
        }
    return 0;
}

int svg_plot_write(const char *path, const PlotPanel *panels, int n_panels, int width, char *err,
                   size_t errcap) {
    if (check_input(panels, n_panels, err, errcap, path)) return -1;
    width = width < MIN_WIDTH ? MIN_WIDTH : width > MAX_WIDTH ? MAX_WIDTH : width;
    int height = 0;
    for (int i = 0; i < n_panels; i++) height += panel_height(&panels[i], width);
    if (fileguard_check_write(path, err, errcap)) return -1;
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errcap, "%s: cannot write: %s", path, strerror(errno));
        return -1;
    }
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
            "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"Helvetica, Arial, sans-serif\" "
            "font-size=\"12\">\n"
            "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
            width, height, width, height, width, height);
    int rc = 0;
    for (int i = 0, top = 0; i < n_panels && rc == 0; i++) {
        rc = draw_panel(f, &panels[i], top, width);
        top += panel_height(&panels[i], width);
    }
    fputs("</svg>\n", f);
    if (rc != 0) snprintf(err, errcap, "%s: out of memory", path);
    else if (ferror(f))
        rc = -1, snprintf(err, errcap, "%s: cannot write: %s", path, strerror(errno));
    if (fclose(f) != 0 && rc == 0) {
        snprintf(err, errcap, "%s: cannot write: %s", path, strerror(errno));
        rc = -1;
    }
    return rc;
}

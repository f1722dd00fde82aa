#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "svgplot.h"
#include "files.h"

static char dir[] = "/tmp/exposure-svg-XXXXXX";
static char path[512];

static void setup(void) {
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/plot.svg", dir);
}

static void teardown(void) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(svgplot, .init = setup, .fini = teardown);

static int count_of(const char *text, const char *needle) {
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle)) n++;
    return n;
}

/* Well-formed enough for any XML parser: every element closed in order, attribute values
 * quoted, and no bare '<' or '&' in text. */
static void assert_well_formed(const char *svg) {
    cr_assert_eq(strncmp(svg, "<?xml version=\"1.0\" encoding=\"UTF-8\"", 36), 0);
    const char *p = strstr(svg, "?>");
    cr_assert_not_null(p);
    char stack[64][32];
    int depth = 0, roots = 0;
    for (p += 2; *p; p++) {
        if (*p == '&') {
            cr_assert(strncmp(p, "&amp;", 5) == 0 || strncmp(p, "&lt;", 4) == 0 ||
                          strncmp(p, "&gt;", 4) == 0 || strncmp(p, "&quot;", 6) == 0 ||
                          strncmp(p, "&apos;", 6) == 0,
                      "bare '&' at: %.20s", p);
            continue;
        }
        if (*p != '<') continue;
        const char *end = p + 1;
        int quoted = 0;
        for (; *end && (quoted || *end != '>'); end++) {
            if (*end == '"') quoted = !quoted;
            cr_assert(quoted || *end != '<', "'<' inside a tag at: %.40s", p);
        }
        cr_assert_eq(*end, '>', "unterminated tag");
        char name[32];
        size_t len = strcspn(p + 1, " />\n");
        cr_assert_lt(len, sizeof name);
        if (p[1] == '/') {
            len = strcspn(p + 2, " >");
            snprintf(name, sizeof name, "%.*s", (int)len, p + 2);
            cr_assert_gt(depth, 0, "</%s> closes nothing", name);
            cr_assert_str_eq(stack[depth - 1], name);
            depth--;
        } else if (end[-1] != '/') {
            snprintf(name, sizeof name, "%.*s", (int)len, p + 1);
            cr_assert_lt(depth, 64);
            snprintf(stack[depth++], sizeof stack[0], "%s", name);
            roots += depth == 1;
        }
        p = end;
    }
    cr_assert_eq(depth, 0, "unclosed <%s>", depth ? stack[depth - 1] : "");
    cr_assert_eq(roots, 1);
}

/* The y pixel coordinates of the n-th series polyline (0-based) in the file. */
static int polyline_ys(const char *svg, int nth, double *ys, int cap) {
    const char *p = svg;
    for (int i = 0; i <= nth; i++) {
        p = strstr(p, "<polyline stroke=");
        cr_assert_not_null(p);
        p++;
    }
    p = strstr(p, "points=\"") + 8;
    int n = 0;
    while (*p != '"' && n < cap) {
        double x, y;
        int used;
        cr_assert_eq(sscanf(p, "%lf,%lf%n", &x, &y, &used), 2);
        ys[n++] = y;
        p += used;
        while (*p == ' ') p++;
    }
    return n;
}

static int write_ok(const PlotPanel *panels, int n, int width) {
    char err[512];
    int rc = svg_plot_write(path, panels, n, width, err, sizeof err);
    cr_assert_eq(rc, 0, "%s", err);
    return rc;
}

Test(svgplot, panels_series_and_legend) {
    double x[] = {0, 10, 20, 30, 40}, a[] = {5, 3, 2, 1.5, 1.2}, b[] = {5, 2.5, 1.8, 1.1, 0.9};
    double em[] = {0, 0.1, 0.3, 0.5, 0.6};
    PlotSeries loss[] = {{"#1 baseline", x, a, 5}, {"#2 rac", x, b, 5}};
    PlotSeries free_run[] = {{"#1 baseline", x, em, 5}};
    PlotPanel panels[] = {{"train loss", "step", "loss", loss, 2, 0},
                          {"free-running val/em", "step", "val/em", free_run, 1, 0}};
    write_ok(panels, 2, 800);
    char *svg = read_file(path, NULL);
    assert_well_formed(svg);
    cr_assert_not_null(strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    cr_assert_eq(count_of(svg, "<polyline stroke="), 3, "one polyline per series");
    cr_assert_eq(count_of(svg, ">#1 baseline</text>"), 2);
    cr_assert_eq(count_of(svg, ">#2 rac</text>"), 1);
    cr_assert_not_null(strstr(svg, ">train loss</text>"));
    cr_assert_not_null(strstr(svg, ">val/em</text>"));
    /* Nice ticks: 0, 10, ... 40 on x; 0, 0.1, ... on the em axis. */
    cr_assert_not_null(strstr(svg, ">40</text>"));
    cr_assert_not_null(strstr(svg, ">0.6</text>"));
    cr_assert_not_null(strstr(svg, ">0.0</text>"));
    free(svg);
}

Test(svgplot, escapes_labels) {
    double x[] = {0, 1}, y[] = {1, 2};
    PlotSeries s[] = {{"a<b & \"c\" 'd' > e", x, y, 2}, {"bad \x01 byte \xff end", x, y, 2}};
    PlotPanel p = {"loss < 1 & rising", "step", "r\xc3\xa9sum\xc3\xa9", s, 2, 0};
    write_ok(&p, 1, 640);
    char *svg = read_file(path, NULL);
    assert_well_formed(svg);
    cr_assert_not_null(strstr(svg, "a&lt;b &amp; &quot;c&quot; &apos;d&apos; &gt; e"));
    cr_assert_not_null(strstr(svg, "loss &lt; 1 &amp; rising"));
    cr_assert_not_null(strstr(svg, "bad ? byte ? end"));
    cr_assert_not_null(strstr(svg, "r\xc3\xa9sum\xc3\xa9"), "UTF-8 kept");
    free(svg);
}

Test(svgplot, sorts_by_x_and_breaks_at_gaps) {
    double x[] = {3, 1, 2, 0, 5, 4, NAN}, y[] = {3, 1, NAN, 0, 5, 4, 9};
    PlotSeries s = {"s", x, y, 7};
    PlotPanel p = {"t", "x", "y", &s, 1, 0};
    write_ok(&p, 1, 640);
    char *svg = read_file(path, NULL);
    /* 0, 1 | gap at 2 | 3, 4, 5; the point with x NaN is dropped. */
    cr_assert_eq(count_of(svg, "<polyline stroke="), 2);
    double ys[16];
    cr_assert_eq(polyline_ys(svg, 0, ys, 16), 2);
    cr_assert_gt(ys[0], ys[1], "y=0 is drawn below y=1");
    cr_assert_eq(polyline_ys(svg, 1, ys, 16), 3);
    cr_assert(ys[0] > ys[1] && ys[1] > ys[2], "sorted by x, rising");
    free(svg);
}

Test(svgplot, lone_point_is_drawn) {
    double x[] = {0, 1, 2}, y[] = {1, NAN, 2};
    PlotSeries s = {"s", x, y, 3};
    PlotPanel p = {"t", "x", "y", &s, 1, 0};
    write_ok(&p, 1, 640);
    char *svg = read_file(path, NULL);
    cr_assert_eq(count_of(svg, "<polyline stroke="), 2);
    double ys[4];
    cr_assert_eq(polyline_ys(svg, 0, ys, 4), 2, "a dot: the point twice");
    free(svg);
}

Test(svgplot, log_axis) {
    double x[] = {0, 1, 2, 3, 4}, y[] = {100, 10, -1, 0.1, 0.01};
    PlotSeries s = {"s", x, y, 5};
    PlotPanel p = {"t", "x", "y", &s, 1, 1};
    write_ok(&p, 1, 640);
    char *svg = read_file(path, NULL);
    assert_well_formed(svg);
    cr_assert_not_null(strstr(svg, ">0.01</text>"));
    cr_assert_not_null(strstr(svg, ">100</text>"));
    cr_assert_eq(count_of(svg, "<polyline stroke="), 2, "a value <= 0 is a gap on a log axis");
    free(svg);
}

Test(svgplot, downsamples_large_series_keeping_spikes) {
    enum { N = 100000 };
    double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    cr_assert(x && y);
    for (int i = 0; i < N; i++) {
        x[i] = i;
        y[i] = 1.0 + 0.001 * (i % 7);
    }
    y[54321] = 50; /* one spike */
    PlotSeries s[] = {{"big", x, y, N}, {"small", x, y, 10}};
    PlotPanel p = {"t", "step", "loss", s, 2, 0};
    write_ok(&p, 1, 800);
    size_t len;
    char *svg = read_file(path, &len);
    assert_well_formed(svg);
    cr_assert_lt(len, 60000u, "%zu bytes for 100k points", len);
    double *ys = malloc(N * sizeof *ys);
    int n = polyline_ys(svg, 0, ys, N);
    cr_assert_leq(n, 2 * 800);
    double top = 1e9;
    for (int i = 0; i < n; i++) top = fmin(top, ys[i]);
    /* The spike is the highest value: it reaches the top of the plot area, where the y axis
     * starts (the axis polyline's first point). */
    const char *axis = strstr(svg, "<polyline points=\"");
    cr_assert_not_null(axis);
    double ax, ay;
    cr_assert_eq(sscanf(axis + 18, "%lf,%lf", &ax, &ay), 2);
    cr_assert_float_eq(top, ay, 0.51, "spike at %f, top %f", top, ay);
    free(ys);
    free(svg);
    free(x);
    free(y);
}

Test(svgplot, deterministic) {
    double x[200], y[200];
    for (int i = 0; i < 200; i++) x[i] = i * 0.5, y[i] = sin(i * 0.1) / (i + 1);
    PlotSeries s[10];
    char labels[10][16];
    for (int i = 0; i < 10; i++) {
        snprintf(labels[i], sizeof labels[i], "run %d", i);
        s[i] = (PlotSeries){labels[i], x, y, 200 - i * 10};
    }
    PlotPanel p = {"t", "x", "y", s, 10, 0};
    write_ok(&p, 1, 700);
    size_t la, lb;
    char *a = read_file(path, &la);
    write_ok(&p, 1, 700);
    char *b = read_file(path, &lb);
    cr_assert_eq(la, lb);
    cr_assert(memcmp(a, b, la) == 0);
    cr_assert_not_null(strstr(a, "stroke-dasharray"), "series 9 and 10 repeat colours dashed");
    free(a);
    free(b);
}

Test(svgplot, empty_panel_and_errors) {
    PlotSeries none = {"nothing", NULL, NULL, 0};
    PlotPanel p = {"empty", "x", "y", &none, 1, 0};
    write_ok(&p, 1, 100);
    char *svg = read_file(path, NULL);
    assert_well_formed(svg);
    cr_assert_not_null(strstr(svg, ">no data</text>"));
    cr_assert_not_null(strstr(svg, "width=\"320\""), "narrow widths are raised");
    free(svg);

    char err[512], bad[600];
    snprintf(bad, sizeof bad, "%s/missing/dir/plot.svg", dir);
    cr_assert_eq(svg_plot_write(bad, &p, 1, 640, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, bad));
    cr_assert_eq(svg_plot_write(path, &p, 0, 640, err, sizeof err), -1);
    PlotSeries broken = {"b", NULL, NULL, 3};
    PlotPanel q = {"t", "x", "y", &broken, 1, 0};
    cr_assert_eq(svg_plot_write(path, &q, 1, 640, err, sizeof err), -1);
}

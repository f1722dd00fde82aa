/* Line charts in a rectangle of the screen: Unicode braille (2x4 dots a cell) in a UTF-8
 * locale, one character a point otherwise; a y axis with tick labels, x tick labels in steps
 * or in time, several coloured series and a legend. Series are Histories, so drawing costs at
 * most HISTORY_BUCKETS points per series however long the run. */
#ifndef EXPOSURE_UI_CHART_H
#define EXPOSURE_UI_CHART_H

#include "history.h"
#include "theme.h"

typedef enum {
    STYLE_LINE,   /* the bucket means, joined */
    STYLE_BAND,   /* faint: each bucket's min..max, joined through the means */
    STYLE_SMOOTH, /* the debiased moving average of the means (weight `smooth`) */
} SeriesStyle;

typedef struct {
    const char *label; /* legend text; NULL keeps it out of the legend */
    const History *h;
    Role role;
    SeriesStyle style;
    double smooth;
} ChartSeries;

typedef struct {
    const char *title;
    int by_time; /* x in seconds (the buckets' t) instead of steps */
    int fix_y;   /* y from y0 to y1 instead of the data's range */
    double y0, y1;
    int fix_x; /* x from x0 to x1 instead of the data's range */
    double x0, x1;
    int has_marker; /* a vertical marker at marker_x (e.g. the current step) */
    double marker_x;
    const char *empty; /* shown when no series has a point */
} ChartSpec;

/* Draws the chart in h rows and w columns at (y, x). Needs h >= 4 and w >= 20 to show
 * more than its title. Later series are drawn over earlier ones. */
void chart_draw(int y, int x, int h, int w, const ChartSpec *spec, const ChartSeries *s, int n);

#endif

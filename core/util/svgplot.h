/* Line charts as standalone SVG files: one or more panels stacked vertically, each with axes,
 * tick labels and a legend, several series overlaid. Used by `exposure runs plot` and the
 * sweep report. */
#ifndef EXPOSURE_SVGPLOT_H
#define EXPOSURE_SVGPLOT_H

#include <stddef.h>

typedef struct {
    const char *label;   /* legend text */
    const double *x, *y; /* n points; need not be sorted by x */
    int n;
} PlotSeries;

typedef struct {
    const char *title, *xlabel, *ylabel;
    const PlotSeries *series;
    int n_series;
    int log_y; /* logarithmic y axis (all y > 0) */
} PlotPanel;

/* Writes the panels as one SVG of the given width (pixels). Returns 0, or -1 with a message
 * naming the file in err. */
int svg_plot_write(const char *path, const PlotPanel *panels, int n_panels, int width, char *err,
                   size_t errcap);

#endif

/* The lower half of the Runs screen for the runs chosen there: their curves of one metric
 * overlaid with a legend, their metrics compared (last, best, and at a chosen step), or the
 * config keys on which they differ. */
#ifndef EXPOSURE_UI_RUNS_PANES_H
#define EXPOSURE_UI_RUNS_PANES_H

#include <stdint.h>

#include "shell.h"

#define PANE_RUNS 8

typedef struct {
    int64_t id;
    char name[128];
    char status[16];
    const char *config_json; /* borrowed from the caller's run list */
} PaneRun;

typedef struct RunsPanes RunsPanes;

RunsPanes *panes_new(void);
void panes_free(RunsPanes *p);
/* The runs to show (at most PANE_RUNS); their curves are read again when the set changes. */
void panes_set_runs(RunsPanes *p, const PaneRun *runs, int n);
/* Reads the curves again (the runs may have progressed). */
void panes_invalidate(RunsPanes *p);
void panes_draw(RunsPanes *p, Shell *a, int top, int rows, int cols);
/* v: next pane, m/M: next/previous metric, a: compare at a step. 1 when the key was used. */
int panes_key(RunsPanes *p, Shell *a, int key);

#endif

/* The editor of a piecewise schedule's points, a box over the omega(s) plot: add, delete and
 * edit [step, omega] points, each change validated by the core and applied like any other key
 * (config_edit_apply), so that the plot follows at once. */
#ifndef EXPOSURE_UI_POINTS_EDITOR_H
#define EXPOSURE_UI_POINTS_EDITOR_H

#include "shell.h"
#include "widgets.h"

typedef struct {
    int open;
    ListView list;
    Shell *shell; /* for the point prompt's callback */
} PointsEditor;

void points_editor_open(PointsEditor *pe, Shell *a);
/* a adds a point after the selected one, x/Delete removes it, Enter edits it, Esc closes.
 * The editor is modal while open: it takes every key. */
void points_editor_key(PointsEditor *pe, int key);
void points_editor_draw(PointsEditor *pe, int y, int x, int h, int w);

#endif

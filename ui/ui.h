/* The terminal front end: five screens (datasets, config & schedule, live training,
 * corrections, saved runs) over the core's headers. Only ui/ includes curses. */
#ifndef EXPOSURE_UI_H
#define EXPOSURE_UI_H

#include "train.h"

typedef struct {
    const char *db_path;  /* the run store */
    const Config *config; /* the config the first run starts from (already validated) */
} UiOptions;

/* Runs the interface on the terminal until the user quits (or SIGINT/SIGTERM, which stop a
 * training run cleanly first). Returns 0, or 1 when the terminal could not be set up (the
 * message is on stderr). */
int ui_run(const UiOptions *opt);

#endif

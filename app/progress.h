/* The progress line on stderr while a run trains: step/total, a bar, loss, tokens/s, ETA,
 * redrawn in place on a terminal at most ten times a second. */
#ifndef EXPOSURE_PROGRESS_H
#define EXPOSURE_PROGRESS_H

#include "train.h"

typedef struct {
    int enabled;      /* stderr is a terminal and output was not silenced */
    int visible;      /* a line is drawn and must be cleared before other output */
    double last_draw; /* monotonic seconds */
    const char *prefix;
} Progress;

void progress_init(Progress *p, int enabled, const char *prefix);
/* Redraws from a snapshot (no more often than every 100 ms unless force). */
void progress_draw(Progress *p, const TrainerSnapshot *s, int force);
/* Clears the line so that something else can be printed on stderr. */
void progress_clear(Progress *p);

#endif

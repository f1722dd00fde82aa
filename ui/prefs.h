/* The interface's preferences (theme, smoothing weight, x axis, recent dataset files), kept
 * in $XDG_CONFIG_HOME/exposure/tui.json (default ~/.config/exposure/tui.json) and written
 * atomically: a temporary file renamed over the old one. */
#ifndef EXPOSURE_UI_PREFS_H
#define EXPOSURE_UI_PREFS_H

#include <stddef.h>

#define PREFS_RECENT 8

typedef struct {
    char theme[32];
    double smoothing; /* EMA weight for the train loss, [0, 0.99] */
    int x_time;       /* charts by training time instead of steps */
    int n_recent;
    char recent[PREFS_RECENT][1024]; /* most recent first */
} Prefs;

/* Loads the file over the defaults. A missing file is not an error (returns 0). A file that
 * cannot be read or parsed is ignored: p keeps the defaults, the reason goes into msg, and
 * -1 is returned. */
int prefs_load(Prefs *p, char *msg, size_t cap);
/* Writes the file (creating its directory). Returns 0, or -1 with the reason in msg. */
int prefs_save(const Prefs *p, char *msg, size_t cap);
/* Puts path first in the recent list (once). */
void prefs_add_recent(Prefs *p, const char *path);

#endif

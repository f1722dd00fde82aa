/* The interface's shared state and the contract between the main loop and the screens.
 * The loop (shell.c) reads keys with a short timeout, drains the training run's events,
 * and redraws when something changed, at most FRAME_RATE times a second. Each screen is a
 * module (screen_*.c) with its own state behind the Screen functions below. */
#ifndef EXPOSURE_UI_SHELL_H
#define EXPOSURE_UI_SHELL_H

#include <ncurses.h>
#include <stdint.h>

#include "train.h"
#include "dialog.h"
#include "keys.h"
#include "prefs.h"
#include "liverun.h"
#include "store.h"

#define FRAME_RATE 15
#define MIN_COLS 80
#define MIN_ROWS 24

enum { SCR_DATASETS, SCR_CONFIG, SCR_TRAIN, SCR_CORRECTIONS, SCR_RUNS, SCR_COUNT };

typedef struct Shell Shell;

typedef struct {
    const char *title;
    void *(*create)(Shell *a); /* NULL when out of memory */
    void (*destroy)(void *st);
    void (*enter)(void *st, Shell *a); /* the screen is shown */
    /* Draws the screen into rows rows from row top (between the tab bar and the status
     * line), cols wide. */
    void (*draw)(void *st, Shell *a, int top, int rows, int cols);
    int (*key)(void *st, Shell *a, int key); /* 1 when the key was the screen's */
    void (*click)(void *st, Shell *a, int y, int x, int wheel); /* wheel: -1 up, 1 down, 0 click */
    const KeyHelp *keys; /* the screen's key map (help overlay) */
    int n_keys;
    const char *hint; /* the status line's reminder of keys */
} Screen;

struct Shell {
    Config cfg; /* the config the next run starts with */
    char db_path[LIMIT_PATH_BYTES];
    Prefs prefs;
    int theme;
    LiveRun *run;         /* the run this process trains or trained last; NULL before */
    unsigned run_changes; /* LR_* bits seen since the visible screen last drew */
    Store *store;         /* this thread's read handle; NULL when it cannot be opened */
    char store_err[1024];
    int store_missing; /* no database file yet (nothing has been trained here) */
    double store_retry_at;
    int screen;
    void *state[SCR_COUNT];
    Dialog dlg;
    char status[1024];
    int status_error;
    double status_at;
    int dirty;         /* something on screen changed: redraw at the next frame */
    int64_t focus_run; /* the run the Corrections screen shows; 0: the live/latest */
    int quitting;      /* stop asked on the way out: waiting for the done event */
    int quit;          /* leave the loop */
    int tab_starts[SCR_COUNT + 1];
    int full_redraw; /* repaint every cell at the next frame (after a resize) */
};

extern const Screen *const screens[SCR_COUNT];

/* A message on the status line (errors stay longer and are coloured). */
void shell_status(Shell *a, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The UI's store handle, opened (read-only use) on first need and after failures every few
 * seconds. NULL with the reason in a->store_err. */
Store *shell_store(Shell *a);
/* Forgets the handle, so that the next shell_store reopens it (after our run created it). */
void shell_store_reset(Shell *a);
void shell_show(Shell *a, int screen);
/* Starts a run with a->cfg (or resumes run `resume`); 0 or -1 with a status message. */
int shell_start_run(Shell *a, int64_t resume);
/* 1 while a run of this process trains (or is stopping). */
int shell_training(const Shell *a);
/* Saves the preferences, reporting a failure on the status line. */
void shell_save_prefs(Shell *a);

#endif

/* The main loop: keys with a short timeout, the run's events drained without waiting,
 * a redraw only when something changed and at most FRAME_RATE times a second. */
#include "shell.h"

#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "screens.h"
#include "text.h"
#include "theme.h"
#include "ui.h"
#include "widgets.h"

/* How long the loop waits for a key before it looks at the run again. */
enum { KEY_TIMEOUT_MS = 50 };
/* Seconds a message stays on the status line. */
#define STATUS_SECONDS 6.0
#define ERROR_SECONDS 15.0

const Screen *const screens[SCR_COUNT] = {&screen_datasets, &screen_config, &screen_train,
                                          &screen_corrections, &screen_runs};

static const KeyHelp global_keys[] = {
    {"1 2 3 4 5", "Datasets, Config & schedule, Train, Corrections, Runs"},
    {"Tab / Shift-Tab", "next / previous screen"},
    {"mouse", "click a tab or a row; the wheel scrolls"},
    {"? / F1", "this help"},
    {"F2", "next colour theme (default, bright, mono)"},
    {"q / F10", "quit (asks first while a run trains, then stops it cleanly)"},
    {"Esc", "close a dialog"},
};

/* SIGINT, SIGTERM and SIGHUP only set this; the loop stops the run and leaves. */
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) { stop_signal = sig; }

void shell_status(Shell *a, int error, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->status, sizeof a->status, fmt, ap);
    va_end(ap);
    a->status_error = error;
    a->status_at = clock_monotonic();
    a->dirty = 1;
}

Store *shell_store(Shell *a) {
    if (a->store) return a->store;
    double now = clock_monotonic();
    if (now < a->store_retry_at) return NULL;
    char err[1024];
    if (store_open_existing(a->db_path, &a->store, err, sizeof err)) {
        a->store = NULL;
        a->store_missing = access(a->db_path, F_OK) != 0;
        if (a->store_missing)
            snprintf(a->store_err, sizeof a->store_err,
                     "%.900s does not exist yet; runs trained here are stored there", a->db_path);
        else snprintf(a->store_err, sizeof a->store_err, "%s", err);
        a->store_retry_at = now + 3.0;
        return NULL;
    }
    /* The trainer's transactions are short; the interface never waits long for one. */
    store_set_busy_timeout(a->store, 500);
    a->store_err[0] = '\0';
    a->store_missing = 0;
    return a->store;
}

void shell_store_reset(Shell *a) {
    store_close(a->store);
    a->store = NULL;
    a->store_retry_at = 0;
}

void shell_show(Shell *a, int screen) {
    if (screen < 0 || screen >= SCR_COUNT) return;
    a->screen = screen;
    if (screens[screen]->enter) screens[screen]->enter(a->state[screen], a);
    a->dirty = 1;
}

int shell_training(const Shell *a) { return liverun_active(a->run); }

int shell_start_run(Shell *a, int64_t resume) {
    if (shell_training(a)) {
        shell_status(a, 1, "run %lld is still training: stop it first (s on the Train screen)",
                     (long long)a->run->run_id);
        return -1;
    }
    char err[1024];
    LiveRun *s;
    if (liverun_start(&a->cfg, a->db_path, resume, &s, err, sizeof err)) {
        shell_status(a, 1, "cannot start the run: %s", err);
        return -1;
    }
    liverun_free(a->run);
    a->run = s;
    a->focus_run = 0;
    if (!a->store) shell_store_reset(a); /* the run may just have created the database */
    Store *st = resume ? shell_store(a) : NULL;
    if (st) liverun_preload(s, st);
    shell_status(a, 0, "run %lld started%s", (long long)s->run_id, resume ? " (resumed)" : "");
    return 0;
}

void shell_save_prefs(Shell *a) {
    char msg[1024];
    if (prefs_save(&a->prefs, msg, sizeof msg)) shell_status(a, 1, "%s", msg);
}

/* ---- quitting ---- */

static void begin_stop_and_quit(Shell *a) {
    if (!shell_training(a)) {
        a->quit = 1;
        return;
    }
    liverun_stop(a->run);
    a->quitting = 1;
    shell_status(a, 0, "stopping run %lld: finishing the step and writing a checkpoint...",
                 (long long)a->run->run_id);
}

static void confirmed_quit(void *ctx) { begin_stop_and_quit(ctx); }

static void request_quit(Shell *a) {
    if (a->quitting) return;
    if (!shell_training(a)) {
        a->quit = 1;
        return;
    }
    char q[256];
    snprintf(q, sizeof q,
             "Run %lld is training. Stop it (it finishes the step, writes a checkpoint and is "
             "marked stopped; exposure train --resume %lld continues it) and quit?",
             (long long)a->run->run_id, (long long)a->run->run_id);
    dialog_confirm(&a->dlg, "Quit", q, confirmed_quit, a);
}

/* ---- input ---- */

static int read_key(int *key) {
    wint_t wc;
    int r = wget_wch(stdscr, &wc);
    if (r == ERR) return 0;
    *key = r == KEY_CODE_YES ? KEY_FN((int)wc) : (int)wc;
    return 1;
}

static int too_small(void) { return COLS < MIN_COLS || LINES < MIN_ROWS; }

static void handle_mouse(Shell *a) {
    MEVENT me;
    if (getmouse(&me) != OK || too_small()) return;
    int wheel = (me.bstate & BUTTON4_PRESSED) ? -1 : (me.bstate & BUTTON5_PRESSED) ? 1 : 0;
    int click = (me.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)) != 0;
    if ((!wheel && !click) || dialog_is_open(&a->dlg)) return;
    if (me.y == 0 && click) {
        int t = ui_tab_at(a->tab_starts, SCR_COUNT, me.x);
        if (t >= 0) shell_show(a, t);
        return;
    }
    const Screen *s = screens[a->screen];
    if (s->click) s->click(a->state[a->screen], a, me.y, me.x, wheel);
}

static void show_help(Shell *a) {
    const Screen *s = screens[a->screen];
    char title[64];
    snprintf(title, sizeof title, "Keys: %s", s->title);
    dialog_help(&a->dlg, title, s->keys, s->n_keys, global_keys,
                (int)(sizeof global_keys / sizeof *global_keys));
}

static void next_theme(Shell *a) {
    a->theme = (a->theme + 1) % theme_count();
    theme_apply(a->theme);
    snprintf(a->prefs.theme, sizeof a->prefs.theme, "%s", theme_name(a->theme));
    shell_save_prefs(a);
    shell_status(
        a, 0, "theme: %s%s", theme_name(a->theme),
        theme_colored() || a->theme == theme_find("mono") ? "" : " (this terminal has no colours)");
}

static int global_key(Shell *a, int key) {
    if (key >= '1' && key < '1' + SCR_COUNT) shell_show(a, key - '1');
    else if (key == KEY_TAB) shell_show(a, (a->screen + 1) % SCR_COUNT);
    else if (key == KEY_FN(KEY_BTAB)) shell_show(a, (a->screen + SCR_COUNT - 1) % SCR_COUNT);
    else if (key == '?' || key == KEY_FN(KEY_F(1))) show_help(a);
    else if (key == KEY_FN(KEY_F(2))) next_theme(a);
    else if (key == 'q' || key == KEY_FN(KEY_F(10))) request_quit(a);
    else return 0;
    return 1;
}

static void handle_key(Shell *a, int key) {
    a->dirty = 1;
    if (key == KEY_FN(KEY_RESIZE)) {
        a->full_redraw = 1;
        return;
    }
    if (key == KEY_FN(KEY_MOUSE)) {
        handle_mouse(a);
        return;
    }
    if (dialog_is_open(&a->dlg)) {
        dialog_key(&a->dlg, key);
        return;
    }
    if (too_small()) {
        if (key == 'q' || key == KEY_FN(KEY_F(10))) request_quit(a);
        return;
    }
    const Screen *s = screens[a->screen];
    if (s->key && s->key(a->state[a->screen], a, key)) return;
    global_key(a, key);
}

/* ---- drawing ---- */

static void draw_status_line(Shell *a) {
    int y = LINES - 1;
    double age = clock_monotonic() - a->status_at;
    ui_clear_rect(y, 0, 1, COLS);
    if (a->status[0] && age < (a->status_error ? ERROR_SECONDS : STATUS_SECONDS)) {
        text_put0(y, 0, COLS, a->status, theme_attr(a->status_error ? R_ERROR : R_GOOD));
        return;
    }
    int right_w = 0;
    if (a->run) {
        char right[128];
        const TrainerSnapshot *s = &a->run->snap;
        const char *phase = a->run->finished             ? a->run->status
                            : s->phase == PHASE_PAUSED   ? "paused"
                            : s->phase == PHASE_STOPPING ? "stopping"
                                                         : "training";
        snprintf(right, sizeof right, " run %lld %s %d/%d ", (long long)a->run->run_id, phase,
                 s->step, s->steps);
        right_w = text_width0(right);
        text_put0(y, COLS - right_w, right_w, right, theme_attr(R_TAB_ACTIVE));
    }
    int room = COLS - right_w - 1;
    int col = text_put0(y, 0, room, "?", theme_attr(R_KEY));
    col += text_put0(y, col, room - col, " help  ", theme_attr(R_DIM));
    col += text_put0(y, col, room - col, "q", theme_attr(R_KEY));
    col += text_put0(y, col, room - col, " quit  ", theme_attr(R_DIM));
    text_put0(y, col, room - col, screens[a->screen]->hint, theme_attr(R_DIM));
}

static void draw_too_small(void) {
    char msg[128];
    snprintf(msg, sizeof msg, "enlarge the terminal (needs %dx%d, now %dx%d)", MIN_COLS, MIN_ROWS,
             COLS, LINES);
    int w = text_width0(msg);
    int y = LINES / 2, x = COLS > w ? (COLS - w) / 2 : 0;
    text_put0(y, x, COLS, msg, theme_attr(R_WARN) | A_BOLD);
    if (LINES > 2)
        text_put0(y + 1, COLS > 10 ? (COLS - 10) / 2 : 0, COLS, "q quits", theme_attr(R_DIM));
}

static void draw(Shell *a) {
    if (a->full_redraw) {
        (void)clear();
        a->full_redraw = 0;
    } else {
        (void)erase();
    }
    if (too_small()) {
        draw_too_small();
    } else {
        const char *names[SCR_COUNT];
        for (int i = 0; i < SCR_COUNT; i++) names[i] = screens[i]->title;
        ui_tabbar(0, COLS, names, SCR_COUNT, a->screen, a->tab_starts);
        const Screen *s = screens[a->screen];
        s->draw(a->state[a->screen], a, 1, LINES - 2, COLS);
        a->run_changes = 0;
        draw_status_line(a);
        dialog_draw(&a->dlg, LINES, COLS);
    }
    (void)refresh();
}

/* ---- set-up and the loop ---- */

static int create_screens(Shell *a) {
    for (int i = 0; i < SCR_COUNT; i++)
        if (!(a->state[i] = screens[i]->create(a))) return -1;
    return 0;
}

static void destroy_screens(Shell *a) {
    for (int i = 0; i < SCR_COUNT; i++)
        if (a->state[i]) screens[i]->destroy(a->state[i]);
}

static void set_up_terminal(Shell *a) {
    (void)cbreak();
    (void)noecho();
    (void)nonl();
    (void)keypad(stdscr, TRUE);
    (void)curs_set(0);
    (void)set_escdelay(100);
    wtimeout(stdscr, KEY_TIMEOUT_MS);
    if (has_colors()) (void)start_color();
    theme_apply(a->theme);
    (void)mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
    (void)mouseinterval(0);
}

static const int stop_signals[3] = {SIGINT, SIGTERM, SIGHUP};

/* Returns -1 when a handler could not be installed (the signal then ends the program the
 * default way, without stopping a run cleanly). */
static int install_signals(struct sigaction *old) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    int rc = 0;
    for (int i = 0; i < 3; i++)
        if (sigaction(stop_signals[i], &sa, &old[i])) rc = -1;
    return rc;
}

static void restore_signals(const struct sigaction *old) {
    for (int i = 0; i < 3; i++) (void)sigaction(stop_signals[i], &old[i], NULL);
}

/* What changes of the run make the visible screen (or the status line) out of date. */
static void take_run_changes(Shell *a) {
    if (!a->run) return;
    unsigned c = liverun_poll(a->run);
    if (!c) return;
    a->run_changes |= c;
    a->dirty = 1;
}

static void loop(Shell *a) {
    double last_draw = 0, last_tick = clock_monotonic();
    while (!a->quit) {
        int key;
        if (read_key(&key)) handle_key(a, key);
        if (stop_signal && !a->quitting) begin_stop_and_quit(a);
        take_run_changes(a);
        if (a->quitting && !shell_training(a)) a->quit = 1;
        double now = clock_monotonic();
        if (now - last_tick >= 1.0) { /* clocks, ETA and fading messages */
            last_tick = now;
            a->dirty = 1;
        }
        if (a->dirty && now - last_draw >= 1.0 / FRAME_RATE) {
            draw(a);
            a->dirty = 0;
            last_draw = now;
        }
    }
}

int ui_run(const UiOptions *opt) {
    setlocale(LC_ALL, "");
    text_init();
    Shell *a = calloc(1, sizeof *a);
    if (!a) {
        fprintf(stderr, "exposure: out of memory\n");
        return 1;
    }
    a->cfg = *opt->config;
    snprintf(a->db_path, sizeof a->db_path, "%s", opt->db_path);
    char msg[1024];
    int prefs_bad = prefs_load(&a->prefs, msg, sizeof msg) != 0;
    a->theme = theme_find(a->prefs.theme);
    if (a->theme < 0) a->theme = 0;
    SCREEN *scr = newterm(NULL, stdout, stdin);
    if (!scr) {
        const char *term = getenv("TERM");
        fprintf(stderr, "exposure: cannot use the terminal (TERM=%s)\n", term ? term : "");
        free(a);
        return 1;
    }
    set_up_terminal(a);
    struct sigaction old[3];
    int signals_bad = install_signals(old);
    int rc = 0;
    if (create_screens(a)) {
        rc = 1;
    } else {
        if (prefs_bad) shell_status(a, 1, "%s", msg);
        if (signals_bad)
            shell_status(a, 1, "Ctrl-C and SIGTERM will not stop a run cleanly here: %s",
                         strerror(errno));
        shell_show(a, SCR_DATASETS);
        loop(a);
    }
    liverun_free(a->run);
    destroy_screens(a);
    store_close(a->store);
    (void)endwin();
    delscreen(scr);
    restore_signals(old);
    if (rc) fprintf(stderr, "exposure: out of memory\n");
    free(a);
    return rc;
}

/* Drives `exposure ui` inside a private tmux server: start it detached in a window of a given
 * size, send keys, and wait (polling, a few seconds at most) for text on the screen. Every
 * test runs it in its own temporary directory (run store, preferences) and on its own tmux
 * socket, whose server tui_stop kills. */
#ifndef EXPOSURE_TEST_TUI_H
#define EXPOSURE_TEST_TUI_H

typedef struct {
    char sock[64]; /* tmux -L name */
    char dir[128]; /* temporary directory: runs.db, config/, files */
    char db[192];
    char socket_path[256]; /* the server's socket file, removed by tui_stop */
    int server_pid;
    char screen[16384]; /* the last capture */
} Tui;

/* Makes the directory and the socket name; starts nothing. */
void tui_init(Tui *t);
/* Starts the binary as `env <env> BIN ui --db DB <args>` at cols x rows; the pane prints
 * "EXITED <code>" when the program ends. env may be NULL. */
void tui_start(Tui *t, int cols, int rows, const char *env, const char *args);
/* The same with the whole command line after the binary's name, e.g. "--db 'F'". */
void tui_start_line(Tui *t, int cols, int rows, const char *env, const char *line);
/* tmux send-keys arguments, e.g. "3", "Enter", "-l some text". */
void tui_keys(Tui *t, const char *keys);
/* Sends bytes to the program as typed (no shell in between, any bytes but NUL). */
void tui_type(Tui *t, const char *bytes);
/* A press of the left button at a cell (0-based), as an xterm reports it (X10 encoding). */
void tui_click(Tui *t, int col, int row);
/* Captures the screen into t->screen and returns it. */
const char *tui_capture(Tui *t);
/* Waits up to timeout_ms for text to appear; returns 1, or 0 (t->screen holds the last
 * capture). */
int tui_wait(Tui *t, const char *text, int timeout_ms);
/* Waits up to timeout_ms for text to disappear; returns 1, or 0. */
int tui_wait_gone(Tui *t, const char *text, int timeout_ms);
/* Waits for the program to end; returns its exit code, or -1 on timeout. */
int tui_wait_exit(Tui *t, int timeout_ms);
void tui_resize(Tui *t, int cols, int rows);
/* Kills the tmux server and removes the directory. Safe to call twice. */
void tui_stop(Tui *t);

#endif

#include "tui.h"

#include <criterion/criterion.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run.h"

static int counter;

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...) {
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    cr_assert_eq(rc, 0, "failed: %s", cmd);
}

void tui_init(Tui *t) {
    memset(t, 0, sizeof *t);
    snprintf(t->dir, sizeof t->dir, "/tmp/exposure-tui-XXXXXX");
    cr_assert_not_null(mkdtemp(t->dir));
    snprintf(t->sock, sizeof t->sock, "exposure-test-%ld-%d", (long)getpid(), counter++);
    snprintf(t->db, sizeof t->db, "%s/runs.db", t->dir);
}

void tui_start(Tui *t, int cols, int rows, const char *env, const char *args) {
    char line[4096];
    snprintf(line, sizeof line, "ui --db '%s' %s", t->db, args ? args : "");
    tui_start_line(t, cols, rows, env, line);
}

void tui_start_line(Tui *t, int cols, int rows, const char *env, const char *args) {
    char bin[PATH_MAX], cwd[PATH_MAX];
    cr_assert_not_null(realpath(exposure_bin(), bin), "no binary at %s", exposure_bin());
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    const char *asan = getenv("ASAN_OPTIONS"), *ubsan = getenv("UBSAN_OPTIONS");
    sh("tmux -L %s -f /dev/null new-session -d -s tui -x %d -y %d -c '%s' "
       "\"env ASAN_OPTIONS='%s' UBSAN_OPTIONS='%s' XDG_CONFIG_HOME='%s/config' "
       "TERM=screen-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 %s '%s' %s "
       "2>'%s/stderr.txt'; echo EXITED \\$?; sleep 600\"",
       t->sock, cols, rows, cwd, asan ? asan : "", ubsan ? ubsan : "", t->dir, env ? env : "", bin,
       args, t->dir);
    char cmd[256], line[512] = "";
    snprintf(cmd, sizeof cmd, "tmux -L %s display-message -p -t tui '#{pid} #{socket_path}'",
             t->sock);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    if (fgets(line, sizeof line, p)) {
        line[strcspn(line, "\n")] = '\0';
        sscanf(line, "%d %255s", &t->server_pid, t->socket_path);
    }
    pclose(p);
}

void tui_keys(Tui *t, const char *keys) { sh("tmux -L %s send-keys -t tui %s", t->sock, keys); }

void tui_type(Tui *t, const char *bytes) {
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        execlp("tmux", "tmux", "-L", t->sock, "send-keys", "-t", "tui", "-l", bytes, (char *)NULL);
        _exit(127);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "tmux send-keys failed");
}

void tui_click(Tui *t, int col, int row) {
    cr_assert(col < 94 && row < 94, "X10 mouse reports stop at 94");
    char press[] = {'\033', '[', 'M', ' ', (char)(33 + col), (char)(33 + row), '\0'};
    tui_type(t, press);
}

const char *tui_capture(Tui *t) {
    char cmd[256];
    snprintf(cmd, sizeof cmd, "tmux -u -L %s capture-pane -p -t tui", t->sock);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t n = fread(t->screen, 1, sizeof t->screen - 1, p);
    t->screen[n] = '\0';
    pclose(p);
    return t->screen;
}

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int tui_wait(Tui *t, const char *text, int timeout_ms) {
    for (int waited = 0;; waited += 100) {
        if (strstr(tui_capture(t), text)) return 1;
        if (waited >= timeout_ms) return 0;
        sleep_ms(100);
    }
}

int tui_wait_gone(Tui *t, const char *text, int timeout_ms) {
    for (int waited = 0;; waited += 100) {
        if (!strstr(tui_capture(t), text)) return 1;
        if (waited >= timeout_ms) return 0;
        sleep_ms(100);
    }
}

int tui_wait_exit(Tui *t, int timeout_ms) {
    if (!tui_wait(t, "EXITED ", timeout_ms)) return -1;
    const char *at = strstr(t->screen, "EXITED ");
    return atoi(at + 7);
}

void tui_resize(Tui *t, int cols, int rows) {
    sh("tmux -L %s resize-window -t tui -x %d -y %d", t->sock, cols, rows);
}

void tui_stop(Tui *t) {
    if (!t->sock[0]) return;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "tmux -L %s kill-server 2>/dev/null", t->sock);
    if (system(cmd)) { /* no server left to kill: nothing to do */
    }
    /* The server this test started must not outlive it, even if it ignored kill-server. */
    for (int i = 0; t->server_pid > 0 && i < 20 && kill(t->server_pid, 0) == 0; i++) sleep_ms(50);
    if (t->server_pid > 0 && kill(t->server_pid, 0) == 0) kill(t->server_pid, SIGKILL);
    if (t->socket_path[0]) unlink(t->socket_path);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->dir);
    if (system(cmd)) fprintf(stderr, "could not remove %s\n", t->dir);
    t->sock[0] = '\0';
}

#include "progress.h"

#include <stdio.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

void progress_init(Progress *p, int enabled, const char *prefix) {
    *p = (Progress){.enabled = enabled, .prefix = prefix ? prefix : ""};
}

static int terminal_columns(void) {
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20) return ws.ws_col;
    return 80;
}

static void format_rate(double tok_s, char *out, size_t cap) {
    if (tok_s >= 1e6) snprintf(out, cap, "%.1fM", tok_s / 1e6);
    else if (tok_s >= 1e4) snprintf(out, cap, "%.1fk", tok_s / 1e3);
    else snprintf(out, cap, "%.0f", tok_s);
}

void progress_draw(Progress *p, const TrainerSnapshot *s, int force) {
    if (!p->enabled) return;
    double t = clock_monotonic();
    if (!force && t - p->last_draw < 0.1) return;
    p->last_draw = t;
    char eta[32] = "-", rate[32], tail[160];
    if (s->eta >= 0 && s->step > 0) clock_format_duration(s->eta, eta, sizeof eta);
    format_rate(s->last.tok_s, rate, sizeof rate);
    const char *state = s->phase == PHASE_PAUSED     ? " paused"
                        : s->phase == PHASE_STOPPING ? " stopping"
                                                     : "";
    int tail_len = snprintf(tail, sizeof tail, " %3d%% loss %.3f %s tok/s ETA %s%s",
                            s->steps ? (int)(100.0 * s->step / s->steps) : 0, (double)s->last.loss,
                            rate, eta, state);
    char head[64];
    int head_len = snprintf(head, sizeof head, "%sstep %d/%d ", p->prefix, s->step, s->steps);
    int bar = terminal_columns() - 1 - head_len - tail_len - 2;
    if (bar > 40) bar = 40;
    fprintf(stderr, "\r%s", head);
    if (bar >= 5) {
        int filled = s->steps ? (int)((double)bar * s->step / s->steps) : 0;
        fputc('[', stderr);
        for (int i = 0; i < bar; i++) fputc(i < filled ? '#' : '-', stderr);
        fputc(']', stderr);
    }
    fprintf(stderr, "%s\033[K", tail);
    fflush(stderr);
    p->visible = 1;
}

void progress_clear(Progress *p) {
    if (!p->visible) return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
    p->visible = 0;
}

#include "run.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

const char *exposure_bin(void) {
    const char *bin = getenv("EXPOSURE_BIN");
    return bin && *bin ? bin : "build/exposure";
}

typedef struct {
    char *data;
    size_t len, cap;
} Buf;

static void buf_add(Buf *b, const char *p, size_t n) {
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->data = realloc(b->data, b->cap);
        cr_assert_not_null(b->data);
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

const char *exposure_plain_bin(void) {
    const char *bin = getenv("EXPOSURE_PLAIN_BIN");
    return bin && *bin ? bin : "build/exposure";
}

/* In the child, before exec: resource limits stay across exec, and so does an ignored
 * signal, so that a write past RLIMIT_FSIZE fails with EFBIG instead of killing the child. */
static void apply_limits(const RunLimits *lim) {
    if (!lim) return;
    if (lim->fsize) {
        struct rlimit rl = {(rlim_t)lim->fsize, (rlim_t)lim->fsize};
        signal(SIGXFSZ, SIG_IGN);
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0) _exit(126);
    }
    if (lim->as) {
        struct rlimit rl = {(rlim_t)lim->as, (rlim_t)lim->as};
        if (setrlimit(RLIMIT_AS, &rl) != 0) _exit(126);
    }
}

static RunResult run_child(const char *const *args, const char *stdin_text, const RunLimits *lim) {
    int out[2], err[2], in[2];
    cr_assert_eq(pipe(out), 0);
    cr_assert_eq(pipe(err), 0);
    cr_assert_eq(pipe(in), 0);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        close(in[0]), close(in[1]), close(out[0]), close(out[1]), close(err[0]), close(err[1]);
        apply_limits(lim);
        const char *argv[64] = {lim && lim->bin ? lim->bin : exposure_bin()};
        int n = 1;
        for (; args[n - 1] && n < 63; n++) argv[n] = args[n - 1];
        argv[n] = NULL;
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(in[0]), close(out[1]), close(err[1]);
    if (stdin_text) {
        signal(SIGPIPE, SIG_IGN);
        ssize_t ignored = write(in[1], stdin_text, strlen(stdin_text));
        (void)ignored;
    }
    close(in[1]);
    Buf o = {0}, e = {0};
    buf_add(&o, "", 0);
    buf_add(&e, "", 0);
    struct pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    int open_fds = 2;
    while (open_fds > 0) {
        cr_assert(poll(fds, 2, -1) >= 0);
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
            char chunk[4096];
            ssize_t n = read(fds[i].fd, chunk, sizeof chunk);
            if (n <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            } else {
                buf_add(i == 0 ? &o : &e, chunk, (size_t)n);
            }
        }
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    RunResult r = {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), o.data,
                   e.data};
    return r;
}

RunResult run_exposure(const char *const *args, const char *stdin_text) {
    return run_child(args, stdin_text, NULL);
}

RunResult run_exposure_limited(const char *const *args, const RunLimits *lim) {
    return run_child(args, NULL, lim);
}

void run_free(RunResult *r) {
    free(r->out);
    free(r->err);
}

Child *spawn_exposure(const char *const *args) {
    int out[2];
    cr_assert_eq(pipe(out), 0);
    Child *c = calloc(1, sizeof *c);
    cr_assert_not_null(c);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        dup2(out[1], 1);
        close(out[0]);
        close(out[1]);
        /* What a background child says on stderr is not part of any assertion. */
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) dup2(devnull, 2);
        const char *argv[64] = {exposure_bin()};
        int n = 1;
        for (; args[n - 1] && n < 63; n++) argv[n] = args[n - 1];
        argv[n] = NULL;
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(out[1]);
    c->pid = pid;
    c->out_fd = out[0];
    return c;
}

int child_read_line(Child *c, char *line, size_t cap, int timeout_ms) {
    for (;;) {
        char *nl = memchr(c->buf, '\n', c->len);
        if (nl) {
            size_t n = (size_t)(nl - c->buf);
            size_t copy = n < cap - 1 ? n : cap - 1;
            memcpy(line, c->buf, copy);
            line[copy] = '\0';
            memmove(c->buf, nl + 1, c->len - n - 1);
            c->len -= n + 1;
            return 1;
        }
        struct pollfd p = {c->out_fd, POLLIN, 0};
        if (poll(&p, 1, timeout_ms) <= 0) return 0;
        if (c->len == sizeof c->buf) return 0;
        ssize_t got = read(c->out_fd, c->buf + c->len, sizeof c->buf - c->len);
        if (got <= 0) return 0;
        c->len += (size_t)got;
    }
}

int child_wait(Child *c) {
    int status;
    cr_assert_eq(waitpid(c->pid, &status, 0), c->pid);
    close(c->out_fd);
    free(c);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void gen_arith_file(const char *dir, int n, int seed, char *set, size_t cap) {
    char path[300], count[16], seed_text[16];
    snprintf(path, sizeof path, "%s/arith.jsonl", dir);
    snprintf(set, cap, "data.train=%s", path);
    snprintf(count, sizeof count, "%d", n);
    snprintf(seed_text, sizeof seed_text, "%d", seed);
    RunResult r = run_exposure((const char *[]){"data", "gen", "arith", "--n", count, "--seed",
                                                seed_text, "-o", path, NULL},
                               NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
}

/* Runs the tests registered through tests/tsan/criterion/criterion.h: every test, or those
 * whose "suite/name" starts with the argument (without its trailing '*'). Each test has its
 * suite's timeout times TIMEOUT_SCALE, for ThreadSanitizer's slowdown; a test that overruns
 * ends the run (SIGALRM). */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define MAX_TESTS 64
#define TIMEOUT_SCALE 5

typedef struct {
    const char *suite, *name;
    void (*fn)(void);
    const TsanSuite *s;
} Registered;

static Registered tests[MAX_TESTS];
static int n_tests;
static const Registered *current;

void tsan_register(const char *suite, const char *name, void (*fn)(void), const TsanSuite *s) {
    if (n_tests == MAX_TESTS) {
        fprintf(stderr, "tsan runner: more than %d tests; raise MAX_TESTS\n", MAX_TESTS);
        exit(2);
    }
    tests[n_tests++] = (Registered){suite, name, fn, s};
}

void tsan_fail(const char *file, int line, const char *what, const char *fmt, ...) {
    fprintf(stderr, "%s:%d: %s/%s: assertion failed: %s", file, line,
            current ? current->suite : "?", current ? current->name : "?", what);
    if (fmt[1]) { /* " message" */
        va_list ap;
        va_start(ap, fmt);
        fputc(':', stderr);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
    }
    fputc('\n', stderr);
    exit(1);
}

static int selected(const Registered *t, const char *filter) {
    if (!filter) return 1;
    char full[256];
    snprintf(full, sizeof full, "%s/%s", t->suite, t->name);
    size_t n = strcspn(filter, "*");
    return strncmp(full, filter, n) == 0;
}

int main(int argc, char **argv) {
    const char *filter = argc > 1 ? argv[1] : NULL;
    int ran = 0;
    for (int i = 0; i < n_tests; i++) {
        if (!selected(&tests[i], filter)) continue;
        current = &tests[i];
        printf("[tsan] %s/%s", current->suite, current->name);
        fflush(stdout);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        alarm((unsigned)(current->s->timeout ? current->s->timeout : 60) * TIMEOUT_SCALE);
        if (current->s->init) current->s->init();
        current->fn();
        if (current->s->fini) current->s->fini();
        alarm(0);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        printf(" %.2f s\n", (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9);
        ran++;
    }
    current = NULL;
    printf("[tsan] %d tests passed, no report from ThreadSanitizer\n", ran);
    return ran > 0 ? 0 : 1;
}

/* Runs the exposure binary as a child process and captures what it prints. The binary is
 * $EXPOSURE_BIN (make test points it at the sanitized build), else build/exposure. */
#ifndef EXPOSURE_TEST_RUN_H
#define EXPOSURE_TEST_RUN_H

#include <stddef.h>

typedef struct {
    int status; /* exit code, or 128 + signal number */
    char *out;  /* stdout, NUL-terminated */
    char *err;  /* stderr, NUL-terminated */
} RunResult;

/* args: NULL-terminated argument list after the program name. stdin_text may be NULL. */
RunResult run_exposure(const char *const *args, const char *stdin_text);

/* How to start the child, for the fault tests. Zero fields change nothing. */
typedef struct {
    const char *bin; /* another binary than exposure_bin() */
    long long fsize; /* RLIMIT_FSIZE in bytes, with SIGXFSZ ignored: writes past it fail */
    long long as;    /* RLIMIT_AS in bytes (not for the sanitized binary) */
} RunLimits;
RunResult run_exposure_limited(const char *const *args, const RunLimits *lim);
/* The binary without sanitizers: $EXPOSURE_PLAIN_BIN, else build/exposure. */
const char *exposure_plain_bin(void);
void run_free(RunResult *r);

/* Writes N arith problems of the given seed to DIR/arith.jsonl (exposure data gen) and puts
 * "data.train=<that file>" in set, for --set; asserts that the generation succeeded. */
void gen_arith_file(const char *dir, int n, int seed, char *set, size_t cap);
const char *exposure_bin(void);

/* A child running in the background with its stdout readable line by line. */
typedef struct {
    int pid;
    int out_fd;
    char buf[65536];
    size_t len;
} Child;

Child *spawn_exposure(const char *const *args);
/* Reads the next line of stdout into line (NUL-terminated, newline removed), waiting at most
 * timeout_ms. Returns 1, or 0 on end of output or timeout. */
int child_read_line(Child *c, char *line, size_t cap, int timeout_ms);
/* Waits for the child; returns its exit code (or 128 + signal) and frees c. */
int child_wait(Child *c);

#endif

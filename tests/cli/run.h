/* Runs the exposure binary as a child process and captures what it prints. The binary is
 * $EXPOSURE_BIN (make test points it at the sanitized build), else build/exposure. */
#ifndef EXPOSURE_TEST_RUN_H
#define EXPOSURE_TEST_RUN_H

typedef struct {
    int status; /* exit code, or 128 + signal number */
    char *out;  /* stdout, NUL-terminated */
    char *err;  /* stderr, NUL-terminated */
} RunResult;

/* args: NULL-terminated argument list after the program name. stdin_text may be NULL. */
RunResult run_exposure(const char *const *args, const char *stdin_text);
void run_free(RunResult *r);
const char *exposure_bin(void);

#endif

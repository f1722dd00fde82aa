#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_usage_error(const char *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "exposure %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(see exposure %s --help)\n", cmd);
    va_end(ap);
    return EXIT_USAGE;
}

int cli_is_help(const char *arg) { return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0; }

const char *cli_db_path(const char *flag_value) {
    if (flag_value && *flag_value) return flag_value;
    const char *env = getenv("EXPOSURE_DB");
    return env && *env ? env : "runs/exposure.db";
}

int cli_parse_long(const char *s, long min, long max, long *out) {
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max) return -1;
    *out = v;
    return 0;
}

#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

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

int cli_check_output(const char *cmd, const char *path) {
    char err[1200];
    if (!path || strcmp(path, "-") == 0 || fileguard_check_write(path, err, sizeof err) == 0)
        return EXIT_OK;
    fprintf(stderr, "exposure %s: %s\n", cmd, err);
    return EXIT_USAGE;
}

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

int cli_build_config(Config *c, const char *config_path, char *const *sets, int n_sets, char *err,
                     size_t cap) {
    config_defaults(c);
    if (config_path && config_load_file(c, config_path, err, cap)) return -1;
    for (int i = 0; i < n_sets; i++) {
        char why[512];
        if (config_set(c, sets[i], why, sizeof why)) {
            snprintf(err, cap, "--set %s", why);
            return -1;
        }
    }
    return config_resolve(c, err, cap);
}

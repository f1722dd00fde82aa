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
    fprintf(stderr, "exposure%s%s: ", *cmd ? " " : "", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(see exposure%s%s --help)\n", *cmd ? " " : "", cmd);
    va_end(ap);
    return EXIT_USAGE;
}

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

/* --from V: --set train.init_from=V, which no --set may name as well. */
static int apply_from(Config *c, const Args *a, int from_flag, int set_flag, char *err,
                      size_t cap) {
    const char *from = from_flag >= 0 ? args_value(a, from_flag) : NULL;
    if (!from) return 0;
    static const char key[] = "train.init_from=";
    for (int i = 0; i < args_count(a, set_flag); i++)
        if (strncmp(args_nth(a, set_flag, i), key, sizeof key - 1) == 0) {
            snprintf(err, cap, "--from and --set train.init_from name the same key: give one");
            return -1;
        }
    char assignment[LIMIT_CONFIG_STRING + sizeof key], why[512];
    if (snprintf(assignment, sizeof assignment, "%s%s", key, from) >= (int)sizeof assignment) {
        snprintf(err, cap, "--from: too long (at most %d bytes)", LIMIT_CONFIG_STRING - 1);
        return -1;
    }
    if (config_set(c, assignment, why, sizeof why)) {
        snprintf(err, cap, "--from: %s", why);
        return -1;
    }
    return 0;
}

int cli_build_config(Config *c, const Args *a, const CliConfigFlags *f, const char *db_path,
                     char *err, size_t cap) {
    config_defaults(c);
    const char *path = args_value(a, f->config);
    if (path && config_load_file(c, path, err, cap)) return -1;
    for (int i = 0; i < args_count(a, f->set); i++) {
        char why[512];
        if (config_set(c, args_nth(a, f->set, i), why, sizeof why)) {
            snprintf(err, cap, "--set %s", why);
            return -1;
        }
    }
    if (apply_from(c, a, f->from, f->set, err, cap)) return -1;
    if (db_path && warmstart_adopt_shape(c, db_path, NULL, err, cap)) return -1;
    return config_resolve(c, err, cap);
}

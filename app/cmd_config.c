/* exposure config: the configuration keys, the default, and what a config resolves to. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

enum { F_CONFIG, F_SET };
static const ArgFlag flags[] = {
    [F_CONFIG] = {"--config", NULL, "F", 0, "show: a JSON config file on top of the default"},
    [F_SET] = {"--set", NULL, "key=value", 1, "show: change one key"},
    {0},
};

static void type_text(const ConfigKey *k, char *out, size_t cap) {
    switch (k->type) {
    case CT_INT:
        if (k->max >= 1e9) snprintf(out, cap, "integer >= %g", k->min);
        else snprintf(out, cap, "integer %g..%g", k->min, k->max);
        break;
    case CT_FLOAT:
        if (k->max >= 1e9) snprintf(out, cap, "number >= %g", k->min);
        else snprintf(out, cap, "number %g..%g", k->min, k->max);
        break;
    case CT_BOOL: snprintf(out, cap, "true|false"); break;
    case CT_STRING: snprintf(out, cap, "string"); break;
    case CT_REFRESH: snprintf(out, cap, "epoch|batch|N"); break;
    case CT_POINTS: snprintf(out, cap, "[[step,omega],...]"); break;
    case CT_ENUM: {
        size_t len = 0;
        out[0] = '\0';
        for (int i = 0; k->choices[i] && len < cap; i++)
            len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? "|" : "", k->choices[i]);
        break;
    }
    }
}

static int list_keys(void) {
    int n;
    const ConfigKey *keys = config_keys(&n);
    Config def;
    config_defaults(&def);
    for (int i = 0; i < n; i++) {
        char type[256], value[256];
        type_text(&keys[i], type, sizeof type);
        config_get(&def, keys[i].key, value, sizeof value);
        printf("%-28s %-4s %s\n    default %s; %s\n", keys[i].key, keys[i].live ? "live" : "", type,
               value, keys[i].help);
        const char *rule = config_derived_rule(keys[i].key);
        if (rule) printf("    when not set: %s\n", rule);
    }
    printf("\n\"live\" keys can be changed while a run trains; "
           "the change applies at the next step.\n"
           "A key set in a --config file, with --set or in the interface is used as given. A key\n"
           "not set that depends on others (\"when not set\") takes a value that fits them, and\n"
           "the run stores the value used (exposure config show prints them). Only a conflict\n"
           "between keys that were both set is refused, naming both and a value that works.\n");
    return EXIT_OK;
}

static int show(const Args *a) {
    Config c;
    char err[1024];
    const CliConfigFlags config_flags = {F_CONFIG, F_SET, -1};
    if (cli_build_config(&c, a, &config_flags, cli_db_path(a->db), err, sizeof err)) {
        fprintf(stderr, "exposure config: %s\n", err);
        return EXIT_USAGE;
    }
    char *json = config_to_json(&c, 1);
    if (!json) return EXIT_RUNTIME;
    printf("%s\n", json);
    free(json);
    return EXIT_OK;
}

static int run(const Args *a) {
    if (a->n_positional < 1) return cli_usage_error("config", "which one: keys, default or show?");
    const char *action = a->positional[0];
    int is_show = strcmp(action, "show") == 0;
    if (!is_show && strcmp(action, "keys") != 0 && strcmp(action, "default") != 0)
        return cli_usage_error("config", "unknown action '%s' (keys, default or show)", action);
    if (args_max_positional(a, 1) || args_allow_only(a, is_show ? ~0ul : 0ul, action))
        return EXIT_USAGE;
    if (is_show) return show(a);
    if (strcmp(action, "keys") == 0) return list_keys();
    fputs(config_default_json(), stdout);
    return EXIT_OK;
}

const Command command_config = {
    .name = "config",
    .summary = "config keys | default | show [--config F] [--set key=value]...",
    .usage = "exposure config keys\n"
             "       exposure config default\n"
             "       exposure config show [--config F] [--set key=value]...",
    .about = "  keys     every key: type, allowed values, default, how it follows other keys when\n"
             "           not set, whether it can change while a run trains\n"
             "  default  the built-in default config (assets/configs/default.json)\n"
             "  show     the config that --config and --set resolve to, every key, as JSON: keys\n"
             "           not set take values that fit the keys they depend on\n",
    .flags = flags,
    .more_help = NULL,
    .run = run,
};

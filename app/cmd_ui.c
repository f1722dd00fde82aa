/* exposure ui: the terminal interface (also what `exposure` with no arguments starts on a
 * terminal). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "ui.h"

static const char usage[] =
    "usage: exposure ui [--db F] [--config F] [--set key=value]...\n"
    "\n"
    "The terminal interface: pick a dataset, set the config and the mixing schedule, train\n"
    "with live charts, step through evaluation samples and their corrections, compare runs.\n"
    "Press ? on any screen for its keys.\n"
    "  --db F          the run store (default runs/exposure.db, or $EXPOSURE_DB)\n"
    "  --config F      start from this JSON config instead of the default\n"
    "  --set key=value change one key of the starting config (repeatable)\n"
    "Preferences live in $XDG_CONFIG_HOME/exposure/tui.json (default ~/.config/exposure).\n";

int cmd_ui(int argc, char **argv) {
    const char *db = NULL, *config = NULL;
    char *sets[256];
    int n_sets = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (cli_is_help(arg)) {
            fputs(usage, stdout);
            return EXIT_OK;
        }
        if (strcmp(arg, "--db") && strcmp(arg, "--config") && strcmp(arg, "--set"))
            return cli_usage_error("ui", "unknown argument '%s'", arg);
        if (i + 1 >= argc) return cli_usage_error("ui", "%s needs a value", arg);
        const char *value = argv[++i];
        if (!strcmp(arg, "--db")) db = value;
        else if (!strcmp(arg, "--config")) config = value;
        else if (n_sets == 256) return cli_usage_error("ui", "too many --set");
        else sets[n_sets++] = (char *)value;
    }
    Config cfg;
    char err[1024];
    if (cli_build_config(&cfg, config, sets, n_sets, err, sizeof err)) {
        fprintf(stderr, "exposure ui: %s\n", err);
        return EXIT_USAGE;
    }
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "exposure ui: needs a terminal on stdin and stdout\n");
        return EXIT_USAGE;
    }
    UiOptions opt = {.db_path = cli_db_path(db), .config = &cfg};
    return ui_run(&opt) ? EXIT_RUNTIME : EXIT_OK;
}

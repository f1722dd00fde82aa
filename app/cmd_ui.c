/* exposure ui: the terminal interface (also what `exposure` with no command starts on a
 * terminal). */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "ui.h"

enum { F_CONFIG, F_SET };
static const ArgFlag flags[] = {
    [F_CONFIG] = {"--config", NULL, "F", 0, "start from this JSON config instead of the default"},
    [F_SET] = {"--set", NULL, "key=value", 1, "change one key of the starting config"},
    {0},
};

static void more_help(FILE *out) {
    fputs("Preferences live in $XDG_CONFIG_HOME/exposure/tui.json (default ~/.config/exposure).\n",
          out);
}

static int run(const Args *a) {
    if (args_max_positional(a, 0)) return EXIT_USAGE;
    Config cfg;
    char err[1024];
    const CliConfigFlags config_flags = {F_CONFIG, F_SET, -1};
    if (cli_build_config(&cfg, a, &config_flags, cli_db_path(a->db), err, sizeof err)) {
        fprintf(stderr, "exposure ui: %s\n", err);
        return EXIT_USAGE;
    }
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "exposure ui: needs a terminal on stdin and stdout\n");
        return EXIT_USAGE;
    }
    UiOptions opt = {.db_path = cli_db_path(a->db), .config = &cfg};
    return ui_run(&opt) ? EXIT_RUNTIME : EXIT_OK;
}

const Command command_ui = {
    .name = "ui",
    .summary = "ui [--config F] [--set key=value]...   (the terminal interface)",
    .usage = "exposure ui [--config F] [--set key=value]... [--db F]",
    .about =
        "The terminal interface: pick a dataset, set the config and the mixing schedule, train\n"
        "with live charts, step through evaluation samples and their corrections, compare runs.\n"
        "Press ? on any screen for its keys.\n",
    .flags = flags,
    .more_help = more_help,
    .run = run,
};

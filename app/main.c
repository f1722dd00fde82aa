/* exposure: the command-line front end. Finds the command, parses its line with the global
 * options (args.h), and runs it; exit codes are 0 success, 1 runtime failure, 2 bad usage,
 * config or input. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "commands.h"
#include "nn.h"
#include "util.h"

const Command *const commands[] = {
    &command_bench,     &command_config, &command_data, &command_eval,
    &command_model,     &command_report, &command_runs, &command_sweep,
    &command_tokenizer, &command_train,  &command_ui,   NULL,
};

/* The version, then the machine and the kernels OpenBLAS runs on it (kernels.h). */
static void print_version(void) {
    char machine[1024];
    kernels_describe(kernels_info(), "", machine, sizeof machine);
    printf("exposure %s\n%s", EXPOSURE_VERSION, machine);
}

static void print_program_help(FILE *out) {
    fputs("exposure " EXPOSURE_VERSION " - a terminal laboratory for exposure bias\n"
          "\n"
          "usage:\n",
          out);
    for (const Command *const *c = commands; *c; c++)
        fprintf(out, "  exposure %s\n", (*c)->summary);
    fputs("  exposure [--db F]        on a terminal: the terminal interface, as exposure ui\n"
          "  exposure --version | --help\n"
          "\n",
          out);
    args_print_global_options(out);
    fputs("\nEvery command takes --help. Exit codes: 0 success, 1 runtime failure,\n"
          "2 bad usage, config or input.\n",
          out);
}

static void print_command_help(const Command *c, FILE *out) {
    fprintf(out, "usage: %s\n\n%s\n", c->usage, c->about);
    args_print_flags(out, c->flags);
    if (c->more_help) {
        fputc('\n', out);
        c->more_help(out);
    }
}

static const Command *find_command(const char *name) {
    for (const Command *const *c = commands; *c; c++)
        if (strcmp((*c)->name, name) == 0) return *c;
    return NULL;
}

static int unknown_command(const char *name) {
    const char *names[16];
    int n = 0;
    for (const Command *const *c = commands; *c && n < 16; c++) names[n++] = (*c)->name;
    const char *near = args_closest(name, names, n);
    if (near) return cli_usage_error("", "unknown command '%s' (did you mean %s?)", name, near);
    return cli_usage_error("", "unknown command '%s'", name);
}

/* Where the command's name is: the first word that is neither an option nor the value of the
 * global --db before it; -1 when there is none. */
static int command_position(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) return i + 1 < argc ? i + 1 : -1;
        if (strcmp(argv[i], "--db") == 0) i++;
        else if (argv[i][0] != '-' || argv[i][1] == '\0') return i;
    }
    return -1;
}

/* Without a command: help, the version, or on a terminal the interface on --db. */
static int no_command(const Args *global) {
    if (global->help) print_program_help(stdout);
    else if (global->version) print_version();
    else if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) print_program_help(stdout);
    else {
        Args ui;
        int rc = args_parse(&ui, command_ui.name, command_ui.flags, 0, NULL);
        ui.db = global->db;
        if (!rc) rc = command_ui.run(&ui);
        args_free(&ui);
        return rc;
    }
    return EXIT_OK;
}

/* The command's own words, with the global options given before its name merged in. */
static int run_command(const Command *cmd, const Args *global, int argc, char **argv, char **line,
                       int line_len) {
    Args a;
    int rc = global->help ? 0 : args_parse(&a, cmd->name, cmd->flags, argc, argv);
    if (global->help) a = (Args){.help = 1};
    else if (!rc && global->db && a.db)
        rc = cli_usage_error(cmd->name, "--db given twice ('%s' and '%s')", global->db, a.db);
    if (!rc) {
        if (global->db) a.db = global->db;
        a.line = line;
        a.line_len = line_len;
        if (a.help) print_command_help(cmd, stdout);
        else if (a.version || global->version) print_version();
        else rc = cmd->run(&a);
    }
    args_free(&a);
    return rc;
}

static int dispatch(int argc, char **argv) {
    int at = command_position(argc, argv);
    const Command *cmd = at > 0 ? find_command(argv[at]) : NULL;
    /* Only training is shared between processes; anything else started on several would
     * do the same work several times (and write the same rows). */
    if (dist_size() > 1 && cmd != &command_train) {
        if (dist_rank() == 0)
            fprintf(stderr,
                    "exposure %s: runs in one process; only exposure train runs on "
                    "several (docs/distributed.md)\n",
                    at > 0 ? argv[at] : "");
        return EXIT_USAGE;
    }
    Args global;
    int rc = args_parse(&global, "", NULL, (at > 0 ? at : argc) - 1, argv + 1);
    if (rc == 0 && at > 0 && !cmd) rc = global.help ? 0 : unknown_command(argv[at]);
    if (rc == 0 && global.n_positional > 0 && !global.help)
        rc = cli_usage_error("", "unexpected argument '%s'", global.positional[0]);
    if (rc == 0 && cmd)
        rc = run_command(cmd, &global, argc - at - 1, argv + at + 1, argv + 1, argc - 1);
    else if (rc == 0 && at > 0 && global.help) print_program_help(stdout);
    else if (rc == 0) rc = no_command(&global);
    args_free(&global);
    return rc;
}

int main(int argc, char **argv) {
    /* First: it may run the program again with better BLAS kernels. */
    kernels_startup(argv);
    char err[512];
    int rc = dist_init(&argc, &argv, err, sizeof err);
    if (rc) {
        fprintf(stderr, "exposure: %s\n", err);
        return rc == DIST_EUSAGE ? EXIT_USAGE : EXIT_RUNTIME;
    }
    rc = dispatch(argc, argv);
    dist_finalize();
    return rc;
}

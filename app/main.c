/* exposure: the command-line front end. Dispatches to subcommands; exit codes are
 * 0 success, 1 runtime failure, 2 bad usage, config or input. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "nn.h"
#include "util.h"

const Command commands[] = {
    {"bench", cmd_bench, "bench [--model S|M|all] [--steps N] [--threads N] [--json]"},
    {"config", cmd_config, "config keys | default | show [--config F] [--set key=value]..."},
    {"data", cmd_data, "data gen TASK --n N --seed S -o FILE | check FILE [--layout L]"},
    {"eval", cmd_eval, "eval --run ID [--split val|test] [--data F] [--db F] [--jsonl]"},
    {"report", cmd_report, "report --sweep ID [-o FILE] [--plots DIR] [--db F]"},
    {"runs", cmd_runs,
     "runs list | show ID | compare ID... | export ID [--format csv|json] | plot ID... --svg F"
     " | rm ID"},
    {"sweep", cmd_sweep,
     "sweep [--config F] [--methods M,..] [--seeds S,..] [--tasks T,..] [--test] [--set k=v]..."},
    {"train", cmd_train,
     "train [--config F] [--set key=value]... [--db F] [--name N] [--jsonl] [--quiet]"},
    {"ui", cmd_ui, "ui [--db F] [--config F] [--set key=value]...   (the terminal interface)"},
    {NULL, NULL, NULL},
};

static void print_help(FILE *out) {
    fputs("exposure " EXPOSURE_VERSION " - a terminal laboratory for exposure bias\n"
          "\n"
          "usage:\n",
          out);
    for (const Command *c = commands; c->name; c++) fprintf(out, "  exposure %s\n", c->usage);
    fputs("  exposure                 (on a terminal: the terminal interface, as exposure ui)\n"
          "  exposure --version | --help\n"
          "\n"
          "Every command takes --help. Exit codes: 0 success, 1 runtime failure,\n"
          "2 bad usage, config or input.\n",
          out);
}

static int dispatch(int argc, char **argv) {
    /* Only training is shared between processes; anything else started on several would
     * do the same work several times (and write the same rows). */
    if (dist_size() > 1 && (argc < 2 || strcmp(argv[1], "train") != 0)) {
        if (dist_rank() == 0)
            fprintf(stderr,
                    "exposure %s: runs in one process; only exposure train runs on "
                    "several (docs/distributed.md)\n",
                    argc < 2 ? "" : argv[1]);
        return EXIT_USAGE;
    }
    if (argc < 2 && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
        char *no_args[] = {"ui", NULL};
        return cmd_ui(1, no_args);
    }
    if (argc < 2 || cli_is_help(argv[1])) {
        print_help(stdout);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("exposure %s\n", EXPOSURE_VERSION);
        return EXIT_OK;
    }
    for (const Command *c = commands; c->name; c++)
        if (strcmp(argv[1], c->name) == 0) return c->run(argc - 1, argv + 1);
    fprintf(stderr, "exposure: unknown command '%s' (see exposure --help)\n", argv[1]);
    return EXIT_USAGE;
}

int main(int argc, char **argv) {
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

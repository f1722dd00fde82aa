/* exposure: the command-line front end. Dispatches to subcommands; exit codes are
 * 0 success, 1 runtime failure, 2 bad usage, config or input. */
#include <stdio.h>
#include <string.h>

#include "version.h"

static void print_help(FILE *out) {
    fputs("exposure " EXPOSURE_VERSION " - a terminal laboratory for exposure bias\n"
          "\n"
          "usage: exposure [--version | --help]\n",
          out);
}

int main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        print_help(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("exposure %s\n", EXPOSURE_VERSION);
        return 0;
    }
    fprintf(stderr, "exposure: unknown command '%s' (see exposure --help)\n", argv[1]);
    return 2;
}

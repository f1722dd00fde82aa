/* The commands: each declares its flags and help next to its code, and main parses its
 * command line (args.h) before running it. */
#ifndef EXPOSURE_COMMANDS_H
#define EXPOSURE_COMMANDS_H

#include <stdio.h>

#include "args.h"

typedef struct {
    const char *name;
    const char *summary;          /* one line for exposure --help, after "exposure " */
    const char *usage;            /* the usage lines of its help, each "exposure ..." */
    const char *about;            /* what it does, for its help */
    const ArgFlag *flags;         /* ending with a zeroed entry */
    void (*more_help)(FILE *out); /* printed at the end of its help, or NULL */
    /* Runs the command on its parsed line (help and version are handled before); returns the
     * process exit code (cli.h). */
    int (*run)(const Args *a);
} Command;

/* Every command, in the order of exposure --help, ending with NULL. */
extern const Command *const commands[];

extern const Command command_bench, command_config, command_data, command_eval, command_model,
    command_report, command_runs, command_sweep, command_tokenizer, command_train, command_ui;

#endif

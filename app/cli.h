/* What the subcommands share: exit codes, usage errors, the database location. */
#ifndef EXPOSURE_CLI_H
#define EXPOSURE_CLI_H

#include <stddef.h>

#include "args.h"
#include "train.h"

enum {
    EXIT_OK = 0,      /* success */
    EXIT_RUNTIME = 1, /* a runtime failure (I/O, database, a run that failed) */
    EXIT_USAGE = 2,   /* bad usage, config or input; the message says which */
};

/* Prints "exposure CMD: message" and a pointer to --help on stderr; returns EXIT_USAGE. cmd
 * "" stands for the program itself. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The run database: the --db value when given, else $EXPOSURE_DB, else ./runs/exposure.db. */
const char *cli_db_path(const char *flag_value);

/* Before writing an output file: EXIT_OK, or, when path holds an SQLite database (a run
 * store, which writing would destroy), prints "exposure CMD: PATH: ..." and returns
 * EXIT_USAGE. NULL and "-" (stdout) are fine. */
int cli_check_output(const char *cmd, const char *path);

/* Parses a whole decimal integer in [min, max]; returns 0, or -1 when s is not one. */
int cli_parse_long(const char *s, long min, long max, long *out);

/* The flags of a command that make a run configuration: indices into its flag table. */
typedef struct {
    int config; /* --config F */
    int set;    /* --set key=value, repeatable */
    int from;   /* --from ID[:STEP], as --set train.init_from=ID[:STEP]; -1 for none */
} CliConfigFlags;

/* Builds a run configuration: the embedded default, then the --config file (when given), then
 * the "key=value" of each --set and --from, then the keys derived from those
 * (config_resolve). When train.init_from names a checkpoint, it is found in the run store
 * db_path and its model shape taken (warmstart_adopt_shape): a shape key not set is the
 * checkpoint's, one set that differs is refused naming each such key. A NULL db_path leaves
 * the checkpoint unread and its shape to the trainer (a rank of a job other than 0, which
 * trains rank 0's config). Returns 0, or -1 with the message (naming the file, line or key)
 * in err. */
int cli_build_config(Config *c, const Args *a, const CliConfigFlags *flags, const char *db_path,
                     char *err, size_t cap);

#endif

/* The command-line grammar every command shares. A command declares its flags in a table (name,
 * another spelling, whether it takes a value, whether it may repeat, help); one parser reads
 * `--flag value` and `--flag=value` in any order among the positional arguments, together with
 * the global options (--db F, --help, --version), which every command accepts before or after
 * its name. The parser never prints help and never exits: it says what was asked, and main
 * acts on it. */
#ifndef EXPOSURE_ARGS_H
#define EXPOSURE_ARGS_H

#include <stdio.h>

typedef struct {
    const char *name;  /* "--config", "-o" */
    const char *alias; /* another spelling ("--output"), or NULL */
    const char *value; /* what the value is, for help ("F", "key=value"); NULL: a switch */
    int repeatable;    /* every occurrence is kept (--set); otherwise a value flag comes once */
    const char *help;  /* one line */
} ArgFlag;

typedef struct {
    int flag;          /* index into the command's table */
    const char *value; /* NULL for a switch */
} ArgUse;

typedef struct {
    const char *command;  /* for messages: "train", or "" before any command */
    const ArgFlag *flags; /* the command's table, ending with a zeroed entry */
    ArgUse *uses;         /* the command's flags as given, in order */
    int n_uses;
    char **positional; /* the other words, in order */
    int n_positional;
    const char *db;    /* the global --db, or NULL */
    int help, version; /* the global --help (or -h) and --version were given */
    /* The whole command line after the program's name, as typed (main sets it), for records
     * of how something was run. */
    char **line;
    int line_len;
} Args;

/* Parses the words of a command line (without the program and command names) against flags
 * (ending with a zeroed entry) and the global options. "--" ends the flags. Returns 0, or
 * EXIT_USAGE after printing "exposure COMMAND: ..." on stderr: an unknown flag (with the
 * closest known one), a missing value, a value given to a switch, a flag given twice. When
 * --help is among the words it returns 0 with help set, whatever else is wrong. Free with
 * args_free in either case. */
int args_parse(Args *a, const char *command, const ArgFlag *flags, int argc, char **argv);
void args_free(Args *a);

/* How many times the flag was given. */
int args_count(const Args *a, int flag);
/* The value of the flag's i-th occurrence (0 is the first), or NULL. */
const char *args_nth(const Args *a, int flag, int i);
/* The value of a flag given once, or NULL when it was not given. */
const char *args_value(const Args *a, int flag);

/* EXIT_USAGE with "exposure COMMAND: WHAT does not take --x" when a flag outside allowed
 * (bit i for flag i) was given, else 0. */
int args_allow_only(const Args *a, unsigned long allowed, const char *what);
/* EXIT_USAGE with "exposure COMMAND: unexpected argument 'x'" when more than max positional
 * arguments were given, else 0. */
int args_max_positional(const Args *a, int max);

/* The options of a command's help, one line a flag, then the global options, which every
 * command's help lists in the same words; args_print_global_options prints only those. */
void args_print_flags(FILE *out, const ArgFlag *flags);
void args_print_global_options(FILE *out);

/* Of the n names, the one closest to word (for "did you mean"), or NULL when none is close. */
const char *args_closest(const char *word, const char *const *names, int n);

#endif

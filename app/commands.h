/* The subcommands. Each takes the arguments from its own name on (argv[0] is the name)
 * and returns the process exit code (see cli.h). */
#ifndef EXPOSURE_COMMANDS_H
#define EXPOSURE_COMMANDS_H

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *usage; /* one line, shown by exposure --help */
} Command;

/* The table main() dispatches on, ending with a zeroed entry. */
extern const Command commands[];

int cmd_bench(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_data(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_runs(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_ui(int argc, char **argv);

#endif

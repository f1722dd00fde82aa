/* What `exposure sweep`'s two grids share: the parsed arguments, the plan read from a preset,
 * and the steps of one run (its config, training, test evaluation, the line it prints). The
 * plain grid (tasks x methods x seeds) is in cmd_sweep.c, the warm-start study (per task and
 * seed a parent, then one continuation per arm) in sweep_study.c. */
#ifndef EXPOSURE_SWEEP_INTERNAL_H
#define EXPOSURE_SWEEP_INTERNAL_H

#include <cJSON.h>
#include <signal.h>
#include <stdint.h>

#include "cli.h"
#include "train.h"

#define SWEEP_MAX_LIST 32

typedef struct {
    const Args *args; /* the --set overrides, and the line for the sweep's record */
    const char *config, *db, *name, *preset;
    int jsonl, quiet, test, quick;
    char *methods[SWEEP_MAX_LIST], *seeds[SWEEP_MAX_LIST], *tasks[SWEEP_MAX_LIST];
    int n_methods, n_seeds, n_tasks;
    char *lists[3]; /* the strtok'd copies of the list arguments */
} SweepArgs;

/* One arm of a study: a name, the method it trains with, its config overlay and the tasks it
 * runs on (NULL: all). */
typedef struct {
    char name[32];
    char method[16];
    const cJSON *config, *tasks;
} SweepArm;

/* The plan: the base config as JSON overlays, and the grid. In a study, methods[] are the
 * arms' names and arms[] their definitions. */
typedef struct {
    cJSON *preset; /* the parsed preset file, or NULL */
    const cJSON *base, *quick, *per_method, *per_task;
    int study; /* 1 for a warm-start study ("study": "warmstart") */
    SweepArm arms[SWEEP_MAX_LIST];
    char methods[SWEEP_MAX_LIST][32];
    int seeds[SWEEP_MAX_LIST];
    char tasks[SWEEP_MAX_LIST][LIMIT_CONFIG_STRING];
    int n_methods, n_seeds, n_tasks;
} Plan;

/* A run's part in a study, and so the preset's overlays it takes after the task's: "parent",
 * "continuation" or "oracle" (each {"config": {...}, "tasks": {TASK: {...}}}, and the same
 * under "quick"); SWEEP_PLAIN for a plain grid's run. */
typedef enum { SWEEP_PLAIN, SWEEP_AS_PARENT, SWEEP_AS_CONTINUATION, SWEEP_AS_ORACLE } SweepPart;

/* Ctrl-C and SIGTERM: the count of signals received. */
extern volatile sig_atomic_t sweep_interrupts;

typedef struct {
    int index, total;
    const char *task, *arm;
    int seed;
} SweepSlot;

/* The config of one run: the preset's base, its quick version, --config, the task, the part's
 * overlays, the method's (or the arm's) overlay, --set, then the method, seed and, when
 * init_from is not NULL, train.init_from. task is "" when the sweep keeps the config's data.
 * Returns 0, or -1 with a message. */
int sweep_run_config(const SweepArgs *a, const Plan *p, const char *task, SweepPart part,
                     const char *arm, int seed, const char *init_from, Config *c, char *err,
                     size_t cap);

/* Trains one run under the sweep; its status ("completed", "stopped", "failed") goes to
 * status. Returns the run id, -2 for bad input or -1 with a message in err. */
int64_t sweep_train_one(const Config *c, const TrainerOptions *opt, const SweepSlot *slot,
                        const SweepArgs *a, char *status, size_t cap, char *err, size_t errcap);

/* Evaluates a completed run on its test split (against oracle when not 0) into r; returns r, or
 * NULL after printing why not. */
RunEvalResult *sweep_test(Store *store, int64_t run, int64_t oracle, RunEvalResult *r);

/* The line (and with --jsonl the JSON event) for a finished run. */
void sweep_announce(const SweepArgs *a, const SweepSlot *slot, int64_t run, const char *status,
                    const RunEvalResult *test);

/* The warm-start study's grid (sweep_study.c). Returns the exit code. */
int sweep_study_run(const SweepArgs *a, const Plan *p, Store *store, int64_t sweep, const char *db);
/* Reads the study's arms from the preset into p (methods[] are their names, in the preset's
 * order, filtered by --methods). Returns 0, or -1 with a message. */
int sweep_study_plan(const SweepArgs *a, Plan *p, char *err, size_t cap);

#endif

/* The results of a sweep, grouped by task and arm (a method with its settings; in a plain
 * sweep the method itself): every run's final metrics and their mean and sample standard
 * deviation over seeds, and differences between arms paired by seed. Shared by `exposure
 * sweep` (its closing table) and `exposure report`. */
#ifndef EXPOSURE_SWEEP_STATS_H
#define EXPOSURE_SWEEP_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "store.h"

enum {
    SM_EM,
    SM_F1,
    SM_ROUGE_L,
    SM_TF_ACC,
    SM_FR_ACC,
    SM_GAP,
    SM_FIRST_ERR,
    SM_CORRECTIONS,
    SM_CORRECTED,
    SM_CORRECTED_RIGHT,
    SM_ANSWER_ACC,
    SM_ED_ACC,
    SM_RECOVERY,
    SM_CORR_PRECISION,
    SM_CORR_RECALL,
    SM_EPS,
    SM_ACC_ERR,
    SM_EX_ACC_ERR,
    SM_ORACLE_RUN,
    SM_ORACLE_STEP,
    SM_LOSS,
    SM_DIFF_FRAC,      /* the training steps' mean where ω > 0 */
    SM_RAC_INSERTIONS, /* likewise */
    SM_MINUTES,
    SM_COUNT
};
/* A column's name: the metric's ("em", ...; stored as "<split>/<name>"), or "minutes". */
const char *sweep_metric_name(int m);

typedef struct {
    int64_t run;
    int seed;
    char status[16];
    double v[SM_COUNT]; /* NaN when the run has no such metric */
} SweepRun;

/* A run's part in a warm-start study (exposure sweep --preset paper), from its tags: a
 * parent that the arms continue from, an oracle that the evaluations are measured against, or
 * an arm (every run of a plain sweep). */
typedef enum { SWEEP_ARM, SWEEP_PARENT, SWEEP_ORACLE } SweepRole;
/* The tags that mark them ("study=parent", "study=oracle", "arm=NAME"). */
#define SWEEP_TAG_PARENT "study=parent"
#define SWEEP_TAG_ORACLE "study=oracle"
#define SWEEP_TAG_ARM "arm="

typedef struct {
    char task[LIMIT_CONFIG_STRING];
    char arm[32];    /* the arm's name; the method's in a plain sweep, "parent", "oracle" */
    char method[16]; /* the method it trained with */
    SweepRole role;
    SweepRun *runs;
    int n;
    double mean[SM_COUNT], sd[SM_COUNT]; /* over runs with the metric; sd 0 for one run */
} SweepCell;

typedef struct {
    int64_t sweep;
    char split[8];    /* "test" when every run was evaluated on it, else "val" */
    SweepCell *cells; /* in order of first appearance: task, then arm */
    int n;
} SweepTable;

/* Returns 0, or -1 with a message in err. */
int sweep_table_load(Store *s, int64_t sweep, SweepTable *t, char *err, size_t cap);
void sweep_table_free(SweepTable *t);

/* 1 when some run of the task has a value of metric m (answer_acc only where the data has
 * final answers, the oracle metrics only where a run was evaluated against one). */
int sweep_task_has(const SweepTable *t, const char *task, int m);

/* The cell of the task's baseline arm (the arm named "baseline", else the first arm that
 * trained with the baseline method), or NULL. */
const SweepCell *sweep_baseline(const SweepTable *t, const char *task);

/* The difference c - b of metric m paired by seed (runs of the same seed share their
 * initialisation, data order and, in a warm-start study, their parent): the mean of the
 * per-seed differences, its standard error (their sd / sqrt(n)) and the number of pairs.
 * Returns 0, or -1 when fewer than one pair has the metric (se is NaN for one pair). */
int sweep_paired(const SweepCell *c, const SweepCell *b, int m, double *mean, double *se, int *n);

/* "0.512 ± 0.031" (or "-" when NaN), in the metric's format. */
void sweep_format(int metric, double mean, double sd, char *out, size_t cap);
/* One value in the metric's format, or "-" when NaN. */
void sweep_format_value(int metric, double v, char *out, size_t cap);

/* A plain-text table per task: arms by rows; em, answer_acc (where the task has final
 * answers), f1, rougeL, ed_acc, fr_acc, gap, first_err and minutes as mean ± sd. */
void sweep_table_print(const SweepTable *t, FILE *out);

#endif

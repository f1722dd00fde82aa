/* The metrics a run records, one table. The trainer stores the per-step ones under their
 * name ("loss") and every evaluation the per-evaluation ones as "<split>/<name>" ("val/em");
 * the run store, `exposure runs`, the sweep tables, the report and the interface take their
 * names, their direction and their format from here. Adding a metric is a line here and the
 * code that computes it (trainer_step_metric, eval_metric).
 *
 * X(ID, name, format, flags): format is how one value is printed in tables ("%.3f"); flags
 * are the METRIC_* bits below. */
#ifndef EXPOSURE_METRIC_TABLE_H
#define EXPOSURE_METRIC_TABLE_H

#include <stddef.h>

#define METRIC_TABLE(X)                                                                            \
    X(METRIC_LOSS, "loss", "%.4f", METRIC_PER_STEP | METRIC_PER_EVAL | METRIC_LOWER_IS_BETTER)     \
    X(METRIC_LR, "lr", "%.2e", METRIC_PER_STEP)                                                    \
    X(METRIC_GRAD_NORM, "grad_norm", "%.3f", METRIC_PER_STEP)                                      \
    X(METRIC_TOK_S, "tok_s", "%.0f", METRIC_PER_STEP)                                              \
    X(METRIC_OMEGA, "omega", "%.3f", METRIC_PER_STEP | METRIC_MIXING)                              \
    X(METRIC_MIXED_FRAC, "mixed_frac", "%.3f", METRIC_PER_STEP | METRIC_MIXING)                    \
    X(METRIC_DIFF_FRAC, "diff_frac", "%.3f", METRIC_PER_STEP | METRIC_MIXING)                      \
    X(METRIC_RAC_INSERTIONS, "rac_insertions", "%.3f", METRIC_PER_STEP | METRIC_CORRECTION)        \
    X(METRIC_TF_ACC, "tf_acc", "%.3f", METRIC_PER_EVAL | METRIC_SCORE)                             \
    X(METRIC_FR_ACC, "fr_acc", "%.3f", METRIC_PER_EVAL | METRIC_SCORE)                             \
    X(METRIC_GAP, "gap", "%.3f", METRIC_PER_EVAL | METRIC_LOWER_IS_BETTER)                         \
    X(METRIC_EM, "em", "%.3f", METRIC_PER_EVAL | METRIC_SCORE)                                     \
    X(METRIC_F1, "f1", "%.3f", METRIC_PER_EVAL | METRIC_SCORE)                                     \
    X(METRIC_ROUGE_L, "rougeL", "%.3f", METRIC_PER_EVAL | METRIC_SCORE)                            \
    X(METRIC_FIRST_ERR, "first_err", "%.1f", METRIC_PER_EVAL)                                      \
    X(METRIC_CORRECTIONS, "corrections", "%.3f", METRIC_PER_EVAL | METRIC_CORRECTION)              \
    X(METRIC_CORRECTED, "corrected", "%.1f", METRIC_PER_EVAL | METRIC_CORRECTION)                  \
    X(METRIC_CORRECTED_RIGHT, "corrected_right", "%.1f", METRIC_PER_EVAL | METRIC_CORRECTION)      \
    X(METRIC_ANSWER_ACC, "answer_acc", "%.3f", METRIC_PER_EVAL | METRIC_SCORE | METRIC_OPTIONAL)   \
    X(METRIC_ED_ACC, "ed_acc", "%.3f", METRIC_PER_EVAL | METRIC_SCORE)                             \
    X(METRIC_RECOVERY, "recovery", "%.3f", METRIC_PER_EVAL | METRIC_SCORE | METRIC_OPTIONAL)       \
    X(METRIC_DIVERGED, "diverged", "%.0f", METRIC_PER_EVAL | METRIC_LOWER_IS_BETTER)               \
    X(METRIC_CORR_PRECISION, "corr_precision", "%.3f",                                             \
      METRIC_PER_EVAL | METRIC_SCORE | METRIC_CORRECTION | METRIC_OPTIONAL)                        \
    X(METRIC_CORR_RECALL, "corr_recall", "%.3f",                                                   \
      METRIC_PER_EVAL | METRIC_SCORE | METRIC_CORRECTION | METRIC_OPTIONAL)                        \
    X(METRIC_EPS, "eps", "%.4f", METRIC_PER_EVAL | METRIC_LOWER_IS_BETTER | METRIC_ORACLE)         \
    X(METRIC_ACC_ERR, "acc_err", "%.3f", METRIC_PER_EVAL | METRIC_LOWER_IS_BETTER | METRIC_ORACLE) \
    X(METRIC_EX_ACC_ERR, "ex_acc_err", "%.1f",                                                     \
      METRIC_PER_EVAL | METRIC_LOWER_IS_BETTER | METRIC_ORACLE)                                    \
    X(METRIC_ORACLE_RUN, "oracle_run", "%.0f", METRIC_PER_EVAL | METRIC_ORACLE | METRIC_RECORD)    \
    X(METRIC_ORACLE_STEP, "oracle_step", "%.0f", METRIC_PER_EVAL | METRIC_ORACLE | METRIC_RECORD)

#define METRIC_PER_STEP 1u        /* recorded at every training step, as "name" */
#define METRIC_PER_EVAL 2u        /* recorded at every evaluation, as "<split>/name" */
#define METRIC_LOWER_IS_BETTER 4u /* the best value is the lowest (else the highest) */
#define METRIC_SCORE 8u           /* a score in [0, 1]: charts of it span 0..1 */
#define METRIC_MIXING 16u         /* recorded only for a method that mixes (METHOD_MIXES) */
#define METRIC_CORRECTION 32u     /* recorded only for a method with <corr> (METHOD_CORRECTS) */
#define METRIC_OPTIONAL 64u       /* absent (not stored, not printed) where it is not defined */
#define METRIC_ORACLE 128u        /* recorded only by an evaluation against an oracle run */
#define METRIC_RECORD 256u        /* a fact about the evaluation, not a score: it has no best */

#define METRIC_TABLE_ID(id, name, format, flags) id,
typedef enum { METRIC_TABLE(METRIC_TABLE_ID) METRIC_COUNT } MetricId;
#undef METRIC_TABLE_ID

typedef struct {
    const char *name;   /* "loss", "em", ... */
    const char *format; /* printf format of one value, "%.3f" */
    unsigned flags;     /* METRIC_* */
} MetricInfo;

/* The entry of a metric (id < METRIC_COUNT). */
const MetricInfo *metric_info(MetricId id);
/* The key a metric is stored under: its name for split NULL ("loss"), else "<split>/<name>"
 * ("val/em"). */
void metric_key(MetricId id, const char *split, char *out, size_t cap);
/* The metric a stored key names: "em" for "val/em", "loss" for "loss"; -1 when none. */
int metric_find(const char *key);
/* 1 when the best value of the key is its lowest: the table says so, and a key it does not
 * know ("val/nll_loss") counts as a loss when its name ends in "loss". */
int metric_lower_is_better(const char *key);
/* 0 when the key's values have no best (METRIC_RECORD: "val/oracle_run"), else 1. */
int metric_has_best(const char *key);
/* One value as the table's format prints it, or "-" when it is NaN. */
void metric_format(MetricId id, double value, char *out, size_t cap);

#endif

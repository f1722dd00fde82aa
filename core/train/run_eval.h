/* Evaluating a stored run: its latest checkpoint on a split of its data (or on a file),
 * with the metrics and per-sample records written to the run store. What `exposure eval`
 * and `exposure sweep` do after training. */
#ifndef EXPOSURE_RUN_EVAL_H
#define EXPOSURE_RUN_EVAL_H

#include <stdint.h>

#include "eval.h"
#include "store.h"

typedef struct {
    const char *split;      /* "val" or "test"; the metrics are stored as "<split>/<name>" */
    const char *data;       /* a JSONL file to evaluate instead of the split, or NULL */
    long limit;             /* only the first examples; 0 for all */
    int threads;            /* 0: one per core */
    int64_t oracle;         /* a run whose latest checkpoint is the oracle (exacc.h), or 0 */
    EvalSampleFn on_sample; /* also called for every sample (after it is stored); may be NULL */
    void *ctx;
} RunEvalOptions;

typedef struct {
    EvalSummary summary;
    int64_t step;                /* the checkpoint's step, where the metrics are stored */
    int rac;                     /* the run used RAC (its summary includes the correction counts) */
    int dropped;                 /* examples longer than the model's context, left out */
    int examples;                /* in the data, before any was left out */
    int longest;                 /* the context the longest example needs */
    char data[LIMIT_PATH_BYTES]; /* the file evaluated */
} RunEvalResult;

/* Returns 0, RUN_EVAL_EINPUT (a bad split or data file, a run without a checkpoint; an oracle
 * run that does not exist, has no checkpoint, another vocabulary or tokenizer, or a shorter
 * context than the model) or RUN_EVAL_ERUNTIME (an unknown run, the store, memory), with a
 * message in err. With an oracle, the summary carries its run and checkpoint step, and they
 * are stored with the metrics ("<split>/oracle_run", "<split>/oracle_step"). */
#define RUN_EVAL_EINPUT -2
#define RUN_EVAL_ERUNTIME -1
int run_eval(Store *s, int64_t run, const RunEvalOptions *o, RunEvalResult *r, char *err,
             size_t errcap);

/* One evaluated sample as a row of the samples table (buffered until the store's next commit),
 * under the given step and split. Shared with the trainer's periodic evaluation. Returns 0 or -1
 * with the store's message set. */
int run_eval_store_sample(Store *st, int64_t run, int64_t step, const char *split,
                          const EvalSample *s);

#endif

/* Evaluation on a corpus (docs/methods.md, "Evaluation metrics"): teacher-forced loss and
 * token accuracy, then free-running generation from each prompt and its metrics against the
 * references; with an oracle model, the excess accumulated error (exacc.h).
 *
 * tf_acc takes each prediction as the most likely text token (textdist.h), never <corr>.
 * fr_acc compares the visible output followed by <eos> (when the model stopped) with the
 * reference response followed by <eos>, position by position, over the reference's length.
 * first_err is the first position where they differ; a sample that matches to the end
 * counts as its reference length in the mean. gap = tf_acc - fr_acc. ed_acc, answer_acc,
 * recovery and the RAC correction figures are defined in docs/methods.md. */
#ifndef EXPOSURE_EVAL_H
#define EXPOSURE_EVAL_H

#include <stdint.h>

#include "config.h"
#include "data.h"
#include "decode.h"
#include "nn.h"
#include "store.h"

typedef struct {
    int n;               /* samples */
    double loss, tf_acc; /* teacher-forced */
    double fr_acc, gap, em, f1, rouge_l, first_err;
    double corrections;  /* RAC: mean corrections per sample */
    int corrected;       /* samples with at least one correction */
    int corrected_right; /* of those, how many end with em = 1 */
    /* NaN where not defined: answer_acc without final answers, recovery when no sample
     * diverged, the correction figures without a <corr> or a divergence. */
    double answer_acc, ed_acc, recovery;
    int diverged; /* samples whose generation left the reference: recovery's denominator */
    double corr_precision, corr_recall;
    /* Against an oracle (NaN without one); oracle_run 0 when there was none. */
    double eps, acc_err, ex_acc_err;
    int64_t oracle_run, oracle_step;
} EvalSummary;

typedef struct {
    int idx; /* example index in the corpus */
    const Example *ex;
    const DecodeResult *res;
    const Vocab *vocab;     /* the text's vocabulary (NULL: byte-level) */
    const char *output;     /* visible output text */
    const char *raw_output; /* everything generated, <corr> included */
    double em, f1, rouge_l, fr_acc;
    int first_err;     /* -1 when the output matches the reference to the end */
    double answer_acc; /* NaN when the sample has no final answer */
    double ed_acc;
    double recovery; /* NaN when it never left the reference, else 1 when it ends right, 0 */
    SeqPath path;    /* divergences and what the <corr> tokens retracted */
    /* Against an oracle: eps of the sample (its mean per-step loss on the reference up to the
     * horizon), its accumulated error and the horizon; NaN, NaN and 0 without one. */
    double eps, acc_err;
    int horizon;
} EvalSample;

typedef void (*EvalSampleFn)(void *ctx, const EvalSample *s);

typedef struct {
    Model *m;
    Decoder *dec;
    Batch *scratch; /* room for m->max_batch rows of the corpus's longest example */
    DecodeOptions decode;
    int gsm8k;     /* question/answer data: em and answer_acc compare the final answers */
    uint64_t seed; /* sampling, when decode.temperature > 0 */
    /* An oracle for the excess accumulated error, or NULL: another Model (its own buffers, even
     * for the same weights) of the same vocabulary and at least m's context. */
    Model *oracle;
    /* The vocabulary the corpus was encoded with, which turns outputs into text; NULL for the
     * byte-level one. Only read: evaluating never encodes. */
    const Vocab *vocab;
} EvalContext;

/* Evaluates the first n examples of c; calls fn (when not NULL) for every sample in order.
 * Returns 0, or -1 when out of memory or a shape does not fit. */
int evaluate(const EvalContext *e, const Corpus *c, int n, EvalSummary *out, EvalSampleFn fn,
             void *ctx);

/* The sums an evaluation's summary is made of. Those of parts of an evaluation add up to
 * the whole's, so that several processes can each evaluate a part (counts are doubles, exact
 * below 2^53, so that all of it is one array of sums). */
typedef struct {
    double n; /* samples */
    double loss_sum, tf_count, tf_correct;
    double fr_correct, fr_total;
    double em, f1, rouge_l, first_err, corrections, corrected, corrected_right;
    double answered, answer_right; /* samples with a final answer, and right */
    double ed_acc;
    double diverged, recovered;
    double corrections_justified, divergences, divergences_retracted;
    double oracle_samples, oracle_steps, ref_loss, gen_loss; /* exacc.h */
} EvalTotals;

/* Evaluates examples begin..end-1 of c, adding to *t (zero it first); fn as for evaluate.
 * Returns 0, or -1 when out of memory or a shape does not fit. */
int evaluate_part(const EvalContext *e, const Corpus *c, int begin, int end, EvalTotals *t,
                  EvalSampleFn fn, void *ctx);
/* Adds up every rank's totals (dist.h), in place on every rank. */
void eval_totals_allreduce(EvalTotals *t);
/* The summary of totals: the means and rates evaluate reports. */
void eval_summarize(const EvalTotals *t, EvalSummary *out);

/* The decoding options a config asks for: decode.*, and RAC-aware decoding for method rac. */
DecodeOptions eval_decode_options(const Config *c);

/* The corrections of a generation as JSON, [{"pos":P,"retracted":"x","replacement":"y"}]
 * (replacement null when the sample ended right after the <corr>), each token as text in
 * vocabulary v (NULL: byte-level); malloc'd, NULL when out of memory. */
char *eval_corrections_json(const DecodeResult *r, const Vocab *v);

/* The scores of a sample as the samples table keeps them: every number of the row from em on
 * (the text fields are left as they are). */
void eval_sample_scores(const EvalSample *s, SampleRow *row);

/* The value of a per-evaluation metric (METRIC_PER_EVAL) in a summary; NaN for another. */
double eval_metric(const EvalSummary *e, MetricId id);

/* 1 when an evaluation records the metric: one of METRIC_PER_EVAL, of METRIC_CORRECTION only
 * when rac is set, of METRIC_OPTIONAL and METRIC_ORACLE only where it has a value. */
int eval_metric_recorded(const EvalSummary *e, MetricId id, int rac);

/* Buffers the summary's recorded metrics (eval_metric_recorded) as "<split>/<name>" of the
 * run at step. */
void eval_store_summary(Store *s, int64_t run, int64_t step, const char *split,
                        const EvalSummary *e, int rac);

#endif

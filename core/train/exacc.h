/* Excess accumulated error after Arora et al. 2022, "Why Exposure Bias Matters: An Imitation
 * Learning Perspective of Error Accumulation in Language Generation" (arXiv 2204.01171);
 * definitions in docs/methods.md, "Excess accumulated error".
 *
 * The per-step loss at a prefix is KL(o(.|prefix) || p(.|prefix)) between an oracle's and the
 * model's next-token distributions over the text tokens (textdist.h). On reference prefixes
 * (teacher-forced) its mean is eps; summed along the model's own generation it is the
 * accumulated error AccErr; ExAccErr = (AccErr - l eps) / (l eps) in percent. Each sample is
 * compared up to its horizon l, the shorter of its reference and its generation (both counted
 * with their <eos>), and the sums add up over samples. */
#ifndef EXPOSURE_EXACC_H
#define EXPOSURE_EXACC_H

#include <stddef.h>

#include "nn.h"

/* The per-step loss from the oracle's probabilities and the model's row, probabilities or
 * (model_is_logits) logits, both indexed by token id of the layout ids (NULL: bytes). */
double exacc_step_loss(const float *oracle_probs, const float *model_row, int model_is_logits,
                       const TokenIds *ids);

/* One sample's terms. */
typedef struct {
    int horizon;     /* l: the steps compared */
    double ref_loss; /* sum of the per-step losses on the first l reference prefixes: l eps */
    double gen_loss; /* sum along the first l steps of the generation: AccErr */
} ExAccSample;

static inline int exacc_horizon(int reference_steps, int generated_steps) {
    return reference_steps < generated_steps ? reference_steps : generated_steps;
}

/* One sample from its parts, rows of floats stride apart:
 * - ref_step[0..rlen): the per-step losses on its reference prefixes (rlen: response + <eos>);
 * - visible: the steps of its final visible output, <eos> included (SeqPath.visible);
 * - pick[j]: the decoding step that emitted visible token j (seq_path);
 * - model_logits: row k the model's logits at decoding step k, in its own context (for RAC,
 *   retracted tokens and <corr> included);
 * - oracle_probs: row j the oracle's probabilities after the prompt and the first j visible
 *   tokens, for j below the horizon. */
void exacc_sample(const double *ref_step, int rlen, int visible, const int *pick,
                  const float *model_logits, const float *oracle_probs, size_t stride,
                  const TokenIds *ids, ExAccSample *out);

/* The summary of samples whose terms add up to ref_loss, gen_loss and steps (the horizons)
 * over n samples: eps = ref_loss / steps, the mean per-step loss on the reference;
 * acc_err = gen_loss / n, the mean accumulated error of a sample; ex_acc_err =
 * 100 (gen_loss - ref_loss) / ref_loss. Each is NaN where it is not defined (no steps, or
 * eps = 0). */
void exacc_summary(double ref_loss, double gen_loss, double steps, double n, double *eps,
                   double *acc_err, double *ex_acc_err);

#endif

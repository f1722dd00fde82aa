#include "exacc.h"

#include <float.h>
#include <math.h>

#include "textdist.h"

/* KL of the two rows renormalised over the text tokens, in one pass over each. With So and Sm
 * the two rows' mass on text tokens (for logits, Sm = sum exp(z)):
 * KL = (1/So) sum_j o_j (log o_j - log m_j) + log Sm - log So, which is exactly 0 for two equal
 * rows. For bytes, about 514 logarithms or exponentials a step, against 1285 through textdist_from_* and
 * textdist_kl (which the tests use to check this). */
double exacc_step_loss(const float *oracle_probs, const float *model_row, int model_is_logits,
                       const TokenIds *ids) {
    const TokenIds ti = token_ids_or_byte(ids);
    const int n = ti.text + 1;
    double so = 0.0, sm = 0.0, mx = -INFINITY;
    for (int j = 0; j < n; j++) {
        token_t t = j == ti.text ? ti.eos : (token_t)j;
        so += oracle_probs[t];
        if (model_is_logits) mx = model_row[t] > mx ? model_row[t] : mx;
        else sm += model_row[t];
    }
    if (model_is_logits) {
        for (int j = 0; j < n; j++) sm += exp(model_row[j == ti.text ? ti.eos : j] - mx);
    }
    double log_sm = model_is_logits ? mx + log(sm) : log(sm), sum = 0.0;
    for (int j = 0; j < n; j++) {
        token_t t = j == ti.text ? ti.eos : (token_t)j;
        double o = oracle_probs[t];
        if (!(o > 0.0)) continue;
        double m = model_row[t];
        sum += o * (log(o) - (model_is_logits ? m : log(m > 0.0 ? m : (double)FLT_TRUE_MIN)));
    }
    double kl = sum / so + (log_sm - log(so));
    /* Rounding can leave a tiny negative value for two close distributions; NaN (a diverged
     * model) stays NaN. */
    return kl < 0.0 ? 0.0 : kl;
}

void exacc_sample(const double *ref_step, int rlen, int visible, const int *pick,
                  const float *model_logits, const float *oracle_probs, size_t stride,
                  const TokenIds *ids, ExAccSample *out) {
    *out = (ExAccSample){.horizon = exacc_horizon(rlen, visible)};
    for (int j = 0; j < out->horizon; j++) {
        out->ref_loss += ref_step[j];
        out->gen_loss += exacc_step_loss(oracle_probs + (size_t)j * stride,
                                         model_logits + (size_t)pick[j] * stride, 1, ids);
    }
}

void exacc_summary(double ref_loss, double gen_loss, double steps, double n, double *eps,
                   double *acc_err, double *ex_acc_err) {
    *eps = steps > 0 ? ref_loss / steps : NAN;
    *acc_err = n > 0 && steps > 0 ? gen_loss / n : NAN;
    *ex_acc_err = steps > 0 && ref_loss > 0 ? 100.0 * (gen_loss - ref_loss) / ref_loss : NAN;
}

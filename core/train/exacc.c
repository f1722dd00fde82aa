#include "exacc.h"

#include <math.h>

#include "textdist.h"

double exacc_step_loss(const float *oracle_probs, const float *model_row, int model_is_logits) {
    double log_o[TEXTDIST_SIZE], log_p[TEXTDIST_SIZE];
    textdist_from_probs(oracle_probs, log_o);
    if (model_is_logits) textdist_from_logits(model_row, log_p);
    else textdist_from_probs(model_row, log_p);
    return textdist_kl(log_o, log_p);
}

void exacc_sample(const double *ref_step, int rlen, int visible, const int *pick,
                  const float *model_logits, const float *oracle_probs, size_t stride,
                  ExAccSample *out) {
    *out = (ExAccSample){.horizon = exacc_horizon(rlen, visible)};
    for (int j = 0; j < out->horizon; j++) {
        out->ref_loss += ref_step[j];
        out->gen_loss += exacc_step_loss(oracle_probs + (size_t)j * stride,
                                         model_logits + (size_t)pick[j] * stride, 1);
    }
}

void exacc_summary(double ref_loss, double gen_loss, double steps, double n, double *eps,
                   double *acc_err, double *ex_acc_err) {
    *eps = steps > 0 ? ref_loss / steps : NAN;
    *acc_err = n > 0 && steps > 0 ? gen_loss / n : NAN;
    *ex_acc_err = steps > 0 && ref_loss > 0 ? 100.0 * (gen_loss - ref_loss) / ref_loss : NAN;
}

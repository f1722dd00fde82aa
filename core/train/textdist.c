#include "textdist.h"

#include <float.h>
#include <math.h>

/* The token id of text entry j. */
static token_t text_token(int j) { return j == TEXTDIST_EOS ? TOK_EOS : (token_t)j; }

token_t textdist_argmax(const float *row) {
    token_t best = 0;
    for (int j = 1; j < TEXTDIST_SIZE; j++)
        if (row[text_token(j)] > row[best]) best = text_token(j);
    return best;
}

/* Subtracts log(sum_j exp(logp_j)) from every entry. */
static void normalise(double *logp) {
    double mx = logp[0];
    for (int j = 1; j < TEXTDIST_SIZE; j++) mx = logp[j] > mx ? logp[j] : mx;
    double sum = 0.0;
    for (int j = 0; j < TEXTDIST_SIZE; j++) sum += exp(logp[j] - mx);
    double log_z = mx + log(sum);
    for (int j = 0; j < TEXTDIST_SIZE; j++) logp[j] -= log_z;
}

void textdist_from_probs(const float *probs, double *logp) {
    for (int j = 0; j < TEXTDIST_SIZE; j++) {
        double p = probs[text_token(j)];
        logp[j] = log(p > 0.0 ? p : (double)FLT_TRUE_MIN);
    }
    normalise(logp);
}

void textdist_from_logits(const float *logits, double *logp) {
    for (int j = 0; j < TEXTDIST_SIZE; j++) logp[j] = logits[text_token(j)];
    normalise(logp);
}

double textdist_kl(const double *log_o, const double *log_p) {
    double kl = 0.0;
    for (int j = 0; j < TEXTDIST_SIZE; j++) {
        double o = exp(log_o[j]);
        if (o > 0.0) kl += o * (log_o[j] - log_p[j]);
    }
    /* Rounding can leave a tiny negative sum for two equal distributions; NaN (a diverged
     * model) stays NaN. */
    return kl < 0.0 ? 0.0 : kl;
}

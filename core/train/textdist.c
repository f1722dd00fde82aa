#include "textdist.h"

#include <float.h>
#include <math.h>

/* The token id of text entry j. */
static token_t text_token(const TokenIds *t, int j) { return j == t->text ? t->eos : (token_t)j; }

token_t textdist_argmax(const float *row, const TokenIds *ids) {
    TokenIds t = token_ids_or_byte(ids);
    token_t best = 0;
    for (int j = 1; j <= t.text; j++)
        if (row[text_token(&t, j)] > row[best]) best = text_token(&t, j);
    return best;
}

/* Subtracts log(sum_j exp(logp_j)) from every one of the n entries. */
static void normalise(double *logp, int n) {
    double mx = logp[0];
    for (int j = 1; j < n; j++) mx = logp[j] > mx ? logp[j] : mx;
    double sum = 0.0;
    for (int j = 0; j < n; j++) sum += exp(logp[j] - mx);
    double log_z = mx + log(sum);
    for (int j = 0; j < n; j++) logp[j] -= log_z;
}

void textdist_from_probs(const float *probs, double *logp, const TokenIds *ids) {
    TokenIds t = token_ids_or_byte(ids);
    for (int j = 0; j <= t.text; j++) {
        double p = probs[text_token(&t, j)];
        logp[j] = log(p > 0.0 ? p : (double)FLT_TRUE_MIN);
    }
    normalise(logp, t.text + 1);
}

void textdist_from_logits(const float *logits, double *logp, const TokenIds *ids) {
    TokenIds t = token_ids_or_byte(ids);
    for (int j = 0; j <= t.text; j++) logp[j] = logits[text_token(&t, j)];
    normalise(logp, t.text + 1);
}

double textdist_kl(const double *log_o, const double *log_p, const TokenIds *ids) {
    int n = textdist_size(ids);
    double kl = 0.0;
    for (int j = 0; j < n; j++) {
        double o = exp(log_o[j]);
        if (o > 0.0) kl += o * (log_o[j] - log_p[j]);
    }
    /* Rounding can leave a tiny negative sum for two equal distributions; NaN (a diverged
     * model) stays NaN. */
    return kl < 0.0 ? 0.0 : kl;
}

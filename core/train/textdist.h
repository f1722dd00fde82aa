/* Next-token distributions over the tokens text is made of: the 256 bytes and <eos>, which is
 * everything decoding emits apart from RAC's <corr> (docs/methods.md, "Evaluation metrics").
 * Teacher-forced accuracy takes its argmax over them, so that a RAC model's <corr> counts as
 * no prediction and every method's tf_acc compares the same choices; the oracle comparison
 * renormalises both models' distributions over them, so that neither <corr> nor the
 * specials no method emits (<bos>, <sep>, <pad>) take part. */
#ifndef EXPOSURE_TEXTDIST_H
#define EXPOSURE_TEXTDIST_H

#include "nn.h"

/* Entries of a distribution over text tokens: [0, 256) the bytes, TEXTDIST_EOS for <eos>. */
enum { TEXTDIST_EOS = 256, TEXTDIST_SIZE = 257 };

/* The most likely text token of a row of logits or probabilities indexed by token id (the
 * lowest id among equals). */
token_t textdist_argmax(const float *row);

/* Log-probabilities over the text tokens of a row of probabilities indexed by token id,
 * renormalised over them. A probability of 0 counts as the smallest float above it, so that
 * every log is finite. */
void textdist_from_probs(const float *probs, double *logp);
/* The same from a row of logits: a log-softmax over the text tokens, in double. */
void textdist_from_logits(const float *logits, double *logp);

/* KL(o || p) = sum_j o_j (log o_j - log p_j), in nats, from log-probabilities over the text
 * tokens. */
double textdist_kl(const double *log_o, const double *log_p);

#endif

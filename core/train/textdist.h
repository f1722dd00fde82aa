/* Next-token distributions over the tokens text is made of: the vocabulary's text tokens and
 * <eos>, which is everything decoding emits apart from RAC's <corr> (docs/methods.md,
 * "Evaluation metrics"). Teacher-forced accuracy takes its argmax over them, so that a RAC
 * model's <corr> counts as no prediction and every method's tf_acc compares the same choices;
 * the oracle comparison renormalises both models' distributions over them, so that neither
 * <corr> nor the specials no method emits (<bos>, <sep>, <pad>) take part.
 *
 * ids gives the vocabulary's layout (token.h); NULL stands for the byte-level one. */
#ifndef EXPOSURE_TEXTDIST_H
#define EXPOSURE_TEXTDIST_H

#include "nn.h"

/* The byte-level distribution's entries: [0, 256) the bytes, TEXTDIST_EOS for <eos>. */
enum { TEXTDIST_EOS = 256, TEXTDIST_SIZE = 257 };

/* Entries of a distribution over text tokens: [0, ids->text) the text tokens, then <eos>. */
static inline int textdist_size(const TokenIds *ids) { return token_ids_or_byte(ids).text + 1; }

/* The most likely text token of a row of logits or probabilities indexed by token id (the
 * lowest id among equals). */
token_t textdist_argmax(const float *row, const TokenIds *ids);

/* Log-probabilities over the text tokens (textdist_size entries) of a row of probabilities
 * indexed by token id, renormalised over them. A probability of 0 counts as the smallest float
 * above it, so that every log is finite. */
void textdist_from_probs(const float *probs, double *logp, const TokenIds *ids);
/* The same from a row of logits: a log-softmax over the text tokens, in double. */
void textdist_from_logits(const float *logits, double *logp, const TokenIds *ids);

/* KL(o || p) = sum_j o_j (log o_j - log p_j), in nats, from log-probabilities over the text
 * tokens. */
double textdist_kl(const double *log_o, const double *log_p, const TokenIds *ids);

#endif

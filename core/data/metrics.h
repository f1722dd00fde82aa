/* Evaluation metrics on generated text against one or more references (docs/datasets.md,
 * "Metrics"). With several references, each metric is the best over them; with none, 0.
 * Normalization is ASCII-only: A-Z are lowercased, ASCII punctuation is deleted (so "don't"
 * becomes "dont", as in SQuAD), tokens are split on ASCII whitespace, and the bytes of
 * non-ASCII characters are kept as they are, inside their tokens. */
#ifndef EXPOSURE_METRICS_H
#define EXPOSURE_METRICS_H

#include <stddef.h>

/* Exact match after normalization (lowercase, punctuation and the articles a/an/the removed,
 * whitespace collapsed), 1.0 or 0.0. With gsm8k set, compares only the final numbers after
 * "####" (commas and a trailing '.' ignored); a prediction without "####" is wrong, and so is
 * an empty final answer. A reference without "####" is compared, as normalized text, with
 * the final answer of the prediction. */
double metric_em(const char *pred, const char *const *refs, int n_refs, int gsm8k);

/* SQuAD token F1 on normalized text. Two empty texts score 1, one empty text 0. */
double metric_f1(const char *pred, const char *const *refs, int n_refs);

/* ROUGE-L F1 (LCS-based, beta 1) on whitespace tokens, without normalization. Two empty
 * texts score 1, one empty text 0, as for F1. */
double metric_rouge_l(const char *pred, const char *const *refs, int n_refs);

/* The final answer after the last "####" (up to the end of that line), trimmed, without
 * commas or a trailing '.'. Returns 0 and writes it into out, or -1 when text has no "####"
 * (or the answer does not fit in cap). */
int metric_gsm8k_answer(const char *text, char *out, size_t cap);

/* Final-answer accuracy (answer_acc, docs/methods.md): 1 when the prediction's final answer
 * equals a reference's, 0 when it does not or the prediction has no "####", NaN when no
 * reference has a "####" (the sample has no final answer: the metric is not defined for it).
 * Final answers are taken as metric_gsm8k_answer does; when both are decimal numbers (an
 * optional sign, digits with at most one '.') they compare by value, exactly ("1,000",
 * "1000" and "1000.0" are equal; "-0" equals "0"), else as text. */
double metric_answer_acc(const char *pred, const char *const *refs, int n_refs);

#endif

/* Metrics on token sequences (docs/methods.md, "Evaluation metrics"): the edit distance of an
 * output to its reference, and the path a generation takes against its reference: where it
 * leaves it, and what its <corr> tokens retract. They count tokens: bytes for the byte-level
 * tokenizer, BPE tokens for the others. */
#ifndef EXPOSURE_SEQMETRICS_H
#define EXPOSURE_SEQMETRICS_H

#include "nn.h"

/* Levenshtein distance between a[0..na) and b[0..nb): the fewest insertions, deletions and
 * substitutions of one token each that turn a into b. rows is scratch for two rows of the
 * table, 2 * (nb + 1) ints. */
int seq_edit_distance(const token_t *a, int na, const token_t *b, int nb, int *rows);

/* ed_acc = 1 - distance / max(na, nb); 1 when both are empty. rows as above. */
double seq_ed_acc(const token_t *a, int na, const token_t *b, int nb, int *rows);

/* A generation replayed against its reference. The visible output is *on* the reference while
 * it is a prefix of the reference followed by <eos>; the token that takes it off is a
 * divergence, and it stays off until a <corr> retracts that token. */
typedef struct {
    int divergences;           /* emitted tokens (bytes or <eos>) that took it off */
    int divergences_retracted; /* of those, how many a later <corr> retracted */
    int corrections;           /* <corr> tokens that retracted something */
    int corrections_justified; /* of those, how many retracted while it was off */
    int diverged;              /* it left the reference at some step, or ended without <eos> */
    int visible; /* tokens of the final visible output, + 1 for the <eos> when it ended */
} SeqPath;

/* Replays raw[0..n_raw), the tokens as emitted (<corr> included, <eos> not; ended when <eos>
 * followed them), against ref[0..rlen), the reference response followed by <eos>. A <corr>
 * retracts the last visible token, or with segment set the whole visible output; with nothing
 * visible it changes nothing. pick, when not NULL (room for n_raw + 1), receives for each
 * position of the final visible output the index of the step that emitted it: k for raw[k],
 * n_raw for the <eos>. ids gives <corr> and <eos> (NULL: the byte-level layout). */
void seq_path(const token_t *raw, int n_raw, int ended, const token_t *ref, int rlen, int segment,
              SeqPath *out, int *pick, const TokenIds *ids);

#endif

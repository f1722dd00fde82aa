/* A training or evaluation batch: B rows of T positions, each position an explicit
 * (input, target, mask, kind). Targets are stored, not implied by shifting the inputs,
 * because RAC rewrites them. Rows are right-padded to the longest row of the batch
 * (never to the model's context), so causal attention needs no padding mask. */
#ifndef EXPOSURE_BATCH_H
#define EXPOSURE_BATCH_H

#include <stdint.h>

#include "token.h"

/* What an input token is, for the inspectors and the per-step statistics. */
typedef enum {
    KIND_PAD = 0, /* filler after the end of a row */
    KIND_PROMPT,  /* <bos>, the prompt, <sep> */
    KIND_TRUTH,   /* a reference response token (or <eos>) */
    KIND_SELFGEN, /* a token the model generated itself, in place of the reference */
    KIND_CORR,    /* a <corr> token inserted by RAC */
} TokenKind;

typedef struct {
    int B, T;         /* rows in use, positions per row (the longest row) */
    int cap_B, cap_T; /* what the arrays were allocated for */
    token_t *input;   /* B*T, row-major with stride T */
    token_t *target;  /* B*T; TOK_PAD where mask is 0 */
    uint8_t *mask;    /* B*T; 1 where the target carries loss */
    uint8_t *kind;    /* B*T; TokenKind of the input */
    int *len;         /* B; positions actually used in each row */
} Batch;

/* Returns 0, or -1 when out of memory (nothing to free then). */
int batch_alloc(Batch *b, int cap_B, int cap_T);
void batch_free(Batch *b);
/* Sets the shape (B <= cap_B, T <= cap_T) and fills every position with padding. */
void batch_reset(Batch *b, int B, int T);
/* Narrows the rows from stride b->T to stride T (T <= b->T), keeping each row's first T
 * positions: rows built at full width are packed to their longest. */
void batch_narrow(Batch *b, int T);

#endif

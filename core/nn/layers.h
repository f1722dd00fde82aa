/* The model's layers as forward/backward pairs of plain functions over flat float arrays.
 *
 * Shapes: N = B*T rows (B sequences of T positions, row-major), C channels, OC/IC output and
 * input channels, NH heads. Weight matrices are stored (OC, IC), as in GPT-2 checkpoints.
 *
 * Gradient conventions: parameter gradients (dw, db, dwte, ...) are always accumulated (+=)
 * into zeroed buffers. Input gradients are written (=) by the matmul and attention backward
 * passes and accumulated (+=) by the LayerNorm and encoder ones, which is what lets one
 * residual-stream gradient buffer flow through every block without copies. */
#ifndef EXPOSURE_LAYERS_H
#define EXPOSURE_LAYERS_H

#include <stdint.h>

#include "kvcache.h"
#include "token.h"

/* out[b,t,:] = wte[inp[b,t],:] + wpe[t,:] */
void encoder_forward(float *out, const token_t *inp, const float *wte, const float *wpe, int B,
                     int T, int C);
/* The same for N rows at any positions: out[i,:] = wte[tokens[i],:] + wpe[positions[i],:]. */
void encoder_forward_at(float *out, const token_t *tokens, const int *positions, const float *wte,
                        const float *wpe, int N, int C);
void encoder_backward(float *dwte, float *dwpe, const float *dout, const token_t *inp, int B, int T,
                      int C);

/* LayerNorm over the last dimension, eps 1e-5. mean and rstd (N each) are kept for backward. */
void layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *w,
                       const float *b, int N, int C);
void layernorm_backward(float *dinp, float *dw, float *db, const float *dout, const float *inp,
                        const float *w, const float *mean, const float *rstd, int N, int C);

/* out = beta*out + inp @ w^T (+ bias when bias is not NULL), via cblas_sgemm.
 * beta = 1 adds the product onto what out holds, which fuses a residual connection. */
void matmul_forward(float *out, const float *inp, const float *w, const float *bias, int N, int IC,
                    int OC, float beta);
/* dinp = dout @ w (skipped when dinp is NULL); dw += dout^T @ inp; dbias += column sums. */
void matmul_backward(float *dinp, float *dw, float *dbias, const float *dout, const float *inp,
                     const float *w, int N, int IC, int OC);

/* One row split between workers (decoding a single sequence on several cores, each reading
 * its own share of the weights once), through cblas_sgemv:
 * outputs: out[o] = beta*out[o] + w[o,:] . inp (+ bias[o]) for the output channels o0..o1-1;
 * inputs:  out[0..OC) = w[:, i0..i1) . inp[i0..i1), the part of the product that the input
 *          channels i0..i1-1 contribute (zero when there are none), summed with the others'
 *          afterwards. */
void matvec_forward_outputs(float *out, const float *inp, const float *w, const float *bias, int IC,
                            int o0, int o1, float beta);
void matvec_forward_inputs(float *out, const float *inp, const float *w, int IC, int OC, int i0,
                           int i1);

/* GELU, tanh approximation as in GPT-2. backward turns d (gradient w.r.t. the output) into
 * the gradient w.r.t. the input, in place. */
void gelu_forward(float *out, const float *inp, long n);
void gelu_backward_inplace(float *d, const float *inp, long n);

/* Causal multi-head self-attention on fused qkv (N, 3C) laid out [q | k | v], head h using
 * channels h*hs..(h+1)*hs-1 of each. out is (N, C); att (B, NH, T, T) keeps the softmax
 * probabilities for backward (zero above the diagonal). */
void attention_forward(float *out, float *att, const float *qkv, int B, int T, int C, int NH);
/* The same attention for one row at position pos of sequence b whose keys and values, its own
 * included, are in the cache: heads h0..h1-1 of q (one row of C, the query part of a qkv row)
 * into the same channels of out. scratch holds pos + 1 floats. */
void attention_forward_cached(float *out, float *scratch, const float *q, const KVCache *kv,
                              int layer, int b, int pos, int NH, int h0, int h1);
/* dqkv is written; scratch holds T*T floats. */
void attention_backward(float *dqkv, float *scratch, const float *dout, const float *qkv,
                        const float *att, int B, int T, int C, int NH);

/* Masked softmax cross-entropy over the first V of Vp logit columns (the rest are the
 * vocabulary's padding and take no part). Rows with mask 0 are skipped; for the others,
 * logits are replaced in place by probabilities. */
typedef struct {
    double loss_sum; /* sum of -log p(target) over masked rows */
    int count;       /* masked rows */
    int correct;     /* masked rows whose argmax is the target */
} XentStats;
XentStats crossentropy_forward(float *logits_to_probs, const token_t *targets, const uint8_t *mask,
                               int N, int V, int Vp);
/* probabilities (from forward) become d(loss)/d(logits) in place, with loss the sum over
 * masked rows times scale (1/count for the mean). Unmasked rows become zero. */
void crossentropy_backward(float *probs_to_dlogits, const token_t *targets, const uint8_t *mask,
                           int N, int V, int Vp, float scale);

#endif

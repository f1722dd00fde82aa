/* A double-precision reference of the model, written for clarity, not speed: the oracle
 * the gradient checks take finite differences of. Shapes and layouts match core/nn/layers.h. */
#ifndef EXPOSURE_TEST_REF_GPT_H
#define EXPOSURE_TEST_REF_GPT_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

void ref_encoder(double *out, const token_t *inp, const double *wte, const double *wpe, int B,
                 int T, int C);
void ref_layernorm(double *out, const double *inp, const double *w, const double *b, int N, int C);
void ref_matmul(double *out, const double *inp, const double *w, const double *bias, int N, int IC,
                int OC);
void ref_gelu(double *out, const double *inp, long n);
void ref_attention(double *out, const double *qkv, int B, int T, int C, int NH);
/* Mean over masked rows of -log softmax(logits[:V])[target]. */
double ref_crossentropy(const double *logits, const token_t *targets, const uint8_t *mask, int N,
                        int V, int Vp);

/* Mean masked cross-entropy of the whole model; params has the model's tensor layout. */
double ref_gpt_loss(const Model *shape, const double *params, const Batch *b);

/* Writes a gradient check's findings: worst relative error among coordinates, where the
 * relative error of analytic a against numeric n is |a - n| / max(|a|, |n|, floor). */
typedef struct {
    double worst_rel;
    size_t worst_index;
    double worst_analytic, worst_numeric;
    size_t checked;
} GradCheck;

/* Central differences (step h) of f around x[idx[k]] for k < count, compared with analytic. */
void ref_check_coords(GradCheck *gc, double *x, const size_t *idx, size_t count,
                      const float *analytic, double (*f)(void *ctx), void *ctx, double h,
                      double floor);

#endif

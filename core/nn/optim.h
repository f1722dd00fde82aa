/* AdamW with decoupled weight decay, a linear warm-up then cosine learning-rate decay, and
 * global-norm gradient clipping, over a Model's contiguous parameter/gradient/moment buffers. */
#ifndef EXPOSURE_OPTIM_H
#define EXPOSURE_OPTIM_H

#include "model.h"

typedef struct {
    float lr;          /* peak learning rate */
    float min_lr_frac; /* the cosine decays to lr * min_lr_frac at the last step */
    float beta1, beta2, eps;
    float weight_decay; /* applied only to tensors for which model_tensor_decays() is 1 */
    float grad_clip;    /* maximum global L2 norm of the gradient; 0 disables clipping */
    int warmup;         /* steps of linear warm-up from lr/warmup to lr */
    int steps;          /* total steps of the run, the end of the cosine */
} OptimConfig;

/* The defaults used when a config does not say otherwise. */
OptimConfig optim_defaults(void);

/* Learning rate for step (0-based). */
float optim_lr(const OptimConfig *oc, int step);

/* L2 norm of the whole gradient, accumulated in double. */
double optim_grad_norm(const Model *m);

/* One AdamW update for step (0-based; bias correction uses step + 1) at learning rate lr,
 * after clipping the gradient to oc->grad_clip. Returns the gradient norm before clipping. */
double optim_step(Model *m, const OptimConfig *oc, int step, float lr);

#endif

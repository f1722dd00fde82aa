#include "optim.h"

#include <math.h>

#include "pool.h"
#include "util.h"

OptimConfig optim_defaults(void) {
    return (OptimConfig){
        .lr = 1e-3f,
        .min_lr_frac = 0.1f,
        .beta1 = 0.9f,
        .beta2 = 0.95f,
        .eps = 1e-8f,
        .weight_decay = 0.1f,
        .grad_clip = 1.0f,
        .warmup = 0,
        .steps = 1,
    };
}

float optim_lr(const OptimConfig *oc, int step) {
    if (step < oc->warmup) return oc->lr * (float)(step + 1) / (float)oc->warmup;
    int decay_steps = oc->steps - oc->warmup;
    if (decay_steps <= 1) return oc->lr;
    double progress = (double)(step - oc->warmup) / (double)(decay_steps - 1);
    if (progress > 1.0) progress = 1.0;
    double cosine = 0.5 * (1.0 + cos(M_PI * progress));
    double min_lr = (double)oc->lr * oc->min_lr_frac;
    return (float)(min_lr + (oc->lr - min_lr) * cosine);
}

typedef struct {
    Model *m;
    const OptimConfig *oc;
    int step;
    float lr, clip;
    double partial[LIMIT_THREADS]; /* one per worker of the model's pool */
} AdamPass;

/* Each worker sums the squares of its slice; the slices are added in worker order. */
static void norm_task(void *ctx, int w, int workers) {
    AdamPass *a = ctx;
    long begin, end;
    pool_split((long)a->m->num_params, w, workers, &begin, &end);
    double sum = 0.0;
    const float *g = a->m->grads;
    for (long i = begin; i < end; i++) sum += (double)g[i] * g[i];
    a->partial[w] = sum;
}

double optim_grad_norm(const Model *m) {
    AdamPass a = {.m = (Model *)m};
    pool_run(m->pool, norm_task, &a);
    double sum = 0.0;
    for (int w = 0; w < m->threads; w++) sum += a.partial[w];
    return sqrt(sum);
}

/* AdamW over the worker's slice of the flat buffers, tensor by tensor for the decay rule. */
static void adam_task(void *ctx, int w, int workers) {
    AdamPass *a = ctx;
    Model *m = a->m;
    const OptimConfig *oc = a->oc;
    long begin, end;
    pool_split((long)m->num_params, w, workers, &begin, &end);
    const float b1 = oc->beta1, b2 = oc->beta2, eps = oc->eps, lr = a->lr, clip = a->clip;
    const float c1 = 1.0f / (1.0f - powf(b1, (float)(a->step + 1)));
    const float c2 = 1.0f / (1.0f - powf(b2, (float)(a->step + 1)));
    for (int t = 0; t < NUM_PARAM_TENSORS; t++) {
        long lo = (long)m->tensor_offset[t], hi = lo + (long)m->tensor_size[t];
        if (lo < begin) lo = begin;
        if (hi > end) hi = end;
        const float wd = model_tensor_decays(t) ? oc->weight_decay : 0.0f;
        float *p = m->params, *g = m->grads, *mo = m->adam_m, *v = m->adam_v;
        for (long i = lo; i < hi; i++) {
            float gi = g[i] * clip;
            mo[i] = b1 * mo[i] + (1.0f - b1) * gi;
            v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
            float mhat = mo[i] * c1, vhat = v[i] * c2;
            p[i] -= lr * (mhat / (sqrtf(vhat) + eps) + wd * p[i]);
        }
    }
}

double optim_step(Model *m, const OptimConfig *oc, int step, float lr) {
    double norm = optim_grad_norm(m);
    float clip = 1.0f;
    if (oc->grad_clip > 0.0f && norm > oc->grad_clip) clip = (float)(oc->grad_clip / norm);
    AdamPass a = {.m = m, .oc = oc, .step = step, .lr = lr, .clip = clip};
    pool_run(m->pool, adam_task, &a);
    return norm;
}

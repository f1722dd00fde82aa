#include "optim.h"

#include <math.h>

OptimConfig optim_defaults(void) {
    return (OptimConfig){
        .lr = 1e-3f, .min_lr_frac = 0.1f, .beta1 = 0.9f, .beta2 = 0.95f, .eps = 1e-8f,
        .weight_decay = 0.1f, .grad_clip = 1.0f, .warmup = 0, .steps = 1,
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

double optim_grad_norm(const Model *m) {
    double sum = 0.0;
    for (size_t i = 0; i < m->num_params; i++) sum += (double)m->grads[i] * m->grads[i];
    return sqrt(sum);
}

double optim_step(Model *m, const OptimConfig *oc, int step, float lr) {
    double norm = optim_grad_norm(m);
    float clip = 1.0f;
    if (oc->grad_clip > 0.0f && norm > oc->grad_clip) clip = (float)(oc->grad_clip / norm);
    const float b1 = oc->beta1, b2 = oc->beta2, eps = oc->eps;
    const float c1 = 1.0f / (1.0f - powf(b1, (float)(step + 1)));
    const float c2 = 1.0f / (1.0f - powf(b2, (float)(step + 1)));
    for (int t = 0; t < NUM_PARAM_TENSORS; t++) {
        const float wd = model_tensor_decays(t) ? oc->weight_decay : 0.0f;
        size_t off = m->tensor_offset[t], n = m->tensor_size[t];
        float *w = m->params + off, *g = m->grads + off, *mo = m->adam_m + off;
        float *v = m->adam_v + off;
        for (size_t i = 0; i < n; i++) {
            float gi = g[i] * clip;
            mo[i] = b1 * mo[i] + (1.0f - b1) * gi;
            v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
            float mhat = mo[i] * c1, vhat = v[i] * c2;
            w[i] -= lr * (mhat / (sqrtf(vhat) + eps) + wd * w[i]);
        }
    }
    return norm;
}

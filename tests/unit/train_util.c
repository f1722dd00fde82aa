#include "train_util.h"

void fill_random_batch(Batch *b, int B, int T, Rng *r) {
    batch_reset(b, B, T);
    for (int row = 0; row < B; row++) {
        int n = T / 2 + (int)rng_below(r, (uint32_t)(T - T / 2)) + 1; /* sequence length */
        int prompt = 1 + (int)rng_below(r, (uint32_t)(n / 2));        /* <bos> + prompt */
        token_t seq[1024];
        seq[0] = TOK_BOS;
        for (int i = 1; i < n; i++) seq[i] = 'a' + (token_t)rng_below(r, 26);
        seq[prompt] = TOK_SEP;
        seq[n - 1] = TOK_EOS;
        for (int t = 0; t < n - 1; t++) {
            int i = row * T + t;
            b->input[i] = seq[t];
            b->target[i] = seq[t + 1];
            b->mask[i] = t >= prompt;
            b->kind[i] = t > prompt ? KIND_TRUTH : KIND_PROMPT;
        }
        b->len[row] = n - 1;
    }
}

float train_step(Model *m, const Batch *b, const OptimConfig *oc, int step) {
    float loss = model_forward(m, b);
    model_zero_grad(m);
    model_backward(m, b);
    optim_step(m, oc, step, optim_lr(oc, step));
    return loss;
}

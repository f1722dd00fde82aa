#include <cblas.h>
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "limit.h"
#include "optim.h"
#include "train_util.h"

static const ModelConfig tiny = {
    .layers = 2, .dim = 32, .heads = 2, .context = 32, .vocab = TOK_COUNT};

Test(training, overfits_one_batch) {
    Model m;
    Batch b;
    Rng r;
    rng_seed(&r, 5);
    cr_assert_eq(model_init(&m, &tiny, 4), 0);
    model_init_weights(&m, 11);
    cr_assert_eq(batch_alloc(&b, 4, tiny.context), 0);
    fill_random_batch(&b, 4, 24, &r);
    OptimConfig oc = optim_defaults();
    oc.lr = 1e-2f;
    oc.weight_decay = 0.0f;
    oc.warmup = 10;
    oc.steps = 400;
    float first = 0, loss = 0;
    int step;
    for (step = 0; step < oc.steps; step++) {
        loss = train_step(&m, &b, &oc, step);
        if (step == 0) first = loss;
        if (loss < 0.05f) break;
    }
    fprintf(stderr, "overfit: loss %.3f -> %.4f in %d steps\n", first, loss, step + 1);
    cr_assert_gt(first, 3.0f, "an untrained model starts near log(vocab)");
    cr_assert_lt(loss, 0.05f, "loss %f after %d steps", loss, step);
    batch_free(&b);
    model_free(&m);
}

/* Runs n steps on fresh random batches and records the losses. */
static void run(float *losses, int n, uint64_t seed) {
    Model m;
    Batch b;
    Rng r;
    rng_seed(&r, seed);
    cr_assert_eq(model_init(&m, &tiny, 4), 0);
    model_init_weights(&m, seed);
    cr_assert_eq(batch_alloc(&b, 4, tiny.context), 0);
    OptimConfig oc = optim_defaults();
    oc.steps = n;
    oc.warmup = 3;
    for (int s = 0; s < n; s++) {
        fill_random_batch(&b, 4, tiny.context, &r);
        losses[s] = train_step(&m, &b, &oc, s);
    }
    batch_free(&b);
    model_free(&m);
}

Test(training, same_seed_one_thread_is_bit_identical) {
    openblas_set_num_threads(1);
    float a[20], b[20], c[20];
    run(a, 20, 3);
    run(b, 20, 3);
    run(c, 20, 4);
    cr_assert_eq(memcmp(a, b, sizeof a), 0, "two runs with seed 3 differ");
    cr_assert_neq(memcmp(a, c, sizeof a), 0, "seeds 3 and 4 gave the same losses");
}

Test(training, shorter_batch_equals_padded_batch) {
    /* Right padding never changes the loss: the same rows at T and at T + 8 agree. */
    Model m;
    Batch small, big;
    Rng r;
    rng_seed(&r, 9);
    cr_assert_eq(model_init(&m, &tiny, 3), 0);
    model_init_weights(&m, 2);
    cr_assert_eq(batch_alloc(&small, 3, 16), 0);
    cr_assert_eq(batch_alloc(&big, 3, 24), 0);
    fill_random_batch(&small, 3, 16, &r);
    batch_reset(&big, 3, 24);
    for (int row = 0; row < 3; row++)
        for (int t = 0; t < 16; t++) {
            big.input[row * 24 + t] = small.input[row * 16 + t];
            big.target[row * 24 + t] = small.target[row * 16 + t];
            big.mask[row * 24 + t] = small.mask[row * 16 + t];
        }
    float l1 = model_forward(&m, &small), l2 = model_forward(&m, &big);
    cr_assert(fabsf(l1 - l2) < 1e-5f, "loss %f at T=16, %f at T=24", l1, l2);
    batch_free(&small);
    batch_free(&big);
    model_free(&m);
}

Test(training, two_threads_give_the_one_thread_gradient) {
    /* Two shards of a batch of three rows (two and one) against one shard of all three. */
    Model one, two;
    Batch b;
    Rng r;
    rng_seed(&r, 21);
    cr_assert_eq(model_init(&one, &tiny, 3), 0);
    cr_assert_eq(model_init(&two, &tiny, 3), 0);
    cr_assert_eq(model_set_threads(&two, 2), 0);
    model_init_weights(&one, 8);
    model_init_weights(&two, 8);
    cr_assert_eq(batch_alloc(&b, 3, tiny.context), 0);
    fill_random_batch(&b, 3, 20, &r);
    float l1 = model_forward(&one, &b), l2 = model_forward(&two, &b);
    cr_assert(fabsf(l1 - l2) < 1e-5f, "loss %f with one thread, %f with two", l1, l2);
    cr_assert_eq(one.last.count, two.last.count);
    model_zero_grad(&one);
    model_zero_grad(&two);
    model_backward(&one, &b);
    model_backward(&two, &b);
    double worst = 0;
    for (size_t i = 0; i < one.num_params; i++) {
        double diff = fabs(one.grads[i] - two.grads[i]);
        double scale = fmax(fabs(one.grads[i]), 1e-4);
        worst = fmax(worst, diff / scale);
    }
    cr_assert_lt(worst, 1e-3, "gradients differ by %g (relative)", worst);
    cr_assert(fabs(optim_grad_norm(&one) - optim_grad_norm(&two)) < 1e-4 * optim_grad_norm(&one));
    batch_free(&b);
    model_free(&one);
    model_free(&two);
}

Test(training, a_pool_has_at_most_limit_threads_workers) {
    /* "One thread per core" on a machine with more cores than a pool may have: the
     * optimizer's sums have room for LIMIT_THREADS workers. */
    Model m;
    cr_assert_eq(model_init(&m, &tiny, 1), 0);
    model_init_weights(&m, 3);
    cr_assert_eq(model_set_threads(&m, LIMIT_THREADS + 40), 0);
    cr_assert_eq(m.threads, LIMIT_THREADS);
    for (size_t i = 0; i < m.num_params; i++) m.grads[i] = 1.0f;
    double norm = optim_grad_norm(&m);
    cr_assert(fabs(norm - sqrt((double)m.num_params)) < 1e-6 * norm, "norm %g", norm);
    model_free(&m);
}

Test(optim, warmup_then_cosine) {
    OptimConfig oc = optim_defaults();
    oc.lr = 1.0f;
    oc.min_lr_frac = 0.1f;
    oc.warmup = 10;
    oc.steps = 110;
    cr_assert_float_eq(optim_lr(&oc, 0), 0.1f, 1e-6);
    cr_assert_float_eq(optim_lr(&oc, 4), 0.5f, 1e-6);
    cr_assert_float_eq(optim_lr(&oc, 9), 1.0f, 1e-6);
    cr_assert_float_eq(optim_lr(&oc, 10), 1.0f, 1e-6);
    /* Halfway through the decay the cosine is at the midpoint of lr and min_lr. */
    float mid = optim_lr(&oc, 10 + 99 / 2);
    cr_assert(fabsf(mid - 0.55f) < 0.01f, "mid %f", mid);
    cr_assert_float_eq(optim_lr(&oc, 109), 0.1f, 1e-6);
}

Test(optim, clipping_and_decay_mask) {
    Model m;
    cr_assert_eq(model_init(&m, &tiny, 1), 0);
    model_init_weights(&m, 1);
    for (size_t i = 0; i < m.num_params; i++) m.grads[i] = 1.0f;
    double expect = sqrt((double)m.num_params);
    cr_assert(fabs(optim_grad_norm(&m) - expect) < 1e-6 * expect);
    /* With zero gradient, AdamW moves only decayed tensors, by exactly lr * wd * w. */
    model_zero_grad(&m);
    OptimConfig oc = optim_defaults();
    oc.weight_decay = 0.5f;
    float w_before = m.p.qkvw[3], ln_before = m.p.ln1w[0], b_before = m.p.fcb[0] = 0.25f;
    double norm = optim_step(&m, &oc, 0, 0.1f);
    cr_assert_eq(norm, 0.0);
    cr_assert_float_eq(m.p.qkvw[3], w_before * (1.0f - 0.05f), 1e-7);
    cr_assert_eq(m.p.ln1w[0], ln_before);
    cr_assert_eq(m.p.fcb[0], b_before);
    model_free(&m);
}

/* The pieces of data-parallel training that one process can check: a job of one rank (what
 * every process outside mpirun is), and the gradient of a batch split in parts, each part
 * normalised by the whole batch's loss positions, adding up to the whole batch's. The runs
 * on several ranks are in tests/cli/test_mpi.c. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "train_util.h"

Test(dist, a_process_of_its_own_is_a_job_of_one) {
    char err[256] = "";
    cr_assert_eq(dist_init(NULL, NULL, err, sizeof err), 0, "%s", err);
    cr_assert_eq(dist_rank(), 0);
    cr_assert_eq(dist_size(), 1);
    cr_assert_eq(dist_local_size(), 1);
    cr_assert_eq(dist_timeout(), DIST_TIMEOUT_DEFAULT);

    float f[3] = {1.5f, -2.0f, 3.25f};
    double d[2] = {0.1, 1e300};
    int64_t i[2] = {INT64_MAX, -7};
    dist_allreduce_f32(f, 3);
    dist_allreduce_f64(d, 2);
    dist_allreduce_i64(i, 2);
    cr_assert(f[0] == 1.5f && f[1] == -2.0f && f[2] == 3.25f, "sums of one are the values");
    cr_assert(d[0] == 0.1 && d[1] == 1e300);
    cr_assert(i[0] == INT64_MAX && i[1] == -7);

    char buf[8] = "abcdefg";
    size_t counts[1] = {7};
    dist_bcast(buf, sizeof buf, 0);
    dist_allgatherv(buf, counts);
    cr_assert_str_eq(buf, "abcdefg");

    void *all;
    size_t len;
    dist_gather("xyz", 3, &all, &len);
    cr_assert_eq(len, 3);
    cr_assert_eq(memcmp(all, "xyz", 3), 0);
    free(all);
    dist_gather(NULL, 0, &all, &len);
    cr_assert_eq(len, 0);
    cr_assert_not_null(all);
    free(all);
    dist_finalize();
}

Test(dist, a_build_without_mpi_refuses_to_be_one_of_several) {
    if (dist_compiled()) cr_skip_test("this build has MPI");
    char err[256] = "";
    setenv("OMPI_COMM_WORLD_SIZE", "2", 1);
    cr_assert_eq(dist_init(NULL, NULL, err, sizeof err), DIST_EUSAGE);
    cr_assert_not_null(strstr(err, "no MPI support"), "%s", err);
    unsetenv("OMPI_COMM_WORLD_SIZE");
}

static const ModelConfig tiny = {
    .layers = 2, .dim = 32, .heads = 2, .context = 32, .vocab = TOK_COUNT};

/* Rows [r0, r1) of b as a batch of its own, at the same width. */
static void rows_of(const Batch *b, int r0, int r1, Batch *out) {
    cr_assert_eq(batch_alloc(out, r1 - r0, b->T), 0);
    batch_reset(out, r1 - r0, b->T);
    size_t at = (size_t)r0 * (size_t)b->T, n = (size_t)(r1 - r0) * (size_t)b->T;
    memcpy(out->input, b->input + at, n * sizeof *b->input);
    memcpy(out->target, b->target + at, n * sizeof *b->target);
    memcpy(out->mask, b->mask + at, n);
    memcpy(out->kind, b->kind + at, n);
    memcpy(out->len, b->len + r0, (size_t)(r1 - r0) * sizeof *b->len);
}

Test(dist, parts_scaled_by_the_whole_count_add_up_to_the_whole_gradient) {
    Model whole, part;
    Batch b, p0, p1;
    Rng r;
    rng_seed(&r, 31);
    cr_assert_eq(model_init(&whole, &tiny, 5), 0);
    cr_assert_eq(model_init(&part, &tiny, 5), 0);
    model_init_weights(&whole, 4);
    model_init_weights(&part, 4);
    cr_assert_eq(batch_alloc(&b, 5, tiny.context), 0);
    fill_random_batch(&b, 5, 24, &r);
    rows_of(&b, 0, 2, &p0);
    rows_of(&b, 2, 5, &p1);

    float loss = model_forward(&whole, &b);
    long count = whole.last.count;
    model_zero_grad(&whole);
    model_backward(&whole, &b);

    /* Two "ranks" in turn, their gradients summed as the all-reduce would. */
    float *sum = calloc(part.num_params, sizeof *sum);
    double loss_sum = 0;
    long counted = 0;
    const Batch *parts[2] = {&p0, &p1};
    for (int k = 0; k < 2; k++) {
        model_forward(&part, parts[k]);
        loss_sum += part.last.loss_sum;
        counted += part.last.count;
        model_zero_grad(&part);
        model_backward_scaled(&part, parts[k], count);
        for (size_t i = 0; i < part.num_params; i++) sum[i] += part.grads[i];
    }
    cr_assert_eq(counted, count);
    cr_assert(fabs(loss_sum / (double)counted - loss) < 1e-5, "loss %f whole, %f from parts", loss,
              loss_sum / (double)counted);
    double worst = 0;
    for (size_t i = 0; i < whole.num_params; i++) {
        double scale = fmax(fabs(whole.grads[i]), 1e-4);
        worst = fmax(worst, fabs(whole.grads[i] - sum[i]) / scale);
    }
    cr_assert_lt(worst, 1e-3, "the parts' gradients differ from the whole's by %g", worst);

    /* The count given is the batch's own: model_backward exactly. */
    model_forward(&part, &b);
    model_zero_grad(&part);
    model_backward_scaled(&part, &b, part.last.count);
    cr_assert_eq(memcmp(part.grads, whole.grads, whole.num_params * sizeof(float)), 0);

    free(sum);
    batch_free(&b);
    batch_free(&p0);
    batch_free(&p1);
    model_free(&whole);
    model_free(&part);
}

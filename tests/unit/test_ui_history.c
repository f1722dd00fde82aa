/* The interface's bounded metric history and its smoothing. */
#include <criterion/criterion.h>
#include <math.h>

#include "history.h"

Test(ui_history, keeps_every_point_until_full) {
    static History h;
    history_init(&h);
    for (int i = 0; i < HISTORY_BUCKETS; i++) history_add(&h, i, i * 0.5, i * 2.0);
    cr_assert_eq(h.n, HISTORY_BUCKETS);
    cr_assert_eq(h.per_bucket, 1);
    cr_assert_float_eq(bucket_mean(&h.b[10]), 20.0, 1e-12);
    cr_assert_float_eq(h.last, 2.0 * (HISTORY_BUCKETS - 1), 1e-12);
}

Test(ui_history, merges_pairwise_and_stays_bounded) {
    static History h;
    history_init(&h);
    long n = 100000;
    double sum = 0, lo = INFINITY, hi = -INFINITY;
    for (long i = 0; i < n; i++) {
        double y = sin((double)i * 0.01) + (double)i * 1e-5;
        sum += y;
        if (y < lo) lo = y;
        if (y > hi) hi = y;
        history_add(&h, (double)i, (double)i, y);
    }
    cr_assert_leq(h.n, HISTORY_BUCKETS);
    cr_assert_geq(h.n, HISTORY_BUCKETS / 2);
    cr_assert_eq(h.points, n);
    /* Nothing is lost by merging: counts, sums and extremes add up. */
    long count = 0;
    double total = 0;
    for (int i = 0; i < h.n; i++) {
        count += h.b[i].count;
        total += h.b[i].sum;
        cr_assert_leq(h.b[i].min, h.b[i].max);
        if (i > 0) cr_assert_eq(h.b[i].x0, h.b[i - 1].x1 + 1, "buckets are contiguous");
    }
    cr_assert_eq(count, n);
    cr_assert_float_eq(total, sum, 1e-6 * fabs(sum) + 1e-6);
    double rlo, rhi;
    cr_assert(history_range(&h, &rlo, &rhi));
    cr_assert_float_eq(rlo, lo, 1e-12);
    cr_assert_float_eq(rhi, hi, 1e-12);
    cr_assert_eq(h.b[0].x0, 0);
    cr_assert_eq(h.b[h.n - 1].x1, n - 1);
}

Test(ui_history, skips_values_that_are_not_finite) {
    History h;
    history_init(&h);
    history_add(&h, 0, 0, NAN);
    history_add(&h, 1, 1, INFINITY);
    cr_assert_eq(h.n, 0);
    history_add(&h, 2, 2, 1.5);
    cr_assert_eq(h.n, 1);
}

/* TensorBoard's debiased EMA, computed point by point. */
static double reference_ema(const double *y, int n, double w) {
    double v = 0;
    for (int i = 0; i < n; i++) v = w * v + (1 - w) * y[i];
    return v / (1 - pow(w, n));
}

Test(ui_history, smoothing_is_the_debiased_ema) {
    History h;
    history_init(&h);
    double y[50];
    for (int i = 0; i < 50; i++) {
        y[i] = 5.0 / (1 + i) + (i % 3) * 0.1;
        history_add(&h, i, i, y[i]);
    }
    double out[HISTORY_BUCKETS];
    history_smooth(&h, 0.6, out);
    for (int i = 1; i <= 50; i++) cr_assert_float_eq(out[i - 1], reference_ema(y, i, 0.6), 1e-9);
    /* The first smoothed value is the first point itself: the debiasing removes the zero start. */
    cr_assert_float_eq(out[0], y[0], 1e-12);
    history_smooth(&h, 0, out);
    cr_assert_float_eq(out[7], y[7], 1e-12);
}

Test(ui_history, smoothing_a_constant_stays_constant_after_merges) {
    static History h;
    history_init(&h);
    for (int i = 0; i < 5000; i++) history_add(&h, i, i, 3.0);
    static double out[HISTORY_BUCKETS];
    history_smooth(&h, 0.9, out);
    for (int i = 0; i < h.n; i++) cr_assert_float_eq(out[i], 3.0, 1e-9);
}

#include <criterion/criterion.h>
#include <math.h>

#include "fastmath.h"

Test(fastmath, exp_within_a_few_ulp) {
    double worst = 0;
    for (float x = -87.0f; x <= 88.0f; x += 0.01f) {
        double rel = fabs((double)fast_expf(x) - exp((double)x)) / exp((double)x);
        if (rel > worst) worst = rel;
    }
    cr_assert_lt(worst, 4e-7, "worst relative error %g", worst);
}

Test(fastmath, exp_edges) {
    cr_assert(isnan(fast_expf(NAN)), "NaN must stay NaN: a diverging run has to show");
    cr_assert(fast_expf(-1000.0f) >= 0.0f && fast_expf(-1000.0f) < 1e-37f);
    cr_assert(isfinite(fast_expf(1000.0f)) && fast_expf(1000.0f) > 1e38f);
    cr_assert_float_eq(fast_expf(0.0f), 1.0f, 1e-7);
}

Test(fastmath, gelu_against_tanh_form) {
    for (float x = -8.0f; x <= 8.0f; x += 0.003f) {
        double ref = 0.5 * x * (1.0 + tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
        cr_assert(fabs(gelu(x) - ref) < 2e-6 * (1.0 + fabs(ref)), "gelu(%g) = %g, expected %g", x,
                  gelu(x), ref);
    }
}

#include <criterion/criterion.h>
#include <math.h>

#include "mixing.h"

static ScheduleConfig base(ScheduleKind kind) {
    return (ScheduleConfig){.kind = kind,
                            .value = 0.3f,
                            .start = 0.1f,
                            .end = 0.7f,
                            .from_step = 100,
                            .to_step = 300,
                            .rate = 0.99f,
                            .k = 50.0f};
}

#define EXPECT(c, s, total, want)                                                                  \
    cr_assert(fabs(mixing_omega(&(c), (s), (total)) - (want)) < 1e-6, "step %d: %f, expected %f",  \
              (s), (double)mixing_omega(&(c), (s), (total)), (double)(want))

Test(mixing, constant) {
    ScheduleConfig c = base(SCHED_CONSTANT);
    EXPECT(c, 0, 1000, 0.3);
    EXPECT(c, 999, 1000, 0.3);
}

Test(mixing, linear) {
    ScheduleConfig c = base(SCHED_LINEAR);
    EXPECT(c, 0, 1000, 0.1);
    EXPECT(c, 100, 1000, 0.1);
    EXPECT(c, 150, 1000, 0.1 + 0.6 * 0.25);
    EXPECT(c, 200, 1000, 0.4);
    EXPECT(c, 300, 1000, 0.7);
    EXPECT(c, 900, 1000, 0.7);
    c.to_step = -1; /* the whole run */
    c.from_step = 0;
    EXPECT(c, 500, 1000, 0.4);
    EXPECT(c, 1000, 1000, 0.7);
}

Test(mixing, linear_jump_when_bounds_meet) {
    ScheduleConfig c = base(SCHED_LINEAR);
    c.to_step = c.from_step = 50;
    EXPECT(c, 49, 1000, 0.1);
    EXPECT(c, 50, 1000, 0.7);
}

Test(mixing, exponential) {
    ScheduleConfig c = base(SCHED_EXPONENTIAL);
    EXPECT(c, 50, 1000, 0.1);
    EXPECT(c, 100, 1000, 0.1);
    EXPECT(c, 110, 1000, 0.7 - 0.6 * pow(0.99, 10));
    EXPECT(c, 600, 1000, 0.7 - 0.6 * pow(0.99, 500));
}

Test(mixing, inverse_sigmoid) {
    ScheduleConfig c = base(SCHED_INVERSE_SIGMOID);
    EXPECT(c, 0, 1000, 1.0 - 50.0 / 51.0);
    EXPECT(c, 200, 1000, 1.0 - 50.0 / (50.0 + exp(4.0)));
    EXPECT(c, 500, 1000, 1.0 - 50.0 / (50.0 + exp(10.0)));
    EXPECT(c, 100000, 1000, 1.0);
}

Test(mixing, cosine) {
    ScheduleConfig c = base(SCHED_COSINE);
    EXPECT(c, 0, 1000, 0.1);
    EXPECT(c, 200, 1000, 0.4);
    EXPECT(c, 150, 1000, 0.1 + 0.6 * 0.5 * (1 - cos(M_PI * 0.25)));
    EXPECT(c, 300, 1000, 0.7);
}

Test(mixing, piecewise) {
    ScheduleConfig c = base(SCHED_PIECEWISE);
    c.points = (SchedulePoints){3, {10, 20, 40}, {0.2f, 0.6f, 0.0f}};
    EXPECT(c, 0, 1000, 0.2);
    EXPECT(c, 15, 1000, 0.4);
    EXPECT(c, 20, 1000, 0.6);
    EXPECT(c, 30, 1000, 0.3);
    EXPECT(c, 99, 1000, 0.0);
}

Test(mixing, clamped) {
    ScheduleConfig c = base(SCHED_EXPONENTIAL);
    c.rate = 1.0f;
    c.start = 1.0f;
    c.end = 1.0f;
    EXPECT(c, 500, 1000, 1.0);
}

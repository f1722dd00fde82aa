#include <criterion/criterion.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "clock.h"

static void expect_duration(double seconds, const char *want) {
    char out[32];
    clock_format_duration(seconds, out, sizeof out);
    cr_assert_str_eq(out, want, "%g s", seconds);
}

Test(clock, durations_read_in_two_units_at_most) {
    expect_duration(0, "0s");
    expect_duration(0.49, "0s");
    expect_duration(0.5, "1s");
    expect_duration(59.4, "59s");
    expect_duration(59.5, "1m00s");
    expect_duration(187, "3m07s");
    expect_duration(3599, "59m59s");
    expect_duration(3600, "1h00m");
    expect_duration(2 * 3600 + 5 * 60 + 59, "2h05m");
    expect_duration(86399, "23h59m");
    expect_duration(86400, "1d00h");
    expect_duration(3 * 86400 + 7 * 3600 + 1800, "3d07h");
}

Test(clock, durations_that_are_not_numbers_of_seconds_read_zero_or_stay_finite) {
    expect_duration(-5, "0s");
    expect_duration(NAN, "0s");
    expect_duration(-INFINITY, "0s");
    char out[32];
    clock_format_duration(INFINITY, out, sizeof out);
    cr_assert_eq(out[strlen(out) - 1], 'h', "%s", out);
    clock_format_duration(1e300, out, sizeof out);
    cr_assert_eq(out[strlen(out) - 1], 'h', "%s", out);
}

Test(clock, the_monotonic_clock_counts_seconds_forward) {
    double a = clock_monotonic();
    struct timespec pause = {0, 20 * 1000 * 1000};
    nanosleep(&pause, NULL);
    double b = clock_monotonic();
    cr_assert_geq(b - a, 0.019, "%g s for a 20 ms sleep", b - a);
    cr_assert_lt(b - a, 60.0, "%g s", b - a);
}

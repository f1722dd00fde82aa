/* The unit tests' entry point: Criterion's own, after the same start-up as exposure's
 * (kernels_startup), so that the gradient checks and the determinism tests run on the
 * OpenBLAS kernels the program runs. */
#include <criterion/criterion.h>
#include <stdbool.h>

#include "nn.h"

int main(int argc, char *argv[]) {
    kernels_startup(argv);
    struct criterion_test_set *tests = criterion_initialize();
    int result = 0;
    if (criterion_handle_args(argc, argv, true)) result = !criterion_run_all_tests(tests);
    criterion_finalize(tests);
    return result;
}

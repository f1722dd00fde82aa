#include <criterion/criterion.h>

#include "streams.h"

/* Stored runs are resumed with these seeds: a changed derivation would make a resumed run
 * draw other data, coins and samples than the run it continues. */
Test(streams, every_stream_keeps_its_derivation) {
    cr_assert_eq(stream_seed(STREAM_WEIGHTS, 5, 0), 5);
    cr_assert_eq(stream_seed(STREAM_DATA_ORDER, 5, 0), 16);
    cr_assert_eq(stream_seed(STREAM_METHOD_COINS, 5, 0), 17);
    cr_assert_eq(stream_seed(STREAM_SELFGEN_SAMPLE, 5, 0), 18);
    cr_assert_eq(stream_seed(STREAM_EVAL_SAMPLE, 5, 7), 5000022);
    cr_assert_eq(stream_seed(STREAM_VAL_SPLIT, 5, 0), 0x5EED);
    cr_assert_eq(stream_seed(STREAM_VAL_SPLIT, 6, 9), 0x5EED, "the same for every seed");
    /* Large seeds wrap around in 64 bits rather than overflow. */
    cr_assert_eq(stream_seed(STREAM_EVAL_SAMPLE, 2147483647u, 100),
                 2147483647ull * 1000003ull + 100);
}

Test(streams, only_the_evaluation_stream_follows_the_step) {
    for (int s = STREAM_WEIGHTS; s <= STREAM_VAL_SPLIT; s++)
        if (s != STREAM_EVAL_SAMPLE)
            cr_assert_eq(stream_seed((RandomStream)s, 3, 0), stream_seed((RandomStream)s, 3, 50));
    cr_assert_neq(stream_seed(STREAM_EVAL_SAMPLE, 3, 0), stream_seed(STREAM_EVAL_SAMPLE, 3, 50));
}

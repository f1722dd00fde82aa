#include "streams.h"

uint64_t stream_seed(RandomStream s, uint64_t seed, int64_t step) {
    switch (s) {
    case STREAM_WEIGHTS: return seed;
    case STREAM_DATA_ORDER: return seed * 3 + 1;
    case STREAM_METHOD_COINS: return seed * 3 + 2;
    case STREAM_SELFGEN_SAMPLE: return seed * 3 + 3;
    case STREAM_EVAL_SAMPLE: return seed * 1000003u + (uint64_t)step;
    case STREAM_VAL_SPLIT: return 0x5EEDull;
    }
    return seed;
}

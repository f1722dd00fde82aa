/* The training methods: how a batch is built from examples (docs/methods.md).
 *
 * baseline  teacher forcing: <bos> prompt <sep> y_1..y_n <eos>, loss on y and <eos>.
 * BASH      for each response input position t (never the prompt, never <eos>),
 *           independently with probability omega, the input y_t is replaced by y-hat_t;
 *           targets stay the reference.
 * RAC token for each response position t, with probability omega, if y-hat_t != y_t:
 *           ... y_{t-1}, y-hat_t, <corr>, y_t, y_{t+1} ...; the target after y_{t-1} stays
 *           y_t, after y-hat_t it is <corr>, after <corr> it is y_t. An insertion is skipped
 *           when the row would exceed the context.
 * RAC segment  with probability omega per example: a free-running prefix y-hat_1..y-hat_k,
 *           k uniform in 1..n (at most the generated length, and at most what fits the
 *           context); if it differs from y_1..y_k the row is
 *           <bos> prompt <sep> y-hat_1..y-hat_k <corr> y_1..y_n <eos>
 *           with loss on <corr> and on the reference after it, none on y-hat. */
#ifndef EXPOSURE_METHOD_H
#define EXPOSURE_METHOD_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "data.h"
#include "selfgen.h"
#include "util.h"

typedef struct {
    MethodName name;
    RacGranularity granularity;
    float omega;
    /* The seed of the coin flips, STREAM_METHOD_COINS. Row r's come from a stream of its own,
     * seeded by (seed, step, row0 + r): a row gets the same decisions however the batch is
     * split between processes. */
    uint64_t seed;
    int step;
    int row0; /* index of the first row within the whole batch */
} MethodParams;

/* What one batch's construction did. For BASH and RAC token granularity the unit is a
 * response input position; for RAC segment granularity it is an example. */
typedef struct {
    long eligible; /* units that could be mixed or corrected */
    long selected; /* units the omega coin chose */
    long differ;   /* chosen units whose self-generated token(s) differ from the reference */
    long inserted; /* RAC corrections inserted */
    long tokens;   /* input positions of the batch without padding */
    int rows;
} MethodStats;

/* What the table (method_table.h) says of a method. */
typedef struct {
    const char *name;        /* "baseline", "bash", "rac" */
    const char *description; /* "teacher forcing", ... */
    unsigned uses;           /* METHOD_MIXES, METHOD_CORRECTS */
} MethodInfo;

/* The entry of a method; any value out of range is the baseline's. */
const MethodInfo *method_info(MethodName m);
/* The method named name, or -1 when there is none. */
int method_find(const char *name);
/* 1 when the method mixes in its own tokens (METHOD_MIXES) / uses <corr> (METHOD_CORRECTS). */
int method_mixes(MethodName m);
int method_corrects(MethodName m);
/* The names in table order, NULL-terminated: the config's choices for method.name. */
extern const char *const method_names[METHOD_COUNT + 1];
/* The names joined: sep between two, last_sep before the last ("baseline, bash or rac"). */
void method_list(const char *sep, const char *last_sep, char *out, size_t cap);

/* Builds the batch for examples idx[0..B) into b (room for B rows of `context`).
 * sg may be NULL for the baseline. */
void method_build_batch(Batch *b, const Corpus *c, const SelfgenCache *sg, const int *idx, int B,
                        int context, const MethodParams *p, MethodStats *st);

#endif

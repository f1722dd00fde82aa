/* Every limit that ties what the configuration accepts to a fixed buffer or to a check
 * elsewhere, named once. The config's key table, the buffers sized by a limit and the
 * model's checks use these names, so that raising a limit raises everything that depends on
 * it, and docs/reliability.md can list them. */
#ifndef EXPOSURE_LIMIT_H
#define EXPOSURE_LIMIT_H

/* Model shapes the configuration accepts (model.*). */
#define LIMIT_LAYERS 256
#define LIMIT_DIM 4096
#define LIMIT_HEADS 64
/* model.context: also the positions of one batch row (the trainer's BatchRowView). */
#define LIMIT_CONTEXT 4096

/* train.batch: also the example indices of one step (trainer.c, eval.c). */
#define LIMIT_BATCH 4096
/* train.threads: also the most workers a model's pool has, whose partial sums the optimizer
 * keeps in a fixed array (optim.c). */
#define LIMIT_THREADS 256
/* decode.max_new_tokens. */
#define LIMIT_NEW_TOKENS 65536
/* method.schedule.points: the points of a piecewise schedule. */
#define LIMIT_SCHEDULE_POINTS 32
/* Bytes of a string key of the configuration with its NUL (data.train, ...), and of the
 * run store's copy of data.train (RunRow.dataset). */
#define LIMIT_CONFIG_STRING 512

/* What model_config_check accepts of a model read from a checkpoint: ceilings within which
 * every size the model computes fits in a size_t. They are above the configuration's limits,
 * so that a checkpoint beyond those is refused by the memory check with the name of the
 * configuration key it breaks (capacity.h). */
#define LIMIT_MODEL_DIM 16384
#define LIMIT_MODEL_CONTEXT 65536
#define LIMIT_MODEL_VOCAB (1 << 20)

/* Bytes of a file path exposure builds (a checkpoint, the database, a dataset) with its NUL. */
#define LIMIT_PATH_BYTES 4096

_Static_assert(LIMIT_MODEL_DIM >= LIMIT_DIM && LIMIT_MODEL_CONTEXT >= LIMIT_CONTEXT,
               "a model the configuration accepts must pass the model's own check");

#endif

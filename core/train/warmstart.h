/* Warm starts: a new run that starts from the weights of a checkpoint (train.init_from), with
 * a fresh optimizer (AdamW moments zero, step 0), its own learning-rate schedule and any
 * method, schedule, self-generation, decoding and training settings. Only the keys that fix
 * the parameters' layout (the shape keys: model.layers, dim, heads, context, tokenizer) must
 * match the checkpoint's.
 *
 * train.init_from names the checkpoint in one of three ways:
 *   ID       run ID's latest checkpoint in the run store
 *   ID:STEP  run ID's checkpoint at step STEP
 *   PATH     a checkpoint file: anything that is not ID or ID:STEP (./12 for a file named 12)
 * Every message starts with "train.init_from: ". */
#ifndef EXPOSURE_WARMSTART_H
#define EXPOSURE_WARMSTART_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "nn.h"
#include "store.h"

typedef struct {
    int64_t run;  /* the run that wrote the checkpoint; 0 when none of the store's runs did */
    int64_t step; /* its step; -1 until known (a file is read by warmstart_load) */
    char path[LIMIT_PATH_BYTES];
    ModelConfig shape;             /* the checkpoint's model */
    CheckpointTokenizer tokenizer; /* its vocabulary (the trainer checks it against its own) */
    char params_id[32]; /* after warmstart_load: checkpoint_params_id of the weights loaded */
} WarmStart;

/* Finds the checkpoint init_from names and reads its model's shape. db_path is the run store
 * (opened only to read, never created; a path needs none). The file guard keeps the run
 * database itself from being read as a checkpoint. Returns 0, or -1 with a message in err:
 * no such run, a run without checkpoints, a step it has no checkpoint at (listing those it
 * has), a file that is not a checkpoint. */
int warmstart_find(const char *db_path, const char *init_from, WarmStart *ws, char *err,
                   size_t cap);

/* For a config that starts from a checkpoint (train.init_from): finds it (warmstart_find) and
 * records its shape in cfg (Config.init_shape), so that config_resolve gives each shape key
 * the user did not set the checkpoint's value, and config_validate refuses one the user set
 * that differs, naming each such key and both values. Does nothing without train.init_from.
 * ws receives the checkpoint (NULL when not wanted). Returns 0, or -1 with warmstart_find's
 * message; cfg is resolved by the caller. */
int warmstart_adopt_shape(Config *cfg, const char *db_path, WarmStart *ws, char *err, size_t cap);

/* Loads the checkpoint's parameters into m, which has its shape, with a fresh optimizer:
 * AdamW moments and gradients zero. Sets ws->step from the file and ws->params_id. Returns 0,
 * or -1 with a message naming the file. */
int warmstart_load(WarmStart *ws, Model *m, char *err, size_t cap);

/* "run 3 at step 1000" or "FILE at step 1000": the checkpoint, for messages. */
void warmstart_describe(const WarmStart *ws, char *out, size_t cap);

#endif

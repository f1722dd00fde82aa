/* What exposure refuses for being too large, and the memory check that refuses a model the
 * machine cannot hold before anything is allocated for it.
 *
 * Bounds kept by other modules (docs/reliability.md lists each with its message): a dataset
 * line of at most DATASET_MAX_LINE bytes and a dataset file of at most DATASET_MAX_BYTES
 * (dataset.h), a config file of at most 1 MiB (config.c), and the model shapes, batch and
 * threads of limit.h, which the config's key table and the model's own check use. */
#ifndef EXPOSURE_CAPACITY_H
#define EXPOSURE_CAPACITY_H

#include <stddef.h>

#include "nn.h"

/* Left free for the rest of the process (OpenBLAS's buffers, SQLite's cache, thread stacks,
 * the datasets) on top of what the model needs. */
#define CAPACITY_RESERVE_BYTES ((size_t)128 << 20)

typedef struct {
    size_t model;       /* parameters, gradients and the AdamW moments */
    size_t activations; /* the activation arena and the backward scratch */
    size_t batches;     /* n_batches batch buffers of batch rows of the full context */
    size_t decoder;     /* the decoder: its key/value cache and scratch (decoder_bytes_needed) */
    size_t total;
} MemoryNeed;

/* What a model of cfg with max_batch rows needs, with n_batches batch buffers (training keeps
 * two, evaluation one) and a decoder of decode_batch sequences (none when 0) run by threads
 * workers. Saturates at SIZE_MAX. */
MemoryNeed capacity_memory_need(const ModelConfig *cfg, int max_batch, int n_batches,
                                int decode_batch, int threads);

typedef struct {
    size_t bytes;      /* SIZE_MAX when nothing limits it */
    const char *limit; /* what sets it, as a message says it: "this machine has" ... */
} MemoryAvailable;

/* The least of MemAvailable (/proc/meminfo) and what RLIMIT_AS and RLIMIT_DATA leave this
 * process beyond what it already uses (/proc/self/status). */
MemoryAvailable capacity_memory_available(void);

/* Checks cfg (model_config_check, with messages naming the model.* key) and its memory need
 * plus CAPACITY_RESERVE_BYTES against avail. On refusal returns -1 with a message such as
 * "model.dim: a model of 64 layers, dim 4096, context 256, batch 4096 needs 9.1 TiB; this
 * machine has 22.9 GiB available", naming train.batch instead when the batch-sized memory is
 * the larger part. */
int capacity_check_memory(const ModelConfig *cfg, int max_batch, int n_batches, int decode_batch,
                          int threads, const MemoryAvailable *avail, char *err, size_t cap);

#endif

/* A GPT-2 language model in float32, trained on the CPU.
 *
 * Parameters, gradients and the two AdamW moments are each one contiguous buffer; the
 * named views (ParamViews) point into them. A batch is split by rows into shards, one per
 * thread of the model's pool; each shard runs the whole forward and backward pass on its
 * rows with single-threaded sgemm, in its own activation arena sized for its share of
 * max_batch rows of the full context (a pass uses only its rows times T, where T is the
 * batch's longest row). Shard gradients are summed in a fixed order, so results depend on
 * the thread count but never on timing. */
#ifndef EXPOSURE_MODEL_H
#define EXPOSURE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "block.h"
#include "layers.h"

typedef struct {
    int layers;  /* transformer blocks, L */
    int dim;     /* channels, C */
    int heads;   /* attention heads, NH; divides dim */
    int context; /* longest sequence, in tokens */
    int vocab;   /* real vocabulary size; padded to a multiple of 8 internally */
} ModelConfig;

enum {
    P_WTE,
    P_WPE,
    P_LN1W,
    P_LN1B,
    P_QKVW,
    P_QKVB,
    P_ATTPROJW,
    P_ATTPROJB,
    P_LN2W,
    P_LN2B,
    P_FCW,
    P_FCB,
    P_FCPROJW,
    P_FCPROJB,
    P_LNFW,
    P_LNFB,
    NUM_PARAM_TENSORS
};

/* Named views into a parameter-shaped buffer; per-layer tensors are stacked over layers. */
typedef union {
    struct {
        float *wte;                 /* (Vp, C) token embedding, also the LM head */
        float *wpe;                 /* (context, C) */
        float *ln1w, *ln1b;         /* (L, C) */
        float *qkvw, *qkvb;         /* (L, 3C, C), (L, 3C) */
        float *attprojw, *attprojb; /* (L, C, C), (L, C) */
        float *ln2w, *ln2b;         /* (L, C) */
        float *fcw, *fcb;           /* (L, 4C, C), (L, 4C) */
        float *fcprojw, *fcprojb;   /* (L, C, 4C), (L, C) */
        float *lnfw, *lnfb;         /* (C) */
    };
    float *at[NUM_PARAM_TENSORS];
} ParamViews;

typedef struct {
    ModelConfig cfg;
    int padded_vocab;
    size_t num_params;
    size_t tensor_size[NUM_PARAM_TENSORS];
    size_t tensor_offset[NUM_PARAM_TENSORS];

    float *params, *grads, *adam_m, *adam_v; /* num_params floats each */
    ParamViews p, g;                         /* views into params and grads */

    int max_batch;
    int threads; /* shards, and threads of the pool */
    struct Pool *pool;
    struct ModelShard *shards;
    float *logits; /* (max_batch * context, padded_vocab), all shards' rows */

    /* Shape and loss statistics of the last forward pass. */
    int B, T;
    XentStats last;
} Model;

/* Checks a configuration; on failure writes a reason naming the field into err. */
int model_config_check(const ModelConfig *cfg, char *err, size_t errcap);

/* Bytes of parameters, gradients and AdamW state together, and of the activations, logits
 * and backward scratch for max_batch rows of the full context: what model_init allocates
 * (one thread; each further thread adds a gradient buffer). */
size_t model_state_bytes(const ModelConfig *cfg);
size_t model_activation_bytes(const ModelConfig *cfg, int max_batch);

/* Allocates everything for batches of up to max_batch rows, with one thread; parameters are
 * zero until model_init_weights or a checkpoint fills them. Returns 0, or -1 when out of
 * memory or the config is invalid (the model is then empty and model_free is harmless). */
int model_init(Model *m, const ModelConfig *cfg, int max_batch);
void model_free(Model *m);

/* Splits batches over `threads` shards run by a pool of that many threads (1..LIMIT_THREADS;
 * outside, the nearest), and sets OpenBLAS to one thread so that the two never compete for
 * cores. Returns 0, or -1 when out of memory (the model keeps its previous setting). */
int model_set_threads(Model *m, int threads);

/* GPT-2 initialisation: N(0, 0.02) weights, residual projections scaled by 1/sqrt(2L),
 * zero biases, LayerNorm gains 1. Clears gradients and AdamW state. */
void model_init_weights(Model *m, uint64_t seed);

/* Block l's weights (views into m->params), for block_forward. */
BlockWeights model_block(const Model *m, int l);

/* 1 when AdamW applies weight decay to the tensor: matrices and embeddings, not LayerNorm
 * parameters or biases. */
int model_tensor_decays(int tensor);

/* Forward pass over b->input at shape (b->B, b->T), T <= context, B <= max_batch.
 * Returns the mean cross-entropy over positions whose mask is 1 (0 when there are none) and
 * keeps the statistics in m->last. The logits of masked rows are replaced by probabilities. */
float model_forward(Model *m, const Batch *b);

/* Forward pass without a loss: afterwards model_logits gives (B*T, padded_vocab) logits. */
void model_forward_logits(Model *m, const token_t *input, int B, int T);
const float *model_logits(const Model *m);

void model_zero_grad(Model *m);
/* Accumulates d(mean loss)/d(parameters) into m->grads for the batch of the last
 * model_forward, which must have been called with the same b. */
void model_backward(Model *m, const Batch *b);
/* The same with the mean taken over `count` loss positions instead of the batch's own
 * (m->last.count): when several processes each hold a part of a batch, count is the whole
 * batch's, and their gradients add up to the whole batch's gradient. */
void model_backward_scaled(Model *m, const Batch *b, long count);

#endif

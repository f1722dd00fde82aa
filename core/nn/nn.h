/* The neural network: token ids and batches (what the model reads), the layers, one
 * transformer block's forward pass (block.h, shared by training and decoding) and decoding's
 * key/value cache (kvcache.h), the GPT-2 model, the AdamW optimizer and its learning-rate
 * schedule, the thread pool that runs a batch's shards, and the collectives of data-parallel
 * training (dist.h). Uses util only: nothing here knows about text, datasets, the run store
 * or training runs. */
#ifndef EXPOSURE_NN_H
#define EXPOSURE_NN_H

#include "batch.h"
#include "block.h"
#include "dist.h"
#include "fastmath.h"
#include "kernels.h"
#include "kvcache.h"
#include "layers.h"
#include "model.h"
#include "optim.h"
#include "pool.h"
#include "token.h"

#endif

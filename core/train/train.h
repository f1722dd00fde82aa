/* Training and evaluation: the config, the data sources a config names, the mixing
 * schedule, the methods' batches, self-generation, decoding, evaluation (of a batch of
 * examples and of a stored run), the memory check, the named random streams and the trainer
 * thread. Uses every other
 * core layer: util, nn, data and store. */
#ifndef EXPOSURE_TRAIN_H
#define EXPOSURE_TRAIN_H

#include "capacity.h"
#include "config.h"
#include "datasource.h"
#include "decode.h"
#include "eval.h"
#include "method.h"
#include "mixing.h"
#include "run_eval.h"
#include "selfgen.h"
#include "streams.h"
#include "trainer.h"

#endif

/* Training and evaluation: the config (and stored configs flattened and compared), the data
 * sources a config names, the mixing schedule, the methods and their batches, the named random
 * streams, self-generation, decoding, evaluation (of a batch of examples and of a stored run,
 * next-token distributions over text tokens, the excess accumulated error against an oracle),
 * the memory check and the trainer thread. Uses every other core layer: util, nn, data and
 * store. */
#ifndef EXPOSURE_TRAIN_H
#define EXPOSURE_TRAIN_H

#include "capacity.h"
#include "config.h"
#include "datasource.h"
#include "decode.h"
#include "eval.h"
#include "exacc.h"
#include "flatcfg.h"
#include "hfmodel.h"
#include "method.h"
#include "mixing.h"
#include "run_eval.h"
#include "selfgen.h"
#include "streams.h"
#include "textdist.h"
#include "trainer.h"
#include "warmstart.h"

#endif

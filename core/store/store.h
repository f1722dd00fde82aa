/* What is kept on disk: the run store (runstore.h, one SQLite database of runs, metrics,
 * events and samples), the table of the metrics it keeps (metric_table.h), checkpoint
 * files (checkpoint.h), safetensors files (safetensors.h) and Hugging Face's GPT-2 in them
 * (hf_gpt2.h). Uses nn and util. */
#ifndef EXPOSURE_STORE_H
#define EXPOSURE_STORE_H

#include "checkpoint.h"
#include "hf_gpt2.h"
#include "metric_table.h"
#include "runstore.h"
#include "safetensors.h"

#endif

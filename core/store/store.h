/* What is kept on disk: the run store (runstore.h, one SQLite database of runs, metrics,
 * events and samples), the table of the metrics it keeps (metric_table.h), checkpoint
 * files (checkpoint.h) and safetensors files (safetensors.h). Uses nn and util. */
#ifndef EXPOSURE_STORE_H
#define EXPOSURE_STORE_H

#include "checkpoint.h"
#include "metric_table.h"
#include "runstore.h"
#include "safetensors.h"

#endif

/* The datasets a config names, loaded the same way by training and by evaluation. */
#ifndef EXPOSURE_DATASOURCE_H
#define EXPOSURE_DATASOURCE_H

#include <stddef.h>

#include "config.h"
#include "data.h"

/* Loads split "train", "val" or "test" of the config's data: data.train / data.val /
 * data.test, a built-in task name meaning its shipped file of that split. When data.val is
 * empty, "val" is data.val_fraction of data.train (drawn with STREAM_VAL_SPLIT, the same
 * whatever train.seed is) and "train" is the rest. Examples are not
 * filtered by length here. Returns 0, or -1 with "FILE:LINE: reason" (or another message
 * naming the key) in err. */
int datasource_load_split(const Config *c, const char *split, Dataset *out, char *err, size_t cap);

#endif

/* The --jsonl event lines (README.md, "The command line"): one compact JSON object a line on
 * stdout. */
#ifndef EXPOSURE_JSONL_H
#define EXPOSURE_JSONL_H

#include <cJSON.h>
#include <stdint.h>

#include "train.h"

/* Adds a number rounded to 7 significant digits, which is all a float carries, so that
 * 0.1f prints as 0.1 rather than 0.10000000149011612. */
void jsonl_add_number(cJSON *obj, const char *key, double value);

/* Adds text as a JSON string: escaped by cJSON (quotes, backslashes, control characters),
 * and made well-formed UTF-8 first, each byte that is not becoming U+FFFD (a path named in
 * another encoding, a message cut inside a character), so that every line is valid JSON
 * whatever the bytes. Returns 0, or -1 when out of memory. */
int jsonl_add_string(cJSON *obj, const char *key, const char *text);

/* The line for a trainer event of run run_id (rac: include the RAC-only fields). */
cJSON *jsonl_trainer_event(const TrainerEvent *ev, int64_t run_id, int rac);
/* {"event":"eval","step":S,"split":...,"val_loss":...}; the loss key is always "val_loss". */
cJSON *jsonl_eval(int64_t step, const char *split, const EvalSummary *e, int rac);

/* Prints obj compactly as one line on stdout, flushes, and deletes obj. Returns 0 or -1. */
int jsonl_print(cJSON *obj);

#endif

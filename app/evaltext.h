/* An evaluation's exposure-bias metrics as text for a person: the lines `exposure eval` prints
 * and the end of the line `exposure train` prints after each evaluation. */
#ifndef EXPOSURE_EVALTEXT_H
#define EXPOSURE_EVALTEXT_H

#include <stddef.h>

#include "train.h"

/* "answer_acc 0.420  ed_acc 0.912  recovery 0.350 (58 diverged)", with (rac)
 * "  corr_precision 0.800  corr_recall 0.400"; answer_acc only where it is defined, "-" for
 * the others where they are not. */
void eval_exposure_line(const EvalSummary *e, int rac, char *out, size_t cap);

/* "oracle run 5 step 2000: eps 0.0123  acc_err 1.234  ex_acc_err 12.3%" */
void eval_oracle_line(const EvalSummary *e, char *out, size_t cap);

#endif

/* The parts of `exposure report` that only a warm-start study has (exposure sweep --preset
 * paper, sweep_study.c): how its parents, continuations, oracle and arms were set up, and
 * whether the parents show exposure bias at all before any method tries to remove it. */
#ifndef EXPOSURE_REPORT_STUDY_H
#define EXPOSURE_REPORT_STUDY_H

#include <stdio.h>

#include "store.h"
#include "sweep_stats.h"

/* 1 when the sweep is a warm-start study (some run is a parent). */
int report_is_study(const SweepTable *t);

/* The setup: parents, continuations and the oracle per task (model, steps, lr), and every arm's
 * method settings. */
void report_study_setup(FILE *o, Store *s, const SweepTable *t);

/* Per task: the parents' teacher-forced accuracy over their last evaluations (has it levelled
 * off?), their free-running scores, how often their generations leave the reference and
 * recover, and against the oracle the per-step error and the excess accumulated error. */
void report_study_bias(FILE *o, Store *s, const SweepTable *t);

#endif

/* Mixing schedules: omega(s), the probability with which BASH and RAC use the model's own
 * tokens at training step s (docs/methods.md, "Schedules"). Every kind is clamped to [0, 1].
 * Not the learning-rate schedule, which is the optimizer's (optim.h). */
#ifndef EXPOSURE_MIXING_H
#define EXPOSURE_MIXING_H

#include "config.h"

/* omega at step s (0-based) of a run of total_steps steps. A to_step of -1 means
 * total_steps; a ramp whose from_step equals its to_step jumps from start to end there.
 *   constant         value
 *   linear           start until from_step, then linearly to end at to_step, then end
 *   exponential      start until from_step, then end - (end - start) * rate^(s - from_step)
 *   inverse_sigmoid  1 - k / (k + exp(s / k))   (Bengio et al. 2015, as a mixing ratio)
 *   cosine           start until from_step, then along half a cosine to end at to_step
 *   piecewise        linear between [step, omega] points, flat before the first and after
 *                    the last */
float mixing_omega(const ScheduleConfig *c, int s, int total_steps);

#endif

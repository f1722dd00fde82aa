#include "mixing.h"

#include <math.h>

static double clamp01(double v) { return v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v; }

/* Progress through [from, to] in [0, 1]. */
static double ramp(int s, int from, int to) {
    if (s <= from) return s < from ? 0.0 : (to == from ? 1.0 : 0.0);
    if (s >= to) return 1.0;
    return (double)(s - from) / (double)(to - from);
}

static double piecewise(const SchedulePoints *p, int s) {
    if (p->n == 0) return 0.0;
    if (s <= p->step[0]) return p->value[0];
    for (int i = 1; i < p->n; i++)
        if (s <= p->step[i]) {
            double f = (double)(s - p->step[i - 1]) / (double)(p->step[i] - p->step[i - 1]);
            return p->value[i - 1] + f * (p->value[i] - p->value[i - 1]);
        }
    return p->value[p->n - 1];
}

float mixing_omega(const ScheduleConfig *c, int s, int total_steps) {
    int to = c->to_step < 0 ? total_steps : c->to_step;
    double w = 0.0;
    switch (c->kind) {
    case SCHED_CONSTANT: w = c->value; break;
    case SCHED_LINEAR: w = c->start + (c->end - c->start) * ramp(s, c->from_step, to); break;
    case SCHED_EXPONENTIAL:
        w = s < c->from_step ? c->start
                             : c->end - (c->end - c->start) * pow(c->rate, s - c->from_step);
        break;
    case SCHED_INVERSE_SIGMOID: {
        double k = c->k, e = s / k;
        /* exp overflows past ~709; the teacher-forcing share is then 0. */
        w = e > 700.0 ? 1.0 : 1.0 - k / (k + exp(e));
        break;
    }
    case SCHED_COSINE: {
        double p = ramp(s, c->from_step, to);
        w = c->start + (c->end - c->start) * 0.5 * (1.0 - cos(M_PI * p));
        break;
    }
    case SCHED_PIECEWISE: w = piecewise(&c->points, s); break;
    }
    return (float)clamp01(w);
}

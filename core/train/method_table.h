/* The training methods, one table (docs/methods.md describes each). Adding a method is a
 * line here and its batch construction in method.c; the config's choices, the names in the
 * run store and on screen, and which keys and metrics apply all follow from the table.
 *
 * X(ID, name, description, uses): name as configs, the store and the command line spell
 * it; a one-line description; which groups of method keys apply, METHOD_MIXES and
 * METHOD_CORRECTS below. */
#ifndef EXPOSURE_METHOD_TABLE_H
#define EXPOSURE_METHOD_TABLE_H

#define METHOD_TABLE(X)                                                                            \
    X(METHOD_BASELINE, "baseline", "teacher forcing", 0)                                           \
    X(METHOD_BASH, "bash", "Batch-Scheduled Sampling", METHOD_MIXES)                               \
    X(METHOD_RAC, "rac", "Reference-Answer-based Correction", METHOD_MIXES | METHOD_CORRECTS)

/* The method feeds the model its own tokens with probability omega: the mixing schedule
 * (method.schedule.*) and self-generation (method.selfgen.*) apply, and the per-step
 * omega, mixed_frac and diff_frac are recorded. */
#define METHOD_MIXES 1u
/* The method trains and decodes with <corr>: method.rac.* apply, decoding honours <corr>
 * and the correction metrics are recorded. */
#define METHOD_CORRECTS 2u

#define METHOD_TABLE_ID(id, name, description, uses) id,
typedef enum { METHOD_TABLE(METHOD_TABLE_ID) METHOD_COUNT } MethodName;
#undef METHOD_TABLE_ID

#endif

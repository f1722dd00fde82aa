/* The built-in task families: deterministic generators of small datasets of the paper's three
 * kinds, and the shipped files they produced (assets/datasets/<task>/{train,val,test}.jsonl). */
#ifndef EXPOSURE_TASKS_H
#define EXPOSURE_TASKS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct {
    const char *name;        /* "arith", "facts", "digest" */
    const char *kind;        /* "math QA", "general QA", "summarization" */
    const char *layout;      /* layout_name() of what it writes */
    const char *description; /* one line */
    int sizes[3];            /* shipped train, val and test records */
    uint64_t seeds[3];       /* the seeds the shipped splits were generated with */
} TaskInfo;

/* The tasks, ending with a zeroed entry. */
extern const TaskInfo builtin_tasks[];
const TaskInfo *task_find(const char *name);

/* Writes n records of the task as JSONL to out. Same (task, n, seed): same bytes.
 * Returns 0, or -1 with a message in err (unknown task, write error). */
int task_generate(const char *name, int n, uint64_t seed, FILE *out, char *err, size_t errcap);

/* Resolves a dataset reference as the config uses it: a built-in task name ("arith") means
 * that task's shipped file (under assets_dir()) for the split ("train", "val" or "test");
 * anything else is a path and is returned as given. Writes into out; returns 0, or -1 when it
 * does not fit (or a task name comes with a split that is none of the three). */
int task_resolve(const char *ref, const char *split, char *out, size_t cap);

#endif

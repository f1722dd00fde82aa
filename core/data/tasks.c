#include "tasks.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "task_gen.h"

/* Sizes: 6000 training records of 135-256 tokens (median about 200) are about 1.2 million
 * tokens, an epoch that a 2-core CPU trains in minutes with the small models; 300 validation
 * records keep the periodic free-running evaluation short, and 500 test records measure em to
 * about +-2 points. */
const TaskInfo builtin_tasks[] = {
    {"arith",
     "math QA",
     "question_answer",
     "word problems of two or three steps, worked with calculator annotations, then #### N",
     {6000, 300, 500},
     {101, 102, 103}},
    {"facts",
     "general QA",
     "context_qa",
     "facts about invented people; a question answered with a span of the context",
     {6000, 300, 500},
     {201, 202, 203}},
    {"digest",
     "summarization",
     "document_summary",
     "a short news item, one main event among distractors -> a one-line headline",
     {6000, 300, 500},
     {301, 302, 303}},
    {NULL, NULL, NULL, NULL, {0, 0, 0}, {0, 0, 0}},
};

/* In the order of builtin_tasks[]. */
static const RecordGenerator generators[] = {gen_arith_record, gen_facts_record, gen_digest_record};

const TaskInfo *task_find(const char *name) {
    for (const TaskInfo *t = builtin_tasks; t->name; t++)
        if (name && strcmp(name, t->name) == 0) return t;
    return NULL;
}

__attribute__((format(printf, 3, 4))) static int report(char *err, size_t errcap, const char *fmt,
                                                        ...) {
    if (err && errcap > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errcap, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int task_generate(const char *name, int n, uint64_t seed, FILE *out, char *err, size_t errcap) {
    const TaskInfo *task = task_find(name);
    if (!task)
        return report(err, errcap, "unknown task \"%s\" (built-in tasks: arith, facts, digest)",
                      name ? name : "");
    if (n < 0) return report(err, errcap, "the number of records must not be negative");
    RecordGenerator generate = generators[task - builtin_tasks];
    Rng r;
    rng_seed(&r, seed);
    StrBuf line;
    sb_init(&line);
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        sb_clear(&line);
        if (generate(&r, &line) != 0) rc = report(err, errcap, "out of memory");
        else if (fwrite(line.data, 1, line.len, out) != line.len)
            rc = report(err, errcap, "write error: %s", strerror(errno));
    }
    sb_free(&line);
    if (rc == 0 && fflush(out) != 0) rc = report(err, errcap, "write error: %s", strerror(errno));
    return rc;
}

int task_resolve(const char *ref, const char *split, char *out, size_t cap) {
    int n;
    if (task_find(ref)) {
        if (!split || (strcmp(split, "train") && strcmp(split, "val") && strcmp(split, "test")))
            return -1;
        n = snprintf(out, cap, "%s/datasets/%s/%s.jsonl", assets_dir(), ref, split);
    } else {
        n = snprintf(out, cap, "%s", ref);
    }
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

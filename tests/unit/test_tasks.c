#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assets.h"
#include "dataset.h"
#include "metrics.h"
#include "tasks.h"
#include "files.h"

static const char *const splits[3] = {"train", "val", "test"};

/* Generates into memory; the caller frees *bytes. */
static size_t generate(const char *task, int n, uint64_t seed, char **bytes) {
    size_t len = 0;
    FILE *f = open_memstream(bytes, &len);
    cr_assert_not_null(f);
    char err[256];
    cr_assert_eq(task_generate(task, n, seed, f, err, sizeof err), 0, "%s", err);
    cr_assert_eq(fclose(f), 0);
    return len;
}

static void load_shipped(const TaskInfo *t, int split, Dataset *d) {
    char path[1024], err[512];
    cr_assert_eq(task_resolve(t->name, splits[split], path, sizeof path), 0);
    LoadOptions opt = {0};
    cr_assert_eq(dataset_load(path, &opt, d, err, sizeof err), 0, "%s", err);
}

/* ---- the table --------------------------------------------------------------------------- */

Test(tasks, table_lists_three_tasks_with_known_layouts) {
    int n = 0;
    for (const TaskInfo *t = builtin_tasks; t->name; t++, n++) {
        Layout l;
        cr_assert_eq(layout_parse(t->layout, &l), 0, "%s", t->layout);
        cr_assert_neq(l, LAYOUT_AUTO);
        cr_assert_eq(task_find(t->name), t);
        for (int s = 0; s < 3; s++) cr_assert_gt(t->sizes[s], 0);
    }
    cr_assert_eq(n, 3);
    cr_assert_str_eq(builtin_tasks[0].name, "arith");
    cr_assert_str_eq(task_find("facts")->layout, "context_qa");
    cr_assert_str_eq(task_find("digest")->layout, "document_summary");
    cr_assert_null(task_find("gsm8k"));
    cr_assert_null(task_find(NULL));
}

/* ---- generation -------------------------------------------------------------------------- */

Test(tasks, same_seed_same_bytes_other_seed_other_bytes) {
    for (const TaskInfo *t = builtin_tasks; t->name; t++) {
        char *a, *b, *c;
        size_t na = generate(t->name, 40, 5, &a), nb = generate(t->name, 40, 5, &b);
        size_t nc = generate(t->name, 40, 6, &c);
        cr_assert_gt(na, 0);
        cr_assert_eq(na, nb, "%s", t->name);
        cr_assert_eq(memcmp(a, b, na), 0, "%s: same seed, different bytes", t->name);
        cr_assert(na != nc || memcmp(a, c, na) != 0, "%s: seeds 5 and 6 agree", t->name);
        /* a prefix of a longer run: record i depends only on the records before it */
        char *longer;
        size_t nl = generate(t->name, 41, 5, &longer);
        cr_assert_gt(nl, na);
        cr_assert_eq(memcmp(a, longer, na), 0);
        free(a), free(b), free(c), free(longer);
    }
}

Test(tasks, generation_errors) {
    char err[256] = "";
    cr_assert_eq(task_generate("nope", 3, 1, stdout, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "unknown task \"nope\""), "%s", err);
    cr_assert_eq(task_generate("arith", -1, 1, stdout, err, sizeof err), -1);
    char *none;
    cr_assert_eq(generate("arith", 0, 1, &none), 0);
    free(none);
    FILE *full = fopen("/dev/full", "w");
    if (!full) cr_skip_test("/dev/full is not there");
    cr_assert_eq(task_generate("facts", 100, 1, full, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "write error"), "%s", err);
    fclose(full);
}

/* ---- the shipped files ------------------------------------------------------------------- */

Test(tasks, shipped_files_are_what_the_generator_writes) {
    for (const TaskInfo *t = builtin_tasks; t->name; t++)
        for (int s = 0; s < 3; s++) {
            char path[1024];
            cr_assert_eq(task_resolve(t->name, splits[s], path, sizeof path), 0);
            size_t shipped_len, fresh_len;
            char *shipped = read_file(path, &shipped_len), *fresh;
            fresh_len = generate(t->name, t->sizes[s], t->seeds[s], &fresh);
            cr_assert_eq(shipped_len, fresh_len, "%s differs in length", path);
            cr_assert_eq(memcmp(shipped, fresh, fresh_len), 0, "%s differs", path);
            free(shipped), free(fresh);
        }
}

Test(tasks, shipped_records_load_with_their_layout_and_fit_256_tokens) {
    for (const TaskInfo *t = builtin_tasks; t->name; t++) {
        Layout want;
        cr_assert_eq(layout_parse(t->layout, &want), 0);
        for (int s = 0; s < 3; s++) {
            Dataset d;
            load_shipped(t, s, &d);
            cr_assert_eq(d.layout, want, "%s/%s", t->name, splits[s]);
            cr_assert_eq(d.n, t->sizes[s]);
            for (int i = 0; i < d.n; i++) {
                const Example *e = &d.ex[i];
                cr_assert_leq(example_tokens(e), 256, "%s/%s:%d", t->name, splits[s], e->line);
                size_t r = strlen(e->response);
                cr_assert(r >= 15 && r <= 120, "%s/%s:%d: response of %zu bytes", t->name,
                          splits[s], e->line, r);
                for (const char *p = e->prompt; *p; p++)
                    cr_assert(*p == '\n' || (*p >= 0x20 && *p < 0x7f), "%s: not plain ASCII",
                              t->name);
                cr_assert_null(strchr(e->prompt, '{'), "unfilled template: %s", e->prompt);
                cr_assert_null(strchr(e->response, '{'), "unfilled template: %s", e->response);
            }
            dataset_free(&d);
        }
    }
}

/* ---- what each task promises ------------------------------------------------------------- */

/* Parses "<<A op B=C>>C" at s; returns the pointer after it, or NULL. */
static const char *parse_step(const char *s, long *a, char *op, long *b, long *c) {
    int used = 0;
    if (sscanf(s, "<<%ld%c%ld=%ld>>%n", a, op, b, c, &used) != 4 || used == 0) return NULL;
    long shown;
    int used2 = 0;
    cr_assert_eq(sscanf(s + used, "%ld%n", &shown, &used2), 1, "result not repeated: %s", s);
    cr_assert_eq(shown, *c, "annotation result %ld shown as %ld", *c, shown);
    return s + used + used2;
}

static long apply(long a, char op, long b) {
    switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    default:
        cr_assert_eq(op, '/');
        cr_assert_neq(b, 0);
        cr_assert_eq(a % b, 0, "inexact division %ld / %ld", a, b);
        return a / b;
    }
}

Test(tasks, arith_steps_are_right_and_each_uses_the_previous_result) {
    char path[1024], err[512];
    cr_assert_eq(task_resolve("arith", "train", path, sizeof path), 0);
    LoadOptions keep = {.keep_calc = 1};
    Dataset d;
    cr_assert_eq(dataset_load(path, &keep, &d, err, sizeof err), 0, "%s", err);
    int three_steps = 0;
    for (int i = 0; i < d.n; i++) {
        cr_assert_leq(example_tokens(&d.ex[i]), 256, "line %d with annotations", d.ex[i].line);
        const char *resp = d.ex[i].response, *p = resp;
        long prev = 0, a, b, c;
        char op;
        int steps = 0;
        while ((p = strstr(p, "<<"))) {
            p = parse_step(p, &a, &op, &b, &c);
            cr_assert_not_null(p, "line %d: malformed annotation in %s", d.ex[i].line, resp);
            cr_assert_eq(apply(a, op, b), c, "line %d: %ld %c %ld != %ld", d.ex[i].line, a, op, b,
                         c);
            cr_assert_geq(c, 1);
            if (steps > 0)
                cr_assert_eq(a, prev, "line %d: a step ignores the result before", d.ex[i].line);
            prev = c;
            steps++;
        }
        cr_assert(steps == 2 || steps == 3, "line %d: %d steps", d.ex[i].line, steps);
        three_steps += steps == 3;
        char final[32], want[32];
        cr_assert_eq(metric_gsm8k_answer(resp, final, sizeof final), 0);
        snprintf(want, sizeof want, "%ld", prev);
        cr_assert_str_eq(final, want, "line %d", d.ex[i].line);
        cr_assert_eq(d.ex[i].prompt[strlen(d.ex[i].prompt) - strlen("\nAnswer:") - 1], '?');
    }
    /* both lengths are well represented */
    cr_assert_gt(three_steps, d.n / 4);
    cr_assert_lt(three_steps, d.n * 3 / 4);
    dataset_free(&d);
}

Test(tasks, facts_answers_are_spans_of_the_context) {
    Dataset d;
    load_shipped(task_find("facts"), 0, &d);
    int with_alternative = 0;
    for (int i = 0; i < d.n; i++) {
        const Example *e = &d.ex[i];
        const char *context = e->prompt + strlen("Context: ");
        const char *question = strstr(context, "\nQuestion: ");
        cr_assert_not_null(question);
        size_t context_len = (size_t)(question - context);
        for (int k = 0; k < e->n_answers; k++) {
            const char *hit = strstr(context, e->answers[k]);
            cr_assert(hit && (size_t)(hit - context) + strlen(e->answers[k]) <= context_len,
                      "line %d: \"%s\" is not in the context", e->line, e->answers[k]);
        }
        with_alternative += e->n_answers > 1;
    }
    cr_assert_gt(with_alternative, 0);
    cr_assert_lt(with_alternative, d.n);
    dataset_free(&d);
}

Test(tasks, digest_summaries_are_not_copied_sentences) {
    Dataset d;
    load_shipped(task_find("digest"), 0, &d);
    for (int i = 0; i < d.n; i++) {
        const Example *e = &d.ex[i];
        cr_assert_null(strstr(e->prompt, e->response), "line %d: summary copied", e->line);
        size_t n = strlen(e->response);
        cr_assert_eq(e->response[n - 1], '.');
        cr_assert_null(strchr(e->response, '\n'), "one line");
        /* every number in the summary comes from the document */
        for (const char *p = e->response; *p; p++) {
            if (!isdigit((unsigned char)*p) || (p > e->response && isdigit((unsigned char)p[-1])))
                continue;
            char number[16];
            size_t len = strspn(p, "0123456789");
            cr_assert_lt(len, sizeof number);
            memcpy(number, p, len);
            number[len] = '\0';
            cr_assert_not_null(strstr(e->prompt, number), "line %d: %s", e->line, number);
        }
    }
    dataset_free(&d);
}

/* ---- where the files are ----------------------------------------------------------------- */

Test(tasks, assets_dir_prefers_the_environment) {
    cr_assert_eq(setenv("EXPOSURE_ASSETS", "/opt/exposure-assets", 1), 0);
    cr_assert_str_eq(assets_dir(), "/opt/exposure-assets");
    char out[256];
    cr_assert_eq(task_resolve("digest", "val", out, sizeof out), 0);
    cr_assert_str_eq(out, "/opt/exposure-assets/datasets/digest/val.jsonl");
    cr_assert_eq(unsetenv("EXPOSURE_ASSETS"), 0);
    /* without it: beside the binary (build/../assets) or ./assets; both hold the datasets */
    char path[1024];
    snprintf(path, sizeof path, "%s/datasets/arith/train.jsonl", assets_dir());
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    fclose(f);
}

Test(tasks, resolve_paths_and_errors) {
    char out[64];
    cr_assert_eq(task_resolve("data/my.jsonl", "train", out, sizeof out), 0);
    cr_assert_str_eq(out, "data/my.jsonl");
    cr_assert_eq(task_resolve("arith", "dev", out, sizeof out), -1, "unknown split");
    cr_assert_eq(task_resolve("a-rather-long-file-name.jsonl", "val", out, 10), -1);
    cr_assert_eq(setenv("EXPOSURE_ASSETS", "a", 1), 0);
    cr_assert_eq(task_resolve("facts", "test", out, sizeof out), 0);
    cr_assert_str_eq(out, "a/datasets/facts/test.jsonl");
    cr_assert_eq(task_resolve("facts", "test", out, 27), -1, "one byte short");
    cr_assert_eq(task_resolve("facts", "test", out, 28), 0, "exactly fits");
}

/* The warm-start study of `exposure sweep --preset paper`: the paper's regime, fine-tuning a
 * competent model. Per task, an oracle (a larger model trained longer, for the excess
 * accumulated error); per task and seed, a baseline parent trained until its teacher-forced
 * accuracy levels off; from each parent, one equal-length continuation per arm (baseline, BASH,
 * RAC and variants), so that arms are compared per seed on the same starting weights. Runs are
 * tagged with their part (sweep_stats.h) so that the table and the report can tell them apart. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "data.h"
#include "store.h"
#include "sweep_internal.h"
#include "sweep_stats.h"

static int arm_wanted(const SweepArgs *a, const char *name) {
    for (int i = 0; i < a->n_methods; i++)
        if (!strcmp(a->methods[i], name)) return 1;
    return a->n_methods == 0;
}

int sweep_study_plan(const SweepArgs *a, Plan *p, char *err, size_t cap) {
    const cJSON *arms = cJSON_GetObjectItemCaseSensitive(p->preset, "arms");
    if (!cJSON_IsArray(arms) || !arms->child) {
        snprintf(err, cap,
                 "preset %s: a study needs \"arms\": [{\"name\", \"method\", \"config\"}]",
                 a->preset);
        return -1;
    }
    p->n_methods = 0;
    for (const cJSON *it = arms->child; it; it = it->next) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(it, "name");
        const cJSON *method = cJSON_GetObjectItemCaseSensitive(it, "method");
        const cJSON *config = cJSON_GetObjectItemCaseSensitive(it, "config");
        const cJSON *tasks = cJSON_GetObjectItemCaseSensitive(it, "tasks");
        if (!cJSON_IsString(name) || !*name->valuestring ||
            strlen(name->valuestring) >= sizeof p->arms[0].name || !cJSON_IsString(method) ||
            method_find(method->valuestring) < 0 || (config && !cJSON_IsObject(config)) ||
            (tasks && !cJSON_IsArray(tasks)) || strchr(name->valuestring, ',')) {
            snprintf(err, cap,
                     "preset %s: every arm needs a \"name\" (1..%zu characters, no comma), a "
                     "\"method\" that exists, an optional \"config\" object and an optional "
                     "\"tasks\" list",
                     a->preset, sizeof p->arms[0].name - 1);
            return -1;
        }
        if (!arm_wanted(a, name->valuestring)) continue;
        if (p->n_methods == SWEEP_MAX_LIST) {
            snprintf(err, cap, "preset %s: more than %d arms", a->preset, SWEEP_MAX_LIST);
            return -1;
        }
        SweepArm *arm = &p->arms[p->n_methods];
        snprintf(arm->name, sizeof arm->name, "%s", name->valuestring);
        snprintf(arm->method, sizeof arm->method, "%s", method->valuestring);
        arm->config = config;
        arm->tasks = tasks;
        /* sizeof methods[0] == sizeof arms[0].name: the name fits. */
        memcpy(p->methods[p->n_methods++], arm->name, strlen(arm->name) + 1);
    }
    for (int i = 0; i < a->n_methods; i++) {
        int found = 0;
        for (int k = 0; k < p->n_methods; k++) found |= !strcmp(p->methods[k], a->methods[i]);
        if (!found) {
            snprintf(err, cap, "--methods: preset %s has no arm '%s'", a->preset, a->methods[i]);
            return -1;
        }
    }
    return 0;
}

static int arm_runs_on(const SweepArm *arm, const char *task) {
    if (!arm->tasks) return 1;
    for (const cJSON *it = arm->tasks->child; it; it = it->next)
        if (cJSON_IsString(it) && !strcmp(it->valuestring, task)) return 1;
    return 0;
}

static int arms_on(const Plan *p, const char *task) {
    int n = 0;
    for (int m = 0; m < p->n_methods; m++) n += arm_runs_on(&p->arms[m], task);
    return n;
}

/* 1 when the task gets an oracle: "oracle_tasks" (of "quick" first, with --quick) lists it, or
 * there is an "oracle" part and no list. */
static int has_oracle(const SweepArgs *a, const Plan *p, const char *task) {
    const cJSON *list = NULL;
    if (a->quick && p->quick) list = cJSON_GetObjectItemCaseSensitive(p->quick, "oracle_tasks");
    if (!list) list = cJSON_GetObjectItemCaseSensitive(p->preset, "oracle_tasks");
    if (!list) return cJSON_GetObjectItemCaseSensitive(p->preset, "oracle") != NULL;
    for (const cJSON *it = list->child; it; it = it->next)
        if (cJSON_IsString(it) && !strcmp(it->valuestring, task)) return 1;
    return 0;
}

typedef struct {
    const SweepArgs *a;
    const Plan *p;
    Store *store;
    int64_t sweep;
    const char *db;
    int index, total, failures;
} Study;

/* Trains, tags and tests one run of the study. Returns its id (status in status), or -1 when
 * the sweep must stop (exit code in *rc). */
static int64_t study_run(Study *st, const char *task, SweepPart part, const char *arm, int seed,
                         int64_t parent, int64_t oracle, char *status, size_t cap, int *rc) {
    const SweepArgs *a = st->a;
    static const char *const tags[] = {
        [SWEEP_AS_PARENT] = SWEEP_TAG_PARENT, [SWEEP_AS_ORACLE] = SWEEP_TAG_ORACLE};
    const char *label = part == SWEEP_AS_PARENT   ? "parent"
                        : part == SWEEP_AS_ORACLE ? "oracle"
                                                  : arm;
    SweepSlot slot = {++st->index, st->total, task, label, seed};
    char err[1024], from[32], name[200], tag[64];
    snprintf(from, sizeof from, "%lld", (long long)parent);
    Config c;
    if (sweep_run_config(a, st->p, task, part, arm, seed, parent ? from : NULL, &c, err,
                         sizeof err)) {
        fprintf(stderr, "exposure sweep: %s\n", err);
        *rc = EXIT_USAGE;
        return -1;
    }
    char data[96];
    dataset_name(task, data, sizeof data);
    snprintf(name, sizeof name, "%s%s%s-%s-s%d", a->name ? a->name : "", a->name ? "-" : "", data,
             label, seed);
    TrainerOptions opt = {.db_path = st->db, .name = name, .sweep = st->sweep};
    snprintf(status, cap, "failed");
    int64_t run = sweep_train_one(&c, &opt, &slot, a, status, cap, err, sizeof err);
    if (run < 0) {
        fprintf(stderr, "exposure sweep: %s\n", err);
        *rc = run == -2 ? EXIT_USAGE : EXIT_RUNTIME;
        return -1;
    }
    snprintf(tag, sizeof tag, "%s%s", part == SWEEP_AS_CONTINUATION ? SWEEP_TAG_ARM : "",
             part == SWEEP_AS_CONTINUATION ? arm : tags[part]);
    if (store_set_tags(st->store, run, tag))
        fprintf(stderr, "exposure sweep: run %lld: %s\n", (long long)run, store_error(st->store));
    RunEvalResult test, *tested = NULL;
    if (!strcmp(status, "completed")) tested = sweep_test(st->store, run, oracle, &test);
    else st->failures++;
    sweep_announce(a, &slot, run, status, tested);
    return run;
}

static int stopped(const Study *st) {
    if (!sweep_interrupts) return 0;
    fprintf(stderr, "exposure sweep: stopped after %d of %d runs\n", st->index, st->total);
    return 1;
}

int sweep_study_run(const SweepArgs *a, const Plan *p, Store *store, int64_t sweep,
                    const char *db) {
    Study st = {a, p, store, sweep, db, 0, 0, 0};
    for (int t = 0; t < p->n_tasks; t++)
        st.total += has_oracle(a, p, p->tasks[t]) + p->n_seeds * (1 + arms_on(p, p->tasks[t]));
    int rc = EXIT_OK;
    for (int t = 0; t < p->n_tasks; t++) {
        const char *task = p->tasks[t];
        char status[16];
        int64_t oracle = 0;
        if (has_oracle(a, p, task)) {
            if (stopped(&st)) return EXIT_OK;
            int64_t run = study_run(&st, task, SWEEP_AS_ORACLE, "", p->seeds[0], 0, 0, status,
                                    sizeof status, &rc);
            if (run < 0) return rc;
            if (!strcmp(status, "completed")) oracle = run;
        }
        for (int s = 0; s < p->n_seeds; s++) {
            if (stopped(&st)) return EXIT_OK;
            int64_t parent = study_run(&st, task, SWEEP_AS_PARENT, "", p->seeds[s], 0, oracle,
                                       status, sizeof status, &rc);
            if (parent < 0) return rc;
            if (strcmp(status, "completed")) {
                /* Nothing to continue from: the arms of this seed are not run. */
                st.index += arms_on(p, task);
                continue;
            }
            for (int m = 0; m < p->n_methods; m++) {
                if (!arm_runs_on(&p->arms[m], task)) continue;
                if (stopped(&st)) return EXIT_OK;
                if (study_run(&st, task, SWEEP_AS_CONTINUATION, p->methods[m], p->seeds[s], parent,
                              oracle, status, sizeof status, &rc) < 0)
                    return rc;
            }
        }
    }
    return st.failures ? EXIT_RUNTIME : EXIT_OK;
}

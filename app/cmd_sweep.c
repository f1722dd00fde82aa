/* exposure sweep: a grid of runs (tasks x methods x seeds), or a preset's warm-start study
 * (sweep_study.c), trained one after the other into the run store under one sweep id,
 * optionally evaluated on the test split, then summarized. Ctrl-C stops after the current run;
 * a second Ctrl-C stops the current run too. */
#include <cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "jsonl.h"
#include "progress.h"
#include "train.h"
#include "sweep_internal.h"
#include "sweep_stats.h"
#include "data.h"

enum {
    F_CONFIG,
    F_SET,
    F_METHODS,
    F_SEEDS,
    F_TASKS,
    F_EVAL_TEST,
    F_PRESET,
    F_QUICK,
    F_NAME,
    F_JSONL,
    F_QUIET
};
static const ArgFlag flags[] = {
    [F_CONFIG] = {"--config", NULL, "F", 0, "a JSON config every run starts from"},
    [F_SET] = {"--set", NULL, "key=value", 1, "override one config key of every run"},
    [F_METHODS] = {"--methods", NULL, "M,...", 0, "methods to compare (default: all of them)"},
    [F_SEEDS] = {"--seeds", NULL, "S,...", 0, "train.seed values (default 1,2,3)"},
    [F_TASKS] = {"--tasks", NULL, "T,...", 0,
                 "built-in tasks or JSONL files for data.train (default: the config's data)"},
    [F_EVAL_TEST] = {"--test", NULL, NULL, 0,
                     "evaluate every run on its test split after training"},
    [F_PRESET] = {"--preset", NULL, "NAME", 0,
                  "a sweep described in assets/configs/NAME.json (e.g. paper); implies --test"},
    [F_QUICK] = {"--quick", NULL, NULL, 0, "the preset's reduced version"},
    [F_NAME] = {"--name", NULL, "N", 0, "a name for the sweep (and a prefix for its runs')"},
    [F_JSONL] = {"--jsonl", NULL, NULL, 0, "one JSON line per run and one at the end on stdout"},
    [F_QUIET] = {"--quiet", NULL, NULL, 0, "no progress line"},
    {0},
};

static void more_help(FILE *out) {
    char methods[128];
    method_list(", ", " and ", methods, sizeof methods);
    fprintf(out,
            "The methods: %s.\n"
            "A task's validation and test data are its own splits; a JSONL file in --tasks is\n"
            "validated on data.val_fraction of it and has no test split unless data.test names\n"
            "one.\n"
            "Presets (assets/configs): paper, the warm-start study of docs/results.md (per task\n"
            "and seed a baseline parent, then one continuation per arm from it; --methods picks\n"
            "arms by name); scratch, the from-scratch grid of docs/results-scratch.md.\n"
            "Ctrl-C finishes the current run and stops; a second Ctrl-C stops the current run "
            "now.\n",
            methods);
}

volatile sig_atomic_t sweep_interrupts;
static void on_signal(int sig) {
    (void)sig;
    sweep_interrupts++;
}

#define MAX_LIST SWEEP_MAX_LIST

/* Splits a comma-separated list in place. */
static int split_list(char *text, char **items, int *n) {
    *n = 0;
    for (char *save = NULL, *t = strtok_r(text, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (*n == MAX_LIST) return -1;
        items[(*n)++] = t;
    }
    return *n ? 0 : -1;
}

static int parse_args(const Args *args, SweepArgs *a) {
    *a = (SweepArgs){.args = args,
                     .config = args_value(args, F_CONFIG),
                     .db = args->db,
                     .name = args_value(args, F_NAME),
                     .preset = args_value(args, F_PRESET),
                     .jsonl = args_count(args, F_JSONL) > 0,
                     .quiet = args_count(args, F_QUIET) > 0,
                     .test = args_count(args, F_EVAL_TEST) > 0,
                     .quick = args_count(args, F_QUICK) > 0};
    if (args_max_positional(args, 0)) return EXIT_USAGE;
    static const int list_flags[3] = {F_METHODS, F_SEEDS, F_TASKS};
    for (int which = 0; which < 3; which++) {
        const char *text = args_value(args, list_flags[which]);
        char **items = which == 0 ? a->methods : which == 1 ? a->seeds : a->tasks;
        int *n = which == 0 ? &a->n_methods : which == 1 ? &a->n_seeds : &a->n_tasks;
        if (!text) continue;
        a->lists[which] = strdup(text);
        if (!a->lists[which] || split_list(a->lists[which], items, n))
            return cli_usage_error("sweep", "%s: a comma-separated list of 1..%d items",
                                   flags[list_flags[which]].name, MAX_LIST);
    }
    if (a->quick && !a->preset) return cli_usage_error("sweep", "--quick needs --preset");
    if (a->preset && a->config)
        return cli_usage_error("sweep", "--preset and --config exclude each other");
    return 0;
}

static void free_args(SweepArgs *a) {
    for (int i = 0; i < 3; i++) free(a->lists[i]);
}

static int load_preset(const char *name, Plan *p, char *err, size_t cap) {
    char path[LIMIT_PATH_BYTES];
    snprintf(path, sizeof path, "%s/configs/%s.json", assets_dir(), name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, cap, "%.900s: no preset '%.60s' (cannot open)", path, name);
        return -1;
    }
    char *text = malloc(1 << 20);
    size_t n = text ? fread(text, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    if (!text) {
        snprintf(err, cap, "out of memory");
        return -1;
    }
    text[n] = '\0';
    p->preset = cJSON_Parse(text);
    free(text);
    if (!cJSON_IsObject(p->preset)) {
        snprintf(err, cap, "%.900s: not a JSON object", path);
        return -1;
    }
    p->base = cJSON_GetObjectItemCaseSensitive(p->preset, "config");
    p->quick = cJSON_GetObjectItemCaseSensitive(p->preset, "quick");
    p->per_method = cJSON_GetObjectItemCaseSensitive(p->preset, "methods_config");
    p->per_task = cJSON_GetObjectItemCaseSensitive(p->preset, "tasks_config");
    const cJSON *study = cJSON_GetObjectItemCaseSensitive(p->preset, "study");
    if (study && !(cJSON_IsString(study) && !strcmp(study->valuestring, "warmstart"))) {
        snprintf(err, cap, "%.900s: \"study\" must be \"warmstart\"", path);
        return -1;
    }
    p->study = study != NULL;
    return 0;
}

/* Fills a grid list from the arguments, else from the preset (quick version first), else
 * from the default. */
static int grid_strings(const SweepArgs *a, const Plan *p, int quick, const char *key,
                        char *const *given, int n_given, const char *fallback, char *out,
                        size_t width, int *n, char *err, size_t cap) {
    *n = 0;
    for (int i = 0; i < n_given; i++) snprintf(out + (size_t)(*n)++ * width, width, "%s", given[i]);
    if (*n) return 0;
    const cJSON *list = NULL;
    if (p->preset && quick && p->quick) list = cJSON_GetObjectItemCaseSensitive(p->quick, key);
    if (p->preset && !list) list = cJSON_GetObjectItemCaseSensitive(p->preset, key);
    for (const cJSON *it = list ? list->child : NULL; it && *n < MAX_LIST; it = it->next) {
        if (cJSON_IsString(it))
            snprintf(out + (size_t)(*n)++ * width, width, "%s", it->valuestring);
        else if (cJSON_IsNumber(it))
            snprintf(out + (size_t)(*n)++ * width, width, "%d", it->valueint);
        else {
            snprintf(err, cap, "preset %s: \"%s\" must be a list of strings or numbers", a->preset,
                     key);
            return -1;
        }
    }
    if (*n == 0 && fallback) {
        char copy[256];
        snprintf(copy, sizeof copy, "%s", fallback);
        for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
            snprintf(out + (size_t)(*n)++ * width, width, "%s", t);
    }
    return 0;
}

static int make_plan(const SweepArgs *a, Plan *p, char *err, size_t cap) {
    memset(p, 0, sizeof *p);
    if (a->preset && load_preset(a->preset, p, err, cap)) return -1;
    char seeds[MAX_LIST][16], methods[128];
    method_list(",", ",", methods, sizeof methods);
    if (p->study ? sweep_study_plan(a, p, err, cap)
                 : grid_strings(a, p, a->quick, "methods", a->methods, a->n_methods, methods,
                                &p->methods[0][0], sizeof p->methods[0], &p->n_methods, err, cap))
        return -1;
    if (grid_strings(a, p, a->quick, "seeds", a->seeds, a->n_seeds, "1,2,3", &seeds[0][0],
                     sizeof seeds[0], &p->n_seeds, err, cap) ||
        grid_strings(a, p, a->quick, "tasks", a->tasks, a->n_tasks, NULL, &p->tasks[0][0],
                     sizeof p->tasks[0], &p->n_tasks, err, cap))
        return -1;
    for (int i = 0; i < p->n_seeds; i++) {
        long v;
        if (cli_parse_long(seeds[i], 0, 2147483647L, &v)) {
            snprintf(err, cap, "seed '%s': must be an integer ≥ 0", seeds[i]);
            return -1;
        }
        p->seeds[i] = (int)v;
    }
    for (int i = 0; i < p->n_methods && !p->study; i++)
        if (method_find(p->methods[i]) < 0) {
            method_list(", ", " or ", methods, sizeof methods);
            snprintf(err, cap, "method '%s': must be %s", p->methods[i], methods);
            return -1;
        }
    return 0;
}

/* Applies a JSON object of config keys (nested, as in a config file) to c. */
static int apply_object(Config *c, const cJSON *obj, const char *what, char *err, size_t cap) {
    if (!obj) return 0;
    char *text = cJSON_PrintUnformatted(obj);
    if (!text) {
        snprintf(err, cap, "out of memory");
        return -1;
    }
    int rc = config_apply_json_text(c, text, what, err, cap);
    free(text);
    return rc;
}

/* The preset's overlays of a study part: {"config": {...}, "tasks": {TASK: {...}}} under the
 * part's name, at the top level or in "quick". */
static int apply_part(Config *c, const cJSON *where, const char *part, const char *task, char *err,
                      size_t cap) {
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(where, part);
    if (!o) return 0;
    char what[96];
    snprintf(what, sizeof what, "preset %s config", part);
    if (apply_object(c, cJSON_GetObjectItemCaseSensitive(o, "config"), what, err, cap)) return -1;
    const cJSON *tasks = cJSON_GetObjectItemCaseSensitive(o, "tasks");
    snprintf(what, sizeof what, "preset %s config of %.40s", part, task);
    return *task && apply_object(c, cJSON_GetObjectItemCaseSensitive(tasks, task), what, err, cap);
}

static const cJSON *arm_config(const Plan *p, const char *arm) {
    for (int i = 0; i < p->n_methods; i++)
        if (!strcmp(p->arms[i].name, arm)) return p->arms[i].config;
    return NULL;
}

static const char *arm_method(const Plan *p, const char *arm) {
    for (int i = 0; p->study && i < p->n_methods; i++)
        if (!strcmp(p->arms[i].name, arm)) return p->arms[i].method;
    return arm;
}

int sweep_run_config(const SweepArgs *a, const Plan *p, const char *task, SweepPart part,
                     const char *arm, int seed, const char *init_from, Config *c, char *err,
                     size_t cap) {
    config_defaults(c);
    if (apply_object(c, p->base, "preset config", err, cap)) return -1;
    if (a->quick && p->quick &&
        apply_object(c, cJSON_GetObjectItemCaseSensitive(p->quick, "config"), "preset quick config",
                     err, cap))
        return -1;
    if (a->config && config_load_file(c, a->config, err, cap)) return -1;
    if (*task) {
        /* The task's own validation and test splits, or for a file the held-out share of it
         * and no test data: what config_resolve derives for data.val and data.test. */
        char set[LIMIT_CONFIG_STRING + 16];
        snprintf(set, sizeof set, "data.train=%s", task);
        if (config_set(c, set, err, cap)) return -1;
        config_unset(c, "data.val");
        config_unset(c, "data.test");
        if (p->per_task && apply_object(c, cJSON_GetObjectItemCaseSensitive(p->per_task, task),
                                        "preset task config", err, cap))
            return -1;
    }
    static const char *const part_names[] = {[SWEEP_AS_PARENT] = "parent",
                                             [SWEEP_AS_CONTINUATION] = "continuation",
                                             [SWEEP_AS_ORACLE] = "oracle"};
    if (part != SWEEP_PLAIN &&
        (apply_part(c, p->preset, part_names[part], task, err, cap) ||
         (a->quick && apply_part(c, p->quick, part_names[part], task, err, cap))))
        return -1;
    const char *method = part == SWEEP_AS_CONTINUATION || part == SWEEP_PLAIN
                             ? arm_method(p, arm)
                             : method_info(METHOD_BASELINE)->name;
    if (part == SWEEP_AS_CONTINUATION &&
        apply_object(c, arm_config(p, arm), "preset arm config", err, cap))
        return -1;
    if (part == SWEEP_PLAIN && p->per_method &&
        apply_object(c, cJSON_GetObjectItemCaseSensitive(p->per_method, method),
                     "preset method config", err, cap))
        return -1;
    for (int i = 0; i < args_count(a->args, F_SET); i++) {
        char why[512];
        if (config_set(c, args_nth(a->args, F_SET, i), why, sizeof why)) {
            snprintf(err, cap, "--set %s", why);
            return -1;
        }
    }
    char set[LIMIT_CONFIG_STRING + 32];
    snprintf(set, sizeof set, "method.name=%s", method);
    if (config_set(c, set, err, cap)) return -1;
    snprintf(set, sizeof set, "train.seed=%d", seed);
    if (config_set(c, set, err, cap)) return -1;
    if (init_from) {
        snprintf(set, sizeof set, "train.init_from=%s", init_from);
        if (config_set(c, set, err, cap)) return -1;
    }
    if (warmstart_adopt_shape(c, cli_db_path(a->args->db), NULL, err, cap)) return -1;
    return config_resolve(c, err, cap);
}

/* What the sweep row records: the grid, the base config and the command line. */
static char *sweep_json(const SweepArgs *a, const Plan *p) {
    cJSON *o = cJSON_CreateObject();
    if (a->preset) cJSON_AddStringToObject(o, "preset", a->preset);
    if (p->study) cJSON_AddStringToObject(o, "study", "warmstart");
    cJSON_AddBoolToObject(o, "quick", a->quick);
    cJSON_AddBoolToObject(o, "test", a->test || a->preset);
    cJSON *m = cJSON_AddArrayToObject(o, p->study ? "arms" : "methods");
    cJSON *s = cJSON_AddArrayToObject(o, "seeds");
    cJSON *t = cJSON_AddArrayToObject(o, "tasks");
    for (int i = 0; i < p->n_methods; i++)
        cJSON_AddItemToArray(m, cJSON_CreateString(p->methods[i]));
    for (int i = 0; i < p->n_seeds; i++) cJSON_AddItemToArray(s, cJSON_CreateNumber(p->seeds[i]));
    for (int i = 0; i < p->n_tasks; i++) cJSON_AddItemToArray(t, cJSON_CreateString(p->tasks[i]));
    char line[4096] = "exposure";
    size_t len = strlen(line);
    for (int i = 0; i < a->args->line_len && len < sizeof line; i++)
        len += (size_t)snprintf(line + len, sizeof line - len, " %s", a->args->line[i]);
    cJSON_AddStringToObject(o, "command", line);
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

int64_t sweep_train_one(const Config *c, const TrainerOptions *opt, const SweepSlot *slot,
                        const SweepArgs *a, char *status, size_t cap, char *err, size_t errcap) {
    Trainer *tr;
    int rc = trainer_start(c, opt, &tr, err, errcap);
    if (rc) return rc == TRAINER_EINPUT ? -2 : -1;
    char prefix[192];
    snprintf(prefix, sizeof prefix, "[%d/%d %s %s s%d] ", slot->index, slot->total, slot->task,
             slot->arm, slot->seed);
    Progress p;
    progress_init(&p, !a->quiet && isatty(STDERR_FILENO), prefix);
    int stop_sent = 0;
    TrainerSnapshot s;
    for (;;) {
        TrainerEvent ev;
        int got = trainer_wait_event(tr, &ev, 100);
        if (sweep_interrupts >= 2 && !stop_sent) {
            stop_sent = 1;
            trainer_stop(tr);
        }
        trainer_snapshot(tr, &s);
        if (got && ev.kind == EV_NOTE && !a->quiet) {
            progress_clear(&p);
            fprintf(stderr, "%s%s\n", prefix, ev.text);
        }
        if (got && ev.kind == EV_DONE) {
            progress_clear(&p);
            snprintf(status, cap, "%s", ev.status);
            if (!strcmp(ev.status, "failed")) snprintf(err, errcap, "%s", ev.text);
            break;
        }
        progress_draw(&p, &s, 0);
    }
    trainer_free(tr);
    return s.run_id;
}

void sweep_announce(const SweepArgs *a, const SweepSlot *slot, int64_t run, const char *status,
                    const RunEvalResult *test) {
    if (a->jsonl) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "event", "sweep_run");
        cJSON_AddNumberToObject(o, "index", slot->index);
        cJSON_AddNumberToObject(o, "of", slot->total);
        cJSON_AddNumberToObject(o, "run_id", (double)run);
        jsonl_add_string(o, "task", slot->task);
        cJSON_AddStringToObject(o, "method", slot->arm);
        cJSON_AddNumberToObject(o, "seed", slot->seed);
        cJSON_AddStringToObject(o, "status", status);
        if (test)
            cJSON_AddItemToObject(o, "test",
                                  jsonl_eval(test->step, "test", &test->summary, test->rac));
        jsonl_print(o);
    }
    if (!a->quiet) {
        fprintf(stderr, "[%d/%d %s %s s%d] run %lld %s", slot->index, slot->total, slot->task,
                slot->arm, slot->seed, (long long)run, status);
        if (test)
            fprintf(stderr, "; test em %.3f f1 %.3f rougeL %.3f ed_acc %.3f fr_acc %.3f gap %.3f",
                    test->summary.em, test->summary.f1, test->summary.rouge_l, test->summary.ed_acc,
                    test->summary.fr_acc, test->summary.gap);
        fputc('\n', stderr);
    }
}

RunEvalResult *sweep_test(Store *store, int64_t run, int64_t oracle, RunEvalResult *r) {
    char err[1024];
    RunEvalOptions o = {.split = "test", .oracle = oracle};
    if (run_eval(store, run, &o, r, err, sizeof err) == 0) return r;
    fprintf(stderr, "exposure sweep: run %lld: test evaluation: %s\n", (long long)run, err);
    return NULL;
}

static int run_grid(const SweepArgs *a, const Plan *p, Store *store, int64_t sweep,
                    const char *db) {
    int n_tasks = p->n_tasks ? p->n_tasks : 1;
    int total = n_tasks * p->n_seeds * p->n_methods, index = 0, failures = 0;
    for (int t = 0; t < n_tasks; t++)
        for (int s = 0; s < p->n_seeds; s++)
            for (int m = 0; m < p->n_methods; m++) {
                if (sweep_interrupts) {
                    fprintf(stderr, "exposure sweep: stopped after %d of %d runs\n", index, total);
                    return EXIT_OK;
                }
                const char *task = p->n_tasks ? p->tasks[t] : "";
                SweepSlot slot = {++index, total, *task ? task : "data", p->methods[m],
                                  p->seeds[s]};
                Config c;
                char err[1024], status[16] = "failed", name[160];
                if (sweep_run_config(a, p, task, SWEEP_PLAIN, p->methods[m], p->seeds[s], NULL, &c,
                                     err, sizeof err)) {
                    fprintf(stderr, "exposure sweep: %s\n", err);
                    return EXIT_USAGE;
                }
                char data[96];
                dataset_name(*task ? task : c.data.train, data, sizeof data);
                snprintf(name, sizeof name, "%s%s%s-%s-s%d", a->name ? a->name : "",
                         a->name ? "-" : "", data, p->methods[m], p->seeds[s]);
                TrainerOptions opt = {.db_path = db, .name = name, .sweep = sweep};
                int64_t run =
                    sweep_train_one(&c, &opt, &slot, a, status, sizeof status, err, sizeof err);
                if (run < 0) {
                    fprintf(stderr, "exposure sweep: %s\n", err);
                    return run == -2 ? EXIT_USAGE : EXIT_RUNTIME;
                }
                RunEvalResult test, *tested = NULL;
                if (!strcmp(status, "completed") && (a->test || a->preset))
                    tested = sweep_test(store, run, 0, &test);
                if (strcmp(status, "completed")) failures++;
                sweep_announce(a, &slot, run, status, tested);
            }
    return failures ? EXIT_RUNTIME : EXIT_OK;
}

static int run(const Args *args) {
    SweepArgs a;
    Plan p;
    char err[1024];
    int rc = parse_args(args, &a);
    if (rc) {
        free_args(&a);
        return rc;
    }
    if (make_plan(&a, &p, err, sizeof err)) {
        fprintf(stderr, "exposure sweep: %s\n", err);
        cJSON_Delete(p.preset);
        free_args(&a);
        return EXIT_USAGE;
    }
    /* Every run's config is checked before the first one starts (a continuation's without its
     * parent, which does not exist yet). */
    for (int t = 0; t < (p.n_tasks ? p.n_tasks : 1); t++)
        for (int m = 0; m < p.n_methods + (p.study ? 2 : 0); m++) {
            Config c;
            SweepPart part = !p.study           ? SWEEP_PLAIN
                             : m < p.n_methods  ? SWEEP_AS_CONTINUATION
                             : m == p.n_methods ? SWEEP_AS_PARENT
                                                : SWEEP_AS_ORACLE;
            int bad = sweep_run_config(&a, &p, p.n_tasks ? p.tasks[t] : "", part,
                                       m < p.n_methods ? p.methods[m] : "", p.seeds[0], NULL, &c,
                                       err, sizeof err);
            if (!bad && (a.test || a.preset) && !c.data.test[0]) {
                snprintf(err, sizeof err,
                         "--test: %.200s has no test data (data.test is empty; a JSONL file "
                         "in --tasks brings none): set data.test, or leave out --test",
                         c.data.train);
                bad = 1;
            }
            if (bad) {
                fprintf(stderr, "exposure sweep: %s\n", err);
                cJSON_Delete(p.preset);
                free_args(&a);
                return EXIT_USAGE;
            }
        }
    const char *db = cli_db_path(a.db);
    Store *store;
    if (store_open(db, &store, err, sizeof err)) {
        fprintf(stderr, "exposure sweep: %s\n", err);
        cJSON_Delete(p.preset);
        free_args(&a);
        return EXIT_RUNTIME;
    }
    char *json = sweep_json(&a, &p);
    int64_t sweep = store_create_sweep(store,
                                       a.name     ? a.name
                                       : a.preset ? a.preset
                                                  : "sweep",
                                       json);
    free(json);
    if (sweep < 0) {
        fprintf(stderr, "exposure sweep: %s\n", store_error(store));
        store_close(store);
        cJSON_Delete(p.preset);
        free_args(&a);
        return EXIT_RUNTIME;
    }
    if (!a.quiet) fprintf(stderr, "exposure sweep: sweep %lld\n", (long long)sweep);
    struct sigaction sa = {0}, old_int, old_term;
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    rc = p.study ? sweep_study_run(&a, &p, store, sweep, db) : run_grid(&a, &p, store, sweep, db);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    SweepTable table;
    if (sweep_table_load(store, sweep, &table, err, sizeof err) == 0) {
        if (a.jsonl) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "event", "sweep_done");
            cJSON_AddNumberToObject(o, "sweep_id", (double)sweep);
            jsonl_add_string(o, "split", table.split);
            jsonl_print(o);
        } else {
            printf("sweep %lld", (long long)sweep);
            sweep_table_print(&table, stdout);
            printf("\nreport: exposure report --sweep %lld%s%s\n", (long long)sweep,
                   a.db ? " --db " : "", a.db ? a.db : "");
        }
        sweep_table_free(&table);
    } else {
        fprintf(stderr, "exposure sweep: %s\n", err);
    }
    store_close(store);
    cJSON_Delete(p.preset);
    free_args(&a);
    return rc;
}

const Command command_sweep = {
    .name = "sweep",
    .summary =
        "sweep [--config F] [--methods M,..] [--seeds S,..] [--tasks T,..] [--test] [--set k=v]...",
    .usage = "exposure sweep [--config F] [--set key=value]... [--methods M,...] [--seeds S,...]\n"
             "                      [--tasks T,...] [--test] [--name N] [--jsonl] [--quiet]\n"
             "       exposure sweep --preset NAME [--quick] [--set key=value]... ...",
    .about =
        "Trains every combination of task, method and seed, one run after the other, into the\n"
        "run store under one sweep id, and prints per task and method the mean ± sd over\n"
        "seeds of em, answer_acc (tasks with final answers), f1, rougeL, ed_acc, fr_acc, gap,\n"
        "first_err and wall time. Then: exposure report --sweep ID.\n",
    .flags = flags,
    .more_help = more_help,
    .run = run,
};

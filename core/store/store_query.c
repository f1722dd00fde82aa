/* The run store's queries. Every statement is prepared, stepped and finalized here; results
 * are copied into malloc'd arrays the caller owns. */
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store_internal.h"

static int out_of_memory(Store *s) { return store_fail(s, "%s: out of memory", s->path); }

/* Returns items grown to hold at least n + 1 elements of size bytes (perhaps moved), or
 * NULL when out of memory, items then being unchanged and still the caller's. */
static void *room_for_one_more(void *items, int *cap, int n, size_t size) {
    if (n < *cap) return items;
    int grown_cap = *cap ? *cap * 2 : 16;
    void *grown = realloc(items, (size_t)grown_cap * size);
    if (grown) *cap = grown_cap;
    return grown;
}

static double column_number(sqlite3_stmt *st, int col) {
    return sqlite3_column_type(st, col) == SQLITE_NULL ? NAN : sqlite3_column_double(st, col);
}

/* Steps to the end; returns 0 on SQLITE_DONE, else sets the message. */
static int finish(Store *s, sqlite3_stmt *st, int rc, const char *what) {
    if (rc != SQLITE_DONE) store_fail_db(s, what);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* ---- runs -------------------------------------------------------------------------------- */

#define RUN_COLUMNS                                                                                \
    "SELECT id, name, status, method, dataset, config, seed, version, created, finished, "         \
    "pid, host, heartbeat, step, steps, sweep, tags, parent_checkpoint, parent, "                  \
    "ifnull(parent_step, -1), parent_params, machine FROM runs"

static int read_run(sqlite3_stmt *st, RunRow *r) {
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    store_column_copy(st, 1, r->name, sizeof r->name);
    store_column_copy(st, 2, r->status, sizeof r->status);
    store_column_copy(st, 3, r->method, sizeof r->method);
    store_column_copy(st, 4, r->dataset, sizeof r->dataset);
    r->config_json = store_column_dup(st, 5);
    r->seed = sqlite3_column_int64(st, 6);
    store_column_copy(st, 7, r->version, sizeof r->version);
    r->created = sqlite3_column_double(st, 8);
    r->finished = sqlite3_column_double(st, 9); /* NULL reads as 0 */
    r->pid = sqlite3_column_int64(st, 10);
    store_column_copy(st, 11, r->host, sizeof r->host);
    r->heartbeat = sqlite3_column_double(st, 12);
    r->step = sqlite3_column_int64(st, 13);
    r->steps = sqlite3_column_int64(st, 14);
    r->sweep = sqlite3_column_int64(st, 15);
    store_column_copy(st, 16, r->tags, sizeof r->tags);
    r->parent_checkpoint = store_column_dup(st, 17);
    r->parent = sqlite3_column_int64(st, 18);
    r->parent_step = sqlite3_column_int64(st, 19);
    store_column_copy(st, 20, r->parent_params, sizeof r->parent_params);
    r->machine_json = store_column_dup(st, 21);
    return r->config_json && r->parent_checkpoint && r->machine_json ? 0 : -1;
}

void run_row_free(RunRow *r) {
    if (!r) return;
    free(r->config_json);
    r->config_json = NULL;
    free(r->parent_checkpoint);
    r->parent_checkpoint = NULL;
    free(r->machine_json);
    r->machine_json = NULL;
}

static void json_field(const cJSON *o, const char *key, char *out, size_t cap) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    snprintf(out, cap, "%s", cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : "unknown");
}

void run_row_machine(const RunRow *r, RunMachine *m) {
    cJSON *o = r->machine_json && r->machine_json[0] ? cJSON_Parse(r->machine_json) : NULL;
    json_field(o, "cpu", m->cpu, sizeof m->cpu);
    json_field(o, "features", m->features, sizeof m->features);
    json_field(o, "blas", m->blas, sizeof m->blas);
    json_field(o, "blas_core", m->blas_core, sizeof m->blas_core);
    json_field(o, "blas_core_source", m->source, sizeof m->source);
    json_field(o, "openblas_pick", m->openblas_pick, sizeof m->openblas_pick);
    cJSON_Delete(o);
}

void run_machine_core_text(const RunMachine *m, char *out, size_t cap) {
    if (strcmp(m->blas_core, "unknown") == 0) snprintf(out, cap, "unknown");
    else if (strcmp(m->source, "user") == 0)
        snprintf(out, cap, "%s (OPENBLAS_CORETYPE set by the user)", m->blas_core);
    else if (strcmp(m->source, "exposure") == 0)
        snprintf(out, cap, "%s (chosen by exposure: OpenBLAS picked %s)", m->blas_core,
                 m->openblas_pick);
    else snprintf(out, cap, "%s (OpenBLAS's own choice)", m->blas_core);
}

int store_list_runs(Store *s, RunRow **rows, int *n) {
    sqlite3_stmt *st;
    *rows = NULL;
    *n = 0;
    if (store_prepare(s, RUN_COLUMNS " ORDER BY id", &st)) return -1;
    int cap = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        RunRow *grown = room_for_one_more(*rows, &cap, *n, sizeof **rows);
        if (grown) *rows = grown;
        if (!grown || read_run(st, &(*rows)[*n])) {
            out_of_memory(s);
            rc = SQLITE_NOMEM;
            break;
        }
        (*n)++;
    }
    if (rc == SQLITE_DONE) return finish(s, st, rc, "listing runs");
    if (rc != SQLITE_NOMEM) store_fail_db(s, "listing runs");
    sqlite3_finalize(st);
    for (int i = 0; i < *n; i++) run_row_free(&(*rows)[i]);
    free(*rows);
    *rows = NULL;
    *n = 0;
    return -1;
}

int store_get_run(Store *s, int64_t id, RunRow *row) {
    sqlite3_stmt *st;
    memset(row, 0, sizeof *row);
    if (store_prepare(s, RUN_COLUMNS " WHERE id = ?1", &st)) return -1;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    int result = -1;
    if (rc == SQLITE_ROW) result = read_run(st, row) ? out_of_memory(s) : 0;
    else if (rc == SQLITE_DONE) store_fail(s, "%s: no run %lld", s->path, (long long)id);
    else store_fail_db(s, "reading a run");
    sqlite3_finalize(st);
    return result;
}

void run_row_parent(const RunRow *r, char *out, size_t cap) {
    const char *file = r->parent_checkpoint ? r->parent_checkpoint : "";
    const char *base = strrchr(file, '/');
    if (!file[0]) snprintf(out, cap, "%s", "");
    else if (r->parent > 0)
        snprintf(out, cap, "%lld:%lld", (long long)r->parent, (long long)r->parent_step);
    else snprintf(out, cap, "%s:%lld", base ? base + 1 : file, (long long)r->parent_step);
}

static int count_rows(Store *s, const char *sql, int64_t run, int64_t *out) {
    sqlite3_stmt *st;
    if (store_prepare(s, sql, &st)) return -1;
    sqlite3_bind_int64(st, 1, run);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *out = sqlite3_column_int64(st, 0);
    else store_fail_db(s, "counting a run's rows");
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

int store_run_counts(Store *s, int64_t run, RunCounts *c) {
    memset(c, 0, sizeof *c);
    return count_rows(s, "SELECT count(*) FROM metrics WHERE run = ?1", run, &c->metrics) ||
                   count_rows(s, "SELECT count(*) FROM events WHERE run = ?1", run, &c->events) ||
                   count_rows(s, "SELECT count(*) FROM samples WHERE run = ?1", run, &c->samples) ||
                   count_rows(s, "SELECT count(*) FROM checkpoints WHERE run = ?1", run,
                              &c->checkpoints)
               ? -1
               : 0;
}

/* ---- metrics ----------------------------------------------------------------------------- */

int store_metric_keys(Store *s, int64_t run, char ***keys, int *n) {
    sqlite3_stmt *st;
    *keys = NULL;
    *n = 0;
    if (store_prepare(s, "SELECT DISTINCT key FROM metrics WHERE run = ?1 ORDER BY key", &st))
        return -1;
    sqlite3_bind_int64(st, 1, run);
    int cap = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char **grown = room_for_one_more(*keys, &cap, *n, sizeof **keys);
        if (grown) *keys = grown;
        char *key = grown ? store_column_dup(st, 0) : NULL;
        if (!key) {
            out_of_memory(s);
            rc = SQLITE_NOMEM;
            break;
        }
        (*keys)[(*n)++] = key;
    }
    if (rc == SQLITE_DONE) return finish(s, st, rc, "listing metric keys");
    if (rc != SQLITE_NOMEM) store_fail_db(s, "listing metric keys");
    sqlite3_finalize(st);
    for (int i = 0; i < *n; i++) free((*keys)[i]);
    free(*keys);
    *keys = NULL;
    *n = 0;
    return -1;
}

typedef struct {
    int64_t *steps;
    double *values, *wall;
    int n, cap;
} Series;

static int series_add(Store *s, Series *se, sqlite3_stmt *st) {
    if (se->n == se->cap) {
        int cap = se->cap ? se->cap * 2 : 256;
        int64_t *steps = realloc(se->steps, (size_t)cap * sizeof *steps);
        if (steps) se->steps = steps;
        double *values = realloc(se->values, (size_t)cap * sizeof *values);
        if (values) se->values = values;
        double *wall = realloc(se->wall, (size_t)cap * sizeof *wall);
        if (wall) se->wall = wall;
        if (!steps || !values || !wall) return out_of_memory(s);
        se->cap = cap;
    }
    se->steps[se->n] = sqlite3_column_int64(st, 0);
    se->values[se->n] = column_number(st, 1);
    se->wall[se->n] = sqlite3_column_double(st, 2);
    se->n++;
    return 0;
}

/* steps, values and wall may each be NULL when not wanted. */
int store_metric_series(Store *s, int64_t run, const char *key, int64_t **steps, double **values,
                        double **wall, int *n) {
    sqlite3_stmt *st;
    Series se = {0};
    *n = 0;
    if (steps) *steps = NULL;
    if (values) *values = NULL;
    if (wall) *wall = NULL;
    if (store_prepare(s,
                      "SELECT step, value, wall FROM metrics WHERE run = ?1 AND key = ?2 "
                      "ORDER BY step",
                      &st))
        return -1;
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (series_add(s, &se, st)) {
            rc = SQLITE_NOMEM;
            break;
        }
    if (rc != SQLITE_DONE) {
        if (rc != SQLITE_NOMEM) store_fail_db(s, "reading a metric series");
        sqlite3_finalize(st);
        free(se.steps), free(se.values), free(se.wall);
        return -1;
    }
    sqlite3_finalize(st);
    if (steps) *steps = se.steps;
    else free(se.steps);
    if (values) *values = se.values;
    else free(se.values);
    if (wall) *wall = se.wall;
    else free(se.wall);
    *n = se.n;
    return 0;
}

/* One (step, value) row of a metric chosen by the ORDER BY and WHERE in sql. */
static int metric_one(Store *s, const char *sql, int64_t run, const char *key, int64_t bound,
                      int64_t *step, double *value) {
    sqlite3_stmt *st;
    if (store_prepare(s, sql, &st)) return -1;
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    if (sqlite3_bind_parameter_count(st) >= 3) sqlite3_bind_int64(st, 3, bound);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        if (step) *step = sqlite3_column_int64(st, 0);
        if (value) *value = column_number(st, 1);
    } else if (rc == SQLITE_DONE) {
        store_fail(s, "%s: run %lld has no metric %s", s->path, (long long)run, key);
    } else {
        store_fail_db(s, "reading a metric");
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

int store_metric_last(Store *s, int64_t run, const char *key, int64_t *step, double *value) {
    return metric_one(s,
                      "SELECT step, value FROM metrics WHERE run = ?1 AND key = ?2 "
                      "ORDER BY step DESC LIMIT 1",
                      run, key, 0, step, value);
}

/* NaN values (stored as NULL) are never the best. Ties go to the earliest step. */
int store_metric_best(Store *s, int64_t run, const char *key, int64_t *step, double *value) {
    return metric_one(s,
                      metric_lower_is_better(key)
                          ? "SELECT step, value FROM metrics WHERE run = ?1 AND key = ?2 AND "
                            "value IS NOT NULL ORDER BY value ASC, step ASC LIMIT 1"
                          : "SELECT step, value FROM metrics WHERE run = ?1 AND key = ?2 AND "
                            "value IS NOT NULL ORDER BY value DESC, step ASC LIMIT 1",
                      run, key, 0, step, value);
}

int store_metric_at(Store *s, int64_t run, const char *key, int64_t step, double *value) {
    return metric_one(s,
                      "SELECT step, value FROM metrics WHERE run = ?1 AND key = ?2 AND "
                      "step <= ?3 ORDER BY step DESC LIMIT 1",
                      run, key, step, NULL, value);
}

/* ---- samples ----------------------------------------------------------------------------- */

void sample_row_free(SampleRow *r) {
    if (!r) return;
    free(r->prompt);
    free(r->reference);
    free(r->output);
    free(r->raw_output);
    free(r->corrections_json);
    r->prompt = r->reference = r->output = r->raw_output = r->corrections_json = NULL;
}

static int read_sample(sqlite3_stmt *st, SampleRow *r) {
    memset(r, 0, sizeof *r);
    r->step = sqlite3_column_int64(st, 0);
    store_column_copy(st, 1, r->split, sizeof r->split);
    r->idx = sqlite3_column_int(st, 2);
    r->prompt = store_column_dup(st, 3);
    r->reference = store_column_dup(st, 4);
    r->output = store_column_dup(st, 5);
    r->raw_output = store_column_dup(st, 6);
    r->corrections_json = store_column_dup(st, 7);
    r->em = column_number(st, 8);
    r->f1 = column_number(st, 9);
    r->rouge_l = column_number(st, 10);
    r->fr_acc = column_number(st, 11);
    r->first_err = sqlite3_column_int(st, 12);
    r->corrections = sqlite3_column_int(st, 13);
    r->answer_acc = column_number(st, 14);
    r->ed_acc = column_number(st, 15);
    r->recovery = column_number(st, 16);
    r->divergences = sqlite3_column_int(st, 17);
    r->divergences_retracted = sqlite3_column_int(st, 18);
    r->corrections_justified = sqlite3_column_int(st, 19);
    r->eps = column_number(st, 20);
    r->acc_err = column_number(st, 21);
    r->horizon = sqlite3_column_int(st, 22);
    if (r->prompt && r->reference && r->output && r->raw_output && r->corrections_json) return 0;
    sample_row_free(r);
    return -1;
}

static int latest_evaluation(Store *s, int64_t run, const char *split, int64_t *step) {
    sqlite3_stmt *st;
    if (store_prepare(s, "SELECT max(step) FROM samples WHERE run = ?1 AND split = ?2", &st))
        return -1;
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_text(st, 2, split, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *step = sqlite3_column_type(st, 0) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 0);
    else store_fail_db(s, "finding the latest evaluation");
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

int store_samples(Store *s, int64_t run, int64_t step, const char *split, SampleRow **rows,
                  int *n) {
    *rows = NULL;
    *n = 0;
    if (!split) split = "val";
    if (step < 0 && latest_evaluation(s, run, split, &step)) return -1;
    if (step < 0) return 0;
    sqlite3_stmt *st;
    if (store_prepare(s,
                      "SELECT step, split, idx, prompt, reference, output, raw_output, "
                      "corrections, em, f1, rouge_l, fr_acc, first_err, n_corrections, "
                      "answer_acc, ed_acc, recovery, divergences, divergences_retracted, "
                      "corrections_justified, eps, acc_err, horizon "
                      "FROM samples WHERE run = ?1 AND split = ?2 AND step = ?3 ORDER BY idx",
                      &st))
        return -1;
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_text(st, 2, split, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, step);
    int cap = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        SampleRow *grown = room_for_one_more(*rows, &cap, *n, sizeof **rows);
        if (grown) *rows = grown;
        if (!grown || read_sample(st, &(*rows)[*n])) {
            out_of_memory(s);
            rc = SQLITE_NOMEM;
            break;
        }
        (*n)++;
    }
    if (rc == SQLITE_DONE) return finish(s, st, rc, "reading samples");
    if (rc != SQLITE_NOMEM) store_fail_db(s, "reading samples");
    sqlite3_finalize(st);
    for (int i = 0; i < *n; i++) sample_row_free(&(*rows)[i]);
    free(*rows);
    *rows = NULL;
    *n = 0;
    return -1;
}

/* ---- checkpoints, events, sweeps --------------------------------------------------------- */

int store_last_checkpoint(Store *s, int64_t run, int64_t *step, char *path, size_t cap) {
    sqlite3_stmt *st;
    if (store_prepare(s,
                      "SELECT step, path FROM checkpoints WHERE run = ?1 "
                      "ORDER BY step DESC LIMIT 1",
                      &st))
        return -1;
    sqlite3_bind_int64(st, 1, run);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        if (step) *step = sqlite3_column_int64(st, 0);
        if (path && cap) store_column_copy(st, 1, path, cap);
    } else if (rc == SQLITE_DONE) {
        store_fail(s, "%s: run %lld has no checkpoint", s->path, (long long)run);
    } else {
        store_fail_db(s, "reading checkpoints");
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

void checkpoint_row_free(CheckpointRow *r) {
    if (!r) return;
    free(r->path);
    r->path = NULL;
}

int store_checkpoints(Store *s, int64_t run, CheckpointRow **rows, int *n) {
    sqlite3_stmt *st;
    *rows = NULL;
    *n = 0;
    if (store_prepare(s, "SELECT step, wall, path FROM checkpoints WHERE run = ?1 ORDER BY step",
                      &st))
        return -1;
    sqlite3_bind_int64(st, 1, run);
    int cap = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        CheckpointRow *grown = room_for_one_more(*rows, &cap, *n, sizeof **rows);
        if (grown) *rows = grown;
        char *path = grown ? store_column_dup(st, 2) : NULL;
        if (!path) {
            out_of_memory(s);
            rc = SQLITE_NOMEM;
            break;
        }
        (*rows)[(*n)++] =
            (CheckpointRow){sqlite3_column_int64(st, 0), sqlite3_column_double(st, 1), path};
    }
    if (rc == SQLITE_DONE) return finish(s, st, rc, "listing checkpoints");
    if (rc != SQLITE_NOMEM) store_fail_db(s, "listing checkpoints");
    sqlite3_finalize(st);
    for (int i = 0; i < *n; i++) checkpoint_row_free(&(*rows)[i]);
    free(*rows);
    *rows = NULL;
    *n = 0;
    return -1;
}

void event_row_free(EventRow *r) {
    if (!r) return;
    free(r->detail_json);
    r->detail_json = NULL;
}

int store_events(Store *s, int64_t run, EventRow **rows, int *n) {
    sqlite3_stmt *st;
    *rows = NULL;
    *n = 0;
    if (store_prepare(s, "SELECT step, wall, kind, detail FROM events WHERE run = ?1 ORDER BY id",
                      &st))
        return -1;
    sqlite3_bind_int64(st, 1, run);
    int cap = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        EventRow *grown = room_for_one_more(*rows, &cap, *n, sizeof **rows);
        if (grown) *rows = grown;
        char *detail = grown ? store_column_dup(st, 3) : NULL;
        if (!detail) {
            out_of_memory(s);
            rc = SQLITE_NOMEM;
            break;
        }
        EventRow *e = &(*rows)[(*n)++];
        e->step = sqlite3_column_int64(st, 0);
        e->wall = sqlite3_column_double(st, 1);
        store_column_copy(st, 2, e->kind, sizeof e->kind);
        e->detail_json = detail;
    }
    if (rc == SQLITE_DONE) return finish(s, st, rc, "reading events");
    if (rc != SQLITE_NOMEM) store_fail_db(s, "reading events");
    sqlite3_finalize(st);
    for (int i = 0; i < *n; i++) event_row_free(&(*rows)[i]);
    free(*rows);
    *rows = NULL;
    *n = 0;
    return -1;
}

/* The ids a query of one integer parameter returns. */
static int list_ids(Store *s, const char *sql, int64_t arg, const char *what, int64_t **ids,
                    int *n) {
    sqlite3_stmt *st;
    *ids = NULL;
    *n = 0;
    if (store_prepare(s, sql, &st)) return -1;
    sqlite3_bind_int64(st, 1, arg);
    int cap = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t *grown = room_for_one_more(*ids, &cap, *n, sizeof **ids);
        if (!grown) {
            out_of_memory(s);
            rc = SQLITE_NOMEM;
            break;
        }
        *ids = grown;
        (*ids)[(*n)++] = sqlite3_column_int64(st, 0);
    }
    if (rc == SQLITE_DONE) return finish(s, st, rc, what);
    if (rc != SQLITE_NOMEM) store_fail_db(s, what);
    sqlite3_finalize(st);
    free(*ids);
    *ids = NULL;
    *n = 0;
    return -1;
}

int store_sweep_runs(Store *s, int64_t sweep, int64_t **ids, int *n) {
    return list_ids(s, "SELECT id FROM runs WHERE sweep = ?1 ORDER BY id", sweep,
                    "listing a sweep's runs", ids, n);
}

int store_run_children(Store *s, int64_t run, int64_t **ids, int *n) {
    return list_ids(s, "SELECT id FROM runs WHERE parent = ?1 ORDER BY id", run,
                    "listing a run's children", ids, n);
}

int store_run_exists(Store *s, int64_t run) {
    sqlite3_stmt *st;
    if (store_prepare(s, "SELECT 1 FROM runs WHERE id = ?1", &st)) return -1;
    sqlite3_bind_int64(st, 1, run);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) store_fail_db(s, "looking up a run");
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* Paths are recorded as they were written (relative to the directory the trainer ran in, or
 * absolute), so files are compared by device and inode. */
int store_find_checkpoint(Store *s, const char *path, int64_t *run, int64_t *step) {
    struct stat want;
    if (stat(path, &want) != 0) return 1;
    sqlite3_stmt *st;
    if (store_prepare(s, "SELECT run, step, path FROM checkpoints ORDER BY run, step", &st))
        return -1;
    int rc = SQLITE_DONE, found = 0;
    while (!found && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct stat have;
        const char *p = (const char *)sqlite3_column_text(st, 2);
        found =
            p && stat(p, &have) == 0 && have.st_dev == want.st_dev && have.st_ino == want.st_ino;
        if (found) {
            *run = sqlite3_column_int64(st, 0);
            *step = sqlite3_column_int64(st, 1);
        }
    }
    if (!found && rc != SQLITE_DONE) store_fail_db(s, "looking up a checkpoint");
    sqlite3_finalize(st);
    return found ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int store_get_sweep(Store *s, int64_t id, SweepRow *row) {
    sqlite3_stmt *st;
    memset(row, 0, sizeof *row);
    if (store_prepare(s, "SELECT id, name, created, config FROM sweeps WHERE id = ?1", &st))
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st), result = -1;
    if (rc == SQLITE_ROW) {
        row->id = sqlite3_column_int64(st, 0);
        store_column_copy(st, 1, row->name, sizeof row->name);
        row->created = sqlite3_column_double(st, 2);
        row->config_json = store_column_dup(st, 3);
        result = row->config_json ? 0 : out_of_memory(s);
    } else if (rc == SQLITE_DONE) {
        store_fail(s, "%s: no sweep %lld", s->path, (long long)id);
    } else {
        store_fail_db(s, "reading a sweep");
    }
    sqlite3_finalize(st);
    return result;
}

void sweep_row_free(SweepRow *r) {
    if (!r) return;
    free(r->config_json);
    r->config_json = NULL;
}

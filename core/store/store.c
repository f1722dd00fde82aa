/* The run store: opening, buffered writes and their commits. Queries are in store_query.c,
 * file checks and migrations in store_schema.c. */
#include <cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nn.h"
#include "util.h"
#include "store_internal.h"

/* ---- used by every file of the store ----------------------------------------------------- */

int store_fail(Store *s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof s->err, fmt, ap);
    va_end(ap);
    return -1;
}

int store_fail_db(Store *s, const char *what) {
    int code = sqlite3_errcode(s->db) & 0xff;
    const char *msg = sqlite3_errmsg(s->db);
    if (code == SQLITE_NOTADB)
        return store_fail(s, "%s: not an SQLite database (%s); left unchanged", s->path, msg);
    if (code == SQLITE_CORRUPT)
        return store_fail(s, "%s: the database is corrupt (%s); left unchanged", s->path, msg);
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
        return store_fail(s, "%s: %s: the database is locked by another process (%s)", s->path,
                          what, msg);
    if (code == SQLITE_READONLY)
        return store_fail(s, "%s: %s: the database is read-only (%s)", s->path, what, msg);
    return store_fail(s, "%s: %s: %s", s->path, what, msg);
}

int store_exec(Store *s, const char *sql, const char *what) {
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) return store_fail_db(s, what);
    return 0;
}

int store_prepare(Store *s, const char *sql, sqlite3_stmt **st) {
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK) {
        *st = NULL;
        return store_fail_db(s, "preparing a statement");
    }
    return 0;
}

double store_wall_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void store_column_copy(sqlite3_stmt *st, int col, char *out, size_t cap) {
    const char *text = (const char *)sqlite3_column_text(st, col);
    snprintf(out, cap, "%s", text ? text : "");
}

char *store_column_dup(sqlite3_stmt *st, int col) {
    const char *text = (const char *)sqlite3_column_text(st, col);
    return strdup(text ? text : "");
}

static char *dup_or(const char *text, const char *fallback) {
    return strdup(text ? text : fallback);
}

/* ---- opening and closing ----------------------------------------------------------------- */

static int make_parent_dirs(const char *path, char *err, size_t errcap) {
    char dir[LIMIT_PATH_BYTES], failed[LIMIT_PATH_BYTES];
    if ((size_t)snprintf(dir, sizeof dir, "%s", path) >= sizeof dir) {
        snprintf(err, errcap, "%s: path too long", path);
        return -1;
    }
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) return 0;
    *slash = '\0';
    if (mkdirs(dir, 0777, failed, sizeof failed) == 0) return 0;
    snprintf(err, errcap, "%s: cannot create directory %s: %s", path, failed, strerror(errno));
    return -1;
}

static void release(Store *s);

static Store *store_new(const char *path) {
    Store *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->path = strdup(path);
    if (!s->path) {
        free(s);
        return NULL;
    }
    s->pid = (int64_t)getpid();
    if (gethostname(s->host, sizeof s->host) != 0) snprintf(s->host, sizeof s->host, "unknown");
    s->host[sizeof s->host - 1] = '\0';
    s->last_commit = clock_monotonic();
    s->busy_ms = STORE_BUSY_MS;
    s->lock_limit = STORE_LOCK_LIMIT_SECONDS;
    s->backlog_limit = STORE_BACKLOG_ROWS;
    return s;
}

/* $EXPOSURE_STORE_LOCK_LIMIT: seconds rows may wait for the lock; anything else is refused. */
static int lock_limit_from_env(Store *s) {
    const char *text = getenv(STORE_LOCK_LIMIT_ENV);
    if (!text || !*text) return 0;
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || *end || !(v > 0) || v > 1e9)
        return store_fail(s, "%s: '%s' is not a number of seconds > 0", STORE_LOCK_LIMIT_ENV, text);
    s->lock_limit = v;
    return 0;
}

static int open_connection(Store *s, int create, int is_new) {
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    /* Without SQLITE_OPEN_CREATE an existing path is the only thing that can be opened. */
    if (create && is_new) flags |= SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(s->path, &s->db, flags, NULL) != SQLITE_OK)
        return s->db ? store_fail(s, "%s: cannot open: %s", s->path, sqlite3_errmsg(s->db))
                     : store_fail(s, "%s: cannot open: out of memory", s->path);
    sqlite3_extended_result_codes(s->db, 1);
    s->readonly = sqlite3_db_readonly(s->db, "main") == 1;
    if (s->readonly && create)
        return store_fail(s,
                          "%s: the database is read-only (no write permission); "
                          "left unchanged",
                          s->path);
    sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
    if (lock_limit_from_env(s)) return -1;
    return store_exec(s, "PRAGMA foreign_keys=ON", "enabling foreign keys");
}

/* From here on nothing else in this process may open the file (fileguard.h). SQLite has
 * created it by now, so only a file removed under us goes unregistered. */
static int hold_file(Store *s) {
    s->held = fileguard_hold(s->path, &s->dev, &s->ino) == 0;
    return 0;
}

static int open_store(const char *path, int create, Store **out, char *err, size_t errcap) {
    *out = NULL;
    if (!path || !*path) {
        snprintf(err, errcap, "no database path given");
        return -1;
    }
    int is_new;
    long long size;
    if (schema_check_path(path, &is_new, &size, err, errcap)) return -1;
    if (is_new && !create) {
        snprintf(err, errcap, "%s: no database here (missing or empty file)", path);
        return -1;
    }
    if (is_new && make_parent_dirs(path, err, errcap)) return -1;
    Store *s = store_new(path);
    if (!s) {
        snprintf(err, errcap, "%s: out of memory", path);
        return -1;
    }
    if (open_connection(s, create, is_new) || hold_file(s) ||
        (!is_new && schema_check_header(s, size)) || schema_prepare(s)) {
        snprintf(err, errcap, "%s", s->err);
        release(s);
        return -1;
    }
    /* Best effort: when another process holds the write lock too long, the next open will
     * mark them. */
    if (schema_mark_stale_runs(s)) s->err[0] = '\0';
    *out = s;
    return 0;
}

int store_open(const char *path, Store **out, char *err, size_t errcap) {
    return open_store(path, 1, out, err, errcap);
}

int store_open_existing(const char *path, Store **out, char *err, size_t errcap) {
    return open_store(path, 0, out, err, errcap);
}

void store_set_busy_timeout(Store *s, int ms) {
    s->busy_ms = ms;
    sqlite3_busy_timeout(s->db, ms);
}

void store_set_backlog_limit(Store *s, double seconds, int rows) {
    if (seconds > 0) s->lock_limit = seconds;
    if (rows > 0) s->backlog_limit = rows;
}

StoreRetries store_last_retries(const Store *s) { return s->last; }

static int pending_rows(const Store *s) {
    return s->n_metrics + s->n_events + s->n_samples + s->n_progress + s->n_checkpoints;
}

int store_pending_rows(const Store *s) { return pending_rows(s); }

static void clear_buffer(Store *s) {
    for (int i = 0; i < s->n_metrics; i++) free(s->metrics[i].key);
    for (int i = 0; i < s->n_events; i++) {
        free(s->events[i].kind);
        free(s->events[i].detail);
    }
    for (int i = 0; i < s->n_samples; i++) sample_row_free(&s->samples[i].row);
    for (int i = 0; i < s->n_checkpoints; i++) free(s->checkpoints[i].path);
    s->n_metrics = s->n_events = s->n_samples = s->n_progress = s->n_checkpoints = 0;
}

static void release(Store *s) {
    clear_buffer(s);
    free(s->metrics);
    free(s->events);
    free(s->samples);
    free(s->progress);
    free(s->checkpoints);
    sqlite3_finalize(s->put_checkpoint);
    sqlite3_finalize(s->put_metric);
    sqlite3_finalize(s->put_event);
    sqlite3_finalize(s->put_sample);
    sqlite3_finalize(s->put_progress);
    /* Every statement is finalized by now, so the connection closes for certain. */
    if (s->db) sqlite3_close(s->db);
    if (s->held) fileguard_release(s->dev, s->ino);
    free(s->path);
    free(s);
}

void store_close(Store *s) {
    if (!s) return;
    int pending = pending_rows(s);
    if (pending > 0 && store_commit(s) != 0)
        fprintf(stderr, "exposure: %d buffered rows not saved: %s\n", pending, s->err);
    release(s);
}

const char *store_error(const Store *s) { return s->err; }

const char *store_path(const Store *s) { return s->path; }

void store_run_dir(const Store *s, int64_t id, char *out, size_t cap) {
    const char *slash = strrchr(s->path, '/');
    if (!slash) snprintf(out, cap, "%lld", (long long)id);
    else if (slash == s->path) snprintf(out, cap, "/%lld", (long long)id);
    else snprintf(out, cap, "%.*s/%lld", (int)(slash - s->path), s->path, (long long)id);
}

int store_make_run_dir(Store *s, int64_t id, char *out, size_t cap) {
    store_run_dir(s, id, out, cap);
    if (mkdir(out, 0777) != 0 && errno != EEXIST)
        return store_fail(s, "%s: cannot create %s: %s", s->path, out, strerror(errno));
    return 0;
}

/* ---- buffered writes --------------------------------------------------------------------- */

/* Returns items grown to hold at least n + 1 elements of size bytes (perhaps moved), or
 * NULL when out of memory, items then being unchanged. */
static void *room_for_one_more(void *items, int *cap, int n, size_t size) {
    if (n < *cap) return items;
    int grown_cap = *cap ? *cap * 2 : 64;
    void *grown = realloc(items, (size_t)grown_cap * size);
    if (grown) *cap = grown_cap;
    return grown;
}

static int buffer_full(Store *s) {
    return store_fail(s, "%s: out of memory buffering a write", s->path);
}

static int writable(Store *s) {
    return s->readonly ? store_fail(s, "%s: opened read-only", s->path) : 0;
}

static int json_valid(const char *text) {
    cJSON *j = cJSON_Parse(text);
    cJSON_Delete(j);
    return j != NULL;
}

int store_metric(Store *s, int64_t run, int64_t step, const char *key, double value) {
    if (writable(s)) return -1;
    if (!key || !*key) return store_fail(s, "%s: a metric needs a key", s->path);
    PendingMetric *grown =
        room_for_one_more(s->metrics, &s->cap_metrics, s->n_metrics, sizeof *grown);
    if (!grown) return buffer_full(s);
    s->metrics = grown;
    char *copy = strdup(key);
    if (!copy) return buffer_full(s);
    s->metrics[s->n_metrics++] = (PendingMetric){
        .run = run, .step = step, .key = copy, .value = value, .wall = store_wall_now()};
    return 0;
}

int store_event(Store *s, int64_t run, int64_t step, const char *kind, const char *detail_json) {
    if (writable(s)) return -1;
    if (!kind || !*kind) return store_fail(s, "%s: an event needs a kind", s->path);
    if (detail_json && !json_valid(detail_json))
        return store_fail(s, "%s: event %s: detail is not valid JSON", s->path, kind);
    PendingEvent *grown = room_for_one_more(s->events, &s->cap_events, s->n_events, sizeof *grown);
    if (!grown) return buffer_full(s);
    s->events = grown;
    PendingEvent e = {.run = run,
                      .step = step,
                      .wall = store_wall_now(),
                      .kind = strdup(kind),
                      .detail = dup_or(detail_json, "{}")};
    if (!e.kind || !e.detail) {
        free(e.kind);
        free(e.detail);
        return buffer_full(s);
    }
    s->events[s->n_events++] = e;
    return 0;
}

int store_sample(Store *s, int64_t run, const SampleRow *row) {
    if (writable(s)) return -1;
    if (row->corrections_json && !json_valid(row->corrections_json))
        return store_fail(s, "%s: sample %d: corrections are not valid JSON", s->path, row->idx);
    PendingSample *grown =
        room_for_one_more(s->samples, &s->cap_samples, s->n_samples, sizeof *grown);
    if (!grown) return buffer_full(s);
    s->samples = grown;
    SampleRow copy = *row;
    copy.split[sizeof copy.split - 1] = '\0';
    copy.prompt = dup_or(row->prompt, "");
    copy.reference = dup_or(row->reference, "");
    copy.output = dup_or(row->output, "");
    copy.raw_output = dup_or(row->raw_output, "");
    copy.corrections_json = dup_or(row->corrections_json, "[]");
    if (!copy.prompt || !copy.reference || !copy.output || !copy.raw_output ||
        !copy.corrections_json) {
        sample_row_free(&copy);
        return buffer_full(s);
    }
    s->samples[s->n_samples++] = (PendingSample){.run = run, .row = copy};
    return 0;
}

int store_progress(Store *s, int64_t run, int64_t step) {
    if (writable(s)) return -1;
    double now = store_wall_now();
    for (int i = 0; i < s->n_progress; i++)
        if (s->progress[i].run == run) {
            s->progress[i].step = step;
            s->progress[i].heartbeat = now;
            return 0;
        }
    PendingProgress *grown =
        room_for_one_more(s->progress, &s->cap_progress, s->n_progress, sizeof *grown);
    if (!grown) return buffer_full(s);
    s->progress = grown;
    s->progress[s->n_progress++] = (PendingProgress){run, step, now};
    return 0;
}

int store_checkpoint_later(Store *s, int64_t run, int64_t step, const char *path) {
    if (writable(s)) return -1;
    if (!path || !*path) return store_fail(s, "%s: a checkpoint needs a path", s->path);
    PendingCheckpoint *grown =
        room_for_one_more(s->checkpoints, &s->cap_checkpoints, s->n_checkpoints, sizeof *grown);
    if (!grown) return buffer_full(s);
    s->checkpoints = grown;
    char *copy = strdup(path);
    if (!copy) return buffer_full(s);
    s->checkpoints[s->n_checkpoints++] =
        (PendingCheckpoint){.run = run, .step = step, .wall = store_wall_now(), .path = copy};
    return 0;
}

/* ---- commits ----------------------------------------------------------------------------- */

/* Steps a bound insert or update and resets it. A row whose run no longer exists (deleted by
 * another process) has nowhere to go: it is dropped rather than failing every later commit. */
static int run_bound(Store *s, sqlite3_stmt *st, const char *what) {
    int rc = sqlite3_step(st);
    int ext = sqlite3_extended_errcode(s->db);
    if (rc != SQLITE_DONE && ext != SQLITE_CONSTRAINT_FOREIGNKEY) store_fail_db(s, what);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE || ext == SQLITE_CONSTRAINT_FOREIGNKEY ? 0 : -1;
}

static int prepare_once(Store *s, sqlite3_stmt **st, const char *sql) {
    return *st ? 0 : store_prepare(s, sql, st);
}

static void bind_number(sqlite3_stmt *st, int col, double v) {
    /* SQLite would store NaN as NULL anyway; saying so keeps the intent visible. */
    if (v != v) sqlite3_bind_null(st, col);
    else sqlite3_bind_double(st, col, v);
}

static int flush_metrics(Store *s) {
    if (prepare_once(s, &s->put_metric,
                     "INSERT OR REPLACE INTO metrics (run, step, key, value, wall) "
                     "VALUES (?1, ?2, ?3, ?4, ?5)"))
        return -1;
    sqlite3_stmt *st = s->put_metric;
    for (int i = 0; i < s->n_metrics; i++) {
        const PendingMetric *m = &s->metrics[i];
        sqlite3_bind_int64(st, 1, m->run);
        sqlite3_bind_int64(st, 2, m->step);
        sqlite3_bind_text(st, 3, m->key, -1, SQLITE_STATIC);
        bind_number(st, 4, m->value);
        sqlite3_bind_double(st, 5, m->wall);
        if (run_bound(s, st, "writing metrics")) return -1;
    }
    return 0;
}

static int flush_events(Store *s) {
    if (prepare_once(s, &s->put_event,
                     "INSERT INTO events (run, step, wall, kind, detail) "
                     "VALUES (?1, ?2, ?3, ?4, ?5)"))
        return -1;
    sqlite3_stmt *st = s->put_event;
    for (int i = 0; i < s->n_events; i++) {
        const PendingEvent *e = &s->events[i];
        sqlite3_bind_int64(st, 1, e->run);
        sqlite3_bind_int64(st, 2, e->step);
        sqlite3_bind_double(st, 3, e->wall);
        sqlite3_bind_text(st, 4, e->kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, e->detail, -1, SQLITE_STATIC);
        if (run_bound(s, st, "writing events")) return -1;
    }
    return 0;
}

static int flush_samples(Store *s) {
    if (prepare_once(s, &s->put_sample,
                     "INSERT OR REPLACE INTO samples (run, step, split, idx, prompt, reference, "
                     "output, raw_output, corrections, em, f1, rouge_l, fr_acc, first_err, "
                     "n_corrections, answer_acc, ed_acc, recovery, divergences, "
                     "divergences_retracted, corrections_justified, eps, acc_err, horizon) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
                     "?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)"))
        return -1;
    sqlite3_stmt *st = s->put_sample;
    for (int i = 0; i < s->n_samples; i++) {
        const SampleRow *r = &s->samples[i].row;
        sqlite3_bind_int64(st, 1, s->samples[i].run);
        sqlite3_bind_int64(st, 2, r->step);
        sqlite3_bind_text(st, 3, r->split, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 4, r->idx);
        sqlite3_bind_text(st, 5, r->prompt, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, r->reference, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, r->output, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 8, r->raw_output, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 9, r->corrections_json, -1, SQLITE_STATIC);
        bind_number(st, 10, r->em);
        bind_number(st, 11, r->f1);
        bind_number(st, 12, r->rouge_l);
        bind_number(st, 13, r->fr_acc);
        sqlite3_bind_int(st, 14, r->first_err);
        sqlite3_bind_int(st, 15, r->corrections);
        bind_number(st, 16, r->answer_acc);
        bind_number(st, 17, r->ed_acc);
        bind_number(st, 18, r->recovery);
        sqlite3_bind_int(st, 19, r->divergences);
        sqlite3_bind_int(st, 20, r->divergences_retracted);
        sqlite3_bind_int(st, 21, r->corrections_justified);
        bind_number(st, 22, r->eps);
        bind_number(st, 23, r->acc_err);
        sqlite3_bind_int(st, 24, r->horizon);
        if (run_bound(s, st, "writing samples")) return -1;
    }
    return 0;
}

/* A heartbeat from the process that owns a run proves it alive: a run another process marked
 * interrupted (say, after a long pause) goes back to running. */
static int flush_progress(Store *s) {
    if (prepare_once(s, &s->put_progress,
                     "UPDATE runs SET step = ?2, heartbeat = ?3, "
                     "status = CASE WHEN status = 'interrupted' AND pid = ?4 AND host = ?5 "
                     "THEN 'running' ELSE status END, "
                     "finished = CASE WHEN status = 'interrupted' AND pid = ?4 AND host = ?5 "
                     "THEN NULL ELSE finished END "
                     "WHERE id = ?1"))
        return -1;
    sqlite3_stmt *st = s->put_progress;
    for (int i = 0; i < s->n_progress; i++) {
        const PendingProgress *p = &s->progress[i];
        sqlite3_bind_int64(st, 1, p->run);
        sqlite3_bind_int64(st, 2, p->step);
        sqlite3_bind_double(st, 3, p->heartbeat);
        sqlite3_bind_int64(st, 4, s->pid);
        sqlite3_bind_text(st, 5, s->host, -1, SQLITE_STATIC);
        if (run_bound(s, st, "recording progress")) return -1;
    }
    return 0;
}

static int flush_checkpoints(Store *s) {
    if (prepare_once(s, &s->put_checkpoint,
                     "INSERT OR REPLACE INTO checkpoints (run, step, path, wall) "
                     "VALUES (?1, ?2, ?3, ?4)"))
        return -1;
    sqlite3_stmt *st = s->put_checkpoint;
    for (int i = 0; i < s->n_checkpoints; i++) {
        const PendingCheckpoint *c = &s->checkpoints[i];
        sqlite3_bind_int64(st, 1, c->run);
        sqlite3_bind_int64(st, 2, c->step);
        sqlite3_bind_text(st, 3, c->path, -1, SQLITE_STATIC);
        sqlite3_bind_double(st, 4, c->wall);
        if (run_bound(s, st, "recording a checkpoint")) return -1;
    }
    return 0;
}

typedef int (*WriteOp)(Store *s, void *arg);

/* One short write transaction: everything buffered, then op. The buffer is emptied only
 * once the commit succeeded, so a busy or failing database loses nothing held in memory. */
static int write_transaction(Store *s, WriteOp op, void *arg) {
    if (writable(s)) return -1;
    if (store_exec(s, "BEGIN IMMEDIATE", "starting a write")) return -1;
    if (flush_metrics(s) || flush_events(s) || flush_samples(s) || flush_progress(s) ||
        flush_checkpoints(s) || (op && op(s, arg)) || store_exec(s, "COMMIT", "committing")) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    int rows = pending_rows(s);
    clear_buffer(s);
    s->last_commit = clock_monotonic();
    if (s->failing_since > 0)
        s->last = (StoreRetries){s->retries, s->last_commit - s->failing_since, rows};
    s->failing_since = 0;
    s->retries = 0;
    return 0;
}

int store_commit(Store *s) {
    if (pending_rows(s) == 0) return 0;
    return write_transaction(s, NULL, NULL);
}

/* Rows have waited past the limits: the caller gives up. */
static int backlog_exceeded(Store *s, double now, const char *why) {
    int rows = pending_rows(s);
    if (now - s->failing_since < s->lock_limit && rows < s->backlog_limit) return 0;
    s->gave_up = 1;
    /* Whatever this handle writes from now on would only wait for the same lock. */
    sqlite3_busy_timeout(s->db, STORE_TRY_BUSY_MS);
    return store_fail(s,
                      "%s: gave up after %.1f s and %d tries: %d rows could not be committed "
                      "(the limit is %g s or %d rows; %s sets the time); the last try: %s",
                      s->path, now - s->failing_since, s->retries, rows, s->lock_limit,
                      s->backlog_limit, STORE_LOCK_LIMIT_ENV, why);
}

int store_try_commit(Store *s) {
    if (pending_rows(s) == 0) return 0;
    double now = clock_monotonic();
    char why[sizeof s->err];
    if (s->failing_since > 0 && now < s->next_try) {
        snprintf(why, sizeof why, "%s", s->err);
        return backlog_exceeded(s, now, why) ? -1 : STORE_KEPT;
    }
    sqlite3_busy_timeout(s->db, STORE_TRY_BUSY_MS);
    int rc = write_transaction(s, NULL, NULL);
    sqlite3_busy_timeout(s->db, s->gave_up ? STORE_TRY_BUSY_MS : s->busy_ms);
    if (rc == 0) return 0;
    now = clock_monotonic();
    if (s->failing_since > 0) {
        s->retry_interval *= 2;
        if (s->retry_interval > STORE_RETRY_MAX_SECONDS)
            s->retry_interval = STORE_RETRY_MAX_SECONDS;
    } else {
        s->failing_since = now;
        s->retry_interval = STORE_RETRY_MIN_SECONDS;
    }
    s->retries++;
    s->next_try = now + s->retry_interval;
    snprintf(why, sizeof why, "%s", s->err);
    return backlog_exceeded(s, now, why) ? -1 : STORE_KEPT;
}

int store_maybe_commit(Store *s) {
    int pending = pending_rows(s);
    if (pending == 0) return 0;
    if (s->failing_since == 0 && pending < STORE_COMMIT_ROWS &&
        clock_monotonic() - s->last_commit < STORE_COMMIT_SECONDS)
        return 0;
    return store_try_commit(s);
}

/* ---- immediate writes -------------------------------------------------------------------- */

/* Runs one prepared statement built by bind(); fails when it changed no row and must have. */
static int run_statement(Store *s, const char *sql, const char *what, int64_t must_change_run,
                         void (*bind)(sqlite3_stmt *, const void *), const void *arg) {
    sqlite3_stmt *st;
    if (store_prepare(s, sql, &st)) return -1;
    bind(st, arg);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) store_fail_db(s, what);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return -1;
    if (must_change_run > 0 && sqlite3_changes(s->db) == 0)
        return store_fail(s, "%s: no run %lld", s->path, (long long)must_change_run);
    return 0;
}

typedef struct {
    const NewRun *run;
    int64_t id;
    double now;
    const char *machine;
} CreateArg;

static void bind_new_run(sqlite3_stmt *st, const void *arg) {
    const CreateArg *a = arg;
    const NewRun *r = a->run;
    sqlite3_bind_text(st, 1, r->name ? r->name : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->method ? r->method : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->dataset ? r->dataset : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, r->config_json ? r->config_json : "{}", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, r->seed);
    sqlite3_bind_text(st, 6, EXPOSURE_VERSION, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 7, a->now);
    sqlite3_bind_int64(st, 8, (int64_t)getpid());
    sqlite3_bind_int64(st, 10, r->steps);
    if (r->sweep > 0) sqlite3_bind_int64(st, 11, r->sweep);
    else sqlite3_bind_null(st, 11);
    if (a->machine) sqlite3_bind_text(st, 12, a->machine, -1, SQLITE_STATIC);
    else sqlite3_bind_null(st, 12);
}

static void bind_parent(sqlite3_stmt *st, const void *arg) {
    const CreateArg *a = arg;
    const NewRun *r = a->run;
    sqlite3_bind_int64(st, 1, a->id);
    if (r->parent > 0) sqlite3_bind_int64(st, 2, r->parent);
    else sqlite3_bind_null(st, 2);
    sqlite3_bind_int64(st, 3, r->parent_step);
    sqlite3_bind_text(st, 4, r->parent_checkpoint, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, r->parent_params ? r->parent_params : "", -1, SQLITE_STATIC);
}

/* In the transaction that creates the run, so that a warm-started run never exists without
 * its lineage. */
static int record_parent(Store *s, const CreateArg *a) {
    return run_statement(s,
                         "UPDATE runs SET parent = ?2, parent_step = ?3, parent_checkpoint = ?4, "
                         "parent_params = ?5 WHERE id = ?1",
                         "recording a run's parent", a->id, bind_parent, a);
}

static int create_op(Store *s, void *arg) {
    CreateArg *a = arg;
    sqlite3_stmt *st;
    if (store_prepare(s,
                      "INSERT INTO runs (name, status, method, dataset, config, seed, version, "
                      "created, pid, host, heartbeat, step, steps, sweep, machine) VALUES (?1, "
                      "'running', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?7, 0, ?10, ?11, ?12)",
                      &st))
        return -1;
    bind_new_run(st, a);
    sqlite3_bind_text(st, 9, s->host, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) store_fail_db(s, "creating a run");
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return -1;
    a->id = sqlite3_last_insert_rowid(s->db);
    return a->run->parent_checkpoint ? record_parent(s, a) : 0;
}

int64_t store_create_run(Store *s, const NewRun *r) {
    if (r->config_json && !json_valid(r->config_json))
        return store_fail(s, "%s: the run's config is not valid JSON", s->path);
    if (r->machine_json && !json_valid(r->machine_json))
        return store_fail(s, "%s: the run's machine is not valid JSON", s->path);
    char *mine = r->machine_json ? NULL : kernels_machine_json(kernels_info());
    CreateArg a = {
        .run = r, .now = store_wall_now(), .machine = r->machine_json ? r->machine_json : mine};
    int rc = write_transaction(s, create_op, &a);
    free(mine);
    return rc ? -1 : a.id;
}

static const char *const statuses[] = {"running", "completed", "stopped", "interrupted", "failed"};

typedef struct {
    int64_t run;
    const char *status;
    double now;
    int64_t pid;
    const char *host;
} StatusArg;

static void bind_status(sqlite3_stmt *st, const void *arg) {
    const StatusArg *a = arg;
    sqlite3_bind_int64(st, 1, a->run);
    sqlite3_bind_text(st, 2, a->status, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 3, a->now);
    if (sqlite3_bind_parameter_count(st) < 5) return;
    sqlite3_bind_int64(st, 4, a->pid);
    sqlite3_bind_text(st, 5, a->host, -1, SQLITE_STATIC);
}

/* Going back to running (a resumed run) makes this process the run's owner, so that nobody
 * marks it interrupted because the previous owner is gone. */
static int status_op(Store *s, void *arg) {
    const StatusArg *a = arg;
    if (strcmp(a->status, "running") == 0)
        return run_statement(s,
                             "UPDATE runs SET status = ?2, finished = NULL, heartbeat = ?3, "
                             "pid = ?4, host = ?5 WHERE id = ?1",
                             "setting a run's status", a->run, bind_status, a);
    return run_statement(s,
                         "UPDATE runs SET status = ?2, finished = ?3, "
                         "heartbeat = max(heartbeat, ?3) WHERE id = ?1",
                         "setting a run's status", a->run, bind_status, a);
}

int store_set_status(Store *s, int64_t run, const char *status) {
    int known = 0;
    for (size_t i = 0; status && i < sizeof statuses / sizeof *statuses; i++)
        known |= strcmp(status, statuses[i]) == 0;
    if (!known) return store_fail(s, "%s: unknown run status '%s'", s->path, status ? status : "");
    StatusArg a = {run, status, store_wall_now(), s->pid, s->host};
    return write_transaction(s, status_op, &a);
}

typedef struct {
    int64_t run;
    const char *text;
} TextArg;

static void bind_text_arg(sqlite3_stmt *st, const void *arg) {
    const TextArg *a = arg;
    sqlite3_bind_int64(st, 1, a->run);
    sqlite3_bind_text(st, 2, a->text ? a->text : "", -1, SQLITE_STATIC);
}

static int rename_op(Store *s, void *arg) {
    return run_statement(s, "UPDATE runs SET name = ?2 WHERE id = ?1", "renaming a run",
                         ((TextArg *)arg)->run, bind_text_arg, arg);
}

static int tags_op(Store *s, void *arg) {
    return run_statement(s, "UPDATE runs SET tags = ?2 WHERE id = ?1", "tagging a run",
                         ((TextArg *)arg)->run, bind_text_arg, arg);
}

int store_rename_run(Store *s, int64_t run, const char *name) {
    TextArg a = {run, name};
    return write_transaction(s, rename_op, &a);
}

int store_set_tags(Store *s, int64_t run, const char *tags) {
    TextArg a = {run, tags};
    return write_transaction(s, tags_op, &a);
}

static void bind_run_id(sqlite3_stmt *st, const void *arg) {
    sqlite3_bind_int64(st, 1, *(const int64_t *)arg);
}

/* Buffered rows of the run are written first and then cascade away with it. */
static int delete_op(Store *s, void *arg) {
    return run_statement(s, "DELETE FROM runs WHERE id = ?1", "deleting a run", *(int64_t *)arg,
                         bind_run_id, arg);
}

int store_delete_run(Store *s, int64_t run) { return write_transaction(s, delete_op, &run); }

typedef struct {
    int64_t run, step;
    const char *path;
    double now;
} CheckpointArg;

static void bind_checkpoint(sqlite3_stmt *st, const void *arg) {
    const CheckpointArg *a = arg;
    sqlite3_bind_int64(st, 1, a->run);
    sqlite3_bind_int64(st, 2, a->step);
    sqlite3_bind_text(st, 3, a->path, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 4, a->now);
}

static int checkpoint_op(Store *s, void *arg) {
    return run_statement(s,
                         "INSERT OR REPLACE INTO checkpoints (run, step, path, wall) "
                         "VALUES (?1, ?2, ?3, ?4)",
                         "recording a checkpoint", 0, bind_checkpoint, arg);
}

int store_checkpoint(Store *s, int64_t run, int64_t step, const char *path) {
    if (!path || !*path) return store_fail(s, "%s: a checkpoint needs a path", s->path);
    CheckpointArg a = {run, step, path, store_wall_now()};
    return write_transaction(s, checkpoint_op, &a);
}

typedef struct {
    const char *name, *config;
    double now;
    int64_t id;
} SweepArg;

static void bind_sweep(sqlite3_stmt *st, const void *arg) {
    const SweepArg *a = arg;
    sqlite3_bind_text(st, 1, a->name ? a->name : "", -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 2, a->now);
    sqlite3_bind_text(st, 3, a->config ? a->config : "{}", -1, SQLITE_STATIC);
}

static int sweep_op(Store *s, void *arg) {
    SweepArg *a = arg;
    if (run_statement(s, "INSERT INTO sweeps (name, created, config) VALUES (?1, ?2, ?3)",
                      "creating a sweep", 0, bind_sweep, a))
        return -1;
    a->id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

int64_t store_create_sweep(Store *s, const char *name, const char *config_json) {
    if (config_json && !json_valid(config_json))
        return store_fail(s, "%s: the sweep's config is not valid JSON", s->path);
    SweepArg a = {name, config_json, store_wall_now(), 0};
    return write_transaction(s, sweep_op, &a) ? -1 : a.id;
}

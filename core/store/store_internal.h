/* Private to the run store's source files: store.c (opening, buffered writes, commits),
 * store_schema.c (file validation, migrations, stale runs) and store_query.c (reads).
 * Nothing outside the store includes this header; runstore.h is the module's interface. */
#ifndef EXPOSURE_STORE_INTERNAL_H
#define EXPOSURE_STORE_INTERNAL_H

#include <sqlite3.h>

#include "runstore.h"

/* "Expo": PRAGMA application_id of every exposure database, so that another program's
 * SQLite file is recognised and left alone. */
#define STORE_APPLICATION_ID 0x4578706F
#define STORE_BUSY_MS 10000

typedef struct {
    int64_t run, step;
    char *key;
    double value, wall;
} PendingMetric;

typedef struct {
    int64_t run, step;
    double wall;
    char *kind, *detail;
} PendingEvent;

typedef struct {
    int64_t run;
    SampleRow row; /* owns copies of every string */
} PendingSample;

typedef struct {
    int64_t run, step;
    double heartbeat;
} PendingProgress;

typedef struct {
    int64_t run, step;
    double wall;
    char *path;
} PendingCheckpoint;

struct Store {
    sqlite3 *db;
    char *path;
    char err[1024];
    int readonly;
    int64_t pid;
    char host[64];
    double last_commit; /* clock_monotonic() seconds */
    int held;           /* registered with the file guard as (dev, ino) */
    unsigned long long dev, ino;

    PendingMetric *metrics;
    int n_metrics, cap_metrics;
    PendingEvent *events;
    int n_events, cap_events;
    PendingSample *samples;
    int n_samples, cap_samples;
    PendingProgress *progress; /* at most one entry per run: only the latest matters */
    int n_progress, cap_progress;
    PendingCheckpoint *checkpoints;
    int n_checkpoints, cap_checkpoints;

    /* Prepared once, reused by every commit. */
    sqlite3_stmt *put_metric, *put_event, *put_sample, *put_progress, *put_checkpoint;

    /* Retrying buffered rows that could not be committed (store_try_commit). */
    int busy_ms;           /* the wait for the lock of every other write */
    double failing_since;  /* clock_monotonic() of the first failed try; 0 while none */
    double next_try;       /* no new try before this time */
    double retry_interval; /* seconds, doubling from STORE_RETRY_MIN_SECONDS */
    int retries;           /* failed tries since failing_since */
    double lock_limit;     /* seconds (STORE_LOCK_LIMIT_SECONDS or $EXPOSURE_STORE_LOCK_LIMIT) */
    int backlog_limit;     /* rows (STORE_BACKLOG_ROWS) */
    int gave_up;           /* the limit was passed: later writes wait no longer than a try */
    StoreRetries last;     /* the last time commits failed and then worked again */
};

/* Formats the handle's error message; returns -1. */
int store_fail(Store *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "PATH: what: <sqlite message>"; returns -1. */
int store_fail_db(Store *s, const char *what);
/* Runs SQL without results; on failure sets the message (naming what) and returns -1. */
int store_exec(Store *s, const char *sql, const char *what);
/* Prepares sql; on failure sets the message and returns -1. */
int store_prepare(Store *s, const char *sql, sqlite3_stmt **st);
double store_wall_now(void); /* unix seconds */
/* Copies a column's text into a fixed buffer (truncating), or "" when NULL. */
void store_column_copy(sqlite3_stmt *st, int col, char *out, size_t cap);
/* A malloc'd copy of a column's text ("" when NULL), or NULL when out of memory. */
char *store_column_dup(sqlite3_stmt *st, int col);

/* store_schema.c. Validates the file before anything may write to it, in two parts. First,
 * by path alone (no descriptor is opened): it is missing or a regular file; sets *is_new when
 * it is missing or empty and *size to its size. Returns 0, or -1 with a message naming it. */
int schema_check_path(const char *path, int *is_new, long long *size, char *err, size_t errcap);
/* Then, on the connection opened on an existing file and before any SQL runs: an SQLite
 * header consistent with the file's size. Returns 0 or -1 with the handle's message set. */
int schema_check_header(Store *s, long long size);
/* On an open connection: recognises an exposure database (or an empty one), refuses a newer
 * schema, then switches to WAL and migrates (unless the handle is read-only).
 * Returns 0 or -1 with the handle's message set. */
int schema_prepare(Store *s);
/* Marks runs left "running" by a process that is gone as "interrupted". */
int schema_mark_stale_runs(Store *s);

#endif

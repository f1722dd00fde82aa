/* The run store: every run, its metrics, events, evaluation samples and checkpoints, in one
 * SQLite database (default ./runs/exposure.db) in WAL mode, schema version in
 * PRAGMA user_version with forward migrations, foreign keys on.
 *
 * Writes are buffered in memory and committed together in one short transaction (every
 * STORE_COMMIT_ROWS rows or STORE_COMMIT_SECONDS seconds, and on store_commit), so a killed
 * process loses at most the last uncommitted batch and two processes can share a database.
 * A Store handle belongs to one thread at a time; other threads open their own.
 *
 * Metric keys are those of metric_table.h: a per-step metric under its name ("loss"), a
 * per-evaluation one as "<split>/<name>" with split "val" or "test" ("val/em"). */
#ifndef EXPOSURE_RUNSTORE_H
#define EXPOSURE_RUNSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "metric_table.h"
#include "util.h"

#define STORE_SCHEMA_VERSION 5
#define STORE_COMMIT_ROWS 512
#define STORE_COMMIT_SECONDS 2.0

typedef struct Store Store;

/* Opens the database, creating it (and its directory) when missing, migrating an older
 * schema, refusing a newer one. Runs left "running" by a process that is gone (dead pid on
 * this host, or no heartbeat for STORE_STALE_SECONDS) are marked "interrupted".
 * A file that is not an SQLite database, or is corrupt, is an error and is never modified.
 * Returns 0, or -1 with a message naming the file in err. */
#define STORE_STALE_SECONDS 600
int store_open(const char *path, Store **out, char *err, size_t errcap);
/* Opens an existing database, for commands that only read: a missing or empty file is an
 * error and nothing is created. When the file cannot be written (permissions) the handle is
 * read-only: queries work, writes fail with a message, stale runs are left as they are, and a
 * schema too old to read without migrating is refused. */
int store_open_existing(const char *path, Store **out, char *err, size_t errcap);
/* How long a write waits for another process's transaction before failing with a message
 * (default 10 s). */
void store_set_busy_timeout(Store *s, int ms);

/* Buffered rows beside another process that holds the database (docs/reliability.md). A
 * periodic commit (store_maybe_commit, store_try_commit) waits at most STORE_TRY_BUSY_MS for
 * the lock. When it fails (the lock, or any other error), the rows stay buffered and the next
 * try comes after an interval that doubles from STORE_RETRY_MIN_SECONDS to
 * STORE_RETRY_MAX_SECONDS; calls before it return STORE_KEPT at once. When rows have waited
 * for the lock limit (STORE_LOCK_LIMIT_SECONDS, or $EXPOSURE_STORE_LOCK_LIMIT seconds) or
 * STORE_BACKLOG_ROWS rows are waiting, the call fails (-1) with a message saying so; what was
 * committed before stays, and from then on the handle's writes wait no longer than a try. */
#define STORE_TRY_BUSY_MS 5
#define STORE_RETRY_MIN_SECONDS 0.05
#define STORE_RETRY_MAX_SECONDS 2.0
#define STORE_LOCK_LIMIT_SECONDS 300.0
#define STORE_BACKLOG_ROWS 1000000
#define STORE_LOCK_LIMIT_ENV "EXPOSURE_STORE_LOCK_LIMIT"
#define STORE_KEPT 1
/* The limits of a handle, for tests and tools; seconds > 0, rows > 0. */
void store_set_backlog_limit(Store *s, double seconds, int rows);
/* The last spell of failed commits that ended with a commit: how many tries failed, for how
 * long, and how many rows waited. All 0 when there was none. */
typedef struct {
    int tries;
    double seconds;
    int rows;
} StoreRetries;
StoreRetries store_last_retries(const Store *s);
/* The rows waiting to be committed. */
int store_pending_rows(const Store *s);
/* Commits what is buffered, then closes. NULL is harmless. */
void store_close(Store *s);
/* The message of the last failed call on this handle. */
const char *store_error(const Store *s);
/* The database path, and the directory beside it where run `id` keeps its files
 * (<dir of the database>/<id>/); run_dir is created on demand by store_make_run_dir. */
const char *store_path(const Store *s);
void store_run_dir(const Store *s, int64_t id, char *out, size_t cap);
int store_make_run_dir(Store *s, int64_t id, char *out, size_t cap);

typedef struct {
    int64_t id;
    char name[128];
    char status[16]; /* running | completed | stopped | interrupted | failed */
    char method[16]; /* baseline | bash | rac */
    char dataset[LIMIT_CONFIG_STRING];
    char *config_json; /* the full config the run was started with; malloc'd */
    int64_t seed;
    char version[32]; /* exposure version that created it */
    double created;   /* unix seconds */
    double finished;  /* unix seconds; 0 while not finished */
    int64_t pid;
    char host[64];
    double heartbeat; /* unix seconds of the last progress write */
    int64_t step;     /* steps completed */
    int64_t steps;    /* steps planned */
    int64_t sweep;    /* the sweep it belongs to, 0 when none */
    char tags[256];   /* comma-separated */
    /* Lineage (train.init_from): the checkpoint whose weights the run started from, kept as
     * recorded facts that outlive the parent run. */
    char *parent_checkpoint; /* the file; malloc'd, "" for a run trained from scratch */
    int64_t parent;          /* the run that wrote it; 0 when none of this store did */
    int64_t parent_step;     /* its step; -1 for a run trained from scratch */
    char parent_params[32];  /* the weights' identity (checkpoint_params_id) */
    /* The machine it was created on (kernels_machine_json); malloc'd, "" when not recorded
     * (runs from before schema 5). run_row_machine reads it. */
    char *machine_json;
} RunRow;
void run_row_free(RunRow *r); /* frees config_json, parent_checkpoint and machine_json */

/* A run's machine as a person reads it; every field "unknown" when it was not recorded. */
typedef struct {
    char cpu[96];           /* the processor's name */
    char features[128];     /* its vector and matrix features: "AVX2 FMA AVX-512F/BW/VL ..." */
    char blas[32];          /* "OpenBLAS 0.3.21" */
    char blas_core[32];     /* the core it ran: "Cooperlake" */
    char source[16];        /* who chose the core: openblas | exposure | user */
    char openblas_pick[32]; /* source exposure: the core OpenBLAS had picked itself */
} RunMachine;
void run_row_machine(const RunRow *r, RunMachine *m);
/* "Cooperlake (OpenBLAS's own choice)", "Cooperlake (chosen by exposure: OpenBLAS picked
 * Prescott)", "Haswell (OPENBLAS_CORETYPE set by the user)", or "unknown". */
void run_machine_core_text(const RunMachine *m, char *out, size_t cap);
/* The run's parent as train.init_from names it, "3:1000", or, when no run of the store wrote
 * the checkpoint, its file name and step ("start.ckpt:1000"); "" for a run trained from
 * scratch. */
void run_row_parent(const RunRow *r, char *out, size_t cap);

typedef struct {
    const char *name, *method, *dataset, *config_json;
    int64_t seed, steps, sweep;
    /* Lineage, when parent_checkpoint is not NULL (see RunRow). */
    const char *parent_checkpoint, *parent_params;
    int64_t parent, parent_step;
    /* The machine (kernels_machine_json); NULL: this process's, which is what trains it. */
    const char *machine_json;
} NewRun;

/* Creates a run with status "running", this process's pid, host and machine. Committed at once.
 * Returns its id (>= 1), or -1. */
int64_t store_create_run(Store *s, const NewRun *r);
/* Sets the status; a final status (anything but running) also sets finished. Setting
 * "running" (resuming) makes this process the run's owner (pid, host). Commits. */
int store_set_status(Store *s, int64_t run, const char *status);
/* Records progress (steps completed) and the heartbeat. Buffered. A process that keeps a run
 * open without progress (paused) should still call it now and then: a run without a
 * heartbeat for STORE_STALE_SECONDS counts as interrupted, and the owner's next heartbeat
 * sets it back to running. */
int store_progress(Store *s, int64_t run, int64_t step);
int store_rename_run(Store *s, int64_t run, const char *name);
int store_set_tags(Store *s, int64_t run, const char *tags);
/* Deletes the run and everything it owns (not its files on disk). Runs started from its
 * weights keep their record of it (RunRow.parent). */
int store_delete_run(Store *s, int64_t run);
/* The runs started from run's checkpoints, by id; *ids malloc'd. */
int store_run_children(Store *s, int64_t run, int64_t **ids, int *n);
/* 1 when the run exists, 0 when it does not (never created, or removed), -1 on error. */
int store_run_exists(Store *s, int64_t run);

/* Buffered writes. A metric value that is NaN is stored as NULL and read back as NaN; a
 * metric for an existing (run, key, step) replaces it. */
int store_metric(Store *s, int64_t run, int64_t step, const char *key, double value);
/* kind e.g. "schedule", "pause", "resume", "config", "warning"; detail is JSON text. */
int store_event(Store *s, int64_t run, int64_t step, const char *kind, const char *detail_json);

typedef struct {
    int64_t step;  /* training step of the evaluation */
    char split[8]; /* "val" or "test" */
    int idx;       /* index of the example in the split */
    char *prompt, *reference, *output, *raw_output;
    char *corrections_json; /* [{"pos":P,"retracted":"x","replacement":"y"},...] */
    double em, f1, rouge_l, fr_acc;
    int first_err;   /* first free-running divergence, in response tokens; -1 when none */
    int corrections; /* number of corrections */
    /* NaN (NULL in the table) where not defined for the sample: answer_acc without a final
     * answer, recovery (1 or 0: it ends right) when the generation never left the reference */
    double answer_acc, ed_acc, recovery;
    int divergences, divergences_retracted; /* the generation left the reference; <corr> undid it */
    int corrections_justified;              /* corrections made while off the reference */
    double eps, acc_err; /* against an oracle (NaN without): the sample's eps and AccErr */
    int horizon;         /* against an oracle: the steps compared; 0 without */
} SampleRow;
int store_sample(Store *s, int64_t run, const SampleRow *row);
void sample_row_free(SampleRow *r);

/* Records a checkpoint file written for the run at step. Commits at once. */
int store_checkpoint(Store *s, int64_t run, int64_t step, const char *path);
/* The same, buffered with the other rows (committed by the next commit). */
int store_checkpoint_later(Store *s, int64_t run, int64_t step, const char *path);

/* store_commit: commits buffered writes now, waiting for the lock as long as any write.
 * store_try_commit: now, but waiting for the lock no longer than a try, and not before the
 * next try is due (see STORE_TRY_BUSY_MS above); store_maybe_commit: the same when the row or
 * time threshold is reached. Those two return 0 (committed, or nothing due), STORE_KEPT
 * (not committed; the rows are kept and retried; store_error says why) or -1 (the lock or
 * backlog limit passed). */
int store_commit(Store *s);
int store_try_commit(Store *s);
int store_maybe_commit(Store *s);

/* Queries. Arrays are malloc'd; free rows with run_row_free / sample_row_free, then free().
 * They see committed rows only: store_commit first to read this handle's buffered writes. */
int store_list_runs(Store *s, RunRow **rows, int *n);
int store_get_run(Store *s, int64_t id, RunRow *row); /* -1 when absent (message says so) */
int store_metric_keys(Store *s, int64_t run, char ***keys, int *n);
/* A metric's points in step order; steps, values and wall may each be NULL when not wanted. */
int store_metric_series(Store *s, int64_t run, const char *key, int64_t **steps, double **values,
                        double **wall, int *n);
/* Last value, best value (lowest for keys where metric_lower_is_better, else highest) and
 * the value at a step (the last at or before it); return -1 when the run has no such metric. */
int store_metric_last(Store *s, int64_t run, const char *key, int64_t *step, double *value);
int store_metric_best(Store *s, int64_t run, const char *key, int64_t *step, double *value);
int store_metric_at(Store *s, int64_t run, const char *key, int64_t step, double *value);
/* Samples of the evaluation at step (-1: the latest evaluation of that split). */
int store_samples(Store *s, int64_t run, int64_t step, const char *split, SampleRow **rows, int *n);
/* The newest checkpoint of the run; -1 when it has none. */
int store_last_checkpoint(Store *s, int64_t run, int64_t *step, char *path, size_t cap);
/* Every checkpoint of the run, oldest first (what `runs rm` deletes, `runs show` lists). */
typedef struct {
    int64_t step;
    double wall;
    char *path;
} CheckpointRow;
int store_checkpoints(Store *s, int64_t run, CheckpointRow **rows, int *n);
void checkpoint_row_free(CheckpointRow *r);
/* The run and step whose recorded checkpoint is the file at path (the same file, however the
 * two paths are written). Returns 0, 1 when no run of the store wrote it, or -1. */
int store_find_checkpoint(Store *s, const char *path, int64_t *run, int64_t *step);

/* How many rows of each kind a run owns. */
typedef struct {
    int64_t metrics, events, samples, checkpoints;
} RunCounts;
int store_run_counts(Store *s, int64_t run, RunCounts *counts);

typedef struct {
    int64_t step;
    double wall;
    char kind[32];
    char *detail_json;
} EventRow;
int store_events(Store *s, int64_t run, EventRow **rows, int *n);
void event_row_free(EventRow *r);

/* Sweeps group runs started together. */
int64_t store_create_sweep(Store *s, const char *name, const char *config_json);
int store_sweep_runs(Store *s, int64_t sweep, int64_t **ids, int *n);
typedef struct {
    int64_t id;
    char name[128];
    double created;    /* unix seconds */
    char *config_json; /* what the sweep was started with; malloc'd */
} SweepRow;
int store_get_sweep(Store *s, int64_t id, SweepRow *row); /* -1 when absent */
void sweep_row_free(SweepRow *r);

#endif

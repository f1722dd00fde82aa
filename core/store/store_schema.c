/* The run store's file checks, schema migrations and stale-run recovery.
 *
 * Order matters: nothing is written to a file before it has been recognised as an empty file
 * or an exposure database of a schema this program understands. Only then is it switched to
 * WAL, migrated and cleaned of stale runs. */
#include <cJSON.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store_internal.h"

/* Forward migrations: migrations[v] takes a database from schema version v to v + 1, and runs
 * inside the same transaction as the user_version update. Never edit a step once released;
 * append a new one and raise STORE_SCHEMA_VERSION. */
static const char *const migrations[] = {
    /* 0 -> 1 */
    "PRAGMA application_id = 1165521007;\n"
    "CREATE TABLE runs (\n"
    "    id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
    "    name TEXT NOT NULL DEFAULT '',\n"
    "    status TEXT NOT NULL DEFAULT 'running'\n"
    "        CHECK (status IN ('running','completed','stopped','interrupted','failed')),\n"
    "    method TEXT NOT NULL DEFAULT '',\n"
    "    dataset TEXT NOT NULL DEFAULT '',\n"
    "    config TEXT NOT NULL DEFAULT '{}',\n"
    "    seed INTEGER NOT NULL DEFAULT 0,\n"
    "    version TEXT NOT NULL DEFAULT '',\n"
    "    created REAL NOT NULL,\n"
    "    finished REAL,\n"
    "    pid INTEGER NOT NULL DEFAULT 0,\n"
    "    host TEXT NOT NULL DEFAULT '',\n"
    "    heartbeat REAL NOT NULL DEFAULT 0,\n"
    "    step INTEGER NOT NULL DEFAULT 0,\n"
    "    steps INTEGER NOT NULL DEFAULT 0\n"
    ");\n"
    "CREATE TABLE metrics (\n"
    "    run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "    step INTEGER NOT NULL,\n"
    "    key TEXT NOT NULL,\n"
    "    value REAL,\n"
    "    wall REAL NOT NULL,\n"
    "    PRIMARY KEY (run, key, step)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE events (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "    step INTEGER NOT NULL,\n"
    "    wall REAL NOT NULL,\n"
    "    kind TEXT NOT NULL,\n"
    "    detail TEXT NOT NULL DEFAULT '{}'\n"
    ");\n"
    "CREATE INDEX events_by_run ON events(run, id);\n"
    "CREATE TABLE samples (\n"
    "    run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "    step INTEGER NOT NULL,\n"
    "    split TEXT NOT NULL,\n"
    "    idx INTEGER NOT NULL,\n"
    "    prompt TEXT NOT NULL,\n"
    "    reference TEXT NOT NULL,\n"
    "    output TEXT NOT NULL,\n"
    "    raw_output TEXT NOT NULL,\n"
    "    corrections TEXT NOT NULL DEFAULT '[]',\n"
    "    em REAL,\n"
    "    f1 REAL,\n"
    "    rouge_l REAL,\n"
    "    fr_acc REAL,\n"
    "    first_err INTEGER NOT NULL DEFAULT -1,\n"
    "    n_corrections INTEGER NOT NULL DEFAULT 0,\n"
    "    PRIMARY KEY (run, split, step, idx)\n"
    ");\n"
    "CREATE TABLE checkpoints (\n"
    "    run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "    step INTEGER NOT NULL,\n"
    "    path TEXT NOT NULL,\n"
    "    wall REAL NOT NULL,\n"
    "    PRIMARY KEY (run, step)\n"
    ");\n",

    /* 1 -> 2: sweeps, and runs' sweep and tags */
    "CREATE TABLE sweeps (\n"
    "    id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
    "    name TEXT NOT NULL DEFAULT '',\n"
    "    created REAL NOT NULL,\n"
    "    config TEXT NOT NULL DEFAULT '{}'\n"
    ");\n"
    "ALTER TABLE runs ADD COLUMN sweep INTEGER REFERENCES sweeps(id) ON DELETE SET NULL;\n"
    "ALTER TABLE runs ADD COLUMN tags TEXT NOT NULL DEFAULT '';\n"
    "CREATE INDEX runs_by_sweep ON runs(sweep);\n",

    /* 2 -> 3: lineage, the checkpoint a run's weights started from (train.init_from). The
     * parent is a plain integer, not a foreign key: the record outlives the parent, and
     * AUTOINCREMENT never hands a removed run's id to another. */
    "ALTER TABLE runs ADD COLUMN parent INTEGER;\n"
    "ALTER TABLE runs ADD COLUMN parent_step INTEGER;\n"
    "ALTER TABLE runs ADD COLUMN parent_checkpoint TEXT;\n"
    "ALTER TABLE runs ADD COLUMN parent_params TEXT;\n"
    "CREATE INDEX runs_by_parent ON runs(parent);\n",

    /* 3 -> 4: per-sample values of the exposure-bias metrics (docs/run-store.md) */
    "ALTER TABLE samples ADD COLUMN answer_acc REAL;\n"
    "ALTER TABLE samples ADD COLUMN ed_acc REAL;\n"
    "ALTER TABLE samples ADD COLUMN recovery REAL;\n"
    "ALTER TABLE samples ADD COLUMN divergences INTEGER NOT NULL DEFAULT 0;\n"
    "ALTER TABLE samples ADD COLUMN divergences_retracted INTEGER NOT NULL DEFAULT 0;\n"
    "ALTER TABLE samples ADD COLUMN corrections_justified INTEGER NOT NULL DEFAULT 0;\n"
    "ALTER TABLE samples ADD COLUMN eps REAL;\n"
    "ALTER TABLE samples ADD COLUMN acc_err REAL;\n"
    "ALTER TABLE samples ADD COLUMN horizon INTEGER NOT NULL DEFAULT 0;\n",

    /* 4 -> 5: the machine a run was created on: its CPU, vector features and the OpenBLAS
     * kernels it ran (JSON, docs/run-store.md); NULL for runs created before */
    "ALTER TABLE runs ADD COLUMN machine TEXT;\n",
};

_Static_assert(sizeof migrations / sizeof *migrations == STORE_SCHEMA_VERSION,
               "one migration step per schema version");

static uint32_t read_be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The first len bytes of the file, read through the connection's own descriptor. Never
 * open() the file beside SQLite: POSIX locks belong to the process, and closing any descriptor
 * of the file would drop the locks of every connection this process holds on it. */
static int read_header(Store *s, unsigned char *h, int len, long long size) {
    sqlite3_file *file = NULL;
    if (sqlite3_file_control(s->db, "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK ||
        !file || !file->pMethods)
        return store_fail(s, "%s: cannot read the file header", s->path);
    if (size < len)
        return store_fail(s, "%s: not an SQLite database (only %lld bytes); left unchanged",
                          s->path, size);
    int rc = file->pMethods->xRead(file, h, len, 0);
    if (rc != SQLITE_OK) return store_fail(s, "%s: cannot read: %s", s->path, sqlite3_errstr(rc));
    return 0;
}

/* A write-ahead log with content may legitimately hold pages beyond the main file's end. */
static int has_wal_content(const char *path) {
    char wal[LIMIT_PATH_BYTES];
    struct stat st;
    if ((size_t)snprintf(wal, sizeof wal, "%s-wal", path) >= sizeof wal) return 1;
    return stat(wal, &st) == 0 && st.st_size > 0;
}

int schema_check_path(const char *path, int *is_new, long long *size, char *err, size_t errcap) {
    struct stat st;
    *is_new = 0;
    *size = 0;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT) {
            *is_new = 1;
            return 0;
        }
        snprintf(err, errcap, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errcap, "%s: not a regular file", path);
        return -1;
    }
    *size = (long long)st.st_size;
    *is_new = st.st_size == 0;
    return 0;
}

int schema_check_header(Store *s, long long size) {
    unsigned char h[100];
    if (read_header(s, h, (int)sizeof h, size)) return -1;
    if (memcmp(h, "SQLite format 3", 16) != 0)
        return store_fail(s, "%s: not an SQLite database; left unchanged", s->path);
    uint32_t page = (uint32_t)h[16] << 8 | h[17];
    if (page == 1) page = 65536;
    if (page < 512 || (page & (page - 1)) != 0)
        return store_fail(s, "%s: the database is corrupt (page size %u); left unchanged", s->path,
                          page);
    /* The page count in the header is only meaningful while its "valid-for" counter matches
     * the change counter (SQLite's own rule). A file shorter than that was truncated. */
    uint32_t pages = read_be32(h + 28);
    int count_valid = pages > 0 && read_be32(h + 24) == read_be32(h + 92);
    if (count_valid && (long long)pages * page > size && !has_wal_content(s->path))
        return store_fail(s,
                          "%s: the database is corrupt (truncated: %lld of %lld bytes); left "
                          "unchanged",
                          s->path, size, (long long)pages * page);
    return 0;
}

static int query_int(Store *s, const char *sql, int64_t *out) {
    sqlite3_stmt *st;
    if (store_prepare(s, sql, &st)) return -1;
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        store_fail_db(s, sql);
        sqlite3_finalize(st);
        return -1;
    }
    *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return 0;
}

/* The journal mode, or "" when it cannot be read; rc receives the step's result. */
static void journal_mode(Store *s, const char *sql, char *mode, size_t cap, int *rc) {
    sqlite3_stmt *st;
    mode[0] = '\0';
    if (store_prepare(s, sql, &st)) {
        *rc = SQLITE_ERROR;
        return;
    }
    *rc = sqlite3_step(st);
    if (*rc == SQLITE_ROW) store_column_copy(st, 0, mode, cap);
    else store_fail_db(s, "switching to WAL mode");
    sqlite3_finalize(st);
}

/* Changing the journal mode needs the database to itself, and SQLite does not wait for that
 * (its busy handler is not called there), so a process racing us to create the same new
 * database is waited for here. */
static int ensure_wal(Store *s) {
    char mode[16];
    int rc;
    journal_mode(s, "PRAGMA journal_mode", mode, sizeof mode, &rc);
    if (rc != SQLITE_ROW) return -1;
    for (int waited_ms = 0; strcmp(mode, "wal") != 0; waited_ms += 10) {
        journal_mode(s, "PRAGMA journal_mode=WAL", mode, sizeof mode, &rc);
        if (rc == SQLITE_ROW && strcmp(mode, "wal") != 0)
            return store_fail(s, "%s: cannot switch the database to WAL mode", s->path);
        if (rc == SQLITE_ROW) break;
        if ((rc & 0xff) != SQLITE_BUSY || waited_ms >= STORE_BUSY_MS) return -1;
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    return 0;
}

static int refuse_newer(Store *s, int64_t version) {
    return store_fail(s,
                      "%s: schema version %lld is newer than this exposure understands (%d); "
                      "use a newer exposure; left unchanged",
                      s->path, (long long)version, STORE_SCHEMA_VERSION);
}

static int migrate(Store *s) {
    if (store_exec(s, "BEGIN IMMEDIATE", "starting the schema migration")) return -1;
    /* Another process may have migrated between our first look and this lock. */
    int64_t version;
    if (query_int(s, "PRAGMA user_version", &version)) goto fail;
    if (version > STORE_SCHEMA_VERSION) {
        refuse_newer(s, version);
        goto fail;
    }
    for (int64_t v = version; v < STORE_SCHEMA_VERSION; v++) {
        char what[64];
        snprintf(what, sizeof what, "migrating schema %lld to %lld", (long long)v,
                 (long long)v + 1);
        if (store_exec(s, migrations[v], what)) goto fail;
    }
    if (version < STORE_SCHEMA_VERSION) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
        if (store_exec(s, sql, "recording the schema version")) goto fail;
    }
    if (store_exec(s, "COMMIT", "committing the schema migration")) goto fail;
    return 0;
fail:
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

/* What identifies the file, read in one statement so that the three come from one snapshot
 * even while another process is creating the schema. */
static int identify(Store *s, int64_t *app_id, int64_t *version, int64_t *objects) {
    sqlite3_stmt *st;
    if (store_prepare(s,
                      "SELECT (SELECT application_id FROM pragma_application_id), "
                      "(SELECT user_version FROM pragma_user_version), "
                      "(SELECT count(*) FROM sqlite_master)",
                      &st))
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *app_id = sqlite3_column_int64(st, 0);
        *version = sqlite3_column_int64(st, 1);
        *objects = sqlite3_column_int64(st, 2);
    } else {
        store_fail_db(s, "reading the database header");
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

int schema_prepare(Store *s) {
    int64_t app_id, version, objects;
    if (identify(s, &app_id, &version, &objects)) return -1;
    int empty = app_id == 0 && version == 0 && objects == 0;
    if (!empty && app_id != STORE_APPLICATION_ID)
        return store_fail(s,
                          "%s: an SQLite database of another program, not an exposure run "
                          "database; left unchanged",
                          s->path);
    if (version > STORE_SCHEMA_VERSION) return refuse_newer(s, version);
    /* Reading the whole runs table (it is small; status has no index, so every row is read)
     * finds a damaged one before any write. */
    int64_t running;
    if (!empty && query_int(s, "SELECT count(*) FROM runs WHERE status = 'running'", &running))
        return -1;
    if (s->readonly) {
        if (version < STORE_SCHEMA_VERSION)
            return store_fail(s,
                              "%s: schema version %lld needs migrating to %d, but the database "
                              "is read-only",
                              s->path, (long long)version, STORE_SCHEMA_VERSION);
        return 0;
    }
    if (ensure_wal(s)) return -1;
    /* WAL with synchronous=NORMAL survives any process crash; only a power loss can undo the
     * last commits, and never corrupts the file. */
    if (store_exec(s, "PRAGMA synchronous=NORMAL", "setting synchronous mode")) return -1;
    return version < STORE_SCHEMA_VERSION ? migrate(s) : 0;
}

typedef struct {
    int64_t id, step;
    double heartbeat;
    char reason[160];
} StaleRun;

/* Why a running run is stale, or "" when it may still be alive. */
static void stale_reason(const Store *s, int64_t pid, const char *host, double heartbeat,
                         double now, char *out, size_t cap) {
    out[0] = '\0';
    if (strcmp(host, s->host) == 0 && pid > 0 && pid != s->pid && kill((pid_t)pid, 0) == -1 &&
        errno == ESRCH) {
        snprintf(out, cap, "process %lld on %s is gone", (long long)pid, host);
        return;
    }
    if (heartbeat < now - STORE_STALE_SECONDS)
        snprintf(out, cap, "no heartbeat for %.0f s", now - heartbeat);
}

static int find_stale_runs(Store *s, StaleRun **out, int *n) {
    sqlite3_stmt *st;
    *out = NULL;
    *n = 0;
    if (store_prepare(s,
                      "SELECT id, pid, host, heartbeat, step FROM runs "
                      "WHERE status = 'running' ORDER BY id",
                      &st))
        return -1;
    double now = store_wall_now();
    int cap = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char host[64];
        store_column_copy(st, 2, host, sizeof host);
        StaleRun r = {.id = sqlite3_column_int64(st, 0),
                      .heartbeat = sqlite3_column_double(st, 3),
                      .step = sqlite3_column_int64(st, 4)};
        stale_reason(s, sqlite3_column_int64(st, 1), host, r.heartbeat, now, r.reason,
                     sizeof r.reason);
        if (!r.reason[0]) continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            StaleRun *grown = realloc(*out, (size_t)cap * sizeof *grown);
            if (!grown) {
                sqlite3_finalize(st);
                return store_fail(s, "%s: out of memory", s->path);
            }
            *out = grown;
        }
        (*out)[(*n)++] = r;
    }
    if (rc != SQLITE_DONE) store_fail_db(s, "looking for stale runs");
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static char *interruption_detail(const char *reason) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddStringToObject(o, "status", "interrupted");
    cJSON_AddStringToObject(o, "reason", reason);
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

/* The heartbeat condition makes the update a no-op for a run that came back to life since
 * we looked. */
static int mark_interrupted(Store *s, sqlite3_stmt *upd, sqlite3_stmt *ev, const StaleRun *r) {
    sqlite3_bind_int64(upd, 1, r->id);
    sqlite3_bind_double(upd, 2, r->heartbeat);
    int rc = sqlite3_step(upd);
    sqlite3_reset(upd);
    if (rc != SQLITE_DONE) return store_fail_db(s, "marking a stale run interrupted");
    if (sqlite3_changes(s->db) == 0) return 0;
    char *detail = interruption_detail(r->reason);
    if (!detail) return store_fail(s, "%s: out of memory", s->path);
    sqlite3_bind_int64(ev, 1, r->id);
    sqlite3_bind_int64(ev, 2, r->step);
    sqlite3_bind_double(ev, 3, store_wall_now());
    sqlite3_bind_text(ev, 4, detail, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(ev);
    sqlite3_reset(ev);
    free(detail);
    return rc == SQLITE_DONE ? 0 : store_fail_db(s, "recording an interruption");
}

int schema_mark_stale_runs(Store *s) {
    if (s->readonly) return 0;
    StaleRun *stale;
    int n;
    if (find_stale_runs(s, &stale, &n)) return -1;
    if (n == 0) return 0;
    sqlite3_stmt *upd = NULL, *ev = NULL;
    int rc = -1;
    if (store_prepare(s,
                      "UPDATE runs SET status = 'interrupted', "
                      "finished = CASE WHEN heartbeat > 0 THEN heartbeat ELSE created END "
                      "WHERE id = ?1 AND status = 'running' AND heartbeat = ?2",
                      &upd) ||
        store_prepare(s,
                      "INSERT INTO events (run, step, wall, kind, detail) "
                      "VALUES (?1, ?2, ?3, 'status', ?4)",
                      &ev) ||
        store_exec(s, "BEGIN IMMEDIATE", "marking stale runs"))
        goto done;
    for (int i = 0; i < n; i++)
        if (mark_interrupted(s, upd, ev, &stale[i])) {
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            goto done;
        }
    if (store_exec(s, "COMMIT", "marking stale runs")) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        goto done;
    }
    rc = 0;
done:
    sqlite3_finalize(upd);
    sqlite3_finalize(ev);
    free(stale);
    return rc;
}

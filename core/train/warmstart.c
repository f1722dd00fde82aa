#include "warmstart.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

#define PREFIX "train.init_from: "

/* ID or ID:STEP; returns 1 and sets *run and *step (-1: the latest), or 0 for anything else,
 * which names a file. */
static int parse_run_ref(const char *s, int64_t *run, int64_t *step) {
    size_t id_len = strspn(s, "0123456789");
    if (id_len == 0 || id_len > 18) return 0;
    *run = strtoll(s, NULL, 10);
    *step = -1;
    if (s[id_len] == '\0') return *run > 0;
    const char *at = s + id_len + 1;
    size_t step_len = strspn(at, "0123456789");
    if (s[id_len] != ':' || step_len == 0 || step_len > 18 || at[step_len] != '\0') return 0;
    *step = strtoll(at, NULL, 10);
    return *run > 0;
}

/* "1000, 2000 and 3000" into out. */
static void list_steps(const CheckpointRow *ck, int n, char *out, size_t cap) {
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < n && len < cap; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%lld",
                                i == 0       ? ""
                                : i == n - 1 ? " and "
                                             : ", ",
                                (long long)ck[i].step);
}

static int find_in_store(Store *s, int64_t run, int64_t step, WarmStart *ws, char *err,
                         size_t cap) {
    RunRow row;
    int exists = store_run_exists(s, run);
    if (exists <= 0) {
        if (exists == 0)
            snprintf(err, cap, PREFIX "no run %lld in %s", (long long)run, store_path(s));
        else snprintf(err, cap, PREFIX "%s", store_error(s));
        return -1;
    }
    CheckpointRow *ck;
    int n;
    if (store_checkpoints(s, run, &ck, &n)) {
        snprintf(err, cap, PREFIX "%s", store_error(s));
        return -1;
    }
    int pick = -1;
    for (int i = 0; i < n; i++)
        if (step < 0 || ck[i].step == step) pick = i;
    if (n == 0 && store_get_run(s, run, &row) == 0) {
        snprintf(err, cap, PREFIX "run %lld (%s) has no checkpoint to start from", (long long)run,
                 row.status);
        run_row_free(&row);
    } else if (n == 0) {
        snprintf(err, cap, PREFIX "run %lld has no checkpoint to start from", (long long)run);
    } else if (pick < 0) {
        char steps[512];
        list_steps(ck, n, steps, sizeof steps);
        snprintf(err, cap, PREFIX "run %lld has no checkpoint at step %lld; it has %s at step%s %s",
                 (long long)run, (long long)step, n == 1 ? "one" : "checkpoints", n == 1 ? "" : "s",
                 steps);
    } else {
        ws->run = run;
        ws->step = ck[pick].step;
        snprintf(ws->path, sizeof ws->path, "%s", ck[pick].path);
    }
    for (int i = 0; i < n; i++) checkpoint_row_free(&ck[i]);
    free(ck);
    return pick >= 0 ? 0 : -1;
}

/* A file named directly: it must be a regular file (never a FIFO that would block, never a
 * directory); when one of the store's runs wrote it, that run is its parent. */
static int find_file(Store *s, const char *path, WarmStart *ws, char *err, size_t cap) {
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(err, cap, PREFIX "%s: %s (a run id, ID:STEP or a checkpoint file)", path,
                 strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, cap, PREFIX "%s: not a regular file, not a checkpoint", path);
        return -1;
    }
    if (strlen(path) >= sizeof ws->path) {
        snprintf(err, cap, PREFIX "path too long");
        return -1;
    }
    snprintf(ws->path, sizeof ws->path, "%s", path);
    if (s && store_find_checkpoint(s, path, &ws->run, &ws->step) < 0) {
        snprintf(err, cap, PREFIX "%s", store_error(s));
        return -1;
    }
    return 0;
}

static int read_shape(WarmStart *ws, char *err, size_t cap) {
    char why[LIMIT_PATH_BYTES + 256];
    if (fileguard_check_read(ws->path, why, sizeof why) ||
        checkpoint_read_config(ws->path, &ws->shape, why, sizeof why)) {
        snprintf(err, cap, PREFIX "%s", why);
        return -1;
    }
    if (checkpoint_read_tokenizer(ws->path, &ws->tokenizer, why, sizeof why)) {
        snprintf(err, cap, PREFIX "%s", why);
        return -1;
    }
    return 0;
}

/* The store, when there is one: a missing or empty file is no store, and is not created. */
static int open_store(const char *db_path, Store **s, char *err, size_t cap) {
    struct stat st;
    *s = NULL;
    if (!db_path || stat(db_path, &st) != 0 || (S_ISREG(st.st_mode) && st.st_size == 0)) return 0;
    char why[1024];
    if (store_open_existing(db_path, s, why, sizeof why) == 0) return 0;
    snprintf(err, cap, PREFIX "%s", why);
    return -1;
}

int warmstart_find(const char *db_path, const char *init_from, WarmStart *ws, char *err,
                   size_t cap) {
    memset(ws, 0, sizeof *ws);
    ws->step = -1;
    int64_t run, step;
    int by_run = parse_run_ref(init_from, &run, &step);
    Store *s;
    if (open_store(db_path, &s, err, cap)) return -1;
    int rc;
    if (by_run && !s) {
        snprintf(err, cap, PREFIX "no run %lld: there is no run store at %s", (long long)run,
                 db_path ? db_path : "(none)");
        rc = -1;
    } else {
        rc = by_run ? find_in_store(s, run, step, ws, err, cap)
                    : find_file(s, init_from, ws, err, cap);
    }
    /* Read while the store is open, so that the file guard knows the database. */
    if (rc == 0) rc = read_shape(ws, err, cap);
    store_close(s);
    return rc;
}

void warmstart_describe(const WarmStart *ws, char *out, size_t cap) {
    char at[48] = "";
    if (ws->step >= 0) snprintf(at, sizeof at, " at step %lld", (long long)ws->step);
    if (ws->run > 0) snprintf(out, cap, "run %lld%s", (long long)ws->run, at);
    else snprintf(out, cap, "%s%s", ws->path, at);
}

int warmstart_adopt_shape(Config *cfg, const char *db_path, WarmStart *ws, char *err, size_t cap) {
    WarmStart found;
    if (!ws) ws = &found;
    if (!cfg->train.init_from[0]) return 0;
    if (warmstart_find(db_path, cfg->train.init_from, ws, err, cap)) return -1;
    CheckpointShape *s = &cfg->init_shape;
    snprintf(s->from, sizeof s->from, "%s", cfg->train.init_from);
    warmstart_describe(ws, s->what, sizeof s->what);
    s->layers = ws->shape.layers;
    s->dim = ws->shape.dim;
    s->heads = ws->shape.heads;
    s->context = ws->shape.context;
    snprintf(s->tokenizer, sizeof s->tokenizer, "%s", ws->tokenizer.spec);
    return 0;
}

int warmstart_load(WarmStart *ws, Model *m, char *err, size_t cap) {
    char why[LIMIT_PATH_BYTES + 256];
    CheckpointState st;
    if (fileguard_check_read(ws->path, why, sizeof why) ||
        checkpoint_load(ws->path, m, &st, why, sizeof why)) {
        snprintf(err, cap, PREFIX "%s", why);
        return -1;
    }
    /* The parent's optimizer, step and trainer state stay behind: a warm start is a new run. */
    free(st.extra);
    memset(m->adam_m, 0, m->num_params * sizeof *m->adam_m);
    memset(m->adam_v, 0, m->num_params * sizeof *m->adam_v);
    memset(m->grads, 0, m->num_params * sizeof *m->grads);
    ws->step = st.step;
    checkpoint_params_id(st.params_hash, ws->params_id, sizeof ws->params_id);
    return 0;
}

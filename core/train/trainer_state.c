/* The trainer's part of a checkpoint, in the checkpoint's XTRA section: the config as it is
 * now (live changes included), the epoch and its data order, the random streams other than
 * the data stream (which the checkpoint keeps itself), the training time so far, and the
 * self-generated tokens. Loading checks every field against the data it resumes with. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "store.h"
#include "nn.h"
#include "trainer_internal.h"

/* "XTR3": self-generated tokens are refreshed only at steps where omega > 0. The layout is
 * XTR2's; an XTR2 state may hold tokens of weights that never trained with them in view (a
 * refresh at step 0, say), so it resumes as if never refreshed: the next step with omega > 0
 * refreshes. */
#define STATE_MAGIC 0x33525458
#define STATE_MAGIC_XTR2 0x32525458 /* coin flips are seeded per row, no stream saved */

static void put_rng(BlobWriter *w, const Rng *r) {
    for (int i = 0; i < 4; i++) blob_put_u64(w, r->s[i]);
}

static void get_rng(BlobReader *r, Rng *rng) {
    for (int i = 0; i < 4; i++) rng->s[i] = blob_get_u64(r);
}

int trainer_save_checkpoint(Trainer *t, char *path, size_t pathcap, char *err, size_t cap) {
    char dir[LIMIT_PATH_BYTES];
    if (store_make_run_dir(t->store, t->run_id, dir, sizeof dir)) {
        snprintf(err, cap, "%s", store_error(t->store));
        return -1;
    }
    snprintf(path, pathcap, "%s/step-%06d.ckpt", dir, t->step);
    char *json = config_to_json(&t->cfg, 0);
    BlobWriter w = {0};
    blob_put_i32(&w, STATE_MAGIC);
    blob_put_bytes(&w, json, json ? strlen(json) : 0);
    free(json);
    blob_put_i32(&w, t->epoch);
    blob_put_i32(&w, t->perm_pos);
    blob_put_i32(&w, t->train.n);
    blob_put(&w, t->perm, (size_t)t->train.n * sizeof *t->perm);
    put_rng(&w, &t->rng_sample);
    blob_put_f64(&w, t->elapsed);
    blob_put_i32(&w, t->selfgen_refreshed);
    blob_put_i32(&w, t->selfgen_free_run);
    blob_put_u64(&w, t->sg.pool_len);
    blob_put(&w, t->sg.yhat, t->sg.pool_len * sizeof *t->sg.yhat);
    blob_put(&w, t->sg.gen_len, (size_t)t->sg.n * sizeof *t->sg.gen_len);
    blob_put_i32(&w, t->last_eval_step);
    int rc = -1;
    if (w.failed || !json) {
        snprintf(err, cap, "out of memory writing a checkpoint");
    } else {
        CheckpointState st = {
            .step = t->step, .rng = t->rng_data, .extra = w.data, .extra_len = w.len};
        snprintf(st.tokenizer.spec, sizeof st.tokenizer.spec, "%s", vocab_spec(t->vocab));
        snprintf(st.tokenizer.identity, sizeof st.tokenizer.identity, "%s",
                 vocab_identity(t->vocab));
        rc = checkpoint_save(path, &t->model, &st, err, cap);
    }
    free(w.data);
    return rc;
}

/* The keys that are not live cannot change during a run, so the checkpoint's config must agree
 * with the run's on every one of them; the model and batches were allocated for those values. */
static int same_fixed_keys(const Config *a, const Config *b, char *err, size_t cap) {
    int n;
    const ConfigKey *keys = config_keys(&n);
    for (int i = 0; i < n; i++) {
        char va[1024], vb[1024];
        if (keys[i].live) continue;
        if (config_get(a, keys[i].key, va, sizeof va) ||
            config_get(b, keys[i].key, vb, sizeof vb) || strcmp(va, vb) != 0) {
            snprintf(err, cap, "trainer state: %s is %.100s in the checkpoint, %.100s in the run",
                     keys[i].key, va, vb);
            return -1;
        }
    }
    return 0;
}

/* The config inside the state, applied on top of the run's. */
static int restore_config(const Trainer *t, BlobReader *r, Config *cfg, char *err, size_t cap) {
    size_t jlen;
    const char *json = blob_get_bytes(r, 1 << 20, &jlen);
    if (!json) {
        snprintf(err, cap, "trainer state: damaged config");
        return -1;
    }
    char *text = malloc(jlen + 1);
    if (!text) {
        snprintf(err, cap, "out of memory");
        return -1;
    }
    memcpy(text, json, jlen);
    text[jlen] = '\0';
    *cfg = t->cfg;
    int bad = config_apply_json_text(cfg, text, "checkpoint config", err, cap);
    free(text);
    if (bad || config_validate(cfg, err, cap) || same_fixed_keys(cfg, &t->cfg, err, cap)) return -1;
    return 0;
}

/* Self-generated tokens become model inputs: each must be a token id, and each generated
 * length must lie within its example's response. */
static int selfgen_valid(const Trainer *t) {
    for (size_t i = 0; i < t->sg.pool_len; i++)
        if (t->sg.yhat[i] < 0 || t->sg.yhat[i] >= t->train.ids.count) return 0;
    for (int i = 0; i < t->sg.n; i++)
        if (t->sg.gen_len[i] < 0 || t->sg.gen_len[i] > t->train.rlen[i]) return 0;
    return 1;
}

static int restore(Trainer *t, BlobReader *r, int64_t step, char *err, size_t cap) {
    int32_t magic = blob_get_i32(r);
    if (magic != STATE_MAGIC && magic != STATE_MAGIC_XTR2) {
        snprintf(err, cap, "trainer state missing");
        return -1;
    }
    Config cfg;
    if (restore_config(t, r, &cfg, err, cap)) return -1;
    if (step < 0 || step > cfg.train.steps) {
        snprintf(err, cap, "checkpoint step %lld is outside the run's 0..%d steps", (long long)step,
                 cfg.train.steps);
        return -1;
    }
    t->epoch = blob_get_i32_in(r, 0, 1 << 30);
    int n = t->train.n;
    t->perm_pos = blob_get_i32_in(r, 0, n);
    if (blob_get_i32(r) != n) {
        snprintf(err, cap, "the training data has changed since the checkpoint (%d examples now)",
                 n);
        return -1;
    }
    blob_get(r, t->perm, (size_t)n * sizeof *t->perm);
    for (int i = 0; i < n && !r->failed; i++)
        if (t->perm[i] < 0 || t->perm[i] >= n) r->failed = 1;
    get_rng(r, &t->rng_sample);
    t->elapsed = blob_get_f64(r);
    if (!(t->elapsed >= 0 && t->elapsed < 1e12)) r->failed = 1;
    t->selfgen_refreshed = blob_get_i32_in(r, -1, (int32_t)step);
    if (magic == STATE_MAGIC_XTR2) t->selfgen_refreshed = -1;
    t->selfgen_free_run = blob_get_i32_in(r, 0, 1);
    if (blob_get_u64(r) != t->sg.pool_len) {
        snprintf(err, cap, "the training data has changed since the checkpoint");
        return -1;
    }
    blob_get(r, t->sg.yhat, t->sg.pool_len * sizeof *t->sg.yhat);
    blob_get(r, t->sg.gen_len, (size_t)t->sg.n * sizeof *t->sg.gen_len);
    t->last_eval_step = blob_get_i32_in(r, -1, (int32_t)step);
    if (r->failed || r->pos != r->len || !selfgen_valid(t)) {
        snprintf(err, cap, "trainer state is damaged");
        return -1;
    }
    t->cfg = cfg;
    return 0;
}

int trainer_state_check(const void *blob, size_t len, const Config *cfg, const Corpus *train,
                        int64_t step, char *err, size_t cap) {
    Trainer *t = calloc(1, sizeof *t);
    int rc = -1;
    if (!t) {
        snprintf(err, cap, "out of memory");
        return -1;
    }
    t->cfg = *cfg;
    t->train = *train; /* borrowed: only read, never freed here */
    t->perm = malloc(((size_t)train->n + 1) * sizeof *t->perm);
    if (!t->perm || selfgen_init(&t->sg, train)) {
        snprintf(err, cap, "out of memory");
    } else {
        BlobReader r = {blob, len, 0, 0};
        rc = restore(t, &r, step, err, cap);
    }
    selfgen_free(&t->sg);
    free(t->perm);
    free(t);
    return rc;
}

/* Rank 0 reads the file; every rank restores the trainer's state from it and checks it against
 * its own data (the model itself reaches the other ranks afterwards, see trainer_setup.c). */
int trainer_load_checkpoint(Trainer *t, const char *path, char *err, size_t cap) {
    CheckpointState st = {0};
    int rc = dist_rank() == 0 ? checkpoint_load(path, &t->model, &st, err, cap) : 0;
    const char *have = checkpoint_tokenizer_is_byte(&st.tokenizer) ? "byte" : st.tokenizer.identity;
    if (rc == 0 && dist_rank() == 0 && strcmp(have, vocab_identity(t->vocab)) != 0) {
        snprintf(err, cap,
                 "%s: the checkpoint's vocabulary is %s, but model.tokenizer %s is now %s (was "
                 "its file changed?)",
                 path, have, t->cfg.model.tokenizer, vocab_identity(t->vocab));
        free(st.extra);
        st.extra = NULL;
        rc = -1;
    }
    if (trainer_agree(rc, err, cap)) return -1;
    if (trainer_share_state(&st)) {
        snprintf(err, cap, "out of memory reading %s", path);
        rc = -1;
    } else {
        BlobReader r = {st.extra, st.extra_len, 0, 0};
        char why[512];
        rc = restore(t, &r, st.step, why, sizeof why);
        if (rc) snprintf(err, cap, "%s: %s", path, why);
    }
    free(st.extra);
    if (trainer_agree(rc, err, cap)) return -1;
    t->step = (int)st.step;
    t->rng_data = st.rng;
    return 0;
}

/* The training thread and its control API. */
#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn.h"
#include "run_eval.h"
#include "mixing.h"
#include "streams.h"
#include "trainer_internal.h"

/* ---- events ---- */

/* Appends to the event ring, growing it up to q_max, then dropping the oldest (and counting
 * it): the training thread never waits for a reader. */
static void push_locked(Trainer *t, const TrainerEvent *ev) {
    static const int initial = 256;
    int cap = t->queue ? t->q_cap : 0;
    if (t->q_len == cap && cap < t->q_max) {
        int ncap = cap ? cap * 2 : initial;
        if (ncap > t->q_max) ncap = t->q_max;
        TrainerEvent *q = malloc((size_t)ncap * sizeof *q);
        if (q) {
            for (int i = 0; i < t->q_len; i++) q[i] = t->queue[(t->q_head + i) % cap];
            free(t->queue);
            t->queue = q;
            t->q_head = 0;
            t->q_cap = cap = ncap;
        }
    }
    if (cap == 0) return;  /* out of memory before the first event: nothing can be queued */
    if (t->q_len == cap) { /* full: the oldest event goes */
        t->q_head = (t->q_head + 1) % cap;
        t->q_len--;
        t->dropped_unseen++;
        t->snap.events_dropped++;
    }
    t->queue[(t->q_head + t->q_len) % cap] = *ev;
    t->q_len++;
    pthread_cond_broadcast(&t->has_event);
}

static void push(Trainer *t, const TrainerEvent *ev) {
    pthread_mutex_lock(&t->mu);
    push_locked(t, ev);
    pthread_mutex_unlock(&t->mu);
}

void trainer_note(Trainer *t, const char *fmt, ...) {
    TrainerEvent ev = {.kind = EV_NOTE, .step = t->step};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ev.text, sizeof ev.text, fmt, ap);
    va_end(ap);
    push(t, &ev);
}

int trainer_poll_event(Trainer *t, TrainerEvent *ev) {
    pthread_mutex_lock(&t->mu);
    int got = t->q_len > 0;
    if (got) {
        *ev = t->queue[t->q_head];
        ev->dropped = t->dropped_unseen;
        t->dropped_unseen = 0;
        t->q_head = (t->q_head + 1) % t->q_cap;
        t->q_len--;
    }
    pthread_mutex_unlock(&t->mu);
    return got;
}

int trainer_wait_event(Trainer *t, TrainerEvent *ev, int timeout_ms) {
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
    pthread_mutex_lock(&t->mu);
    while (t->q_len == 0 && t->snap.phase != PHASE_FINISHED)
        if (pthread_cond_timedwait(&t->has_event, &t->mu, &until) == ETIMEDOUT) break;
    pthread_mutex_unlock(&t->mu);
    return trainer_poll_event(t, ev);
}

void trainer_snapshot(Trainer *t, TrainerSnapshot *s) {
    pthread_mutex_lock(&t->mu);
    *s = t->snap;
    pthread_mutex_unlock(&t->mu);
}

const Vocab *trainer_vocab(const Trainer *t) { return t->vocab; }

void trainer_batch_row(Trainer *t, BatchRowView *v) {
    pthread_mutex_lock(&t->mu);
    *v = t->row;
    pthread_mutex_unlock(&t->mu);
}

/* ---- control ---- */

void trainer_pause(Trainer *t) {
    if (t->dist) return; /* the other ranks would wait for the paused one, and give up */
    pthread_mutex_lock(&t->mu);
    t->pause_req = 1;
    pthread_mutex_unlock(&t->mu);
}

void trainer_resume(Trainer *t) {
    pthread_mutex_lock(&t->mu);
    t->pause_req = 0;
    pthread_cond_broadcast(&t->wake);
    pthread_mutex_unlock(&t->mu);
}

void trainer_stop(Trainer *t) {
    pthread_mutex_lock(&t->mu);
    t->stop_req = 1;
    if (t->snap.phase != PHASE_FINISHED) t->snap.phase = PHASE_STOPPING;
    pthread_cond_broadcast(&t->wake);
    pthread_mutex_unlock(&t->mu);
}

int trainer_set(Trainer *t, const char *assignment, char *err, size_t cap) {
    char key[128];
    size_t klen = strcspn(assignment, "=");
    snprintf(key, sizeof key, "%.*s", (int)(klen < sizeof key ? klen : sizeof key - 1), assignment);
    const ConfigKey *k = config_find_key(key);
    if (t->dist) {
        snprintf(err, cap, "%s: a run on several processes cannot change while it trains", key);
        return -1;
    }
    if (k && !k->live) {
        snprintf(err, cap, "%s: cannot change while a run trains", key);
        return -1;
    }
    pthread_mutex_lock(&t->mu);
    Config next = t->pending_cfg;
    int rc = -1;
    if (t->n_pending == MAX_PENDING) snprintf(err, cap, "too many changes queued; try again");
    else if (strlen(assignment) >= sizeof t->pending[0]) snprintf(err, cap, "%s: too long", key);
    else if (!config_set(&next, assignment, err, cap) && !config_validate(&next, err, cap)) {
        t->pending_cfg = next;
        snprintf(t->pending[t->n_pending++], sizeof t->pending[0], "%s", assignment);
        rc = 0;
    }
    pthread_mutex_unlock(&t->mu);
    return rc;
}

static void sync_optimizer(Trainer *t) { t->oc.lr = t->cfg.train.lr; }

/* {"key":...,"from":...,"to":...}, malloc'd; NULL when out of memory. */
static char *change_json(const char *key, const char *from, const char *to) {
    cJSON *o = cJSON_CreateObject();
    char *text = NULL;
    if (o && cJSON_AddStringToObject(o, "key", key) && cJSON_AddStringToObject(o, "from", from) &&
        cJSON_AddStringToObject(o, "to", to))
        text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

/* What commits went through while failing, in the run's events once they work again. */
static void record_retries(Trainer *t) {
    StoreRetries r = store_last_retries(t->store);
    char detail[160];
    snprintf(detail, sizeof detail, "{\"failed_tries\":%d,\"seconds\":%.3f,\"rows\":%d}", r.tries,
             r.seconds, r.rows);
    store_event(t->store, t->run_id, t->step, "store", detail);
    trainer_note(t, "run store: writing again after %d failed tries over %.1f s (%d rows kept)",
                 r.tries, r.seconds, r.rows);
}

/* Tells the user when writing the run store starts failing (the rows stay buffered and are
 * retried with a growing interval, store_try_commit, without holding up training) and when it
 * works again: once each, not at every step. When the rows have waited past the store's limit
 * the run is to fail (store_gave_up). */
static void note_store(Trainer *t, int commit_rc) {
    if (commit_rc < 0 && !t->store_gave_up[0])
        snprintf(t->store_gave_up, sizeof t->store_gave_up, "run store: %s", store_error(t->store));
    else if (commit_rc && !t->store_failing)
        trainer_note(t, "run store: %s (will retry)", store_error(t->store));
    else if (!commit_rc && t->store_failing) record_retries(t);
    t->store_failing = commit_rc != 0;
}

/* Applies the queued live changes, recording each as an event of the run. */
static void apply_pending(Trainer *t) {
    char list[MAX_PENDING][256];
    pthread_mutex_lock(&t->mu);
    int n = t->n_pending;
    memcpy(list, t->pending, sizeof list);
    t->n_pending = 0;
    pthread_mutex_unlock(&t->mu);
    for (int i = 0; i < n; i++) {
        char key[128], before[512], after[512], err[256];
        snprintf(key, sizeof key, "%.*s", (int)strcspn(list[i], "="), list[i]);
        config_get(&t->cfg, key, before, sizeof before);
        if (config_set(&t->cfg, list[i], err, sizeof err)) { /* validated when queued */
            trainer_note(t, "change not applied: %s", err);
            continue;
        }
        config_get(&t->cfg, key, after, sizeof after);
        sync_optimizer(t);
        char *detail = change_json(key, before, after);
        store_event(t->store, t->run_id, t->step,
                    strncmp(key, "method.schedule.", 16) == 0 ? "schedule" : "config",
                    detail ? detail : "{}");
        free(detail);
        trainer_note(t, "%s: %s -> %s from step %d", key, before, after, t->step + 1);
    }
    if (n) {
        pthread_mutex_lock(&t->mu);
        t->snap.config = t->cfg;
        pthread_mutex_unlock(&t->mu);
    }
}

/* Between steps: applies changes, waits while paused (keeping the heartbeat fresh).
 * Returns 1 when the run is to stop. */
static int between_steps(Trainer *t) {
    apply_pending(t);
    pthread_mutex_lock(&t->mu);
    int paused = 0;
    while (t->pause_req && !t->stop_req) {
        if (!paused) {
            paused = 1;
            t->snap.phase = PHASE_PAUSED;
            pthread_mutex_unlock(&t->mu);
            store_event(t->store, t->run_id, t->step, "pause", "{}");
            note_store(t, store_try_commit(t->store));
            pthread_mutex_lock(&t->mu);
        }
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += 1;
        pthread_cond_timedwait(&t->wake, &t->mu, &until);
        pthread_mutex_unlock(&t->mu);
        store_progress(t->store, t->run_id, t->step);
        note_store(t, store_maybe_commit(t->store));
        apply_pending(t);
        pthread_mutex_lock(&t->mu);
    }
    int stop = t->stop_req;
    if (paused && !stop) t->snap.phase = PHASE_RUNNING;
    pthread_mutex_unlock(&t->mu);
    if (paused && !stop) store_event(t->store, t->run_id, t->step, "resume", "{}");
    return stop;
}

/* ---- training ---- */

static int next_example(Trainer *t) {
    if (t->perm_pos == t->train.n) {
        for (int i = 0; i < t->train.n; i++) t->perm[i] = i;
        rng_shuffle(&t->rng_data, t->perm, t->train.n);
        t->perm_pos = 0;
        t->epoch++;
    }
    return t->perm[t->perm_pos++];
}

static int uses_free_run(const Config *c) {
    return c->method.selfgen.source == SELFGEN_FREE_RUN ||
           (method_corrects(c->method.name) && c->method.rac.granularity == RAC_SEGMENT);
}

static int refresh_selfgen(Trainer *t, const int *idx, int n) {
    return selfgen_compute(&t->sg, &t->train, idx, n, t->selfgen_free_run,
                           t->cfg.method.selfgen.temperature, &t->model, &t->scratch, t->dec,
                           &t->rng_sample);
}

/* What a full refresh cost, in the run's events: when it happened and how long it took. */
static void record_refresh(Trainer *t, float omega, double seconds) {
    if (!t->store) return;
    char detail[160];
    snprintf(detail, sizeof detail, "{\"examples\":%d,\"omega\":%.9g,\"seconds\":%.6f}", t->train.n,
             (double)omega, seconds);
    store_event(t->store, t->run_id, t->step, "refresh", detail);
}

/* Every example's tokens; each rank computes its share and they are gathered, so that every
 * rank holds the same tokens whatever the number of ranks. */
static int refresh_all(Trainer *t, float omega) {
    int idx[256], lo, hi, rc = 0;
    double t0 = clock_monotonic();
    trainer_share(t->train.n, &lo, &hi);
    for (int at = lo; at < hi && !rc; at += 256) {
        int n = hi - at < 256 ? hi - at : 256;
        for (int i = 0; i < n; i++) idx[i] = at + i;
        rc = refresh_selfgen(t, idx, n);
    }
    trainer_gather_selfgen(t); /* even after a failure: the other ranks are waiting for it */
    if (rc) return -1;
    t->selfgen_refreshed = t->step;
    record_refresh(t, omega, clock_monotonic() - t0);
    return 0;
}

/* Brings the self-generated tokens the batch will use up to date, as selfgen.refresh says
 * (selfgen_refresh_due): never while omega is 0, when nothing would use them; for "batch",
 * those of this rank's rows idx[lo..hi), the only ones it uses. */
static int update_selfgen(Trainer *t, const int *idx, int lo, int hi, float omega) {
    int refresh = t->cfg.method.selfgen.refresh;
    t->selfgen_free_run = uses_free_run(&t->cfg);
    if (refresh == REFRESH_BATCH) return omega > 0.0f ? refresh_selfgen(t, idx + lo, hi - lo) : 0;
    if (selfgen_refresh_due(refresh, t->step, t->selfgen_refreshed, omega, t->cfg.train.batch,
                            t->train.n))
        return refresh_all(t, omega);
    return 0;
}

/* The sums of a step over every rank's part of the batch: the loss positions, the method's
 * counts, who asked to stop and who failed. */
static void reduce_step(Trainer *t, const MethodStats *ms, int stop_asked, int failed,
                        StepTotals *tot) {
    const XentStats *x = &t->model.last;
    *tot = (StepTotals){failed ? 0.0 : x->loss_sum,
                        failed ? 0 : x->count,
                        failed ? 0 : x->correct,
                        (double)ms->eligible,
                        (double)ms->selected,
                        (double)ms->differ,
                        (double)ms->inserted,
                        (double)ms->tokens,
                        stop_asked,
                        failed};
    trainer_reduce_step(tot);
}

/* One optimizer step on the global batch of train.batch rows, of which this rank takes its
 * share (all of them in a single process). *stop_all is set when any rank asked to stop. */
static int train_step(Trainer *t, int stop_asked, StepStats *st, int *stop_all, char *err,
                      size_t cap) {
    const Config *c = &t->cfg;
    double t0 = clock_monotonic();
    int B = c->train.batch, idx[LIMIT_BATCH], lo, hi;
    for (int r = 0; r < B; r++) idx[r] = next_example(t);
    trainer_share(B, &lo, &hi);
    int mixes = method_mixes(c->method.name);
    float omega = mixes ? mixing_omega(&c->method.schedule, t->step, c->train.steps) : 0.0f;
    int failed = (mixes && update_selfgen(t, idx, lo, hi, omega) != 0) || t->store_gave_up[0];
    if (failed && !t->dist) {
        if (t->store_gave_up[0]) snprintf(err, cap, "%.500s", t->store_gave_up);
        else
            snprintf(err, cap, "step %d: self-generation does not fit the model's context",
                     t->step + 1);
        return -1;
    }
    MethodParams p = {.name = c->method.name,
                      .granularity = c->method.rac.granularity,
                      .omega = omega,
                      .seed = stream_seed(STREAM_METHOD_COINS, (uint64_t)c->train.seed, 0),
                      .step = t->step,
                      .row0 = lo};
    MethodStats ms;
    method_build_batch(&t->batch, &t->train, &t->sg, idx + lo, hi - lo, c->model.context, &p, &ms);
    float loss = failed ? 0.0f : model_forward(&t->model, &t->batch);
    long count = t->model.last.count;
    if (t->dist) {
        StepTotals tot;
        reduce_step(t, &ms, stop_asked, failed, &tot);
        if (tot.failed > 0) {
            if (t->store_gave_up[0]) snprintf(err, cap, "%.500s", t->store_gave_up);
            else
                snprintf(err, cap, "step %d: self-generation does not fit the model's context",
                         t->step + 1);
            return -1;
        }
        *stop_all = tot.stop > 0;
        count = (long)tot.count;
        loss = count ? (float)(tot.loss_sum / tot.count) : 0.0f;
        ms = (MethodStats){.eligible = (long)tot.eligible,
                           .selected = (long)tot.selected,
                           .differ = (long)tot.differ,
                           .inserted = (long)tot.inserted,
                           .tokens = (long)tot.tokens,
                           .rows = B};
    }
    if (!isfinite(loss)) {
        snprintf(err, cap, "non-finite loss at step %d (lr %g): the run diverged", t->step + 1,
                 (double)optim_lr(&t->oc, t->step));
        return -1;
    }
    model_zero_grad(&t->model);
    model_backward_scaled(&t->model, &t->batch, count);
    /* One sum over the whole gradient buffer: afterwards every rank holds the whole batch's
     * gradient and takes the same optimizer step. */
    if (t->dist) dist_allreduce_f32(t->model.grads, t->model.num_params);
    float lr = optim_lr(&t->oc, t->step);
    double norm = optim_step(&t->model, &t->oc, t->step, lr);
    if (!isfinite(norm)) {
        snprintf(err, cap, "non-finite gradient at step %d: the run diverged", t->step + 1);
        return -1;
    }
    t->step++;
    double dt = clock_monotonic() - t0;
    t->elapsed += dt;
    t->step_seconds = t->step_seconds > 0 ? 0.9 * t->step_seconds + 0.1 * dt : dt;
    long units = ms.eligible > 0 ? ms.eligible : 1;
    *st = (StepStats){.loss = loss,
                      .lr = lr,
                      .omega = omega,
                      .mixed_frac = (float)ms.selected / (float)units,
                      .diff_frac = (float)ms.differ / (float)units,
                      .rac_insertions = (float)ms.inserted / (float)B,
                      .grad_norm = (float)norm,
                      .tok_s = dt > 0 ? (double)ms.tokens / dt : 0.0,
                      .tokens = ms.tokens};
    return 0;
}

double trainer_step_metric(const StepStats *st, MetricId id) {
    switch (id) {
    case METRIC_LOSS: return st->loss;
    case METRIC_LR: return st->lr;
    case METRIC_GRAD_NORM: return st->grad_norm;
    case METRIC_TOK_S: return st->tok_s;
    case METRIC_OMEGA: return st->omega;
    case METRIC_MIXED_FRAC: return st->mixed_frac;
    case METRIC_DIFF_FRAC: return st->diff_frac;
    case METRIC_RAC_INSERTIONS: return st->rac_insertions;
    default: return NAN;
    }
}

static void store_step(Trainer *t, const StepStats *st) {
    Store *s = t->store;
    int64_t run = t->run_id, step = t->step;
    int mixes = method_mixes(t->cfg.method.name), corrects = method_corrects(t->cfg.method.name);
    for (int id = 0; id < METRIC_COUNT; id++) {
        const MetricInfo *m = metric_info((MetricId)id);
        if (!(m->flags & METRIC_PER_STEP) || ((m->flags & METRIC_MIXING) && !mixes) ||
            ((m->flags & METRIC_CORRECTION) && !corrects))
            continue;
        store_metric(s, run, step, m->name, trainer_step_metric(st, (MetricId)id));
    }
    store_progress(s, run, step);
    note_store(t, store_maybe_commit(s));
}

static void record_step(Trainer *t, const StepStats *st) {
    if (t->store) store_step(t, st);
    TrainerEvent ev = {.kind = EV_STEP, .step = t->step, .st = *st};
    const Batch *b = &t->batch;
    pthread_mutex_lock(&t->mu);
    t->snap.step = t->step;
    t->snap.epoch = t->epoch;
    t->snap.last = *st;
    t->snap.elapsed = t->elapsed;
    t->snap.eta = t->step_seconds * (t->cfg.train.steps - t->step);
    t->row.step = t->step;
    t->row.len = b->len[0];
    memcpy(t->row.input, b->input, (size_t)b->len[0] * sizeof(token_t));
    memcpy(t->row.target, b->target, (size_t)b->len[0] * sizeof(token_t));
    memcpy(t->row.mask, b->mask, (size_t)b->len[0]);
    memcpy(t->row.kind, b->kind, (size_t)b->len[0]);
    push_locked(t, &ev);
    pthread_mutex_unlock(&t->mu);
}

/* ---- evaluation and checkpoints ---- */

typedef struct {
    Trainer *t;
    const char *split;
} SampleSink;

static void store_eval_sample(void *ctx, const EvalSample *s) {
    SampleSink *k = ctx;
    run_eval_store_sample(k->t->store, k->t->run_id, k->t->step, k->split, s);
}

static int evaluate_now(Trainer *t, char *err, size_t cap) {
    EvalContext e = {.m = &t->model,
                     .dec = t->dec,
                     .scratch = &t->scratch,
                     .decode = eval_decode_options(&t->cfg),
                     .gsm8k = t->gsm8k,
                     .seed = stream_seed(STREAM_EVAL_SAMPLE, (uint64_t)t->cfg.train.seed, t->step),
                     .vocab = t->vocab};
    EvalSummary sum;
    SampleSink sink = {t, "val"};
    if (t->dist) {
        if (trainer_eval_shared(t, &e, t->cfg.train.eval_samples, &sum, err, cap)) return -1;
    } else if (evaluate(&e, &t->val, t->cfg.train.eval_samples, &sum, store_eval_sample, &sink)) {
        snprintf(err, cap, "evaluation at step %d failed (out of memory)", t->step);
        return -1;
    }
    if (t->store) {
        eval_store_summary(t->store, t->run_id, t->step, "val", &sum,
                           method_corrects(t->cfg.method.name));
        note_store(t, store_try_commit(t->store));
    }
    t->last_eval_step = t->step;
    TrainerEvent ev = {.kind = EV_EVAL, .step = t->step, .ev = sum, .split = "val"};
    pthread_mutex_lock(&t->mu);
    t->snap.eval = sum;
    t->snap.eval_step = t->step;
    push_locked(t, &ev);
    pthread_mutex_unlock(&t->mu);
    return 0;
}

/* Rank 0 writes the file and records it; the other ranks learn whether that worked. */
static int checkpoint(Trainer *t, char *err, size_t cap) {
    TrainerEvent ev = {.kind = EV_CHECKPOINT, .step = t->step};
    int rc = 0;
    if (trainer_sync_replicas(t)) {
        trainer_note(t,
                     "step %d: the ranks' copies of the model differed (ranks on different "
                     "CPUs?); all continue from rank 0's",
                     t->step);
        if (t->store)
            store_event(t->store, t->run_id, t->step, "warning",
                        "{\"reason\":\"the ranks' copies of the model differed; rank 0's was "
                        "given to all\"}");
    }
    if (t->store) {
        if (trainer_save_checkpoint(t, ev.text, sizeof ev.text, err, cap)) {
            rc = -1;
        } else if (store_checkpoint_later(t->store, t->run_id, t->step, ev.text)) {
            snprintf(err, cap, "%s", store_error(t->store));
            rc = -1;
        } else {
            note_store(t, store_try_commit(t->store));
        }
    }
    if (trainer_agree(rc, err, cap)) return -1;
    if (t->store) push(t, &ev);
    return 0;
}

static void finish(Trainer *t, const char *status, const char *message) {
    if (t->store && strcmp(status, "failed") == 0) {
        /* The reason goes with the run, for exposure runs show. */
        cJSON *detail = cJSON_CreateObject();
        char *json = NULL;
        if (detail && cJSON_AddStringToObject(detail, "reason", message ? message : ""))
            json = cJSON_PrintUnformatted(detail);
        store_event(t->store, t->run_id, t->step, "failure", json ? json : "{}");
        cJSON_free(json);
        cJSON_Delete(detail);
    }
    int stored = !t->store || (store_set_status(t->store, t->run_id, status) == 0 &&
                               store_commit(t->store) == 0);
    TrainerEvent ev = {.kind = EV_DONE, .step = t->step};
    snprintf(ev.status, sizeof ev.status, "%s", status);
    if (message && *message) snprintf(ev.text, sizeof ev.text, "%s", message);
    else if (!stored) snprintf(ev.text, sizeof ev.text, "run store: %s", store_error(t->store));
    pthread_mutex_lock(&t->mu);
    t->snap.phase = PHASE_FINISHED;
    push_locked(t, &ev);
    pthread_mutex_unlock(&t->mu);
}

/* Rank 0, when the job is about to end because a rank stopped answering: the run is
 * interrupted (and can be resumed), not left running. */
static void on_abort(void *ctx) {
    Trainer *t = ctx;
    store_event(t->store, t->run_id, t->step, "status",
                "{\"status\":\"interrupted\",\"reason\":\"a rank of the job stopped answering\"}");
    if (store_set_status(t->store, t->run_id, "interrupted") || store_commit(t->store))
        fprintf(stderr, "exposure: run store: %s\n", store_error(t->store));
}

static void *train_thread(void *arg) {
    Trainer *t = arg;
    const Config *c = &t->cfg;
    char err[512] = "";
    const char *status = "completed";
    if (t->dist && t->store) dist_on_abort(on_abort, t);
    /* A warm start's curves begin where its parent's weights stand. */
    if (c->train.init_from[0] && c->train.eval_every && t->step == 0 && t->last_eval_step < 0 &&
        evaluate_now(t, err, sizeof err))
        status = "failed";
    while (strcmp(status, "failed") != 0 && t->step < c->train.steps) {
        /* A single process stops before the next step; ranks learn of a stop through the
         * next step's sums, and stop after it. */
        int stop = between_steps(t), stop_all = 0;
        if (stop && !t->dist) {
            status = "stopped";
            break;
        }
        StepStats st;
        if (train_step(t, stop, &st, &stop_all, err, sizeof err)) {
            status = "failed";
            break;
        }
        record_step(t, &st);
        /* With several ranks, the next step's sums carry it to every rank (train_step). */
        if (t->store_gave_up[0] && !t->dist) {
            snprintf(err, sizeof err, "%.500s", t->store_gave_up);
            status = "failed";
            break;
        }
        if (t->step == c->train.steps) break;
        if (stop_all) {
            status = "stopped";
            break;
        }
        if (c->train.eval_every && t->step % c->train.eval_every == 0 &&
            evaluate_now(t, err, sizeof err)) {
            status = "failed";
            break;
        }
        if (c->train.checkpoint_every && t->step % c->train.checkpoint_every == 0 &&
            checkpoint(t, err, sizeof err)) {
            status = "failed";
            break;
        }
    }
    if (strcmp(status, "completed") == 0 && t->last_eval_step != t->step &&
        evaluate_now(t, err, sizeof err))
        status = "failed";
    if (strcmp(status, "failed") != 0 && checkpoint(t, err, sizeof err)) status = "failed";
    finish(t, status, err);
    dist_on_abort(NULL, NULL);
    return NULL;
}

/* ---- life cycle ---- */

int trainer_start(const Config *cfg, const TrainerOptions *opt, Trainer **out, char *err,
                  size_t cap) {
    *out = NULL;
    Trainer *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, cap, "out of memory");
        return TRAINER_ERUNTIME;
    }
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->wake, &ca);
    pthread_cond_init(&t->has_event, &ca);
    pthread_condattr_destroy(&ca);
    t->last_eval_step = -1;
    t->q_max = opt->event_capacity > 0 ? opt->event_capacity : EVENT_QUEUE_MAX;
    t->dist = dist_size() > 1;
    int rc = opt->resume ? trainer_setup_resume(t, opt, err, cap)
                         : trainer_setup_new(t, cfg, opt, err, cap);
    if (rc == 0) {
        t->pending_cfg = t->cfg;
        t->snap = (TrainerSnapshot){.run_id = t->run_id,
                                    .phase = PHASE_RUNNING,
                                    .step = t->step,
                                    .steps = t->cfg.train.steps,
                                    .epoch = t->epoch,
                                    .eval_step = -1,
                                    .elapsed = t->elapsed,
                                    .eta = -1,
                                    .config = t->cfg};
        t->row.step = -1;
        const Config *c = &t->cfg;
        TrainerEvent ev = {.kind = EV_START, .step = t->step};
        snprintf(ev.text, sizeof ev.text,
                 "run %lld (%.100s): %s on %.200s (%d train, %d val), %d layers x %d dim, %.2fM "
                 "parameters, %d steps of %d",
                 (long long)t->run_id, t->run_name, method_info(c->method.name)->name,
                 c->data.train, t->train.n, t->val.n, c->model.layers, c->model.dim,
                 (double)t->model.num_params / 1e6, c->train.steps, c->train.batch);
        push(t, &ev);
        if (pthread_create(&t->thread, NULL, train_thread, t) != 0) {
            snprintf(err, cap, "cannot start the training thread");
            rc = TRAINER_ERUNTIME;
        } else {
            t->thread_started = 1;
        }
    }
    if (rc) {
        /* A resume that was refused leaves the run as it was, so it can still be resumed
         * once the cause (its data, its checkpoint) is put right. */
        if (t->store && t->run_id > 0 && !opt->resume)
            store_set_status(t->store, t->run_id, "failed");
        trainer_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

void trainer_free(Trainer *t) {
    if (!t) return;
    if (t->thread_started) {
        trainer_stop(t);
        pthread_join(t->thread, NULL);
    }
    trainer_release(t);
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->wake);
    pthread_cond_destroy(&t->has_event);
    free(t->queue);
    free(t);
}

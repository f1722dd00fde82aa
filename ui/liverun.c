#include "liverun.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int liverun_start(const Config *cfg, const char *db_path, int64_t resume, LiveRun **out, char *err,
                  size_t cap) {
    *out = NULL;
    LiveRun *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, cap, "out of memory");
        return TRAINER_ERUNTIME;
    }
    for (int i = 0; i < H_COUNT; i++) history_init(&s->h[i]);
    TrainerOptions opt = {.db_path = db_path, .resume = resume};
    int rc = trainer_start(cfg, &opt, &s->tr, err, cap);
    if (rc) {
        free(s);
        return rc;
    }
    trainer_snapshot(s->tr, &s->snap);
    s->run_id = s->snap.run_id;
    *out = s;
    return 0;
}

void liverun_preload(LiveRun *s, Store *st) {
    /* Each history and the metric it follows: per step (split NULL) or of validation. */
    static const struct {
        MetricId metric;
        const char *split;
        HistoryId id;
    } map[] = {
        {METRIC_LOSS, NULL, H_LOSS},
        {METRIC_LOSS, "val", H_VAL_LOSS},
        {METRIC_TF_ACC, "val", H_TF_ACC},
        {METRIC_FR_ACC, "val", H_FR_ACC},
        {METRIC_GAP, "val", H_GAP},
        {METRIC_EM, "val", H_EM},
        {METRIC_F1, "val", H_F1},
        {METRIC_ROUGE_L, "val", H_ROUGE},
        {METRIC_FIRST_ERR, "val", H_FIRST_ERR},
        {METRIC_CORRECTIONS, "val", H_CORRECTIONS},
        {METRIC_ANSWER_ACC, "val", H_ANSWER_ACC},
        {METRIC_ED_ACC, "val", H_ED_ACC},
        {METRIC_RECOVERY, "val", H_RECOVERY},
        {METRIC_OMEGA, NULL, H_OMEGA},
        {METRIC_MIXED_FRAC, NULL, H_MIXED},
        {METRIC_DIFF_FRAC, NULL, H_DIFF},
        {METRIC_LR, NULL, H_LR},
        {METRIC_TOK_S, NULL, H_TOK_S},
        {METRIC_GRAD_NORM, NULL, H_GRAD_NORM},
    };
    double wall0 = 0;
    for (size_t i = 0; i < sizeof map / sizeof *map; i++) {
        int64_t *steps;
        double *values, *wall;
        int n;
        char key[64];
        metric_key(map[i].metric, map[i].split, key, sizeof key);
        if (store_metric_series(st, s->run_id, key, &steps, &values, &wall, &n)) continue;
        if (i == 0 && n > 0) wall0 = wall[0];
        History *h = &s->h[map[i].id];
        history_init(h);
        for (int k = 0; k < n; k++) history_add(h, (double)steps[k], wall[k] - wall0, values[k]);
        /* Wall time stands in for training time before the resume: pauses were not recorded. */
        if (i == 0 && n > 0) s->train_seconds = wall[n - 1] - wall0;
        free(steps);
        free(values);
        free(wall);
    }
}

static void add_note(LiveRun *s, const char *text) {
    snprintf(s->notes[s->n_notes % LIVERUN_NOTES], sizeof s->notes[0], "%.500s", text);
    s->n_notes++;
}

const char *liverun_note(const LiveRun *s, int i) {
    if (i < 0 || i >= s->n_notes || i >= LIVERUN_NOTES) return NULL;
    return s->notes[(s->n_notes - 1 - i) % LIVERUN_NOTES];
}

static void on_step(LiveRun *s, const TrainerEvent *ev) {
    const StepStats *st = &ev->st;
    if (st->tok_s > 0) s->train_seconds += (double)st->tokens / st->tok_s;
    double x = ev->step, t = s->train_seconds;
    history_add(&s->h[H_LOSS], x, t, st->loss);
    history_add(&s->h[H_LR], x, t, st->lr);
    history_add(&s->h[H_TOK_S], x, t, st->tok_s);
    history_add(&s->h[H_GRAD_NORM], x, t, st->grad_norm);
    if (method_mixes(s->snap.config.method.name)) {
        history_add(&s->h[H_OMEGA], x, t, st->omega);
        history_add(&s->h[H_MIXED], x, t, st->mixed_frac);
        history_add(&s->h[H_DIFF], x, t, st->diff_frac);
    }
}

static void on_eval(LiveRun *s, const TrainerEvent *ev) {
    const EvalSummary *e = &ev->ev;
    double x = ev->step, t = s->train_seconds;
    history_add(&s->h[H_VAL_LOSS], x, t, e->loss);
    history_add(&s->h[H_TF_ACC], x, t, e->tf_acc);
    history_add(&s->h[H_FR_ACC], x, t, e->fr_acc);
    history_add(&s->h[H_GAP], x, t, e->gap);
    history_add(&s->h[H_EM], x, t, e->em);
    history_add(&s->h[H_F1], x, t, e->f1);
    history_add(&s->h[H_ROUGE], x, t, e->rouge_l);
    history_add(&s->h[H_FIRST_ERR], x, t, e->first_err);
    history_add(&s->h[H_CORRECTIONS], x, t, e->corrections);
    /* Metrics not defined at this evaluation leave a gap rather than a point. */
    if (!isnan(e->answer_acc)) history_add(&s->h[H_ANSWER_ACC], x, t, e->answer_acc);
    history_add(&s->h[H_ED_ACC], x, t, e->ed_acc);
    if (!isnan(e->recovery)) history_add(&s->h[H_RECOVERY], x, t, e->recovery);
    s->evals++;
}

unsigned liverun_poll(LiveRun *s) {
    unsigned seen = 0;
    TrainerEvent ev;
    while (trainer_poll_event(s->tr, &ev)) {
        switch (ev.kind) {
        case EV_START: snprintf(s->start_text, sizeof s->start_text, "%s", ev.text); break;
        case EV_STEP:
            on_step(s, &ev);
            seen |= LR_STEP;
            break;
        case EV_EVAL:
            on_eval(s, &ev);
            seen |= LR_EVAL;
            break;
        case EV_CHECKPOINT: {
            char note[600];
            snprintf(note, sizeof note, "step %d: checkpoint %s", ev.step, ev.text);
            add_note(s, note);
            seen |= LR_NOTE;
            break;
        }
        case EV_NOTE:
            add_note(s, ev.text);
            seen |= LR_NOTE;
            break;
        case EV_DONE:
            s->finished = 1;
            snprintf(s->status, sizeof s->status, "%s", ev.status);
            snprintf(s->done_text, sizeof s->done_text, "%s", ev.text);
            seen |= LR_DONE;
            break;
        }
    }
    trainer_snapshot(s->tr, &s->snap);
    return seen;
}

int liverun_active(const LiveRun *s) { return s && !s->finished; }

void liverun_pause(LiveRun *s) { trainer_pause(s->tr); }
void liverun_resume(LiveRun *s) { trainer_resume(s->tr); }
void liverun_stop(LiveRun *s) { trainer_stop(s->tr); }

int liverun_set(LiveRun *s, const char *assignment, char *err, size_t cap) {
    return trainer_set(s->tr, assignment, err, cap);
}

void liverun_free(LiveRun *s) {
    if (!s) return;
    trainer_free(s->tr);
    free(s);
}

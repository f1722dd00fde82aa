/* The run this process trains, as the interface sees it: the trainer, its latest snapshot,
 * the histories the charts draw, and the notes it sent. The UI thread drains the trainer's
 * events without waiting (trainer_poll_event) and copies the snapshot, so a training step
 * is never waited for. Nothing here draws. */
#ifndef EXPOSURE_UI_LIVERUN_H
#define EXPOSURE_UI_LIVERUN_H

#include <stdint.h>

#include "history.h"
#include "store.h"
#include "train.h"

#define LIVERUN_NOTES 64

/* What liverun_poll saw, as bits. */
enum { LR_STEP = 1, LR_EVAL = 2, LR_NOTE = 4, LR_DONE = 8 };

typedef enum {
    H_LOSS,
    H_VAL_LOSS,
    H_TF_ACC,
    H_FR_ACC,
    H_GAP,
    H_EM,
    H_F1,
    H_ROUGE,
    H_FIRST_ERR,
    H_CORRECTIONS,
    H_ANSWER_ACC,
    H_ED_ACC,
    H_RECOVERY,
    H_OMEGA,
    H_MIXED,
    H_DIFF,
    H_LR,
    H_TOK_S,
    H_GRAD_NORM,
    H_COUNT
} HistoryId;

typedef struct {
    Trainer *tr;
    int64_t run_id;
    TrainerSnapshot snap;
    History h[H_COUNT];
    double train_seconds; /* sum of the steps' durations: the time axis */
    int evals;            /* evaluations seen (the Corrections screen reloads on a change) */
    int finished;
    char status[16];      /* of the done event: completed | stopped | failed */
    char done_text[512];  /* why it failed */
    char start_text[512]; /* the start event's one-line description */
    int n_notes;          /* notes received; the last LIVERUN_NOTES are kept */
    char notes[LIVERUN_NOTES][512];
} LiveRun;

/* Starts a run (a new one from cfg, or `resume` > 0 to continue that stopped run). Returns
 * 0, or TRAINER_EINPUT / TRAINER_ERUNTIME with the reason in err. */
int liverun_start(const Config *cfg, const char *db_path, int64_t resume, LiveRun **out, char *err,
                  size_t cap);
/* Fills the histories with what the store holds of the run: a resumed run's charts then
 * start at its first step, not where it resumed. */
void liverun_preload(LiveRun *s, Store *st);
/* Drains every queued event into the histories and refreshes the snapshot. Returns the
 * LR_* bits of what arrived. */
unsigned liverun_poll(LiveRun *s);
/* The i-th newest note (0: the latest), or NULL. */
const char *liverun_note(const LiveRun *s, int i);
/* 1 while the trainer thread has not finished. */
int liverun_active(const LiveRun *s);

void liverun_pause(LiveRun *s);
void liverun_resume(LiveRun *s);
void liverun_stop(LiveRun *s);
/* A live change ("method.schedule.end=0.6"); applied before the next step. */
int liverun_set(LiveRun *s, const char *assignment, char *err, size_t cap);
/* Stops the run if it still trains, waits for the thread, frees everything. */
void liverun_free(LiveRun *s);

#endif

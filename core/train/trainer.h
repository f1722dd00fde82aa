/* The trainer: one training run on its own thread, driven through a small control API and
 * observed through events and snapshots, the same way by the command line and the TUI.
 *
 * trainer_start does everything that can fail because of the user's input (config, data,
 * the database, resuming) before the thread starts, so those errors come back at once.
 * The thread then trains, evaluates every train.eval_every steps, checkpoints every
 * train.checkpoint_every steps and at the end, and writes the run store as it goes.
 *
 * Readers never wait for a training step: events are queued and snapshots copied under a
 * mutex that the thread holds only briefly. */
#ifndef EXPOSURE_TRAINER_H
#define EXPOSURE_TRAINER_H

#include <stddef.h>
#include <stdint.h>

#include "nn.h"
#include "config.h"
#include "data.h"
#include "eval.h"

typedef struct Trainer Trainer;

typedef enum {
    PHASE_RUNNING,
    PHASE_PAUSED,
    PHASE_STOPPING, /* a stop was asked for: finishing the step and checkpointing */
    PHASE_FINISHED, /* the thread has ended; see the done event for the status */
} TrainerPhase;

typedef struct {
    float loss, lr, omega;
    float mixed_frac;     /* share of eligible units mixed (BASH) or chosen for correction (RAC) */
    float diff_frac;      /* share of eligible units whose self-generated token(s) differ */
    float rac_insertions; /* corrections inserted per sequence */
    float grad_norm;
    double tok_s; /* input tokens (no padding) per second of this step */
    long tokens;  /* input tokens of this step */
} StepStats;

typedef enum {
    EV_START,      /* text: a one-line description of the run */
    EV_STEP,       /* step, st */
    EV_EVAL,       /* step, ev, split */
    EV_CHECKPOINT, /* step, text: the file */
    EV_NOTE,       /* text: something the user should know (data dropped, a change applied) */
    EV_DONE,       /* status: completed | stopped | failed; text: why it failed */
} TrainerEventKind;

typedef struct {
    TrainerEventKind kind;
    int step; /* steps completed when the event happened */
    StepStats st;
    EvalSummary ev;
    char split[8];
    char status[16];
    char text[512];
    /* Events dropped just before this one: a reader that falls behind by more than the queue
     * holds loses the oldest events rather than ever holding the training thread up. */
    long dropped;
} TrainerEvent;

typedef struct {
    int64_t run_id;
    TrainerPhase phase;
    int step, steps; /* completed, planned */
    int epoch;
    StepStats last; /* of the latest step */
    int eval_step;  /* step of the latest evaluation, -1 before the first */
    EvalSummary eval;
    double elapsed;      /* seconds of training, across resumes */
    double eta;          /* seconds left at the recent pace; -1 when unknown */
    Config config;       /* as it is now, live changes included */
    long events_dropped; /* in all, since the start */
} TrainerSnapshot;

/* One row of the latest training batch, as the method built it (the batch inspector). */
typedef struct {
    int step; /* -1 before the first batch */
    int len;
    token_t input[LIMIT_CONTEXT], target[LIMIT_CONTEXT];
    uint8_t mask[LIMIT_CONTEXT], kind[LIMIT_CONTEXT];
} BatchRowView;

typedef struct {
    const char *db_path; /* the run store */
    const char *name;    /* run name; NULL or "" for one made from method and data */
    int64_t resume;      /* continue this stopped or interrupted run (config comes from it) */
    int64_t sweep;       /* tag the run with this sweep (0: none) */
    int event_capacity;  /* events kept for a reader that falls behind (0: 16384) */
} TrainerOptions;

/* Return values of trainer_start besides 0. */
#define TRAINER_EINPUT -2   /* bad config, data or arguments: exit code 2 */
#define TRAINER_ERUNTIME -1 /* database, files, memory: exit code 1 */

/* Validates, loads, opens the store, creates (or reopens) the run, starts the thread. */
int trainer_start(const Config *cfg, const TrainerOptions *opt, Trainer **out, char *err,
                  size_t errcap);

void trainer_pause(Trainer *t);
void trainer_resume(Trainer *t);
/* Asks the thread to finish its step, write a checkpoint and end as "stopped". */
void trainer_stop(Trainer *t);
/* Queues a change of a live key ("method.schedule.end=0.6"), applied before the next step
 * and recorded as an event of the run. Returns 0, or -1 with the reason in err. */
int trainer_set(Trainer *t, const char *assignment, char *err, size_t errcap);

/* Pops the oldest event; returns 1, or 0 when there is none. Never blocks the training
 * thread: when the queue is full the oldest event is dropped, and the next event popped
 * says how many were (TrainerEvent.dropped). */
int trainer_poll_event(Trainer *t, TrainerEvent *ev);
/* Like trainer_poll_event, but waits up to timeout_ms for an event to arrive. */
int trainer_wait_event(Trainer *t, TrainerEvent *ev, int timeout_ms);
void trainer_snapshot(Trainer *t, TrainerSnapshot *s);
void trainer_batch_row(Trainer *t, BatchRowView *v);
/* The run's vocabulary (model.tokenizer), to show its tokens: valid until trainer_free. Other
 * threads may call only the functions of vocab.h that take it const. */
const Vocab *trainer_vocab(const Trainer *t);

/* The value of a per-step metric (METRIC_PER_STEP) in a step's statistics; NaN for another. */
double trainer_step_metric(const StepStats *st, MetricId id);

/* Waits for the thread to end, then frees everything. NULL is harmless. */
void trainer_free(Trainer *t);

/* Checks a checkpoint's trainer state (its XTRA section) the way resuming does, without a model:
 * against the run's config (keys that are not live must agree), the run's training corpus and
 * the checkpoint's step. Returns 0, or -1 with the reason in err. Resuming runs exactly these
 * checks; the tests and the fuzzer reach them through here. */
int trainer_state_check(const void *blob, size_t len, const Config *cfg, const Corpus *train,
                        int64_t step, char *err, size_t cap);

#endif

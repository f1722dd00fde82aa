/* The trainer's state, shared by the files that implement trainer.h: trainer.c (thread,
 * control, events), trainer_setup.c (loading and resuming) and trainer_state.c
 * (the trainer's part of a checkpoint). Nothing outside the trainer includes this. */
#ifndef EXPOSURE_TRAINER_INTERNAL_H
#define EXPOSURE_TRAINER_INTERNAL_H

#include <pthread.h>

#include "store.h"
#include "data.h"
#include "decode.h"
#include "method.h"
#include "nn.h"
#include "util.h"
#include "selfgen.h"
#include "trainer.h"
#include "warmstart.h"

/* Sequences decoded together in evaluation and free-running self-generation. */
#define DECODE_BATCH 32
/* Events kept for a reader that falls behind (TrainerOptions.event_capacity unset); older ones
 * are dropped beyond this. */
#define EVENT_QUEUE_MAX 16384
/* Live changes queued between two steps. */
#define MAX_PENDING 32

struct Trainer {
    /* Owned by the training thread once it runs. */
    Config cfg;
    Dataset train_ds, val_ds;
    Vocab *vocab; /* model.tokenizer's: encodes the data, decodes the outputs */
    Corpus train, val;
    Model model;
    OptimConfig oc;
    Batch batch, scratch;
    Decoder *dec;
    SelfgenCache sg;
    int selfgen_free_run;  /* the cache holds free-running generations */
    int selfgen_refreshed; /* step of the last full refresh; -1 never */
    WarmStart parent;      /* rank 0 of a new run with train.init_from: its checkpoint */
    int gsm8k;
    Store *store;      /* rank 0's; NULL on the other ranks of a job (dist.h) */
    int store_failing; /* the last commit failed (the user has been told) */
    /* The run store gave up on rows the lock kept out too long (store_try_commit): the run
     * fails with this message at the end of the step. "" while not. */
    char store_gave_up[1024];
    int dist; /* one rank of a job of several processes */
    int64_t run_id;
    char run_name[128]; /* for the start event (rank 0) */
    int step;           /* steps completed */
    int epoch;
    int *perm, perm_pos; /* this epoch's order of training examples */
    Rng rng_data, rng_sample;
    double elapsed;      /* training seconds, across the sessions of a resumed run */
    double step_seconds; /* moving average, for the ETA */
    int last_eval_step;

    /* Shared with the controlling thread, under mu. */
    pthread_t thread;
    int thread_started;
    pthread_mutex_t mu;
    pthread_cond_t wake;      /* the thread waits on it while paused */
    pthread_cond_t has_event; /* readers wait on it */
    int pause_req, stop_req;
    char pending[MAX_PENDING][256];
    int n_pending;
    Config pending_cfg; /* cfg with the pending changes applied, to validate new ones */
    TrainerSnapshot snap;
    BatchRowView row;
    TrainerEvent *queue;
    int q_head, q_len, q_cap;
    int q_max;           /* the queue's capacity at most */
    long dropped_unseen; /* dropped since the last event popped */
};

/* trainer.c: queues an EV_NOTE event (and prints nothing). */
void trainer_note(Trainer *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* trainer_setup.c */
int trainer_setup_new(Trainer *t, const Config *cfg, const TrainerOptions *opt, char *err,
                      size_t cap);
int trainer_setup_resume(Trainer *t, const TrainerOptions *opt, char *err, size_t cap);
void trainer_release(Trainer *t);

/* trainer_dist.c: the trainer in a job of several processes (dist.h). Rank r takes the part
 * [*lo, *hi) of n items: rows of every batch, examples to self-generate, samples to
 * evaluate. With one process, all of them. */
void trainer_share(int n, int *lo, int *hi);
/* Every rank's outcome of a phase (0 or a TRAINER_E* code, and its message in err): when any
 * failed, every rank returns the first failing rank's code, its message in err ("rank R: "
 * before another rank's). One process: rc, err unchanged. */
int trainer_agree(int rc, char *err, size_t cap);
/* Rank 0's config to the other ranks. Returns 0, or -1 (agree on it) with err. */
int trainer_share_config(Config *cfg, char *err, size_t cap);
/* Rank 0's parameters and AdamW moments to every rank. */
void trainer_share_model(Model *m);
/* Every rank applies the same summed gradient the same way, so the copies of the model stay
 * equal, bit for bit, as long as the ranks compute alike (one binary, the same thread count,
 * CPUs and math library that round alike). Checks that they are; when they are not, gives
 * every rank rank 0's copy and returns 1. */
int trainer_sync_replicas(Trainer *t);
/* Rank 0's checkpoint state (step, data stream, trainer state) to every rank; the others'
 * extra is malloc'd. Returns 0, or -1 when a rank is out of memory (on every rank). */
int trainer_share_state(CheckpointState *st);
/* Every rank computed the self-generated tokens of its share of the examples: all of them
 * to every rank. */
void trainer_gather_selfgen(Trainer *t);
/* A step's sums over the ranks' parts of the batch. */
typedef struct {
    double loss_sum, count, correct;                     /* the loss positions */
    double eligible, selected, differ, inserted, tokens; /* MethodStats */
    double stop, failed; /* ranks asked to stop / that could not build their part */
} StepTotals;
void trainer_reduce_step(StepTotals *s);
/* Evaluation of the first n validation samples, each rank its share: the summary on every
 * rank, the samples stored by rank 0. Returns 0, or -1 (on every rank) with err. */
int trainer_eval_shared(Trainer *t, const EvalContext *e, int n, EvalSummary *sum, char *err,
                        size_t cap);

/* trainer_state.c: the trainer's part of a checkpoint (config, data order, random streams,
 * self-generated tokens), so that a resumed run continues exactly. */
int trainer_save_checkpoint(Trainer *t, char *path, size_t pathcap, char *err, size_t cap);
int trainer_load_checkpoint(Trainer *t, const char *path, char *err, size_t cap);

#endif

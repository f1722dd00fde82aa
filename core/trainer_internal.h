/* The trainer's state, shared by the files that implement trainer.h: trainer.c (thread,
 * control, events), trainer_setup.c (loading and resuming) and trainer_state.c
 * (the trainer's part of a checkpoint). Nothing outside the trainer includes this. */
#ifndef EXPOSURE_TRAINER_INTERNAL_H
#define EXPOSURE_TRAINER_INTERNAL_H

#include <pthread.h>

#include "corpus.h"
#include "dataset.h"
#include "decode.h"
#include "method.h"
#include "model.h"
#include "optim.h"
#include "rng.h"
#include "selfgen.h"
#include "store.h"
#include "trainer.h"

/* Sequences decoded together in evaluation and free-running self-generation. */
#define DECODE_BATCH 32
/* Events kept for a reader that falls behind; older ones are dropped beyond this. */
#define EVENT_QUEUE_MAX 16384
/* Live changes queued between two steps. */
#define MAX_PENDING 32

struct Trainer {
    /* Owned by the training thread once it runs. */
    Config cfg;
    Dataset train_ds, val_ds;
    Corpus train, val;
    Model model;
    OptimConfig oc;
    Batch batch, scratch;
    Decoder *dec;
    SelfgenCache sg;
    int selfgen_free_run;   /* the cache holds free-running generations */
    int selfgen_refreshed;  /* step of the last full refresh; -1 never */
    int gsm8k;
    Store *store;
    int store_failing;      /* the last commit failed (the user has been told) */
    int64_t run_id;
    int step;               /* steps completed */
    int epoch;
    int *perm, perm_pos;    /* this epoch's order of training examples */
    Rng rng_data, rng_sample;
    double elapsed;         /* training seconds, across the sessions of a resumed run */
    double step_seconds;    /* moving average, for the ETA */
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
    Config pending_cfg;       /* cfg with the pending changes applied, to validate new ones */
    TrainerSnapshot snap;
    BatchRowView row;
    TrainerEvent *queue;
    int q_head, q_len, q_cap;
};

/* trainer.c: queues an EV_NOTE event (and prints nothing). */
void trainer_note(Trainer *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* trainer_setup.c */
int trainer_setup_new(Trainer *t, const Config *cfg, const TrainerOptions *opt, char *err,
                      size_t cap);
int trainer_setup_resume(Trainer *t, const TrainerOptions *opt, char *err, size_t cap);
void trainer_release(Trainer *t);

/* trainer_state.c: the trainer's part of a checkpoint (config, data order, random streams,
 * self-generated tokens), so that a resumed run continues exactly. */
int trainer_save_checkpoint(Trainer *t, char *path, size_t pathcap, char *err, size_t cap);
int trainer_load_checkpoint(Trainer *t, const char *path, char *err, size_t cap);

#endif

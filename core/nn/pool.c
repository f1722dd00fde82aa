#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "util.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_PAUSE() _mm_pause()
#else
#define CPU_PAUSE() ((void)0)
#endif

/* How long a waiting thread spins before it sleeps: long enough to cover the gap between
 * two steps of a decoding token (microseconds), short enough that a thread waiting on a
 * core shared with another thread or process gives that core up quickly. Counted in time,
 * not in pause instructions, whose cost varies tenfold between CPUs: 20000 of them took
 * 2.3 ms on an AMD EPYC (Zen 5). The clock is read every SPIN_CHECK pauses. */
#define SPIN_SECONDS 50e-6
#define SPIN_CHECK 32

struct Pool {
    int threads;
    pthread_t *ids;
    pthread_mutex_t mu;
    pthread_cond_t start, done, wake; /* new run; run finished; hot-mode state changed */
    unsigned long generation;         /* bumped for every sleeping-mode run */
    int running;                      /* workers still busy with a sleeping-mode run */
    int quit;
    PoolFn fn;
    void *ctx;
    /* Hot mode: workers spin (then sleep) between runs, for runs microseconds apart. */
    atomic_int hot;
    atomic_ulong hot_generation;
    unsigned long hot_base; /* hot_generation when hot mode began (under mu) */
    atomic_int hot_running;
    atomic_int sleepers; /* threads asleep on `wake` */
    /* The barrier inside a run. */
    atomic_int barrier_count;
    atomic_int barrier_phase;
};

typedef struct {
    Pool *pool;
    int index;
} WorkerArg;

/* Wakes the threads asleep on `wake`, if any. Callers change the state they wait for first;
 * sequentially consistent atomics order that change before the check of `sleepers`. */
static void wake_sleepers(Pool *p) {
    if (atomic_load(&p->sleepers) == 0) return;
    pthread_mutex_lock(&p->mu);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
}

/* Waits until done(p, arg) holds: spinning first, then asleep on `wake`. */
static void wait_until(Pool *p, int (*done)(Pool *, const void *), const void *arg) {
    double until = 0.0;
    for (int i = 1;; i++) {
        if (done(p, arg)) return;
        CPU_PAUSE();
        if (i % SPIN_CHECK) continue;
        double now = clock_monotonic();
        if (until == 0.0) until = now + SPIN_SECONDS;
        else if (now > until) break;
    }
    pthread_mutex_lock(&p->mu);
    atomic_fetch_add(&p->sleepers, 1);
    while (!done(p, arg)) pthread_cond_wait(&p->wake, &p->mu);
    atomic_fetch_sub(&p->sleepers, 1);
    pthread_mutex_unlock(&p->mu);
}

static int new_hot_run_or_cold(Pool *p, const void *seen) {
    return !atomic_load(&p->hot) || atomic_load(&p->hot_generation) != *(const unsigned long *)seen;
}

static int hot_run_finished(Pool *p, const void *arg) {
    (void)arg;
    return atomic_load(&p->hot_running) == 0;
}

static int barrier_passed(Pool *p, const void *phase) {
    return atomic_load(&p->barrier_phase) != *(const int *)phase;
}

/* Runs hot-mode runs until hot mode ends; runs after `seen` are this worker's. */
static void run_while_hot(Pool *p, int me, unsigned long seen) {
    for (;;) {
        wait_until(p, new_hot_run_or_cold, &seen);
        if (!atomic_load(&p->hot)) return;
        seen = atomic_load(&p->hot_generation);
        p->fn(p->ctx, me, p->threads);
        if (atomic_fetch_sub(&p->hot_running, 1) == 1) wake_sleepers(p);
    }
}

static void *worker_main(void *arg) {
    WorkerArg *wa = arg;
    Pool *p = wa->pool;
    int me = wa->index;
    free(wa);
    unsigned long seen = 0;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->generation == seen && !p->quit && !atomic_load(&p->hot))
            pthread_cond_wait(&p->start, &p->mu);
        if (p->quit) break;
        if (atomic_load(&p->hot)) {
            unsigned long base = p->hot_base;
            pthread_mutex_unlock(&p->mu);
            run_while_hot(p, me, base);
            pthread_mutex_lock(&p->mu);
            continue;
        }
        seen = p->generation;
        PoolFn fn = p->fn;
        void *ctx = p->ctx;
        pthread_mutex_unlock(&p->mu);
        fn(ctx, me, p->threads);
        pthread_mutex_lock(&p->mu);
        if (--p->running == 0) pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

Pool *pool_new(int threads) {
    if (threads < 1) threads = 1;
    Pool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->threads = threads;
    p->ids = calloc((size_t)threads, sizeof *p->ids);
    if (!p->ids) {
        free(p);
        return NULL;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->start, NULL);
    pthread_cond_init(&p->done, NULL);
    pthread_cond_init(&p->wake, NULL);
    atomic_init(&p->hot, 0);
    atomic_init(&p->hot_generation, 0);
    atomic_init(&p->hot_running, 0);
    atomic_init(&p->sleepers, 0);
    atomic_init(&p->barrier_count, 0);
    atomic_init(&p->barrier_phase, 0);
    for (int i = 1; i < threads; i++) {
        WorkerArg *wa = malloc(sizeof *wa);
        if (wa) *wa = (WorkerArg){p, i};
        if (!wa || pthread_create(&p->ids[i], NULL, worker_main, wa) != 0) {
            free(wa);
            p->threads = i; /* only the threads started so far are joined */
            pool_free(p);
            return NULL;
        }
    }
    return p;
}

void pool_free(Pool *p) {
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->hot, 0);
    p->quit = 1;
    pthread_cond_broadcast(&p->start);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    for (int i = 1; i < p->threads; i++) pthread_join(p->ids[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->start);
    pthread_cond_destroy(&p->done);
    pthread_cond_destroy(&p->wake);
    free(p->ids);
    free(p);
}

int pool_size(const Pool *p) { return p->threads; }

void pool_hot(Pool *p, int on) {
    if (p->threads == 1) return;
    pthread_mutex_lock(&p->mu);
    p->hot_base = atomic_load(&p->hot_generation);
    atomic_store(&p->hot, on);
    pthread_cond_broadcast(&p->start);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
}

void pool_run(Pool *p, PoolFn fn, void *ctx) {
    if (p->threads == 1) {
        fn(ctx, 0, 1);
        return;
    }
    if (atomic_load(&p->hot)) {
        p->fn = fn;
        p->ctx = ctx;
        atomic_store(&p->hot_running, p->threads - 1);
        atomic_fetch_add(&p->hot_generation, 1);
        wake_sleepers(p);
        fn(ctx, 0, p->threads);
        wait_until(p, hot_run_finished, NULL);
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->fn = fn;
    p->ctx = ctx;
    p->running = p->threads - 1;
    p->generation++;
    pthread_cond_broadcast(&p->start);
    pthread_mutex_unlock(&p->mu);
    fn(ctx, 0, p->threads);
    pthread_mutex_lock(&p->mu);
    while (p->running > 0) pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

void pool_barrier(Pool *p) {
    if (p->threads == 1) return;
    int phase = atomic_load(&p->barrier_phase);
    if (atomic_fetch_add(&p->barrier_count, 1) == p->threads - 1) {
        atomic_store(&p->barrier_count, 0);
        atomic_fetch_add(&p->barrier_phase, 1);
        wake_sleepers(p);
    } else {
        wait_until(p, barrier_passed, &phase);
    }
}

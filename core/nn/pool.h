/* A small fixed pool of threads that run one function together: the model splits a batch
 * into shards, one per thread, each shard running single-threaded sgemm. The caller takes
 * part as worker 0, so a pool of one thread runs everything inline. Work never overlaps
 * OpenBLAS's own threads: the model keeps OpenBLAS single-threaded while a pool is used. */
#ifndef EXPOSURE_POOL_H
#define EXPOSURE_POOL_H

typedef struct Pool Pool;

/* worker in 0..workers-1. */
typedef void (*PoolFn)(void *ctx, int worker, int workers);

/* A pool of `threads` workers (>= 1): threads - 1 new threads plus the caller. NULL when a
 * thread cannot be started or memory is short. */
Pool *pool_new(int threads);
void pool_free(Pool *p);
int pool_size(const Pool *p);

/* Runs fn(ctx, w, n) for every worker w and returns when all have finished. Not reentrant:
 * one caller at a time. */
void pool_run(Pool *p, PoolFn fn, void *ctx);

/* Hot mode (on = 1) keeps the workers spinning between runs, so that runs microseconds
 * apart start without a wake-up; it costs a busy core per worker until it is turned off. */
void pool_hot(Pool *p, int on);

/* Waits, inside a run, until every worker of the run has reached it (spinning). */
void pool_barrier(Pool *p);

/* The half-open range [begin, end) of n items that worker w of `workers` takes, in order. */
static inline void pool_split(long n, int w, int workers, long *begin, long *end) {
    *begin = n * w / workers;
    *end = n * (w + 1) / workers;
}

#endif

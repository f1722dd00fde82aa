/* The thread pool under load: many short runs, pools started and stopped, hot mode with
 * barriers inside runs, and several pools driven from several threads at once. Each test
 * checks what the workers computed; `make tsan` runs them under ThreadSanitizer, which checks
 * that every hand-over between the caller and the workers is synchronized. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>

#include "pool.h"

#define SLOTS 4096

/* Each worker adds its run number into its share of the slots, and counts its calls. */
typedef struct {
    long slot[SLOTS];
    int calls[8];
    long run;
} Sums;

static void add_run(void *ctx, int w, int workers) {
    Sums *s = ctx;
    long begin, end;
    pool_split(SLOTS, w, workers, &begin, &end);
    for (long i = begin; i < end; i++) s->slot[i] += s->run;
    s->calls[w]++;
}

/* After `runs` runs numbered 1..runs, every slot holds their sum and every worker ran each. */
static void check_sums(const Sums *s, int workers, long runs) {
    for (long i = 0; i < SLOTS; i++) cr_assert_eq(s->slot[i], runs * (runs + 1) / 2, "slot %ld", i);
    for (int w = 0; w < workers; w++) cr_assert_eq(s->calls[w], runs, "worker %d", w);
}

static void many_runs(Pool *p, Sums *s, long runs) {
    for (long r = 1; r <= runs; r++) {
        s->run = r;
        pool_run(p, add_run, s);
    }
}

TestSuite(pool, .timeout = 60);

Test(pool, many_short_runs_see_every_write) {
    for (int threads = 1; threads <= 4; threads++) {
        Pool *p = pool_new(threads);
        cr_assert_not_null(p);
        cr_assert_eq(pool_size(p), threads);
        static Sums s;
        memset(&s, 0, sizeof s);
        many_runs(p, &s, 2000);
        check_sums(&s, threads, 2000);
        pool_free(p);
    }
}

Test(pool, pools_started_and_stopped) {
    static Sums s;
    for (int i = 0; i < 60; i++) {
        Pool *p = pool_new(1 + i % 4);
        cr_assert_not_null(p);
        memset(&s, 0, sizeof s);
        many_runs(p, &s, i % 3); /* a pool freed without a run, after one, after two */
        check_sums(&s, 1 + i % 4, i % 3);
        pool_free(p);
    }
}

/* Each worker writes its slot of a round, waits at the barrier, and reads every slot: what
 * a team of workers decoding one sequence does twice a layer. Two rounds alternate, so no
 * slot is rewritten before every worker has passed the barrier that follows its reading. */
typedef struct {
    Pool *pool;
    int rounds;
    long part[2][8];
    long total[8];
    int bad[8];
} Team;

static void team_run(void *ctx, int w, int workers) {
    Team *t = ctx;
    for (int r = 0; r < t->rounds; r++) {
        long *part = t->part[r % 2];
        part[w] = (long)r * 16 + w;
        pool_barrier(t->pool);
        long sum = 0;
        for (int v = 0; v < workers; v++) sum += part[v];
        long want = (long)r * 16 * workers + (long)workers * (workers - 1) / 2;
        if (sum != want) t->bad[w]++;
        t->total[w] += sum;
    }
}

Test(pool, barriers_in_hot_and_cold_runs) {
    for (int threads = 1; threads <= 4; threads++) {
        Pool *p = pool_new(threads);
        cr_assert_not_null(p);
        static Team t;
        memset(&t, 0, sizeof t);
        t.pool = p;
        t.rounds = 10;
        for (int run = 0; run < 120; run++) {
            /* Hot mode on and off between runs, as decoding a single sequence does. */
            if (run % 40 == 0) pool_hot(p, 1);
            if (run % 40 == 28) pool_hot(p, 0);
            pool_run(p, team_run, &t);
        }
        pool_hot(p, 0);
        for (int w = 0; w < threads; w++) {
            cr_assert_eq(t.bad[w], 0, "worker %d read a round before every part was written", w);
            cr_assert_eq(t.total[w], t.total[0], "workers %d and 0 saw different parts", w);
        }
        pool_free(p);
    }
}

Test(pool, freed_while_hot) {
    static Sums s;
    memset(&s, 0, sizeof s);
    Pool *p = pool_new(3);
    cr_assert_not_null(p);
    pool_hot(p, 1);
    many_runs(p, &s, 50);
    check_sums(&s, 3, 50);
    pool_free(p); /* hot mode ends with the pool */
}

/* Several callers, each with its own pool, at the same time: a pool is not reentrant, but
 * pools are independent. */
typedef struct {
    Sums sums;
    int hot;     /* drive the pool in hot mode */
    int started; /* the pool could be started */
} Driver;

static void *drive(void *arg) {
    Driver *d = arg;
    Pool *p = pool_new(2);
    if (!p) return NULL;
    d->started = 1;
    pool_hot(p, d->hot);
    many_runs(p, &d->sums, 500);
    pool_free(p);
    return NULL;
}

Test(pool, independent_pools_on_several_threads) {
    static Driver d[3];
    pthread_t id[3];
    for (int i = 0; i < 3; i++) {
        memset(&d[i], 0, sizeof d[i]);
        d[i].hot = i % 2;
        cr_assert_eq(pthread_create(&id[i], NULL, drive, &d[i]), 0);
    }
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(pthread_join(id[i], NULL), 0);
        cr_assert(d[i].started, "a pool could not be started");
        check_sums(&d[i].sums, 2, 500);
    }
}

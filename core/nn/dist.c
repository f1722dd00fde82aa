/* dist.h over MPI when built with EXPOSURE_MPI, else a job of one process. */
#include "dist.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#ifdef EXPOSURE_MPI
#include <mpi.h>
#include <sched.h>
#include <time.h>
#endif

static struct {
    int active; /* this process is one rank of an MPI job */
    int rank, size, local_size;
    double timeout;
    void (*on_abort)(void *);
    void *abort_ctx;
} D = {0, 0, 1, 1, DIST_TIMEOUT_DEFAULT, NULL, NULL};

/* The processes an MPI launcher started, from its variables (Open MPI's mpirun, MPICH's
 * hydra); 0 when a PMIx launcher (srun and others) started this one without saying how
 * many; 1 when no launcher did. */
static int launcher_size(void) {
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v) return atoi(v);
    }
    return getenv("PMIX_RANK") ? 0 : 1;
}

int dist_rank(void) { return D.rank; }
int dist_size(void) { return D.size; }
int dist_local_size(void) { return D.local_size; }
double dist_timeout(void) { return D.timeout; }

void dist_on_abort(void (*fn)(void *ctx), void *ctx) {
    D.on_abort = fn;
    D.abort_ctx = ctx;
}

static void run_abort_hook(void) {
    void (*fn)(void *) = D.on_abort;
    D.on_abort = NULL; /* once, even if the hook itself ends up here */
    if (fn) fn(D.abort_ctx);
}

#ifndef EXPOSURE_MPI

int dist_compiled(void) { return 0; }

int dist_init(int *argc, char ***argv, char *err, size_t cap) {
    (void)argc, (void)argv;
    int n = launcher_size();
    if (n > 1) {
        snprintf(err, cap,
                 "started as one of %d processes by an MPI launcher, but this build "
                 "has no MPI support (build it with make MPI=1)",
                 n);
        return DIST_EUSAGE;
    }
    return 0;
}

void dist_finalize(void) {}

_Noreturn void dist_abort(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "exposure: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    run_abort_hook();
    exit(1);
}

void dist_allreduce_f32(float *buf, size_t n) { (void)buf, (void)n; }
void dist_allreduce_f64(double *buf, size_t n) { (void)buf, (void)n; }
void dist_allreduce_i64(int64_t *buf, size_t n) { (void)buf, (void)n; }
void dist_bcast(void *buf, size_t bytes, int root) { (void)buf, (void)bytes, (void)root; }

void dist_allgatherv(void *buf, const size_t *counts) { (void)buf, (void)counts; }

void dist_gather(const void *send, size_t bytes, void **out, size_t *out_len) {
    *out = malloc(bytes ? bytes : 1);
    if (!*out) dist_abort("out of memory gathering %zu bytes", bytes);
    if (bytes) memcpy(*out, send, bytes);
    *out_len = bytes;
}

#else /* EXPOSURE_MPI */

int dist_compiled(void) { return 1; }

static int started; /* MPI_Init succeeded */

static int read_timeout(char *err, size_t cap) {
    const char *v = getenv(DIST_TIMEOUT_ENV);
    if (!v || !*v) return 0;
    char *end;
    errno = 0;
    double s = strtod(v, &end);
    if (errno || *end || !(s > 0) || !isfinite(s)) {
        snprintf(err, cap, "%s=%s: must be a number of seconds > 0", DIST_TIMEOUT_ENV, v);
        return -1;
    }
    D.timeout = s;
    return 0;
}

static void mpi_message(int rc, char *out, size_t cap) {
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS) len = 0;
    snprintf(out, cap, "%.*s", len, text);
}

/* The ranks sharing this host, for a default thread count that does not oversubscribe it. */
static int count_local_ranks(void) {
    MPI_Comm local;
    int n = 1;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local) !=
        MPI_SUCCESS)
        return 1;
    if (MPI_Comm_size(local, &n) != MPI_SUCCESS) n = 1;
    if (MPI_Comm_free(&local) != MPI_SUCCESS) n = 1;
    return n;
}

int dist_init(int *argc, char ***argv, char *err, size_t cap) {
    if (launcher_size() == 1) return 0; /* a process of its own, or a job of one */
    if (read_timeout(err, cap)) return DIST_EUSAGE;
    /* The training thread makes the calls while the main thread waits: one at a time. */
    int provided = 0, rc = MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided);
    if (rc != MPI_SUCCESS) {
        snprintf(err, cap, "MPI failed to start");
        return DIST_ERUNTIME;
    }
    started = 1;
    char why[MPI_MAX_ERROR_STRING + 64] = "";
    if (provided < MPI_THREAD_SERIALIZED)
        snprintf(why, sizeof why, "this MPI cannot be called from a thread other than main");
    else if ((rc = MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN)) != MPI_SUCCESS ||
             (rc = MPI_Comm_rank(MPI_COMM_WORLD, &D.rank)) != MPI_SUCCESS ||
             (rc = MPI_Comm_size(MPI_COMM_WORLD, &D.size)) != MPI_SUCCESS)
        mpi_message(rc, why, sizeof why);
    if (*why) {
        snprintf(err, cap, "MPI: %s", why);
        return DIST_ERUNTIME;
    }
    D.active = D.size > 1;
    D.local_size = D.active ? count_local_ranks() : 1;
    return 0;
}

void dist_finalize(void) {
    if (!started) return;
    started = 0;
    if (MPI_Finalize() != MPI_SUCCESS) fprintf(stderr, "exposure: MPI_Finalize failed\n");
}

_Noreturn void dist_abort(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "exposure: rank %d: ", D.rank);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fflush(stderr);
    run_abort_hook();
    if (D.active) MPI_Abort(MPI_COMM_WORLD, 1);
    _exit(1); /* MPI_Abort does not return; this is for a job of one */
}

static void check(int rc, const char *what) {
    if (rc == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING];
    mpi_message(rc, text, sizeof text);
    dist_abort("%s failed: %s", what, text);
}

/* Drives a nonblocking collective to its end. MPI only progresses it inside MPI calls, so
 * the loop keeps testing (yielding the core between tests once it has waited a little),
 * and gives up when the other ranks stay silent past the timeout. */
static void wait_for(MPI_Request *req, const char *what) {
    double start = 0;
    for (long spins = 0;; spins++) {
        int done = 0;
        check(MPI_Test(req, &done, MPI_STATUS_IGNORE), what);
        if (done) return;
        if (spins < 4096) continue;
        if ((spins & 255) == 0) {
            double t = clock_monotonic();
            if (start == 0) start = t;
            else if (t - start > D.timeout)
                dist_abort("no word from the other ranks for %g s; giving up", D.timeout);
        }
        sched_yield();
    }
}

static int as_count(size_t n, const char *what) {
    if (n > INT_MAX) dist_abort("%s: %zu items are more than one MPI message holds", what, n);
    return (int)n;
}

static void allreduce(void *buf, size_t n, MPI_Datatype type, size_t size, const char *what) {
    if (!D.active) return;
    /* One message for anything below 2^31 items, which is every model this program can
     * hold; beyond that, in pieces. */
    for (size_t at = 0; at < n; at += INT_MAX) {
        size_t part = n - at < INT_MAX ? n - at : INT_MAX;
        MPI_Request req;
        check(MPI_Iallreduce(MPI_IN_PLACE, (char *)buf + at * size, (int)part, type, MPI_SUM,
                             MPI_COMM_WORLD, &req),
              what);
        wait_for(&req, what);
    }
}

void dist_allreduce_f32(float *buf, size_t n) {
    allreduce(buf, n, MPI_FLOAT, sizeof *buf, "allreduce");
}
void dist_allreduce_f64(double *buf, size_t n) {
    allreduce(buf, n, MPI_DOUBLE, sizeof *buf, "allreduce");
}
void dist_allreduce_i64(int64_t *buf, size_t n) {
    allreduce(buf, n, MPI_INT64_T, sizeof *buf, "allreduce");
}

void dist_bcast(void *buf, size_t bytes, int root) {
    if (!D.active) return;
    for (size_t at = 0; at < bytes; at += INT_MAX) {
        size_t part = bytes - at < INT_MAX ? bytes - at : INT_MAX;
        MPI_Request req;
        check(MPI_Ibcast((char *)buf + at, (int)part, MPI_BYTE, root, MPI_COMM_WORLD, &req),
              "broadcast");
        wait_for(&req, "broadcast");
    }
}

/* Counts and displacements of a variable-length collective, as MPI's ints. */
static void layout(const size_t *counts, int *n, int *disp, const char *what) {
    size_t at = 0;
    for (int r = 0; r < D.size; r++) {
        n[r] = as_count(counts[r], what);
        disp[r] = as_count(at, what);
        at += counts[r];
    }
    as_count(at, what);
}

void dist_allgatherv(void *buf, const size_t *counts) {
    if (!D.active) return;
    int *n = malloc(2 * (size_t)D.size * sizeof *n);
    if (!n) dist_abort("out of memory");
    int *disp = n + D.size;
    layout(counts, n, disp, "allgatherv");
    MPI_Request req;
    check(MPI_Iallgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, n, disp, MPI_BYTE,
                          MPI_COMM_WORLD, &req),
          "allgatherv");
    wait_for(&req, "allgatherv");
    free(n);
}

void dist_gather(const void *send, size_t bytes, void **out, size_t *out_len) {
    *out = NULL;
    *out_len = 0;
    if (!D.active) {
        *out = malloc(bytes ? bytes : 1);
        if (!*out) dist_abort("out of memory gathering %zu bytes", bytes);
        if (bytes) memcpy(*out, send, bytes);
        *out_len = bytes;
        return;
    }
    /* Everyone learns every size (a small allgather), then rank 0 takes the bytes. */
    int64_t *sizes = calloc((size_t)D.size, sizeof *sizes);
    size_t *counts = malloc((size_t)D.size * sizeof *counts);
    int *n = malloc(2 * (size_t)D.size * sizeof *n);
    if (!sizes || !counts || !n) dist_abort("out of memory");
    sizes[D.rank] = (int64_t)bytes;
    dist_allreduce_i64(sizes, (size_t)D.size);
    size_t total = 0;
    for (int r = 0; r < D.size; r++) total += counts[r] = (size_t)sizes[r];
    int *disp = n + D.size;
    layout(counts, n, disp, "gather");
    char *recv = NULL;
    if (D.rank == 0 && !(recv = malloc(total ? total : 1)))
        dist_abort("out of memory gathering %zu bytes", total);
    MPI_Request req;
    check(MPI_Igatherv(send, as_count(bytes, "gather"), MPI_BYTE, recv, n, disp, MPI_BYTE, 0,
                       MPI_COMM_WORLD, &req),
          "gather");
    wait_for(&req, "gather");
    free(sizes);
    free(counts);
    free(n);
    if (D.rank == 0) {
        *out = recv;
        *out_len = total;
    }
}

#endif

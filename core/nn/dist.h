/* Several processes training one model: the only module that talks to MPI.
 *
 * Built with MPI (make MPI=1), a process started by an MPI launcher (mpirun, srun) is one
 * rank of the job; any other process, and every process of a build without MPI, is a job of
 * one rank, for which every call below is a no-op (or a copy) that touches no MPI code.
 *
 * Collectives are all-or-nothing: every rank calls the same ones in the same order. A rank
 * that cannot take part (an MPI error, memory for a receive buffer) or that hears nothing
 * from the others for dist_timeout() seconds says so on stderr and ends the whole job
 * (dist_abort): a data-parallel step cannot go on with a rank missing. */
#ifndef EXPOSURE_DIST_H
#define EXPOSURE_DIST_H

#include <stddef.h>
#include <stdint.h>

/* The environment variable that sets the timeout, in seconds (default 120). */
#define DIST_TIMEOUT_ENV "EXPOSURE_MPI_TIMEOUT"
#define DIST_TIMEOUT_DEFAULT 120.0

/* Joins the job when the process was started by an MPI launcher. Returns 0, or with the
 * reason in err: DIST_EUSAGE when the timeout variable is not a positive number or a build
 * without MPI was started as one of several processes, DIST_ERUNTIME when MPI failed. */
#define DIST_EUSAGE -2
#define DIST_ERUNTIME -1
int dist_init(int *argc, char ***argv, char *err, size_t errcap);
/* Leaves the job (after the last collective). Harmless without dist_init. */
void dist_finalize(void);

/* 1 when the build has MPI support, whether or not this process uses it. */
int dist_compiled(void);
int dist_rank(void);
int dist_size(void);
/* Ranks of the job on this host (1 without MPI). */
int dist_local_size(void);
double dist_timeout(void);

/* In-place sums over every rank: afterwards each rank holds the same n sums. */
void dist_allreduce_f32(float *buf, size_t n);
void dist_allreduce_f64(double *buf, size_t n);
void dist_allreduce_i64(int64_t *buf, size_t n);

/* Copies root's bytes to every rank. */
void dist_bcast(void *buf, size_t bytes, int root);

/* buf holds every rank's part one after the other, in rank order, counts[r] bytes for rank
 * r; each rank has filled in its own part. Afterwards every rank has all of them. */
void dist_allgatherv(void *buf, const size_t *counts);

/* Rank 0 receives every rank's bytes, in rank order, in a malloc'd buffer (*out, *out_len;
 * the caller frees it); other ranks get NULL and 0. */
void dist_gather(const void *send, size_t bytes, void **out, size_t *out_len);

/* Called once by dist_abort before the job ends, on the rank that aborts (rank 0's trainer
 * marks its run interrupted there). NULL removes it. */
void dist_on_abort(void (*fn)(void *ctx), void *ctx);

/* Prints "exposure: rank R: <message>" on stderr and ends every rank of the job. */
_Noreturn void dist_abort(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

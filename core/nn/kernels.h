/* The OpenBLAS kernels this process runs, and the machine it runs on.
 *
 * OpenBLAS picks its kernels when the library is loaded, before main, from the CPU it
 * recognises; one that does not know a new CPU falls back to generic SSE kernels (Prescott)
 * several times slower. kernels_startup, the first thing main does, compares what OpenBLAS
 * runs with what the CPU supports (blas_decide, cpu.h) and, when OpenBLAS fell back, runs the
 * program again with OPENBLAS_CORETYPE set to the best core (execv of /proc/self/exe, marked
 * with BLAS_MARKER_ENV so that it happens once). An OPENBLAS_CORETYPE the user set is always
 * kept. What was decided is shown by exposure --version and bench and stored with every run. */
#ifndef EXPOSURE_KERNELS_H
#define EXPOSURE_KERNELS_H

#include <stddef.h>

#include "util.h"

typedef struct {
    CpuInfo cpu;
    int cores;             /* online cores */
    char openblas[32];     /* "OpenBLAS 0.3.21" */
    char core[32];         /* the core OpenBLAS runs in this process: openblas_get_corename() */
    BlasDecision decision; /* how it came to run it */
    int reexec_failed;     /* decision.reexec was wanted, but running again failed */
} KernelsInfo;

/* At start-up, before anything else: may not return (the process is replaced by itself with
 * the better kernels). On failure to re-run, says so on stderr and carries on. */
void kernels_startup(char **argv);

/* What this process runs (computed on first use when kernels_startup was not called). */
const KernelsInfo *kernels_info(void);

/* "Cooperlake (OpenBLAS's own choice)", "Cooperlake (chosen by exposure: OpenBLAS picked
 * Prescott)", "Prescott (OPENBLAS_CORETYPE set by the user; this CPU supports Cooperlake)". */
void kernels_core_text(const KernelsInfo *k, char *out, size_t cap);

/* Three lines for a person, each ending in a newline, every one starting with prefix:
 * "cpu     AMD EPYC (AuthenticAMD family 26 model 2), 2 cores", "vector  AVX AVX2 ...",
 * "blas    OpenBLAS 0.3.21, core Cooperlake (OpenBLAS's own choice)". */
void kernels_describe(const KernelsInfo *k, const char *prefix, char *out, size_t cap);

/* The machine as stored with a run (docs/run-store.md): a malloc'd JSON object
 * {"cpu","vendor","family","model","cores","features","blas","blas_core","blas_core_source",
 * "openblas_pick"}, or NULL when out of memory. */
char *kernels_machine_json(const KernelsInfo *k);

#endif

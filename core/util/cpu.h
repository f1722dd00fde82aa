/* What the processor is and which vector and matrix instructions it and the operating system
 * let a program use, read with cpuid (and xgetbv for the registers' state the kernel saves);
 * and the choice of OpenBLAS kernels that follows from it (blas_decide), a pure function so
 * that every case is testable on any machine. The start-up that acts on the choice is
 * core/nn/kernels.c. */
#ifndef EXPOSURE_CPU_H
#define EXPOSURE_CPU_H

#include <stddef.h>

/* Feature bits of CpuInfo.features: each set only when the processor has the instructions
 * and the operating system saves their registers (an AVX-512 CPU under a kernel that does
 * not enable the ZMM state has no usable AVX-512). */
enum {
    CPU_AVX = 1u << 0,
    CPU_AVX2 = 1u << 1,
    CPU_FMA = 1u << 2,
    CPU_AVX512F = 1u << 3,
    CPU_AVX512BW = 1u << 4,
    CPU_AVX512VL = 1u << 5,
    CPU_AVX512_BF16 = 1u << 6,
    CPU_AMX_TILE = 1u << 7,
    CPU_AMX_BF16 = 1u << 8,
};

typedef struct {
    char vendor[16]; /* "GenuineIntel", "AuthenticAMD"; "unknown" off x86 */
    char brand[64];  /* the processor's name string, trimmed; "unknown" when it has none */
    int family, model, stepping; /* display family and model (extended fields included) */
    unsigned features;           /* CPU_* bits */
} CpuInfo;

/* Reads this machine's processor. Never fails: off x86, or without cpuid leaves, the fields
 * say unknown and no feature is set. */
void cpu_detect(CpuInfo *out);

/* The features as a person reads them: "AVX2 FMA AVX-512F/BW/VL AVX512-BF16 AMX-BF16/TILE",
 * only those present; "none" when no vector feature above SSE is. */
void cpu_features_text(unsigned features, char *out, size_t cap);

/* The situation at start-up, as read from OpenBLAS and the environment. */
typedef struct {
    const char *openblas_core;   /* openblas_get_corename() of this process */
    const char *openblas_config; /* openblas_get_config(): "OpenBLAS 0.3.21 ... " */
    const char *coretype_env;    /* OPENBLAS_CORETYPE, NULL when unset */
    const char *marker_env;      /* BLAS_MARKER_ENV, NULL when unset */
    int pretend_default;         /* BLAS_PRETEND_ENV set: coretype_env counts as OpenBLAS's own */
} BlasSituation;

/* Set by exposure before it runs itself again: "<OpenBLAS's core>:<the core set>", so that
 * the new process knows the OPENBLAS_CORETYPE it finds is exposure's and never re-runs. */
#define BLAS_MARKER_ENV "EXPOSURE_BLAS_CHOICE"
/* For testing the fallback on a machine whose OpenBLAS already picks well: with it set to 1,
 * an OPENBLAS_CORETYPE in the environment is treated as if OpenBLAS had chosen that core by
 * itself (not as the user's choice), so that OPENBLAS_CORETYPE=Prescott plays an OpenBLAS
 * that does not recognise the CPU. */
#define BLAS_PRETEND_ENV "EXPOSURE_BLAS_PRETEND_DEFAULT"

typedef enum {
    BLAS_FROM_OPENBLAS, /* OpenBLAS's own choice, good enough for this CPU (or unknown to us) */
    BLAS_FROM_USER,     /* OPENBLAS_CORETYPE set by the user: always kept */
    BLAS_FROM_EXPOSURE, /* set by exposure because OpenBLAS had fallen back to a lesser core */
} BlasSource;

typedef struct {
    int reexec;             /* 1: run again with OPENBLAS_CORETYPE=core and the marker set */
    char core[32];          /* reexec: the core to ask for */
    char marker[80];        /* reexec: BLAS_MARKER_ENV's value */
    BlasSource source;      /* who chose the core this process runs */
    char openblas_pick[32]; /* the core OpenBLAS picked by itself, when exposure replaced it */
    char best[32];          /* the best core for this CPU and OpenBLAS; "" when none is known */
} BlasDecision;

/* What to do about the kernels OpenBLAS runs on cpu: OpenBLAS's own choice is replaced when it
 * is a lesser class of kernel (SSE-only Prescott, Nehalem..., AVX-only Sandybridge...) than
 * the CPU supports: AVX-512F+BW+VL gives SkylakeX, or Cooperlake with AVX512-BF16 on an
 * OpenBLAS of 0.3.10 or later; AVX2+FMA gives Haswell. A core name this table does not know
 * is left alone, as is anything the user set. */
BlasDecision blas_decide(const CpuInfo *cpu, const BlasSituation *s);

/* The class of an OpenBLAS core name (case-insensitive): 0 SSE, 1 AVX, 2 AVX2+FMA,
 * 3 AVX-512; -1 when unknown. */
int blas_core_class(const char *core);

#endif

#include "cpu.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

/* The register state the operating system saves on a context switch (XCR0). */
static uint64_t read_xcr0(void) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (uint64_t)hi << 32 | lo;
}

static void read_brand(char *out, size_t cap) {
    unsigned max_ext = __get_cpuid_max(0x80000000u, NULL), r[12];
    out[0] = '\0';
    if (max_ext < 0x80000004u) return;
    for (unsigned i = 0; i < 3; i++)
        __cpuid(0x80000002u + i, r[4 * i], r[4 * i + 1], r[4 * i + 2], r[4 * i + 3]);
    char raw[49];
    memcpy(raw, r, 48);
    raw[48] = '\0';
    /* Vendors pad the name with spaces on either side. */
    char *start = raw;
    while (*start == ' ') start++;
    size_t n = strlen(start);
    while (n > 0 && start[n - 1] == ' ') start[--n] = '\0';
    snprintf(out, cap, "%s", start);
}

static unsigned read_features(unsigned max_leaf) {
    unsigned a, b, c, d, f = 0;
    if (max_leaf < 1) return 0;
    __cpuid(1, a, b, c, d);
    int osxsave = (c >> 27) & 1;
    uint64_t xcr0 = osxsave ? read_xcr0() : 0;
    int os_avx = (xcr0 & 0x6) == 0x6;                /* XMM and YMM state */
    int os_avx512 = os_avx && (xcr0 & 0xe0) == 0xe0; /* opmask, ZMM_Hi256, Hi16_ZMM */
    int os_amx = (xcr0 & 0x60000) == 0x60000;        /* XTILECFG, XTILEDATA */
    if (os_avx && ((c >> 28) & 1)) f |= CPU_AVX;
    if (os_avx && ((c >> 12) & 1)) f |= CPU_FMA;
    if (max_leaf < 7) return f;
    __cpuid_count(7, 0, a, b, c, d);
    unsigned max_sub = a;
    if (os_avx && ((b >> 5) & 1)) f |= CPU_AVX2;
    if (os_avx512 && ((b >> 16) & 1)) f |= CPU_AVX512F;
    if (os_avx512 && ((b >> 30) & 1)) f |= CPU_AVX512BW;
    if (os_avx512 && ((b >> 31) & 1)) f |= CPU_AVX512VL;
    if (os_amx && ((d >> 24) & 1)) f |= CPU_AMX_TILE;
    if (os_amx && ((d >> 22) & 1)) f |= CPU_AMX_BF16;
    if (max_sub >= 1) {
        __cpuid_count(7, 1, a, b, c, d);
        if (os_avx512 && ((a >> 5) & 1)) f |= CPU_AVX512_BF16;
    }
    return f;
}

void cpu_detect(CpuInfo *out) {
    memset(out, 0, sizeof *out);
    unsigned vendor[3], a, b, c, d;
    unsigned max_leaf = __get_cpuid_max(0, vendor);
    /* The vendor string is in EBX, EDX, ECX order. */
    __cpuid(0, a, vendor[0], vendor[2], vendor[1]);
    memcpy(out->vendor, vendor, 12);
    out->vendor[12] = '\0';
    if (max_leaf >= 1) {
        __cpuid(1, a, b, c, d);
        int family = (int)((a >> 8) & 0xf), model = (int)((a >> 4) & 0xf);
        if (family == 0xf) family += (int)((a >> 20) & 0xff);
        if (family == 0x6 || family >= 0xf) model += (int)((a >> 16) & 0xf) << 4;
        out->family = family;
        out->model = model;
        out->stepping = (int)(a & 0xf);
    }
    read_brand(out->brand, sizeof out->brand);
    if (!out->brand[0]) snprintf(out->brand, sizeof out->brand, "unknown");
    if (!out->vendor[0]) snprintf(out->vendor, sizeof out->vendor, "unknown");
    out->features = read_features(max_leaf);
}

#else

void cpu_detect(CpuInfo *out) {
    memset(out, 0, sizeof *out);
    snprintf(out->vendor, sizeof out->vendor, "unknown");
    snprintf(out->brand, sizeof out->brand, "unknown");
}

#endif

void cpu_features_text(unsigned f, char *out, size_t cap) {
    char buf[160] = "";
    size_t n = 0;
#define PUT(...) n += (size_t)snprintf(buf + n, n < sizeof buf ? sizeof buf - n : 0, __VA_ARGS__)
    if (f & CPU_AVX) PUT("%sAVX", n ? " " : "");
    if (f & CPU_AVX2) PUT("%sAVX2", n ? " " : "");
    if (f & CPU_FMA) PUT("%sFMA", n ? " " : "");
    if (f & CPU_AVX512F) {
        PUT("%sAVX-512F", n ? " " : "");
        if (f & CPU_AVX512BW) PUT("/BW");
        if (f & CPU_AVX512VL) PUT("/VL");
    }
    if (f & CPU_AVX512_BF16) PUT("%sAVX512-BF16", n ? " " : "");
    if (f & (CPU_AMX_BF16 | CPU_AMX_TILE)) {
        PUT("%sAMX-", n ? " " : "");
        if (f & CPU_AMX_BF16) PUT("BF16%s", f & CPU_AMX_TILE ? "/" : "");
        if (f & CPU_AMX_TILE) PUT("TILE");
    }
#undef PUT
    snprintf(out, cap, "%s", n ? buf : "none");
}

/* OpenBLAS's x86-64 core names (DYNAMIC_ARCH builds) by the class of their kernels. */
static const struct {
    const char *name;
    int cls;
} cores[] = {
    {"Prescott", 0},     {"Core2", 0},       {"Penryn", 0},         {"Dunnington", 0},
    {"Nehalem", 0},      {"Atom", 0},        {"Barcelona", 0},      {"Opteron", 0},
    {"Opteron_SSE3", 0}, {"Bobcat", 0},      {"Katmai", 0},         {"Coppermine", 0},
    {"Northwood", 0},    {"Banias", 0},      {"Athlon", 0},         {"Nano", 0},
    {"Generic", 0},      {"Sandybridge", 1}, {"Bulldozer", 1},      {"Piledriver", 1},
    {"Steamroller", 1},  {"Excavator", 1},   {"Haswell", 2},        {"Zen", 2},
    {"SkylakeX", 3},     {"Cooperlake", 3},  {"SapphireRapids", 3},
};

int blas_core_class(const char *core) {
    for (size_t i = 0; core && i < sizeof cores / sizeof *cores; i++)
        if (strcasecmp(core, cores[i].name) == 0) return cores[i].cls;
    return -1;
}

/* OpenBLAS's version from its config string, as major * 10000 + minor * 100 + patch; 0 when
 * it cannot be read. */
static int openblas_version(const char *config) {
    int major, minor, patch;
    if (!config || sscanf(config, "OpenBLAS %d.%d.%d", &major, &minor, &patch) != 3) return 0;
    return major * 10000 + minor * 100 + patch;
}

/* The best core for the CPU, and its class; -1 when the CPU has nothing above SSE to offer. */
static int best_core(const CpuInfo *cpu, const char *config, char *out, size_t cap) {
    unsigned f = cpu->features, avx512 = CPU_AVX512F | CPU_AVX512BW | CPU_AVX512VL;
    out[0] = '\0';
    if ((f & avx512) == avx512) {
        /* Cooperlake came with OpenBLAS 0.3.10; an unreadable version gets SkylakeX, which
         * every OpenBLAS with AVX-512 kernels knows. */
        int cooper = (f & CPU_AVX512_BF16) && openblas_version(config) >= 310;
        snprintf(out, cap, "%s", cooper ? "Cooperlake" : "SkylakeX");
        return 3;
    }
    if ((f & (CPU_AVX2 | CPU_FMA)) == (CPU_AVX2 | CPU_FMA)) {
        snprintf(out, cap, "Haswell");
        return 2;
    }
    return -1;
}

/* The marker "<picked>:<set>" when coretype is the core it says exposure set. */
static int marker_matches(const char *marker, const char *coretype, char *picked, size_t cap) {
    const char *colon = marker ? strchr(marker, ':') : NULL;
    if (!colon || !coretype || strcasecmp(colon + 1, coretype) != 0) return 0;
    snprintf(picked, cap, "%.*s", (int)(colon - marker), marker);
    return 1;
}

BlasDecision blas_decide(const CpuInfo *cpu, const BlasSituation *s) {
    BlasDecision d = {.source = BLAS_FROM_OPENBLAS};
    int best_cls = best_core(cpu, s->openblas_config, d.best, sizeof d.best);
    int env_set = s->coretype_env && s->coretype_env[0];
    if (env_set &&
        marker_matches(s->marker_env, s->coretype_env, d.openblas_pick, sizeof d.openblas_pick)) {
        d.source = BLAS_FROM_EXPOSURE;
        return d;
    }
    if (env_set && !s->pretend_default) {
        d.source = BLAS_FROM_USER;
        return d;
    }
    int cls = blas_core_class(s->openblas_core);
    if (cls < 0 || best_cls < 0 || cls >= best_cls) return d;
    d.reexec = 1;
    snprintf(d.core, sizeof d.core, "%s", d.best);
    snprintf(d.marker, sizeof d.marker, "%.31s:%s", s->openblas_core, d.core);
    return d;
}

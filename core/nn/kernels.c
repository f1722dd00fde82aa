#include "kernels.h"

#include <cJSON.h>
#include <cblas.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static KernelsInfo info;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void read_info(void) {
    cpu_detect(&info.cpu);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    info.cores = n > 0 ? (int)n : 1;
    const char *core = openblas_get_corename(), *config = openblas_get_config();
    snprintf(info.core, sizeof info.core, "%s", core ? core : "unknown");
    /* "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH ...": its first two words. */
    int words = 0;
    size_t len = 0;
    for (const char *p = config ? config : ""; *p && words < 2; p++, len++)
        if (*p == ' ' && ++words == 2) break;
    snprintf(info.openblas, sizeof info.openblas, "%.*s", (int)len, config ? config : "");
    if (!info.openblas[0]) snprintf(info.openblas, sizeof info.openblas, "OpenBLAS");
    const char *pretend = getenv(BLAS_PRETEND_ENV);
    BlasSituation s = {.openblas_core = info.core,
                       .openblas_config = config,
                       .coretype_env = getenv("OPENBLAS_CORETYPE"),
                       .marker_env = getenv(BLAS_MARKER_ENV),
                       .pretend_default = pretend && strcmp(pretend, "1") == 0};
    info.decision = blas_decide(&info.cpu, &s);
}

const KernelsInfo *kernels_info(void) {
    pthread_once(&once, read_info);
    return &info;
}

void kernels_startup(char **argv) {
    const KernelsInfo *k = kernels_info();
    const BlasDecision *d = &k->decision;
    if (!d->reexec) return;
    const char *before = getenv("OPENBLAS_CORETYPE");
    char saved[64];
    snprintf(saved, sizeof saved, "%s", before ? before : "");
    if (setenv("OPENBLAS_CORETYPE", d->core, 1) == 0 &&
        setenv(BLAS_MARKER_ENV, d->marker, 1) == 0) {
        fflush(NULL);
        execv("/proc/self/exe", argv);
    }
    int err = errno;
    /* This process keeps what OpenBLAS loaded; its children should not think otherwise. */
    if (before) setenv("OPENBLAS_CORETYPE", saved, 1);
    else unsetenv("OPENBLAS_CORETYPE");
    unsetenv(BLAS_MARKER_ENV);
    info.reexec_failed = 1;
    fprintf(stderr,
            "exposure: OpenBLAS runs its generic %s kernels on this CPU, which supports %s; "
            "running again with OPENBLAS_CORETYPE=%s failed (%s); continuing, slower\n",
            k->core, d->best, d->core, strerror(err));
}

void kernels_core_text(const KernelsInfo *k, char *out, size_t cap) {
    const BlasDecision *d = &k->decision;
    int lesser = d->best[0] && blas_core_class(k->core) >= 0 &&
                 blas_core_class(k->core) < blas_core_class(d->best);
    char also[64] = "";
    if (lesser) snprintf(also, sizeof also, "; this CPU supports %s", d->best);
    switch (d->source) {
    case BLAS_FROM_USER:
        snprintf(out, cap, "%s (OPENBLAS_CORETYPE set by the user%s)", k->core, also);
        break;
    case BLAS_FROM_EXPOSURE:
        snprintf(out, cap, "%s (chosen by exposure: OpenBLAS picked %s%s)", k->core,
                 d->openblas_pick, also);
        break;
    default:
        if (k->reexec_failed)
            snprintf(out, cap, "%s (OpenBLAS's own choice; switching to %s failed)", k->core,
                     d->best);
        else snprintf(out, cap, "%s (OpenBLAS's own choice%s)", k->core, also);
    }
}

void kernels_describe(const KernelsInfo *k, const char *prefix, char *out, size_t cap) {
    char features[160], core[160];
    cpu_features_text(k->cpu.features, features, sizeof features);
    kernels_core_text(k, core, sizeof core);
    snprintf(out, cap,
             "%scpu     %s (%s family %d model %d), %d core%s\n"
             "%svector  %s\n"
             "%sblas    %s, core %s\n",
             prefix, k->cpu.brand, k->cpu.vendor, k->cpu.family, k->cpu.model, k->cores,
             k->cores == 1 ? "" : "s", prefix, features, prefix, k->openblas, core);
}

static const char *source_name(BlasSource s) {
    return s == BLAS_FROM_USER ? "user" : s == BLAS_FROM_EXPOSURE ? "exposure" : "openblas";
}

char *kernels_machine_json(const KernelsInfo *k) {
    char features[160];
    cpu_features_text(k->cpu.features, features, sizeof features);
    cJSON *o = cJSON_CreateObject();
    char *text = NULL;
    if (o && cJSON_AddStringToObject(o, "cpu", k->cpu.brand) &&
        cJSON_AddStringToObject(o, "vendor", k->cpu.vendor) &&
        cJSON_AddNumberToObject(o, "family", k->cpu.family) &&
        cJSON_AddNumberToObject(o, "model", k->cpu.model) &&
        cJSON_AddNumberToObject(o, "cores", k->cores) &&
        cJSON_AddStringToObject(o, "features", features) &&
        cJSON_AddStringToObject(o, "blas", k->openblas) &&
        cJSON_AddStringToObject(o, "blas_core", k->core) &&
        cJSON_AddStringToObject(o, "blas_core_source", source_name(k->decision.source)) &&
        cJSON_AddStringToObject(o, "openblas_pick", k->decision.openblas_pick))
        text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

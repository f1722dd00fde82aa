/* The processor's features and the choice of OpenBLAS kernels (cpu.h, kernels.h). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "util.h"

#define AVX512 (CPU_AVX | CPU_AVX2 | CPU_FMA | CPU_AVX512F | CPU_AVX512BW | CPU_AVX512VL)

static const CpuInfo zen5 = {"AuthenticAMD", "AMD EPYC", 26, 2, 1, AVX512 | CPU_AVX512_BF16};
static const CpuInfo emerald = {"GenuineIntel",
                                "Intel Xeon",
                                6,
                                207,
                                2,
                                AVX512 | CPU_AVX512_BF16 | CPU_AMX_BF16 | CPU_AMX_TILE};
static const CpuInfo skylake = {"GenuineIntel", "Intel Xeon", 6, 85, 4, AVX512};
static const CpuInfo haswell = {
    "GenuineIntel", "Intel Core", 6, 60, 3, CPU_AVX | CPU_AVX2 | CPU_FMA};
static const CpuInfo old = {"GenuineIntel", "Intel Core 2", 6, 23, 10, 0};

static const char *const config21 = "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH Prescott";

static BlasDecision decide(const CpuInfo *cpu, const char *core, const char *env,
                           const char *marker, int pretend) {
    BlasSituation s = {core, config21, env, marker, pretend};
    return blas_decide(cpu, &s);
}

Test(cpu, a_generic_kernel_on_an_avx512_cpu_is_replaced) {
    BlasDecision d = decide(&emerald, "Prescott", NULL, NULL, 0);
    cr_assert_eq(d.reexec, 1);
    cr_assert_str_eq(d.core, "Cooperlake");
    cr_assert_str_eq(d.marker, "Prescott:Cooperlake");
    /* Without BF16, or on an OpenBLAS older than Cooperlake's kernels: SkylakeX. */
    d = decide(&skylake, "Nehalem", NULL, NULL, 0);
    cr_assert_eq(d.reexec, 1);
    cr_assert_str_eq(d.core, "SkylakeX");
    BlasSituation s = {"Prescott", "OpenBLAS 0.3.9 DYNAMIC_ARCH", NULL, NULL, 0};
    d = blas_decide(&emerald, &s);
    cr_assert_str_eq(d.core, "SkylakeX");
    /* AVX-only and AVX2 kernels are lesser classes too. */
    cr_assert_eq(decide(&zen5, "Haswell", NULL, NULL, 0).reexec, 1);
    cr_assert_eq(decide(&zen5, "Sandybridge", NULL, NULL, 0).reexec, 1);
}

Test(cpu, an_avx2_cpu_gets_haswell) {
    BlasDecision d = decide(&haswell, "Core2", NULL, NULL, 0);
    cr_assert_eq(d.reexec, 1);
    cr_assert_str_eq(d.core, "Haswell");
    cr_assert_eq(decide(&haswell, "Haswell", NULL, NULL, 0).reexec, 0);
    cr_assert_eq(decide(&haswell, "Zen", NULL, NULL, 0).reexec, 0);
}

Test(cpu, a_good_or_unknown_choice_is_kept) {
    BlasDecision d = decide(&zen5, "Cooperlake", NULL, NULL, 0);
    cr_assert_eq(d.reexec, 0);
    cr_assert_eq(d.source, BLAS_FROM_OPENBLAS);
    cr_assert_eq(decide(&skylake, "SkylakeX", NULL, NULL, 0).reexec, 0);
    /* A name this table does not know (a newer OpenBLAS's) is left alone. */
    cr_assert_eq(decide(&emerald, "GraniteRapids", NULL, NULL, 0).reexec, 0);
    /* A CPU with nothing above SSE keeps the generic kernels. */
    cr_assert_eq(decide(&old, "Core2", NULL, NULL, 0).reexec, 0);
}

Test(cpu, the_users_coretype_always_wins) {
    BlasDecision d = decide(&emerald, "Prescott", "Prescott", NULL, 0);
    cr_assert_eq(d.reexec, 0);
    cr_assert_eq(d.source, BLAS_FROM_USER);
    /* Even beside a marker of exposure's that names another core. */
    d = decide(&emerald, "Haswell", "Haswell", "Prescott:Cooperlake", 0);
    cr_assert_eq(d.reexec, 0);
    cr_assert_eq(d.source, BLAS_FROM_USER);
}

Test(cpu, the_marker_stops_a_second_run) {
    BlasDecision d = decide(&emerald, "Cooperlake", "Cooperlake", "Prescott:Cooperlake", 0);
    cr_assert_eq(d.reexec, 0);
    cr_assert_eq(d.source, BLAS_FROM_EXPOSURE);
    cr_assert_str_eq(d.openblas_pick, "Prescott");
    /* Even when OpenBLAS did not take the core it was given: never a loop. */
    d = decide(&emerald, "Prescott", "Cooperlake", "Prescott:Cooperlake", 0);
    cr_assert_eq(d.reexec, 0);
    cr_assert_eq(d.source, BLAS_FROM_EXPOSURE);
}

Test(cpu, pretending_makes_the_environment_openblass_choice) {
    BlasDecision d = decide(&zen5, "Prescott", "Prescott", NULL, 1);
    cr_assert_eq(d.reexec, 1);
    cr_assert_str_eq(d.core, "Cooperlake");
    d = decide(&zen5, "Cooperlake", "Cooperlake", "Prescott:Cooperlake", 1);
    cr_assert_eq(d.reexec, 0);
    cr_assert_eq(d.source, BLAS_FROM_EXPOSURE);
}

Test(cpu, core_classes) {
    cr_assert_eq(blas_core_class("prescott"), 0);
    cr_assert_eq(blas_core_class("SANDYBRIDGE"), 1);
    cr_assert_eq(blas_core_class("Zen"), 2);
    cr_assert_eq(blas_core_class("SkylakeX"), 3);
    cr_assert_eq(blas_core_class("Cooperlake"), 3);
    cr_assert_eq(blas_core_class("Foo"), -1);
    cr_assert_eq(blas_core_class(NULL), -1);
}

Test(cpu, features_as_text) {
    char t[160];
    cpu_features_text(emerald.features, t, sizeof t);
    cr_assert_str_eq(t, "AVX AVX2 FMA AVX-512F/BW/VL AVX512-BF16 AMX-BF16/TILE");
    cpu_features_text(CPU_AVX | CPU_AVX2 | CPU_FMA, t, sizeof t);
    cr_assert_str_eq(t, "AVX AVX2 FMA");
    cpu_features_text(0, t, sizeof t);
    cr_assert_str_eq(t, "none");
}

/* This machine: whatever it is, what is read is consistent. */
Test(cpu, this_machine) {
    CpuInfo c;
    cpu_detect(&c);
    cr_assert(c.vendor[0] && c.brand[0]);
    if (c.features & CPU_AVX512BW) cr_assert(c.features & CPU_AVX512F);
    if (c.features & CPU_AVX2) cr_assert(c.features & CPU_AVX);
    const KernelsInfo *k = kernels_info();
    cr_assert(k->core[0]);
    cr_assert_eq(strncmp(k->openblas, "OpenBLAS", 8), 0, "%s", k->openblas);
    char *json = kernels_machine_json(k);
    cr_assert_not_null(json);
    cr_assert_not_null(strstr(json, "\"blas_core\":\""));
    free(json);
    char text[1024];
    kernels_describe(k, "  ", text, sizeof text);
    cr_assert_not_null(strstr(text, "  cpu     "), "%s", text);
    cr_assert_not_null(strstr(text, "  blas    OpenBLAS"), "%s", text);
}

/* The test binary starts as exposure does: never left on kernels it would have replaced. */
Test(cpu, the_tests_run_on_the_chosen_kernels) {
    const KernelsInfo *k = kernels_info();
    cr_assert_eq(k->decision.reexec, 0, "OpenBLAS runs %s; the start-up wanted %s", k->core,
                 k->decision.core);
}

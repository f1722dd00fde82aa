/* The memory check that refuses a model before it is allocated. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capacity.h"
#include "decode.h"

static const ModelConfig small = {
    .layers = 2, .dim = 64, .heads = 4, .context = 128, .vocab = TOK_COUNT};

Test(capacity, the_need_adds_up_what_is_allocated) {
    MemoryNeed n = capacity_memory_need(&small, 8, 2, 32, 2);
    cr_assert_eq(n.model, model_state_bytes(&small));
    cr_assert_eq(n.activations, model_activation_bytes(&small, 8));
    cr_assert_eq(n.decoder, decoder_bytes_needed(&small, 32, 2));
    /* More than the key/value cache alone: its padding and the workers' scratch count. */
    cr_assert_gt(n.decoder, 2u * 2 * 32 * 128 * 64 * sizeof(float));
    cr_assert_eq(capacity_memory_need(&small, 8, 0, 0, 2).decoder, 0);
    cr_assert_eq(n.batches, 2 * (8u * 128 * 10 + 8 * sizeof(int)));
    cr_assert_eq(n.total, n.model + n.activations + n.batches + n.decoder);
}

Test(capacity, a_model_that_fits_is_accepted) {
    MemoryAvailable avail = {(size_t)1 << 30, "this machine has"};
    char err[256] = "";
    cr_assert_eq(capacity_check_memory(&small, 8, 2, 32, 1, &avail, err, sizeof err), 0, "%s", err);
}

Test(capacity, a_model_that_does_not_fit_is_refused_naming_the_bigger_part) {
    ModelConfig big = {.layers = 64, .dim = 4096, .heads = 32, .context = 256, .vocab = TOK_COUNT};
    MemoryAvailable avail = {(size_t)8 << 30, "this machine has"};
    char err[256];
    cr_assert_eq(capacity_check_memory(&big, 1, 2, 32, 1, &avail, err, sizeof err), -1);
    cr_assert_str_eq(err, "model.dim: a model of 64 layers, dim 4096, context 256, batch 1 needs "
                          "212.8 GiB; this machine has 8.0 GiB available");
    cr_assert_eq(capacity_check_memory(&big, 4096, 2, 32, 1, &avail, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "train.batch: a model of 64 layers, dim 4096, context 256, "
                                   "batch 4096 needs 18.4 TiB;"),
                       "%s", err);
    /* The reserve for the rest of the process counts too. */
    MemoryNeed n = capacity_memory_need(&small, 8, 2, 32, 1);
    avail.bytes = n.total + CAPACITY_RESERVE_BYTES - 1;
    cr_assert_eq(capacity_check_memory(&small, 8, 2, 32, 1, &avail, err, sizeof err), -1);
    avail.bytes++;
    cr_assert_eq(capacity_check_memory(&small, 8, 2, 32, 1, &avail, err, sizeof err), 0, "%s", err);
}

Test(capacity, shapes_outside_the_config_bounds_are_refused) {
    MemoryAvailable avail = {SIZE_MAX, "this machine has"};
    char err[256];
    ModelConfig c = small;
    c.context = 8192;
    cr_assert_eq(capacity_check_memory(&c, 8, 2, 32, 1, &avail, err, sizeof err), -1);
    cr_assert_str_eq(err, "model.context: 8192 is outside 16..4096");
    c = small;
    c.layers = 300;
    cr_assert_eq(capacity_check_memory(&c, 8, 2, 32, 1, &avail, err, sizeof err), -1);
    cr_assert_str_eq(err, "model.layers: must be an integer in 1..256");
    c = small;
    c.heads = 3;
    cr_assert_eq(capacity_check_memory(&c, 8, 2, 32, 1, &avail, err, sizeof err), -1);
    cr_assert_str_eq(err, "model.heads: must be >= 1 and divide dim");
    cr_assert_eq(capacity_check_memory(&small, 5000, 2, 32, 1, &avail, err, sizeof err), -1);
    cr_assert_str_eq(err, "train.batch: 5000 is outside 1..4096");
}

Test(capacity, this_machine_reports_some_memory) {
    MemoryAvailable a = capacity_memory_available();
    cr_assert_gt(a.bytes, 0);
    cr_assert_lt(a.bytes, SIZE_MAX, "/proc/meminfo has MemAvailable on Linux");
}

/* Runs capacity_memory_available in a child under a resource limit `headroom` bytes above
 * what the child already uses (its VmSize or VmData); returns what it reported. */
static MemoryAvailable available_under(int resource, const char *status_key, size_t headroom,
                                       char *limit, size_t cap) {
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        close(fds[0]);
        FILE *f = fopen("/proc/self/status", "r");
        char line[256];
        unsigned long long kb = 0;
        size_t n = strlen(status_key);
        while (f && fgets(line, sizeof line, f))
            if (!strncmp(line, status_key, n)) sscanf(line + n + 1, "%llu", &kb);
        if (f) fclose(f);
        struct rlimit rl = {kb * 1024 + headroom, RLIM_INFINITY};
        MemoryAvailable a = {0, ""};
        if (kb && setrlimit(resource, &rl) == 0) a = capacity_memory_available();
        char text[128];
        snprintf(text, sizeof text, "%zu %s", a.bytes, a.limit);
        ssize_t ignored = write(fds[1], text, strlen(text) + 1);
        (void)ignored;
        _exit(0);
    }
    close(fds[1]);
    char text[128] = "";
    cr_assert_gt(read(fds[0], text, sizeof text - 1), 0);
    close(fds[0]);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    MemoryAvailable a = {0, ""};
    int skip = 0;
    cr_assert_eq(sscanf(text, "%zu %n", &a.bytes, &skip), 1, "%s", text);
    snprintf(limit, cap, "%s", text + skip);
    return a;
}

Test(capacity, resource_limits_count) {
    char limit[128];
    size_t headroom = (size_t)200 << 20;
    MemoryAvailable a = available_under(RLIMIT_AS, "VmSize:", headroom, limit, sizeof limit);
    cr_assert_leq(a.bytes, headroom);
    cr_assert_gt(a.bytes, headroom / 2, "%zu", a.bytes);
    cr_assert_str_eq(limit, "the address-space limit (ulimit -v) leaves");
    a = available_under(RLIMIT_DATA, "VmData:", headroom, limit, sizeof limit);
    cr_assert_leq(a.bytes, headroom);
    cr_assert_gt(a.bytes, headroom / 2, "%zu", a.bytes);
    cr_assert_str_eq(limit, "the data-size limit (ulimit -d) leaves");
}

/* The decoder's estimate is what decoder_new really allocates, padding included: the key
 * cache rounded up to whole tiles of 16 positions (contexts that are not multiples of 16),
 * the vocabulary padded to a multiple of 8 (vocabularies that are not), and every worker's
 * scratch (one and several threads). */
Test(capacity, the_decoder_estimate_is_its_allocation) {
    const ModelConfig configs[] = {
        {.layers = 2, .dim = 64, .heads = 4, .context = 128, .vocab = TOK_COUNT},
        {.layers = 1, .dim = 16, .heads = 2, .context = 33, .vocab = TOK_COUNT},
        {.layers = 3, .dim = 48, .heads = 4, .context = 100, .vocab = 1001},
        {.layers = 1, .dim = 8, .heads = 1, .context = 7, .vocab = 300},
    };
    const int batches[] = {1, 32, 5}, threads[] = {1, 2, 3};
    for (size_t c = 0; c < sizeof configs / sizeof *configs; c++)
        for (size_t b = 0; b < sizeof batches / sizeof *batches; b++)
            for (size_t w = 0; w < sizeof threads / sizeof *threads; w++) {
                Model m;
                cr_assert_eq(model_init(&m, &configs[c], 4), 0);
                cr_assert_eq(model_set_threads(&m, threads[w]), 0);
                Decoder *d = decoder_new(&m, batches[b]);
                cr_assert_not_null(d);
                size_t need = decoder_bytes_needed(&configs[c], batches[b], threads[w]);
                cr_assert_eq(need, decoder_bytes(d),
                             "config %zu, batch %d, %d threads: estimate %zu, allocated %zu", c,
                             batches[b], threads[w], need, decoder_bytes(d));
                decoder_free(d);
                model_free(&m);
            }
}

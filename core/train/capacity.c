#include "capacity.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "config.h"
#include "decode.h"

static size_t add(size_t a, size_t b) { return a > SIZE_MAX - b ? SIZE_MAX : a + b; }

static size_t mul(size_t a, size_t b) { return b && a > SIZE_MAX / b ? SIZE_MAX : a * b; }

/* batch_alloc: input and target ids, mask and kind bytes per position, a length per row. */
static size_t batch_bytes(size_t rows, size_t context) {
    size_t per_position = 2 * sizeof(token_t) + 2;
    return add(mul(mul(rows, context), per_position), mul(rows, sizeof(int)));
}

MemoryNeed capacity_memory_need(const ModelConfig *cfg, int max_batch, int n_batches,
                                int decode_batch, int threads) {
    MemoryNeed n = {0};
    size_t rows = max_batch > 0 ? (size_t)max_batch : 0;
    n.model = model_state_bytes(cfg);
    n.activations = model_activation_bytes(cfg, max_batch);
    n.batches = mul(batch_bytes(rows, (size_t)cfg->context), n_batches > 0 ? (size_t)n_batches : 0);
    n.decoder = decode_batch > 0 ? decoder_bytes_needed(cfg, decode_batch, threads) : 0;
    n.total = add(add(n.model, n.activations), add(n.batches, n.decoder));
    return n;
}

/* A "Key:   N kB" line of a /proc file, in bytes; SIZE_MAX when absent. */
static size_t proc_kb(const char *path, const char *key) {
    FILE *f = fopen(path, "r");
    if (!f) return SIZE_MAX;
    char line[256];
    size_t keylen = strlen(key), bytes = SIZE_MAX;
    while (fgets(line, sizeof line, f)) {
        unsigned long long kb;
        if (strncmp(line, key, keylen) == 0 && line[keylen] == ':' &&
            sscanf(line + keylen + 1, "%llu", &kb) == 1) {
            bytes = mul((size_t)kb, 1024);
            break;
        }
    }
    fclose(f);
    return bytes;
}

/* What a resource limit leaves beyond `used` (bytes the process already holds against it). */
static size_t rlimit_left(int resource, size_t used) {
    struct rlimit rl;
    if (getrlimit(resource, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return SIZE_MAX;
    if (used == SIZE_MAX) used = 0;
    return (size_t)rl.rlim_cur > used ? (size_t)rl.rlim_cur - used : 0;
}

MemoryAvailable capacity_memory_available(void) {
    /* Without /proc/meminfo nothing is known and nothing is refused. */
    MemoryAvailable a = {proc_kb("/proc/meminfo", "MemAvailable"), "this machine has"};
    size_t as = rlimit_left(RLIMIT_AS, proc_kb("/proc/self/status", "VmSize"));
    if (as < a.bytes) a = (MemoryAvailable){as, "the address-space limit (ulimit -v) leaves"};
    size_t data = rlimit_left(RLIMIT_DATA, proc_kb("/proc/self/status", "VmData"));
    if (data < a.bytes) a = (MemoryAvailable){data, "the data-size limit (ulimit -d) leaves"};
    return a;
}

static void format_bytes(size_t n, char *out, size_t cap) {
    static const char *const units[] = {"MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = (double)n / (1024.0 * 1024.0);
    int u = 0;
    while (v >= 1024.0 && u < 4) v /= 1024.0, u++;
    snprintf(out, cap, "%.1f %s", v, units[u]);
}

/* The config table's bounds, which a checkpoint's model config must keep too: within them
 * every size the model computes fits in a size_t. */
static int within_config_bounds(const ModelConfig *cfg, int max_batch, char *err, size_t cap) {
    const struct {
        const char *key;
        int value;
    } dims[] = {{"model.layers", cfg->layers},
                {"model.dim", cfg->dim},
                {"model.heads", cfg->heads},
                {"model.context", cfg->context},
                {"train.batch", max_batch}};
    for (size_t i = 0; i < sizeof dims / sizeof dims[0]; i++) {
        const ConfigKey *k = config_find_key(dims[i].key);
        if (k && (dims[i].value < k->min || dims[i].value > k->max)) {
            snprintf(err, cap, "%s: %d is outside %g..%g", dims[i].key, dims[i].value, k->min,
                     k->max);
            return -1;
        }
    }
    return 0;
}

int capacity_check_memory(const ModelConfig *cfg, int max_batch, int n_batches, int decode_batch,
                          int threads, const MemoryAvailable *avail, char *err, size_t cap) {
    char why[128];
    if (model_config_check(cfg, why, sizeof why)) {
        snprintf(err, cap, "model.%s", why);
        return -1;
    }
    if (within_config_bounds(cfg, max_batch, err, cap)) return -1;
    MemoryNeed need = capacity_memory_need(cfg, max_batch, n_batches, decode_batch, threads);
    if (add(need.total, CAPACITY_RESERVE_BYTES) <= avail->bytes) return 0;
    char needs[32], has[32];
    format_bytes(need.total, needs, sizeof needs);
    format_bytes(avail->bytes, has, sizeof has);
    int batch_bound = add(need.activations, need.batches) > add(need.model, need.decoder);
    snprintf(err, cap,
             "%s: a model of %d layers, dim %d, context %d, batch %d needs %s; %s %s available",
             batch_bound ? "train.batch" : "model.dim", cfg->layers, cfg->dim, cfg->context,
             max_batch, needs, avail->limit, has);
    return -1;
}

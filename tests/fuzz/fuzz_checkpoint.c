/* libFuzzer harness for checkpoint files and the trainer state inside them.
 *
 * Input: one byte of mode, then
 *   mode 0  the bytes of a checkpoint file;
 *   mode 1  a checkpoint described section by section, written with correct checksums so that
 *           the fuzzer reaches the checks behind them: a byte of flags (bit 0: another format
 *           version, bit 1: another byte order, bit 2: damage every checksum), then sections,
 *           each a tag byte (0-7: CONF STEP RNG PARM ADMM ADMV XTRA END; otherwise the tag is
 *           the next 4 bytes), a 16-bit length and that many payload bytes (fewer at the end);
 *   mode 2  a step byte (signed), then a trainer-state blob, checked with trainer_state_check
 *           against the tiny run of fuzz_tiny.h.
 * A file is read through checkpoint_read_config; when its model is small, a model of that
 * shape is built and checkpoint_load fills it, as exposure eval and resuming do. Besides the
 * sanitizers, it aborts when checkpoint.h's promises break: a failed load says why, names the
 * file and hands back no allocation. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "blob.h"
#include "checkpoint.h"
#include "config.h"
#include "corpus.h"
#include "dataset.h"
#include "fuzz_tiny.h"
#include "trainer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Models larger than this are not built (the fuzzer's memory limit is per process). */
#define MAX_MODEL_BYTES (8u << 20)

/* A broken promise: says which, then aborts so that libFuzzer keeps the input. */
static void broken(const char *what, int line) {
    fprintf(stderr, "%s:%d: broken: %s\n", __FILE__, line, what);
    abort();
}
#define require(ok) ((ok) ? (void)0 : broken(#ok, __LINE__))

/* ---- the file ------------------------------------------------------------------------------ */

static int fd = -1;
static char path[64];

static void write_file(const void *bytes, size_t n) {
    if (fd < 0) {
        fd = memfd_create("fuzz-checkpoint", 0);
        require(fd >= 0);
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    require(ftruncate(fd, 0) == 0 && pwrite(fd, bytes, n, 0) == (ssize_t)n);
}

static void load_into(const ModelConfig *mc) {
    Model m;
    if (model_init(&m, mc, 1) != 0) return;
    CheckpointState st;
    char err[512] = "";
    if (checkpoint_load(path, &m, &st, err, sizeof err) == 0) {
        require((st.extra == NULL) == (st.extra_len == 0));
        free(st.extra);
    } else {
        require(strstr(err, path) != NULL && st.extra == NULL && st.extra_len == 0);
    }
    model_free(&m);
}

static void load_file(void) {
    ModelConfig mc;
    char err[512] = "";
    if (checkpoint_read_config(path, &mc, err, sizeof err) != 0) {
        require(strstr(err, path) != NULL);
        /* A fixed small model still reads the file as far as its header allows. */
        mc = (ModelConfig){.layers = 1, .dim = 8, .heads = 1, .context = 16, .vocab = TOK_COUNT};
    }
    if (model_state_bytes(&mc) + model_activation_bytes(&mc, 1) <= MAX_MODEL_BYTES) load_into(&mc);
}

/* ---- mode 1: sections with their checksums ------------------------------------------------- */

#define TAG(a, b, c, d)                                                                            \
    ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)

static uint64_t fnv1a(const unsigned char *p, size_t n) {
    uint64_t h = 0xCBF29CE484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001B3ull;
    return h;
}

static void write_sections(const uint8_t *in, size_t n) {
    static const uint32_t tags[8] = {TAG('C', 'O', 'N', 'F'), TAG('S', 'T', 'E', 'P'),
                                     TAG('R', 'N', 'G', ' '), TAG('P', 'A', 'R', 'M'),
                                     TAG('A', 'D', 'M', 'M'), TAG('A', 'D', 'M', 'V'),
                                     TAG('X', 'T', 'R', 'A'), TAG('E', 'N', 'D', ' ')};
    uint8_t flags = n ? in[0] : 0;
    size_t at = 1;
    uint32_t version = CHECKPOINT_VERSION + (flags & 1);
    uint32_t bom = flags & 2 ? 0x04030201u : 0x01020304u;
    BlobWriter w = {0};
    blob_put(&w, "EXPOCKPT", 8);
    blob_put(&w, &version, 4);
    blob_put(&w, &bom, 4);
    while (at < n) {
        uint32_t tag = tags[in[at] & 7];
        if (in[at++] >= 8) {
            if (n - at < 4) break;
            memcpy(&tag, in + at, 4);
            at += 4;
        }
        if (n - at < 2) break;
        size_t len = (size_t)in[at] | (size_t)in[at + 1] << 8;
        at += 2;
        if (len > n - at) len = n - at;
        uint32_t zero = 0;
        uint64_t len64 = len, hash = fnv1a(in + at, len) ^ (flags & 4 ? 1 : 0);
        blob_put(&w, &tag, 4);
        blob_put(&w, &zero, 4);
        blob_put(&w, &len64, 8);
        blob_put(&w, in + at, len);
        blob_put(&w, &hash, 8);
        at += len;
    }
    require(!w.failed);
    write_file(w.data, w.len);
    free(w.data);
}

/* ---- mode 2: the trainer state of the tiny run ---------------------------------------------- */

static Config tiny_cfg;
static Dataset tiny_ds;
static Corpus tiny_corpus;

static void tiny_init(void) {
    static int done;
    if (done) return;
    done = 1;
    config_defaults(&tiny_cfg);
    char err[512];
    for (size_t i = 0; i < sizeof fuzz_tiny_sets / sizeof *fuzz_tiny_sets; i++)
        require(config_set(&tiny_cfg, fuzz_tiny_sets[i], err, sizeof err) == 0);
    require(config_resolve(&tiny_cfg, err, sizeof err) == 0); /* as the trainer stored it */
    LoadOptions opt = {0};
    require(dataset_load_buffer(FUZZ_TINY_DATA_NAME, fuzz_tiny_jsonl, sizeof fuzz_tiny_jsonl - 1,
                                &opt, &tiny_ds, err, sizeof err) == 0);
    require(corpus_build(&tiny_corpus, &tiny_ds, NULL, NULL, 0) == 0);
}

static void check_state(const uint8_t *in, size_t n) {
    if (n < 1) return;
    tiny_init();
    char err[512] = "";
    int64_t step = (int8_t)in[0];
    if (trainer_state_check(in + 1, n - 1, &tiny_cfg, &tiny_corpus, step, err, sizeof err) != 0)
        require(err[0] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    switch (data[0] % 3) {
    case 0:
        write_file(data + 1, size - 1);
        load_file();
        break;
    case 1:
        write_sections(data + 1, size - 1);
        load_file();
        break;
    default: check_state(data + 1, size - 1);
    }
    return 0;
}

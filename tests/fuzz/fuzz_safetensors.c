/* libFuzzer harness for safetensors files and Hugging Face's GPT-2 in them.
 *
 * Input: one byte of mode, then
 *   mode 0  the bytes of a safetensors file;
 *   mode 1  a header's JSON text, a NUL byte, then the data buffer: the harness writes the
 *           header's length, so that the fuzzer reaches the checks of the JSON and offsets;
 *   mode 2  the same, read as a GPT-2 of the tiny config below (checked, then loaded);
 *   mode 3  a config.json text.
 * Besides the sanitizers, it aborts when safetensors.h's and hf_gpt2.h's promises break: a
 * refused file says why and names itself; an accepted one has tensors that tile its data
 * buffer exactly, can all be found by name, read as float32 when their dtype allows, and
 * write back (as F32) to a file that reads back the same; an accepted config.json writes
 * back to text that parses to the same config. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hf_gpt2.h"
#include "safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken promise: says which, then aborts so that libFuzzer keeps the input. */
static void broken(const char *what, int line) {
    fprintf(stderr, "%s:%d: broken: %s\n", __FILE__, line, what);
    abort();
}
#define require(ok) ((ok) ? (void)0 : broken(#ok, __LINE__))

/* Tensors larger than this are not read (the fuzzer's memory limit is per process). */
#define MAX_READ_ELEMENTS (1u << 20)

/* The GPT-2 of mode 2 (scripts/gpt2_torch.py's seeds use the same). */
static const HfGpt2Config tiny = {
    .layers = 1, .dim = 8, .heads = 2, .context = 4, .vocab = 6, .bos_id = -1, .eos_id = -1};
#define TINY_ROWS 8

/* ---- files --------------------------------------------------------------------------------- */

static int fd = -1;
static char path[64];
static char out_dir[64], out_path[128];

static void write_input(const void *bytes, size_t n) {
    if (fd < 0) {
        fd = memfd_create("fuzz-safetensors", 0);
        require(fd >= 0);
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    require(ftruncate(fd, 0) == 0 && (n == 0 || pwrite(fd, bytes, n, 0) == (ssize_t)n));
}

/* A directory for written files, in memory when /dev/shm exists (the writer syncs). */
static const char *written_path(void) {
    if (!out_dir[0]) {
        snprintf(out_dir, sizeof out_dir, "%s/fuzz-st-XXXXXX",
                 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
        require(mkdtemp(out_dir) != NULL);
        snprintf(out_path, sizeof out_path, "%s/out.safetensors", out_dir);
    }
    return out_path;
}

/* Modes 1 and 2: the length, the header up to the first NUL, the rest as data. */
static void write_sections(const uint8_t *in, size_t n) {
    const uint8_t *nul = memchr(in, 0, n);
    size_t header = nul ? (size_t)(nul - in) : n;
    size_t rest = nul ? n - header - 1 : 0;
    uint8_t *file = malloc(8 + header + rest);
    require(file != NULL);
    uint64_t len = header;
    for (int i = 0; i < 8; i++) file[i] = (uint8_t)(len >> (8 * i));
    memcpy(file + 8, in, header);
    if (rest) memcpy(file + 8 + header, nul + 1, rest);
    write_input(file, 8 + header + rest);
    free(file);
}

/* ---- promises ------------------------------------------------------------------------------ */

static void check_tiling(const SafeTensors *st) {
    uint64_t at = 0;
    for (size_t i = 0; i < st->count; i++) {
        const StTensor *t = &st->tensors[i];
        require(t->begin == at && t->end >= t->begin && t->end <= st->data_len);
        uint64_t elements = 1;
        for (int d = 0; d < t->ndim; d++) elements *= t->shape[d];
        require(elements == t->elements);
        at = t->end;
        require(safetensors_find(st, t->name) == t);
    }
    require(at == st->data_len);
}

/* Reads every tensor that can be read; returns them (NULL where not read). */
static float **read_all(const SafeTensors *st) {
    float **values = calloc(st->count + 1, sizeof *values);
    require(values != NULL);
    for (size_t i = 0; i < st->count; i++) {
        const StTensor *t = &st->tensors[i];
        char err[512] = "";
        float probe;
        if (!safetensors_dtype_readable(t->dtype)) {
            require(safetensors_read_f32(st, t, 0, 0, &probe, err, sizeof err) == -1);
            require(strstr(err, st->path) != NULL);
            continue;
        }
        if (t->elements > MAX_READ_ELEMENTS) continue;
        values[i] = malloc((t->elements ? t->elements : 1) * sizeof(float));
        require(values[i] != NULL);
        require(safetensors_read_f32(st, t, 0, t->elements, values[i], err, sizeof err) == 0);
    }
    return values;
}

/* Writes the readable tensors back as F32 with the metadata, and reads the copy. */
static void write_back(const SafeTensors *st, float **values) {
    StSpec *specs = calloc(st->count + 1, sizeof *specs);
    require(specs != NULL);
    size_t n = 0;
    for (size_t i = 0; i < st->count; i++) {
        if (!values[i]) continue;
        const StTensor *t = &st->tensors[i];
        specs[n] = (StSpec){.name = t->name, .dtype = ST_F32, .ndim = t->ndim};
        memcpy(specs[n].shape, t->shape, sizeof t->shape);
        n++;
    }
    char err[512] = "";
    const char *to = written_path();
    StWriter *w = safetensors_writer_begin(to, specs, n, st->meta, st->meta_count, err, sizeof err);
    require(w != NULL);
    for (size_t i = 0; i < st->count; i++)
        if (values[i]) require(safetensors_writer_put(w, values[i], err, sizeof err) == 0);
    require(safetensors_writer_commit(w, err, sizeof err) == 0);

    SafeTensors back;
    require(safetensors_open(&back, to, err, sizeof err) == 0);
    require(back.count == n && back.meta_count == st->meta_count);
    for (size_t i = 0; i < st->meta_count; i++) {
        const char *v = safetensors_meta(&back, st->meta[i].key);
        require(v != NULL && strcmp(v, st->meta[i].value) == 0);
    }
    for (size_t i = 0; i < st->count; i++) {
        if (!values[i]) continue;
        const StTensor *t = &st->tensors[i], *b = safetensors_find(&back, t->name);
        require(b != NULL && b->dtype == ST_F32 && b->ndim == t->ndim &&
                b->elements == t->elements);
        require(memcmp(b->shape, t->shape, sizeof t->shape) == 0);
        float *again = malloc((t->elements ? t->elements : 1) * sizeof(float));
        require(again != NULL);
        require(safetensors_read_f32(&back, b, 0, b->elements, again, err, sizeof err) == 0);
        require(memcmp(again, values[i], (size_t)t->elements * sizeof(float)) == 0);
        free(again);
    }
    safetensors_close(&back);
    free(specs);
}

static void load_tiny_gpt2(const SafeTensors *st) {
    static float buffers[NUM_PARAM_TENSORS][4 * 8 * 8 + TINY_ROWS * 8];
    ParamViews v;
    for (int i = 0; i < NUM_PARAM_TENSORS; i++) v.at[i] = buffers[i];
    char err[512] = "";
    int checked = hf_gpt2_check(st, &tiny, err, sizeof err);
    if (checked) require(strstr(err, st->path) != NULL || strstr(err, "config.json") != NULL);
    err[0] = '\0';
    int loaded = hf_gpt2_load(st, &tiny, &v, TINY_ROWS, err, sizeof err);
    if (loaded) require(err[0] != '\0');
    require(checked == 0 || loaded != 0); /* loading checks at least as much */
}

static void open_file(int gpt2) {
    SafeTensors st;
    char err[1024] = "";
    if (safetensors_open(&st, path, err, sizeof err) != 0) {
        require(strstr(err, path) != NULL && st.count == 0 && st.fd == -1);
        return;
    }
    check_tiling(&st);
    if (gpt2) {
        load_tiny_gpt2(&st);
    } else {
        float **values = read_all(&st);
        write_back(&st, values);
        for (size_t i = 0; i < st.count; i++) free(values[i]);
        free(values);
    }
    safetensors_close(&st);
}

static void parse_config(const uint8_t *in, size_t n) {
    HfGpt2Config c, again;
    char err[512] = "";
    if (hf_gpt2_config_parse((const char *)in, n, "fuzz/config.json", &c, err, sizeof err) != 0) {
        require(strstr(err, "fuzz/config.json: ") == err);
        return;
    }
    char *json = hf_gpt2_config_json(&c, ST_F32);
    require(json != NULL);
    require(hf_gpt2_config_parse(json, strlen(json), "again", &again, err, sizeof err) == 0);
    require(memcmp(&c, &again, sizeof c) == 0);
    free(json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    switch (data[0] % 4) {
    case 0:
        write_input(data + 1, size - 1);
        open_file(0);
        break;
    case 1:
        write_sections(data + 1, size - 1);
        open_file(0);
        break;
    case 2:
        write_sections(data + 1, size - 1);
        open_file(1);
        break;
    default: parse_config(data + 1, size - 1);
    }
    return 0;
}

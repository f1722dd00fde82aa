/* Writes the seed corpus of fuzz_checkpoint into the directory named by its argument: a
 * checkpoint of the tiny run of fuzz_tiny.h (as a file, and section by section), its trainer
 * state, and a checkpoint of a model of a few parameters. `make fuzz-seeds` runs it; the
 * files it wrote are kept in tests/fuzz/corpus/checkpoint. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkpoint.h"
#include "fuzz_tiny.h"
#include "store.h"
#include "trainer.h"

static void die(const char *what, const char *why) {
    fprintf(stderr, "make_seeds: %s: %s\n", what, why);
    exit(1);
}

static unsigned char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) die(path, "cannot open");
    unsigned char *buf = NULL;
    size_t cap = 0;
    *len = 0;
    for (;;) {
        if (*len == cap) {
            cap = cap ? cap * 2 : 65536;
            if (!(buf = realloc(buf, cap))) die(path, "out of memory");
        }
        size_t got = fread(buf + *len, 1, cap - *len, f);
        if (got == 0) break;
        *len += got;
    }
    fclose(f);
    return buf;
}

/* Writes prefix (n_prefix bytes) then body to dir/name. */
static void seed(const char *dir, const char *name, const void *prefix, size_t n_prefix,
                 const void *body, size_t n) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(prefix, 1, n_prefix, f) != n_prefix || (n && fwrite(body, 1, n, f) != n) ||
        fclose(f) != 0)
        die(path, "cannot write");
}

/* A checkpoint file rewritten as mode 1 input: flags, then per section a tag index, a 16-bit
 * length and the payload. The trainer state (XTRA) is returned through state. */
static unsigned char *as_sections(const unsigned char *file, size_t len, size_t *out_len,
                                  const unsigned char **state, size_t *state_len) {
    static const char names[8][5] = {"CONF", "STEP", "RNG ", "PARM",
                                     "ADMM", "ADMV", "XTRA", "END "};
    unsigned char *out = malloc(len + 1);
    if (!out) die("sections", "out of memory");
    size_t at = 16, n = 0;
    out[n++] = 0;
    while (at + 16 <= len) {
        uint64_t plen;
        memcpy(&plen, file + at + 8, 8);
        int tag = 0;
        while (tag < 8 && memcmp(file + at, names[tag], 4) != 0) tag++;
        if (tag == 8 || plen > 0xFFFF || at + 24 + plen > len) die("sections", "unexpected layout");
        if (tag == 6) { /* XTRA */
            *state = file + at + 16;
            *state_len = (size_t)plen;
        }
        out[n++] = (unsigned char)tag;
        out[n++] = (unsigned char)(plen & 0xFF);
        out[n++] = (unsigned char)(plen >> 8);
        memcpy(out + n, file + at + 16, (size_t)plen);
        n += (size_t)plen;
        at += 24 + (size_t)plen;
    }
    *out_len = n;
    return out;
}

static void tiny_run(char *ckpt, size_t cap) {
    FILE *f = fopen(FUZZ_TINY_DATA_NAME, "w");
    if (!f || fputs(fuzz_tiny_jsonl, f) < 0 || fclose(f) != 0)
        die(FUZZ_TINY_DATA_NAME, "cannot write");
    Config cfg;
    config_defaults(&cfg);
    char err[1024];
    for (size_t i = 0; i < sizeof fuzz_tiny_sets / sizeof *fuzz_tiny_sets; i++)
        if (config_set(&cfg, fuzz_tiny_sets[i], err, sizeof err)) die(fuzz_tiny_sets[i], err);
    TrainerOptions opt = {.db_path = "runs.db"};
    Trainer *t;
    if (trainer_start(&cfg, &opt, &t, err, sizeof err)) die("train", err);
    TrainerEvent ev = {0};
    while (ev.kind != EV_DONE)
        if (!trainer_wait_event(t, &ev, 60000)) die("train", "no progress");
    trainer_free(t);
    if (strcmp(ev.status, "completed") != 0) die("train", ev.text);
    Store *s;
    int64_t step;
    if (store_open("runs.db", &s, err, sizeof err)) die("runs.db", err);
    if (store_last_checkpoint(s, 1, &step, ckpt, cap)) die("runs.db", "no checkpoint");
    store_close(s);
}

/* A model of a few parameters: a small file the fuzzer mutates quickly. */
static void small_checkpoint(const char *dir) {
    ModelConfig mc = {.layers = 1, .dim = 2, .heads = 1, .context = 2, .vocab = 8};
    Model m;
    if (model_init(&m, &mc, 1)) die("model", "out of memory");
    model_init_weights(&m, 1);
    CheckpointState st = {.step = 1, .extra = "state", .extra_len = 5};
    char err[512];
    if (checkpoint_save("small.ckpt", &m, &st, err, sizeof err)) die("small.ckpt", err);
    model_free(&m);
    size_t len, n, state_len;
    const unsigned char *state;
    unsigned char *file = slurp("small.ckpt", &len);
    unsigned char *sections = as_sections(file, len, &n, &state, &state_len);
    seed(dir, "small-file", "\x00", 1, file, len);
    seed(dir, "small-sections", "\x01", 1, sections, n);
    free(sections);
    free(file);
}

int main(int argc, char **argv) {
    if (argc != 2) die("usage", "make_seeds OUTPUT-DIR");
    char out[PATH_MAX], work[] = "/tmp/exposure-seeds-XXXXXX";
    if (!realpath(argv[1], out)) die(argv[1], "no such directory");
    if (!mkdtemp(work) || chdir(work) != 0) die(work, "cannot create");
    char ckpt[4096];
    tiny_run(ckpt, sizeof ckpt);
    size_t len, n, state_len = 0;
    const unsigned char *state = NULL;
    unsigned char *file = slurp(ckpt, &len);
    unsigned char *sections = as_sections(file, len, &n, &state, &state_len);
    if (!state) die(ckpt, "no trainer state");
    seed(out, "tiny-run-file", "\x00", 1, file, len);
    seed(out, "tiny-run-sections", "\x01", 1, sections, n);
    seed(out, "tiny-run-state", "\x02\x03", 2, state, state_len);
    free(sections);
    free(file);
    small_checkpoint(out);
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", work);
    return system(cmd) == 0 ? 0 : 1;
}

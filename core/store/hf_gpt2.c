/* The tensor map between Hugging Face's GPT-2 and exposure's ParamViews. */
#include "hf_gpt2.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* One tensor of a block: its name after "h.N.", exposure's tensor, its shape in the file in
 * units of n_embd (cols 0: one dimension), and whether Hugging Face stores it as Conv1D
 * (in, out), the transpose of exposure's (out, in). */
typedef struct {
    const char *suffix;
    int param;
    int rows, cols;
    int conv1d;
    const char *shape_text; /* for messages */
} BlockTensor;

static const BlockTensor block_tensors[] = {
    {"ln_1.weight", P_LN1W, 1, 0, 0, "[n_embd]"},
    {"ln_1.bias", P_LN1B, 1, 0, 0, "[n_embd]"},
    {"attn.c_attn.weight", P_QKVW, 1, 3, 1, "[n_embd, 3 n_embd]"},
    {"attn.c_attn.bias", P_QKVB, 3, 0, 0, "[3 n_embd]"},
    {"attn.c_proj.weight", P_ATTPROJW, 1, 1, 1, "[n_embd, n_embd]"},
    {"attn.c_proj.bias", P_ATTPROJB, 1, 0, 0, "[n_embd]"},
    {"ln_2.weight", P_LN2W, 1, 0, 0, "[n_embd]"},
    {"ln_2.bias", P_LN2B, 1, 0, 0, "[n_embd]"},
    {"mlp.c_fc.weight", P_FCW, 1, 4, 1, "[n_embd, 4 n_embd]"},
    {"mlp.c_fc.bias", P_FCB, 4, 0, 0, "[4 n_embd]"},
    {"mlp.c_proj.weight", P_FCPROJW, 4, 1, 1, "[4 n_embd, n_embd]"},
    {"mlp.c_proj.bias", P_FCPROJB, 1, 0, 0, "[n_embd]"},
};
#define BLOCK_TENSORS (sizeof block_tensors / sizeof *block_tensors)

/* Buffers of Hugging Face's attention (the causal mask), not parameters. */
static const char *const ignored_block_tensors[] = {"attn.bias", "attn.masked_bias"};

#define LM_HEAD "lm_head.weight"
#define NAME_CAP 96

/* One tensor of the file, where it goes in the views and how. */
typedef struct {
    char name[NAME_CAP];
    int param;
    size_t offset; /* floats into the view of param */
    uint64_t shape[2];
    int ndim;
    int conv1d;
    const char *shape_text;
} Slot;

__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t cap, const char *path,
                                                      const char *fmt, ...) {
    if (!err || !cap) return -1;
    char msg[640];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(err, cap, "%s: %s", path, msg);
    return -1;
}

static size_t slot_count(const HfGpt2Config *c) { return 4 + BLOCK_TENSORS * (size_t)c->layers; }

static uint64_t slot_elements(const Slot *s) {
    return s->ndim == 1 ? s->shape[0] : s->shape[0] * s->shape[1];
}

/* Every tensor of a GPT-2 of config c, names starting with prefix. */
static void make_slots(const HfGpt2Config *c, const char *prefix, Slot *slots) {
    const uint64_t C = (uint64_t)c->dim;
    Slot *s = slots;
    *s++ = (Slot){.param = P_WTE,
                  .shape = {(uint64_t)c->vocab, C},
                  .ndim = 2,
                  .shape_text = "[vocab_size, n_embd]"};
    snprintf(s[-1].name, NAME_CAP, "%swte.weight", prefix);
    *s++ = (Slot){.param = P_WPE,
                  .shape = {(uint64_t)c->context, C},
                  .ndim = 2,
                  .shape_text = "[n_positions, n_embd]"};
    snprintf(s[-1].name, NAME_CAP, "%swpe.weight", prefix);
    for (int l = 0; l < c->layers; l++)
        for (size_t i = 0; i < BLOCK_TENSORS; i++) {
            const BlockTensor *b = &block_tensors[i];
            *s = (Slot){.param = b->param,
                        .ndim = b->cols ? 2 : 1,
                        .conv1d = b->conv1d,
                        .shape = {(uint64_t)b->rows * C, (uint64_t)b->cols * C},
                        .shape_text = b->shape_text};
            s->offset = (size_t)l * (size_t)slot_elements(s);
            snprintf(s->name, NAME_CAP, "%sh.%d.%s", prefix, l, b->suffix);
            s++;
        }
    *s++ = (Slot){.param = P_LNFW, .shape = {C}, .ndim = 1, .shape_text = "[n_embd]"};
    snprintf(s[-1].name, NAME_CAP, "%sln_f.weight", prefix);
    *s++ = (Slot){.param = P_LNFB, .shape = {C}, .ndim = 1, .shape_text = "[n_embd]"};
    snprintf(s[-1].name, NAME_CAP, "%sln_f.bias", prefix);
}

static void shape_text(const uint64_t *shape, int ndim, char *out, size_t cap) {
    size_t o = (size_t)snprintf(out, cap, "[");
    for (int i = 0; i < ndim && o < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, "%s%llu", i ? ", " : "",
                              (unsigned long long)shape[i]);
    if (o < cap) snprintf(out + o, cap - o, "]");
}

/* The tensor named like slot, checked: present, its shape, a dtype read as float32. */
static const StTensor *checked_tensor(const SafeTensors *st, const char *name,
                                      const uint64_t *shape, int ndim, const char *what, char *err,
                                      size_t cap) {
    const StTensor *t = safetensors_find(st, name);
    if (!t) {
        fail(err, cap, st->path, "tensor '%s' is missing", name);
        return NULL;
    }
    if (t->ndim != ndim || t->shape[0] != shape[0] || (ndim == 2 && t->shape[1] != shape[1])) {
        char got[160], want[64];
        shape_text(t->shape, t->ndim, got, sizeof got);
        shape_text(shape, ndim, want, sizeof want);
        fail(err, cap, st->path, "tensor '%s' has shape %s; config.json gives %s = %s", name, got,
             what, want);
        return NULL;
    }
    if (!safetensors_dtype_readable(t->dtype)) {
        fail(err, cap, st->path, "tensor '%s': dtype %s is not supported (F32, BF16, F16 are)",
             name, safetensors_dtype_name(t->dtype));
        return NULL;
    }
    return t;
}

/* "transformer." for GPT2LMHeadModel's names, "" for GPT2Model's. */
static const char *name_prefix(const SafeTensors *st, char *err, size_t cap) {
    if (safetensors_find(st, "transformer.wte.weight")) return "transformer.";
    if (safetensors_find(st, "wte.weight")) return "";
    fail(err, cap, st->path,
         "no tensor 'transformer.wte.weight' (nor 'wte.weight'): not a GPT-2 model");
    return NULL;
}

/* 1 when name is one of the file's tensors that a GPT-2 of config c may hold: its own
 * (checked separately) or an ignored attention buffer. */
static int known_name(const char *name, const char *prefix, const HfGpt2Config *c) {
    size_t pn = strlen(prefix);
    if (strcmp(name, LM_HEAD) == 0) return 1;
    if (strncmp(name, prefix, pn) != 0) return 0;
    const char *rest = name + pn;
    static const char *const globals[] = {"wte.weight", "wpe.weight", "ln_f.weight", "ln_f.bias"};
    for (size_t i = 0; i < sizeof globals / sizeof *globals; i++)
        if (strcmp(rest, globals[i]) == 0) return 1;
    if (strncmp(rest, "h.", 2) != 0) return 0;
    rest += 2;
    /* A layer number as Hugging Face writes it: decimal, no leading zero. */
    long layer = 0;
    const char *digits = rest;
    while (*rest >= '0' && *rest <= '9' && layer <= c->layers) layer = layer * 10 + (*rest++ - '0');
    if (rest == digits || (digits[0] == '0' && rest - digits > 1) || layer >= c->layers ||
        *rest != '.')
        return 0;
    rest++;
    for (size_t i = 0; i < BLOCK_TENSORS; i++)
        if (strcmp(rest, block_tensors[i].suffix) == 0) return 1;
    for (size_t i = 0; i < sizeof ignored_block_tensors / sizeof *ignored_block_tensors; i++)
        if (strcmp(rest, ignored_block_tensors[i]) == 0) return 1;
    return 0;
}

static int check_with_prefix(const SafeTensors *st, const HfGpt2Config *c, const char *prefix,
                             char *err, size_t cap) {
    if (hf_gpt2_config_check(c, "config.json", err, cap)) return -1;
    size_t n = slot_count(c);
    Slot *slots = malloc(n * sizeof *slots);
    if (!slots) return fail(err, cap, st->path, "out of memory");
    make_slots(c, prefix, slots);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (!checked_tensor(st, slots[i].name, slots[i].shape, slots[i].ndim, slots[i].shape_text,
                            err, cap))
            rc = -1;
    free(slots);
    if (rc) return -1;
    const uint64_t head[2] = {(uint64_t)c->vocab, (uint64_t)c->dim};
    if (safetensors_find(st, LM_HEAD) &&
        !checked_tensor(st, LM_HEAD, head, 2, "[vocab_size, n_embd]", err, cap))
        return -1;
    for (size_t i = 0; i < st->count; i++)
        if (!known_name(st->tensors[i].name, prefix, c)) {
            char shown[160];
            safetensors_printable_name(st->tensors[i].name, shown, sizeof shown);
            return fail(err, cap, st->path,
                        "tensor '%s' is not part of a GPT-2 with n_layer %d (names: %s...)", shown,
                        c->layers, prefix[0] ? "transformer.h.N." : "h.N.");
        }
    return 0;
}

int hf_gpt2_check(const SafeTensors *st, const HfGpt2Config *c, char *err, size_t cap) {
    const char *prefix = name_prefix(st, err, cap);
    return prefix ? check_with_prefix(st, c, prefix, err, cap) : -1;
}

/* dst (cols, rows) = src (rows, cols) transposed, in tiles that stay in cache. */
static void transpose(float *dst, const float *src, size_t rows, size_t cols) {
    enum { TILE = 32 };
    for (size_t r0 = 0; r0 < rows; r0 += TILE)
        for (size_t c0 = 0; c0 < cols; c0 += TILE) {
            size_t r1 = r0 + TILE < rows ? r0 + TILE : rows,
                   c1 = c0 + TILE < cols ? c0 + TILE : cols;
            for (size_t r = r0; r < r1; r++)
                for (size_t k = c0; k < c1; k++) dst[k * rows + r] = src[r * cols + k];
        }
}

/* lm_head.weight must be what it is in a tied model: the token embedding, bit for bit. */
static int check_tied_head(const SafeTensors *st, const StTensor *head, const float *wte,
                           float *scratch, size_t scratch_len, char *err, size_t cap) {
    for (uint64_t at = 0; at < head->elements;) {
        uint64_t n = head->elements - at < scratch_len ? head->elements - at : scratch_len;
        if (safetensors_read_f32(st, head, at, n, scratch, err, cap)) return -1;
        if (memcmp(scratch, wte + at, (size_t)n * sizeof(float)) != 0)
            return fail(err, cap, st->path,
                        "tensor '" LM_HEAD "' differs from the token embedding: exposure's LM "
                        "head is the token embedding (tie_word_embeddings)");
        at += n;
    }
    return 0;
}

int hf_gpt2_load(const SafeTensors *st, const HfGpt2Config *c, const ParamViews *dst,
                 int vocab_rows, char *err, size_t cap) {
    const char *prefix = name_prefix(st, err, cap);
    if (!prefix || check_with_prefix(st, c, prefix, err, cap)) return -1;
    if (vocab_rows < c->vocab)
        return fail(err, cap, st->path,
                    "the token embedding has %d rows (vocab_size), the model holds only %d",
                    c->vocab, vocab_rows);
    size_t n = slot_count(c), C = (size_t)c->dim;
    size_t scratch_len = 4 * C * C; /* the largest Conv1D matrix */
    Slot *slots = malloc(n * sizeof *slots);
    float *scratch = malloc(scratch_len * sizeof *scratch);
    int rc = slots && scratch ? 0 : fail(err, cap, st->path, "out of memory");
    if (rc == 0) make_slots(c, prefix, slots);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const Slot *s = &slots[i];
        const StTensor *t = safetensors_find(st, s->name);
        float *to = dst->at[s->param] + s->offset;
        if (!s->conv1d) {
            rc = safetensors_read_f32(st, t, 0, t->elements, to, err, cap);
        } else {
            rc = safetensors_read_f32(st, t, 0, t->elements, scratch, err, cap);
            if (rc == 0) transpose(to, scratch, (size_t)s->shape[0], (size_t)s->shape[1]);
        }
    }
    if (rc == 0)
        memset(dst->wte + (size_t)c->vocab * C, 0,
               (size_t)(vocab_rows - c->vocab) * C * sizeof(float));
    const StTensor *head = safetensors_find(st, LM_HEAD);
    if (rc == 0 && head) rc = check_tied_head(st, head, dst->wte, scratch, scratch_len, err, cap);
    free(slots);
    free(scratch);
    return rc;
}

/* ---- saving -------------------------------------------------------------------------------- */

static int by_name(const void *a, const void *b) {
    return strcmp(((const Slot *)a)->name, ((const Slot *)b)->name);
}

/* Writes text to a temporary file beside path, synced; the caller renames it. */
static int write_temp(const char *path, const char *tmp, const char *text, char *err, size_t cap) {
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return fail(err, cap, path, "cannot create %s: %s", tmp, strerror(errno));
    size_t len = strlen(text), done = 0;
    while (done < len) {
        ssize_t w = write(fd, text + done, len - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        done += (size_t)w;
    }
    int saved = errno;
    int ok = done == len && fsync(fd) == 0;
    if (!ok && done == len) saved = errno;
    if (close(fd) != 0 && ok) ok = 0, saved = errno;
    if (ok) return 0;
    unlink(tmp);
    return fail(err, cap, path, "cannot write %s: %s", tmp, strerror(saved));
}

static int write_tensors(const char *path, const ParamViews *src, const HfGpt2Config *c,
                         const HfGpt2SaveOptions *o, char *err, size_t cap) {
    size_t n = slot_count(c), C = (size_t)c->dim;
    Slot *slots = malloc(n * sizeof *slots);
    StSpec *specs = malloc(n * sizeof *specs);
    StMeta *meta = malloc((o->meta_count + 1) * sizeof *meta);
    float *scratch = malloc(4 * C * C * sizeof *scratch);
    int rc = -1;
    if (!slots || !specs || !meta || !scratch) {
        fail(err, cap, path, "out of memory");
        goto out;
    }
    make_slots(c, "transformer.", slots);
    /* Hugging Face's order: by dtype, then by name. */
    qsort(slots, n, sizeof *slots, by_name);
    for (size_t i = 0; i < n; i++)
        specs[i] = (StSpec){.name = slots[i].name,
                            .dtype = o->dtype,
                            .ndim = slots[i].ndim,
                            .shape = {slots[i].shape[0], slots[i].shape[1]}};
    meta[0] = (StMeta){"format", "pt"};
    for (size_t i = 0; i < o->meta_count; i++) meta[i + 1] = o->meta[i];
    StWriter *w = safetensors_writer_begin(path, specs, n, meta, o->meta_count + 1, err, cap);
    if (!w) goto out;
    for (size_t i = 0; i < n; i++) {
        const Slot *s = &slots[i];
        const float *from = src->at[s->param] + s->offset;
        if (s->conv1d) {
            transpose(scratch, from, (size_t)s->shape[1], (size_t)s->shape[0]);
            from = scratch;
        }
        if (safetensors_writer_put(w, from, err, cap)) {
            safetensors_writer_abort(w);
            goto out;
        }
    }
    rc = safetensors_writer_commit(w, err, cap);
out:
    free(slots);
    free(specs);
    free(meta);
    free(scratch);
    return rc;
}

int hf_gpt2_save(const char *path, const ParamViews *src, const HfGpt2Config *c,
                 const HfGpt2SaveOptions *opts, char *err, size_t cap) {
    HfGpt2SaveOptions o = opts ? *opts : (HfGpt2SaveOptions){0};
    if (o.dtype != ST_F32 && o.dtype != ST_BF16)
        return fail(err, cap, path, "tensors can be saved as F32 or BF16, not %s",
                    safetensors_dtype_name(o.dtype));
    if (hf_gpt2_config_check(c, path, err, cap)) return -1;
    char config_path[4096], config_tmp[4128];
    if (hf_gpt2_config_path(path, config_path, sizeof config_path))
        return fail(err, cap, path, "path too long");
    if (strcmp(config_path, path) == 0)
        return fail(err, cap, path, "the weights cannot be written to config.json");
    snprintf(config_tmp, sizeof config_tmp, "%s.tmp.%ld", config_path, (long)getpid());
    if (fileguard_check_write(config_path, err, cap)) return -1;
    char *json = hf_gpt2_config_json(c, o.dtype);
    if (!json) return fail(err, cap, path, "out of memory");
    int rc = write_temp(config_path, config_tmp, json, err, cap);
    free(json);
    if (rc) return -1;
    /* config.json goes into place only once the weights are. */
    if (write_tensors(path, src, c, &o, err, cap)) {
        unlink(config_tmp);
        return -1;
    }
    if (rename(config_tmp, config_path) != 0) {
        int saved = errno;
        unlink(config_tmp);
        return fail(err, cap, config_path, "cannot write: %s (%s was written)", strerror(saved),
                    path);
    }
    return 0;
}

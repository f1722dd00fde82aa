#include "checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char MAGIC[8] = {'E', 'X', 'P', 'O', 'C', 'K', 'P', 'T'};
#define BYTE_ORDER_MARK 0x01020304u
#define TAG(a, b, c, d)                                                                            \
    ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#define TAG_CONF TAG('C', 'O', 'N', 'F')
#define TAG_STEP TAG('S', 'T', 'E', 'P')
#define TAG_RNG TAG('R', 'N', 'G', ' ')
#define TAG_PARM TAG('P', 'A', 'R', 'M')
#define TAG_ADMM TAG('A', 'D', 'M', 'M')
#define TAG_ADMV TAG('A', 'D', 'M', 'V')
#define TAG_XTRA TAG('X', 'T', 'R', 'A')
#define TAG_TOKN TAG('T', 'O', 'K', 'N')
#define TAG_END TAG('E', 'N', 'D', ' ')

static void fail(char *err, size_t cap, const char *fmt, ...) {
    if (!err || !cap) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
}

static uint64_t fnv1a(uint64_t h, const void *data, size_t n) {
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001B3ull;
    return h;
}
#define FNV_OFFSET 0xCBF29CE484222325ull

/* ---- writing ---- */

static int write_all(FILE *f, const void *p, size_t n) { return fwrite(p, 1, n, f) == n ? 0 : -1; }

static int write_section(FILE *f, uint32_t tag, const void *payload, size_t len) {
    uint32_t head[2] = {tag, 0};
    uint64_t len64 = len, hash = fnv1a(FNV_OFFSET, payload, len);
    if (write_all(f, head, sizeof head) || write_all(f, &len64, sizeof len64)) return -1;
    if (len && write_all(f, payload, len)) return -1;
    return write_all(f, &hash, sizeof hash);
}

static int write_body(FILE *f, const Model *m, const CheckpointState *st) {
    uint32_t version = CHECKPOINT_VERSION, bom = BYTE_ORDER_MARK;
    int32_t conf[5] = {m->cfg.layers, m->cfg.dim, m->cfg.heads, m->cfg.context, m->cfg.vocab};
    size_t bytes = m->num_params * sizeof(float);
    if (write_all(f, MAGIC, sizeof MAGIC) || write_all(f, &version, 4) || write_all(f, &bom, 4))
        return -1;
    if (write_section(f, TAG_CONF, conf, sizeof conf)) return -1;
    /* Right after the model's config, where checkpoint_read_tokenizer finds it; byte-level
     * checkpoints have none, as before there were other vocabularies. */
    if (!checkpoint_tokenizer_is_byte(&st->tokenizer)) {
        CheckpointTokenizer t;
        memset(&t, 0, sizeof t);
        snprintf(t.spec, sizeof t.spec, "%s", st->tokenizer.spec);
        snprintf(t.identity, sizeof t.identity, "%s", st->tokenizer.identity);
        if (write_section(f, TAG_TOKN, &t, sizeof t)) return -1;
    }
    if (write_section(f, TAG_STEP, &st->step, sizeof st->step) ||
        write_section(f, TAG_RNG, st->rng.s, sizeof st->rng.s) ||
        write_section(f, TAG_PARM, m->params, bytes) ||
        write_section(f, TAG_ADMM, m->adam_m, bytes) ||
        write_section(f, TAG_ADMV, m->adam_v, bytes))
        return -1;
    if (st->extra_len && write_section(f, TAG_XTRA, st->extra, st->extra_len)) return -1;
    return write_section(f, TAG_END, NULL, 0);
}

/* fsync of the directory holding path, so that the rename itself is durable. */
static void sync_parent_dir(const char *path) {
    char dir[LIMIT_PATH_BYTES];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == dir) slash[1] = '\0';
    else if (slash) *slash = '\0';
    else snprintf(dir, sizeof dir, ".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        (void)fsync(fd); /* best effort: some filesystems refuse fsync on directories */
        close(fd);
    }
}

int checkpoint_save(const char *path, const Model *m, const CheckpointState *st, char *err,
                    size_t cap) {
    char tmp[LIMIT_PATH_BYTES];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp) {
        fail(err, cap, "%s: path too long", path);
        return -1;
    }
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        fail(err, cap, "%s: cannot create: %s", tmp, strerror(errno));
        return -1;
    }
    int rc = write_body(f, m, st);
    int saved = errno;
    if (rc == 0 && fflush(f) != 0) rc = -1, saved = errno;
    if (rc == 0 && fsync(fileno(f)) != 0) rc = -1, saved = errno;
    if (fclose(f) != 0 && rc == 0) rc = -1, saved = errno;
    if (rc == 0 && rename(tmp, path) != 0) rc = -1, saved = errno;
    if (rc != 0) {
        unlink(tmp);
        fail(err, cap, "%s: cannot write checkpoint: %s", path, strerror(saved));
        return -1;
    }
    sync_parent_dir(path);
    return 0;
}

/* ---- reading ---- */

typedef struct {
    FILE *f;
    const char *path;
    char *err;
    size_t cap;
    long long size; /* of the file, -1 when unknown */
} Reader;

/* 1 when len more bytes (and a section's 8-byte hash) cannot be in the file: a damaged length
 * is refused before anything is allocated for it. */
static int runs_past_end(Reader *r, uint64_t len) {
    long pos = ftell(r->f);
    if (r->size < 0 || pos < 0) return 0;
    uint64_t left = (uint64_t)(r->size - pos);
    return left < 8 || len > left - 8;
}

static int read_exact(Reader *r, void *p, size_t n, const char *what) {
    if (fread(p, 1, n, r->f) == n) return 0;
    fail(r->err, r->cap, "%s: truncated checkpoint (file ends inside %s)", r->path, what);
    return -1;
}

static int open_reader(Reader *r, const char *path, char *err, size_t cap) {
    *r = (Reader){fopen(path, "rb"), path, err, cap, -1};
    if (!r->f) {
        fail(err, cap, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(r->f), &st) == 0 && S_ISREG(st.st_mode)) r->size = (long long)st.st_size;
    char magic[8];
    uint32_t version, bom;
    if (fread(magic, 1, 8, r->f) != 8 || memcmp(magic, MAGIC, 8) != 0) {
        fail(err, cap, "%s: not an exposure checkpoint (bad magic)", path);
        return -1;
    }
    if (read_exact(r, &version, 4, "the header") || read_exact(r, &bom, 4, "the header")) return -1;
    if (bom != BYTE_ORDER_MARK) {
        fail(err, cap, "%s: checkpoint written on a machine of another byte order", path);
        return -1;
    }
    if (version != CHECKPOINT_VERSION) {
        fail(err, cap, "%s: checkpoint format version %u, this build reads version %d", path,
             version, CHECKPOINT_VERSION);
        return -1;
    }
    return 0;
}

/* Reads a section header; returns its tag and length. */
static int read_section_head(Reader *r, uint32_t *tag, uint64_t *len) {
    uint32_t head[2];
    if (read_exact(r, head, sizeof head, "a section header") ||
        read_exact(r, len, sizeof *len, "a section header"))
        return -1;
    *tag = head[0];
    return 0;
}

/* Reads a payload of exactly expect bytes into dst and checks its hash. */
static int read_payload_hashed(Reader *r, void *dst, uint64_t len, uint64_t expect,
                               const char *what, uint64_t *hash) {
    if (len != expect) {
        fail(r->err, r->cap, "%s: %s section has %llu bytes, expected %llu", r->path, what,
             (unsigned long long)len, (unsigned long long)expect);
        return -1;
    }
    uint64_t stored;
    if ((len && read_exact(r, dst, len, what)) || read_exact(r, &stored, 8, what)) return -1;
    if (stored != fnv1a(FNV_OFFSET, dst, len)) {
        fail(r->err, r->cap, "%s: %s section is corrupt (checksum mismatch)", r->path, what);
        return -1;
    }
    if (hash) *hash = stored;
    return 0;
}

static int read_payload(Reader *r, void *dst, uint64_t len, uint64_t expect, const char *what) {
    return read_payload_hashed(r, dst, len, expect, what, NULL);
}

void checkpoint_params_id(uint64_t params_hash, char *out, size_t cap) {
    snprintf(out, cap, "fnv1a64:%016llx", (unsigned long long)params_hash);
}

static int read_conf(Reader *r, ModelConfig *cfg) {
    uint32_t tag;
    uint64_t len;
    int32_t c[5];
    if (read_section_head(r, &tag, &len)) return -1;
    if (tag != TAG_CONF) {
        fail(r->err, r->cap, "%s: checkpoint does not start with its model config", r->path);
        return -1;
    }
    if (read_payload(r, c, len, sizeof c, "config")) return -1;
    *cfg =
        (ModelConfig){.layers = c[0], .dim = c[1], .heads = c[2], .context = c[3], .vocab = c[4]};
    char why[128];
    if (model_config_check(cfg, why, sizeof why)) {
        fail(r->err, r->cap, "%s: invalid model config in checkpoint: %s", r->path, why);
        return -1;
    }
    return 0;
}

int checkpoint_tokenizer_is_byte(const CheckpointTokenizer *t) {
    return !t->identity[0] || strcmp(t->identity, "byte") == 0;
}

static void byte_tokenizer(CheckpointTokenizer *t) {
    memset(t, 0, sizeof *t);
    snprintf(t->spec, sizeof t->spec, "byte");
    snprintf(t->identity, sizeof t->identity, "byte");
}

static int read_tokn(Reader *r, uint64_t len, CheckpointTokenizer *t) {
    if (read_payload(r, t, len, sizeof *t, "tokenizer")) return -1;
    if (!memchr(t->spec, 0, sizeof t->spec) || !memchr(t->identity, 0, sizeof t->identity) ||
        !t->spec[0] || !t->identity[0]) {
        fail(r->err, r->cap, "%s: malformed tokenizer section", r->path);
        return -1;
    }
    return 0;
}

int checkpoint_read_tokenizer(const char *path, CheckpointTokenizer *t, char *err, size_t cap) {
    Reader r;
    ModelConfig cfg;
    uint32_t tag;
    uint64_t len;
    byte_tokenizer(t);
    int rc = open_reader(&r, path, err, cap);
    if (rc == 0) rc = read_conf(&r, &cfg);
    if (rc == 0) rc = read_section_head(&r, &tag, &len);
    if (rc == 0 && tag == TAG_TOKN) rc = read_tokn(&r, len, t);
    if (r.f) fclose(r.f);
    if (rc) byte_tokenizer(t);
    return rc;
}

int checkpoint_read_config(const char *path, ModelConfig *cfg, char *err, size_t cap) {
    Reader r;
    int rc = open_reader(&r, path, err, cap);
    if (rc == 0) rc = read_conf(&r, cfg);
    if (r.f) fclose(r.f);
    return rc;
}

static int load_sections(Reader *r, Model *m, CheckpointState *st) {
    ModelConfig cfg;
    if (read_conf(r, &cfg)) return -1;
    if (memcmp(&cfg, &m->cfg, sizeof cfg) != 0) {
        fail(r->err, r->cap,
             "%s: checkpoint model (layers %d, dim %d, heads %d, context %d) differs from the "
             "configured one (layers %d, dim %d, heads %d, context %d)",
             r->path, cfg.layers, cfg.dim, cfg.heads, cfg.context, m->cfg.layers, m->cfg.dim,
             m->cfg.heads, m->cfg.context);
        return -1;
    }
    const size_t bytes = m->num_params * sizeof(float);
    unsigned seen = 0;
    for (;;) {
        uint32_t tag;
        uint64_t len;
        if (read_section_head(r, &tag, &len)) return -1;
        int rc;
        unsigned bit = 0; /* which required section this was */
        switch (tag) {
        case TAG_STEP:
            bit = 1;
            rc = read_payload(r, &st->step, len, sizeof st->step, "step");
            break;
        case TAG_RNG:
            bit = 2;
            rc = read_payload(r, st->rng.s, len, sizeof st->rng.s, "rng");
            break;
        case TAG_PARM:
            bit = 4;
            rc = read_payload_hashed(r, m->params, len, bytes, "parameter", &st->params_hash);
            break;
        case TAG_ADMM:
            bit = 8;
            rc = read_payload(r, m->adam_m, len, bytes, "AdamW first moment");
            break;
        case TAG_ADMV:
            bit = 16;
            rc = read_payload(r, m->adam_v, len, bytes, "AdamW second moment");
            break;
        case TAG_TOKN: rc = read_tokn(r, len, &st->tokenizer); break;
        case TAG_XTRA:
            if (st->extra || len == 0 || len > (1ull << 34)) {
                fail(r->err, r->cap, "%s: malformed trainer-state section", r->path);
                return -1;
            }
            if (runs_past_end(r, len)) {
                fail(r->err, r->cap, "%s: truncated checkpoint (file ends inside trainer-state)",
                     r->path);
                return -1;
            }
            st->extra = malloc((size_t)len);
            if (!st->extra) {
                fail(r->err, r->cap, "%s: out of memory reading trainer state", r->path);
                return -1;
            }
            st->extra_len = (size_t)len;
            rc = read_payload(r, st->extra, len, len, "trainer-state");
            break;
        case TAG_END:
            if (read_payload(r, NULL, len, 0, "end")) return -1;
            if (seen != 0x1F) {
                fail(r->err, r->cap, "%s: checkpoint is missing a required section", r->path);
                return -1;
            }
            return 0;
        default:
            fail(r->err, r->cap, "%s: unknown checkpoint section %08x", r->path, tag);
            return -1;
        }
        if (rc) return -1;
        seen |= bit;
    }
}

int checkpoint_load(const char *path, Model *m, CheckpointState *st, char *err, size_t cap) {
    memset(st, 0, sizeof *st);
    byte_tokenizer(&st->tokenizer);
    Reader r;
    int rc = open_reader(&r, path, err, cap);
    if (rc == 0) rc = load_sections(&r, m, st);
    if (r.f) fclose(r.f);
    if (rc) {
        free(st->extra);
        memset(st, 0, sizeof *st);
        return -1;
    }
    memset(m->grads, 0, m->num_params * sizeof(float));
    return 0;
}

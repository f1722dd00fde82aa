/* Reading safetensors files: the header is checked whole at open; tensors are then read with
 * pread, so that a file that shrinks while open is an error rather than a SIGBUS (as it would
 * be through a mapping). */
#include "safetensors.h"

#include <cJSON.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safetensors_internal.h"
#include "util.h"

/* Integers in the header are exact below 2^53 (cJSON holds numbers as doubles). */
#define EXACT_LIMIT 9007199254740992.0

typedef struct {
    const char *path;
    char *err;
    size_t cap;
} Ctx;

__attribute__((format(printf, 2, 3))) static int fail(const Ctx *c, const char *fmt, ...) {
    if (!c->err || !c->cap) return -1;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(c->err, c->cap, "%s: %s", c->path, msg);
    return -1;
}

__attribute__((format(printf, 3, 4))) static int fail_tensor(const Ctx *c, const char *name,
                                                             const char *fmt, ...) {
    char msg[512], shown[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    safetensors_printable_name(name, shown, sizeof shown);
    return fail(c, "tensor '%s': %s", shown, msg);
}

/* ---- the header ---------------------------------------------------------------------------- */

static int exact_uint(const cJSON *v, uint64_t *out) {
    if (!cJSON_IsNumber(v)) return -1;
    double d = v->valuedouble;
    if (!(d >= 0 && d < EXACT_LIMIT) || d != (double)(uint64_t)d) return -1;
    *out = (uint64_t)d;
    return 0;
}

/* "[2, 3]" for messages. */
static void shape_text(const StTensor *t, char *out, size_t cap) {
    size_t o = (size_t)snprintf(out, cap, "[");
    for (int i = 0; i < t->ndim && o < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, "%s%llu", i ? ", " : "",
                              (unsigned long long)t->shape[i]);
    if (o < cap) snprintf(out + o, cap - o, "]");
}

static int parse_shape(const Ctx *c, const char *name, const cJSON *v, StTensor *t) {
    if (!cJSON_IsArray(v)) return fail_tensor(c, name, "\"shape\" is not an array");
    int n = cJSON_GetArraySize(v);
    if (n > ST_MAX_DIMS)
        return fail_tensor(c, name, "shape has %d dimensions, at most %d are supported", n,
                           ST_MAX_DIMS);
    t->ndim = n;
    t->elements = 1;
    int i = 0;
    for (const cJSON *d = v->child; d; d = d->next, i++) {
        if (exact_uint(d, &t->shape[i]))
            return fail_tensor(c, name, "shape dimension %d is not an integer in 0..2^53", i);
        if (t->shape[i] && t->elements > UINT64_MAX / t->shape[i])
            return fail_tensor(c, name, "shape's element count overflows 64 bits");
        t->elements *= t->shape[i];
    }
    return 0;
}

static int parse_offsets(const Ctx *c, const char *name, const cJSON *v, StTensor *t) {
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 2 || exact_uint(v->child, &t->begin) ||
        exact_uint(v->child->next, &t->end))
        return fail_tensor(c, name, "\"data_offsets\" is not a pair of integers in 0..2^53");
    if (t->begin > t->end)
        return fail_tensor(c, name, "data_offsets [%llu, %llu] end before they begin",
                           (unsigned long long)t->begin, (unsigned long long)t->end);
    return 0;
}

static int parse_entry(const Ctx *c, const cJSON *e, uint64_t data_len, StTensor *t) {
    const char *name = e->string;
    if (!cJSON_IsObject(e)) return fail_tensor(c, name, "entry is not a JSON object");
    const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(e, "dtype");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(e, "shape");
    const cJSON *offsets = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
    if (!dtype || !shape || !offsets)
        return fail_tensor(c, name, "entry has no \"%s\"",
                           !dtype   ? "dtype"
                           : !shape ? "shape"
                                    : "data_offsets");
    if (!cJSON_IsString(dtype)) return fail_tensor(c, name, "\"dtype\" is not a string");
    if (st_dtype_parse(dtype->valuestring, &t->dtype)) {
        char shown[64];
        safetensors_printable_name(dtype->valuestring, shown, sizeof shown);
        return fail_tensor(c, name, "unknown dtype \"%s\"", shown);
    }
    if (parse_shape(c, name, shape, t) || parse_offsets(c, name, offsets, t)) return -1;

    char dims[160];
    shape_text(t, dims, sizeof dims);
    unsigned bits = st_dtype_bits(t->dtype);
    if (t->elements > UINT64_MAX / bits)
        return fail_tensor(c, name, "%s %s overflows 64 bits", safetensors_dtype_name(t->dtype),
                           dims);
    uint64_t total_bits = t->elements * bits;
    if (total_bits % 8)
        return fail_tensor(c, name, "%s %s is not a whole number of bytes",
                           safetensors_dtype_name(t->dtype), dims);
    if (t->end > data_len)
        return fail_tensor(c, name,
                           "data_offsets [%llu, %llu] run past the end of the data buffer "
                           "(%llu bytes; truncated file?)",
                           (unsigned long long)t->begin, (unsigned long long)t->end,
                           (unsigned long long)data_len);
    if (t->end - t->begin != total_bits / 8)
        return fail_tensor(
            c, name, "data_offsets [%llu, %llu] hold %llu bytes, but %s %s needs %llu",
            (unsigned long long)t->begin, (unsigned long long)t->end,
            (unsigned long long)(t->end - t->begin), safetensors_dtype_name(t->dtype), dims,
            (unsigned long long)(total_bits / 8));
    t->name = strdup(name);
    return t->name ? 0 : fail(c, "out of memory");
}

static int parse_meta(const Ctx *c, const cJSON *m, SafeTensors *st) {
    if (!cJSON_IsObject(m)) return fail(c, "\"__metadata__\" is not a JSON object");
    size_t n = 0;
    for (const cJSON *kv = m->child; kv; kv = kv->next) n++;
    st->meta = calloc(n ? n : 1, sizeof *st->meta);
    if (!st->meta) return fail(c, "out of memory");
    for (const cJSON *kv = m->child; kv; kv = kv->next) {
        char shown[160];
        safetensors_printable_name(kv->string, shown, sizeof shown);
        if (!cJSON_IsString(kv))
            return fail(c, "\"__metadata__\": the value of \"%s\" is not a string", shown);
        StMeta *e = &st->meta[st->meta_count++];
        e->key = strdup(kv->string);
        e->value = strdup(kv->valuestring);
        if (!e->key || !e->value) return fail(c, "out of memory");
    }
    return 0;
}

static int by_offsets(const void *a, const void *b) {
    const StTensor *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int by_name(const void *a, const void *b) {
    return strcmp((*(const StTensor *const *)a)->name, (*(const StTensor *const *)b)->name);
}

static int by_key(const void *a, const void *b) {
    return strcmp(((const StMeta *)a)->key, ((const StMeta *)b)->key);
}

/* Hugging Face's rule: sorted by offsets, each tensor starts where the previous one ended,
 * the first at 0 and the last ends at the end of the file. */
static int check_tiling(const Ctx *c, const SafeTensors *st) {
    uint64_t at = 0;
    for (size_t i = 0; i < st->count; i++) {
        const StTensor *t = &st->tensors[i];
        if (t->begin < at) {
            char other[160];
            safetensors_printable_name(st->tensors[i - 1].name, other, sizeof other);
            return fail_tensor(c, t->name,
                               "data_offsets [%llu, %llu] overlap tensor '%s' [%llu, %llu]",
                               (unsigned long long)t->begin, (unsigned long long)t->end, other,
                               (unsigned long long)st->tensors[i - 1].begin,
                               (unsigned long long)st->tensors[i - 1].end);
        }
        if (t->begin > at)
            return fail(c, "bytes [%llu, %llu) of the data buffer belong to no tensor",
                        (unsigned long long)at, (unsigned long long)t->begin);
        at = t->end;
    }
    if (at != st->data_len)
        return fail(c, "%llu bytes after the last tensor's data belong to no tensor",
                    (unsigned long long)(st->data_len - at));
    return 0;
}

/* Fills st->by_name (tensors must be in their final order) and refuses duplicate names. */
static int check_names(const Ctx *c, SafeTensors *st) {
    size_t n = st->count ? st->count : 1;
    const StTensor **sorted = malloc(n * sizeof *sorted);
    st->by_name = malloc(n * sizeof *st->by_name);
    if (!sorted || !st->by_name) {
        free(sorted);
        return fail(c, "out of memory");
    }
    for (size_t i = 0; i < st->count; i++) sorted[i] = &st->tensors[i];
    qsort(sorted, st->count, sizeof *sorted, by_name);
    int rc = 0;
    for (size_t i = 0; i < st->count; i++) {
        st->by_name[i] = (size_t)(sorted[i] - st->tensors);
        if (rc == 0 && i > 0 && strcmp(sorted[i]->name, sorted[i - 1]->name) == 0)
            rc = fail_tensor(c, sorted[i]->name, "appears twice in the header");
    }
    free(sorted);
    if (rc) return rc;
    if (st->meta_count) qsort(st->meta, st->meta_count, sizeof *st->meta, by_key);
    for (size_t i = 1; i < st->meta_count; i++)
        if (strcmp(st->meta[i].key, st->meta[i - 1].key) == 0) {
            char shown[160];
            safetensors_printable_name(st->meta[i].key, shown, sizeof shown);
            return fail(c, "\"__metadata__\": key \"%s\" appears twice", shown);
        }
    return 0;
}

/* Only JSON's whitespace may follow the object; control bytes are refused as Hugging Face's
 * JSON parser refuses them, and the header must be UTF-8. */
static int check_header_text(const Ctx *c, const char *h, size_t n) {
    size_t bad;
    if (utf8_validate(h, n, &bad))
        return fail(c, "header is not valid UTF-8 (byte %zu of the header)", bad);
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)h[i];
        if (b < 0x20 && b != '\t' && b != '\n' && b != '\r')
            return fail(c, "header holds the control byte 0x%02x at byte %zu", b, i);
    }
    return 0;
}

static int parse_header(const Ctx *c, const char *h, size_t n, SafeTensors *st) {
    if (check_header_text(c, h, n)) return -1;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(h, n, &end, 0);
    if (!root) {
        size_t at = end && end >= h ? (size_t)(end - h) : 0;
        return fail(c, "header is not valid JSON (near byte %zu of the header)", at);
    }
    int rc = -1;
    size_t at = (size_t)(end - h);
    while (at < n && (h[at] == ' ' || h[at] == '\t' || h[at] == '\n' || h[at] == '\r')) at++;
    if (at < n) {
        fail(c, "header has more than one JSON value (byte %zu of the header)", at);
        goto out;
    }
    if (!cJSON_IsObject(root)) {
        fail(c, "header is not a JSON object");
        goto out;
    }
    size_t entries = 0;
    const cJSON *meta = NULL;
    for (const cJSON *e = root->child; e; e = e->next) {
        if (strcmp(e->string, "__metadata__") != 0) entries++;
        else if (meta) {
            fail(c, "\"__metadata__\" appears twice in the header");
            goto out;
        } else meta = e;
    }
    st->tensors = calloc(entries ? entries : 1, sizeof *st->tensors);
    if (!st->tensors) {
        fail(c, "out of memory");
        goto out;
    }
    if (meta && parse_meta(c, meta, st)) goto out;
    for (const cJSON *e = root->child; e; e = e->next) {
        if (e == meta) continue;
        if (parse_entry(c, e, st->data_len, &st->tensors[st->count])) goto out;
        st->count++;
    }
    qsort(st->tensors, st->count, sizeof *st->tensors, by_offsets);
    if (check_names(c, st)) goto out;
    rc = check_tiling(c, st);
out:
    cJSON_Delete(root);
    return rc;
}

/* ---- the file ------------------------------------------------------------------------------ */

/* Reads n bytes at offset; 0, or -1 with errno (0 when the file ended first). */
static int read_at(int fd, void *buf, size_t n, uint64_t offset) {
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t got = pread(fd, p, n, (off_t)offset);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            if (got == 0) errno = 0;
            return -1;
        }
        p += got;
        n -= (size_t)got;
        offset += (uint64_t)got;
    }
    return 0;
}

int safetensors_open(SafeTensors *st, const char *path, char *err, size_t cap) {
    memset(st, 0, sizeof *st);
    st->fd = -1;
    Ctx c = {path, err, cap};
    if (fileguard_check_read(path, err, cap)) return -1;
    st->path = strdup(path);
    if (!st->path) return fail(&c, "out of memory");
    st->fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (st->fd < 0 || fstat(st->fd, &sb) != 0) {
        fail(&c, "cannot open: %s", strerror(errno));
        goto bad;
    }
    if (!S_ISREG(sb.st_mode)) {
        fail(&c, "not a regular file");
        goto bad;
    }
    uint64_t size = (uint64_t)sb.st_size;
    unsigned char len8[8];
    if (size < 8) {
        fail(&c, "truncated: %llu bytes, fewer than the 8 of the header length",
             (unsigned long long)size);
        goto bad;
    }
    if (read_at(st->fd, len8, 8, 0)) {
        fail(&c, "cannot read: %s", errno ? strerror(errno) : "file shrank while open");
        goto bad;
    }
    uint64_t n;
    memcpy(&n, len8, 8);
    n = le64toh(n);
    if (n > ST_MAX_HEADER_BYTES) {
        fail(&c, "header length %llu exceeds the limit of %u bytes (not a safetensors file?)",
             (unsigned long long)n, ST_MAX_HEADER_BYTES);
        goto bad;
    }
    if (n > size - 8) {
        fail(&c, "header length %llu runs past the end of the file (%llu bytes; truncated?)",
             (unsigned long long)n, (unsigned long long)size);
        goto bad;
    }
    st->data_start = 8 + n;
    st->data_len = size - st->data_start;
    char *header = malloc((size_t)n + 1);
    if (!header) {
        fail(&c, "out of memory for a header of %llu bytes", (unsigned long long)n);
        goto bad;
    }
    if (read_at(st->fd, header, (size_t)n, 8)) {
        fail(&c, "cannot read the header: %s", errno ? strerror(errno) : "file shrank while open");
        free(header);
        goto bad;
    }
    header[n] = '\0';
    int rc = parse_header(&c, header, (size_t)n, st);
    free(header);
    if (rc == 0) return 0;
bad:
    safetensors_close(st);
    return -1;
}

void safetensors_close(SafeTensors *st) {
    if (st->fd >= 0) close(st->fd);
    for (size_t i = 0; st->tensors && i < st->count; i++) free(st->tensors[i].name);
    for (size_t i = 0; st->meta && i < st->meta_count; i++) {
        free(st->meta[i].key);
        free(st->meta[i].value);
    }
    free(st->tensors);
    free(st->by_name);
    free(st->meta);
    free(st->path);
    memset(st, 0, sizeof *st);
    st->fd = -1;
}

const StTensor *safetensors_find(const SafeTensors *st, const char *name) {
    size_t lo = 0, hi = st->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const StTensor *t = &st->tensors[st->by_name[mid]];
        int cmp = strcmp(t->name, name);
        if (cmp == 0) return t;
        if (cmp < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

const char *safetensors_meta(const SafeTensors *st, const char *key) {
    for (size_t i = 0; i < st->meta_count; i++)
        if (strcmp(st->meta[i].key, key) == 0) return st->meta[i].value;
    return NULL;
}

/* ---- tensors ------------------------------------------------------------------------------- */

#define CHUNK 8192 /* 16-bit elements converted per read */

int safetensors_read_f32(const SafeTensors *st, const StTensor *t, uint64_t first, uint64_t count,
                         float *out, char *err, size_t cap) {
    Ctx c = {st->path, err, cap};
    if (!safetensors_dtype_readable(t->dtype))
        return fail_tensor(&c, t->name,
                           "dtype %s cannot be read as float32 (F32, BF16 and F16 can)",
                           safetensors_dtype_name(t->dtype));
    if (first > t->elements || count > t->elements - first)
        return fail_tensor(&c, t->name, "elements [%llu, +%llu) are outside its %llu",
                           (unsigned long long)first, (unsigned long long)count,
                           (unsigned long long)t->elements);
    unsigned size = st_dtype_bits(t->dtype) / 8;
    uint64_t at = st->data_start + t->begin + first * size;
    int rc = 0;
    if (t->dtype == ST_F32) {
        rc = read_at(st->fd, out, (size_t)count * sizeof(float), at);
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
        for (uint64_t i = 0; rc == 0 && i < count; i++) {
            uint32_t u;
            memcpy(&u, &out[i], 4);
            u = le32toh(u);
            memcpy(&out[i], &u, 4);
        }
#endif
    } else {
        uint16_t buf[CHUNK];
        for (uint64_t done = 0; rc == 0 && done < count;) {
            size_t n = count - done < CHUNK ? (size_t)(count - done) : CHUNK;
            rc = read_at(st->fd, buf, n * 2, at + done * 2);
            for (size_t i = 0; rc == 0 && i < n; i++) {
                uint16_t b = le16toh(buf[i]);
                out[done + i] =
                    t->dtype == ST_BF16 ? safetensors_bf16_to_f32(b) : safetensors_f16_to_f32(b);
            }
            done += n;
        }
    }
    if (rc)
        return fail_tensor(&c, t->name, "cannot read its data: %s",
                           errno ? strerror(errno) : "the file shrank since it was opened");
    return 0;
}

/* Writing safetensors files: the header is built with cJSON (numbers as raw integers, so that
 * offsets beyond 2^31 print exactly), padded with spaces to 8 bytes as Hugging Face pads it;
 * the data streams out tensor by tensor through a temporary file that is renamed at the end. */
#include <cJSON.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "safetensors.h"
#include "safetensors_internal.h"
#include "util.h"

struct StWriter {
    char *path, *tmp;
    FILE *f;
    StSpec *specs; /* names not owned: only dtype and shape are used after begin */
    uint64_t *elements;
    size_t n, next;
    int failed;
    int created; /* tmp exists and is ours to remove */
};

__attribute__((format(printf, 4, 5))) static void fail(char *err, size_t cap, const char *path,
                                                       const char *fmt, ...) {
    if (!err || !cap) return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(err, cap, "%s: %s", path, msg);
}

static int by_name(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Names distinct and usable, dtypes writable, shapes within limits; fills elements. */
static int check_specs(const char *path, const StSpec *specs, size_t n, uint64_t *elements,
                       char *err, size_t cap) {
    const char **names = malloc((n ? n : 1) * sizeof *names);
    if (!names) {
        fail(err, cap, path, "out of memory");
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const StSpec *s = &specs[i];
        names[i] = s->name;
        char shown[160];
        safetensors_printable_name(s->name ? s->name : "", shown, sizeof shown);
        if (!s->name || strcmp(s->name, "__metadata__") == 0) {
            fail(err, cap, path, "tensor '%s': not a usable tensor name", shown);
            rc = -1;
        } else if (s->dtype != ST_F32 && s->dtype != ST_BF16) {
            fail(err, cap, path, "tensor '%s': dtype %s cannot be written (F32 and BF16 can)",
                 shown, safetensors_dtype_name(s->dtype));
            rc = -1;
        } else if (s->ndim < 0 || s->ndim > ST_MAX_DIMS) {
            fail(err, cap, path, "tensor '%s': %d dimensions, at most %d are supported", shown,
                 s->ndim, ST_MAX_DIMS);
            rc = -1;
        }
        elements[i] = 1;
        for (int d = 0; rc == 0 && d < s->ndim; d++) {
            if (s->shape[d] && elements[i] > (UINT64_MAX / 4) / s->shape[d]) {
                fail(err, cap, path, "tensor '%s': its element count overflows", shown);
                rc = -1;
            }
            elements[i] *= s->shape[d];
        }
    }
    if (rc == 0) {
        qsort(names, n, sizeof *names, by_name);
        for (size_t i = 1; rc == 0 && i < n; i++)
            if (strcmp(names[i], names[i - 1]) == 0) {
                char shown[160];
                safetensors_printable_name(names[i], shown, sizeof shown);
                fail(err, cap, path, "tensor '%s' is given twice", shown);
                rc = -1;
            }
    }
    free(names);
    return rc;
}

static int add_uint(cJSON *array, uint64_t v) {
    char text[24];
    snprintf(text, sizeof text, "%llu", (unsigned long long)v);
    cJSON *raw = cJSON_CreateRaw(text);
    return raw && cJSON_AddItemToArray(array, raw) ? 0 : -1;
}

/* The header's JSON text, padded with spaces to a multiple of 8 bytes; NULL when out of
 * memory. *len is its length. */
static char *header_text(const StSpec *specs, const uint64_t *elements, size_t n,
                         const StMeta *meta, size_t meta_count, size_t *len) {
    cJSON *root = cJSON_CreateObject();
    int ok = root != NULL;
    if (ok && meta_count) {
        cJSON *m = cJSON_AddObjectToObject(root, "__metadata__");
        for (size_t i = 0; ok && i < meta_count; i++)
            ok = m && cJSON_AddStringToObject(m, meta[i].key, meta[i].value) != NULL;
    }
    uint64_t at = 0;
    for (size_t i = 0; ok && i < n; i++) {
        const StSpec *s = &specs[i];
        uint64_t bytes = elements[i] * (st_dtype_bits(s->dtype) / 8);
        cJSON *t = cJSON_CreateObject();
        if (t && !cJSON_AddItemToObject(root, s->name, t)) {
            cJSON_Delete(t);
            t = NULL;
        }
        ok = t && cJSON_AddStringToObject(t, "dtype", safetensors_dtype_name(s->dtype));
        cJSON *shape = ok ? cJSON_AddArrayToObject(t, "shape") : NULL;
        for (int d = 0; shape && d < s->ndim; d++) ok = ok && add_uint(shape, s->shape[d]) == 0;
        cJSON *offsets = ok && shape ? cJSON_AddArrayToObject(t, "data_offsets") : NULL;
        ok = ok && offsets && add_uint(offsets, at) == 0 && add_uint(offsets, at + bytes) == 0;
        at += bytes;
    }
    char *json = ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!json) return NULL;
    size_t used = strlen(json), padded = (used + 7) / 8 * 8;
    char *out = malloc(padded + 1);
    if (out) {
        memcpy(out, json, used);
        memset(out + used, ' ', padded - used);
    }
    cJSON_free(json);
    if (!out) return NULL;
    out[padded] = '\0';
    *len = padded;
    return out;
}

/* Metadata keys distinct, keys and values present. */
static int check_meta(const char *path, const StMeta *meta, size_t n, char *err, size_t cap) {
    for (size_t i = 0; i < n; i++) {
        if (!meta[i].key || !meta[i].value) {
            fail(err, cap, path, "metadata entry %zu has no key or no value", i);
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(meta[i].key, meta[j].key) == 0) {
                char shown[160];
                safetensors_printable_name(meta[i].key, shown, sizeof shown);
                fail(err, cap, path, "metadata key \"%s\" is given twice", shown);
                return -1;
            }
    }
    return 0;
}

StWriter *safetensors_writer_begin(const char *path, const StSpec *specs, size_t n,
                                   const StMeta *meta, size_t meta_count, char *err, size_t cap) {
    if (fileguard_check_write(path, err, cap)) return NULL;
    StWriter *w = calloc(1, sizeof *w);
    size_t tmp_len = strlen(path) + 32;
    if (w) {
        w->path = strdup(path);
        w->tmp = malloc(tmp_len);
        w->specs = malloc((n ? n : 1) * sizeof *w->specs);
        w->elements = malloc((n ? n : 1) * sizeof *w->elements);
    }
    if (!w || !w->path || !w->tmp || !w->specs || !w->elements) {
        fail(err, cap, path, "out of memory");
        safetensors_writer_abort(w);
        return NULL;
    }
    w->n = n;
    if (n) memcpy(w->specs, specs, n * sizeof *specs);
    snprintf(w->tmp, tmp_len, "%s.tmp.%ld", path, (long)getpid());
    if (check_specs(path, specs, n, w->elements, err, cap) ||
        check_meta(path, meta, meta_count, err, cap)) {
        safetensors_writer_abort(w);
        return NULL;
    }
    size_t len = 0;
    char *header = header_text(specs, w->elements, n, meta, meta_count, &len);
    if (!header) {
        fail(err, cap, path, "out of memory for the header");
        safetensors_writer_abort(w);
        return NULL;
    }
    int fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    w->created = fd >= 0;
    w->f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!w->f) {
        fail(err, cap, path, "cannot create %s: %s", w->tmp, strerror(errno));
        if (fd >= 0) close(fd);
        free(header);
        safetensors_writer_abort(w);
        return NULL;
    }
    uint64_t len_le = htole64((uint64_t)len);
    if (fwrite(&len_le, 8, 1, w->f) != 1 || fwrite(header, 1, len, w->f) != len) {
        fail(err, cap, path, "cannot write %s: %s", w->tmp, strerror(errno));
        free(header);
        safetensors_writer_abort(w);
        return NULL;
    }
    free(header);
    return w;
}

#define CHUNK 8192

int safetensors_writer_put(StWriter *w, const float *values, char *err, size_t cap) {
    if (w->failed) {
        fail(err, cap, w->path, "an earlier write failed");
        return -1;
    }
    if (w->next >= w->n) {
        fail(err, cap, w->path, "more tensors than the %zu declared", w->n);
        w->failed = 1;
        return -1;
    }
    const StSpec *s = &w->specs[w->next];
    uint64_t count = w->elements[w->next];
    int ok = 1;
    if (s->dtype == ST_F32) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        ok = count == 0 || fwrite(values, sizeof(float), (size_t)count, w->f) == count;
#else
        for (uint64_t i = 0; ok && i < count; i++) {
            uint32_t u;
            memcpy(&u, &values[i], 4);
            u = htole32(u);
            ok = fwrite(&u, 4, 1, w->f) == 1;
        }
#endif
    } else {
        uint16_t buf[CHUNK];
        for (uint64_t done = 0; ok && done < count;) {
            size_t n = count - done < CHUNK ? (size_t)(count - done) : CHUNK;
            for (size_t i = 0; i < n; i++)
                buf[i] = htole16(safetensors_f32_to_bf16(values[done + i]));
            ok = fwrite(buf, 2, n, w->f) == n;
            done += n;
        }
    }
    if (!ok) {
        char shown[160];
        safetensors_printable_name(s->name, shown, sizeof shown);
        fail(err, cap, w->path, "cannot write tensor '%s' to %s: %s", shown, w->tmp,
             strerror(errno));
        w->failed = 1;
        return -1;
    }
    w->next++;
    return 0;
}

/* fsync of the directory holding path, so that the rename itself is durable. */
static void sync_parent_dir(const char *path) {
    char *dir = strdup(path);
    if (!dir) return;
    char *slash = strrchr(dir, '/');
    const char *name = dir;
    if (slash == dir) slash[1] = '\0';
    else if (slash) *slash = '\0';
    else name = ".";
    int fd = open(name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd); /* best effort: some filesystems refuse fsync on directories */
        close(fd);
    }
    free(dir);
}

int safetensors_writer_commit(StWriter *w, char *err, size_t cap) {
    int rc = 0, saved = 0;
    if (w->failed || w->next != w->n) {
        if (w->failed) fail(err, cap, w->path, "an earlier write failed");
        else fail(err, cap, w->path, "%zu of %zu tensors were written", w->next, w->n);
        safetensors_writer_abort(w);
        return -1;
    }
    if (fflush(w->f) != 0 || fsync(fileno(w->f)) != 0) rc = -1, saved = errno;
    if (fclose(w->f) != 0 && rc == 0) rc = -1, saved = errno;
    w->f = NULL;
    if (rc == 0 && rename(w->tmp, w->path) != 0) rc = -1, saved = errno;
    if (rc != 0) {
        fail(err, cap, w->path, "cannot write: %s", strerror(saved));
        safetensors_writer_abort(w);
        return -1;
    }
    sync_parent_dir(w->path);
    w->created = 0;
    safetensors_writer_abort(w);
    return 0;
}

void safetensors_writer_abort(StWriter *w) {
    if (!w) return;
    if (w->f) fclose(w->f);
    if (w->created) unlink(w->tmp);
    free(w->tmp);
    free(w->path);
    free(w->specs);
    free(w->elements);
    free(w);
}

#include "blob.h"

#include <stdlib.h>
#include <string.h>

void blob_put(BlobWriter *w, const void *p, size_t n) {
    if (w->failed) return;
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap < w->len + n) cap *= 2;
        unsigned char *d = realloc(w->data, cap);
        if (!d) {
            w->failed = 1;
            return;
        }
        w->data = d;
        w->cap = cap;
    }
    if (n) memcpy(w->data + w->len, p, n);
    w->len += n;
}

void blob_put_i32(BlobWriter *w, int32_t v) { blob_put(w, &v, sizeof v); }
void blob_put_u64(BlobWriter *w, uint64_t v) { blob_put(w, &v, sizeof v); }
void blob_put_f64(BlobWriter *w, double v) { blob_put(w, &v, sizeof v); }

void blob_put_bytes(BlobWriter *w, const void *p, size_t n) {
    blob_put_u64(w, n);
    blob_put(w, p, n);
}

void blob_get(BlobReader *r, void *p, size_t n) {
    if (r->failed || n > r->len - r->pos) {
        r->failed = 1;
        memset(p, 0, n);
        return;
    }
    memcpy(p, r->data + r->pos, n);
    r->pos += n;
}

int32_t blob_get_i32(BlobReader *r) {
    int32_t v;
    blob_get(r, &v, sizeof v);
    return v;
}

int32_t blob_get_i32_in(BlobReader *r, int32_t min, int32_t max) {
    int32_t v = blob_get_i32(r);
    if (v < min || v > max) {
        r->failed = 1;
        return min;
    }
    return v;
}

uint64_t blob_get_u64(BlobReader *r) {
    uint64_t v;
    blob_get(r, &v, sizeof v);
    return v;
}

double blob_get_f64(BlobReader *r) {
    double v;
    blob_get(r, &v, sizeof v);
    return v;
}

const void *blob_get_bytes(BlobReader *r, size_t max, size_t *n) {
    uint64_t len = blob_get_u64(r);
    if (r->failed || len > max || len > r->len - r->pos) {
        r->failed = 1;
        *n = 0;
        return NULL;
    }
    const void *p = r->data + r->pos;
    r->pos += (size_t)len;
    *n = (size_t)len;
    return p;
}

/* A byte buffer for the trainer's own state inside checkpoints: a writer that grows and a
 * reader that checks every bound, so a damaged blob is an error, never a wild read. */
#ifndef EXPOSURE_BLOB_H
#define EXPOSURE_BLOB_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    unsigned char *data;
    size_t len, cap;
    int failed; /* an allocation failed; everything after is dropped */
} BlobWriter;

void blob_put(BlobWriter *w, const void *p, size_t n);
void blob_put_i32(BlobWriter *w, int32_t v);
void blob_put_u64(BlobWriter *w, uint64_t v);
void blob_put_f64(BlobWriter *w, double v);
/* A length-prefixed byte string. */
void blob_put_bytes(BlobWriter *w, const void *p, size_t n);

typedef struct {
    const unsigned char *data;
    size_t len, pos;
    int failed; /* a read ran past the end or a value was out of range */
} BlobReader;

void blob_get(BlobReader *r, void *p, size_t n);
int32_t blob_get_i32(BlobReader *r);
/* An i32 that must lie in [min, max]; sets failed otherwise. */
int32_t blob_get_i32_in(BlobReader *r, int32_t min, int32_t max);
uint64_t blob_get_u64(BlobReader *r);
double blob_get_f64(BlobReader *r);
/* A length-prefixed byte string of at most max bytes: a pointer into the blob (NULL on
 * failure) and its length. */
const void *blob_get_bytes(BlobReader *r, size_t max, size_t *n);

#endif

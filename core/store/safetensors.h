/* safetensors files, Hugging Face's format for tensors (docs/models.md).
 *
 * Layout: a little-endian u64 N, N bytes of a JSON header, then the data buffer. The header
 * maps each tensor's name to {"dtype", "shape", "data_offsets": [begin, end]} (byte offsets
 * into the data buffer) and may hold "__metadata__", an object of strings.
 *
 * Opening a file checks everything the header says against the file before any tensor is
 * read: the header's length, UTF-8 and JSON, every entry's dtype, shape (no overflow) and
 * offsets, that each tensor's bytes match its dtype and shape, and that the tensors tile the
 * data buffer exactly (no overlap, no gap, nothing after the last one), as Hugging Face's own
 * reader requires. Every error names the file and, where there is one, the tensor.
 *
 * Writing produces what Hugging Face's writer produces for the same tensors and order: the
 * header padded with spaces to a multiple of 8 bytes, the data in the order given. The file
 * is written beside its destination and renamed into place, so a failed write never leaves
 * a partial file under the destination's name. */
#ifndef EXPOSURE_SAFETENSORS_H
#define EXPOSURE_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#define ST_MAX_DIMS 8
/* Hugging Face's reader refuses longer headers; so does this one. */
#define ST_MAX_HEADER_BYTES 100000000u

/* Every dtype of the format. F32, BF16 and F16 read as float32 (exactly); F32 and BF16 can
 * be written. The others are recognised, so that a file holding them is checked like any
 * other, but reading such a tensor is an error naming it and its dtype. */
typedef enum {
    ST_F32,
    ST_BF16,
    ST_F16,
    ST_F64,
    ST_F8_E5M2,
    ST_F8_E4M3,
    ST_F8_E8M0,
    ST_F6_E2M3,
    ST_F6_E3M2,
    ST_F4,
    ST_I64,
    ST_I32,
    ST_I16,
    ST_I8,
    ST_U64,
    ST_U32,
    ST_U16,
    ST_U8,
    ST_BOOL,
    ST_C64,
    ST_NUM_DTYPES
} StDtype;

/* "F32", "BF16", ... */
const char *safetensors_dtype_name(StDtype d);
/* 1 for F32, BF16 and F16. */
int safetensors_dtype_readable(StDtype d);

typedef struct {
    char *name;
    StDtype dtype;
    int ndim; /* 0 for a scalar */
    uint64_t shape[ST_MAX_DIMS];
    uint64_t elements;   /* product of the shape */
    uint64_t begin, end; /* byte offsets into the data buffer */
} StTensor;

typedef struct {
    char *key, *value;
} StMeta;

typedef struct {
    char *path;
    int fd;
    uint64_t data_start; /* 8 + N: where the data buffer begins in the file */
    uint64_t data_len;
    StTensor *tensors; /* in the order of their data */
    size_t count;
    size_t *by_name; /* indexes into tensors, sorted by name */
    StMeta *meta;    /* __metadata__, sorted by key */
    size_t meta_count;
} SafeTensors;

/* Opens and checks path. Returns 0, or -1 with a message naming the file (and the tensor)
 * in err; st is then empty and safetensors_close is harmless. */
int safetensors_open(SafeTensors *st, const char *path, char *err, size_t errcap);
void safetensors_close(SafeTensors *st);

/* The tensor called name, or NULL. */
const StTensor *safetensors_find(const SafeTensors *st, const char *name);
/* The value of a __metadata__ key, or NULL. */
const char *safetensors_meta(const SafeTensors *st, const char *key);

/* Reads elements [first, first + count) of t, in row-major order, into out as float32.
 * Returns 0, or -1 with a message naming the file and tensor (a dtype that cannot be read,
 * a range outside the tensor, a file that shrank since it was opened). */
int safetensors_read_f32(const SafeTensors *st, const StTensor *t, uint64_t first, uint64_t count,
                         float *out, char *err, size_t errcap);

/* The tensor's name made safe to print: bytes outside printable ASCII as \xNN, shortened
 * to fit cap (cap >= 8). A file's names are arbitrary bytes. */
void safetensors_printable_name(const char *name, char *out, size_t cap);

/* BF16 <-> float32. Widening is exact; narrowing is PyTorch's: round to nearest, ties to
 * even, overflow to infinity, every NaN to the quiet NaN 0x7fc0. */
float safetensors_bf16_to_f32(uint16_t b);
uint16_t safetensors_f32_to_bf16(float f);
/* IEEE half precision to float32, exactly (subnormals, infinities and NaN payloads too). */
float safetensors_f16_to_f32(uint16_t h);

/* ---- writing ---- */

typedef struct {
    const char *name;
    StDtype dtype; /* ST_F32 or ST_BF16 */
    int ndim;
    uint64_t shape[ST_MAX_DIMS];
} StSpec;

typedef struct StWriter StWriter;

/* Starts writing path: a temporary file beside it receives the header for the tensors of
 * specs (their data follows in this order) and meta as __metadata__ (keys in the order
 * given; NULL/0 for none). Names must be distinct and not "__metadata__". Refuses to
 * replace a run database. Returns the writer, or NULL with a message in err. */
StWriter *safetensors_writer_begin(const char *path, const StSpec *specs, size_t n,
                                   const StMeta *meta, size_t meta_count, char *err, size_t errcap);
/* The next tensor's values (its element count of floats), stored in its dtype. Returns 0 or
 * -1 with a message (the writer is then failed: only abort remains). */
int safetensors_writer_put(StWriter *w, const float *values, char *err, size_t errcap);
/* After the last put: flushes, syncs and renames the file into place. Frees w; on failure
 * (-1, message in err) removes the temporary file and leaves path as it was. */
int safetensors_writer_commit(StWriter *w, char *err, size_t errcap);
/* Removes the temporary file and frees w (NULL is harmless). */
void safetensors_writer_abort(StWriter *w);

#endif

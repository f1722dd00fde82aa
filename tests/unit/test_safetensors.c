/* safetensors files: Hugging Face's exact bytes, round trips, the dtype conversions, and
 * every kind of malformed file as an error that names the file and the problem. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "files.h"
#include "safetensors.h"
#include "store.h"

static char dir[] = "/tmp/exposure-st-XXXXXX";
static char path[512];

static void setup(void) {
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
}

static void teardown(void) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(safetensors, .init = setup, .fini = teardown);

/* Writes path: the 8-byte length of header, header, then data_len bytes 0, 1, 2, ... */
static void write_raw(const char *header, size_t header_len, size_t data_len) {
    size_t n = 8 + header_len + data_len;
    unsigned char *b = malloc(n);
    cr_assert_not_null(b);
    uint64_t len = header_len;
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(len >> (8 * i));
    memcpy(b + 8, header, header_len);
    for (size_t i = 0; i < data_len; i++) b[8 + header_len + i] = (unsigned char)i;
    write_file(path, b, n);
    free(b);
}

/* Opening path must fail with a message naming it and containing expect. */
static void expect_open_error(const char *what, const char *expect) {
    SafeTensors st;
    char err[1024] = "";
    cr_assert_eq(safetensors_open(&st, path, err, sizeof err), -1, "%s: opened", what);
    cr_assert(strstr(err, path) != NULL, "%s: error does not name the file: %s", what, err);
    cr_assert(strstr(err, expect) != NULL, "%s: expected \"%s\" in: %s", what, expect, err);
    cr_assert_eq(st.count, 0);
    cr_assert_eq(st.fd, -1);
    safetensors_close(&st); /* harmless on a failed open */
}

static void open_ok(SafeTensors *st) {
    char err[1024] = "";
    cr_assert_eq(safetensors_open(st, path, err, sizeof err), 0, "%s", err);
}

/* Writes tensors (all F32 unless dtypes says otherwise) through the writer. */
static int write_tensors(const char *to, const StSpec *specs, size_t n, const float *const *values,
                         const StMeta *meta, size_t meta_count, char *err, size_t cap) {
    StWriter *w = safetensors_writer_begin(to, specs, n, meta, meta_count, err, cap);
    if (!w) return -1;
    for (size_t i = 0; i < n; i++)
        if (safetensors_writer_put(w, values[i], err, cap)) {
            safetensors_writer_abort(w);
            return -1;
        }
    return safetensors_writer_commit(w, err, cap);
}

/* ---- the bytes Hugging Face writes ------------------------------------------------------- */

Test(safetensors, writes_hugging_face_bytes) {
    /* One F32 tensor: a 64-byte header needs no padding. */
    const float v[6] = {0, 1, 2, 3, 4, 5};
    const float *values[] = {v};
    StSpec spec = {.name = "attn.0", .dtype = ST_F32, .ndim = 3, .shape = {1, 2, 3}};
    char err[512];
    cr_assert_eq(write_tensors(path, &spec, 1, values, NULL, 0, err, sizeof err), 0, "%s", err);
    const char json[] =
        "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}";
    size_t len;
    char *got = read_file(path, &len);
    cr_assert_eq(len, 8 + 64 + 24);
    cr_assert_eq(memcmp(got, "\x40\0\0\0\0\0\0\0", 8), 0);
    cr_assert_eq(memcmp(got + 8, json, 64), 0);
    cr_assert_eq(memcmp(got + 72, v, 24), 0);
    free(got);

    /* No tensors, with and without metadata: padded with spaces to 8 bytes. */
    cr_assert_eq(write_tensors(path, NULL, 0, NULL, NULL, 0, err, sizeof err), 0, "%s", err);
    got = read_file(path, &len);
    cr_assert_eq(len, 16);
    cr_assert_eq(memcmp(got, "\x08\0\0\0\0\0\0\0{}      ", 16), 0);
    free(got);
    StMeta meta = {"framework", "pt"};
    cr_assert_eq(write_tensors(path, NULL, 0, NULL, &meta, 1, err, sizeof err), 0, "%s", err);
    got = read_file(path, &len);
    cr_assert_eq(len, 48);
    cr_assert_eq(
        memcmp(got, "\x28\0\0\0\0\0\0\0{\"__metadata__\":{\"framework\":\"pt\"}}     ", 48), 0);
    free(got);
}

Test(safetensors, round_trip_of_shapes_dtypes_and_metadata) {
    float a[24], b[5], s[1] = {-2.5f};
    for (int i = 0; i < 24; i++) a[i] = (float)(i * 0.37 - 3.1);
    for (int i = 0; i < 5; i++) b[i] = (float)(1.0 / (i + 3));
    StSpec specs[] = {
        {.name = "b.bf16", .dtype = ST_BF16, .ndim = 1, .shape = {5}},
        {.name = "a.cube", .dtype = ST_F32, .ndim = 3, .shape = {2, 3, 4}},
        {.name = "scalar", .dtype = ST_F32, .ndim = 0},
        {.name = "empty", .dtype = ST_F32, .ndim = 2, .shape = {0, 7}},
        {.name = "n\xc3\xa4me \"quoted\"\n", .dtype = ST_BF16, .ndim = 1, .shape = {1}},
    };
    const float *values[] = {b, a, s, NULL, s};
    StMeta meta[] = {{"zeta", "last"}, {"alpha", "first \"quoted\""}};
    char err[512];
    cr_assert_eq(write_tensors(path, specs, 5, values, meta, 2, err, sizeof err), 0, "%s", err);
    size_t len1, len2;
    char *first = read_file(path, &len1);
    cr_assert_eq(write_tensors(path, specs, 5, values, meta, 2, err, sizeof err), 0, "%s", err);
    char *second = read_file(path, &len2);
    cr_assert(len1 == len2 && memcmp(first, second, len1) == 0, "same input, different bytes");
    uint64_t n;
    memcpy(&n, first, 8);
    cr_assert_eq(n % 8, 0, "header of %llu bytes is not padded to 8", (unsigned long long)n);
    free(first);
    free(second);

    SafeTensors st;
    open_ok(&st);
    cr_assert_eq(st.count, 5);
    cr_assert_str_eq(safetensors_meta(&st, "alpha"), "first \"quoted\"");
    cr_assert_str_eq(safetensors_meta(&st, "zeta"), "last");
    cr_assert_null(safetensors_meta(&st, "beta"));
    cr_assert_null(safetensors_find(&st, "nothing"));
    /* Data order is the order given. */
    cr_assert_str_eq(st.tensors[0].name, "b.bf16");
    cr_assert_str_eq(st.tensors[1].name, "a.cube");

    const StTensor *t = safetensors_find(&st, "a.cube");
    cr_assert_not_null(t);
    cr_assert(t->dtype == ST_F32 && t->ndim == 3 && t->elements == 24);
    cr_assert(t->shape[0] == 2 && t->shape[1] == 3 && t->shape[2] == 4);
    float out[24];
    cr_assert_eq(safetensors_read_f32(&st, t, 0, 24, out, err, sizeof err), 0, "%s", err);
    cr_assert_eq(memcmp(out, a, sizeof a), 0);
    cr_assert_eq(safetensors_read_f32(&st, t, 10, 5, out, err, sizeof err), 0, "%s", err);
    cr_assert_eq(memcmp(out, a + 10, 5 * sizeof(float)), 0);
    cr_assert_eq(safetensors_read_f32(&st, t, 20, 5, out, err, sizeof err), -1);
    cr_assert(strstr(err, "a.cube") && strstr(err, "outside"), "%s", err);

    t = safetensors_find(&st, "b.bf16");
    cr_assert(t && t->dtype == ST_BF16 && t->end - t->begin == 10);
    cr_assert_eq(safetensors_read_f32(&st, t, 0, 5, out, err, sizeof err), 0, "%s", err);
    for (int i = 0; i < 5; i++)
        cr_assert_eq(out[i], safetensors_bf16_to_f32(safetensors_f32_to_bf16(b[i])));

    t = safetensors_find(&st, "scalar");
    cr_assert(t && t->ndim == 0 && t->elements == 1);
    cr_assert_eq(safetensors_read_f32(&st, t, 0, 1, out, err, sizeof err), 0, "%s", err);
    cr_assert_eq(out[0], -2.5f);
    t = safetensors_find(&st, "empty");
    cr_assert(t && t->elements == 0 && t->begin == t->end);
    cr_assert_not_null(safetensors_find(&st, "n\xc3\xa4me \"quoted\"\n"));
    safetensors_close(&st);
}

/* ---- conversions --------------------------------------------------------------------------- */

static float from_bits(uint32_t u) {
    float f;
    memcpy(&f, &u, 4);
    return f;
}

Test(safetensors, bf16_rounds_to_nearest_even) {
    static const struct {
        uint32_t in;
        uint16_t out;
    } cases[] = {
        {0x3f800000, 0x3f80},                       /* 1 */
        {0x3f808000, 0x3f80},                       /* halfway, even below: down */
        {0x3f818000, 0x3f82},                       /* halfway, odd below: up */
        {0x3f808001, 0x3f81},                       /* above halfway */
        {0x3f807fff, 0x3f80},                       /* below halfway */
        {0xbf818000, 0xbf82},                       /* negative: the same, mirrored */
        {0x7f7fffff, 0x7f80},                       /* the largest float rounds to infinity */
        {0x7f800000, 0x7f80}, {0xff800000, 0xff80}, /* infinities stay */
        {0x7fc00001, 0x7fc0}, {0xffffffff, 0x7fc0}, {0x7f800001, 0x7fc0}, /* NaNs, quiet */
        {0x00000001, 0x0000}, {0x00008000, 0x0000}, {0x00018000, 0x0002}, /* subnormals */
        {0x80000000, 0x8000},                                             /* -0 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        cr_assert_eq(safetensors_f32_to_bf16(from_bits(cases[i].in)), cases[i].out,
                     "0x%08x -> 0x%04x, expected 0x%04x", cases[i].in,
                     safetensors_f32_to_bf16(from_bits(cases[i].in)), cases[i].out);
    /* Widening is exact: every non-NaN bf16 survives a round trip. */
    for (uint32_t b = 0; b < 0x10000; b++) {
        float f = safetensors_bf16_to_f32((uint16_t)b);
        uint32_t u;
        memcpy(&u, &f, 4);
        cr_assert_eq(u, b << 16);
        if (!isnan(f)) cr_assert_eq(safetensors_f32_to_bf16(f), b);
    }
}

Test(safetensors, f16_widening_is_exact) {
    for (uint32_t h = 0; h < 0x10000; h++) {
        uint16_t bits = (uint16_t)h;
        _Float16 half;
        memcpy(&half, &bits, 2);
        float want = (float)half, got = safetensors_f16_to_f32(bits);
        if (isnan(want)) {
            cr_assert(isnan(got), "0x%04x", h);
        } else {
            cr_assert_eq(memcmp(&want, &got, 4), 0, "0x%04x: %g, expected %g", h, got, want);
        }
    }
}

Test(safetensors, f16_reads_and_other_dtypes_are_named) {
    /* 1.0, -2.0, 65504 (largest half), smallest subnormal */
    const char h[] = "{\"half\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,8]},"
                     "\"ids\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[8,16]}}";
    const unsigned char data[16] = {0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00};
    size_t hl = strlen(h);
    unsigned char *b = malloc(8 + hl + 16);
    cr_assert_not_null(b);
    memcpy(b, &(uint64_t){hl}, 8);
    memcpy(b + 8, h, hl);
    memcpy(b + 8 + hl, data, 16);
    write_file(path, b, 8 + hl + 16);
    free(b);
    SafeTensors st;
    open_ok(&st);
    float out[4];
    char err[512];
    cr_assert_eq(
        safetensors_read_f32(&st, safetensors_find(&st, "half"), 0, 4, out, err, sizeof err), 0);
    cr_assert(out[0] == 1.0f && out[1] == -2.0f && out[2] == 65504.0f &&
              out[3] == ldexpf(1.0f, -24));
    const StTensor *ids = safetensors_find(&st, "ids");
    cr_assert(ids && ids->dtype == ST_I32);
    cr_assert_eq(safetensors_read_f32(&st, ids, 0, 2, out, err, sizeof err), -1);
    cr_assert(strstr(err, path) && strstr(err, "tensor 'ids'") && strstr(err, "I32"), "%s", err);
    safetensors_close(&st);
}

/* ---- malformed files ----------------------------------------------------------------------- */

typedef struct {
    const char *what, *header;
    size_t data;
    const char *expect;
} Malformed;

#define F32X2(name, b, e)                                                                          \
    "\"" name "\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[" #b "," #e "]}"

static const Malformed malformed[] = {
    {"empty header", "", 0, "not valid JSON"},
    {"array", "[1, 2]", 0, "not a JSON object"},
    {"string", "\"x\"", 0, "not a JSON object"},
    {"cut JSON", "{\"a\": ", 0, "not valid JSON"},
    {"two values", "{} {}", 0, "more than one JSON value"},
    {"control byte", "{\"a\x01\": 1}", 0, "control byte 0x01"},
    {"NUL byte", "{}\0  ", 0, "control byte 0x00"},
    {"not UTF-8", "{\"\xff\": 1}", 0, "not valid UTF-8"},
    {"entry not an object", "{\"a\": 3}", 0, "tensor 'a': entry is not a JSON object"},
    {"no dtype", "{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
     "tensor 'a': entry has no \"dtype\""},
    {"no shape", "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4,
     "tensor 'a': entry has no \"shape\""},
    {"no offsets", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4,
     "tensor 'a': entry has no \"data_offsets\""},
    {"dtype a number", "{\"a\":{\"dtype\":5,\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
     "\"dtype\" is not a string"},
    {"unknown dtype", "{\"a\":{\"dtype\":\"F99\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
     "tensor 'a': unknown dtype \"F99\""},
    {"lower-case dtype", "{\"a\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
     "unknown dtype \"f32\""},
    {"shape not an array", "{\"a\":{\"dtype\":\"F32\",\"shape\":1,\"data_offsets\":[0,4]}}", 4,
     "tensor 'a': \"shape\" is not an array"},
    {"negative dimension", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4,
     "tensor 'a': shape dimension 0 is not an integer"},
    {"fractional dimension", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,1.5],\"data_offsets\":[0,4]}}",
     4, "shape dimension 1 is not an integer"},
    {"huge dimension", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1e300],\"data_offsets\":[0,4]}}", 4,
     "shape dimension 0 is not an integer"},
    {"string dimension", "{\"a\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,4]}}", 4,
     "shape dimension 0 is not an integer"},
    {"nine dimensions",
     "{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", 4,
     "9 dimensions, at most 8"},
    {"element count overflow",
     "{\"a\":{\"dtype\":\"U8\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}", 4,
     "tensor 'a': shape's element count overflows"},
    {"byte count overflow",
     "{\"a\":{\"dtype\":\"F64\",\"shape\":[1073741824,1073741824,64],\"data_offsets\":[0,4]}}", 4,
     "overflows 64 bits"},
    {"partial byte", "{\"a\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[0,1]}}", 1,
     "not a whole number of bytes"},
    {"offsets not a pair", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4,
     "tensor 'a': \"data_offsets\" is not a pair"},
    {"three offsets", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 4,
     "\"data_offsets\" is not a pair"},
    {"negative offset", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 4,
     "\"data_offsets\" is not a pair"},
    {"reversed offsets", "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}}", 4,
     "tensor 'a': data_offsets [4, 0] end before they begin"},
    {"offsets past the data", "{" F32X2("a", 0, 8) "}", 4,
     "tensor 'a': data_offsets [0, 8] run past the end of the data buffer (4 bytes"},
    {"wrong byte count", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4,
     "tensor 'a': data_offsets [0, 4] hold 4 bytes, but F32 [2] needs 8"},
    {"wrong byte count for bf16",
     "{\"a\":{\"dtype\":\"BF16\",\"shape\":[2,2],\"data_offsets\":[0,16]}}", 16,
     "hold 16 bytes, but BF16 [2, 2] needs 8"},
    {"overlap", "{" F32X2("a", 0, 8) "," F32X2("b", 4, 12) "}", 12,
     "tensor 'b': data_offsets [4, 12] overlap tensor 'a' [0, 8]"},
    {"same bytes twice", "{" F32X2("a", 0, 8) "," F32X2("b", 0, 8) "}", 8, "overlap tensor 'a'"},
    {"gap", "{" F32X2("a", 0, 8) "," F32X2("b", 12, 20) "}", 20,
     "bytes [8, 12) of the data buffer belong to no tensor"},
    {"first not at 0", "{" F32X2("a", 4, 12) "}", 12,
     "bytes [0, 4) of the data buffer belong to no tensor"},
    {"bytes after the last tensor", "{" F32X2("a", 0, 8) "}", 12,
     "4 bytes after the last tensor's data"},
    {"duplicate name", "{" F32X2("a", 0, 8) "," F32X2("a", 8, 16) "}", 16,
     "tensor 'a': appears twice"},
    {"metadata not an object", "{\"__metadata__\": [1]}", 0,
     "\"__metadata__\" is not a JSON object"},
    {"metadata value not a string", "{\"__metadata__\": {\"k\": 1}}", 0,
     "the value of \"k\" is not a string"},
    {"metadata twice", "{\"__metadata__\": {}, \"__metadata__\": {}}", 0,
     "\"__metadata__\" appears twice"},
    {"metadata key twice", "{\"__metadata__\": {\"k\": \"a\", \"k\": \"b\"}}", 0,
     "key \"k\" appears twice"},
    {"unprintable name", "{\"a\\n\\u001b[31m\": 3}", 0, "tensor 'a\\x0a\\x1b[31m': entry"},
};

Test(safetensors, malformed_headers_are_named_errors) {
    for (size_t i = 0; i < sizeof malformed / sizeof *malformed; i++) {
        const Malformed *m = &malformed[i];
        /* The NUL case needs its length given. */
        size_t len = strcmp(m->what, "NUL byte") == 0 ? 5 : strlen(m->header);
        write_raw(m->header, len, m->data);
        expect_open_error(m->what, m->expect);
    }
}

Test(safetensors, header_length_is_checked_against_the_file) {
    write_file(path, "", 0);
    expect_open_error("empty file", "truncated: 0 bytes, fewer than the 8");
    write_file(path, "\x02\0\0\0\0\0", 6);
    expect_open_error("6 bytes", "truncated: 6 bytes");
    write_file(path, "\x40\0\0\0\0\0\0\0{}", 10);
    expect_open_error("length past the end",
                      "header length 64 runs past the end of the file (10 bytes");
    write_file(path, "\x01\xe1\xf5\x05\0\0\0\0{}", 10);
    expect_open_error("length over the limit", "header length 100000001 exceeds the limit");
    write_file(path, "\xff\xff\xff\xff\xff\xff\xff\xff{}", 10);
    expect_open_error("length 2^64-1", "exceeds the limit");
    cr_assert_eq(safetensors_open(&(SafeTensors){0}, dir, (char[256]){0}, 256), -1);
    char err[512];
    SafeTensors st;
    cr_assert_eq(safetensors_open(&st, "/nonexistent/x.safetensors", err, sizeof err), -1);
    cr_assert(strstr(err, "/nonexistent/x.safetensors: cannot open"), "%s", err);
}

Test(safetensors, every_truncation_is_an_error) {
    float a[3] = {1, 2, 3}, b[2] = {4, 5};
    StSpec specs[] = {{.name = "a", .dtype = ST_F32, .ndim = 1, .shape = {3}},
                      {.name = "b", .dtype = ST_BF16, .ndim = 2, .shape = {1, 2}}};
    const float *values[] = {a, b};
    StMeta meta = {"format", "pt"};
    char err[1024];
    cr_assert_eq(write_tensors(path, specs, 2, values, &meta, 1, err, sizeof err), 0, "%s", err);
    size_t len;
    char *whole = read_file(path, &len);
    for (size_t cut = 0; cut < len; cut++) {
        write_file(path, whole, cut);
        char what[64];
        snprintf(what, sizeof what, "cut at %zu of %zu", cut, len);
        /* Inside the length, the header, or the data: each says which. */
        expect_open_error(what, cut < 8          ? "truncated"
                                : cut < len - 16 ? "header length"
                                                 : "tensor '");
    }
    write_file(path, whole, len);
    SafeTensors st;
    open_ok(&st);
    safetensors_close(&st);
    free(whole);
}

Test(safetensors, a_file_that_shrinks_while_open_is_an_error) {
    float a[1024];
    for (int i = 0; i < 1024; i++) a[i] = (float)i;
    StSpec spec = {.name = "a", .dtype = ST_F32, .ndim = 1, .shape = {1024}};
    const float *values[] = {a};
    char err[1024];
    cr_assert_eq(write_tensors(path, &spec, 1, values, NULL, 0, err, sizeof err), 0, "%s", err);
    SafeTensors st;
    open_ok(&st);
    cr_assert_eq(truncate(path, 100), 0);
    float out[1024];
    cr_assert_eq(safetensors_read_f32(&st, &st.tensors[0], 0, 1024, out, err, sizeof err), -1);
    cr_assert(strstr(err, path) && strstr(err, "tensor 'a'") && strstr(err, "shrank"), "%s", err);
    safetensors_close(&st);
}

/* ---- writing safely ------------------------------------------------------------------------ */

/* Names in dir other than keep (NULL: any). */
static int other_files(const char *keep) {
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && (!keep || strcmp(e->d_name, keep)))
            n++;
    closedir(d);
    return n;
}

Test(safetensors, a_failed_write_leaves_the_old_file) {
    write_file(path, "old", 3);
    /* The file size limit makes the write fail part-way, as a full disk would. */
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim = {.rlim_cur = 64 * 1024, .rlim_max = RLIM_INFINITY};
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    size_t n = 1 << 20;
    float *big = calloc(n, sizeof *big);
    cr_assert_not_null(big);
    StSpec spec = {.name = "big", .dtype = ST_F32, .ndim = 1, .shape = {n}};
    const float *values[] = {big};
    char err[1024] = "";
    cr_assert_eq(write_tensors(path, &spec, 1, values, NULL, 0, err, sizeof err), -1);
    cr_assert(strstr(err, path) != NULL, "%s", err);
    free(big);
    size_t len;
    char *got = read_file(path, &len);
    cr_assert(len == 3 && memcmp(got, "old", 3) == 0, "the old file was damaged");
    free(got);
    cr_assert_eq(other_files("model.safetensors"), 0, "a temporary file was left behind");
}

Test(safetensors, writer_refuses_bad_input_and_leaves_nothing) {
    char err[512];
    StSpec twice[] = {{.name = "a", .dtype = ST_F32, .ndim = 1, .shape = {1}},
                      {.name = "a", .dtype = ST_F32, .ndim = 1, .shape = {1}}};
    cr_assert_null(safetensors_writer_begin(path, twice, 2, NULL, 0, err, sizeof err));
    cr_assert(strstr(err, "tensor 'a' is given twice"), "%s", err);
    StSpec meta_name = {.name = "__metadata__", .dtype = ST_F32, .ndim = 0};
    cr_assert_null(safetensors_writer_begin(path, &meta_name, 1, NULL, 0, err, sizeof err));
    cr_assert(strstr(err, "not a usable tensor name"), "%s", err);
    StSpec f16 = {.name = "h", .dtype = ST_F16, .ndim = 0};
    cr_assert_null(safetensors_writer_begin(path, &f16, 1, NULL, 0, err, sizeof err));
    cr_assert(strstr(err, "dtype F16 cannot be written"), "%s", err);
    StMeta meta[] = {{"format", "pt"}, {"note", "x"}, {"format", "np"}};
    cr_assert_null(safetensors_writer_begin(path, twice, 1, meta, 3, err, sizeof err));
    cr_assert(strstr(err, "metadata key \"format\" is given twice"), "%s", err);
    cr_assert_eq(other_files(NULL), 0);

    /* Too few tensors: nothing is committed. */
    float one = 1;
    StWriter *w = safetensors_writer_begin(path, twice, 1, NULL, 0, err, sizeof err);
    cr_assert_not_null(w, "%s", err);
    cr_assert_eq(safetensors_writer_commit(w, err, sizeof err), -1);
    cr_assert(strstr(err, "0 of 1 tensors were written"), "%s", err);
    cr_assert_eq(other_files(NULL), 0);
    /* Too many. */
    w = safetensors_writer_begin(path, twice, 1, NULL, 0, err, sizeof err);
    cr_assert_not_null(w, "%s", err);
    cr_assert_eq(safetensors_writer_put(w, &one, err, sizeof err), 0);
    cr_assert_eq(safetensors_writer_put(w, &one, err, sizeof err), -1);
    cr_assert(strstr(err, "more tensors than the 1 declared"), "%s", err);
    safetensors_writer_abort(w);
    cr_assert_eq(other_files(NULL), 0);
    /* Into a directory that does not exist. */
    char missing[600];
    snprintf(missing, sizeof missing, "%s/no/such/dir/x.safetensors", dir);
    cr_assert_null(safetensors_writer_begin(missing, twice, 1, NULL, 0, err, sizeof err));
    cr_assert(strstr(err, missing) && strstr(err, "cannot create"), "%s", err);
}

Test(safetensors, the_run_database_is_neither_read_nor_replaced) {
    char db[600], err[1024];
    snprintf(db, sizeof db, "%s/runs.db", dir);
    Store *s = NULL;
    cr_assert_eq(store_open(db, &s, err, sizeof err), 0, "%s", err);
    SafeTensors st;
    cr_assert_eq(safetensors_open(&st, db, err, sizeof err), -1);
    cr_assert(strstr(err, db) && strstr(err, "run database"), "%s", err);
    StSpec spec = {.name = "a", .dtype = ST_F32, .ndim = 0};
    cr_assert_null(safetensors_writer_begin(db, &spec, 1, NULL, 0, err, sizeof err));
    cr_assert(strstr(err, db) && strstr(err, "SQLite database"), "%s", err);
    store_close(s);
    /* Closed, it is still a database: never replaced by an export. */
    cr_assert_null(safetensors_writer_begin(db, &spec, 1, NULL, 0, err, sizeof err));
    cr_assert(strstr(err, "not overwritten"), "%s", err);
}

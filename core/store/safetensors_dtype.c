/* The format's dtypes, the conversions to and from float32, and printable tensor names. */
#include <stdio.h>
#include <string.h>

#include "safetensors.h"
#include "safetensors_internal.h"

static const struct {
    const char *name;
    unsigned bits;
} dtypes[ST_NUM_DTYPES] = {
    [ST_F32] = {"F32", 32},        [ST_BF16] = {"BF16", 16},      [ST_F16] = {"F16", 16},
    [ST_F64] = {"F64", 64},        [ST_F8_E5M2] = {"F8_E5M2", 8}, [ST_F8_E4M3] = {"F8_E4M3", 8},
    [ST_F8_E8M0] = {"F8_E8M0", 8}, [ST_F6_E2M3] = {"F6_E2M3", 6}, [ST_F6_E3M2] = {"F6_E3M2", 6},
    [ST_F4] = {"F4", 4},           [ST_I64] = {"I64", 64},        [ST_I32] = {"I32", 32},
    [ST_I16] = {"I16", 16},        [ST_I8] = {"I8", 8},           [ST_U64] = {"U64", 64},
    [ST_U32] = {"U32", 32},        [ST_U16] = {"U16", 16},        [ST_U8] = {"U8", 8},
    [ST_BOOL] = {"BOOL", 8},       [ST_C64] = {"C64", 64},
};

const char *safetensors_dtype_name(StDtype d) {
    return (unsigned)d < ST_NUM_DTYPES ? dtypes[d].name : "?";
}

int safetensors_dtype_readable(StDtype d) { return d == ST_F32 || d == ST_BF16 || d == ST_F16; }

unsigned st_dtype_bits(StDtype d) { return (unsigned)d < ST_NUM_DTYPES ? dtypes[d].bits : 0; }

int st_dtype_parse(const char *name, StDtype *d) {
    for (int i = 0; i < ST_NUM_DTYPES; i++)
        if (strcmp(name, dtypes[i].name) == 0) {
            *d = (StDtype)i;
            return 0;
        }
    return -1;
}

static uint32_t f32_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float bits_f32(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

float safetensors_bf16_to_f32(uint16_t b) { return bits_f32((uint32_t)b << 16); }

uint16_t safetensors_f32_to_bf16(float f) {
    uint32_t u = f32_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return 0x7fc0u; /* every NaN, as PyTorch does */
    /* Adding 0x7fff plus the lowest kept bit rounds to nearest with ties to even; a carry
     * out of the mantissa correctly moves up an exponent (or to infinity). */
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

float safetensors_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu, man = h & 0x3ffu;
    if (exp == 0x1f) return bits_f32(sign | 0x7f800000u | man << 13); /* inf, NaN */
    if (exp != 0) return bits_f32(sign | (exp + 112) << 23 | man << 13);
    if (man == 0) return bits_f32(sign); /* zero */
    /* Subnormal: shift the mantissa up to an implicit leading one. */
    int e = 113;
    while (!(man & 0x400u)) {
        man <<= 1;
        e--;
    }
    return bits_f32(sign | (uint32_t)e << 23 | (man & 0x3ffu) << 13);
}

void safetensors_printable_name(const char *name, char *out, size_t cap) {
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        char piece[5];
        if (*p >= 0x20 && *p < 0x7f && *p != '\\') snprintf(piece, sizeof piece, "%c", *p);
        else snprintf(piece, sizeof piece, "\\x%02x", *p);
        size_t n = strlen(piece);
        if (o + n + 4 > cap) { /* room for "..." and the NUL */
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        memcpy(out + o, piece, n);
        o += n;
    }
    out[o] = '\0';
}

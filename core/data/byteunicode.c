#include "byteunicode.h"

/* The bytes GPT-2 keeps as themselves: printable, and neither a space nor a soft hyphen. */
static int stands_for_itself(unsigned b) {
    return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

/* The k-th byte (in byte order) that does not stand for itself is U+0100 + k. */
static const unsigned char remapped[68] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D,
    0x0E, 0x0F, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x1B,
    0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x7F, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
    0x88, 0x89, 0x8A, 0x8B, 0x8C, 0x8D, 0x8E, 0x8F, 0x90, 0x91, 0x92, 0x93, 0x94, 0x95,
    0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xAD,
};

unsigned byteunicode_char(unsigned char b) {
    if (stands_for_itself(b)) return b;
    /* Bytes below 0x21 come first, then 0x7F-0xA0, then 0xAD. */
    if (b <= 0x20) return 0x100 + b;
    if (b <= 0xA0) return 0x100 + 33 + (b - 0x7F);
    return 0x100 + 67;
}

size_t byteunicode_encode(const void *bytes, size_t n, char *out) {
    const unsigned char *p = bytes;
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = byteunicode_char(p[i]);
        if (c < 0x80) {
            out[len++] = (char)c;
        } else {
            out[len++] = (char)(0xC0 | (c >> 6));
            out[len++] = (char)(0x80 | (c & 0x3F));
        }
    }
    out[len] = '\0';
    return len;
}

long byteunicode_decode(const char *s, size_t n, unsigned char *out) {
    const unsigned char *u = (const unsigned char *)s;
    size_t len = 0;
    for (size_t i = 0; i < n;) {
        unsigned c;
        if (u[i] < 0x80) {
            c = u[i++];
        } else if (u[i] >= 0xC2 && u[i] <= 0xC5 && i + 1 < n && (u[i + 1] & 0xC0) == 0x80) {
            c = ((unsigned)(u[i] & 0x1F) << 6) | (u[i + 1] & 0x3F);
            i += 2;
        } else {
            return -1;
        }
        if (c < 0x100) {
            if (!stands_for_itself(c)) return -1;
            out[len++] = (unsigned char)c;
        } else if (c < 0x100 + sizeof remapped) {
            out[len++] = remapped[c - 0x100];
        } else {
            return -1;
        }
    }
    return (long)len;
}

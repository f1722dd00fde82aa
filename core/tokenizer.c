#include "tokenizer.h"

#include <stdio.h>
#include <string.h>

static const char *const special_names[TOK_COUNT - 256] = {
    "<bos>", "<sep>", "<eos>", "<corr>", "<pad>",
};

size_t tok_encode(const void *bytes, size_t n, token_t *ids) {
    const unsigned char *b = bytes;
    for (size_t i = 0; i < n; i++) ids[i] = b[i];
    return n;
}

size_t tok_decode(const token_t *ids, size_t n, char *out) {
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        if (ids[i] >= 0 && ids[i] < 256) out[len++] = (char)(unsigned char)ids[i];
    return len;
}

int tok_is_valid(token_t id) { return id >= 0 && id < TOK_COUNT; }

const char *tok_special_name(token_t id) {
    return id >= 256 && id < TOK_COUNT ? special_names[id - 256] : NULL;
}

/* Length of the well-formed UTF-8 sequence of two bytes or more starting at ids[i]
 * (all ids bytes), or 0 when there is none. Overlongs, surrogates and code points
 * past U+10FFFF are not well-formed (RFC 3629). */
static size_t utf8_multibyte_len(const token_t *ids, size_t i, size_t n) {
    int b0 = ids[i];
    size_t len;
    int lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (b0 >= 0xC2 && b0 <= 0xDF) len = 2;
    else if (b0 >= 0xE0 && b0 <= 0xEF) {
        len = 3;
        if (b0 == 0xE0) lo = 0xA0;
        if (b0 == 0xED) hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        len = 4;
        if (b0 == 0xF0) lo = 0x90;
        if (b0 == 0xF4) hi = 0x8F;
    } else return 0;
    if (i + len > n) return 0;
    for (size_t k = 1; k < len; k++) {
        int b = ids[i + k];
        int klo = k == 1 ? lo : 0x80, khi = k == 1 ? hi : 0xBF;
        if (b < klo || b > khi) return 0;
    }
    return len;
}

/* Appends s[0..len) to out as far as it fits, always keeping room for the NUL. */
static void append(char *out, size_t cap, size_t *pos, const char *s, size_t len) {
    for (size_t k = 0; k < len; k++, (*pos)++)
        if (*pos + 1 < cap) out[*pos] = s[k];
}

size_t tok_render(const token_t *ids, size_t n, char *out, size_t cap) {
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        token_t id = ids[i];
        const char *name = tok_special_name(id);
        if (name) {
            append(out, cap, &pos, name, strlen(name));
        } else if (id < 0 || id >= 256) {
            append(out, cap, &pos, "<?>", 3);
        } else if (id == '\n') {
            append(out, cap, &pos, "\\n", 2);
        } else if (id == '\t') {
            append(out, cap, &pos, "\\t", 2);
        } else if (id >= 0x20 && id < 0x7F) {
            char c = (char)id;
            append(out, cap, &pos, &c, 1);
        } else {
            size_t len = utf8_multibyte_len(ids, i, n);
            if (len) {
                char seq[4];
                for (size_t k = 0; k < len; k++) seq[k] = (char)(unsigned char)ids[i + k];
                append(out, cap, &pos, seq, len);
                i += len - 1;
            } else {
                char hex[5];
                snprintf(hex, sizeof hex, "\\x%02X", (unsigned)id);
                append(out, cap, &pos, hex, 4);
            }
        }
    }
    if (cap > 0) out[pos < cap ? pos : cap - 1] = '\0';
    return pos;
}

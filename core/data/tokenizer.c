#include "tokenizer.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

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
 * (all of them bytes), or 0 when there is none. */
static size_t utf8_multibyte_len(const token_t *ids, size_t i, size_t n) {
    unsigned char bytes[4];
    size_t avail = 0;
    for (; avail < 4 && i + avail < n && ids[i + avail] >= 0 && ids[i + avail] < 256; avail++)
        bytes[avail] = (unsigned char)ids[i + avail];
    size_t len = utf8_sequence_length(bytes, avail);
    return len >= 2 ? len : 0;
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

size_t tok_to_text(const token_t *ids, size_t n, char *out) {
    size_t len = 0, i = 0;
    while (i < n) {
        /* A run of bytes is sanitized as a whole so that multi-byte characters survive. */
        size_t run = 0;
        while (i + run < n && ids[i + run] >= 0 && ids[i + run] < 256) run++;
        if (run) {
            unsigned char bytes[256];
            for (size_t done = 0; done < run;) {
                size_t chunk = run - done < sizeof bytes ? run - done : sizeof bytes;
                /* Never cut a chunk inside a character: step back over continuation bytes. */
                if (done + chunk < run)
                    while (chunk > 4 && (ids[i + done + chunk] & 0xC0) == 0x80) chunk--;
                for (size_t k = 0; k < chunk; k++) bytes[k] = (unsigned char)ids[i + done + k];
                len += utf8_sanitize(bytes, chunk, out + len);
                done += chunk;
            }
            i += run;
            continue;
        }
        const char *name = tok_special_name(ids[i]);
        if (!name) name = "<?>";
        size_t nl = strlen(name);
        memcpy(out + len, name, nl);
        len += nl;
        i++;
    }
    out[len] = '\0';
    return len;
}

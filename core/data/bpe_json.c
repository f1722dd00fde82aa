/* exposure's own vocabulary files (docs/tokenizers.md):
 *   {"format": "exposure-bpe", "version": 1, "pre_tokenizer": "gpt2", "end_of_text": null,
 *    "vocab": {"!": 33, ...}, "merges": ["Ġ t", ...]}
 * Token names spell each byte as GPT-2's stand-in character (byteunicode.h), as GPT-2's own
 * encoder.json and vocab.bpe do; merges are in rank order, each "left right". */
#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpe_internal.h"
#include "byteunicode.h"
#include "util.h"
#include "wholefile.h"

#define FORMAT "exposure-bpe"
#define VERSION 1
#define PRE_TOKENIZER "gpt2"
#define JSON_MAX_FILE (256u << 20)

/* ---- writing ------------------------------------------------------------------------------- */

/* Writes the name of token id inside a JSON string. Stand-in characters are all printable
 * and none is a space: only the quote and the backslash need escaping. */
static int put_name(FILE *f, const Bpe *b, token_t id) {
    const unsigned char *bytes = b->bytes + b->offset[id];
    for (size_t k = 0; k < b->length[id]; k++) {
        char c[3];
        size_t n = byteunicode_encode(bytes + k, 1, c);
        if ((c[0] == '"' || c[0] == '\\') && fputc('\\', f) == EOF) return -1;
        if (fwrite(c, 1, n, f) != n) return -1;
    }
    return 0;
}

static int write_body(FILE *f, const Bpe *b) {
    if (fprintf(f, "{\n  \"format\": \"%s\",\n  \"version\": %d,\n  \"pre_tokenizer\": \"%s\",\n",
                FORMAT, VERSION, PRE_TOKENIZER) < 0)
        return -1;
    if (b->end_of_text < 0) {
        if (fputs("  \"end_of_text\": null,\n", f) < 0) return -1;
    } else if (fputs("  \"end_of_text\": \"", f) < 0 || put_name(f, b, b->end_of_text) ||
               fputs("\",\n", f) < 0) {
        return -1;
    }
    if (fputs("  \"vocab\": {", f) < 0) return -1;
    for (size_t id = 0; id < b->n_tokens; id++) {
        if (fputs(id ? ",\n    \"" : "\n    \"", f) < 0 || put_name(f, b, (token_t)id) ||
            fprintf(f, "\": %zu", id) < 0)
            return -1;
    }
    if (fputs("\n  },\n  \"merges\": [", f) < 0) return -1;
    for (size_t r = 0; r < b->n_merges; r++) {
        if (fputs(r ? ",\n    \"" : "\n    \"", f) < 0 || put_name(f, b, b->merges[r][0]) ||
            fputc(' ', f) == EOF || put_name(f, b, b->merges[r][1]) || fputc('"', f) == EOF)
            return -1;
    }
    return fputs(b->n_merges ? "\n  ]\n}\n" : "]\n}\n", f) < 0 ? -1 : 0;
}

int bpe_save_json(const Bpe *b, const char *path, char *err, size_t errcap) {
    if (fileguard_check_write(path, err, errcap)) return -1;
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp) {
        snprintf(err, errcap, "%s: path too long", path);
        return -1;
    }
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        snprintf(err, errcap, "%s: cannot create: %s", tmp, strerror(errno));
        return -1;
    }
    errno = 0;
    int rc = write_body(f, b), saved = errno;
    if (rc == 0 && fflush(f) != 0) rc = -1, saved = errno;
    if (rc == 0 && fsync(fileno(f)) != 0) rc = -1, saved = errno;
    if (fclose(f) != 0 && rc == 0) rc = -1, saved = errno;
    if (rc == 0 && rename(tmp, path) != 0) rc = -1, saved = errno;
    if (rc != 0) {
        unlink(tmp);
        snprintf(err, errcap, "%s: cannot write: %s", path,
                 saved ? strerror(saved) : "write error");
        return -1;
    }
    return 0;
}

/* ---- reading ------------------------------------------------------------------------------- */

/* The token named by s[0..n), or -1 (with why set) when s is not a byte-level name or not in
 * the vocabulary. */
static token_t named(const Bpe *b, const char *s, size_t n, const char **why) {
    unsigned char small[256], *bytes = n <= sizeof small ? small : malloc(n);
    if (!bytes) {
        *why = "out of memory";
        return -1;
    }
    long len = byteunicode_decode(s, n, bytes);
    token_t id = len > 0 ? bpe_find_token(b, bytes, (size_t)len) : -1;
    if (bytes != small) free(bytes);
    *why = len > 0 ? "is not in \"vocab\"" : "is not a byte-level token name";
    return id;
}

static int check_header(const cJSON *root, const char *path, char *err, size_t cap) {
    static const char *const known[] = {"format",      "version", "pre_tokenizer",
                                        "end_of_text", "vocab",   "merges"};
    const cJSON *item;
    cJSON_ArrayForEach(item, root) {
        size_t k = 0;
        while (k < sizeof known / sizeof known[0] && strcmp(item->string, known[k])) k++;
        if (k == sizeof known / sizeof known[0]) {
            snprintf(err, cap, "%s: \"%.100s\": unknown key", path, item->string);
            return -1;
        }
    }
    const char *format = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "format"));
    if (!format || strcmp(format, FORMAT)) {
        snprintf(err, cap, "%s: \"format\": must be \"%s\"", path, FORMAT);
        return -1;
    }
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(root, "version");
    if (!cJSON_IsNumber(version) || version->valuedouble != VERSION) {
        snprintf(err, cap, "%s: \"version\": must be %d (the version this program reads)", path,
                 VERSION);
        return -1;
    }
    const char *pre = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "pre_tokenizer"));
    if (!pre || strcmp(pre, PRE_TOKENIZER)) {
        snprintf(err, cap, "%s: \"pre_tokenizer\": must be \"%s\"", path, PRE_TOKENIZER);
        return -1;
    }
    return 0;
}

static Bpe *read_vocab(const cJSON *vocab, const char *path, char *err, size_t cap) {
    int count = cJSON_IsObject(vocab) ? cJSON_GetArraySize(vocab) : 0;
    if (count <= 0) {
        snprintf(err, cap, "%s: \"vocab\": must be an object of token names and ids", path);
        return NULL;
    }
    Bpe *b = bpe_alloc((size_t)count);
    if (!b) {
        snprintf(err, cap, "%s: out of memory", path);
        return NULL;
    }
    const cJSON *item;
    cJSON_ArrayForEach(item, vocab) {
        const char *key = item->string;
        double v = cJSON_GetNumberValue(item);
        if (!cJSON_IsNumber(item) || !(v >= 0 && v < count) || v != (double)(int)v) {
            snprintf(err, cap, "%s: \"vocab\": \"%.100s\": the id must be an integer from 0 to %d",
                     path, key, count - 1);
            goto fail;
        }
        size_t n = strlen(key);
        unsigned char *bytes = malloc(n ? n : 1);
        if (!bytes) {
            snprintf(err, cap, "%s: out of memory", path);
            goto fail;
        }
        long len = byteunicode_decode(key, n, bytes);
        token_t id = (token_t)v, other;
        int rc = len > 0 ? bpe_set_token(b, id, bytes, (size_t)len, &other) : 1;
        free(bytes);
        if (rc == 1)
            snprintf(err, cap, "%s: \"vocab\": \"%.100s\": not a byte-level token name", path, key);
        if (rc == -1) snprintf(err, cap, "%s: \"vocab\": id %d is given twice", path, id);
        if (rc == -2)
            snprintf(err, cap, "%s: \"vocab\": \"%.100s\": the same bytes as id %d", path, key,
                     other);
        if (rc == -3) snprintf(err, cap, "%s: out of memory", path);
        if (rc) goto fail;
    }
    return b;
fail:
    bpe_free(b);
    return NULL;
}

static int read_merges(Bpe *b, const cJSON *merges, const char *path, char *err, size_t cap) {
    if (!cJSON_IsArray(merges)) {
        snprintf(err, cap, "%s: \"merges\": must be an array of \"left right\" strings", path);
        return -1;
    }
    int index = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, merges) {
        const char *s = cJSON_GetStringValue(item), *space = s ? strchr(s, ' ') : NULL;
        if (!space || space == s || !space[1] || strchr(space + 1, ' ')) {
            snprintf(err, cap, "%s: \"merges\"[%d]: must be a string \"left right\"", path, index);
            return -1;
        }
        const char *why;
        token_t left = named(b, s, (size_t)(space - s), &why);
        if (left < 0) {
            snprintf(err, cap, "%s: \"merges\"[%d]: \"%.*s\" %s", path, index, (int)(space - s), s,
                     why);
            return -1;
        }
        token_t right = named(b, space + 1, strlen(space + 1), &why);
        if (right < 0) {
            snprintf(err, cap, "%s: \"merges\"[%d]: \"%.100s\" %s", path, index, space + 1, why);
            return -1;
        }
        int rc = bpe_add_merge(b, left, right);
        if (rc == -2)
            snprintf(err, cap, "%s: \"merges\"[%d]: \"%.100s\" joined is not in \"vocab\"", path,
                     index, s);
        if (rc == -3)
            snprintf(err, cap, "%s: \"merges\"[%d]: \"%.100s\" is merged twice", path, index, s);
        if (rc == -1 || rc == -4) snprintf(err, cap, "%s: out of memory", path);
        if (rc) return -1;
        index++;
    }
    return 0;
}

Bpe *bpe_load_json(const char *path, char *err, size_t errcap) {
    size_t len;
    char *text = wholefile_read(path, JSON_MAX_FILE, &len, err, errcap);
    if (!text) return NULL;
    Bpe *b = bpe_load_json_text(text, len, path, err, errcap);
    free(text);
    return b;
}

Bpe *bpe_load_json_text(const char *text, size_t len, const char *path, char *err, size_t errcap) {
    cJSON *root = cJSON_ParseWithLength(text, len);
    Bpe *b = NULL;
    if (!cJSON_IsObject(root)) {
        snprintf(err, errcap, "%s: not a JSON object (a vocabulary file is one)", path);
        goto done;
    }
    if (check_header(root, path, err, errcap)) goto done;
    b = read_vocab(cJSON_GetObjectItemCaseSensitive(root, "vocab"), path, err, errcap);
    if (!b) goto done;
    token_t end_of_text = -1;
    const cJSON *eot = cJSON_GetObjectItemCaseSensitive(root, "end_of_text");
    if (eot && !cJSON_IsNull(eot)) {
        const char *why = "must be null or a token name";
        const char *name = cJSON_GetStringValue(eot);
        if (name) end_of_text = named(b, name, strlen(name), &why);
        if (end_of_text < 0) {
            snprintf(err, errcap, "%s: \"end_of_text\": %s", path, why);
            goto fail;
        }
    }
    if (read_merges(b, cJSON_GetObjectItemCaseSensitive(root, "merges"), path, err, errcap))
        goto fail;
    char why[256];
    if (bpe_finish(b, end_of_text, why, sizeof why)) {
        snprintf(err, errcap, "%s: \"vocab\": %s", path, why);
        goto fail;
    }
    goto done;
fail:
    bpe_free(b);
    b = NULL;
done:
    cJSON_Delete(root);
    return b;
}

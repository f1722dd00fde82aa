#include "dsinfo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int by_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static LenStats stats(int *v, int n) {
    if (n == 0) return (LenStats){0, 0, 0};
    qsort(v, (size_t)n, sizeof *v, by_int);
    return (LenStats){v[0], v[(n - 1) / 2], v[n - 1]};
}

/* Tokens of text in v (bytes for the byte-level vocabulary); -1 on failure. */
static int count(Vocab *v, const char *text, token_t *ids) {
    size_t n = strlen(text), got = n;
    char why[8];
    if (!vocab_is_byte(v) && vocab_encode(v, text, n, ids, &got, why, sizeof why)) return -1;
    return (int)got;
}

/* Fills every length statistic; returns -1 when out of memory. */
static int measure(DsInfo *d, Vocab *voc) {
    int n = d->ds.n;
    int *v = malloc((size_t)(n > 0 ? n : 1) * sizeof *v);
    if (!v) return -1;
    const Example *ex = d->ds.ex;
    for (int i = 0; i < n; i++) v[i] = (int)utf8_codepoints(ex[i].prompt, strlen(ex[i].prompt));
    d->prompt_chars = stats(v, n);
    for (int i = 0; i < n; i++) v[i] = (int)utf8_codepoints(ex[i].response, strlen(ex[i].response));
    d->response_chars = stats(v, n);
    size_t longest = 1;
    for (int i = 0; i < n; i++) {
        size_t p = strlen(ex[i].prompt), r = strlen(ex[i].response);
        longest = p > longest ? p : longest;
        longest = r > longest ? r : longest;
    }
    token_t *ids = malloc(longest * sizeof *ids);
    if (!ids) {
        free(v);
        return -1;
    }
    for (int i = 0; i < n; i++) v[i] = count(voc, ex[i].prompt, ids);
    d->prompt_tokens = stats(v, n);
    for (int i = 0; i < n; i++) v[i] = count(voc, ex[i].response, ids);
    d->response_tokens = stats(v, n);
    free(ids);
    d->too_long = 0;
    for (int i = 0; i < n; i++) {
        v[i] = example_tokens(&ex[i]);
        d->too_long += v[i] - 1 > d->context;
    }
    d->seq_tokens = stats(v, n);
    free(v);
    return 0;
}

int dsinfo_load(DsInfo *d, const char *path, Layout layout, int keep_calc, int context,
                const char *tokenizer) {
    memset(d, 0, sizeof *d);
    snprintf(d->path, sizeof d->path, "%s", path);
    snprintf(d->tokenizer, sizeof d->tokenizer, "%s", tokenizer);
    d->context = context;
    LoadOptions lo = {.layout = layout, .keep_calc = keep_calc};
    if (dataset_load(path, &lo, &d->ds, d->err, sizeof d->err)) return -1;
    d->detected = layout == LAYOUT_AUTO;
    Vocab *v = vocab_open(tokenizer, d->err, sizeof d->err);
    if (!v) {
        dataset_free(&d->ds);
        return -1;
    }
    snprintf(d->vocab, sizeof d->vocab, "%s", vocab_describe(v));
    int rc = vocab_measure(v, &d->ds, d->err, sizeof d->err);
    if (rc == 0 && measure(d, v)) {
        snprintf(d->err, sizeof d->err, "%s: out of memory", path);
        rc = -1;
    }
    vocab_free(v);
    if (rc) {
        dataset_free(&d->ds);
        return -1;
    }
    d->ok = 1;
    return 0;
}

void dsinfo_free(DsInfo *d) {
    if (d->ok) dataset_free(&d->ds);
    d->ok = 0;
}

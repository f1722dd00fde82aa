#include "flatcfg.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    FlatEntry *e;
    int n, cap, failed;
} Builder;

static void add(Builder *b, const char *key, const cJSON *value) {
    if (b->failed) return;
    if (b->n == b->cap) {
        int cap = b->cap ? b->cap * 2 : 64;
        FlatEntry *e = realloc(b->e, (size_t)cap * sizeof *e);
        if (!e) {
            b->failed = 1;
            return;
        }
        b->e = e;
        b->cap = cap;
    }
    char *k = strdup(key), *v = cJSON_PrintUnformatted(value);
    if (!k || !v) {
        free(k);
        free(v);
        b->failed = 1;
        return;
    }
    b->e[b->n++] = (FlatEntry){k, v};
}

static void walk(Builder *b, const cJSON *obj, const char *prefix) {
    const cJSON *item;
    cJSON_ArrayForEach(item, obj) {
        char key[512];
        snprintf(key, sizeof key, "%s%s%s", prefix, *prefix ? "." : "", item->string);
        if (cJSON_IsObject(item)) walk(b, item, key);
        else add(b, key, item);
    }
}

static int by_key(const void *a, const void *b) {
    return strcmp(((const FlatEntry *)a)->key, ((const FlatEntry *)b)->key);
}

int flatcfg_parse(const char *json, FlatConfig *out) {
    out->e = NULL;
    out->n = 0;
    cJSON *root = json ? cJSON_Parse(json) : NULL;
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return -1;
    }
    Builder b = {0};
    walk(&b, root, "");
    cJSON_Delete(root);
    out->e = b.e;
    out->n = b.n;
    if (b.failed) {
        flatcfg_free(out);
        return -1;
    }
    if (out->n > 1) qsort(out->e, (size_t)out->n, sizeof *out->e, by_key);
    return 0;
}

void flatcfg_free(FlatConfig *f) {
    for (int i = 0; i < f->n; i++) {
        free(f->e[i].key);
        free(f->e[i].value);
    }
    free(f->e);
    f->e = NULL;
    f->n = 0;
}

const char *flatcfg_get(const FlatConfig *f, const char *key) {
    FlatEntry probe = {(char *)key, NULL};
    const FlatEntry *hit = f->n ? bsearch(&probe, f->e, (size_t)f->n, sizeof *f->e, by_key) : NULL;
    return hit ? hit->value : NULL;
}

static int differs(const FlatConfig *cfgs, int n, const char *key) {
    const char *first = flatcfg_get(&cfgs[0], key);
    for (int i = 1; i < n; i++) {
        const char *v = flatcfg_get(&cfgs[i], key);
        if (!first || !v ? first != v : strcmp(first, v) != 0) return 1;
    }
    return 0;
}

static int by_string(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int flatcfg_diff(const FlatConfig *cfgs, int n, const char ***keys) {
    int total = 0;
    for (int i = 0; i < n; i++) total += cfgs[i].n;
    const char **out = malloc((size_t)(total > 0 ? total : 1) * sizeof *out);
    *keys = out;
    if (!out) return -1;
    int count = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < cfgs[i].n; j++) {
            const char *key = cfgs[i].e[j].key;
            int seen = 0;
            for (int k = 0; k < count && !seen; k++) seen = strcmp(out[k], key) == 0;
            if (!seen && differs(cfgs, n, key)) out[count++] = key;
        }
    qsort(out, (size_t)count, sizeof *out, by_string);
    return count;
}

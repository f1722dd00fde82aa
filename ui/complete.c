#include "complete.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

/* Directory entries considered at most: completion stays quick in huge directories. */
enum { MAX_CANDIDATES = 4096 };

static int by_name(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static size_t common_prefix(const char *a, const char *b) {
    size_t i = 0;
    while (a[i] && a[i] == b[i]) i++;
    return i;
}

/* Fills c and the common extension from sorted candidate names. */
static void collect(char **names, int n, Completions *c, size_t *lcp) {
    qsort(names, (size_t)n, sizeof *names, by_name);
    c->n = n;
    c->shown = n < COMPLETE_SHOWN ? n : COMPLETE_SHOWN;
    for (int i = 0; i < c->shown; i++) snprintf(c->names[i], sizeof c->names[i], "%s", names[i]);
    *lcp = n ? strlen(names[0]) : 0;
    for (int i = 1; i < n; i++) {
        size_t p = common_prefix(names[0], names[i]);
        if (p < *lcp) *lcp = p;
    }
}

int complete_word(const char *typed, const char *const *words, int n_words, char *out, size_t cap,
                  Completions *c) {
    memset(c, 0, sizeof *c);
    snprintf(out, cap, "%s", typed);
    char **match = malloc((size_t)(n_words > 0 ? n_words : 1) * sizeof *match);
    if (!match) return 0;
    int n = 0;
    size_t tl = strlen(typed);
    for (int i = 0; i < n_words; i++)
        if (strncmp(words[i], typed, tl) == 0) match[n++] = (char *)words[i];
    size_t lcp;
    collect(match, n, c, &lcp);
    if (n > 0) snprintf(out, cap, "%.*s", (int)lcp, match[0]);
    free(match);
    return n;
}

static int is_directory(const char *dir, const char *name) {
    char path[LIMIT_PATH_BYTES];
    struct stat st;
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) return 0;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int complete_path(const char *typed, char *out, size_t cap, Completions *c) {
    memset(c, 0, sizeof *c);
    char expanded[LIMIT_PATH_BYTES];
    const char *home = getenv("HOME");
    if (strncmp(typed, "~/", 2) == 0 && home)
        snprintf(expanded, sizeof expanded, "%s/%s", home, typed + 2);
    else snprintf(expanded, sizeof expanded, "%s", typed);
    snprintf(out, cap, "%s", expanded);
    const char *slash = strrchr(expanded, '/');
    char dir[LIMIT_PATH_BYTES];
    const char *prefix = slash ? slash + 1 : expanded;
    size_t dir_len = slash ? (size_t)(slash - expanded) + 1 : 0;
    if (!slash) snprintf(dir, sizeof dir, ".");
    else if (slash == expanded) snprintf(dir, sizeof dir, "/");
    else snprintf(dir, sizeof dir, "%.*s", (int)(slash - expanded), expanded);
    DIR *d = opendir(dir);
    if (!d) return 0;
    char **names = malloc(MAX_CANDIDATES * sizeof *names);
    int n = 0;
    size_t pl = strlen(prefix);
    struct dirent *e;
    while (names && n < MAX_CANDIDATES && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (e->d_name[0] == '.' && prefix[0] != '.') continue;
        if (strncmp(e->d_name, prefix, pl) != 0) continue;
        size_t len = strlen(e->d_name);
        char *name = malloc(len + 2);
        if (!name) break;
        memcpy(name, e->d_name, len + 1);
        if (is_directory(dir, name)) memcpy(name + len, "/", 2);
        names[n++] = name;
    }
    closedir(d);
    if (!names) return 0;
    size_t lcp;
    collect(names, n, c, &lcp);
    if (n > 0) snprintf(out, cap, "%.*s%.*s", (int)dir_len, expanded, (int)lcp, names[0]);
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
    return n;
}

#include "paths.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int path_dirname(const char *path, char *out, size_t cap) {
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/') len--; /* "a/b/" is b's path */
    while (len > 0 && path[len - 1] != '/') len--;
    while (len > 1 && path[len - 1] == '/') len--;
    int n = len == 0 ? snprintf(out, cap, ".") : snprintf(out, cap, "%.*s", (int)len, path);
    return n >= 0 && (size_t)n < cap ? 0 : -1;
}

/* Appends text to out (used bytes in *len); -1 when it does not fit. */
static int append(char *out, size_t cap, size_t *len, const char *text, size_t n) {
    if (*len + n + 1 > cap) return -1;
    memcpy(out + *len, text, n);
    *len += n;
    out[*len] = '\0';
    return 0;
}

int path_relative(const char *from_dir, const char *to, char *out, size_t cap) {
    char from[PATH_MAX], dest[PATH_MAX];
    if (!realpath(from_dir, from) || !realpath(to, dest)) return -1;
    /* The longest common run of whole components: "/a/bc" and "/a/b" share "/a" only. */
    size_t common = 0;
    for (size_t i = 0;; i++) {
        int from_end = from[i] == '\0' || from[i] == '/',
            dest_end = dest[i] == '\0' || dest[i] == '/';
        if (from_end && dest_end) common = i;
        if (from[i] != dest[i] || from[i] == '\0') break;
    }
    size_t len = 0;
    if (cap) out[0] = '\0';
    /* One ".." for each component of from past the common part. */
    for (const char *p = from + common; *p; p++)
        if (*p == '/' && p[1] &&
            (len ? append(out, cap, &len, "/..", 3) : append(out, cap, &len, "..", 2)))
            goto too_long;
    const char *rest = dest + common;
    while (*rest == '/') rest++;
    if (*rest &&
        ((len && append(out, cap, &len, "/", 1)) || append(out, cap, &len, rest, strlen(rest))))
        goto too_long;
    if (len == 0 && append(out, cap, &len, ".", 1)) goto too_long;
    return 0;
too_long:
    errno = ENAMETOOLONG;
    return -1;
}

#include "mkdirs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "limit.h"

static int make_one(const char *dir, mode_t mode, char *failed, size_t cap) {
    if (mkdir(dir, mode) == 0 || errno == EEXIST) return 0;
    int saved = errno;
    if (failed && cap) snprintf(failed, cap, "%s", dir);
    errno = saved;
    return -1;
}

int mkdirs(const char *dir, mode_t mode, char *failed, size_t cap) {
    char path[LIMIT_PATH_BYTES];
    if ((size_t)snprintf(path, sizeof path, "%s", dir) >= sizeof path) {
        if (failed && cap) snprintf(failed, cap, "%s", dir);
        errno = ENAMETOOLONG;
        return -1;
    }
    /* Each parent in turn: cutting the path at every '/' after the first character. */
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        int rc = make_one(path, mode, failed, cap);
        *p = '/';
        if (rc) return -1;
    }
    return make_one(path, mode, failed, cap);
}

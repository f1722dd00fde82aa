#include "wholefile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

char *wholefile_read(const char *path, size_t max, size_t *len, char *err, size_t errcap) {
    if (fileguard_check_read(path, err, errcap)) return NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errcap, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errcap, "%s: not a regular file", path);
        fclose(f);
        return NULL;
    }
    if ((unsigned long long)st.st_size > max) {
        snprintf(err, errcap, "%s: larger than %zu bytes", path, max);
        fclose(f);
        return NULL;
    }
    size_t size = (size_t)st.st_size;
    char *bytes = malloc(size + 1);
    if (!bytes) {
        snprintf(err, errcap, "%s: out of memory", path);
        fclose(f);
        return NULL;
    }
    errno = 0;
    size_t got = fread(bytes, 1, size, f);
    int failed = ferror(f) || got != size, saved = errno;
    fclose(f);
    if (failed) {
        snprintf(err, errcap, "%s: read error: %s", path, saved ? strerror(saved) : "short read");
        free(bytes);
        return NULL;
    }
    bytes[size] = '\0';
    *len = size;
    return bytes;
}

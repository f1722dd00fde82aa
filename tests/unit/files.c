#include "files.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    cr_assert_geq(n, 0);
    rewind(f);
    char *bytes = malloc((size_t)n + 1);
    cr_assert_not_null(bytes);
    cr_assert_eq(fread(bytes, 1, (size_t)n, f), (size_t)n, "cannot read %s", path);
    cr_assert_eq(fclose(f), 0);
    bytes[n] = '\0';
    if (len) *len = (size_t)n;
    return bytes;
}

void write_file(const char *path, const void *bytes, size_t n) {
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot create %s", path);
    cr_assert_eq(fwrite(bytes, 1, n, f), n, "cannot write %s", path);
    cr_assert_eq(fclose(f), 0);
}

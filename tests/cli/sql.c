#include "sql.h"

#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static sqlite3_stmt *first_row(const char *db, const char *sql, sqlite3 **h) {
    cr_assert_eq(sqlite3_open_v2(db, h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK, "%s", db);
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(*h, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql,
                 sqlite3_errmsg(*h));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "no row: %s", sql);
    return st;
}

double sql_double(const char *db, const char *sql) {
    sqlite3 *h;
    sqlite3_stmt *st = first_row(db, sql, &h);
    double v = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return v;
}

const char *sql_text(const char *db, const char *sql, char *out, size_t cap) {
    sqlite3 *h;
    sqlite3_stmt *st = first_row(db, sql, &h);
    const unsigned char *text = sqlite3_column_text(st, 0);
    snprintf(out, cap, "%s", text ? (const char *)text : "");
    sqlite3_finalize(st);
    sqlite3_close(h);
    return out;
}

void sql_exec(const char *db, const char *sql) {
    sqlite3 *h;
    cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK, "%s", db);
    char *err = NULL;
    cr_assert_eq(sqlite3_exec(h, sql, NULL, NULL, &err), SQLITE_OK, "%s", err ? err : sql);
    sqlite3_close(h);
}

char *file_bytes(const char *path, size_t *len) {
    struct stat st;
    *len = 0;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    cr_assert_geq(size, 0);
    rewind(f);
    char *data = malloc((size_t)size + 1);
    cr_assert_not_null(data);
    cr_assert_eq(fread(data, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    *len = (size_t)size;
    return data;
}

void write_file(const char *path, const void *bytes, size_t n) {
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fwrite(bytes, 1, n, f), n);
    cr_assert_eq(fclose(f), 0);
}

void assert_file_is(const char *path, const char *bytes, size_t n) {
    size_t len;
    char *now = file_bytes(path, &len);
    cr_assert_not_null(now, "%s is gone", path);
    cr_assert(len == n && memcmp(now, bytes, n) == 0, "%s changed (%zu bytes, was %zu)", path, len,
              n);
    free(now);
}

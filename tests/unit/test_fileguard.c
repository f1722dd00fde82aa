#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "dataset.h"
#include "fileguard.h"
#include "store.h"

static char dir[] = "/tmp/exposure-guard-XXXXXX";
static char db[512], text[512];

static void setup(void) {
    cr_assert_not_null(mkdtemp(dir));
    snprintf(db, sizeof db, "%s/runs.db", dir);
    snprintf(text, sizeof text, "%s/data.jsonl", dir);
    FILE *f = fopen(text, "w");
    cr_assert_not_null(f);
    fputs("{\"prompt\": \"a\", \"response\": \"b\"}\n", f);
    cr_assert_eq(fclose(f), 0);
}

static void teardown(void) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(fileguard, .init = setup, .fini = teardown);

static Store *open_store(void) {
    Store *s = NULL;
    char err[1024];
    cr_assert_eq(store_open(db, &s, err, sizeof err), 0, "%s", err);
    return s;
}

Test(fileguard, an_open_store_is_not_read_as_data_or_config) {
    Store *s = open_store();
    char err[1024] = "";
    Dataset d;
    LoadOptions opt = {0};
    cr_assert_eq(dataset_load(db, &opt, &d, err, sizeof err), -1);
    cr_assert(strstr(err, db) && strstr(err, "run database"), "%s", err);
    Config c;
    config_defaults(&c);
    err[0] = '\0';
    cr_assert_eq(config_load_file(&c, db, err, sizeof err), -1);
    cr_assert(strstr(err, db) && strstr(err, "run database"), "%s", err);
    /* Other files are read as usual. */
    cr_assert_eq(dataset_load(text, &opt, &d, err, sizeof err), 0, "%s", err);
    cr_assert_eq(d.n, 1);
    dataset_free(&d);
    store_close(s);
}

Test(fileguard, holds_are_counted_and_released) {
    Store *a = open_store(), *b = open_store();
    char err[1024];
    store_close(a);
    cr_assert_eq(fileguard_check_read(db, err, sizeof err), -1, "b still holds the file");
    store_close(b);
    cr_assert_eq(fileguard_check_read(db, err, sizeof err), 0, "nobody holds it now");
}

Test(fileguard, a_database_is_never_overwritten) {
    char err[1024];
    Store *s = open_store();
    cr_assert_eq(fileguard_check_write(db, err, sizeof err), -1);
    store_close(s);
    /* Closed, or another process's: still an SQLite file. */
    cr_assert_eq(fileguard_check_write(db, err, sizeof err), -1);
    cr_assert(strstr(err, db) && strstr(err, "not overwritten"), "%s", err);
    cr_assert_eq(fileguard_check_write(text, err, sizeof err), 0, "a text file may be replaced");
    char missing[600];
    snprintf(missing, sizeof missing, "%s/new.svg", dir);
    cr_assert_eq(fileguard_check_write(missing, err, sizeof err), 0);
}

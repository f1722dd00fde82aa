/* A live config change is recorded as an event of the run whose detail is a JSON object
 * {"key","from","to"}, for every value a live key can take (a piecewise schedule's points
 * included). */
#include <cJSON.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "trainer.h"

static char dir[] = "/tmp/exposure-events-XXXXXX";

static void teardown(void) {
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(trainer_events, .fini = teardown, .timeout = 120);

Test(trainer_events, a_live_change_is_an_event_with_a_json_detail) {
    cr_assert_not_null(mkdtemp(dir));
    char db[300], data[300], err[1024];
    snprintf(db, sizeof db, "%s/runs.db", dir);
    snprintf(data, sizeof data, "data.train=%s/data.jsonl", dir);
    FILE *f = fopen(data + strlen("data.train="), "w");
    cr_assert_not_null(f);
    for (int i = 0; i < 12; i++)
        fprintf(f, "{\"prompt\":\"%d+%d=\",\"response\":\"%d\"}\n", i, i, 2 * i);
    cr_assert_eq(fclose(f), 0);
    Config cfg;
    config_defaults(&cfg);
    const char *sets[] = {"model.layers=1",
                          "model.dim=16",
                          "model.heads=2",
                          "model.context=32",
                          "train.steps=100000",
                          "train.batch=2",
                          "train.threads=1",
                          "method.name=bash",
                          "method.schedule.kind=piecewise",
                          data};
    for (size_t i = 0; i < sizeof sets / sizeof *sets; i++)
        cr_assert_eq(config_set(&cfg, sets[i], err, sizeof err), 0, "%s", err);
    TrainerOptions opt = {.db_path = db};
    Trainer *t;
    cr_assert_eq(trainer_start(&cfg, &opt, &t, err, sizeof err), 0, "%s", err);
    cr_assert_eq(trainer_set(t, "method.schedule.points=[[0,0],[5,0.5]]", err, sizeof err), 0, "%s",
                 err);
    TrainerEvent ev;
    int applied = 0;
    while (!applied) {
        cr_assert(trainer_wait_event(t, &ev, 60000), "the run stopped reporting");
        applied = ev.kind == EV_NOTE && strstr(ev.text, "method.schedule.points") != NULL;
    }
    trainer_stop(t);
    do cr_assert(trainer_wait_event(t, &ev, 60000), "the run stopped reporting");
    while (ev.kind != EV_DONE);
    trainer_free(t);

    Store *s;
    cr_assert_eq(store_open(db, &s, err, sizeof err), 0, "%s", err);
    EventRow *rows;
    int n, found = 0;
    cr_assert_eq(store_events(s, 1, &rows, &n), 0);
    for (int i = 0; i < n; i++) {
        if (strcmp(rows[i].kind, "schedule") == 0) {
            cJSON *o = cJSON_Parse(rows[i].detail_json);
            cr_assert_not_null(o, "not JSON: %s", rows[i].detail_json);
            cr_assert_str_eq(cJSON_GetObjectItem(o, "key")->valuestring, "method.schedule.points");
            cr_assert_str_eq(cJSON_GetObjectItem(o, "from")->valuestring,
                             "[[0,0],[1000,0.25],[3000,0.5]]");
            cr_assert_str_eq(cJSON_GetObjectItem(o, "to")->valuestring, "[[0,0],[5,0.5]]");
            cJSON_Delete(o);
            found++;
        }
        event_row_free(&rows[i]);
    }
    free(rows);
    store_close(s);
    cr_assert_eq(found, 1);
}

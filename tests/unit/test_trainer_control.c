/* The trainer's control API on a tiny model: a live change applies from the next step, a
 * pause holds the run and a resume continues it, a stop ends it "stopped" with a checkpoint,
 * and a reader that never reads loses the oldest events, counted, without holding the
 * training up. `make tsan` also runs these under ThreadSanitizer: the controlling thread and
 * the training thread share the snapshot, the event queue and the pending changes. A live
 * change is also recorded in the run store, as an event whose detail is a JSON object
 * {"key","from","to"}, for every value a live key can take (a piecewise schedule's points
 * included). */
#include <cJSON.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"
#include "trainer.h"

#define DIR_TEMPLATE "/tmp/exposure-control-XXXXXX"
static char dir[] = DIR_TEMPLATE;
static char db[300]; /* the run store of the test's run */

static void teardown(void) {
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(trainer_control, .fini = teardown, .timeout = 120);

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A run of a one-block model of 16 channels on 12 examples, with `sets` on top. */
static Trainer *start(const char *const *sets, int n_sets, int event_capacity) {
    memcpy(dir, DIR_TEMPLATE, sizeof dir); /* the tests may run one after another in a process */
    cr_assert_not_null(mkdtemp(dir));
    char data[300], err[1024];
    snprintf(db, sizeof db, "%s/runs.db", dir);
    snprintf(data, sizeof data, "data.train=%s/data.jsonl", dir);
    FILE *f = fopen(data + strlen("data.train="), "w");
    cr_assert_not_null(f);
    for (int i = 0; i < 12; i++)
        fprintf(f, "{\"prompt\":\"%d+%d=\",\"response\":\"%d\"}\n", i, i, 2 * i);
    cr_assert_eq(fclose(f), 0);
    Config cfg;
    config_defaults(&cfg);
    const char *tiny[] = {"model.layers=1",          "model.dim=16",
                          "model.heads=2",           "model.context=32",
                          "train.batch=2",           "train.eval_every=0",
                          "train.eval_samples=2",    "train.checkpoint_every=0",
                          "decode.max_new_tokens=4", data};
    for (size_t i = 0; i < sizeof tiny / sizeof *tiny; i++)
        cr_assert_eq(config_set(&cfg, tiny[i], err, sizeof err), 0, "%s", err);
    for (int i = 0; i < n_sets; i++)
        cr_assert_eq(config_set(&cfg, sets[i], err, sizeof err), 0, "%s", err);
    TrainerOptions opt = {.db_path = db, .event_capacity = event_capacity};
    Trainer *t;
    cr_assert_eq(trainer_start(&cfg, &opt, &t, err, sizeof err), 0, "%s", err);
    return t;
}

/* The next event of `kind` (others are skipped). */
static TrainerEvent next_of(Trainer *t, TrainerEventKind kind) {
    TrainerEvent ev;
    do cr_assert(trainer_wait_event(t, &ev, 60000), "the run stopped reporting");
    while (ev.kind != kind);
    return ev;
}

/* Waits (up to a minute) until the run is in `phase`. */
static TrainerSnapshot wait_phase(Trainer *t, TrainerPhase phase) {
    TrainerSnapshot s;
    for (int i = 0; i < 6000; i++) {
        trainer_snapshot(t, &s);
        if (s.phase == phase) return s;
        sleep_ms(10);
    }
    cr_assert_fail("the run never reached phase %d (it is in %d)", phase, s.phase);
    return s;
}

Test(trainer_control, a_live_change_applies_from_the_next_step) {
    const char *sets[] = {"train.steps=100000", "method.name=bash", "method.schedule.kind=constant",
                          "method.schedule.value=0"};
    Trainer *t = start(sets, 4, 0);
    char err[256];
    TrainerEvent ev = next_of(t, EV_STEP);
    cr_assert_eq(ev.st.omega, 0.0f);
    cr_assert_eq(trainer_set(t, "model.dim=32", err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "cannot change while a run trains"), "%s", err);
    cr_assert_eq(trainer_set(t, "method.schedule.value=2", err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "method.schedule.value"), "%s", err);
    cr_assert_eq(trainer_set(t, "method.schedule.value=1", err, sizeof err), 0, "%s", err);

    int applied_after = -1;
    while (applied_after < 0) {
        cr_assert(trainer_wait_event(t, &ev, 60000), "the run stopped reporting");
        if (ev.kind == EV_STEP)
            cr_assert_eq(ev.st.omega, 0.0f, "step %d before the change", ev.step);
        if (ev.kind == EV_NOTE && strstr(ev.text, "method.schedule.value: 0 -> 1"))
            applied_after = ev.step;
    }
    ev = next_of(t, EV_STEP);
    cr_assert_eq(ev.step, applied_after + 1, "the change applies from the next step");
    cr_assert_eq(ev.st.omega, 1.0f);
    TrainerSnapshot s;
    trainer_snapshot(t, &s);
    cr_assert_eq(s.config.method.schedule.value, 1.0f);
    trainer_free(t);
}

Test(trainer_control, a_live_change_is_a_run_event_with_a_json_detail) {
    const char *sets[] = {"train.steps=100000", "method.name=bash",
                          "method.schedule.kind=piecewise"};
    Trainer *t = start(sets, 3, 0);
    char err[256];
    cr_assert_eq(trainer_set(t, "method.schedule.points=[[0,0],[5,0.5]]", err, sizeof err), 0, "%s",
                 err);
    TrainerEvent ev;
    do ev = next_of(t, EV_NOTE);
    while (!strstr(ev.text, "method.schedule.points"));
    trainer_stop(t);
    next_of(t, EV_DONE);
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

Test(trainer_control, a_pause_holds_the_run_and_a_resume_continues_it) {
    const char *sets[] = {"train.steps=100000", "train.threads=2"};
    Trainer *t = start(sets, 2, 0);
    next_of(t, EV_STEP);
    trainer_pause(t);
    TrainerSnapshot held = wait_phase(t, PHASE_PAUSED);
    sleep_ms(300);
    TrainerSnapshot later;
    trainer_snapshot(t, &later);
    cr_assert_eq(later.phase, PHASE_PAUSED);
    cr_assert_eq(later.step, held.step, "no step while paused");
    TrainerEvent ev;
    while (trainer_poll_event(t, &ev))
        cr_assert(ev.kind != EV_STEP || ev.step <= held.step, "step %d while paused", ev.step);

    trainer_resume(t);
    ev = next_of(t, EV_STEP);
    cr_assert_eq(ev.step, held.step + 1);
    trainer_snapshot(t, &later);
    cr_assert(later.phase == PHASE_RUNNING, "phase %d after resuming", later.phase);
    trainer_free(t);
}

Test(trainer_control, a_stop_ends_the_run_stopped_with_a_checkpoint) {
    const char *sets[] = {"train.steps=100000"};
    Trainer *t = start(sets, 1, 0);
    TrainerEvent ev;
    do ev = next_of(t, EV_STEP);
    while (ev.step < 3);
    /* Paused first: a stop also ends a paused run. */
    trainer_pause(t);
    wait_phase(t, PHASE_PAUSED);
    trainer_stop(t);
    int checkpoints = 0;
    do {
        cr_assert(trainer_wait_event(t, &ev, 60000), "the run stopped reporting");
        checkpoints += ev.kind == EV_CHECKPOINT;
    } while (ev.kind != EV_DONE);
    cr_assert_str_eq(ev.status, "stopped");
    cr_assert_eq(checkpoints, 1, "the stop writes a checkpoint");
    TrainerSnapshot s = wait_phase(t, PHASE_FINISHED);
    cr_assert_lt(s.step, 100000);
    cr_assert_eq(s.events_dropped, 0);
    trainer_free(t);
}

Test(trainer_control, a_reader_that_falls_behind_loses_the_oldest_events_counted) {
    const char *sets[] = {"train.steps=40"};
    Trainer *t = start(sets, 1, 8);
    /* Nothing is read until the run has finished: it must finish all the same. */
    TrainerSnapshot s = wait_phase(t, PHASE_FINISHED);
    cr_assert_eq(s.step, 40);
    cr_assert_gt(s.events_dropped, 40 - 8, "at least the start and the first steps dropped");

    TrainerEvent ev[9];
    int n = 0;
    long dropped = 0;
    while (n < 9 && trainer_poll_event(t, &ev[n])) dropped += ev[n++].dropped;
    cr_assert_eq(n, 8, "the queue keeps its capacity's newest events");
    cr_assert_eq(ev[0].dropped, s.events_dropped, "the first event read says how many were lost");
    cr_assert_eq(dropped, s.events_dropped, "and no later one repeats it");
    cr_assert_eq(ev[7].kind, EV_DONE, "the newest event is kept");
    cr_assert_str_eq(ev[7].status, "completed");
    trainer_free(t);
}

#include <cJSON.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

/* Every key of the table appears in the embedded default JSON, so no key is silently 0. */
Test(config, default_json_names_every_key) {
    cJSON *root = cJSON_Parse(config_default_json());
    cr_assert_not_null(root);
    int n;
    const ConfigKey *keys = config_keys(&n);
    for (int i = 0; i < n; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s", keys[i].key);
        const cJSON *node = root;
        for (char *part = strtok(path, "."); part; part = strtok(NULL, "."))
            node = cJSON_GetObjectItemCaseSensitive(node, part);
        cr_assert_not_null(node, "default.json lacks %s", keys[i].key);
    }
    cJSON_Delete(root);
    Config c;
    config_defaults(&c);
    char err[256];
    cr_assert_eq(config_validate(&c, err, sizeof err), 0, "%s", err);
}

Test(config, set_every_type) {
    Config c;
    config_defaults(&c);
    char err[256];
    cr_assert_eq(config_set(&c, "model.layers=6", err, sizeof err), 0, "%s", err);
    cr_assert_eq(c.model.layers, 6);
    cr_assert_eq(config_set(&c, "train.lr=3e-4", err, sizeof err), 0, "%s", err);
    cr_assert_float_eq(c.train.lr, 3e-4f, 1e-12);
    cr_assert_eq(config_set(&c, "data.keep_calc=true", err, sizeof err), 0, "%s", err);
    cr_assert_eq(c.data.keep_calc, 1);
    cr_assert_eq(config_set(&c, "data.train=/tmp/x y.jsonl", err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(c.data.train, "/tmp/x y.jsonl");
    cr_assert_eq(config_set(&c, "method.name=rac", err, sizeof err), 0, "%s", err);
    cr_assert_eq(c.method.name, METHOD_RAC);
    cr_assert_eq(config_set(&c, "method.selfgen.refresh=batch", err, sizeof err), 0);
    cr_assert_eq(c.method.selfgen.refresh, REFRESH_BATCH);
    cr_assert_eq(config_set(&c, "method.selfgen.refresh=25", err, sizeof err), 0);
    cr_assert_eq(c.method.selfgen.refresh, 25);
    cr_assert_eq(config_set(&c, "method.schedule.points=[[0,0],[10,0.5],[20,1]]", err, sizeof err),
                 0, "%s", err);
    cr_assert_eq(c.method.schedule.points.n, 3);
    cr_assert_eq(c.method.schedule.points.step[1], 10);
    cr_assert_float_eq(c.method.schedule.points.value[1], 0.5f, 0);
    char text[128];
    cr_assert_eq(config_get(&c, "method.schedule.points", text, sizeof text), 0);
    cr_assert_str_eq(text, "[[0,0],[10,0.5],[20,1]]");
    cr_assert_eq(config_get(&c, "train.lr", text, sizeof text), 0);
    cr_assert_str_eq(text, "0.0003");
}

static void expect_set_error(const char *assignment, const char *message) {
    Config c, before;
    config_defaults(&c);
    before = c;
    char err[256] = "";
    cr_assert_eq(config_set(&c, assignment, err, sizeof err), -1, "%s accepted", assignment);
    cr_assert_str_eq(err, message);
    cr_assert_eq(memcmp(&c, &before, sizeof c), 0, "a refused override changed the config");
}

Test(config, overrides_are_validated) {
    expect_set_error("model.layers=0", "model.layers: must be an integer in 1..256");
    expect_set_error("model.layers=2.5", "model.layers: must be an integer in 1..256");
    expect_set_error("model.layers=four", "model.layers: must be an integer in 1..256");
    expect_set_error("model.layers=257", "model.layers: must be an integer in 1..256");
    expect_set_error("train.lr=0", "train.lr: must be a number > 0 and ≤ 10");
    expect_set_error("train.lr=nan", "train.lr: must be a finite number");
    expect_set_error("data.val_fraction=0.9", "data.val_fraction: must be a number in 0..0.5");
    expect_set_error("model.depth=3", "model.depth: unknown key");
    expect_set_error("method.name=beam", "method.name: must be one of: baseline, bash, rac");
    expect_set_error("data.keep_calc=maybe", "data.keep_calc: must be true or false");
    expect_set_error(
        "method.selfgen.refresh=0",
        "method.selfgen.refresh: must be \"epoch\", \"batch\" or an integer ≥ 1 (steps)");
    expect_set_error("method.schedule.points=[[5,0],[5,1]]",
                     "method.schedule.points: point 2: steps must increase");
    expect_set_error("method.schedule.points=[[0,1.5]]",
                     "method.schedule.points: point 1: omega must be in 0..1");
    expect_set_error("method.schedule.points=[",
                     "method.schedule.points: not valid JSON for this key");
    expect_set_error("model.layers", "model.layers: must be key=value");
}

Test(config, json_errors_name_source_and_key) {
    Config c;
    config_defaults(&c);
    char err[256];
    cr_assert_eq(
        config_apply_json_text(&c, "{\"model\":{\"heads\":\"4\"}}", "cfg.json", err, sizeof err),
        -1);
    cr_assert_str_eq(err, "cfg.json: model.heads: must be an integer in 1..64");
    cr_assert_eq(
        config_apply_json_text(&c, "{\"train\":{\"stepz\":4}}", "cfg.json", err, sizeof err), -1);
    cr_assert_str_eq(err, "cfg.json: train.stepz: unknown key");
    cr_assert_eq(config_apply_json_text(&c, "{\n\"train\": {\n  \"steps\": ,\n}}", "cfg.json", err,
                                        sizeof err),
                 -1);
    cr_assert_str_eq(err, "cfg.json:3: invalid JSON");
    cr_assert_eq(config_apply_json_text(&c, "[1,2]", "cfg.json", err, sizeof err), -1);
    cr_assert_str_eq(err, "cfg.json: must be a JSON object");
}

Test(config, load_file) {
    char path[] = "/tmp/exposure-config-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    const char *text =
        "{\"model\": {\"layers\": 2, \"dim\": 64}, \"method\": {\"name\": \"bash\"}}";
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    Config c;
    config_defaults(&c);
    char err[256];
    cr_assert_eq(config_load_file(&c, path, err, sizeof err), 0, "%s", err);
    cr_assert_eq(c.model.layers, 2);
    cr_assert_eq(c.model.dim, 64);
    cr_assert_eq(c.method.name, METHOD_BASH);
    cr_assert_eq(c.model.heads, 4, "keys not in the file keep their values");
    unlink(path);
    cr_assert_eq(config_load_file(&c, path, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, path));
}

Test(config, cross_key_rules) {
    Config c;
    config_defaults(&c);
    char err[256];
    c.model.heads = 5;
    cr_assert_eq(config_validate(&c, err, sizeof err), -1);
    cr_assert_str_eq(err, "model.heads (5) must divide model.dim (96): set model.heads to 4, or "
                          "model.dim to 100");
    config_defaults(&c);
    c.method.schedule.from_step = 100;
    c.method.schedule.to_step = 50;
    cr_assert_eq(config_validate(&c, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "method.schedule.to_step"));
}

Test(config, json_round_trip) {
    Config a, b;
    config_defaults(&a);
    char err[256];
    cr_assert_eq(config_set(&a, "train.lr=0.00123", err, sizeof err), 0);
    cr_assert_eq(config_set(&a, "method.selfgen.refresh=7", err, sizeof err), 0);
    char *json = config_to_json(&a, 1);
    cr_assert_not_null(json);
    config_defaults(&b);
    cr_assert_eq(config_apply_json_text(&b, json, "round trip", err, sizeof err), 0, "%s", err);
    char *again = config_to_json(&b, 1);
    cr_assert_str_eq(json, again);
    cr_assert_float_eq(b.train.lr, 0.00123f, 0);
    cr_assert_eq(b.method.selfgen.refresh, 7);
    free(json);
    free(again);
}

/* strtod reads "inf" and "nan"; JSON cannot say them, --set can. Neither reaches a config. */
Test(config, non_finite_numbers_are_refused) {
    const char *const texts[] = {"inf", "-inf", "INF", "infinity", "nan", "NAN", "-nan"};
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        char assignment[64], want[64];
        snprintf(assignment, sizeof assignment, "train.lr=%s", texts[i]);
        expect_set_error(assignment, "train.lr: must be a finite number");
        snprintf(assignment, sizeof assignment, "train.steps=%s", texts[i]);
        expect_set_error(assignment, "train.steps: must be a finite number");
        snprintf(assignment, sizeof assignment, "method.schedule.value=%s", texts[i]);
        snprintf(want, sizeof want, "method.schedule.value: must be a finite number");
        expect_set_error(assignment, want);
    }
    expect_set_error("train.lr=1e999", "train.lr: must be a number > 0 and ≤ 10");
    /* Found by fuzzing: positive as a double, 0 as the float it is stored in. */
    expect_set_error("train.lr=3e-46", "train.lr: must be a number > 0 and ≤ 10");
    expect_set_error("train.lr=1e-300", "train.lr: must be a number > 0 and ≤ 10");
    expect_set_error("train.steps=99999999999999999999", "train.steps: must be an integer ≥ 1");
    Config c;
    config_defaults(&c);
    char err[256];
    cr_assert_eq(
        config_apply_json_text(&c, "{\"train\":{\"lr\":1e999}}", "cfg.json", err, sizeof err), -1);
    cr_assert_str_eq(err, "cfg.json: train.lr: must be a finite number");
    cr_assert_eq(
        config_apply_json_text(&c, "{\"model\":{\"dim\":-1e400}}", "cfg.json", err, sizeof err),
        -1);
    cr_assert_str_eq(err, "cfg.json: model.dim: must be a finite number");
}

Test(config, files_that_are_not_configs) {
    Config c;
    config_defaults(&c);
    char err[256];
    cr_assert_eq(config_load_file(&c, "/tmp", err, sizeof err), -1);
    cr_assert_str_eq(err, "/tmp: read error: Is a directory");
    cr_assert_eq(config_load_file(&c, "/dev/null", err, sizeof err), -1);
    cr_assert_str_eq(err, "/dev/null: empty, not a JSON config");
    char path[] = "/tmp/exposure-config-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd,
                       "\x7F"
                       "ELF\x02\x01\x01\0\0",
                       9),
                 9);
    close(fd);
    cr_assert_eq(config_load_file(&c, path, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "binary data, not a JSON config"), "%s", err);
    unlink(path);
}

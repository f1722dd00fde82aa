/* The rules between config keys: keys the user did not set follow the keys they depend on;
 * only a conflict between keys the user set is refused, with a message that names both keys,
 * their values and a value that works. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "files.h"

static char err[512];

/* The default, with each "key=value" set as the user would, then resolved. */
static int resolve_with(Config *c, const char *const *sets) {
    config_defaults(c);
    for (int i = 0; sets[i]; i++)
        cr_assert_eq(config_set(c, sets[i], err, sizeof err), 0, "%s", err);
    err[0] = '\0';
    return config_resolve(c, err, sizeof err);
}

#define RESOLVES(c, ...)                                                                           \
    cr_assert_eq(resolve_with(c, (const char *const[]){__VA_ARGS__, NULL}), 0, "%s", err)

Test(config_rules, the_default_resolves_to_itself) {
    Config def, c;
    config_defaults(&def);
    config_defaults(&c);
    cr_assert_eq(config_resolve(&c, err, sizeof err), 0, "%s", err);
    char *a = config_to_json(&def, 0), *b = config_to_json(&c, 0);
    cr_assert_str_eq(a, b);
    free(a);
    free(b);
    cr_assert_eq(config_is_set(&c, "train.steps"), 0);
}

Test(config_rules, fewer_steps_bring_warmup_evaluations_and_checkpoints_along) {
    Config c;
    RESOLVES(&c, "train.steps=5");
    cr_assert_eq(c.train.warmup, 0);
    cr_assert_eq(c.train.eval_every, 0, "only at the end");
    cr_assert_eq(c.train.checkpoint_every, 1);
    RESOLVES(&c, "train.steps=50");
    cr_assert_eq(c.train.warmup, 5);
    cr_assert_eq(c.train.eval_every, 4);
    cr_assert_eq(c.train.checkpoint_every, 16);
    /* More steps than the default keep the defaults. */
    RESOLVES(&c, "train.steps=6000");
    cr_assert_eq(c.train.warmup, 100);
    cr_assert_eq(c.train.eval_every, 250);
    cr_assert_eq(c.train.checkpoint_every, 1000);
}

Test(config_rules, a_derived_value_follows_its_key_back) {
    Config c;
    RESOLVES(&c, "train.steps=5");
    cr_assert_eq(c.train.warmup, 0);
    cr_assert_eq(config_set(&c, "train.steps=3000", err, sizeof err), 0);
    cr_assert_eq(config_resolve(&c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(c.train.warmup, 100, "the default again, not the 0 derived before");
}

Test(config_rules, keys_the_user_set_are_kept) {
    Config c;
    RESOLVES(&c, "train.steps=50", "train.warmup=7", "train.eval_every=100");
    cr_assert_eq(c.train.warmup, 7);
    cr_assert_eq(c.train.eval_every, 100, "only at the end, as asked");
    cr_assert(config_is_set(&c, "train.warmup"));
    cr_assert(!config_is_set(&c, "train.checkpoint_every"));
}

Test(config_rules, a_key_the_user_did_not_set_never_refuses_one_they_did) {
    Config c;
    RESOLVES(&c, "train.warmup=5000");
    cr_assert_eq(c.train.steps, 5000);
    RESOLVES(&c, "decode.max_new_tokens=300");
    cr_assert_eq(c.model.context, 302);
    RESOLVES(&c, "model.heads=5");
    cr_assert_eq(c.model.dim, 100);
    RESOLVES(&c, "model.dim=90");
    cr_assert_eq(c.model.heads, 3);
    RESOLVES(&c, "model.context=64");
    cr_assert_eq(c.decode.max_new_tokens, 62);
}

/* The message names both keys and their values, and each value it proposes resolves. */
static void expect_conflict(const char *a, const char *b, const char *const *parts,
                            const char *fix_a, const char *fix_b) {
    Config c;
    cr_assert_eq(resolve_with(&c, (const char *const[]){a, b, NULL}), -1, "%s + %s resolved", a, b);
    for (int i = 0; parts[i]; i++)
        cr_assert_not_null(strstr(err, parts[i]), "'%s' lacks '%s'", err, parts[i]);
    RESOLVES(&c, a, fix_b);
    RESOLVES(&c, fix_a, b);
}

Test(config_rules, a_conflict_between_keys_the_user_set_names_both_and_a_fix) {
    expect_conflict("train.steps=50", "train.warmup=200",
                    (const char *const[]){"train.warmup (200)", "train.steps (50)",
                                          "train.warmup to 50 or less",
                                          "train.steps to 200 or more", NULL},
                    "train.steps=200", "train.warmup=50");
    expect_conflict("model.context=64", "decode.max_new_tokens=100",
                    (const char *const[]){"decode.max_new_tokens (100)", "model.context - 2 (62)",
                                          "decode.max_new_tokens to 62 or less",
                                          "model.context to 102 or more", NULL},
                    "model.context=102", "decode.max_new_tokens=62");
    expect_conflict("model.dim=96", "model.heads=5",
                    (const char *const[]){"model.heads (5)", "model.dim (96)", "model.heads to 4",
                                          "model.dim to 100", NULL},
                    "model.dim=100", "model.heads=4");
    expect_conflict("method.schedule.from_step=100", "method.schedule.to_step=50",
                    (const char *const[]){"method.schedule.to_step (50)",
                                          "method.schedule.from_step (100)", NULL},
                    "method.schedule.from_step=50", "method.schedule.to_step=100");
}

Test(config_rules, a_key_in_a_config_file_counts_as_set) {
    char path[] = "/tmp/exposure-rules-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    const char *text = "{\"train\": {\"warmup\": 200}}";
    write_file(path, text, strlen(text));
    Config c;
    config_defaults(&c);
    cr_assert_eq(config_load_file(&c, path, err, sizeof err), 0, "%s", err);
    unlink(path);
    cr_assert(config_is_set(&c, "train.warmup"));
    cr_assert_eq(config_set(&c, "train.steps=50", err, sizeof err), 0);
    cr_assert_eq(config_resolve(&c, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "train.warmup (200)"), "%s", err);
}

Test(config_rules, validation_and_test_data_follow_the_training_data) {
    Config c;
    RESOLVES(&c, "data.train=facts");
    cr_assert_str_eq(c.data.val, "facts");
    cr_assert_str_eq(c.data.test, "facts");
    RESOLVES(&c, "data.train=my.jsonl");
    cr_assert_str_eq(c.data.val, "", "held out of the file (data.val_fraction)");
    cr_assert_str_eq(c.data.test, "", "no test data rather than the built-in arith");
    RESOLVES(&c, "data.train=my.jsonl", "data.val=val.jsonl");
    cr_assert_str_eq(c.data.val, "val.jsonl");
}

Test(config_rules, unset_gives_a_key_back_to_its_rule) {
    Config c;
    RESOLVES(&c, "train.steps=50", "train.warmup=20");
    config_unset(&c, "train.warmup");
    cr_assert(!config_is_set(&c, "train.warmup"));
    cr_assert_eq(config_resolve(&c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(c.train.warmup, 5);
    config_unset(&c, "no.such.key"); /* ignored */
}

/* A stored config (every key set) resolves to itself: resuming or evaluating a run uses the
 * values it was trained with. */
Test(config_rules, a_stored_config_resolves_to_itself) {
    Config c, back;
    RESOLVES(&c, "train.steps=50", "data.train=my.jsonl", "model.context=64");
    char *json = config_to_json(&c, 0);
    config_defaults(&back);
    cr_assert_eq(config_apply_json_text(&back, json, "stored", err, sizeof err), 0, "%s", err);
    cr_assert_eq(config_resolve(&back, err, sizeof err), 0, "%s", err);
    char *again = config_to_json(&back, 0);
    cr_assert_str_eq(json, again);
    free(json);
    free(again);
}

/* A stored config taken up for a new run (as the interface does to start from a run's
 * weights): the same values, set only where they differ from the defaults, so that the keys
 * that follow others follow them again. */
Test(config_rules, a_stored_config_taken_up_again_is_set_only_where_it_differs) {
    Config c, back;
    RESOLVES(&c, "train.steps=50", "data.train=my.jsonl", "model.context=64", "method.name=bash",
             "train.warmup=7");
    char *json = config_to_json(&c, 0);
    config_defaults(&back);
    cr_assert_eq(config_apply_json_text(&back, json, "stored", err, sizeof err), 0, "%s", err);
    config_unset_derivable(&back);
    char *again = config_to_json(&back, 0);
    cr_assert_str_eq(json, again, "the values are kept");
    free(json);
    free(again);
    const char *set[] = {"train.steps", "data.train", "model.context", "method.name",
                         "train.warmup"};
    for (size_t i = 0; i < sizeof set / sizeof *set; i++)
        cr_assert(config_is_set(&back, set[i]), "%s", set[i]);
    const char *followed[] = {"train.eval_every", "train.checkpoint_every", "data.val",
                              "data.test",        "decode.max_new_tokens",  "train.lr",
                              "model.dim"};
    for (size_t i = 0; i < sizeof followed / sizeof *followed; i++)
        cr_assert(!config_is_set(&back, followed[i]), "%s", followed[i]);
    cr_assert_eq(config_set(&back, "train.steps=600", err, sizeof err), 0, "%s", err);
    cr_assert_eq(config_resolve(&back, err, sizeof err), 0, "%s", err);
    cr_assert_eq(back.train.eval_every, 50, "follows the new steps");
    cr_assert_eq(back.train.warmup, 7, "kept as the run had it");
}

Test(config_rules, every_derived_key_has_a_rule_to_show) {
    const char *derived[] = {
        "model.layers",          "train.warmup", "train.eval_every", "train.checkpoint_every",
        "decode.max_new_tokens", "data.val",     "data.test",        NULL};
    for (int i = 0; derived[i]; i++)
        cr_assert_not_null(config_derived_rule(derived[i]), "%s", derived[i]);
    cr_assert_null(config_derived_rule("train.lr"));
}

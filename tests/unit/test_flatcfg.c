/* Flattened configs and their differences (the Runs screen's config diff). */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "config.h"
#include "flatcfg.h"

Test(flatcfg, flattens_nested_objects_sorted) {
    FlatConfig f;
    cr_assert_eq(flatcfg_parse("{\"b\":{\"y\":2,\"x\":\"s\"},\"a\":[[0,1],[2,3]]}", &f), 0);
    cr_assert_eq(f.n, 3);
    cr_assert_str_eq(f.e[0].key, "a");
    cr_assert_str_eq(f.e[0].value, "[[0,1],[2,3]]");
    cr_assert_str_eq(f.e[1].key, "b.x");
    cr_assert_str_eq(flatcfg_get(&f, "b.x"), "\"s\"");
    cr_assert_str_eq(flatcfg_get(&f, "b.y"), "2");
    cr_assert_null(flatcfg_get(&f, "c"));
    flatcfg_free(&f);
}

Test(flatcfg, rejects_what_is_not_an_object) {
    FlatConfig f;
    cr_assert_eq(flatcfg_parse("[1,2]", &f), -1);
    cr_assert_eq(flatcfg_parse("{oops", &f), -1);
    cr_assert_eq(flatcfg_parse(NULL, &f), -1);
    cr_assert_eq(f.n, 0);
}

Test(flatcfg, diff_lists_only_differing_keys) {
    Config a, b;
    config_defaults(&a);
    b = a;
    char err[256];
    cr_assert_eq(config_set(&b, "method.name=rac", err, sizeof err), 0);
    cr_assert_eq(config_set(&b, "train.lr=0.001", err, sizeof err), 0);
    char *ja = config_to_json(&a, 0), *jb = config_to_json(&b, 0);
    FlatConfig f[2];
    cr_assert_eq(flatcfg_parse(ja, &f[0]), 0);
    cr_assert_eq(flatcfg_parse(jb, &f[1]), 0);
    const char **keys;
    int n = flatcfg_diff(f, 2, &keys);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(keys[0], "method.name");
    cr_assert_str_eq(keys[1], "train.lr");
    free(keys);
    n = flatcfg_diff(f, 1, &keys);
    cr_assert_eq(n, 0);
    free(keys);
    flatcfg_free(&f[0]);
    flatcfg_free(&f[1]);
    free(ja);
    free(jb);
}

Test(flatcfg, a_missing_key_counts_as_different) {
    FlatConfig f[2];
    cr_assert_eq(flatcfg_parse("{\"a\":1,\"b\":2}", &f[0]), 0);
    cr_assert_eq(flatcfg_parse("{\"a\":1}", &f[1]), 0);
    const char **keys;
    cr_assert_eq(flatcfg_diff(f, 2, &keys), 1);
    cr_assert_str_eq(keys[0], "b");
    free(keys);
    flatcfg_free(&f[0]);
    flatcfg_free(&f[1]);
}

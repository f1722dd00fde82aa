/* The method table and what follows from it: the config's choices, names, which keys apply. */
#include <criterion/criterion.h>
#include <string.h>

#include "config.h"
#include "method.h"

Test(method_table, names_round_trip_and_unknown_names_are_refused) {
    for (int i = 0; i < METHOD_COUNT; i++) {
        const char *name = method_info((MethodName)i)->name;
        cr_assert_eq(method_find(name), i, "%s", name);
        cr_assert_str_eq(method_names[i], name);
    }
    cr_assert_null(method_names[METHOD_COUNT], "NULL-terminated for the config's choices");
    cr_assert_eq(method_find("Bash"), -1, "names are exact");
    cr_assert_eq(method_find(""), -1);
    cr_assert_str_eq(method_info((MethodName)99)->name, "baseline", "out of range");
}

Test(method_table, which_keys_apply_to_which_method) {
    cr_assert(!method_mixes(METHOD_BASELINE) && !method_corrects(METHOD_BASELINE));
    cr_assert(method_mixes(METHOD_BASH) && !method_corrects(METHOD_BASH));
    cr_assert(method_mixes(METHOD_RAC) && method_corrects(METHOD_RAC));
}

Test(method_table, lists_read_as_the_command_line_prints_them) {
    char out[128];
    method_list(",", ",", out, sizeof out);
    cr_assert_str_eq(out, "baseline,bash,rac");
    method_list(", ", " or ", out, sizeof out);
    cr_assert_str_eq(out, "baseline, bash or rac");
    char small[10];
    method_list(", ", " or ", small, sizeof small);
    cr_assert_str_eq(small, "baseline,", "truncated, still NUL-terminated");
}

Test(method_table, the_config_key_offers_every_method_with_its_description) {
    const ConfigKey *k = config_find_key("method.name");
    cr_assert_not_null(k);
    cr_assert_eq(k->choices, method_names);
    cr_assert_str_eq(k->help, "baseline (teacher forcing), bash (Batch-Scheduled Sampling), "
                              "rac (Reference-Answer-based Correction)");
    Config c;
    config_defaults(&c);
    char err[256];
    cr_assert_eq(config_set(&c, "method.name=bash", err, sizeof err), 0, "%s", err);
    cr_assert_eq(c.method.name, METHOD_BASH);
    cr_assert_eq(config_set(&c, "method.name=sampling", err, sizeof err), -1);
    cr_assert_str_eq(err, "method.name: must be one of: baseline, bash, rac");
}

/* The metric table, and that every metric in it is computed by the code that records it. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "eval.h"
#include "metric_table.h"
#include "trainer.h"

Test(metric_table, names_are_unique_and_found_under_any_split) {
    for (int i = 0; i < METRIC_COUNT; i++) {
        const MetricInfo *m = metric_info((MetricId)i);
        for (int j = 0; j < i; j++) cr_assert_str_neq(m->name, metric_info((MetricId)j)->name);
        char key[64];
        metric_key((MetricId)i, "test", key, sizeof key);
        cr_assert_eq(metric_find(key), i, "%s", key);
        cr_assert_eq(metric_find(m->name), i, "%s", m->name);
        cr_assert(m->flags & (METRIC_PER_STEP | METRIC_PER_EVAL), "%s is recorded", m->name);
    }
    char key[64];
    metric_key(METRIC_ROUGE_L, "val", key, sizeof key);
    cr_assert_str_eq(key, "val/rougeL");
    metric_key(METRIC_GRAD_NORM, NULL, key, sizeof key);
    cr_assert_str_eq(key, "grad_norm");
    cr_assert_eq(metric_find("val/perplexity"), -1);
    cr_assert_eq(metric_find(NULL), -1);
}

Test(metric_table, values_print_in_the_metric_format) {
    char out[32];
    metric_format(METRIC_EM, 0.51249, out, sizeof out);
    cr_assert_str_eq(out, "0.512");
    metric_format(METRIC_LOSS, 1.23456, out, sizeof out);
    cr_assert_str_eq(out, "1.2346");
    metric_format(METRIC_FIRST_ERR, 7.25, out, sizeof out);
    cr_assert_str_eq(out, "7.2");
    metric_format(METRIC_LR, 0.004, out, sizeof out);
    cr_assert_str_eq(out, "4.00e-03");
    metric_format(METRIC_F1, NAN, out, sizeof out);
    cr_assert_str_eq(out, "-");
}

/* A metric added to the table without the code that computes it reads NaN here. */
Test(metric_table, every_metric_has_a_value_where_it_is_recorded) {
    /* Every field a different value, in declaration order. */
    EvalSummary e = {3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    StepStats st = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    double seen_eval[32] = {0}, seen_step[32] = {0};
    for (int i = 0; i < METRIC_COUNT; i++) {
        const MetricInfo *m = metric_info((MetricId)i);
        double ev = eval_metric(&e, (MetricId)i), sv = trainer_step_metric(&st, (MetricId)i);
        cr_assert_eq(!isnan(ev), (m->flags & METRIC_PER_EVAL) != 0, "%s per evaluation", m->name);
        cr_assert_eq(!isnan(sv), (m->flags & METRIC_PER_STEP) != 0, "%s per step", m->name);
        /* Each metric reads its own field. */
        if (!isnan(ev)) cr_assert_eq(seen_eval[(int)ev]++, 0, "%s", m->name);
        if (!isnan(sv)) cr_assert_eq(seen_step[(int)sv]++, 0, "%s", m->name);
    }
}

Test(metric_table, the_best_value_follows_the_direction) {
    cr_assert(metric_lower_is_better("val/gap"));
    cr_assert(metric_lower_is_better("loss"));
    cr_assert(!metric_lower_is_better("test/em"));
    cr_assert(!metric_lower_is_better(NULL));
    for (int i = 0; i < METRIC_COUNT; i++) {
        const MetricInfo *m = metric_info((MetricId)i);
        cr_assert_eq(metric_lower_is_better(m->name), (m->flags & METRIC_LOWER_IS_BETTER) != 0);
    }
}

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
    EvalSummary e = {3,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                     12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22};
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

/* Absent, not zero: a metric that is not defined for an evaluation is not recorded. */
Test(metric_table, undefined_metrics_are_not_recorded) {
    EvalSummary e = {.n = 4,
                     .answer_acc = NAN,
                     .ed_acc = 0.5,
                     .recovery = NAN,
                     .diverged = 0,
                     .corr_precision = NAN,
                     .corr_recall = 0.25,
                     .eps = NAN,
                     .acc_err = NAN,
                     .ex_acc_err = NAN};
    cr_assert(eval_metric_recorded(&e, METRIC_ED_ACC, 0));
    cr_assert(eval_metric_recorded(&e, METRIC_DIVERGED, 0), "a count of 0 is a value");
    cr_assert(!eval_metric_recorded(&e, METRIC_ANSWER_ACC, 0), "no final answers");
    cr_assert(!eval_metric_recorded(&e, METRIC_RECOVERY, 0), "nothing diverged");
    cr_assert(!eval_metric_recorded(&e, METRIC_CORR_RECALL, 0), "not a RAC run");
    cr_assert(eval_metric_recorded(&e, METRIC_CORR_RECALL, 1));
    cr_assert(!eval_metric_recorded(&e, METRIC_CORR_PRECISION, 1), "no <corr>");
    cr_assert(!eval_metric_recorded(&e, METRIC_ORACLE_RUN, 1), "no oracle");
    cr_assert(!eval_metric_recorded(&e, METRIC_EPS, 1));
    cr_assert(!eval_metric_recorded(&e, METRIC_LR, 0), "per step only");
    e.oracle_run = 7;
    e.oracle_step = 0;
    e.eps = 0.0;
    cr_assert(eval_metric_recorded(&e, METRIC_ORACLE_RUN, 0));
    cr_assert(eval_metric_recorded(&e, METRIC_ORACLE_STEP, 0), "step 0 is a step");
    cr_assert_eq(eval_metric(&e, METRIC_ORACLE_RUN), 7.0);
    cr_assert(eval_metric_recorded(&e, METRIC_EPS, 0));
    cr_assert(!eval_metric_recorded(&e, METRIC_EX_ACC_ERR, 0), "eps = 0: no excess to speak of");
}

Test(metric_table, records_have_no_best) {
    cr_assert(!metric_has_best("val/oracle_run"));
    cr_assert(!metric_has_best("test/oracle_step"));
    cr_assert(metric_has_best("val/ex_acc_err"));
    cr_assert(metric_lower_is_better("val/ex_acc_err"));
    cr_assert(!metric_lower_is_better("val/ed_acc"));
    cr_assert(metric_has_best("val/some_new_metric"));
}

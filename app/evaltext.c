#include "evaltext.h"

#include <math.h>
#include <stdio.h>

/* Appends " name value" (two spaces first unless at the start) to out at *len. */
static void add(char *out, size_t cap, size_t *len, MetricId id, double v) {
    char value[32];
    metric_format(id, v, value, sizeof value);
    if (*len >= cap) return;
    int n =
        snprintf(out + *len, cap - *len, "%s%s %s", *len ? "  " : "", metric_info(id)->name, value);
    if (n > 0) *len += (size_t)n;
}

void eval_exposure_line(const EvalSummary *e, int rac, char *out, size_t cap) {
    size_t len = 0;
    out[0] = '\0';
    if (!isnan(e->answer_acc)) add(out, cap, &len, METRIC_ANSWER_ACC, e->answer_acc);
    add(out, cap, &len, METRIC_ED_ACC, e->ed_acc);
    add(out, cap, &len, METRIC_RECOVERY, e->recovery);
    if (len < cap) {
        int n = snprintf(out + len, cap - len, " (%d diverged)", e->diverged);
        if (n > 0) len += (size_t)n;
    }
    if (rac) {
        add(out, cap, &len, METRIC_CORR_PRECISION, e->corr_precision);
        add(out, cap, &len, METRIC_CORR_RECALL, e->corr_recall);
    }
}

void eval_oracle_line(const EvalSummary *e, char *out, size_t cap) {
    char eps[32], acc[32], ex[32];
    metric_format(METRIC_EPS, e->eps, eps, sizeof eps);
    metric_format(METRIC_ACC_ERR, e->acc_err, acc, sizeof acc);
    metric_format(METRIC_EX_ACC_ERR, e->ex_acc_err, ex, sizeof ex);
    snprintf(out, cap, "oracle run %lld step %lld: eps %s  acc_err %s  ex_acc_err %s%s",
             (long long)e->oracle_run, (long long)e->oracle_step, eps, acc, ex,
             isnan(e->ex_acc_err) ? "" : "%");
}

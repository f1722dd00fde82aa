#include "report_study.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train.h"

int report_is_study(const SweepTable *t) {
    for (int i = 0; i < t->n; i++)
        if (t->cells[i].role == SWEEP_PARENT) return 1;
    return 0;
}

/* The config of the cell's first run; 0, or -1 when it cannot be read. */
static int cell_config(Store *s, const SweepCell *c, Config *out) {
    RunRow row;
    if (!c->n || store_get_run(s, c->runs[0].run, &row)) return -1;
    config_defaults(out);
    char err[512];
    int rc = config_apply_json_text(out, row.config_json, "run config", err, sizeof err);
    run_row_free(&row);
    return rc ? -1 : 0;
}

static const char *key(const Config *c, const char *name, char *buf, size_t cap) {
    if (config_get(c, name, buf, cap)) snprintf(buf, cap, "?");
    return buf;
}

/* "a model of 2 layers, dim 64, trained 4000 steps of 16 sequences at lr 0.005" */
static void describe_training(FILE *o, const Config *c) {
    char a[6][64];
    fprintf(o, "%s layers of dim %s, %s steps of %s sequences at lr %s (warm-up %s, ",
            key(c, "model.layers", a[0], 64), key(c, "model.dim", a[1], 64),
            key(c, "train.steps", a[2], 64), key(c, "train.batch", a[3], 64),
            key(c, "train.lr", a[4], 64), key(c, "train.warmup", a[5], 64));
    fprintf(o, "cosine decay to %s of it)", key(c, "train.min_lr_frac", a[0], 64));
}

static void describe_arm(FILE *o, const Config *c) {
    char a[6][64];
    MethodName m = c->method.name;
    fprintf(o, "%s", method_info(m)->name);
    if (!method_mixes(m)) return;
    fprintf(o, ", ω %s %s", key(c, "method.schedule.kind", a[0], 64),
            c->method.schedule.kind == SCHED_CONSTANT ? key(c, "method.schedule.value", a[1], 64)
                                                      : "(see the config)");
    fprintf(o, ", ŷ from `%s` at temperature %s refreshed every %s",
            key(c, "method.selfgen.source", a[2], 64),
            key(c, "method.selfgen.temperature", a[3], 64),
            key(c, "method.selfgen.refresh", a[4], 64));
    if (method_corrects(m))
        fprintf(o, ", `<corr>` at %s granularity", key(c, "method.rac.granularity", a[5], 64));
}

void report_study_setup(FILE *o, Store *s, const SweepTable *t) {
    fprintf(o, "- A warm-start study, the paper's regime: for each task and seed a baseline "
               "*parent* trained until its teacher-forced accuracy levels off; from each parent, "
               "one continuation per *arm* with the same steps, a fresh optimizer and its own "
               "schedule (`train.init_from`), so that arms are compared per seed on the same "
               "weights; where there is an *oracle* (a larger model trained as long), every "
               "parent and continuation is measured against it for the excess accumulated "
               "error.\n");
    const char *task = NULL;
    for (int i = 0; i < t->n; i++) {
        const SweepCell *c = &t->cells[i];
        if (task && !strcmp(task, c->task)) continue;
        task = c->task;
        for (int k = i; k < t->n; k++) {
            const SweepCell *d = &t->cells[k];
            Config cfg;
            if (strcmp(d->task, task) || cell_config(s, d, &cfg)) continue;
            if (d->role == SWEEP_PARENT) {
                fprintf(o, "- %s: parents of ", task);
                describe_training(o, &cfg);
                fprintf(o, ".\n");
            } else if (d->role == SWEEP_ORACLE) {
                fprintf(o, "- %s: the oracle (run %lld), ", task, (long long)d->runs[0].run);
                describe_training(o, &cfg);
                fprintf(o, ".\n");
            } else if (d == sweep_baseline(t, task)) {
                fprintf(o, "- %s: continuations of ", task);
                describe_training(o, &cfg);
                fprintf(o, ".\n");
            }
        }
    }
    fprintf(o, "- Arms:");
    const char *sep = " ";
    for (int i = 0; i < t->n; i++) {
        const SweepCell *c = &t->cells[i];
        int seen = c->role != SWEEP_ARM;
        for (int k = 0; k < i && !seen; k++) seen = !strcmp(t->cells[k].arm, c->arm);
        Config cfg;
        if (seen || cell_config(s, c, &cfg)) continue;
        fprintf(o, "%s**%s** (", sep, c->arm);
        describe_arm(o, &cfg);
        int everywhere = 1;
        for (int k = 0; k < t->n; k++)
            if (t->cells[k].role == SWEEP_PARENT) {
                int has = 0;
                for (int j = 0; j < t->n; j++)
                    has |= !strcmp(t->cells[j].task, t->cells[k].task) &&
                           !strcmp(t->cells[j].arm, c->arm);
                everywhere &= has;
            }
        fprintf(o, "%s)", everywhere ? "" : "; not on every task");
        sep = "; ";
    }
    fprintf(o, ".\n");
}

/* The mean over the cell's runs of the metric's last two values in the series key, and the
 * steps they were taken at (of the first run). Returns 0, or -1 when no run has two. */
static int last_two(Store *s, const SweepCell *c, const char *series, double v[2],
                    long long at[2]) {
    int k = 0;
    v[0] = v[1] = 0;
    for (int r = 0; r < c->n; r++) {
        int64_t *steps;
        double *values;
        int n;
        if (store_metric_series(s, c->runs[r].run, series, &steps, &values, NULL, &n)) continue;
        if (n >= 2) {
            v[0] += values[n - 2], v[1] += values[n - 1];
            if (!k) at[0] = (long long)steps[n - 2], at[1] = (long long)steps[n - 1];
            k++;
        }
        free(steps), free(values);
    }
    if (!k) return -1;
    v[0] /= k, v[1] /= k;
    return 0;
}

void report_study_bias(FILE *o, Store *s, const SweepTable *t) {
    fprintf(o, "## Is there exposure bias to remove?\n\n"
               "Before the methods: the parents, on the test split (mean ± sd over seeds). "
               "`ex_acc_err` is how much more error a parent accumulates along its own "
               "generations than its per-step error on reference prefixes predicts (0%% when "
               "errors do not compound); `recovery` the share of generations that left the "
               "reference and still ended right.\n\n");
    char tf_key[64];
    metric_key(METRIC_TF_ACC, "val", tf_key, sizeof tf_key);
    for (int i = 0; i < t->n; i++) {
        const SweepCell *c = &t->cells[i];
        if (c->role != SWEEP_PARENT) continue;
        double tf[2];
        long long at[2];
        char a[48], b[48], e[48], r[48], x[48], ed[48];
        fprintf(o, "- **%s**: %d parent%s", c->task, c->n, c->n == 1 ? "" : "s");
        if (last_two(s, c, tf_key, tf, at) == 0)
            fprintf(o, "; validation tf_acc %.4f at step %lld and %.4f at step %lld (%+.4f)", tf[0],
                    at[0], tf[1], at[1], tf[1] - tf[0]);
        sweep_format(SM_TF_ACC, c->mean[SM_TF_ACC], c->sd[SM_TF_ACC], a, sizeof a);
        sweep_format(SM_EM, c->mean[SM_EM], c->sd[SM_EM], b, sizeof b);
        sweep_format(SM_ED_ACC, c->mean[SM_ED_ACC], c->sd[SM_ED_ACC], ed, sizeof ed);
        sweep_format(SM_RECOVERY, c->mean[SM_RECOVERY], c->sd[SM_RECOVERY], r, sizeof r);
        fprintf(o, "; test tf_acc %s, em %s, ed_acc %s, recovery %s", a, b, ed, r);
        if (!isnan(c->mean[SM_ANSWER_ACC])) {
            sweep_format(SM_ANSWER_ACC, c->mean[SM_ANSWER_ACC], c->sd[SM_ANSWER_ACC], x, sizeof x);
            fprintf(o, ", answer_acc %s", x);
        }
        if (!isnan(c->mean[SM_EX_ACC_ERR])) {
            sweep_format(SM_EPS, c->mean[SM_EPS], c->sd[SM_EPS], e, sizeof e);
            sweep_format(SM_EX_ACC_ERR, c->mean[SM_EX_ACC_ERR], c->sd[SM_EX_ACC_ERR], x, sizeof x);
            fprintf(o, "; against the oracle eps %s, ex_acc_err %s%%", e, x);
        } else {
            fprintf(o, "; no oracle for this task");
        }
        fprintf(o, ".\n");
    }
    fputc('\n', o);
}

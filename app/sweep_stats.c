#include "sweep_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train.h"

/* The metric of each column but the last, minutes, which is a run's wall time. */
static const MetricId column_metrics[SM_MINUTES] = {
    [SM_EM] = METRIC_EM,
    [SM_F1] = METRIC_F1,
    [SM_ROUGE_L] = METRIC_ROUGE_L,
    [SM_TF_ACC] = METRIC_TF_ACC,
    [SM_FR_ACC] = METRIC_FR_ACC,
    [SM_GAP] = METRIC_GAP,
    [SM_FIRST_ERR] = METRIC_FIRST_ERR,
    [SM_CORRECTIONS] = METRIC_CORRECTIONS,
    [SM_CORRECTED] = METRIC_CORRECTED,
    [SM_CORRECTED_RIGHT] = METRIC_CORRECTED_RIGHT,
    [SM_ANSWER_ACC] = METRIC_ANSWER_ACC,
    [SM_ED_ACC] = METRIC_ED_ACC,
    [SM_RECOVERY] = METRIC_RECOVERY,
    [SM_CORR_PRECISION] = METRIC_CORR_PRECISION,
    [SM_CORR_RECALL] = METRIC_CORR_RECALL,
    [SM_EPS] = METRIC_EPS,
    [SM_ACC_ERR] = METRIC_ACC_ERR,
    [SM_EX_ACC_ERR] = METRIC_EX_ACC_ERR,
    [SM_ORACLE_RUN] = METRIC_ORACLE_RUN,
    [SM_ORACLE_STEP] = METRIC_ORACLE_STEP,
    [SM_LOSS] = METRIC_LOSS,
    [SM_DIFF_FRAC] = METRIC_DIFF_FRAC,
    [SM_RAC_INSERTIONS] = METRIC_RAC_INSERTIONS,
};

const char *sweep_metric_name(int m) {
    return m == SM_MINUTES ? "minutes" : metric_info(column_metrics[m])->name;
}

/* The run's role and arm, from its tags (a plain sweep's runs have none: the arm is the
 * method). */
static SweepRole run_role(const RunRow *row, char *arm, size_t cap) {
    snprintf(arm, cap, "%s", row->method);
    SweepRole role = SWEEP_ARM;
    char tags[sizeof row->tags];
    snprintf(tags, sizeof tags, "%s", row->tags);
    for (char *save = NULL, *t = strtok_r(tags, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (!strcmp(t, SWEEP_TAG_PARENT)) role = SWEEP_PARENT;
        else if (!strcmp(t, SWEEP_TAG_ORACLE)) role = SWEEP_ORACLE;
        else if (!strncmp(t, SWEEP_TAG_ARM, strlen(SWEEP_TAG_ARM)) && t[strlen(SWEEP_TAG_ARM)])
            snprintf(arm, cap, "%s", t + strlen(SWEEP_TAG_ARM));
    }
    if (role == SWEEP_PARENT) snprintf(arm, cap, "parent");
    if (role == SWEEP_ORACLE) snprintf(arm, cap, "oracle");
    return role;
}

static SweepCell *cell_for(SweepTable *t, const char *task, const RunRow *row) {
    char arm[32];
    SweepRole role = run_role(row, arm, sizeof arm);
    for (int i = 0; i < t->n; i++)
        if (!strcmp(t->cells[i].task, task) && !strcmp(t->cells[i].arm, arm)) return &t->cells[i];
    SweepCell *grown = realloc(t->cells, (size_t)(t->n + 1) * sizeof *grown);
    if (!grown) return NULL;
    t->cells = grown;
    SweepCell *c = &t->cells[t->n++];
    memset(c, 0, sizeof *c);
    snprintf(c->task, sizeof c->task, "%s", task);
    snprintf(c->arm, sizeof c->arm, "%s", arm);
    snprintf(c->method, sizeof c->method, "%s", row->method);
    c->role = role;
    return c;
}

/* The mean of a per-step metric over the run's steps where ω > 0 (NaN when it has none):
 * how much of the input self-generated tokens changed while they were mixed in. */
static double mixing_mean(Store *s, int64_t run, MetricId id) {
    int64_t *steps = NULL, *omega_steps = NULL;
    double *values = NULL, *omega = NULL, sum = 0;
    int n = 0, n_omega = 0, k = 0;
    if (store_metric_series(s, run, metric_info(id)->name, &steps, &values, NULL, &n) == 0 &&
        store_metric_series(s, run, metric_info(METRIC_OMEGA)->name, &omega_steps, &omega, NULL,
                            &n_omega) == 0)
        /* Both series are ordered by step: walk them together. */
        for (int i = 0, j = 0; i < n; i++) {
            while (j < n_omega && omega_steps[j] < steps[i]) j++;
            if (j < n_omega && omega_steps[j] == steps[i] && omega[j] > 0) sum += values[i], k++;
        }
    free(steps), free(values), free(omega_steps), free(omega);
    return k ? sum / k : NAN;
}

static void read_run(Store *s, const RunRow *row, const char *split, SweepRun *r) {
    r->run = row->id;
    r->seed = (int)row->seed;
    snprintf(r->status, sizeof r->status, "%s", row->status);
    r->v[SM_DIFF_FRAC] = mixing_mean(s, row->id, METRIC_DIFF_FRAC);
    r->v[SM_RAC_INSERTIONS] = mixing_mean(s, row->id, METRIC_RAC_INSERTIONS);
    for (int m = 0; m < SM_MINUTES; m++) {
        if (m == SM_DIFF_FRAC || m == SM_RAC_INSERTIONS) continue;
        char key[64];
        int64_t step;
        double v;
        metric_key(column_metrics[m], split, key, sizeof key);
        r->v[m] = store_metric_last(s, row->id, key, &step, &v) == 0 ? v : NAN;
    }
    double end = row->finished > 0 ? row->finished : row->heartbeat;
    r->v[SM_MINUTES] = end > row->created ? (end - row->created) / 60.0 : NAN;
}

static void summarize(SweepCell *c) {
    for (int m = 0; m < SM_COUNT; m++) {
        double sum = 0, sq = 0;
        int k = 0;
        for (int i = 0; i < c->n; i++)
            if (!isnan(c->runs[i].v[m])) sum += c->runs[i].v[m], k++;
        c->mean[m] = k ? sum / k : NAN;
        for (int i = 0; i < c->n; i++)
            if (!isnan(c->runs[i].v[m]))
                sq += (c->runs[i].v[m] - c->mean[m]) * (c->runs[i].v[m] - c->mean[m]);
        c->sd[m] = k > 1 ? sqrt(sq / (k - 1)) : 0.0;
    }
}

int sweep_table_load(Store *s, int64_t sweep, SweepTable *t, char *err, size_t cap) {
    memset(t, 0, sizeof *t);
    t->sweep = sweep;
    int64_t *ids;
    int n;
    if (store_sweep_runs(s, sweep, &ids, &n)) {
        snprintf(err, cap, "%s", store_error(s));
        return -1;
    }
    /* Test metrics when every run has them, so that all rows compare the same split. */
    snprintf(t->split, sizeof t->split, "test");
    char test_em[64];
    metric_key(METRIC_EM, "test", test_em, sizeof test_em);
    for (int i = 0; i < n; i++) {
        int64_t step;
        double v;
        if (store_metric_last(s, ids[i], test_em, &step, &v)) {
            snprintf(t->split, sizeof t->split, "val");
            break;
        }
    }
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        RunRow row;
        if (store_get_run(s, ids[i], &row)) {
            snprintf(err, cap, "%s", store_error(s));
            rc = -1;
            break;
        }
        SweepCell *c = cell_for(t, row.dataset, &row);
        SweepRun *grown = c ? realloc(c->runs, (size_t)(c->n + 1) * sizeof *grown) : NULL;
        if (!grown) {
            snprintf(err, cap, "out of memory");
            rc = -1;
        } else {
            c->runs = grown;
            read_run(s, &row, t->split, &c->runs[c->n++]);
        }
        run_row_free(&row);
    }
    free(ids);
    for (int i = 0; i < t->n; i++) summarize(&t->cells[i]);
    if (rc) sweep_table_free(t);
    return rc;
}

void sweep_table_free(SweepTable *t) {
    for (int i = 0; i < t->n; i++) free(t->cells[i].runs);
    free(t->cells);
    memset(t, 0, sizeof *t);
}

void sweep_format_value(int m, double v, char *out, size_t cap) {
    if (m != SM_MINUTES) metric_format(column_metrics[m], v, out, cap);
    else if (isnan(v)) snprintf(out, cap, "-");
    else snprintf(out, cap, "%.1f", v);
}

void sweep_format(int m, double mean, double sd, char *out, size_t cap) {
    if (isnan(mean)) {
        snprintf(out, cap, "-");
        return;
    }
    char a[32], b[32];
    sweep_format_value(m, mean, a, sizeof a);
    sweep_format_value(m, sd, b, sizeof b);
    snprintf(out, cap, "%s ± %s", a, b);
}

const SweepCell *sweep_baseline(const SweepTable *t, const char *task) {
    const char *baseline = method_info(METHOD_BASELINE)->name;
    const SweepCell *first = NULL;
    for (int i = 0; i < t->n; i++) {
        const SweepCell *c = &t->cells[i];
        if (strcmp(c->task, task) || c->role != SWEEP_ARM || strcmp(c->method, baseline)) continue;
        if (!strcmp(c->arm, baseline)) return c;
        if (!first) first = c;
    }
    return first;
}

int sweep_paired(const SweepCell *c, const SweepCell *b, int m, double *mean, double *se, int *n) {
    double d[64];
    int k = 0;
    for (int i = 0; i < c->n && k < 64; i++)
        for (int j = 0; j < b->n; j++)
            if (c->runs[i].seed == b->runs[j].seed && !isnan(c->runs[i].v[m]) &&
                !isnan(b->runs[j].v[m])) {
                d[k++] = c->runs[i].v[m] - b->runs[j].v[m];
                break;
            }
    *n = k;
    *mean = *se = NAN;
    if (k == 0) return -1;
    double sum = 0, sq = 0;
    for (int i = 0; i < k; i++) sum += d[i];
    *mean = sum / k;
    for (int i = 0; i < k; i++) sq += (d[i] - *mean) * (d[i] - *mean);
    if (k > 1) *se = sqrt(sq / (k - 1)) / sqrt((double)k);
    return 0;
}

int sweep_task_has(const SweepTable *t, const char *task, int m) {
    for (int i = 0; i < t->n; i++)
        if (!strcmp(t->cells[i].task, task) && !isnan(t->cells[i].mean[m])) return 1;
    return 0;
}

void sweep_table_print(const SweepTable *t, FILE *out) {
    const char *task = NULL;
    int shown[16], k = 0;
    for (int i = 0; i < t->n; i++) {
        const SweepCell *c = &t->cells[i];
        if (!task || strcmp(task, c->task)) {
            task = c->task;
            static const int columns[] = {SM_EM,      SM_ANSWER_ACC, SM_F1,
                                          SM_ROUGE_L, SM_ED_ACC,     SM_FR_ACC,
                                          SM_GAP,     SM_FIRST_ERR,  SM_MINUTES};
            k = 0;
            for (size_t j = 0; j < sizeof columns / sizeof *columns; j++)
                if (columns[j] != SM_ANSWER_ACC || sweep_task_has(t, task, SM_ANSWER_ACC))
                    shown[k++] = columns[j];
            fprintf(out, "\n%s (%s split, mean ± sd over seeds)\n%-12s %4s", task, t->split, "arm",
                    "runs");
            for (int j = 0; j < k; j++) fprintf(out, "  %-15s", sweep_metric_name(shown[j]));
            fputc('\n', out);
        }
        fprintf(out, "%-12s %4d", c->arm, c->n);
        for (int j = 0; j < k; j++) {
            char cell[48];
            sweep_format(shown[j], c->mean[shown[j]], c->sd[shown[j]], cell, sizeof cell);
            /* "±" is two bytes but one column: pad by display width. */
            fprintf(out, "  %-16s", cell);
        }
        fputc('\n', out);
    }
}

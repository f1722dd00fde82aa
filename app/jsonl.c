#include "jsonl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void jsonl_add_number(cJSON *obj, const char *key, double value) {
    char text[32];
    snprintf(text, sizeof text, "%.7g", value);
    cJSON_AddNumberToObject(obj, key, strtod(text, NULL));
}

int jsonl_add_string(cJSON *obj, const char *key, const char *text) {
    size_t n = strlen(text);
    char *clean = malloc(3 * n + 1);
    if (!clean) return -1;
    utf8_sanitize(text, n, clean);
    int rc = cJSON_AddStringToObject(obj, key, clean) ? 0 : -1;
    free(clean);
    return rc;
}

cJSON *jsonl_eval(int64_t step, const char *split, const EvalSummary *e, int rac) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddStringToObject(o, "event", "eval");
    cJSON_AddNumberToObject(o, "step", (double)step);
    jsonl_add_string(o, "split", split);
    /* The fields of the JSONL contract, in its order; the loss is "val_loss". */
    static const MetricId fields[] = {METRIC_TF_ACC,    METRIC_FR_ACC,     METRIC_GAP,
                                      METRIC_EM,        METRIC_F1,         METRIC_ROUGE_L,
                                      METRIC_FIRST_ERR, METRIC_CORRECTIONS};
    jsonl_add_number(o, "val_loss", e->loss);
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        jsonl_add_number(o, metric_info(fields[i])->name, eval_metric(e, fields[i]));
    if (rac) {
        cJSON_AddNumberToObject(o, metric_info(METRIC_CORRECTED)->name, e->corrected);
        cJSON_AddNumberToObject(o, metric_info(METRIC_CORRECTED_RIGHT)->name, e->corrected_right);
    }
    /* The exposure-bias metrics, each where the evaluation records it (absent, not null, where
     * it is not defined). */
    static const MetricId more[] = {METRIC_ANSWER_ACC, METRIC_ED_ACC,         METRIC_RECOVERY,
                                    METRIC_DIVERGED,   METRIC_CORR_PRECISION, METRIC_CORR_RECALL,
                                    METRIC_EPS,        METRIC_ACC_ERR,        METRIC_EX_ACC_ERR,
                                    METRIC_ORACLE_RUN, METRIC_ORACLE_STEP};
    for (size_t i = 0; i < sizeof more / sizeof *more; i++)
        if (!eval_metric_recorded(e, more[i], rac)) continue;
        else if (metric_info(more[i])->flags & METRIC_RECORD) /* ids and steps, exactly */
            cJSON_AddNumberToObject(o, metric_info(more[i])->name, eval_metric(e, more[i]));
        else jsonl_add_number(o, metric_info(more[i])->name, eval_metric(e, more[i]));
    cJSON_AddNumberToObject(o, "samples", e->n);
    return o;
}

/* The fields of a step event, in the JSONL contract's order (rac_insertions for RAC only). */
static const MetricId step_fields[] = {METRIC_LOSS,           METRIC_LR,        METRIC_OMEGA,
                                       METRIC_MIXED_FRAC,     METRIC_DIFF_FRAC, METRIC_TOK_S,
                                       METRIC_RAC_INSERTIONS, METRIC_GRAD_NORM};

cJSON *jsonl_trainer_event(const TrainerEvent *ev, int64_t run_id, int rac) {
    if (ev->kind == EV_EVAL) return jsonl_eval(ev->step, ev->split, &ev->ev, rac);
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    switch (ev->kind) {
    case EV_START:
        cJSON_AddStringToObject(o, "event", "start");
        cJSON_AddNumberToObject(o, "run_id", (double)run_id);
        cJSON_AddNumberToObject(o, "step", ev->step);
        jsonl_add_string(o, "message", ev->text);
        break;
    case EV_STEP:
        cJSON_AddStringToObject(o, "event", "step");
        cJSON_AddNumberToObject(o, "step", ev->step);
        for (size_t i = 0; i < sizeof step_fields / sizeof *step_fields; i++)
            if (step_fields[i] != METRIC_RAC_INSERTIONS || rac)
                jsonl_add_number(o, metric_info(step_fields[i])->name,
                                 trainer_step_metric(&ev->st, step_fields[i]));
        break;
    case EV_CHECKPOINT:
        cJSON_AddStringToObject(o, "event", "checkpoint");
        cJSON_AddNumberToObject(o, "step", ev->step);
        jsonl_add_string(o, "path", ev->text);
        break;
    case EV_NOTE:
        cJSON_AddStringToObject(o, "event", "note");
        cJSON_AddNumberToObject(o, "step", ev->step);
        jsonl_add_string(o, "message", ev->text);
        break;
    case EV_DONE:
        cJSON_AddStringToObject(o, "event", "done");
        cJSON_AddNumberToObject(o, "run_id", (double)run_id);
        jsonl_add_string(o, "status", ev->status);
        cJSON_AddNumberToObject(o, "step", ev->step);
        if (ev->text[0]) jsonl_add_string(o, "message", ev->text);
        break;
    case EV_EVAL: break;
    }
    return o;
}

int jsonl_print(cJSON *obj) {
    char *text = obj ? cJSON_PrintUnformatted(obj) : NULL;
    cJSON_Delete(obj);
    if (!text) return -1;
    int rc = puts(text) < 0 || fflush(stdout) != 0 ? -1 : 0;
    free(text);
    return rc;
}

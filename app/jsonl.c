#include "jsonl.h"

#include <stdio.h>
#include <stdlib.h>

void jsonl_add_number(cJSON *obj, const char *key, double value) {
    char text[32];
    snprintf(text, sizeof text, "%.7g", value);
    cJSON_AddNumberToObject(obj, key, strtod(text, NULL));
}

cJSON *jsonl_eval(int64_t step, const char *split, const EvalSummary *e, int rac) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddStringToObject(o, "event", "eval");
    cJSON_AddNumberToObject(o, "step", (double)step);
    cJSON_AddStringToObject(o, "split", split);
    jsonl_add_number(o, "val_loss", e->loss);
    jsonl_add_number(o, "tf_acc", e->tf_acc);
    jsonl_add_number(o, "fr_acc", e->fr_acc);
    jsonl_add_number(o, "gap", e->gap);
    jsonl_add_number(o, "em", e->em);
    jsonl_add_number(o, "f1", e->f1);
    jsonl_add_number(o, "rougeL", e->rouge_l);
    jsonl_add_number(o, "first_err", e->first_err);
    jsonl_add_number(o, "corrections", e->corrections);
    if (rac) {
        cJSON_AddNumberToObject(o, "corrected", e->corrected);
        cJSON_AddNumberToObject(o, "corrected_right", e->corrected_right);
    }
    cJSON_AddNumberToObject(o, "samples", e->n);
    return o;
}

cJSON *jsonl_trainer_event(const TrainerEvent *ev, int64_t run_id, int rac) {
    if (ev->kind == EV_EVAL) return jsonl_eval(ev->step, ev->split, &ev->ev, rac);
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    switch (ev->kind) {
    case EV_START:
        cJSON_AddStringToObject(o, "event", "start");
        cJSON_AddNumberToObject(o, "run_id", (double)run_id);
        cJSON_AddNumberToObject(o, "step", ev->step);
        cJSON_AddStringToObject(o, "message", ev->text);
        break;
    case EV_STEP:
        cJSON_AddStringToObject(o, "event", "step");
        cJSON_AddNumberToObject(o, "step", ev->step);
        jsonl_add_number(o, "loss", ev->st.loss);
        jsonl_add_number(o, "lr", ev->st.lr);
        jsonl_add_number(o, "omega", ev->st.omega);
        jsonl_add_number(o, "mixed_frac", ev->st.mixed_frac);
        jsonl_add_number(o, "diff_frac", ev->st.diff_frac);
        jsonl_add_number(o, "tok_s", ev->st.tok_s);
        if (rac) jsonl_add_number(o, "rac_insertions", ev->st.rac_insertions);
        jsonl_add_number(o, "grad_norm", ev->st.grad_norm);
        break;
    case EV_CHECKPOINT:
        cJSON_AddStringToObject(o, "event", "checkpoint");
        cJSON_AddNumberToObject(o, "step", ev->step);
        cJSON_AddStringToObject(o, "path", ev->text);
        break;
    case EV_NOTE:
        cJSON_AddStringToObject(o, "event", "note");
        cJSON_AddNumberToObject(o, "step", ev->step);
        cJSON_AddStringToObject(o, "message", ev->text);
        break;
    case EV_DONE:
        cJSON_AddStringToObject(o, "event", "done");
        cJSON_AddNumberToObject(o, "run_id", (double)run_id);
        cJSON_AddStringToObject(o, "status", ev->status);
        cJSON_AddNumberToObject(o, "step", ev->step);
        if (ev->text[0]) cJSON_AddStringToObject(o, "message", ev->text);
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

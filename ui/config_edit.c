#include "config_edit.h"

#include <stdio.h>
#include <string.h>

/* Choosing a checkpoint to start from hands the model keys to it: they are no longer set here
 * and take its shape (warmstart_adopt_shape). Returns 0, or -1 with the reason (no such run or
 * checkpoint) in err. */
static int start_from_checkpoint(Shell *a, Config *next, char *err, size_t cap) {
    static const char *const shape_keys[] = {"model.layers", "model.dim", "model.heads",
                                             "model.context", "model.tokenizer"};
    for (size_t i = 0; i < sizeof shape_keys / sizeof *shape_keys; i++)
        config_unset(next, shape_keys[i]);
    return warmstart_adopt_shape(next, a->db_path, NULL, err, cap);
}

int config_edit_apply(Shell *a, const char *key, const char *value, char *err, size_t cap) {
    char assignment[1200];
    snprintf(assignment, sizeof assignment, "%s=%s", key, value);
    Config next = a->cfg;
    if (config_set(&next, assignment, err, cap)) return -1;
    int warm = strcmp(key, "train.init_from") == 0 && next.train.init_from[0];
    if (warm && start_from_checkpoint(a, &next, err, cap)) return -1;
    /* The keys that follow this one take values that fit it; a conflict between keys set
     * here shows under the list until it is resolved. */
    char conflict[512];
    (void)config_resolve(&next, conflict, sizeof conflict);
    a->cfg = next;
    if (warm) {
        shell_status(a, 0,
                     "train.init_from = %s; the model keys follow its checkpoint (%d layer%s, "
                     "dim %d, %d heads, context %d, tokenizer %.100s)",
                     value, next.model.layers, next.model.layers == 1 ? "" : "s", next.model.dim,
                     next.model.heads, next.model.context, next.model.tokenizer);
        return 0;
    }
    const ConfigKey *k = config_find_key(key);
    char shown[64];
    config_get(&a->cfg, key, shown, sizeof shown);
    if (k && k->live && shell_training(a)) {
        char why[512];
        if (liverun_set(a->run, assignment, why, sizeof why))
            shell_status(a, 1, "%s = %s for the next run; run %lld refused it: %s", key, shown,
                         (long long)a->run->run_id, why);
        else
            shell_status(a, 0, "%s = %s; run %lld applies it at its next batch", key, shown,
                         (long long)a->run->run_id);
    } else {
        shell_status(a, 0, "%s = %s", key, shown);
    }
    return 0;
}

void config_edit_reset(Shell *a, const char *key) {
    char conflict[512], shown[64];
    config_unset(&a->cfg, key);
    (void)config_resolve(&a->cfg, conflict, sizeof conflict);
    config_get(&a->cfg, key, shown, sizeof shown);
    shell_status(a, 0, "%s = %s (%s)", key, shown,
                 config_derived_rule(key) ? "follows the keys it depends on" : "the default");
}

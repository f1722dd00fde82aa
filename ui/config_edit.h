/* Changing the config from the interface: a key=value applied to the next run's config with
 * the core's own validation and, for a live key while a run trains, to that run too (before
 * its next step). */
#ifndef EXPOSURE_UI_CONFIG_EDIT_H
#define EXPOSURE_UI_CONFIG_EDIT_H

#include <stddef.h>

#include "shell.h"

/* Returns 0 (and reports the change on the status line), or -1 with config_set's reason in
 * err (the config unchanged). Setting train.init_from hands the model keys to its checkpoint:
 * they are no longer set and take its shape; a checkpoint that cannot be found is refused. */
int config_edit_apply(Shell *a, const char *key, const char *value, char *err, size_t cap);

/* Gives the key of the next run's config back its default, or for a key that follows others
 * (config_derived_rule) the value that fits them, and reports it on the status line. */
void config_edit_reset(Shell *a, const char *key);

#endif

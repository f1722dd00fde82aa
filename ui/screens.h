/* The five screens, in tab order. */
#ifndef EXPOSURE_UI_SCREENS_H
#define EXPOSURE_UI_SCREENS_H

#include "shell.h"

extern const Screen screen_datasets;
extern const Screen screen_config;
extern const Screen screen_train;
extern const Screen screen_corrections;
extern const Screen screen_runs;

#endif

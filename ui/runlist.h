/* The Runs screen's table as data: the store's runs, the ones a filter keeps, in the order of
 * a sort column. Nothing here draws. */
#ifndef EXPOSURE_UI_RUNLIST_H
#define EXPOSURE_UI_RUNLIST_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

typedef enum {
    RC_ID,
    RC_NAME,
    RC_STATUS,
    RC_METHOD,
    RC_DATA,
    RC_STEP,
    RC_FROM,
    RC_CREATED,
    RC_TAGS,
    RC_COUNT
} RunColumn;

typedef struct {
    RunRow *rows;
    int n;
    int *order; /* indices of the rows shown: filtered, then sorted */
    int n_order;
    RunColumn sort;
    int desc;
    char filter[256]; /* case-insensitive; matches name, status, method, data or tags */
} RunList;

/* Reads the runs from the store (keeping sort and filter). Returns 0, or -1 with the store's
 * message in err (the list is then empty). */
int runlist_load(RunList *l, Store *s, char *err, size_t cap);
/* Applies the filter and the sort again (after either changed). Returns 0, or -1 when out of
 * memory. */
int runlist_arrange(RunList *l);
void runlist_free(RunList *l);
/* The i-th row shown, or NULL. */
const RunRow *runlist_shown(const RunList *l, int i);
/* Where a run is among the rows shown, or -1. */
int runlist_position(const RunList *l, int64_t id);
const RunRow *runlist_find(const RunList *l, int64_t id);
/* A cell as the table shows it: "12", "rac", "arith" (a file's base name), "150/400",
 * "3:1000" (the checkpoint it started from; "" for none), "11-28 16:32". */
void runlist_cell(const RunRow *row, RunColumn col, char *out, size_t cap);
const char *runlist_column_title(RunColumn col);

#endif

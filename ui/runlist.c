#include "runlist.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "data.h"

static int contains_folded(const char *hay, const char *needle) {
    size_t n = strlen(needle);
    if (n == 0) return 1;
    for (const char *p = hay; *p; p++) {
        size_t i = 0;
        while (i < n && p[i] && tolower((unsigned char)p[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n) return 1;
    }
    return 0;
}

static int matches(const RunRow *row, const char *f) {
    return contains_folded(row->name, f) || contains_folded(row->status, f) ||
           contains_folded(row->method, f) || contains_folded(row->dataset, f) ||
           contains_folded(row->tags, f);
}

static int compare_runs(const RunRow *a, const RunRow *b, RunColumn col) {
    int c;
    switch (col) {
    case RC_NAME: c = strcmp(a->name, b->name); break;
    case RC_STATUS: c = strcmp(a->status, b->status); break;
    case RC_METHOD: c = strcmp(a->method, b->method); break;
    case RC_DATA: c = strcmp(a->dataset, b->dataset); break;
    case RC_STEP: c = (a->step > b->step) - (a->step < b->step); break;
    case RC_FROM:
        c = (a->parent > b->parent) - (a->parent < b->parent);
        if (!c) c = (a->parent_step > b->parent_step) - (a->parent_step < b->parent_step);
        break;
    case RC_CREATED: c = (a->created > b->created) - (a->created < b->created); break;
    case RC_TAGS: c = strcmp(a->tags, b->tags); break;
    default: c = 0; break;
    }
    return c ? c : (a->id > b->id) - (a->id < b->id);
}

static int before(const RunList *l, int a, int b) {
    int c = compare_runs(&l->rows[a], &l->rows[b], l->sort);
    return l->desc ? c > 0 : c < 0;
}

/* A merge sort of order[lo, hi) through tmp: stable, O(n log n), and it needs no context-free
 * comparison function as qsort would. */
static void merge_sort(const RunList *l, int *order, int *tmp, int lo, int hi) {
    if (hi - lo < 2) return;
    int mid = lo + (hi - lo) / 2;
    merge_sort(l, order, tmp, lo, mid);
    merge_sort(l, order, tmp, mid, hi);
    int i = lo, j = mid, k = lo;
    while (i < mid && j < hi) tmp[k++] = before(l, order[j], order[i]) ? order[j++] : order[i++];
    while (i < mid) tmp[k++] = order[i++];
    while (j < hi) tmp[k++] = order[j++];
    memcpy(order + lo, tmp + lo, (size_t)(hi - lo) * sizeof *order);
}

int runlist_arrange(RunList *l) {
    if (!l->order) {
        l->order = malloc((size_t)(l->n > 0 ? l->n : 1) * sizeof *l->order);
        if (!l->order) return -1;
    }
    l->n_order = 0;
    for (int i = 0; i < l->n; i++)
        if (matches(&l->rows[i], l->filter)) l->order[l->n_order++] = i;
    int *tmp = malloc((size_t)(l->n_order > 0 ? l->n_order : 1) * sizeof *tmp);
    if (!tmp) return -1;
    merge_sort(l, l->order, tmp, 0, l->n_order);
    free(tmp);
    return 0;
}

void runlist_free(RunList *l) {
    for (int i = 0; i < l->n; i++) run_row_free(&l->rows[i]);
    free(l->rows);
    free(l->order);
    l->rows = NULL;
    l->order = NULL;
    l->n = l->n_order = 0;
}

int runlist_load(RunList *l, Store *s, char *err, size_t cap) {
    runlist_free(l);
    if (store_list_runs(s, &l->rows, &l->n)) {
        snprintf(err, cap, "%s", store_error(s));
        l->rows = NULL;
        l->n = 0;
        return -1;
    }
    if (runlist_arrange(l)) {
        runlist_free(l);
        snprintf(err, cap, "out of memory");
        return -1;
    }
    return 0;
}

const RunRow *runlist_shown(const RunList *l, int i) {
    return i >= 0 && i < l->n_order ? &l->rows[l->order[i]] : NULL;
}

int runlist_position(const RunList *l, int64_t id) {
    for (int i = 0; i < l->n_order; i++)
        if (l->rows[l->order[i]].id == id) return i;
    return -1;
}

const RunRow *runlist_find(const RunList *l, int64_t id) {
    for (int i = 0; i < l->n; i++)
        if (l->rows[i].id == id) return &l->rows[i];
    return NULL;
}

void runlist_cell(const RunRow *row, RunColumn col, char *out, size_t cap) {
    switch (col) {
    case RC_ID: snprintf(out, cap, "%lld", (long long)row->id); break;
    case RC_NAME: snprintf(out, cap, "%s", row->name); break;
    case RC_STATUS: snprintf(out, cap, "%s", row->status); break;
    case RC_METHOD: snprintf(out, cap, "%s", row->method); break;
    case RC_DATA: dataset_name(row->dataset, out, cap); break;
    case RC_STEP:
        snprintf(out, cap, "%lld/%lld", (long long)row->step, (long long)row->steps);
        break;
    case RC_FROM: run_row_parent(row, out, cap); break;
    case RC_CREATED: {
        time_t t = (time_t)row->created;
        struct tm tm;
        if (!localtime_r(&t, &tm) || strftime(out, cap, "%m-%d %H:%M", &tm) == 0)
            snprintf(out, cap, "?");
        break;
    }
    default: snprintf(out, cap, "%s", row->tags); break;
    }
}

const char *runlist_column_title(RunColumn col) {
    static const char *const titles[RC_COUNT] = {"id",   "name", "status",  "method", "data",
                                                 "step", "from", "created", "tags"};
    return col < RC_COUNT ? titles[col] : "";
}

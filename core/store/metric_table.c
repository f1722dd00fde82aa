#include "metric_table.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define METRIC_TABLE_INFO(id, name, format, flags) [id] = {name, format, flags},
static const MetricInfo metrics[METRIC_COUNT] = {METRIC_TABLE(METRIC_TABLE_INFO)};
#undef METRIC_TABLE_INFO

const MetricInfo *metric_info(MetricId id) {
    return &metrics[(unsigned)id < METRIC_COUNT ? id : METRIC_LOSS];
}

void metric_key(MetricId id, const char *split, char *out, size_t cap) {
    if (split) snprintf(out, cap, "%s/%s", split, metric_info(id)->name);
    else snprintf(out, cap, "%s", metric_info(id)->name);
}

/* The name of a key: what follows the split's "/", if any. */
static const char *key_name(const char *key) {
    const char *slash = strrchr(key, '/');
    return slash ? slash + 1 : key;
}

int metric_find(const char *key) {
    const char *name = key ? key_name(key) : "";
    for (int i = 0; i < METRIC_COUNT; i++)
        if (strcmp(metrics[i].name, name) == 0) return i;
    return -1;
}

int metric_lower_is_better(const char *key) {
    if (!key) return 0;
    int id = metric_find(key);
    if (id >= 0) return (metrics[id].flags & METRIC_LOWER_IS_BETTER) != 0;
    const char *name = key_name(key);
    size_t len = strlen(name);
    return len >= 4 && strcmp(name + len - 4, "loss") == 0;
}

int metric_has_best(const char *key) {
    int id = key ? metric_find(key) : -1;
    return id < 0 || !(metrics[id].flags & METRIC_RECORD);
}

void metric_format(MetricId id, double value, char *out, size_t cap) {
    if (isnan(value)) snprintf(out, cap, "-");
    else snprintf(out, cap, metric_info(id)->format, value);
}

/* Configs as flat "dotted.key = value" lists (from the JSON the run store keeps), and the
 * keys on which several configs disagree: the config diff of `exposure runs compare` and of
 * the interface's Runs screen. */
#ifndef EXPOSURE_FLATCFG_H
#define EXPOSURE_FLATCFG_H

typedef struct {
    char *key;   /* "method.schedule.end" */
    char *value; /* compact JSON of the value: 0.5, "arith", [[0,0],[500,0.5]] */
} FlatEntry;

typedef struct {
    FlatEntry *e;
    int n;
} FlatConfig;

/* Flattens nested objects into dotted keys (arrays stay whole values), sorted by key.
 * Returns 0, or -1 when json is not a JSON object (or out of memory); out is then empty. */
int flatcfg_parse(const char *json, FlatConfig *out);
void flatcfg_free(FlatConfig *f);
/* The value of key, or NULL. */
const char *flatcfg_get(const FlatConfig *f, const char *key);

/* The keys (sorted, each once) whose value differs between any two of the n configs, a key
 * missing from some counting as different. *keys is malloc'd (the strings belong to the
 * configs); returns the count, or -1 when out of memory. */
int flatcfg_diff(const FlatConfig *cfgs, int n, const char ***keys);

#endif

#include "datasource.h"

#include <stdio.h>
#include <string.h>

#include "data.h"
#include "streams.h"

static int load_ref(const Config *c, const char *ref, const char *split, Dataset *out, char *err,
                    size_t cap) {
    char path[LIMIT_PATH_BYTES];
    if (task_resolve(ref, split, path, sizeof path)) {
        snprintf(err, cap, "%.200s: path too long", ref);
        return -1;
    }
    LoadOptions lo = {.layout = (Layout)c->data.layout, .keep_calc = c->data.keep_calc};
    return dataset_load(path, &lo, out, err, cap);
}

int datasource_load_split(const Config *c, const char *split, Dataset *out, char *err, size_t cap) {
    memset(out, 0, sizeof *out);
    if (strcmp(split, "test") == 0) {
        if (!c->data.test[0]) {
            snprintf(err, cap,
                     "data.test is empty: there is no test data (none follows from a data.train "
                     "that is a file); evaluate a file instead (exposure eval --data FILE)");
            return -1;
        }
        return load_ref(c, c->data.test, "test", out, err, cap);
    }
    if (strcmp(split, "val") == 0 && c->data.val[0])
        return load_ref(c, c->data.val, "val", out, err, cap);
    if (load_ref(c, c->data.train, "train", out, err, cap)) return -1;
    if (c->data.val[0]) return 0; /* "train" with its own validation file */
    Dataset val;
    if (dataset_split(out, c->data.val_fraction, stream_seed(STREAM_VAL_SPLIT, 0, 0), &val)) {
        dataset_free(out);
        snprintf(err, cap, "out of memory splitting %.200s", c->data.train);
        return -1;
    }
    if (strcmp(split, "val") == 0) {
        dataset_free(out);
        *out = val;
    } else {
        dataset_free(&val);
    }
    return 0;
}

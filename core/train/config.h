/* The run configuration: every key of README.md's "Config" (`exposure config keys` lists
 * them), read from JSON with cJSON and overridable with `--set key=value`. The keys live in
 * one table (config_keys) that gives each its type, range and meaning, so loading, overrides,
 * validation, printing and the TUI's editor all agree. Config is a plain value: copy it
 * freely, across threads too.
 *
 * A Config also records which keys the user set (in a config file, with --set, or in the
 * interface). A key the user did not set that depends on others (train.warmup on
 * train.steps, data.val on data.train, ...) takes a value that fits them when the config is
 * resolved (config_resolve), so that only a conflict between keys the user set is refused. */
#ifndef EXPOSURE_CONFIG_H
#define EXPOSURE_CONFIG_H

#include <stddef.h>

#include "method_table.h"
#include "util.h"

typedef enum {
    SCHED_CONSTANT,
    SCHED_LINEAR,
    SCHED_EXPONENTIAL,
    SCHED_INVERSE_SIGMOID,
    SCHED_COSINE,
    SCHED_PIECEWISE
} ScheduleKind;
typedef enum { SELFGEN_TEACHER_FORCED, SELFGEN_FREE_RUN } SelfgenSource;
typedef enum { RAC_TOKEN, RAC_SEGMENT } RacGranularity;

/* selfgen.refresh: "epoch", "batch", or every N steps. */
#define REFRESH_EPOCH 0
#define REFRESH_BATCH -1

/* The most keys the table may hold: the size of Config's record of the keys the user set. */
#define CONFIG_KEYS_MAX 128

typedef struct {
    int n;
    int step[LIMIT_SCHEDULE_POINTS];
    float value[LIMIT_SCHEDULE_POINTS];
} SchedulePoints;

typedef struct {
    ScheduleKind kind;
    float value;            /* constant */
    float start, end;       /* linear, exponential, cosine */
    int from_step, to_step; /* linear, cosine; to_step -1 means train.steps */
    float rate;             /* exponential: omega = end - (end - start) * rate^(s - from_step) */
    float k;                /* inverse_sigmoid */
    SchedulePoints points;  /* piecewise */
} ScheduleConfig;

/* The shape of the checkpoint a warm start begins from (train.init_from), recorded in the
 * config by warmstart_adopt_shape. While the config's train.init_from is still `from`, each
 * shape key (model.layers dim heads context) the user did not set takes the checkpoint's value
 * when the config is resolved, and config_validate refuses one the user set that differs. */
typedef struct {
    char from[LIMIT_CONFIG_STRING];      /* the train.init_from it was read for; "" none */
    char what[LIMIT_CONFIG_STRING + 64]; /* the checkpoint, for messages: "run 3 at step 1000" */
    int layers, dim, heads, context;
    char tokenizer[LIMIT_CONFIG_STRING]; /* its model.tokenizer ("byte" for older checkpoints) */
} CheckpointShape;

typedef struct {
    struct {
        char train[LIMIT_CONFIG_STRING], val[LIMIT_CONFIG_STRING], test[LIMIT_CONFIG_STRING];
        int layout; /* index into the layout names, as in dataset.h's Layout */
        float val_fraction;
        int keep_calc;
    } data;
    struct {
        int layers, dim, heads, context;
        char tokenizer[LIMIT_CONFIG_STRING]; /* "byte", "gpt2" or a FILE.json (vocab.h) */
    } model;
    struct {
        int steps, batch, warmup, seed, eval_every, eval_samples, checkpoint_every, threads;
        float lr, min_lr_frac, weight_decay, grad_clip, beta1, beta2;
        char init_from[LIMIT_CONFIG_STRING]; /* warmstart.h; "" trains from scratch */
    } train;
    struct {
        MethodName name;
        ScheduleConfig schedule;
        struct {
            SelfgenSource source;
            int refresh; /* REFRESH_EPOCH, REFRESH_BATCH, or N >= 1 */
            float temperature;
        } selfgen;
        struct {
            RacGranularity granularity;
            int max_corrections;
        } rac;
    } method;
    struct {
        int max_new_tokens, top_k;
        float temperature;
    } decode;
    /* Bit i set: the user set key i of config_keys(). Loading JSON (a --config file, a stored
     * run's config) and config_set set the bits of the keys they name; config_defaults clears
     * them all. */
    unsigned char user_set[CONFIG_KEYS_MAX / 8];
    /* The model shape of train.init_from's checkpoint, once warmstart.h has read it. */
    CheckpointShape init_shape;
} Config;

typedef enum { CT_INT, CT_FLOAT, CT_BOOL, CT_STRING, CT_ENUM, CT_REFRESH, CT_POINTS } ConfigType;

typedef struct {
    const char *key; /* dotted, e.g. "model.layers" */
    ConfigType type;
    size_t offset;              /* of the field in Config */
    size_t size;                /* of the field (string capacity) */
    double min, max;            /* numeric range, inclusive */
    const char *const *choices; /* CT_ENUM: names, NULL-terminated; the field is an int index */
    int live;                   /* may change while a run trains (applies at the next step) */
    const char *help;           /* one line */
} ConfigKey;

/* The table of keys, in display order, and its length. */
const ConfigKey *config_keys(int *n);
const ConfigKey *config_find_key(const char *key);

/* The embedded default (assets/configs/default.json, compiled in). Always valid. */
void config_defaults(Config *c);
const char *config_default_json(void);

/* Applies the keys of a JSON document (nested objects, e.g. {"model":{"layers":4}}) on top
 * of c, each as set by the user. `source` names the document in messages ("FILE" or "--config"). Unknown keys, wrong
 * types and out-of-range values are errors "SOURCE: KEY: reason". Returns 0 or -1; on error
 * c is unchanged. */
int config_apply_json_text(Config *c, const char *json, const char *source, char *err,
                           size_t errcap);
int config_load_file(Config *c, const char *path, char *err, size_t errcap);

/* Applies one "key=value" override (numbers, strings, booleans; a piecewise schedule's points
 * as JSON, e.g. [[0,0],[500,0.5]]), as set by the user. Errors "KEY: reason". Returns 0 or
 * -1; c unchanged on error. */
int config_set(Config *c, const char *assignment, char *err, size_t errcap);

/* 1 when the user set the key (a file, --set, the interface), else 0 (unknown keys too). */
int config_is_set(const Config *c, const char *key);
/* Gives the key back its default and forgets that the user set it, so that config_resolve
 * derives it again when it depends on other keys. Unknown keys are ignored. */
void config_unset(Config *c, const char *key);
/* Forgets that the user set each key whose value is the one config_resolve would give it
 * anyway (its default, or what it derives from the keys it follows), keeping every value: a
 * stored config taken up for a new run then counts as set only where it differs from the
 * defaults, and the rest follow the keys they depend on when those change. */
void config_unset_derivable(Config *c);

/* Derives every key the user did not set that depends on others, so that it fits them (the
 * rules are config_derived_rule's), then checks the rules between keys (config_validate).
 * Returns 0, or -1 with a message naming both keys of the conflict, their values and a value
 * that would work; c is derived either way. Resolving a resolved config changes nothing. */
int config_resolve(Config *c, char *err, size_t errcap);

/* How the key follows others when the user did not set it, as one line for `exposure config
 * keys` (e.g. "100, but at most train.steps / 10"), or NULL when it does not. */
const char *config_derived_rule(const char *key);

/* Rules that involve several keys (a warm start's shape is its checkpoint's, heads divides
 * dim, warm-up within the steps, schedule bounds, room for generation in the context).
 * Messages name both keys, their values and a value that would work. */
int config_validate(const Config *c, char *err, size_t errcap);

/* The value of a key as text (numbers in shortest round-trip form); returns 0 or -1. */
int config_get(const Config *c, const char *key, char *out, size_t cap);

/* The whole config as JSON (nested objects, every key), malloc'd; NULL when out of memory. */
char *config_to_json(const Config *c, int pretty);

#endif

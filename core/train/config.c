#include "config.h"

#include <cJSON.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "method.h"
#include "util.h"

/* Compiled from assets/configs/default.json by the Makefile. */
extern const char exposure_default_config_json[];

static const char *const layout_choices[] = {"auto",        "prompt_response",  "question_answer",
                                             "instruction", "document_summary", "context_qa",
                                             NULL};
static const char *const schedule_choices[] = {
    "constant", "linear", "exponential", "inverse_sigmoid", "cosine", "piecewise", NULL};
static const char *const source_choices[] = {"teacher_forced", "free_run", NULL};
static const char *const granularity_choices[] = {"token", "segment", NULL};

/* method.name's help: "baseline (teacher forcing), bash (...), rac (...)" from the method
 * table, without the ", " before the first. */
#define METHOD_TABLE_HELP(id, name, description, uses) ", " name " (" description ")"
#define METHOD_HELP (&(METHOD_TABLE(METHOD_TABLE_HELP))[2])

#define FIELD(f) offsetof(Config, f), sizeof(((Config *)0)->f)
#define BIG 1e9

static const ConfigKey keys[] = {
    {"data.train", CT_STRING, FIELD(data.train), 0, 0, NULL, 0,
     "training data: a JSONL file, or a built-in task (arith, facts, digest)"},
    {"data.val", CT_STRING, FIELD(data.val), 0, 0, NULL, 0,
     "validation data; empty: data.val_fraction of data.train"},
    {"data.test", CT_STRING, FIELD(data.test), 0, 0, NULL, 0,
     "test data for exposure eval --split test"},
    {"data.layout", CT_ENUM, FIELD(data.layout), 0, 0, layout_choices, 0,
     "record layout; auto detects it from the first record"},
    {"data.val_fraction", CT_FLOAT, FIELD(data.val_fraction), 0, 0.5, NULL, 0,
     "share of data.train held out for validation when data.val is empty"},
    {"data.keep_calc", CT_BOOL, FIELD(data.keep_calc), 0, 1, NULL, 0,
     "question/answer: keep GSM8K <<calculator>> annotations"},
    {"model.layers", CT_INT, FIELD(model.layers), 1, LIMIT_LAYERS, NULL, 0, "transformer blocks"},
    {"model.dim", CT_INT, FIELD(model.dim), 8, LIMIT_DIM, NULL, 0, "channels"},
    {"model.heads", CT_INT, FIELD(model.heads), 1, LIMIT_HEADS, NULL, 0,
     "attention heads (divide dim)"},
    {"model.context", CT_INT, FIELD(model.context), 16, LIMIT_CONTEXT, NULL, 0,
     "longest sequence in tokens; longer examples are dropped"},
    {"model.tokenizer", CT_STRING, FIELD(model.tokenizer), 0, 0, NULL, 0,
     "byte, gpt2, or a vocabulary FILE.json (exposure tokenizer train)"},
    {"train.init_from", CT_STRING, FIELD(train.init_from), 0, 0, NULL, 0,
     "start from these weights: a run id, ID:STEP or a checkpoint file; empty: from scratch"},
    {"train.steps", CT_INT, FIELD(train.steps), 1, BIG, NULL, 0, "optimizer steps"},
    {"train.batch", CT_INT, FIELD(train.batch), 1, LIMIT_BATCH, NULL, 0, "sequences per step"},
    {"train.lr", CT_FLOAT, FIELD(train.lr), 0, 10, NULL, 1, "peak learning rate (> 0)"},
    {"train.min_lr_frac", CT_FLOAT, FIELD(train.min_lr_frac), 0, 1, NULL, 0,
     "the cosine decays to lr * min_lr_frac"},
    {"train.warmup", CT_INT, FIELD(train.warmup), 0, BIG, NULL, 0, "linear warm-up steps"},
    {"train.weight_decay", CT_FLOAT, FIELD(train.weight_decay), 0, 10, NULL, 0,
     "AdamW decoupled weight decay (matrices and embeddings only)"},
    {"train.grad_clip", CT_FLOAT, FIELD(train.grad_clip), 0, BIG, NULL, 0,
     "global gradient-norm clip; 0 disables"},
    {"train.beta1", CT_FLOAT, FIELD(train.beta1), 0, 0.9999, NULL, 0, "AdamW beta1"},
    {"train.beta2", CT_FLOAT, FIELD(train.beta2), 0, 0.99999, NULL, 0, "AdamW beta2"},
    {"train.seed", CT_INT, FIELD(train.seed), 0, INT_MAX, NULL, 0,
     "seed of initialisation, data order and sampling"},
    {"train.eval_every", CT_INT, FIELD(train.eval_every), 0, BIG, NULL, 1,
     "evaluate on the validation split every N steps; 0: only at the end"},
    {"train.eval_samples", CT_INT, FIELD(train.eval_samples), 1, 1000000, NULL, 1,
     "validation examples per periodic evaluation"},
    {"train.checkpoint_every", CT_INT, FIELD(train.checkpoint_every), 0, BIG, NULL, 1,
     "write a checkpoint every N steps; 0: only at the end"},
    {"train.threads", CT_INT, FIELD(train.threads), 0, LIMIT_THREADS, NULL, 0,
     "compute threads; 0: one per core"},
    {"method.name", CT_ENUM, FIELD(method.name), 0, 0, method_names, 0, METHOD_HELP},
    {"method.schedule.kind", CT_ENUM, FIELD(method.schedule.kind), 0, 0, schedule_choices, 1,
     "mixing schedule omega(s)"},
    {"method.schedule.value", CT_FLOAT, FIELD(method.schedule.value), 0, 1, NULL, 1,
     "constant: omega"},
    {"method.schedule.start", CT_FLOAT, FIELD(method.schedule.start), 0, 1, NULL, 1,
     "linear, exponential, cosine: omega at from_step"},
    {"method.schedule.end", CT_FLOAT, FIELD(method.schedule.end), 0, 1, NULL, 1,
     "linear, exponential, cosine: omega at to_step (the limit, for exponential)"},
    {"method.schedule.from_step", CT_INT, FIELD(method.schedule.from_step), 0, BIG, NULL, 1,
     "linear, exponential, cosine: first step of the ramp"},
    {"method.schedule.to_step", CT_INT, FIELD(method.schedule.to_step), -1, BIG, NULL, 1,
     "linear, cosine: last step of the ramp; -1: train.steps"},
    {"method.schedule.rate", CT_FLOAT, FIELD(method.schedule.rate), 0, 1, NULL, 1,
     "exponential: per-step factor of the remaining distance to end"},
    {"method.schedule.k", CT_FLOAT, FIELD(method.schedule.k), 1, BIG, NULL, 1,
     "inverse_sigmoid: omega = 1 - k/(k + exp(s/k))"},
    {"method.schedule.points", CT_POINTS, FIELD(method.schedule.points), 0, 1, NULL, 1,
     "piecewise: [[step, omega], ...], steps increasing"},
    {"method.selfgen.source", CT_ENUM, FIELD(method.selfgen.source), 0, 0, source_choices, 0,
     "self-generated tokens from one teacher-forced pass or from free-running decoding"},
    {"method.selfgen.refresh", CT_REFRESH, FIELD(method.selfgen.refresh), 1, BIG, NULL, 0,
     "recompute self-generated tokens every epoch, every batch, or every N steps"},
    {"method.selfgen.temperature", CT_FLOAT, FIELD(method.selfgen.temperature), 0, 100, NULL, 0,
     "0: argmax; otherwise sample at this temperature"},
    {"method.rac.granularity", CT_ENUM, FIELD(method.rac.granularity), 0, 0, granularity_choices, 0,
     "RAC corrections of single tokens or of response prefixes"},
    {"method.rac.max_corrections", CT_INT, FIELD(method.rac.max_corrections), 0, 1000, NULL, 0,
     "most <corr> retractions honoured per sample when decoding"},
    {"decode.max_new_tokens", CT_INT, FIELD(decode.max_new_tokens), 1, LIMIT_NEW_TOKENS, NULL, 1,
     "longest generated response, in tokens"},
    {"decode.temperature", CT_FLOAT, FIELD(decode.temperature), 0, 100, NULL, 1,
     "0: greedy; otherwise sample at this temperature"},
    {"decode.top_k", CT_INT, FIELD(decode.top_k), 0, 1000000, NULL, 1,
     "sample among the k most likely tokens; 0: all"},
};
#define NUM_KEYS ((int)(sizeof keys / sizeof keys[0]))
_Static_assert(NUM_KEYS <= CONFIG_KEYS_MAX, "Config.user_set has a bit for every key");

const ConfigKey *config_keys(int *n) {
    *n = NUM_KEYS;
    return keys;
}

const ConfigKey *config_find_key(const char *key) {
    for (int i = 0; i < NUM_KEYS; i++)
        if (strcmp(keys[i].key, key) == 0) return &keys[i];
    return NULL;
}

const char *config_default_json(void) { return exposure_default_config_json; }

static void say(char *err, size_t cap, const char *fmt, ...) {
    if (!err || !cap) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
}

static void *field(Config *c, const ConfigKey *k) { return (char *)c + k->offset; }

static void mark_set(Config *c, const ConfigKey *k, int set) {
    int i = (int)(k - keys);
    unsigned char bit = (unsigned char)(1u << (i % 8));
    if (set) c->user_set[i / 8] |= bit;
    else c->user_set[i / 8] &= (unsigned char)~bit;
}
static const void *cfield(const Config *c, const ConfigKey *k) {
    return (const char *)c + k->offset;
}

/* train.lr is the one key whose lower bound is exclusive. */
static int min_exclusive(const ConfigKey *k) { return strcmp(k->key, "train.lr") == 0; }

/* Writes the rule for a numeric key, e.g. "must be an integer ≥ 1". */
static void range_rule(const ConfigKey *k, char *out, size_t cap) {
    const char *what = k->type == CT_INT ? "an integer" : "a number";
    if (min_exclusive(k) && k->max >= BIG) snprintf(out, cap, "must be %s > %g", what, k->min);
    else if (min_exclusive(k)) snprintf(out, cap, "must be %s > %g and ≤ %g", what, k->min, k->max);
    else if (k->max >= BIG) snprintf(out, cap, "must be %s ≥ %g", what, k->min);
    else snprintf(out, cap, "must be %s in %g..%g", what, k->min, k->max);
}

static int in_range(const ConfigKey *k, double v) {
    if (!isfinite(v) || v > k->max) return 0;
    return min_exclusive(k) ? v > k->min : v >= k->min;
}

static void choices_text(const char *const *choices, char *out, size_t cap) {
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; choices[i] && len < cap; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? ", " : "", choices[i]);
}

static int parse_points(const cJSON *v, SchedulePoints *pts, char *why, size_t cap) {
    int n = cJSON_IsArray(v) ? cJSON_GetArraySize(v) : -1;
    if (n < 1 || n > LIMIT_SCHEDULE_POINTS) {
        snprintf(why, cap, "must be a list of 1..%d [step, omega] pairs", LIMIT_SCHEDULE_POINTS);
        return -1;
    }
    SchedulePoints p = {.n = n};
    for (int i = 0; i < n; i++) {
        const cJSON *pair = cJSON_GetArrayItem(v, i);
        const cJSON *s = cJSON_GetArrayItem(pair, 0), *w = cJSON_GetArrayItem(pair, 1);
        if (!cJSON_IsArray(pair) || cJSON_GetArraySize(pair) != 2 || !cJSON_IsNumber(s) ||
            !cJSON_IsNumber(w)) {
            snprintf(why, cap, "point %d must be [step, omega]", i + 1);
            return -1;
        }
        double step = s->valuedouble, omega = w->valuedouble;
        if (step < 0 || step > BIG || step != floor(step)) {
            snprintf(why, cap, "point %d: step must be an integer ≥ 0", i + 1);
            return -1;
        }
        if (!(omega >= 0 && omega <= 1)) {
            snprintf(why, cap, "point %d: omega must be in 0..1", i + 1);
            return -1;
        }
        p.step[i] = (int)step;
        p.value[i] = (float)omega;
        if (i > 0 && p.step[i] <= p.step[i - 1]) {
            snprintf(why, cap, "point %d: steps must increase", i + 1);
            return -1;
        }
    }
    *pts = p;
    return 0;
}

/* Stores JSON value v into key k of c; on failure writes the reason (without the key). */
static int set_value(Config *c, const ConfigKey *k, const cJSON *v, char *why, size_t cap) {
    void *f = field(c, k);
    if ((k->type == CT_INT || k->type == CT_FLOAT) && cJSON_IsNumber(v) &&
        !isfinite(v->valuedouble)) {
        snprintf(why, cap, "must be a finite number");
        return -1;
    }
    switch (k->type) {
    case CT_INT:
        if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
            !in_range(k, v->valuedouble)) {
            range_rule(k, why, cap);
            return -1;
        }
        *(int *)f = (int)v->valuedouble;
        return 0;
    case CT_FLOAT:
        /* The float it is stored as must keep the rule too: train.lr=1e-50 would become 0. */
        if (!cJSON_IsNumber(v) || !in_range(k, v->valuedouble) ||
            !in_range(k, (float)v->valuedouble)) {
            range_rule(k, why, cap);
            return -1;
        }
        *(float *)f = (float)v->valuedouble;
        return 0;
    case CT_BOOL:
        if (!cJSON_IsBool(v)) {
            snprintf(why, cap, "must be true or false");
            return -1;
        }
        *(int *)f = cJSON_IsTrue(v);
        return 0;
    case CT_STRING:
        if (!cJSON_IsString(v) || strlen(v->valuestring) >= k->size) {
            snprintf(why, cap, "must be a string of at most %zu bytes", k->size - 1);
            return -1;
        }
        memcpy(f, v->valuestring, strlen(v->valuestring) + 1);
        return 0;
    case CT_ENUM:
        for (int i = 0; cJSON_IsString(v) && k->choices[i]; i++)
            if (strcmp(v->valuestring, k->choices[i]) == 0) {
                *(int *)f = i;
                return 0;
            }
        char list[256];
        choices_text(k->choices, list, sizeof list);
        snprintf(why, cap, "must be one of: %s", list);
        return -1;
    case CT_REFRESH:
        if (cJSON_IsString(v) && strcmp(v->valuestring, "epoch") == 0) {
            *(int *)f = REFRESH_EPOCH;
            return 0;
        }
        if (cJSON_IsString(v) && strcmp(v->valuestring, "batch") == 0) {
            *(int *)f = REFRESH_BATCH;
            return 0;
        }
        if (cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble) && v->valuedouble >= 1 &&
            v->valuedouble <= BIG) {
            *(int *)f = (int)v->valuedouble;
            return 0;
        }
        snprintf(why, cap, "must be \"epoch\", \"batch\" or an integer ≥ 1 (steps)");
        return -1;
    case CT_POINTS: return parse_points(v, f, why, cap);
    }
    return -1;
}

/* Walks nested objects, applying leaves as dotted keys. */
static int apply_object(Config *c, const cJSON *obj, const char *prefix, const char *source,
                        char *err, size_t cap) {
    for (const cJSON *item = obj->child; item; item = item->next) {
        char key[256];
        if (snprintf(key, sizeof key, "%s%s%s", prefix, *prefix ? "." : "", item->string) >=
            (int)sizeof key) {
            say(err, cap, "%s: key too long", source);
            return -1;
        }
        const ConfigKey *k = config_find_key(key);
        if (!k && cJSON_IsObject(item)) {
            if (apply_object(c, item, key, source, err, cap)) return -1;
            continue;
        }
        if (!k) {
            say(err, cap, "%s: %s: unknown key", source, key);
            return -1;
        }
        char why[256];
        if (set_value(c, k, item, why, sizeof why)) {
            say(err, cap, "%s: %s: %s", source, key, why);
            return -1;
        }
        mark_set(c, k, 1);
    }
    return 0;
}

int config_apply_json_text(Config *c, const char *json, const char *source, char *err, size_t cap) {
    cJSON *root = cJSON_Parse(json);
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        int line = 1;
        for (const char *p = json; at && p < at && *p; p++) line += *p == '\n';
        say(err, cap, "%s:%d: invalid JSON", source, line);
        return -1;
    }
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        say(err, cap, "%s: must be a JSON object", source);
        return -1;
    }
    Config next = *c;
    int rc = apply_object(&next, root, "", source, err, cap);
    cJSON_Delete(root);
    if (rc == 0) *c = next;
    return rc;
}

/* Config files are small; anything past this is not a config. */
#define CONFIG_MAX_FILE (1 << 20)

int config_load_file(Config *c, const char *path, char *err, size_t cap) {
    if (fileguard_check_read(path, err, cap)) return -1;
    FILE *f = fopen(path, "rb");
    if (!f) {
        say(err, cap, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    char *text = malloc(CONFIG_MAX_FILE + 1);
    errno = 0;
    size_t n = text ? fread(text, 1, CONFIG_MAX_FILE + 1, f) : 0;
    int failed = ferror(f), saved = errno;
    fclose(f);
    if (text && n <= CONFIG_MAX_FILE) text[n] = '\0';
    int rc = -1;
    if (!text) say(err, cap, "%s: out of memory", path);
    else if (failed) say(err, cap, "%s: read error: %s", path, strerror(saved));
    else if (n > CONFIG_MAX_FILE) say(err, cap, "%s: larger than 1 MiB, not a config", path);
    else if (memchr(text, '\0', n)) say(err, cap, "%s: binary data, not a JSON config", path);
    else if (strspn(text, " \t\r\n") == n) say(err, cap, "%s: empty, not a JSON config", path);
    else rc = config_apply_json_text(c, text, path, err, cap);
    free(text);
    return rc;
}

/* Builds the JSON value an override's text stands for, by the key's type. */
static cJSON *override_value(const ConfigKey *k, const char *text) {
    char *end;
    switch (k->type) {
    case CT_INT:
    case CT_FLOAT: {
        errno = 0;
        double v = strtod(text, &end);
        if (*text == '\0' || *end != '\0' || errno == ERANGE) return cJSON_CreateString(text);
        /* "inf" and "nan" parse, but JSON has no such numbers (and cJSON converts a number to
         * int on creation, undefined for NaN): an out-of-range number stands in for them, so
         * that set_value refuses them as not finite. */
        return cJSON_CreateNumber(isfinite(v) ? v : HUGE_VAL);
    }
    case CT_BOOL:
        if (!strcmp(text, "true") || !strcmp(text, "1") || !strcmp(text, "yes") ||
            !strcmp(text, "on"))
            return cJSON_CreateTrue();
        if (!strcmp(text, "false") || !strcmp(text, "0") || !strcmp(text, "no") ||
            !strcmp(text, "off"))
            return cJSON_CreateFalse();
        return cJSON_CreateString(text);
    case CT_REFRESH: {
        long v = strtol(text, &end, 10);
        if (*text && *end == '\0') return cJSON_CreateNumber((double)v);
        return cJSON_CreateString(text);
    }
    case CT_POINTS: return cJSON_Parse(text);
    case CT_STRING:
    case CT_ENUM: return cJSON_CreateString(text);
    }
    return NULL;
}

int config_set(Config *c, const char *assignment, char *err, size_t cap) {
    const char *eq = strchr(assignment, '=');
    if (!eq || eq == assignment) {
        say(err, cap, "%s: must be key=value", assignment);
        return -1;
    }
    char key[256];
    size_t klen = (size_t)(eq - assignment);
    if (klen >= sizeof key) {
        say(err, cap, "key too long");
        return -1;
    }
    memcpy(key, assignment, klen);
    key[klen] = '\0';
    const ConfigKey *k = config_find_key(key);
    if (!k) {
        say(err, cap, "%s: unknown key", key);
        return -1;
    }
    cJSON *v = override_value(k, eq + 1);
    char why[256];
    Config next = *c;
    int rc = -1;
    if (!v) say(err, cap, "%s: not valid JSON for this key", key);
    else if (set_value(&next, k, v, why, sizeof why)) say(err, cap, "%s: %s", key, why);
    else rc = 0;
    cJSON_Delete(v);
    if (rc == 0) {
        mark_set(&next, k, 1);
        *c = next;
    }
    return rc;
}

int config_is_set(const Config *c, const char *key) {
    const ConfigKey *k = config_find_key(key);
    if (!k) return 0;
    int i = (int)(k - keys);
    return (c->user_set[i / 8] >> (i % 8)) & 1;
}

void config_unset(Config *c, const char *key) {
    const ConfigKey *k = config_find_key(key);
    if (!k) return;
    Config def;
    config_defaults(&def);
    memcpy(field(c, k), cfield(&def, k), k->size);
    mark_set(c, k, 0);
}

/* Shortest decimal text that reads back as the same float. */
static void format_float(float v, char *out, size_t cap) {
    for (int p = 1; p <= 9; p++) {
        snprintf(out, cap, "%.*g", p, (double)v);
        if (strtof(out, NULL) == v) return;
    }
}

int config_get(const Config *c, const char *key, char *out, size_t cap) {
    const ConfigKey *k = config_find_key(key);
    if (!k) return -1;
    const void *f = cfield(c, k);
    switch (k->type) {
    case CT_INT: snprintf(out, cap, "%d", *(const int *)f); break;
    case CT_FLOAT: format_float(*(const float *)f, out, cap); break;
    case CT_BOOL: snprintf(out, cap, "%s", *(const int *)f ? "true" : "false"); break;
    case CT_STRING: snprintf(out, cap, "%s", (const char *)f); break;
    case CT_ENUM: snprintf(out, cap, "%s", k->choices[*(const int *)f]); break;
    case CT_REFRESH: {
        int r = *(const int *)f;
        if (r == REFRESH_EPOCH) snprintf(out, cap, "epoch");
        else if (r == REFRESH_BATCH) snprintf(out, cap, "batch");
        else snprintf(out, cap, "%d", r);
        break;
    }
    case CT_POINTS: {
        const SchedulePoints *p = f;
        size_t len = (size_t)snprintf(out, cap, "[");
        for (int i = 0; i < p->n && len < cap; i++) {
            char w[32];
            format_float(p->value[i], w, sizeof w);
            len += (size_t)snprintf(out + len, cap - len, "%s[%d,%s]", i ? "," : "", p->step[i], w);
        }
        if (len < cap) snprintf(out + len, cap - len, "]");
        break;
    }
    }
    return 0;
}

/* The object for the dotted prefix of key within root, created on demand. */
static cJSON *parent_object(cJSON *root, const char *key, const char **leaf) {
    cJSON *obj = root;
    const char *p = key, *dot;
    while ((dot = strchr(p, '.'))) {
        char part[64];
        size_t n = (size_t)(dot - p);
        if (n >= sizeof part) return NULL;
        memcpy(part, p, n);
        part[n] = '\0';
        cJSON *next = cJSON_GetObjectItemCaseSensitive(obj, part);
        if (!next) next = cJSON_AddObjectToObject(obj, part);
        if (!next) return NULL;
        obj = next;
        p = dot + 1;
    }
    *leaf = p;
    return obj;
}

static cJSON *value_json(const Config *c, const ConfigKey *k) {
    const void *f = cfield(c, k);
    char text[1024];
    config_get(c, k->key, text, sizeof text);
    switch (k->type) {
    case CT_INT: return cJSON_CreateNumber(*(const int *)f);
    case CT_FLOAT: return cJSON_CreateRaw(text); /* the shortest exact decimal */
    case CT_BOOL: return cJSON_CreateBool(*(const int *)f);
    case CT_REFRESH:
        return *(const int *)f >= 1 ? cJSON_CreateNumber(*(const int *)f)
                                    : cJSON_CreateString(text);
    case CT_POINTS: return cJSON_CreateRaw(text);
    case CT_STRING:
    case CT_ENUM: return cJSON_CreateString(text);
    }
    return NULL;
}

char *config_to_json(const Config *c, int pretty) {
    cJSON *root = cJSON_CreateObject();
    for (int i = 0; root && i < NUM_KEYS; i++) {
        const char *leaf;
        cJSON *parent = parent_object(root, keys[i].key, &leaf);
        cJSON *v = value_json(c, &keys[i]);
        if (!parent || !v || !cJSON_AddItemToObject(parent, leaf, v)) {
            cJSON_Delete(v);
            cJSON_Delete(root);
            return NULL;
        }
    }
    char *text = root ? (pretty ? cJSON_Print(root) : cJSON_PrintUnformatted(root)) : NULL;
    cJSON_Delete(root);
    return text;
}

void config_defaults(Config *c) {
    memset(c, 0, sizeof *c);
    char err[256];
    /* The embedded default is checked by the tests; failing here is a build defect. */
    if (config_apply_json_text(c, exposure_default_config_json, "default config", err,
                               sizeof err) != 0) {
        fprintf(stderr, "exposure: %s\n", err);
        abort();
    }
    memset(c->user_set, 0, sizeof c->user_set);
}

/* The rules between keys: how a key the user did not set follows the keys it depends on, and
 * the checks that remain for keys the user set on both sides. Every derived value starts from
 * the key's default, so that resolving again after a change (fewer steps, then more) gives
 * the same value as resolving once. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "data.h"
#include "util.h"

/* The keys that follow others, in the order config_resolve derives them, and how. */
static const struct {
    const char *key, *rule;
} derived[] = {
    {"model.layers", "train.init_from's checkpoint's; else the default"},
    {"model.dim", "train.init_from's checkpoint's; else the default, or the next multiple of "
                  "model.heads when that does not divide it"},
    {"model.heads", "train.init_from's checkpoint's; else the default, or the largest divisor of "
                    "model.dim below it"},
    {"model.context", "train.init_from's checkpoint's; else the default, or "
                      "decode.max_new_tokens + 2 when that is larger"},
    {"model.tokenizer", "train.init_from's checkpoint's; else the default"},
    {"decode.max_new_tokens", "the default, but at most model.context - 2"},
    {"train.steps", "the default, or train.warmup when that is larger"},
    {"train.warmup", "the default, but at most train.steps / 10"},
    {"train.eval_every", "the default, but at most train.steps / 12 (0: only at the end)"},
    {"train.checkpoint_every", "the default, but at most train.steps / 3 (0: only at the end)"},
    {"data.val",
     "data.train when that is a built-in task; else empty: data.val_fraction of data.train"},
    {"data.test", "data.train when that is a built-in task; else empty: no test data"},
};

const char *config_derived_rule(const char *key) {
    for (size_t i = 0; i < sizeof derived / sizeof *derived; i++)
        if (strcmp(derived[i].key, key) == 0) return derived[i].rule;
    return NULL;
}

static int min_int(int a, int b) { return a < b ? a : b; }
static int max_int(int a, int b) { return a > b ? a : b; }

/* The largest divisor of n that is at most limit (at least 1). */
static int divisor_at_most(int n, int limit) {
    for (int d = limit; d > 1; d--)
        if (n % d == 0) return d;
    return 1;
}

/* The smallest multiple of m that is at least n. */
static int multiple_at_least(int n, int m) { return (n + m - 1) / m * m; }

/* A built-in task names its own validation and test splits; a file has neither. */
static void derive_split(char *split, size_t cap, const char *train) {
    snprintf(split, cap, "%s", task_find(train) ? train : "");
}

/* The shape of the checkpoint the config starts from, when warmstart.h has read the one its
 * train.init_from names; else NULL. */
static const CheckpointShape *checkpoint_shape(const Config *c) {
    const CheckpointShape *s = &c->init_shape;
    return c->train.init_from[0] && strcmp(s->from, c->train.init_from) == 0 ? s : NULL;
}

/* A warm start's shape keys: the checkpoint's, unless the user set them (config_validate
 * then checks that they agree with it). */
static void derive_checkpoint_shape(Config *c, const CheckpointShape *s) {
    if (!config_is_set(c, "model.layers")) c->model.layers = s->layers;
    if (!config_is_set(c, "model.dim")) c->model.dim = s->dim;
    if (!config_is_set(c, "model.heads")) c->model.heads = s->heads;
    if (!config_is_set(c, "model.context")) c->model.context = s->context;
    if (!config_is_set(c, "model.tokenizer"))
        snprintf(c->model.tokenizer, sizeof c->model.tokenizer, "%s", s->tokenizer);
}

static void derive(Config *c) {
    Config def;
    config_defaults(&def);
    const CheckpointShape *shape = checkpoint_shape(c);
#define SET(key) config_is_set(c, key)
    if (shape) derive_checkpoint_shape(c, shape);
    if (!SET("model.layers") && !shape) c->model.layers = def.model.layers;
    if (!SET("model.tokenizer") && !shape)
        snprintf(c->model.tokenizer, sizeof c->model.tokenizer, "%s", def.model.tokenizer);
    if (!SET("model.dim") && !shape) {
        c->model.dim = def.model.dim;
        if (SET("model.heads") && c->model.dim % c->model.heads != 0) {
            int dim = multiple_at_least(c->model.dim, c->model.heads);
            c->model.dim = dim <= LIMIT_DIM ? dim : c->model.dim;
        }
    }
    if (!SET("model.heads") && !shape)
        c->model.heads = divisor_at_most(c->model.dim, def.model.heads);
    if (!SET("model.context") && !shape) {
        c->model.context = def.model.context;
        if (SET("decode.max_new_tokens"))
            c->model.context =
                max_int(c->model.context, min_int(c->decode.max_new_tokens + 2, LIMIT_CONTEXT));
    }
    if (!SET("decode.max_new_tokens"))
        c->decode.max_new_tokens = min_int(def.decode.max_new_tokens, c->model.context - 2);
    if (!SET("train.steps")) {
        c->train.steps = def.train.steps;
        if (SET("train.warmup")) c->train.steps = max_int(c->train.steps, c->train.warmup);
    }
    int steps = c->train.steps;
    if (!SET("train.warmup")) c->train.warmup = min_int(def.train.warmup, steps / 10);
    if (!SET("train.eval_every")) c->train.eval_every = min_int(def.train.eval_every, steps / 12);
    if (!SET("train.checkpoint_every"))
        c->train.checkpoint_every = min_int(def.train.checkpoint_every, steps / 3);
    if (!SET("data.val")) derive_split(c->data.val, sizeof c->data.val, c->data.train);
    if (!SET("data.test")) derive_split(c->data.test, sizeof c->data.test, c->data.train);
#undef SET
}

static void say(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *err, size_t cap, const char *fmt, ...) {
    if (!err || !cap) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
}

/* 0 when the model's shape is the checkpoint's; else -1 with a message naming every key that
 * differs and both values. */
static int check_checkpoint_shape(const Config *c, const CheckpointShape *s, char *err,
                                  size_t cap) {
    const struct {
        const char *key;
        int there, here;
    } keys[] = {{"model.layers", s->layers, c->model.layers},
                {"model.dim", s->dim, c->model.dim},
                {"model.heads", s->heads, c->model.heads},
                {"model.context", s->context, c->model.context}};
    char diffs[1024] = "";
    size_t len = 0;
    int n = 0;
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (keys[i].there != keys[i].here && len < sizeof diffs)
            len += (size_t)snprintf(diffs + len, sizeof diffs - len, "%s%s is %d there, %d here",
                                    n++ ? "; " : "", keys[i].key, keys[i].there, keys[i].here);
    if (strcmp(s->tokenizer, c->model.tokenizer) != 0 && len < sizeof diffs)
        len += (size_t)snprintf(diffs + len, sizeof diffs - len,
                                "%smodel.tokenizer is %.200s there, %.200s here", n++ ? "; " : "",
                                s->tokenizer, c->model.tokenizer);
    if (n == 0) return 0;
    say(err, cap,
        "train.init_from: %s is a model of another shape: %s (leave those keys unset to take "
        "the checkpoint's)",
        s->what, diffs);
    return -1;
}

int config_validate(const Config *c, char *err, size_t cap) {
    const ScheduleConfig *s = &c->method.schedule;
    const CheckpointShape *shape = checkpoint_shape(c);
    int dim = c->model.dim, heads = c->model.heads, context = c->model.context;
    int new_tokens = c->decode.max_new_tokens;
    size_t tlen = strlen(c->model.tokenizer);
    if (shape && check_checkpoint_shape(c, shape, err, cap)) {
        return -1;
    } else if (strcmp(c->model.tokenizer, "byte") != 0 && strcmp(c->model.tokenizer, "gpt2") != 0 &&
               !(tlen > 5 && strcmp(c->model.tokenizer + tlen - 5, ".json") == 0)) {
        say(err, cap,
            "model.tokenizer: \"%s\" is not a tokenizer: byte, gpt2, or a vocabulary file "
            "FILE.json (exposure tokenizer train)",
            c->model.tokenizer);
        return -1;
    } else if (dim % heads != 0) {
        int up = multiple_at_least(dim, heads);
        if (up <= LIMIT_DIM)
            say(err, cap,
                "model.heads (%d) must divide model.dim (%d): set model.heads to %d, or "
                "model.dim to %d",
                heads, dim, divisor_at_most(dim, heads), up);
        else
            say(err, cap, "model.heads (%d) must divide model.dim (%d): set model.heads to %d",
                heads, dim, divisor_at_most(dim, heads));
    } else if (c->train.warmup > c->train.steps) {
        say(err, cap,
            "train.warmup (%d) must be at most train.steps (%d): set train.warmup to %d or less, "
            "or train.steps to %d or more",
            c->train.warmup, c->train.steps, c->train.steps, c->train.warmup);
    } else if (s->to_step != -1 && s->to_step < s->from_step) {
        say(err, cap,
            "method.schedule.to_step (%d) must be -1 (train.steps) or at least "
            "method.schedule.from_step (%d): set method.schedule.to_step to %d or more, or "
            "method.schedule.from_step to %d or less",
            s->to_step, s->from_step, s->from_step, s->to_step);
    } else if (new_tokens > context - 2) {
        if (shape)
            say(err, cap,
                "decode.max_new_tokens (%d) must be at most model.context - 2 (%d): set "
                "decode.max_new_tokens to %d or less (model.context is the one of %s, "
                "train.init_from)",
                new_tokens, context - 2, context - 2, shape->what);
        else if (new_tokens + 2 <= LIMIT_CONTEXT)
            say(err, cap,
                "decode.max_new_tokens (%d) must be at most model.context - 2 (%d): set "
                "decode.max_new_tokens to %d or less, or model.context to %d or more",
                new_tokens, context - 2, context - 2, new_tokens + 2);
        else
            say(err, cap,
                "decode.max_new_tokens (%d) must be at most model.context - 2 (%d): set "
                "decode.max_new_tokens to %d or less (model.context is at most %d)",
                new_tokens, context - 2, context - 2, LIMIT_CONTEXT);
    } else {
        return 0;
    }
    return -1;
}

int config_resolve(Config *c, char *err, size_t cap) {
    derive(c);
    return config_validate(c, err, cap);
}

/* Whether a and b hold the same value for every key. */
static int same_values(const Config *a, const Config *b) {
    int n;
    const ConfigKey *keys = config_keys(&n);
    for (int i = 0; i < n; i++) {
        char va[2048], vb[2048]; /* a string key or a piecewise schedule's points */
        if (config_get(a, keys[i].key, va, sizeof va) ||
            config_get(b, keys[i].key, vb, sizeof vb) || strcmp(va, vb) != 0)
            return 0;
    }
    return 1;
}

void config_unset_derivable(Config *c) {
    int n;
    const ConfigKey *keys = config_keys(&n);
    /* One key at a time: a key stays set when giving it up would change any value. */
    for (int i = 0; i < n; i++) {
        if (!config_is_set(c, keys[i].key)) continue;
        Config unset = *c;
        config_unset(&unset, keys[i].key);
        derive(&unset);
        if (same_values(&unset, c)) *c = unset;
    }
}

/* libFuzzer harness for the config parsers: a JSON document (config_apply_json_text) or a list
 * of --set overrides (config_set), then validation, printing and reading back.
 *
 * Input: one byte of mode (bit 0: overrides, one a line, instead of JSON; bit 1: pretty
 * printing), then the text. Besides the sanitizers, it aborts when config.h's promises break:
 * a refused document or override leaves the config unchanged and says why; every accepted
 * config prints as JSON that reads back to the same config. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken promise: says which, then aborts so that libFuzzer keeps the input. */
static void broken(const char *what, int line) {
    fprintf(stderr, "%s:%d: broken: %s\n", __FILE__, line, what);
    abort();
}
#define require(ok) ((ok) ? (void)0 : broken(#ok, __LINE__))

/* The embedded default, parsed once: every key lookup is traced by the fuzzer, so parsing it
 * for every input would take most of the time. */
static const Config *defaults(void) {
    static Config c;
    static int ready;
    if (!ready) {
        config_defaults(&c);
        ready = 1;
    }
    return &c;
}

/* Applies one NUL-terminated piece of input; a refusal must change nothing. */
static void apply(Config *c, const char *text, int overrides) {
    Config before = *c;
    char err[512] = "";
    int rc = overrides ? config_set(c, text, err, sizeof err)
                       : config_apply_json_text(c, text, "fuzz.json", err, sizeof err);
    if (rc != 0) require(err[0] != '\0' && memcmp(c, &before, sizeof before) == 0);
}

static void apply_lines(Config *c, const char *text) {
    const char *line = text;
    for (;;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        char *one = malloc(n + 1);
        require(one != NULL);
        memcpy(one, line, n);
        one[n] = '\0';
        apply(c, one, 1);
        free(one);
        if (!nl) break;
        line = nl + 1;
    }
}

static void check_round_trip(const Config *c, int pretty) {
    char *json = config_to_json(c, pretty);
    require(json != NULL);
    Config back = *defaults();
    char err[512];
    require(config_apply_json_text(&back, json, "round trip", err, sizeof err) == 0);
    char *again = config_to_json(&back, pretty);
    require(again && strcmp(json, again) == 0);
    free(again);
    free(json);
    int n;
    const ConfigKey *keys = config_keys(&n);
    for (int i = 0; i < n; i++) {
        char small[8], large[1024];
        require(config_get(c, keys[i].key, small, sizeof small) == 0 && strlen(small) < 8);
        require(config_get(c, keys[i].key, large, sizeof large) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    char *text = malloc(size);
    require(text != NULL);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    Config c = *defaults();
    if (data[0] & 1) apply_lines(&c, text);
    else apply(&c, text, 0);
    char err[512];
    (void)config_validate(&c, err, sizeof err);
    check_round_trip(&c, data[0] & 2);
    free(text);
    return 0;
}

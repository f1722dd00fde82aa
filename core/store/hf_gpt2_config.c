/* config.json: Hugging Face's GPT2Config, read and written. */
#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf_gpt2.h"
#include "util.h"

/* Longer is not a config.json. */
#define MAX_CONFIG_BYTES (1u << 20)

/* GPT2Config's defaults: what Hugging Face assumes for a key the file leaves out. */
static const HfGpt2Config defaults = {.layers = 12,
                                      .dim = 768,
                                      .heads = 12,
                                      .context = 1024,
                                      .vocab = 50257,
                                      .bos_id = 50256,
                                      .eos_id = 50256};

/* The tanh approximation of GELU, which is GPT-2's and exposure's, under its names. */
static const char *const tanh_gelu[] = {"gelu_new", "gelu_pytorch_tanh", "gelu_fast"};

__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t cap, const char *name,
                                                      const char *fmt, ...) {
    if (!err || !cap) return -1;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(err, cap, "%s: %s", name, msg);
    return -1;
}

int hf_gpt2_config_path(const char *model_path, char *out, size_t cap) {
    const char *slash = strrchr(model_path, '/');
    int dir_len = slash ? (int)(slash - model_path) + 1 : 0;
    int n = snprintf(out, cap, "%.*sconfig.json", dir_len, model_path);
    return n >= 0 && (size_t)n < cap ? 0 : -1;
}

/* key absent: def; null: null_value when null is allowed (null_ok), an error otherwise. */
static int get_int(const cJSON *root, const char *key, int def, int null_ok, int null_value,
                   int *out, const char *name, char *err, size_t cap) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!v) {
        *out = def;
        return 0;
    }
    if (null_ok && cJSON_IsNull(v)) {
        *out = null_value;
        return 0;
    }
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
        fabs(v->valuedouble) > 2147483647.0 || (null_ok && v->valuedouble < 0))
        return fail(err, cap, name, "%s must be an integer%s", key, null_ok ? " >= 0 or null" : "");
    *out = (int)v->valuedouble;
    return 0;
}

/* A boolean key that must have the value `want` (or be absent) for exposure's model. */
static int require_bool(const cJSON *root, const char *key, int want, const char *why,
                        const char *name, char *err, size_t cap) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!v) return 0;
    if (!cJSON_IsBool(v)) return fail(err, cap, name, "%s must be true or false", key);
    if (cJSON_IsTrue(v) != want)
        return fail(err, cap, name, "%s is %s: %s", key, want ? "false" : "true", why);
    return 0;
}

static int check_math(const cJSON *root, const HfGpt2Config *c, const char *name, char *err,
                      size_t cap) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "model_type");
    if (v && (!cJSON_IsString(v) || strcmp(v->valuestring, "gpt2") != 0))
        return fail(err, cap, name, "model_type is not \"gpt2\"");
    v = cJSON_GetObjectItemCaseSensitive(root, "activation_function");
    if (v) {
        int ok = 0;
        for (size_t i = 0; cJSON_IsString(v) && i < sizeof tanh_gelu / sizeof *tanh_gelu; i++)
            ok |= strcmp(v->valuestring, tanh_gelu[i]) == 0;
        if (!ok)
            return fail(err, cap, name,
                        "activation_function must be \"gelu_new\" (GELU's tanh approximation, "
                        "which exposure's model computes)");
    }
    v = cJSON_GetObjectItemCaseSensitive(root, "layer_norm_epsilon");
    if (v && (!cJSON_IsNumber(v) || v->valuedouble != 1e-5))
        return fail(err, cap, name, "layer_norm_epsilon must be 1e-05 (exposure's LayerNorm)");
    v = cJSON_GetObjectItemCaseSensitive(root, "n_inner");
    if (v && !cJSON_IsNull(v) && (!cJSON_IsNumber(v) || v->valuedouble != 4.0 * c->dim))
        return fail(err, cap, name, "n_inner must be null or 4 * n_embd (%d): exposure's MLP",
                    4 * c->dim);
    if (require_bool(root, "scale_attn_weights", 1,
                     "exposure scales attention scores by 1/sqrt(head size)", name, err, cap) ||
        require_bool(root, "scale_attn_by_inverse_layer_idx", 0,
                     "exposure does not scale attention by layer", name, err, cap) ||
        require_bool(root, "add_cross_attention", 0, "exposure's model has no cross-attention",
                     name, err, cap) ||
        require_bool(root, "tie_word_embeddings", 1, "exposure's LM head is the token embedding",
                     name, err, cap))
        return -1;
    return 0;
}

int hf_gpt2_config_check(const HfGpt2Config *c, const char *name, char *err, size_t cap) {
    static const struct {
        const char *field, *key;
    } keys[] = {{"layers", "n_layer"},
                {"dim", "n_embd"},
                {"heads", "n_head"},
                {"context", "n_positions"},
                {"vocab", "vocab_size"}};
    ModelConfig mc = hf_gpt2_model_config(c);
    char why[160];
    if (model_config_check(&mc, why, sizeof why) == 0) return 0;
    const int values[] = {c->layers, c->dim, c->heads, c->context, c->vocab};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        size_t n = strlen(keys[i].field);
        if (strncmp(why, keys[i].field, n) == 0 && why[n] == ':')
            return fail(err, cap, name, "%s = %d: exposure's model cannot hold it (model.%s%s)",
                        keys[i].key, values[i], keys[i].field, why + n);
    }
    return fail(err, cap, name, "%s", why);
}

int hf_gpt2_config_parse(const char *json, size_t len, const char *name, HfGpt2Config *c, char *err,
                         size_t cap) {
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return fail(err, cap, name, "not a JSON object");
    }
    HfGpt2Config out;
    int rc = get_int(root, "n_layer", defaults.layers, 0, 0, &out.layers, name, err, cap) ||
             get_int(root, "n_embd", defaults.dim, 0, 0, &out.dim, name, err, cap) ||
             get_int(root, "n_head", defaults.heads, 0, 0, &out.heads, name, err, cap) ||
             get_int(root, "n_positions", defaults.context, 0, 0, &out.context, name, err, cap) ||
             get_int(root, "vocab_size", defaults.vocab, 0, 0, &out.vocab, name, err, cap) ||
             get_int(root, "bos_token_id", defaults.bos_id, 1, -1, &out.bos_id, name, err, cap) ||
             get_int(root, "eos_token_id", defaults.eos_id, 1, -1, &out.eos_id, name, err, cap);
    if (!rc)
        rc = hf_gpt2_config_check(&out, name, err, cap) || check_math(root, &out, name, err, cap);
    cJSON_Delete(root);
    if (rc) return -1;
    *c = out;
    return 0;
}

int hf_gpt2_config_load(const char *path, HfGpt2Config *c, char *err, size_t cap) {
    if (fileguard_check_read(path, err, cap)) return -1;
    FILE *f = fopen(path, "rb");
    if (!f) return fail(err, cap, path, "cannot open: %s", strerror(errno));
    char *text = malloc(MAX_CONFIG_BYTES + 1);
    size_t n = text ? fread(text, 1, MAX_CONFIG_BYTES + 1, f) : 0;
    int bad_read = ferror(f);
    fclose(f);
    int rc;
    if (!text) rc = fail(err, cap, path, "out of memory");
    else if (bad_read) rc = fail(err, cap, path, "cannot read");
    else if (n > MAX_CONFIG_BYTES)
        rc = fail(err, cap, path, "longer than %u bytes: not a config.json", MAX_CONFIG_BYTES);
    else rc = hf_gpt2_config_parse(text, n, path, c, err, cap);
    free(text);
    return rc;
}

/* GPT2Config's keys, sorted and indented as Hugging Face's save_pretrained writes them.
 * Dropout is 0: exposure trains without it. */
#define CONFIG_JSON                                                                                \
    "{\n"                                                                                          \
    "  \"activation_function\": \"gelu_new\",\n"                                                   \
    "  \"architectures\": [\n"                                                                     \
    "    \"GPT2LMHeadModel\"\n"                                                                    \
    "  ],\n"                                                                                       \
    "  \"attn_pdrop\": 0.0,\n"                                                                     \
    "  \"bos_token_id\": %s,\n"                                                                    \
    "  \"embd_pdrop\": 0.0,\n"                                                                     \
    "  \"eos_token_id\": %s,\n"                                                                    \
    "  \"initializer_range\": 0.02,\n"                                                             \
    "  \"layer_norm_epsilon\": 1e-05,\n"                                                           \
    "  \"model_type\": \"gpt2\",\n"                                                                \
    "  \"n_embd\": %d,\n"                                                                          \
    "  \"n_head\": %d,\n"                                                                          \
    "  \"n_inner\": null,\n"                                                                       \
    "  \"n_layer\": %d,\n"                                                                         \
    "  \"n_positions\": %d,\n"                                                                     \
    "  \"reorder_and_upcast_attn\": false,\n"                                                      \
    "  \"resid_pdrop\": 0.0,\n"                                                                    \
    "  \"scale_attn_by_inverse_layer_idx\": false,\n"                                              \
    "  \"scale_attn_weights\": true,\n"                                                            \
    "  \"tie_word_embeddings\": true,\n"                                                           \
    "  \"torch_dtype\": \"%s\",\n"                                                                 \
    "  \"use_cache\": true,\n"                                                                     \
    "  \"vocab_size\": %d\n"                                                                       \
    "}\n"

char *hf_gpt2_config_json(const HfGpt2Config *c, StDtype dtype) {
    char bos[16] = "null", eos[16] = "null";
    if (c->bos_id >= 0) snprintf(bos, sizeof bos, "%d", c->bos_id);
    if (c->eos_id >= 0) snprintf(eos, sizeof eos, "%d", c->eos_id);
    const char *torch_dtype = dtype == ST_BF16 ? "bfloat16" : "float32";
    int n = snprintf(NULL, 0, CONFIG_JSON, bos, eos, c->dim, c->heads, c->layers, c->context,
                     torch_dtype, c->vocab);
    char *out = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (out)
        snprintf(out, (size_t)n + 1, CONFIG_JSON, bos, eos, c->dim, c->heads, c->layers, c->context,
                 torch_dtype, c->vocab);
    return out;
}

ModelConfig hf_gpt2_model_config(const HfGpt2Config *c) {
    return (ModelConfig){.layers = c->layers,
                         .dim = c->dim,
                         .heads = c->heads,
                         .context = c->context,
                         .vocab = c->vocab};
}

HfGpt2Config hf_gpt2_config_of(const ModelConfig *mc) {
    return (HfGpt2Config){.layers = mc->layers,
                          .dim = mc->dim,
                          .heads = mc->heads,
                          .context = mc->context,
                          .vocab = mc->vocab,
                          .bos_id = -1,
                          .eos_id = -1};
}

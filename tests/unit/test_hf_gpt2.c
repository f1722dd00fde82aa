/* Hugging Face's GPT-2 in safetensors against PyTorch: the fixture in tests/fixtures/gpt2-tiny
 * was written by scripts/gpt2_torch.py (a random GPT-2 of 2 layers, n_embd 32, 4 heads,
 * context 64, vocab 264 = exposure's padded byte vocabulary, and PyTorch's logits on a token
 * sequence). Import must reproduce the logits, export must reproduce the files byte for byte,
 * and every mismatch between file, config and model must be an error naming it. */
#include <cblas.h>
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "files.h"
#include "hf_gpt2.h"
#include "model.h"
#include "safetensors.h"

#define FIXTURE "tests/fixtures/gpt2-tiny/"
#define LOGIT_TOLERANCE 1e-4

static char dir[] = "/tmp/exposure-hfgpt2-XXXXXX";

static void setup(void) {
    cr_assert_not_null(mkdtemp(dir));
    openblas_set_num_threads(1);
}

static void teardown(void) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(hf_gpt2, .init = setup, .fini = teardown);

static void in_dir(char *out, size_t cap, const char *name) {
    cr_assert_lt((size_t)snprintf(out, cap, "%s/%s", dir, name), cap);
}

static HfGpt2Config fixture_config(void) {
    HfGpt2Config c;
    char err[1024];
    cr_assert_eq(hf_gpt2_config_load(FIXTURE "config.json", &c, err, sizeof err), 0, "%s", err);
    return c;
}

/* A model of config c with the weights of file (config c), ready for batches of one row. */
static void import(Model *m, const char *file, const HfGpt2Config *c) {
    ModelConfig mc = hf_gpt2_model_config(c);
    cr_assert_eq(model_init(m, &mc, 1), 0);
    SafeTensors st;
    char err[1024];
    cr_assert_eq(safetensors_open(&st, file, err, sizeof err), 0, "%s", err);
    cr_assert_eq(hf_gpt2_load(&st, c, &m->p, m->padded_vocab, err, sizeof err), 0, "%s", err);
    safetensors_close(&st);
}

/* Loading file with config c fails with a message containing expect; so does checking it,
 * unless the problem is in the values (which only loading reads). */
static void expect_error(const char *file, const HfGpt2Config *c, const char *expect,
                         int in_values) {
    Model m;
    ModelConfig mc = hf_gpt2_model_config(c);
    cr_assert_eq(model_init(&m, &mc, 1), 0);
    SafeTensors st;
    char err[1024] = "";
    cr_assert_eq(safetensors_open(&st, file, err, sizeof err), 0, "%s", err);
    cr_assert_eq(hf_gpt2_load(&st, c, &m.p, m.padded_vocab, err, sizeof err), -1,
                 "loaded, expected: %s", expect);
    cr_assert(strstr(err, expect) != NULL, "expected \"%s\" in: %s", expect, err);
    char check_err[1024] = "";
    cr_assert_eq(hf_gpt2_check(&st, c, check_err, sizeof check_err), in_values ? 0 : -1, "%s",
                 check_err);
    if (!in_values) cr_assert_str_eq(check_err, err);
    safetensors_close(&st);
    model_free(&m);
}

static void expect_load_error(const char *file, const HfGpt2Config *c, const char *expect) {
    expect_error(file, c, expect, 0);
}

/* The token sequence and PyTorch's logits (T x V) of a reference file. */
static float *reference(const char *file, token_t *tokens, int *T, int *V) {
    SafeTensors st;
    char err[1024];
    cr_assert_eq(safetensors_open(&st, file, err, sizeof err), 0, "%s", err);
    const char *text = safetensors_meta(&st, "tokens");
    cr_assert_not_null(text);
    int n = 0;
    for (char *end; *text && n < 4096; text = end) {
        long id = strtol(text, &end, 10);
        if (end == text) break;
        tokens[n++] = (token_t)id;
    }
    const StTensor *t = safetensors_find(&st, "logits");
    cr_assert(t && t->ndim == 2 && t->shape[0] == (uint64_t)n);
    float *logits = malloc(t->elements * sizeof *logits);
    cr_assert_not_null(logits);
    cr_assert_eq(safetensors_read_f32(&st, t, 0, t->elements, logits, err, sizeof err), 0, "%s",
                 err);
    *T = n;
    *V = (int)t->shape[1];
    safetensors_close(&st);
    return logits;
}

/* Largest |exposure's logit - reference| over the whole sequence. */
static double logit_error(Model *m, const char *reference_file) {
    token_t tokens[4096];
    int T, V;
    float *want = reference(reference_file, tokens, &T, &V);
    cr_assert_eq(V, m->padded_vocab);
    cr_assert_leq(T, m->cfg.context);
    model_forward_logits(m, tokens, 1, T);
    const float *got = model_logits(m);
    double worst = 0;
    for (size_t i = 0; i < (size_t)T * (size_t)V; i++) worst = fmax(worst, fabs(got[i] - want[i]));
    free(want);
    return worst;
}

Test(hf_gpt2, imported_logits_match_pytorch) {
    HfGpt2Config c = fixture_config();
    cr_assert(c.layers == 2 && c.dim == 32 && c.heads == 4 && c.context == 64 && c.vocab == 264);
    cr_assert(c.bos_id == 256 && c.eos_id == 258);
    Model m;
    import(&m, FIXTURE "model.safetensors", &c);
    double err = logit_error(&m, FIXTURE "reference.safetensors");
    cr_assert_leq(err, LOGIT_TOLERANCE, "logits differ from PyTorch's by %g", err);
    model_free(&m);
}

Test(hf_gpt2, bf16_weights_are_pytorchs_rounding_widened) {
    HfGpt2Config c = fixture_config();
    Model f32, bf16;
    import(&f32, FIXTURE "model.safetensors", &c);
    import(&bf16, FIXTURE "model-bf16.safetensors", &c);
    for (size_t i = 0; i < f32.num_params; i++) {
        float want = safetensors_bf16_to_f32(safetensors_f32_to_bf16(f32.params[i]));
        cr_assert_eq(memcmp(&bf16.params[i], &want, 4), 0, "parameter %zu: %g, expected %g", i,
                     bf16.params[i], want);
    }
    model_free(&f32);
    model_free(&bf16);
}

static void assert_same_file(const char *a, const char *b) {
    size_t na, nb;
    char *x = read_file(a, &na), *y = read_file(b, &nb);
    cr_assert(na == nb && memcmp(x, y, na) == 0, "%s and %s differ", a, b);
    free(x);
    free(y);
}

Test(hf_gpt2, export_writes_hugging_faces_bytes) {
    HfGpt2Config c = fixture_config();
    Model m;
    import(&m, FIXTURE "model.safetensors", &c);
    char out[600], config[600];
    in_dir(out, sizeof out, "model.safetensors");
    in_dir(config, sizeof config, "config.json");
    char err[1024];
    cr_assert_eq(hf_gpt2_save(out, &m.p, &c, NULL, err, sizeof err), 0, "%s", err);
    assert_same_file(out, FIXTURE "model.safetensors");
    assert_same_file(config, FIXTURE "config.json");
    /* bf16: the bytes PyTorch's rounding gives. */
    HfGpt2SaveOptions bf16 = {.dtype = ST_BF16};
    cr_assert_eq(hf_gpt2_save(out, &m.p, &c, &bf16, err, sizeof err), 0, "%s", err);
    assert_same_file(out, FIXTURE "model-bf16.safetensors");
    char *text = read_file(config, NULL);
    cr_assert(strstr(text, "\"torch_dtype\": \"bfloat16\""), "%s", text);
    free(text);
    model_free(&m);
}

Test(hf_gpt2, export_then_import_is_bit_identical) {
    HfGpt2Config c = fixture_config();
    Model m, back;
    import(&m, FIXTURE "model.safetensors", &c);
    /* Weights the fixture does not have: every bit pattern class of a trained model. */
    for (size_t i = 0; i < m.num_params; i++) m.params[i] = (float)sin((double)i) * 3.0f;
    m.p.wte[5] = -0.0f;
    m.p.qkvw[7] = 1e-40f; /* subnormal */
    char out[600], err[1024];
    in_dir(out, sizeof out, "exported.safetensors");
    StMeta extra = {"exposure.run", "12:300"};
    HfGpt2SaveOptions opts = {.meta = &extra, .meta_count = 1};
    cr_assert_eq(hf_gpt2_save(out, &m.p, &c, &opts, err, sizeof err), 0, "%s", err);
    char config[600];
    in_dir(config, sizeof config, "config.json");
    HfGpt2Config c2;
    cr_assert_eq(hf_gpt2_config_load(config, &c2, err, sizeof err), 0, "%s", err);
    cr_assert_eq(memcmp(&c, &c2, sizeof c), 0);
    import(&back, out, &c2);
    cr_assert_eq(memcmp(m.params, back.params, m.num_params * sizeof(float)), 0);
    SafeTensors st;
    cr_assert_eq(safetensors_open(&st, out, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(safetensors_meta(&st, "format"), "pt");
    cr_assert_str_eq(safetensors_meta(&st, "exposure.run"), "12:300");
    safetensors_close(&st);

    /* bf16: import of an export gives the rounded weights, and exporting those again gives
     * the same file. */
    HfGpt2SaveOptions bf16 = {.dtype = ST_BF16};
    char again[600];
    in_dir(again, sizeof again, "again.safetensors");
    cr_assert_eq(hf_gpt2_save(out, &m.p, &c, &bf16, err, sizeof err), 0, "%s", err);
    model_free(&back);
    import(&back, out, &c);
    for (size_t i = 0; i < m.num_params; i++)
        cr_assert_eq(back.params[i], safetensors_bf16_to_f32(safetensors_f32_to_bf16(m.params[i])));
    cr_assert_eq(hf_gpt2_save(again, &back.p, &c, &bf16, err, sizeof err), 0, "%s", err);
    assert_same_file(out, again);
    model_free(&m);
    model_free(&back);
}

Test(hf_gpt2, exported_model_runs_in_pytorch) {
    HfGpt2Config c = fixture_config();
    Model m;
    import(&m, FIXTURE "model.safetensors", &c);
    /* Weights that are not the fixture's, so that PyTorch computes something new. */
    for (size_t i = 0; i < m.num_params; i++) m.params[i] *= i % 3 ? 1.25f : -0.75f;
    char out[600], logits[600], err[1024], cmd[2048];
    in_dir(out, sizeof out, "model.safetensors");
    in_dir(logits, sizeof logits, "logits.safetensors");
    cr_assert_eq(hf_gpt2_save(out, &m.p, &c, NULL, err, sizeof err), 0, "%s", err);
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 scripts/gpt2_torch.py logits '%s' " FIXTURE
             "reference.safetensors '%s'",
             out, logits);
    int status = system(cmd);
    /* The script exits with 3 without PyTorch, the shell with 127 without Python. */
    if (WIFEXITED(status) && (WEXITSTATUS(status) == 3 || WEXITSTATUS(status) == 127))
        cr_skip_test("PyTorch is not installed for /usr/bin/python3 (Debian: python3-torch): "
                     "the exported file was not run through it");
    cr_assert_eq(status, 0, "%s failed", cmd);
    double worst = logit_error(&m, logits);
    cr_assert_leq(worst, LOGIT_TOLERANCE, "PyTorch's logits of the export differ by %g", worst);
    model_free(&m);
}

/* ---- variants of the fixture --------------------------------------------------------------- */

typedef struct {
    const char *name;
    int ndim;
    uint64_t shape[4];
    const float *values; /* NULL: zeros */
} Extra;

/* Copies the fixture's tensors into dir/name (and its config.json beside): names lose
 * `strip` when they start with it, `drop` is left out, extras are added. Returns the path. */
static void copy_fixture(char *out, size_t cap, const char *name, const char *strip,
                         const char *drop, const Extra *extras, size_t n_extras) {
    in_dir(out, cap, name);
    char config[600], err[1024];
    in_dir(config, sizeof config, "config.json");
    size_t len;
    char *text = read_file(FIXTURE "config.json", &len);
    write_file(config, text, len);
    free(text);
    SafeTensors st;
    cr_assert_eq(safetensors_open(&st, FIXTURE "model.safetensors", err, sizeof err), 0, "%s", err);
    size_t n = 0, max = st.count + n_extras;
    StSpec *specs = calloc(max, sizeof *specs);
    float **values = calloc(max, sizeof *values);
    char(*names)[128] = calloc(max, sizeof *names);
    cr_assert(specs && values && names);
    for (size_t i = 0; i < st.count; i++) {
        const StTensor *t = &st.tensors[i];
        if (drop && strcmp(t->name, drop) == 0) continue;
        size_t sn = strip ? strlen(strip) : 0;
        snprintf(names[n], sizeof names[n], "%s",
                 sn && strncmp(t->name, strip, sn) == 0 ? t->name + sn : t->name);
        specs[n] = (StSpec){.name = names[n], .dtype = ST_F32, .ndim = t->ndim};
        memcpy(specs[n].shape, t->shape, sizeof t->shape);
        values[n] = malloc((t->elements ? t->elements : 1) * sizeof(float));
        cr_assert_not_null(values[n]);
        cr_assert_eq(safetensors_read_f32(&st, t, 0, t->elements, values[n], err, sizeof err), 0);
        n++;
    }
    for (size_t i = 0; i < n_extras; i++, n++) {
        const Extra *e = &extras[i];
        specs[n] = (StSpec){.name = e->name, .dtype = ST_F32, .ndim = e->ndim};
        uint64_t count = 1;
        for (int d = 0; d < e->ndim; d++) count *= (specs[n].shape[d] = e->shape[d]);
        values[n] = calloc(count ? count : 1, sizeof(float));
        cr_assert_not_null(values[n]);
        if (e->values) memcpy(values[n], e->values, count * sizeof(float));
    }
    safetensors_close(&st);
    StWriter *w = safetensors_writer_begin(out, specs, n, NULL, 0, err, sizeof err);
    cr_assert_not_null(w, "%s", err);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(safetensors_writer_put(w, values[i], err, sizeof err), 0, "%s", err);
    cr_assert_eq(safetensors_writer_commit(w, err, sizeof err), 0, "%s", err);
    for (size_t i = 0; i < n; i++) free(values[i]);
    free(values);
    free(specs);
    free(names);
}

Test(hf_gpt2, gpt2model_names_and_attention_buffers) {
    HfGpt2Config c = fixture_config();
    /* GPT2Model's names (no "transformer."), with the causal-mask buffers older versions of
     * transformers saved. */
    Extra buffers[] = {{"h.0.attn.bias", 4, {1, 1, 64, 64}, NULL},
                       {"h.1.attn.bias", 4, {1, 1, 64, 64}, NULL},
                       {"h.0.attn.masked_bias", 0, {0}, NULL},
                       {"h.1.attn.masked_bias", 0, {0}, NULL}};
    char file[600];
    copy_fixture(file, sizeof file, "base.safetensors", "transformer.", NULL, buffers, 4);
    Model a, b;
    import(&a, FIXTURE "model.safetensors", &c);
    import(&b, file, &c);
    cr_assert_eq(memcmp(a.params, b.params, a.num_params * sizeof(float)), 0);
    model_free(&a);
    model_free(&b);
}

Test(hf_gpt2, tied_lm_head_is_accepted_and_an_untied_one_refused) {
    HfGpt2Config c = fixture_config();
    Model m;
    import(&m, FIXTURE "model.safetensors", &c);
    size_t n = (size_t)c.vocab * (size_t)c.dim;
    Extra head = {"lm_head.weight", 2, {(uint64_t)c.vocab, (uint64_t)c.dim}, m.p.wte};
    char file[600];
    copy_fixture(file, sizeof file, "tied.safetensors", NULL, NULL, &head, 1);
    Model b;
    import(&b, file, &c);
    cr_assert_eq(memcmp(m.params, b.params, m.num_params * sizeof(float)), 0);
    model_free(&b);
    float *other = malloc(n * sizeof *other);
    cr_assert_not_null(other);
    memcpy(other, m.p.wte, n * sizeof *other);
    other[n - 1] += 1.0f;
    head.values = other;
    copy_fixture(file, sizeof file, "untied.safetensors", NULL, NULL, &head, 1);
    expect_error(file, &c, "tensor 'lm_head.weight' differs from the token embedding", 1);
    free(other);
    model_free(&m);
}

Test(hf_gpt2, tensors_that_do_not_fit_the_model_are_named) {
    HfGpt2Config c = fixture_config();
    char file[600];
    copy_fixture(file, sizeof file, "missing.safetensors", NULL, "transformer.h.1.mlp.c_fc.bias",
                 NULL, 0);
    expect_load_error(file, &c, "tensor 'transformer.h.1.mlp.c_fc.bias' is missing");

    Extra stray = {"transformer.h.0.attn.rotary", 1, {4}, NULL};
    copy_fixture(file, sizeof file, "stray.safetensors", NULL, NULL, &stray, 1);
    expect_load_error(file, &c, "tensor 'transformer.h.0.attn.rotary' is not part of a GPT-2");
    Extra layer2 = {"transformer.h.2.ln_1.weight", 1, {32}, NULL};
    copy_fixture(file, sizeof file, "layer2.safetensors", NULL, NULL, &layer2, 1);
    expect_load_error(file, &c,
                      "tensor 'transformer.h.2.ln_1.weight' is not part of a GPT-2 with n_layer 2");
    Extra mixed = {"wpe.weight", 2, {64, 32}, NULL};
    copy_fixture(file, sizeof file, "mixed.safetensors", NULL, NULL, &mixed, 1);
    expect_load_error(file, &c, "tensor 'wpe.weight' is not part of a GPT-2");
    Extra nothing = {"foo", 1, {1}, NULL};
    copy_fixture(file, sizeof file, "none.safetensors", "transformer.", "transformer.wte.weight",
                 &nothing, 1);
    expect_load_error(file, &c,
                      "no tensor 'transformer.wte.weight' (nor 'wte.weight'): not a GPT-2");

    /* The config disagreeing with the tensors. */
    HfGpt2Config more = c;
    more.layers = 3;
    expect_load_error(FIXTURE "model.safetensors", &more,
                      "tensor 'transformer.h.2.ln_1.weight' is missing");
    HfGpt2Config fewer = c;
    fewer.layers = 1;
    expect_load_error(FIXTURE "model.safetensors", &fewer, "tensor 'transformer.h.1.");
    HfGpt2Config wide = c;
    wide.dim = 64;
    expect_load_error(FIXTURE "model.safetensors", &wide,
                      "tensor 'transformer.wte.weight' has shape [264, 32]; config.json gives "
                      "[vocab_size, n_embd] = [264, 64]");
    HfGpt2Config vocab = c;
    vocab.vocab = 300;
    expect_load_error(FIXTURE "model.safetensors", &vocab, "[vocab_size, n_embd] = [300, 32]");
    HfGpt2Config positions = c;
    positions.context = 32;
    expect_load_error(FIXTURE "model.safetensors", &positions,
                      "tensor 'transformer.wpe.weight' has shape [64, 32]; config.json gives "
                      "[n_positions, n_embd] = [32, 32]");

    /* A tensor in a dtype that is not read as float32: the header is edited in place (I32 has
     * F32's size, so the file stays valid). */
    size_t len;
    char *bytes = read_file(FIXTURE "model.safetensors", &len);
    const char key[] = "\"transformer.ln_f.bias\":{\"dtype\":\"F32\"";
    char *at = strstr(bytes + 8, key);
    cr_assert_not_null(at);
    memcpy(at + sizeof key - 5, "I32", 3);
    in_dir(file, sizeof file, "i32.safetensors");
    write_file(file, bytes, len);
    free(bytes);
    expect_load_error(file, &c, "tensor 'transformer.ln_f.bias': dtype I32 is not supported");
}

/* ---- config.json --------------------------------------------------------------------------- */

/* The fixture's config.json with `from` replaced by `to`, parsed: must fail naming expect. */
static void expect_config_error(const char *from, const char *to, const char *expect) {
    char *text = read_file(FIXTURE "config.json", NULL);
    char *at = strstr(text, from);
    cr_assert_not_null(at, "%s not in the fixture's config.json", from);
    char edited[4096];
    snprintf(edited, sizeof edited, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    free(text);
    HfGpt2Config c;
    char err[1024] = "";
    cr_assert_eq(
        hf_gpt2_config_parse(edited, strlen(edited), "my/config.json", &c, err, sizeof err), -1,
        "accepted %s", to);
    cr_assert(strstr(err, "my/config.json: ") == err, "%s", err);
    cr_assert(strstr(err, expect) != NULL, "expected \"%s\" in: %s", expect, err);
}

Test(hf_gpt2, config_json_refuses_what_the_model_cannot_compute) {
    expect_config_error("\"gelu_new\"", "\"gelu\"", "activation_function must be \"gelu_new\"");
    expect_config_error("\"gelu_new\"", "\"relu\"", "activation_function");
    expect_config_error("1e-05", "1e-06", "layer_norm_epsilon must be 1e-05");
    expect_config_error(
        "\"n_head\": 4", "\"n_head\": 5",
        "n_head = 5: exposure's model cannot hold it (model.heads: must be >= 1 and divide dim)");
    expect_config_error("\"n_layer\": 2", "\"n_layer\": 0", "n_layer = 0");
    expect_config_error("\"n_layer\": 2", "\"n_layer\": \"2\"", "n_layer must be an integer");
    expect_config_error("\"n_embd\": 32", "\"n_embd\": 32.5", "n_embd must be an integer");
    expect_config_error("\"vocab_size\": 264", "\"vocab_size\": 2000000", "vocab_size = 2000000");
    expect_config_error("\"n_positions\": 64", "\"n_positions\": 1", "n_positions = 1");
    expect_config_error("\"n_inner\": null", "\"n_inner\": 100",
                        "n_inner must be null or 4 * n_embd (128)");
    expect_config_error("\"scale_attn_weights\": true", "\"scale_attn_weights\": false",
                        "scale_attn_weights is false");
    expect_config_error("\"scale_attn_by_inverse_layer_idx\": false",
                        "\"scale_attn_by_inverse_layer_idx\": true",
                        "scale_attn_by_inverse_layer_idx is true");
    expect_config_error("\"tie_word_embeddings\": true", "\"tie_word_embeddings\": false",
                        "tie_word_embeddings is false");
    expect_config_error("\"tie_word_embeddings\": true", "\"tie_word_embeddings\": 1",
                        "tie_word_embeddings must be true or false");
    expect_config_error("\"model_type\": \"gpt2\"", "\"model_type\": \"llama\"",
                        "model_type is not \"gpt2\"");
    expect_config_error("\"bos_token_id\": 256", "\"bos_token_id\": -3",
                        "bos_token_id must be an integer >= 0 or null");
    expect_config_error("{", "[", "not a JSON object");

    HfGpt2Config c;
    char err[1024];
    const char minimal[] = "{\"n_layer\": 1, \"n_embd\": 8, \"n_head\": 2, \"n_positions\": 16, "
                           "\"vocab_size\": 40, \"n_inner\": 32, \"activation_function\": "
                           "\"gelu_pytorch_tanh\", \"bos_token_id\": null}";
    cr_assert_eq(hf_gpt2_config_parse(minimal, strlen(minimal), "c", &c, err, sizeof err), 0, "%s",
                 err);
    cr_assert(c.layers == 1 && c.dim == 8 && c.heads == 2 && c.context == 16 && c.vocab == 40);
    cr_assert(c.bos_id == -1 && c.eos_id == 50256, "absent keys take GPT2Config's defaults");
    cr_assert_eq(hf_gpt2_config_parse("{}", 2, "c", &c, err, sizeof err), 0, "%s", err);
    cr_assert(c.layers == 12 && c.dim == 768 && c.heads == 12 && c.context == 1024 &&
              c.vocab == 50257);
    cr_assert_eq(hf_gpt2_config_load("/nonexistent/config.json", &c, err, sizeof err), -1);
    cr_assert(strstr(err, "/nonexistent/config.json: cannot open"), "%s", err);

    char path[600];
    cr_assert_eq(hf_gpt2_config_path("out/gpt2/model.safetensors", path, sizeof path), 0);
    cr_assert_str_eq(path, "out/gpt2/config.json");
    cr_assert_eq(hf_gpt2_config_path("model.safetensors", path, sizeof path), 0);
    cr_assert_str_eq(path, "config.json");
    cr_assert_eq(hf_gpt2_config_path("/m.safetensors", path, sizeof path), 0);
    cr_assert_str_eq(path, "/config.json");
    cr_assert_eq(hf_gpt2_config_path("a/b.safetensors", path, 8), -1);
}

/* ---- another vocabulary, into plain buffers ------------------------------------------------ */

typedef struct {
    float *at[NUM_PARAM_TENSORS];
} Buffers;

/* Separate buffers per tensor, laid out as ParamViews for c with vocab_rows embedding rows. */
static ParamViews alloc_views(const HfGpt2Config *c, int vocab_rows, Buffers *b) {
    size_t L = (size_t)c->layers, C = (size_t)c->dim;
    size_t sizes[NUM_PARAM_TENSORS] = {[P_WTE] = (size_t)vocab_rows * C,
                                       [P_WPE] = (size_t)c->context * C,
                                       [P_LN1W] = L * C,
                                       [P_LN1B] = L * C,
                                       [P_QKVW] = L * 3 * C * C,
                                       [P_QKVB] = L * 3 * C,
                                       [P_ATTPROJW] = L * C * C,
                                       [P_ATTPROJB] = L * C,
                                       [P_LN2W] = L * C,
                                       [P_LN2B] = L * C,
                                       [P_FCW] = L * 4 * C * C,
                                       [P_FCB] = L * 4 * C,
                                       [P_FCPROJW] = L * 4 * C * C,
                                       [P_FCPROJB] = L * C,
                                       [P_LNFW] = C,
                                       [P_LNFB] = C};
    ParamViews v;
    for (int i = 0; i < NUM_PARAM_TENSORS; i++) {
        b->at[i] = malloc(sizes[i] * sizeof(float));
        cr_assert_not_null(b->at[i]);
        for (size_t k = 0; k < sizes[i]; k++)
            b->at[i][k] = (float)((i + 1) * 1000 + k % 997) * 1e-3f;
        v.at[i] = b->at[i];
    }
    return v;
}

static void free_views(Buffers *b) {
    for (int i = 0; i < NUM_PARAM_TENSORS; i++) free(b->at[i]);
}

Test(hf_gpt2, another_vocabulary_into_plain_buffers) {
    /* GPT-2's own vocabulary size (not a multiple of 8) in a small model. */
    HfGpt2Config c = {.layers = 2,
                      .dim = 16,
                      .heads = 2,
                      .context = 8,
                      .vocab = 50257,
                      .bos_id = 50256,
                      .eos_id = 50256};
    Buffers src, dst, wide;
    ParamViews s = alloc_views(&c, c.vocab, &src);
    char file[600], err[1024];
    in_dir(file, sizeof file, "gpt2-vocab.safetensors");
    cr_assert_eq(hf_gpt2_save(file, &s, &c, NULL, err, sizeof err), 0, "%s", err);

    SafeTensors st;
    cr_assert_eq(safetensors_open(&st, file, err, sizeof err), 0, "%s", err);
    /* In the file, Conv1D weights are (in, out): element [i, o] is exposure's [o, i]. */
    const StTensor *qkv = safetensors_find(&st, "transformer.h.1.attn.c_attn.weight");
    cr_assert(qkv && qkv->shape[0] == 16 && qkv->shape[1] == 48);
    float v;
    size_t C = 16, i = 5, o = 40;
    cr_assert_eq(safetensors_read_f32(&st, qkv, i * 48 + o, 1, &v, err, sizeof err), 0);
    cr_assert_eq(v, s.qkvw[3 * C * C + o * C + i]);

    /* Into rows padded to 8, as the model pads them, and into many more. */
    ParamViews d = alloc_views(&c, 50264, &dst), w = alloc_views(&c, 50300, &wide);
    cr_assert_eq(hf_gpt2_load(&st, &c, &d, 50264, err, sizeof err), 0, "%s", err);
    cr_assert_eq(hf_gpt2_load(&st, &c, &w, 50300, err, sizeof err), 0, "%s", err);
    const size_t sizes[NUM_PARAM_TENSORS] = {[P_WTE] = 50257 * C,
                                             [P_WPE] = 8 * C,
                                             [P_LN1W] = 2 * C,
                                             [P_LN1B] = 2 * C,
                                             [P_QKVW] = 2 * 3 * C * C,
                                             [P_QKVB] = 2 * 3 * C,
                                             [P_ATTPROJW] = 2 * C * C,
                                             [P_ATTPROJB] = 2 * C,
                                             [P_LN2W] = 2 * C,
                                             [P_LN2B] = 2 * C,
                                             [P_FCW] = 2 * 4 * C * C,
                                             [P_FCB] = 2 * 4 * C,
                                             [P_FCPROJW] = 2 * 4 * C * C,
                                             [P_FCPROJB] = 2 * C,
                                             [P_LNFW] = C,
                                             [P_LNFB] = C};
    for (int t = 0; t < NUM_PARAM_TENSORS; t++) {
        cr_assert_eq(memcmp(d.at[t], s.at[t], sizes[t] * sizeof(float)), 0, "tensor %d", t);
        cr_assert_eq(memcmp(w.at[t], s.at[t], sizes[t] * sizeof(float)), 0, "tensor %d", t);
    }
    for (size_t k = 50257 * C; k < 50264 * C; k++) cr_assert_eq(d.wte[k], 0.0f);
    for (size_t k = 50257 * C; k < 50300 * C; k++) cr_assert_eq(w.wte[k], 0.0f);
    /* Fewer rows than the file's vocabulary cannot hold it. */
    cr_assert_eq(hf_gpt2_load(&st, &c, &w, 50000, err, sizeof err), -1);
    cr_assert(
        strstr(err, "the token embedding has 50257 rows (vocab_size), the model holds only 50000"),
        "%s", err);
    safetensors_close(&st);
    free_views(&src);
    free_views(&dst);
    free_views(&wide);
}

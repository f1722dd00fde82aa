#include "hfmodel.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "data.h"
#include "method.h"
#include "nn.h"
#include "warmstart.h"

static int padded(int n) { return (n + 7) / 8 * 8; }

/* The tokenizer a vocab_size implies, or NULL when it implies none. */
static const char *tokenizer_for_rows(int rows) {
    if (rows == 50257 || (rows >= 50260 && rows <= padded(50260))) return "gpt2";
    if (rows == 256 || (rows >= TOK_COUNT && rows <= TOK_VOCAB_PADDED)) return "byte";
    return NULL;
}

/* Rows own..count-1 of the embedding: each the mean of rows 0..own-1, so that a special
 * starts as an average token rather than as noise or zero (docs/models.md). */
static void init_special_rows(float *wte, int own, int count, int C) {
    for (int c = 0; c < C; c++) {
        double sum = 0.0;
        for (int i = 0; i < own; i++) sum += wte[(size_t)i * C + (size_t)c];
        for (int i = own; i < count; i++) wte[(size_t)i * C + (size_t)c] = (float)(sum / own);
    }
}

/* The base name of path without its extension, for the run's name. */
static void base_name(const char *path, char *out, size_t cap) {
    const char *slash = strrchr(path, '/');
    const char *b = slash ? slash + 1 : path;
    const char *dot = strrchr(b, '.');
    int n = dot && dot > b ? (int)(dot - b) : (int)strlen(b);
    snprintf(out, cap, "%.*s", n, b);
}

/* The run's config: the defaults with the model keys set to the file's. */
static int import_config(Config *cfg, const ModelConfig *mc, const char *tokenizer, char *err,
                         size_t cap) {
    config_defaults(cfg);
    char set[LIMIT_CONFIG_STRING + 32];
    const struct {
        const char *key;
        int value;
    } keys[] = {{"model.layers", mc->layers},
                {"model.dim", mc->dim},
                {"model.heads", mc->heads},
                {"model.context", mc->context}};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        snprintf(set, sizeof set, "%s=%d", keys[i].key, keys[i].value);
        if (config_set(cfg, set, err, cap)) return -1;
    }
    snprintf(set, sizeof set, "model.tokenizer=%s", tokenizer);
    if (config_set(cfg, set, err, cap)) return -1;
    return config_resolve(cfg, err, cap);
}

typedef struct {
    SafeTensors st;
    int st_open;
    HfGpt2Config hc;
    Vocab *vocab;
    Model m;
    int model_ready;
    Store *store;
} Import;

static void import_free(Import *im) {
    if (im->st_open) safetensors_close(&im->st);
    vocab_free(im->vocab);
    if (im->model_ready) model_free(&im->m);
    store_close(im->store);
}

/* The file, its config.json and the tokenizer; the model's weights. */
static int import_weights(Import *im, const HfImportOptions *o, HfImportResult *r, char *err,
                          size_t cap) {
    char cfg_path[LIMIT_PATH_BYTES];
    if (hf_gpt2_config_path(o->file, cfg_path, sizeof cfg_path)) {
        snprintf(err, cap, "%s: path too long", o->file);
        return HFMODEL_EINPUT;
    }
    if (safetensors_open(&im->st, o->file, err, cap)) return HFMODEL_EINPUT;
    im->st_open = 1;
    if (hf_gpt2_config_load(cfg_path, &im->hc, err, cap)) return HFMODEL_EINPUT;
    if (hf_gpt2_check(&im->st, &im->hc, err, cap)) return HFMODEL_EINPUT;
    int rows = im->hc.vocab;
    const char *tok = o->tokenizer && *o->tokenizer ? o->tokenizer : tokenizer_for_rows(rows);
    if (!tok) {
        snprintf(err, cap,
                 "%s: vocab_size %d is neither GPT-2's (50257) nor the byte-level one's (256); "
                 "name the vocabulary with --tokenizer FILE.json",
                 cfg_path, rows);
        return HFMODEL_EINPUT;
    }
    if (!(im->vocab = vocab_open(tok, err, cap))) return HFMODEL_EINPUT;
    int own = vocab_own_size(im->vocab), count = vocab_ids(im->vocab)->count;
    if (rows != own && (rows < count || rows > padded(count))) {
        snprintf(err, cap,
                 "%s: vocab_size %d does not fit tokenizer %s: it has %d tokens, %d with "
                 "exposure's specials (up to %d rows padded)",
                 cfg_path, rows, tok, own, count, padded(count));
        return HFMODEL_EINPUT;
    }
    ModelConfig mc = hf_gpt2_model_config(&im->hc);
    mc.vocab = count;
    if (model_init(&im->m, &mc, 1)) {
        snprintf(err, cap, "out of memory for a model of %d layers, dim %d", mc.layers, mc.dim);
        return HFMODEL_ERUNTIME;
    }
    im->model_ready = 1;
    if (hf_gpt2_load(&im->st, &im->hc, &im->m.p, im->m.padded_vocab, err, cap))
        return HFMODEL_EINPUT;
    if (rows == own && own < count) init_special_rows(im->m.p.wte, own, count, mc.dim);
    *r = (HfImportResult){.file_rows = rows,
                          .added = rows == own ? count - own : 0,
                          .layers = mc.layers,
                          .dim = mc.dim,
                          .heads = mc.heads,
                          .context = mc.context};
    snprintf(r->tokenizer, sizeof r->tokenizer, "%s", tok);
    return 0;
}

/* The run, its step-0 checkpoint, and an event saying where its weights came from. */
static int import_run(Import *im, const HfImportOptions *o, HfImportResult *r, char *err,
                      size_t cap) {
    Config cfg;
    if (import_config(&cfg, &im->m.cfg, r->tokenizer, err, cap)) return HFMODEL_EINPUT;
    if (store_open(o->db_path, &im->store, err, cap)) return HFMODEL_ERUNTIME;
    char name[128], base[96];
    base_name(o->file, base, sizeof base);
    if (o->name && *o->name) snprintf(name, sizeof name, "%s", o->name);
    else snprintf(name, sizeof name, "import-%s", base);
    char *json = config_to_json(&cfg, 0);
    if (!json) {
        snprintf(err, cap, "out of memory");
        return HFMODEL_ERUNTIME;
    }
    NewRun nr = {.name = name,
                 .method = method_info(cfg.method.name)->name,
                 .dataset = cfg.data.train,
                 .config_json = json,
                 .seed = cfg.train.seed,
                 .steps = 0};
    r->run = store_create_run(im->store, &nr);
    free(json);
    char dir[LIMIT_PATH_BYTES];
    if (r->run < 0 || store_make_run_dir(im->store, r->run, dir, sizeof dir)) {
        snprintf(err, cap, "%s", store_error(im->store));
        return HFMODEL_ERUNTIME;
    }
    snprintf(r->checkpoint, sizeof r->checkpoint, "%.4000s/step-000000.ckpt", dir);
    CheckpointState st = {.step = 0};
    rng_seed(&st.rng, (uint64_t)cfg.train.seed);
    snprintf(st.tokenizer.spec, sizeof st.tokenizer.spec, "%s", vocab_spec(im->vocab));
    snprintf(st.tokenizer.identity, sizeof st.tokenizer.identity, "%s", vocab_identity(im->vocab));
    if (checkpoint_save(r->checkpoint, &im->m, &st, err, cap)) {
        store_set_status(im->store, r->run, "failed");
        return HFMODEL_ERUNTIME;
    }
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "file", o->file);
    cJSON_AddNumberToObject(ev, "vocab_size", r->file_rows);
    cJSON_AddNumberToObject(ev, "added_rows", r->added);
    char *detail = ev ? cJSON_PrintUnformatted(ev) : NULL;
    cJSON_Delete(ev);
    if (!detail) {
        snprintf(err, cap, "out of memory");
        return HFMODEL_ERUNTIME;
    }
    int bad = store_event(im->store, r->run, 0, "import", detail);
    free(detail);
    if (bad || store_checkpoint(im->store, r->run, 0, r->checkpoint) ||
        store_set_status(im->store, r->run, "completed")) {
        snprintf(err, cap, "%s", store_error(im->store));
        return HFMODEL_ERUNTIME;
    }
    return 0;
}

int hfmodel_import(const HfImportOptions *o, HfImportResult *r, char *err, size_t cap) {
    Import im;
    memset(&im, 0, sizeof im);
    memset(r, 0, sizeof *r);
    int rc = import_weights(&im, o, r, err, cap);
    if (!rc) rc = import_run(&im, o, r, err, cap);
    import_free(&im);
    return rc;
}

int hfmodel_export(const char *db_path, const char *ref, const char *out, int bf16,
                   HfExportResult *r, char *err, size_t cap) {
    memset(r, 0, sizeof *r);
    WarmStart ws;
    char why[LIMIT_PATH_BYTES + 512];
    if (warmstart_find(db_path, ref, &ws, why, sizeof why)) {
        /* Its messages speak of train.init_from; here the checkpoint is the argument. */
        const char *prefix = "train.init_from: ";
        size_t n = strlen(prefix);
        snprintf(err, cap, "%s", strncmp(why, prefix, n) == 0 ? why + n : why);
        return HFMODEL_EINPUT;
    }
    Model m;
    if (model_init(&m, &ws.shape, 1)) {
        snprintf(err, cap, "out of memory for the model of %s", ws.path);
        return HFMODEL_ERUNTIME;
    }
    CheckpointState st;
    int rc = 0;
    if (checkpoint_load(ws.path, &m, &st, err, cap)) {
        model_free(&m);
        return HFMODEL_EINPUT;
    }
    free(st.extra);
    HfGpt2Config hc = hf_gpt2_config_of(&m.cfg);
    hc.vocab = m.padded_vocab; /* every row, so that importing it gives the same parameters */
    Vocab *v = vocab_open(st.tokenizer.spec, why, sizeof why);
    if (v) {
        hc.bos_id = vocab_ids(v)->bos;
        hc.eos_id = vocab_ids(v)->eos;
        vocab_free(v);
    }
    HfGpt2SaveOptions so = {.dtype = bf16 ? ST_BF16 : ST_F32};
    if (hf_gpt2_save(out, &m.p, &hc, &so, err, cap)) rc = HFMODEL_ERUNTIME;
    model_free(&m);
    if (!rc) {
        r->run = ws.run;
        r->step = ws.step;
        r->vocab_rows = hc.vocab;
        hf_gpt2_config_path(out, r->config_path, sizeof r->config_path);
    }
    return rc;
}

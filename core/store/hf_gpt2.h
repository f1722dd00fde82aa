/* Hugging Face's GPT-2 in safetensors, and exposure's parameters: the tensor map, its checks,
 * and the config.json beside the weights (docs/models.md has the table).
 *
 * Names are GPT2LMHeadModel's ("transformer.h.0.attn.c_attn.weight") or GPT2Model's (the
 * same without "transformer."). Hugging Face stores the block matrices as Conv1D, (in, out);
 * exposure holds every matrix (out, in), so they are transposed on the way in and out. The
 * attention buffers attn.bias and attn.masked_bias are ignored; lm_head.weight, when present,
 * must equal the token embedding, which is the LM head in both. */
#ifndef EXPOSURE_HF_GPT2_H
#define EXPOSURE_HF_GPT2_H

#include <stddef.h>

#include "nn.h"
#include "safetensors.h"

/* The part of Hugging Face's GPT2Config that fixes the shapes. Every other key must have a
 * value exposure's model computes exactly (hf_gpt2_config_parse refuses the rest). */
typedef struct {
    int layers;  /* n_layer */
    int dim;     /* n_embd */
    int heads;   /* n_head */
    int context; /* n_positions */
    int vocab;   /* vocab_size: rows of the token embedding */
    int bos_id;  /* bos_token_id, eos_token_id: -1 for null */
    int eos_id;
} HfGpt2Config;

/* The path of config.json in the directory of model_path. Returns 0, or -1 when it does not
 * fit in cap. */
int hf_gpt2_config_path(const char *model_path, char *out, size_t cap);

/* Parses a GPT2Config's JSON text; name (its file) prefixes messages. Absent keys take
 * GPT2Config's defaults, as Hugging Face's loader would. Returns 0, or -1 with a message
 * naming the key when the value is malformed or not what exposure's model computes (another
 * activation or LayerNorm epsilon, untied head, ...) or outside its limits. */
int hf_gpt2_config_parse(const char *json, size_t len, const char *name, HfGpt2Config *c, char *err,
                         size_t errcap);
int hf_gpt2_config_load(const char *path, HfGpt2Config *c, char *err, size_t errcap);

/* The same checks on a config built in memory (e.g. from hf_gpt2_config_of). */
int hf_gpt2_config_check(const HfGpt2Config *c, const char *name, char *err, size_t errcap);

/* config.json's text for c with weights stored as dtype: GPT2Config's keys, sorted, two-space
 * indented, as Hugging Face writes them. malloc'd; NULL when out of memory. */
char *hf_gpt2_config_json(const HfGpt2Config *c, StDtype dtype);

ModelConfig hf_gpt2_model_config(const HfGpt2Config *c);
/* bos_id and eos_id are -1: the tokenizer, not the model, knows them. */
HfGpt2Config hf_gpt2_config_of(const ModelConfig *mc);

/* Checks that st holds a GPT-2 of config c and nothing else: every tensor present, each with
 * the shape c gives it and a dtype that reads as float32; no unknown tensor. Returns 0, or -1
 * with a message naming the file and the tensor. */
int hf_gpt2_check(const SafeTensors *st, const HfGpt2Config *c, char *err, size_t errcap);

/* Checks st (as hf_gpt2_check) and reads its weights into dst, laid out as core/model.h's
 * ParamViews for config c except that the token embedding has vocab_rows rows: the file's
 * c->vocab rows, then zeros (vocab_rows >= c->vocab). Returns 0, or -1 with a message; dst's
 * contents are then unspecified. */
int hf_gpt2_load(const SafeTensors *st, const HfGpt2Config *c, const ParamViews *dst,
                 int vocab_rows, char *err, size_t errcap);

typedef struct {
    StDtype dtype;      /* ST_F32 (the zero value) or ST_BF16 */
    const StMeta *meta; /* more __metadata__ entries; "format": "pt" is always written, so
                         * "format" cannot be one of them */
    size_t meta_count;
} HfGpt2SaveOptions;

/* Writes path (GPT2LMHeadModel's names, without the tied lm_head.weight, in the order and
 * bytes Hugging Face's writer gives) and config.json beside it, from src laid out for c (the
 * first c->vocab rows of its token embedding are written). Each file is written beside its
 * destination and renamed into place, config.json last. opts may be NULL. Returns 0, or -1
 * with a message; no partial file is then left under either name. */
int hf_gpt2_save(const char *path, const ParamViews *src, const HfGpt2Config *c,
                 const HfGpt2SaveOptions *opts, char *err, size_t errcap);

#endif

/* Checkpoint files: everything needed to continue training exactly where it stopped.
 *
 * Layout: the magic "EXPOCKPT", a u32 format version, a u32 byte-order mark, then sections
 * (u32 tag, u32 zero, u64 length, payload, u64 FNV-1a hash of the payload) ending with an
 * "END " section: CONF (model config), an optional TOKN (the vocabulary, when it is not the
 * byte-level one), STEP, RNG, PARM, ADMM, ADMV (parameters and AdamW moments) and an optional
 * XTRA holding the trainer's own state. A file is written beside its
 * destination and renamed into place, so a crash never leaves a half-written checkpoint. */
#ifndef EXPOSURE_CHECKPOINT_H
#define EXPOSURE_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "nn.h"
#include "util.h"

#define CHECKPOINT_VERSION 1

/* The vocabulary a checkpoint's model reads: model.tokenizer as configured ("byte", "gpt2", a
 * FILE.json) and what it is (vocab.h's vocab_identity: "gpt2", "bpe:N:fnv1a64:HEX"), so that a
 * run resumes or starts only from weights of its own vocabulary. */
typedef struct {
    char spec[LIMIT_CONFIG_STRING];
    char identity[64];
} CheckpointTokenizer;

/* 1 for the byte-level vocabulary (an empty identity counts as it). */
int checkpoint_tokenizer_is_byte(const CheckpointTokenizer *t);

typedef struct {
    int64_t step; /* optimizer steps completed */
    Rng rng;      /* the trainer's random state after those steps */
    void *extra;  /* trainer state; on load malloc'd (or NULL) and owned by the caller */
    size_t extra_len;
    uint64_t params_hash; /* on load: the FNV-1a hash of the parameters' bytes */
    /* On save: zeroed or "byte" writes no TOKN section. On load: the file's, "byte" for a
     * file without one (every checkpoint written before there were other vocabularies). */
    CheckpointTokenizer tokenizer;
} CheckpointState;

/* The identity of a checkpoint's parameters, "fnv1a64:" and 16 hex digits of params_hash:
 * what a run started from them records. cap of 32 is enough. */
void checkpoint_params_id(uint64_t params_hash, char *out, size_t cap);

/* Returns 0, or -1 with a message naming the file in err. */
int checkpoint_save(const char *path, const Model *m, const CheckpointState *st, char *err,
                    size_t errcap);

/* Reads only the model configuration, so that a caller can check it (or refuse it) before
 * allocating a model. Returns 0 or -1 with a message. */
int checkpoint_read_config(const char *path, ModelConfig *cfg, char *err, size_t errcap);

/* Reads the vocabulary the checkpoint's model reads ("byte" for a file without a TOKN
 * section). Returns 0, or -1 with a message (t then says "byte"). */
int checkpoint_read_tokenizer(const char *path, CheckpointTokenizer *t, char *err, size_t errcap);

/* Loads parameters, AdamW state, step, RNG and extra into m, which must already be
 * initialised with the file's configuration. On error returns -1 with a message and leaves
 * st without an allocation; m's contents are then unspecified. */
int checkpoint_load(const char *path, Model *m, CheckpointState *st, char *err, size_t errcap);

#endif

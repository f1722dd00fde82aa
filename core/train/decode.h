/* Autoregressive generation with a per-layer key/value cache, batched over samples.
 *
 * Each sequence starts from its prompt tokens (normally <bos> prompt <sep>), which are
 * processed in one pass, and then grows one token per step until it emits <eos> or reaches
 * max_new_tokens. Only text tokens (bytes for the byte-level vocabulary), <eos> and (when RAC
 * decoding is on) <corr> can be emitted.
 *
 * RAC-aware decoding: when the model emits <corr>, the visible output drops its last token
 * (token granularity) or everything generated so far (segment granularity); the model's
 * context keeps everything. A <corr> with nothing to retract changes nothing; once a sample
 * has made max_corrections corrections, <corr> can no longer be emitted. Every correction is
 * recorded: the visible position it retracted at, the retracted token (the last one for
 * segment granularity), and the replacement (the next token emitted).
 *
 * The network is the model's own forward pass (block_forward and head_forward, core/nn),
 * over the rows of a pass against the key/value cache (KVCache): the prompts' rows in one
 * pass, then one row per active sequence per step; a single sequence's row is computed by all
 * the pool's workers together (a BlockTeam), each reading its own share of the weights. */
#ifndef EXPOSURE_DECODE_H
#define EXPOSURE_DECODE_H

#include "nn.h"
#include "util.h"

typedef struct {
    int max_new_tokens; /* raw tokens generated at most, <corr> included, <eos> excluded */
    float temperature;  /* 0: greedy (argmax) */
    int top_k;          /* 0: sample among all tokens */
    int rac;            /* honour <corr> */
    int rac_segment;    /* segment granularity (else token) */
    int max_corrections;
    int ignore_eos;      /* never choose <eos>: generate exactly the budget (benchmarks) */
    int keep_logits;     /* keep the logits of every step in DecodeResult.logits */
    const TokenIds *ids; /* the vocabulary's layout; NULL for the byte-level one */
} DecodeOptions;

typedef struct {
    int pos;             /* position in the visible output that was retracted */
    token_t retracted;   /* the retracted token (segment: the last of the segment) */
    token_t replacement; /* first token emitted after <corr>; <eos> or -1 when none */
} Correction;

typedef struct {
    token_t *raw; /* every generated token, <corr> included, <eos> excluded */
    int n_raw;
    token_t *out; /* the visible output after retractions */
    int n_out;
    Correction *corr;
    int n_corr;
    int ended; /* 1 when the model emitted <eos> */
    /* With keep_logits: the logits each token was chosen from, one row of the model's padded
     * vocabulary per step: row k for raw[k], row n_raw for the <eos> when it ended. */
    const float *logits;
} DecodeResult;

typedef struct Decoder Decoder;

/* A decoder for up to max_batch sequences of the model's context. Returns NULL when out of
 * memory. It reads the model's parameters at each call, so it follows training. */
Decoder *decoder_new(const Model *m, int max_batch);
/* Bytes decoder_new allocates for max_batch sequences of model c run by workers threads (the
 * model's, model_set_threads): the key/value cache (keys padded to whole tiles of 16
 * positions), the logits over the padded vocabulary, and each worker's scratch for a pass of
 * up to 1024 rows; so that a model can be checked against the memory available before it is
 * built. Saturates at SIZE_MAX. The logits keep_logits allocates on first use are not in it. */
size_t decoder_bytes_needed(const ModelConfig *c, int max_batch, int workers);
/* What decoder_new allocated for d: decoder_bytes_needed of its model, batch and workers. */
size_t decoder_bytes(const Decoder *d);
void decoder_free(Decoder *d);
int decoder_max_batch(const Decoder *d);

/* Generates for B (<= max_batch) prompts with 1 <= prompt_len[b] < context. Each sequence
 * generates at most min(opt->max_new_tokens, context - prompt_len[b]) tokens. results[b] are
 * filled (arrays owned by the decoder, valid until its next call). rng is used only when
 * temperature > 0. Returns 0, or -1 when the shapes do not fit or (keep_logits, whose rows
 * the decoder allocates on first use) memory is short. */
int decode_batch(Decoder *d, const Model *m, const token_t *const *prompts, const int *prompt_len,
                 int B, const DecodeOptions *opt, Rng *rng, DecodeResult *results);

/* Index of the token to emit from one row of logits, with the rules above: greedy when
 * temperature is 0, else top-k sampling; allow_corr says whether <corr> may be chosen. ids as
 * in DecodeOptions; scratch holds ids->text + 2 floats. */
token_t decode_pick(const float *logits, const TokenIds *ids, float temperature, int top_k,
                    int allow_corr, Rng *rng, float *scratch);

#endif

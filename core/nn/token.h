/* The model's token ids: ids 0-255 are bytes, the specials follow. The tokenizer (data.h)
 * turns text into these ids and back; the model and its batches only need the ids. */
#ifndef EXPOSURE_TOKEN_H
#define EXPOSURE_TOKEN_H

#include <stdint.h>

enum {
    TOK_BOS = 256, /* start of every sequence */
    TOK_SEP,       /* end of the prompt, start of the response */
    TOK_EOS,       /* end of the response */
    TOK_CORR,      /* RAC: retract the previous token */
    TOK_PAD,       /* filler after the end of a short row; never a loss target */
    TOK_COUNT      /* number of real token ids */
};

/* The model's vocabulary: TOK_COUNT rounded up to a multiple of 8 so that the LM head's
 * rows stay aligned for the GEMM kernels. Ids in [TOK_COUNT, TOK_VOCAB_PADDED) never occur. */
#define TOK_VOCAB_PADDED (((TOK_COUNT) + 7) / 8 * 8)

typedef int32_t token_t;

#endif

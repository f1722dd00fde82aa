/* The model's token ids. The byte-level vocabulary (the default): ids 0-255 are bytes, the
 * specials follow (TOK_*). Other vocabularies (GPT-2's, learned ones: data.h's vocab.h) put
 * their own tokens first and the specials after them; TokenIds says where each is. The
 * tokenizer turns text into these ids and back; the model and its batches only need the ids. */
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

/* Where a vocabulary's ids are: text tokens are [0, text), which is everything decoding may
 * emit apart from <eos> and <corr>; the specials are single ids (GPT-2's <|endoftext|> is
 * both <bos> and <eos>, and is the id `text`); count ids in all, what the model's embedding
 * holds (before padding to a multiple of 8). <pad> only fills masked positions. */
typedef struct {
    int text;
    token_t bos, sep, eos, corr, pad;
    int count;
} TokenIds;

/* The byte-level layout. */
static inline TokenIds token_ids_byte(void) {
    return (TokenIds){256, TOK_BOS, TOK_SEP, TOK_EOS, TOK_CORR, TOK_PAD, TOK_COUNT};
}

/* ids, or the byte-level layout where a caller gives none (NULL). */
static inline TokenIds token_ids_or_byte(const TokenIds *ids) {
    return ids ? *ids : token_ids_byte();
}

#endif

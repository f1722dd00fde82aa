/* What the Datasets screen knows about a file: loaded as training would load it, its
 * layout, size and length statistics (characters and tokens), or the FILE:LINE reason it
 * cannot be used. The examples stay loaded for the preview. */
#ifndef EXPOSURE_UI_DSINFO_H
#define EXPOSURE_UI_DSINFO_H

#include "data.h"
#include "util.h"

typedef struct {
    int min, median, max; /* median: the lower middle value */
} LenStats;

typedef struct {
    char path[LIMIT_PATH_BYTES];
    int ok; /* loaded; else err says why */
    char err[1024];
    Dataset ds;
    int detected; /* the layout was detected, not named */
    LenStats prompt_chars, response_chars, prompt_tokens, response_tokens, seq_tokens;
    int context;                         /* the context the count below was made for */
    char tokenizer[LIMIT_CONFIG_STRING]; /* model.tokenizer the tokens were counted in */
    char vocab[96];                      /* what it is (vocab_describe) */
    int too_long;                        /* examples longer than context (dropped for training) */
} DsInfo;

/* Loads path with the given layout (LAYOUT_AUTO detects it) and counts its tokens in the
 * vocabulary tokenizer names (model.tokenizer). Returns 0, or -1 with the message in d->err
 * (d->ok = 0); d is to be freed either way. */
int dsinfo_load(DsInfo *d, const char *path, Layout layout, int keep_calc, int context,
                const char *tokenizer);
void dsinfo_free(DsInfo *d);

#endif

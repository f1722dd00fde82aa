/* Learning a byte-level BPE vocabulary from a corpus: texts are cut into pieces by GPT-2's
 * pre-tokenization (pretok.h), and merges are learned within pieces, as GPT-2's were.
 *
 * The vocabulary starts with the 256 bytes (id = byte value). Each step merges the pair of
 * adjacent tokens that occurs most often over the corpus (every piece counted as often as it
 * occurs), everywhere it occurs, left to right; ties go to the pair whose left id is lowest,
 * then whose right id is lowest, so training is deterministic. Each merge makes a new token,
 * the next id. Learning stops when the vocabulary has the tokens asked for, or when no pair
 * occurs min_count times. */
#ifndef EXPOSURE_BPE_TRAIN_H
#define EXPOSURE_BPE_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "bpe.h"

typedef struct BpeTrainer BpeTrainer;

typedef struct {
    size_t texts, bytes;  /* added */
    size_t pieces, words; /* pieces the texts were cut into; distinct pieces */
    size_t merges;        /* learned */
    size_t tokens;        /* the vocabulary's size: 256 + new tokens */
    uint64_t last_count;  /* occurrences of the last pair merged (0 when none was) */
} BpeTrainStats;

/* NULL with a message in err when memory runs out. */
BpeTrainer *bpe_trainer_new(char *err, size_t errcap);
void bpe_trainer_free(BpeTrainer *t);

/* Adds text[0..n) to the corpus. Returns 0, or -1 with "invalid UTF-8 at byte N" (nothing of
 * the text is added then), or a failure of the pre-tokenizer or of memory, in err. */
int bpe_trainer_add(BpeTrainer *t, const char *text, size_t n, char *err, size_t errcap);

/* Learns a vocabulary of at most vocab_size tokens (256 or more) from the corpus added so far,
 * merging pairs that occur at least min_count times (1 or more). The trainer is left as it
 * was: more texts may be added and other sizes learned. Fills stats when not NULL. NULL with
 * a message in err on bad arguments or when memory runs out. */
Bpe *bpe_trainer_learn(const BpeTrainer *t, size_t vocab_size, uint64_t min_count,
                       BpeTrainStats *stats, char *err, size_t errcap);

#endif

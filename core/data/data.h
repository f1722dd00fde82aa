/* The data: the tokenizers (byte-level; byte pair encoding, GPT-2's and learned ones),
 * datasets and their record layouts, corpora (tokenized datasets that fill batches), the
 * built-in tasks and their generators, the text metrics (exact match, final answer, F1,
 * ROUGE-L) and those on token sequences (edit distance, the path of a generation against its
 * reference). Uses nn and util. */
#ifndef EXPOSURE_DATA_H
#define EXPOSURE_DATA_H

#include "bpe.h"
#include "bpe_train.h"
#include "byteunicode.h"
#include "corpus.h"
#include "dataset.h"
#include "metrics.h"
#include "pretok.h"
#include "seqmetrics.h"
#include "tasks.h"
#include "tokenizer.h"
#include "vocab.h"

#endif

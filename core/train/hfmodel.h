/* Runs and Hugging Face's GPT-2 (docs/models.md): `exposure model import` makes a run whose
 * step-0 checkpoint holds the weights of a safetensors file (its config.json beside it), so
 * that it can be evaluated and fine-tuned (train.init_from) like any run; `exposure model
 * export` writes a run's checkpoint as safetensors and config.json.
 *
 * The tokenizer follows the file's vocab_size unless one is named: 50,257 (GPT-2's) or 50,260
 * to 50,264 (GPT-2's with exposure's specials, as exports write it) is gpt2; 256 or 261 to 264
 * is byte. A file of the vocabulary's own size (50,257, 256, or a learned vocabulary's N) gets
 * rows for exposure's specials, each the mean of the file's rows; a file that already has
 * them (count .. count padded to 8 rows) is taken as it is. Exports write every row of the
 * model's padded vocabulary, so that export then import gives the same parameters bit for
 * bit. */
#ifndef EXPOSURE_HFMODEL_H
#define EXPOSURE_HFMODEL_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "util.h"

/* Return values besides 0: bad input (exit code 2) and everything else (exit code 1). */
#define HFMODEL_EINPUT -2
#define HFMODEL_ERUNTIME -1

typedef struct {
    const char *db_path;   /* the run store (created when missing) */
    const char *file;      /* F.safetensors, config.json beside it */
    const char *name;      /* the run's name; NULL or "" for "import-<file name>" */
    const char *tokenizer; /* model.tokenizer; NULL or "" to follow vocab_size */
} HfImportOptions;

typedef struct {
    int64_t run;
    char tokenizer[LIMIT_CONFIG_STRING];
    int layers, dim, heads, context;
    int file_rows; /* the file's vocab_size */
    int added;     /* rows added for exposure's specials (0 when the file had them) */
    char checkpoint[LIMIT_PATH_BYTES];
} HfImportResult;

int hfmodel_import(const HfImportOptions *o, HfImportResult *r, char *err, size_t errcap);

typedef struct {
    int64_t run, step; /* the checkpoint written out */
    int vocab_rows;
    char config_path[LIMIT_PATH_BYTES];
} HfExportResult;

/* Writes the checkpoint ref names (a run id, ID:STEP or a checkpoint file, as train.init_from)
 * to out, in bf16 when bf16 is set, and config.json beside it. */
int hfmodel_export(const char *db_path, const char *ref, const char *out, int bf16,
                   HfExportResult *r, char *err, size_t errcap);

#endif

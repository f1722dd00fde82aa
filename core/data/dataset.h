/* Datasets: JSONL files, one JSON object a line, read with cJSON, in the layouts the Hugging
 * Face ecosystem uses. Every record becomes an Example: a prompt rendered through its layout's
 * template, the response the model is trained on, and every answer that counts as right.
 *
 * A training sequence is  <bos> prompt <sep> response <eos>  (see batch.h); the loss is taken
 * on the response tokens and <eos>. */
#ifndef EXPOSURE_DATASET_H
#define EXPOSURE_DATASET_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    LAYOUT_AUTO = 0,         /* detect from the first record */
    LAYOUT_PROMPT_RESPONSE,  /* {"prompt", "response"} */
    LAYOUT_QUESTION_ANSWER,  /* {"question", "answer"}: GSM8K, final answer after "####" */
    LAYOUT_INSTRUCTION,      /* {"instruction", "input"?, "output"}: Alpaca */
    LAYOUT_DOCUMENT_SUMMARY, /* {"document", "summary"} */
    LAYOUT_CONTEXT_QA,       /* {"context", "question", "answers"}: SQuAD-like */
    LAYOUT_COUNT
} Layout;

/* Config and CLI names: "auto", "prompt_response", "question_answer", "instruction",
 * "document_summary", "context_qa". */
const char *layout_name(Layout l);
/* Returns 0 and sets *out, or -1 for an unknown name. */
int layout_parse(const char *name, Layout *out);
/* The fields a layout reads, for display: e.g. "question/answer". */
const char *layout_fields(Layout l);

/* The longest line a dataset may have, in bytes (newline excluded). */
#define DATASET_MAX_LINE (1 << 20)
/* The most bytes a dataset file may have. Loaded, each byte costs about ten: its text, the
 * rendered prompt, a 4-byte token and a 4-byte self-generated token; 256 MiB is far more than
 * a byte-level model trains on with a CPU, and stays within a few GiB of memory. */
#define DATASET_MAX_BYTES ((size_t)1 << 28)

typedef struct {
    char *prompt;   /* rendered through the layout's template; UTF-8 */
    char *response; /* the training target; UTF-8 */
    char **answers; /* every reference that counts for evaluation; answers[0] is response */
    int n_answers;  /* >= 1 */
    int line;       /* 1-based line of the record in its file */
    int tokens;     /* its training sequence's tokens in a BPE vocabulary (vocab_measure); 0:
                       bytes, the byte-level vocabulary's */
} Example;

typedef struct {
    char *path;    /* the file it was read from */
    Layout layout; /* never LAYOUT_AUTO once loaded */
    Example *ex;
    int n;
} Dataset;

typedef struct {
    Layout layout;    /* LAYOUT_AUTO to detect from the first record */
    int keep_calc;    /* question/answer: keep GSM8K "<<...>>" calculator annotations */
    size_t max_bytes; /* the file's size limit; 0 means DATASET_MAX_BYTES */
} LoadOptions;

/* Loads a whole file. On any problem returns -1, loads nothing, and writes
 * "FILE:LINE: reason" (or "FILE: empty", "FILE: cannot open: ...") into err. */
int dataset_load(const char *path, const LoadOptions *opt, Dataset *out, char *err, size_t errcap);
/* The same for the bytes of a file already in memory (what the fuzzer feeds in); name stands
 * for the file in messages and in out->path. */
int dataset_load_buffer(const char *name, const void *data, size_t len, const LoadOptions *opt,
                        Dataset *out, char *err, size_t errcap);
void dataset_free(Dataset *d);

/* The name a dataset is shown by wherever runs are listed (exposure runs, the interface's Runs
 * screen, default run names): a built-in task's name as it is; for a split file (train, val or
 * test) the directory it is in (assets/datasets/arith/train.jsonl -> arith); for any other
 * file its name without the extension (/data/my.qa.jsonl -> my.qa). Writes into out. */
void dataset_name(const char *path, char *out, size_t cap);

/* Token length of an example's training sequence, <bos> prompt <sep> response <eos>: its
 * bytes + 3, or what vocab_measure counted in another vocabulary. */
int example_tokens(const Example *e);

/* Removes the examples whose training sequence needs more than `context` input positions
 * (tokens - 1 > context), keeping the order of the rest. Returns how many were removed. */
int dataset_drop_longer_than(Dataset *d, int context);
/* The context the longest example needs (its tokens - 1, the positions it takes as input);
 * 0 for no examples. */
int dataset_longest(const Dataset *d);

/* Keeps the first n examples (all when d has n or fewer). */
void dataset_truncate(Dataset *d, int n);

/* Moves a fraction of d (chosen by a shuffle with `seed`, at least one example when d has
 * two or more) into val, keeping file order within both. Returns 0 or -1 (out of memory). */
int dataset_split(Dataset *d, double fraction, uint64_t seed, Dataset *val);

#endif

/* exposure tokenizer train: learns a byte-level BPE vocabulary on a dataset (bpe_train.h) and
 * saves it for model.tokenizer (docs/tokenizers.md). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "train.h"

enum { F_VOCAB, F_OUTPUT, F_MIN_COUNT, F_LAYOUT };
static const ArgFlag flags[] = {
    [F_VOCAB] = {"--vocab", NULL, "N", 0, "tokens to learn, the 256 bytes included (required)"},
    [F_OUTPUT] = {"-o", "--output", "F.json", 0, "where to save the vocabulary (required)"},
    [F_MIN_COUNT] = {"--min-count", NULL, "C", 0,
                     "merge only pairs that occur at least C times (default 2)"},
    [F_LAYOUT] = {"--layout", NULL, "L", 0, "the data's layout (default auto)"},
    {0},
};

/* Adds every prompt and response of the dataset to the trainer. */
static int add_dataset(BpeTrainer *t, const Dataset *d, char *err, size_t cap) {
    for (int i = 0; i < d->n; i++) {
        const char *part[2] = {d->ex[i].prompt, d->ex[i].response};
        for (int k = 0; k < 2; k++) {
            char why[256];
            if (bpe_trainer_add(t, part[k], strlen(part[k]), why, sizeof why)) {
                snprintf(err, cap, "%s:%d: %s", d->path, d->ex[i].line, why);
                return -1;
            }
        }
    }
    return 0;
}

/* Mean sequence length (<bos> prompt <sep> response <eos>) of d in v's tokens. */
static double mean_tokens(Vocab *v, Dataset *d, char *err, size_t cap) {
    if (vocab_measure(v, d, err, cap)) return -1;
    double sum = 0;
    for (int i = 0; i < d->n; i++) sum += example_tokens(&d->ex[i]);
    return d->n ? sum / d->n : 0;
}

static int train_vocab(const Args *a) {
    if (args_max_positional(a, 2)) return EXIT_USAGE;
    const char *out = args_value(a, F_OUTPUT), *n_text = args_value(a, F_VOCAB);
    const char *min_text = args_value(a, F_MIN_COUNT), *layout = args_value(a, F_LAYOUT);
    long n, min_count = 2;
    if (a->n_positional < 2) return cli_usage_error("tokenizer", "train needs a dataset DATA");
    if (!n_text || cli_parse_long(n_text, 256, LIMIT_MODEL_VOCAB - 8, &n))
        return cli_usage_error("tokenizer", "--vocab N is required: 256 to %d tokens",
                               LIMIT_MODEL_VOCAB - 8);
    if (min_text && cli_parse_long(min_text, 1, 1L << 40, &min_count))
        return cli_usage_error("tokenizer", "--min-count: '%s' is not a positive count", min_text);
    if (!out) return cli_usage_error("tokenizer", "-o F.json is required");
    size_t olen = strlen(out);
    if (olen < 6 || strcmp(out + olen - 5, ".json") != 0)
        return cli_usage_error("tokenizer", "-o %s: the file must end in .json", out);
    if (cli_check_output("tokenizer", out)) return EXIT_USAGE;
    LoadOptions lo = {.layout = LAYOUT_AUTO};
    if (layout && layout_parse(layout, &lo.layout))
        return cli_usage_error("tokenizer", "--layout: unknown layout '%s'", layout);
    char path[LIMIT_PATH_BYTES], err[1024];
    if (task_resolve(a->positional[1], "train", path, sizeof path))
        return cli_usage_error("tokenizer", "%s: path too long", a->positional[1]);
    Dataset d;
    if (dataset_load(path, &lo, &d, err, sizeof err)) {
        fprintf(stderr, "exposure tokenizer train: %s\n", err);
        return EXIT_USAGE;
    }
    int rc = EXIT_RUNTIME;
    BpeTrainStats stats;
    Bpe *b = NULL;
    BpeTrainer *t = bpe_trainer_new(err, sizeof err);
    if (t && add_dataset(t, &d, err, sizeof err)) rc = EXIT_USAGE;
    else if (t &&
             (b = bpe_trainer_learn(t, (size_t)n, (uint64_t)min_count, &stats, err, sizeof err)) &&
             bpe_save_json(b, out, err, sizeof err) == 0)
        rc = EXIT_OK;
    bpe_free(b);
    bpe_trainer_free(t);
    if (rc != EXIT_OK) {
        fprintf(stderr, "exposure tokenizer train: %s\n", err);
        dataset_free(&d);
        return rc;
    }
    printf("%s: %zu tokens (%zu merges) learned on %s (%d records, %zu bytes)%s\n", out,
           stats.tokens, stats.merges, d.path, d.n, stats.bytes,
           stats.tokens < (size_t)n ? ": no pair left that occurs --min-count times" : "");
    Vocab *bytes = vocab_open("byte", err, sizeof err), *learned = vocab_open(out, err, sizeof err);
    double before = bytes ? mean_tokens(bytes, &d, err, sizeof err) : -1;
    double after = learned ? mean_tokens(learned, &d, err, sizeof err) : -1;
    if (before > 0 && after > 0)
        printf("mean sequence on it: %.1f tokens (bytes %.1f, %.2fx shorter); train with "
               "--set model.tokenizer=%s\n",
               after, before, before / after, out);
    vocab_free(bytes);
    vocab_free(learned);
    dataset_free(&d);
    return EXIT_OK;
}

static int run(const Args *a) {
    if (a->n_positional < 1) return cli_usage_error("tokenizer", "train?");
    if (strcmp(a->positional[0], "train") == 0) return train_vocab(a);
    return cli_usage_error("tokenizer", "unknown action \"%s\" (train)", a->positional[0]);
}

static void more_help(FILE *out) {
    fputs("train learns byte-level BPE merges on the prompts and responses of DATA (a JSONL file,\n"
          "or a built-in task: its train split), after GPT-2's pre-tokenization: the most\n"
          "frequent pair first, ties to the lowest ids, so the same data gives the same file\n"
          "(docs/tokenizers.md). It stops at N tokens or when no pair occurs --min-count times.\n"
          "A run uses it with --set model.tokenizer=F.json; checkpoints record its contents,\n"
          "so a run resumes only with the same vocabulary.\n",
          out);
}

const Command command_tokenizer = {
    .name = "tokenizer",
    .summary = "tokenizer train DATA --vocab N -o F.json",
    .usage = "exposure tokenizer train DATA --vocab N -o F.json [--min-count C] [--layout L]",
    .about = "  train   learn a BPE vocabulary on a dataset for model.tokenizer\n",
    .flags = flags,
    .more_help = more_help,
    .run = run,
};

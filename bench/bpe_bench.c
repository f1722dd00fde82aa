/* Tokenizer figures for docs/tokenizers.md: GPT-2's load time and encoding speed on GSM8K,
 * and how much shorter learned vocabularies make the sequences of the built-in datasets and
 * GSM8K. Run from the repository root: build/bpe-bench [GSM8K_DIR] (make bench-tokenizer). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "data.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void die(const char *what) {
    fprintf(stderr, "bpe-bench: %s\n", what);
    exit(1);
}

/* Every prompt and response of a dataset file, as the model sees them. */
typedef struct {
    Dataset d;
    size_t bytes;
} Texts;

static int load(const char *path, Texts *t) {
    char err[512];
    LoadOptions opt = {0};
    if (dataset_load(path, &opt, &t->d, err, sizeof err)) {
        fprintf(stderr, "bpe-bench: %s (skipped)\n", err);
        return -1;
    }
    t->bytes = 0;
    for (int i = 0; i < t->d.n; i++)
        t->bytes += strlen(t->d.ex[i].prompt) + strlen(t->d.ex[i].response);
    return 0;
}

/* Tokens of every prompt and response; the time it took in *seconds. */
static size_t count_tokens(Bpe *b, const Texts *t, token_t *ids, double *seconds) {
    char err[512];
    size_t total = 0, n;
    double t0 = now();
    for (int i = 0; i < t->d.n; i++) {
        const char *parts[2] = {t->d.ex[i].prompt, t->d.ex[i].response};
        for (int k = 0; k < 2; k++) {
            if (bpe_encode(b, parts[k], strlen(parts[k]), ids, &n, err, sizeof err)) die(err);
            total += n;
        }
    }
    if (seconds) *seconds = now() - t0;
    return total;
}

static void gpt2_speed(const Texts *gsm8k_train, const Texts *gsm8k_test, token_t *ids) {
    char err[512];
    double loads[15];
    for (int i = 0; i < 15; i++) {
        double t0 = now();
        Bpe *b = bpe_load_gpt2("assets/tokenizers/gpt2", err, sizeof err);
        loads[i] = now() - t0;
        if (!b) die(err);
        bpe_free(b);
    }
    qsort(loads, 15, sizeof loads[0], cmp_double);
    printf("GPT-2 load (encoder.json + vocab.bpe): best %.1f ms, median %.1f ms of 15\n",
           1e3 * loads[0], 1e3 * loads[7]);
    if (!gsm8k_train) return;

    /* Pre-tokenization alone. */
    Pretok *p = pretok_new(err, sizeof err);
    if (!p) die(err);
    size_t pieces = 0;
    double t0 = now();
    for (int i = 0; i < gsm8k_train->d.n; i++) {
        const char *parts[2] = {gsm8k_train->d.ex[i].prompt, gsm8k_train->d.ex[i].response};
        for (int k = 0; k < 2; k++) {
            size_t pos = 0, len, n = strlen(parts[k]);
            while (pretok_next(p, parts[k], n, &pos, &len, err, sizeof err) > 0) pieces++;
        }
    }
    double pre = now() - t0;
    pretok_free(p);

    Bpe *b = bpe_load_gpt2("assets/tokenizers/gpt2", err, sizeof err);
    if (!b) die(err);
    double cold, warm, test;
    size_t tokens = count_tokens(b, gsm8k_train, ids, &cold);
    count_tokens(b, gsm8k_train, ids, &warm);
    size_t test_tokens = count_tokens(b, gsm8k_test, ids, &test);
    double mb = (double)gsm8k_train->bytes / 1e6;
    printf("GSM8K train, %d records, %.2f MB, %zu pieces, %zu GPT-2 tokens:\n", gsm8k_train->d.n,
           mb, pieces, tokens);
    printf("  pre-tokenization alone  %7.1f ms  %6.1f MB/s\n", 1e3 * pre, mb / pre);
    printf("  encode, cache cold      %7.1f ms  %6.1f MB/s  %5.2f M tokens/s\n", 1e3 * cold,
           mb / cold, (double)tokens / cold / 1e6);
    printf("  encode, cache warm      %7.1f ms  %6.1f MB/s  %5.2f M tokens/s\n", 1e3 * warm,
           mb / warm, (double)tokens / warm / 1e6);
    printf("GSM8K test after train (cache warm): %zu tokens in %.1f ms, %.2f M tokens/s\n",
           test_tokens, 1e3 * test, (double)test_tokens / test / 1e6);
    bpe_free(b);
}

/* Mean sequence length (<bos> prompt <sep> response <eos>) of t's examples in tokens. */
static double mean_length(Bpe *b, const Texts *t, token_t *ids) {
    return (double)(count_tokens(b, t, ids, NULL) + 3 * (size_t)t->d.n) / t->d.n;
}

static void learned(const char *name, const Texts *train, const Texts *test, token_t *ids,
                    Bpe *gpt2) {
    char err[512];
    BpeTrainer *t = bpe_trainer_new(err, sizeof err);
    if (!t) die(err);
    double t0 = now();
    for (int i = 0; i < train->d.n; i++) {
        const char *parts[2] = {train->d.ex[i].prompt, train->d.ex[i].response};
        for (int k = 0; k < 2; k++)
            if (bpe_trainer_add(t, parts[k], strlen(parts[k]), err, sizeof err)) die(err);
    }
    double counted = now() - t0;
    double bytes_len = (double)(test->bytes + 3 * (size_t)test->d.n) / test->d.n;
    printf("%s: %d train records (%.2f MB, pieces counted in %.0f ms); test split %d records, "
           "%.1f tokens a sequence with bytes, %.1f with GPT-2's vocabulary (%.2fx)\n",
           name, train->d.n, (double)train->bytes / 1e6, 1e3 * counted, test->d.n, bytes_len,
           mean_length(gpt2, test, ids), bytes_len / mean_length(gpt2, test, ids));
    printf("  %6s %7s %7s %9s %10s %8s\n", "vocab", "merges", "tokens", "learn ms", "test len",
           "shorter");
    static const size_t sizes[] = {512, 1024, 2048, 4096, 8192};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        BpeTrainStats st;
        t0 = now();
        Bpe *b = bpe_trainer_learn(t, sizes[s], 2, &st, err, sizeof err);
        double took = now() - t0;
        if (!b) die(err);
        double len = mean_length(b, test, ids);
        printf("  %6zu %7zu %7zu %9.0f %10.1f %7.2fx\n", sizes[s], st.merges, st.tokens,
               1e3 * took + 1e3 * counted, len, bytes_len / len);
        bpe_free(b);
        if (st.tokens < sizes[s]) break; /* no pair left twice: larger sizes learn the same */
    }
    bpe_trainer_free(t);
}

int main(int argc, char **argv) {
    const char *gsm8k = argc > 1 ? argv[1] : "../shared/data/gsm8k";
    token_t *ids = malloc(((size_t)1 << 20) * sizeof *ids);
    if (!ids) die("out of memory");
    char path[512];
    Texts gtrain, gtest;
    snprintf(path, sizeof path, "%s/train.jsonl", gsm8k);
    int have_gsm8k = load(path, &gtrain) == 0;
    snprintf(path, sizeof path, "%s/test.jsonl", gsm8k);
    have_gsm8k = have_gsm8k && load(path, &gtest) == 0;
    gpt2_speed(have_gsm8k ? &gtrain : NULL, have_gsm8k ? &gtest : NULL, ids);

    char err[512];
    Bpe *gpt2 = bpe_load_gpt2("assets/tokenizers/gpt2", err, sizeof err);
    if (!gpt2) die(err);
    static const char *const builtin[] = {"arith", "facts", "digest"};
    for (size_t i = 0; i < 3; i++) {
        Texts train, test;
        snprintf(path, sizeof path, "assets/datasets/%s/train.jsonl", builtin[i]);
        if (load(path, &train)) continue;
        snprintf(path, sizeof path, "assets/datasets/%s/test.jsonl", builtin[i]);
        if (load(path, &test) == 0) {
            learned(builtin[i], &train, &test, ids, gpt2);
            dataset_free(&test.d);
        }
        dataset_free(&train.d);
    }
    if (have_gsm8k) {
        learned("gsm8k", &gtrain, &gtest, ids, gpt2);
        dataset_free(&gtrain.d);
        dataset_free(&gtest.d);
    }
    bpe_free(gpt2);
    free(ids);
    return 0;
}

/* libFuzzer harness for the BPE tokenizer: GPT-2's encoder on any bytes, the JSON vocabulary
 * loader on any document, and BPE training on any corpus.
 *
 * Input: one byte of mode (its value modulo 3), then the text. Besides the sanitizers, it
 * aborts when bpe.h's promises break: well-formed UTF-8 encodes and decodes back byte for
 * byte, and ill-formed UTF-8 is refused at the offset of its first bad byte; a refused
 * vocabulary says why; a loaded or learned vocabulary encodes and decodes its sample texts
 * back exactly and renders them within the buffer it is given. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpe.h"
#include "bpe_train.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken promise: says which, then aborts so that libFuzzer keeps the input. */
static void broken(const char *what, int line) {
    fprintf(stderr, "%s:%d: broken: %s\n", __FILE__, line, what);
    abort();
}
#define require(ok) ((ok) ? (void)0 : broken(#ok, __LINE__))

/* GPT-2's tokenizer, loaded once: the files take tens of milliseconds to read. */
static Bpe *gpt2(void) {
    static Bpe *b;
    if (!b) {
        char err[512];
        b = bpe_load_gpt2("assets/tokenizers/gpt2", err, sizeof err);
        if (!b) {
            fprintf(stderr, "fuzz_bpe: %s (run from the repository's root)\n", err);
            abort();
        }
    }
    return b;
}

/* Encodes text[0..n) with b and checks the round trip, the error on bad UTF-8, and render. */
static void check_text(Bpe *b, const char *text, size_t n) {
    token_t *ids = malloc((n ? n : 1) * sizeof *ids);
    char *back = malloc(n + 1), err[512] = "";
    require(ids && back);
    size_t count, bad;
    int valid = utf8_validate(text, n, &bad) == 0;
    int rc = bpe_encode(b, text, n, ids, &count, err, sizeof err);
    if (valid) {
        require(rc == 0);
        require(count <= n);
        for (size_t i = 0; i < count; i++)
            require(ids[i] >= 0 && (size_t)ids[i] < bpe_vocab_size(b) &&
                    !bpe_is_special(b, ids[i]));
        require(bpe_decode(b, ids, count, back, n + 1) == n);
        require(n == 0 || memcmp(back, text, n) == 0);
        char shown[64];
        size_t full = bpe_render(b, ids, count, shown, sizeof shown);
        require(strlen(shown) == (full < sizeof shown ? full : sizeof shown - 1));
    } else {
        char want[64];
        snprintf(want, sizeof want, "invalid UTF-8 at byte %zu", bad);
        require(rc == -1 && strcmp(err, want) == 0);
    }
    free(ids);
    free(back);
}

static const char *const samples[] = {"", "Hello, world! It's 2024.\n\n  ok",
                                      "caf\xC3\xA9 \xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\x98\x80"};

static void check_vocabulary(Bpe *b) {
    require(bpe_total_size(b) >= bpe_vocab_size(b) + 3);
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++)
        check_text(b, samples[i], strlen(samples[i]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    const char *text = (const char *)data + 1;
    size_t n = size - 1;
    char err[512] = "";
    switch (data[0] % 3) {
    case 0: check_text(gpt2(), text, n); break;
    case 1: {
        Bpe *b = bpe_load_json_text(text, n, "fuzz.json", err, sizeof err);
        if (b) check_vocabulary(b);
        else require(strncmp(err, "fuzz.json: ", 11) == 0);
        bpe_free(b);
        break;
    }
    default: {
        /* Each line a text; the last byte of the input picks the vocabulary size. */
        BpeTrainer *t = bpe_trainer_new(err, sizeof err);
        require(t != NULL);
        size_t added = 0;
        for (size_t at = 0; at < n;) {
            const char *nl = memchr(text + at, '\n', n - at);
            size_t len = nl ? (size_t)(nl - (text + at)) : n - at;
            size_t bad;
            int valid = utf8_validate(text + at, len, &bad) == 0;
            require((bpe_trainer_add(t, text + at, len, err, sizeof err) == 0) == valid);
            added += valid;
            at += len + 1;
        }
        BpeTrainStats st;
        Bpe *b = bpe_trainer_learn(t, 256 + data[size - 1], 1, &st, err, sizeof err);
        require(b != NULL && st.texts == added && bpe_vocab_size(b) == st.tokens);
        check_vocabulary(b);
        bpe_free(b);
        bpe_trainer_free(t);
        break;
    }
    }
    return 0;
}

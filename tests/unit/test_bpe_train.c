/* Learning BPE vocabularies: hand-checked merges, a naive re-count as the reference on random
 * corpora, the save/load round trip, and shorter sequences on the built-in data. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpe.h"
#include "bpe_train.h"
#include "dataset.h"
#include "pretok.h"
#include "rng.h"

static char err[512];

static BpeTrainer *trainer_of(const char *const *texts, size_t n) {
    BpeTrainer *t = bpe_trainer_new(err, sizeof err);
    cr_assert_not_null(t, "%s", err);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(bpe_trainer_add(t, texts[i], strlen(texts[i]), err, sizeof err), 0, "%s", err);
    return t;
}

/* Asserts b's merges: want holds (left, right, result) triples. */
static void assert_merges(const Bpe *b, const token_t (*want)[3], size_t n) {
    cr_assert_eq(bpe_merge_count(b), n);
    for (size_t r = 0; r < n; r++) {
        token_t l, rt, j;
        cr_assert_eq(bpe_merge(b, r, &l, &rt, &j), 0);
        cr_assert(l == want[r][0] && rt == want[r][1] && j == want[r][2],
                  "merge %zu: %d + %d -> %d, want %d + %d -> %d", r, l, rt, j, want[r][0],
                  want[r][1], want[r][2]);
    }
}

/* "aaab" twice and "ab" once: (a,a) occurs 4 times, (a,b) 3. After "aa": "aaab" is aa a b,
 * so (aa,a) 2, (a,b) 3: "ab" next; then aa ab (2) makes "aaab". */
Test(bpe_train, tiny_corpus_gives_the_hand_checked_merges) {
    const char *texts[] = {"aaab", "aaab", "ab"};
    BpeTrainer *t = trainer_of(texts, 3);
    BpeTrainStats st;
    Bpe *b = bpe_trainer_learn(t, 1000, 2, &st, err, sizeof err);
    cr_assert_not_null(b, "%s", err);
    const token_t want[][3] = {{'a', 'a', 256}, {'a', 'b', 257}, {256, 257, 258}};
    assert_merges(b, want, 3);
    cr_assert_eq(bpe_vocab_size(b), 259);
    cr_assert_eq(bpe_total_size(b), 264);
    cr_assert_eq(bpe_special(b, BPE_BOS), 259);
    cr_assert_eq(bpe_special(b, BPE_PAD), 263);
    cr_assert_eq(st.texts, 3);
    cr_assert_eq(st.bytes, 10);
    cr_assert_eq(st.pieces, 3);
    cr_assert_eq(st.words, 2);
    cr_assert_eq(st.merges, 3);
    cr_assert_eq(st.tokens, 259);
    cr_assert_eq(st.last_count, 2);
    char name[16];
    bpe_token_string(b, 258, name, sizeof name);
    cr_assert_str_eq(name, "aaab");
    bpe_free(b);

    /* Pairs seen fewer than min_count times are not merged. */
    b = bpe_trainer_learn(t, 1000, 3, &st, err, sizeof err);
    cr_assert_not_null(b, "%s", err);
    assert_merges(b, want, 2);
    cr_assert_eq(st.last_count, 3);
    bpe_free(b);

    /* Nor past the vocabulary size asked for. */
    b = bpe_trainer_learn(t, 257, 1, &st, err, sizeof err);
    cr_assert_not_null(b, "%s", err);
    assert_merges(b, want, 1);
    cr_assert_eq(bpe_vocab_size(b), 257);
    bpe_free(b);

    /* 256: the bytes alone, exposure's byte-level vocabulary with its specials after. */
    b = bpe_trainer_learn(t, 256, 1, &st, err, sizeof err);
    cr_assert_not_null(b, "%s", err);
    cr_assert_eq(bpe_merge_count(b), 0);
    cr_assert_eq(bpe_special(b, BPE_BOS), 256);
    cr_assert_eq(bpe_special(b, BPE_PAD), 260);
    bpe_free(b);
    bpe_trainer_free(t);
}

/* Every pair of "ab cd" occurs once: ties go to the lowest left id, then right id. The space
 * (0x20) comes first, so " c" (256), then "ab" (97 < 256), then " cd". */
Test(bpe_train, ties_go_to_the_lowest_ids) {
    const char *texts[] = {"ab cd"};
    BpeTrainer *t = trainer_of(texts, 1);
    Bpe *b = bpe_trainer_learn(t, 1000, 1, NULL, err, sizeof err);
    cr_assert_not_null(b, "%s", err);
    const token_t want[][3] = {{' ', 'c', 256}, {'a', 'b', 257}, {256, 'd', 258}};
    assert_merges(b, want, 3);
    bpe_free(b);
    bpe_trainer_free(t);
}

Test(bpe_train, bad_input_and_arguments) {
    BpeTrainer *t = bpe_trainer_new(err, sizeof err);
    cr_assert_not_null(t, "%s", err);
    cr_assert_eq(bpe_trainer_add(t, "ok", 2, err, sizeof err), 0);
    cr_assert_eq(bpe_trainer_add(t, "ok \xC3(", 5, err, sizeof err), -1);
    cr_assert_str_eq(err, "invalid UTF-8 at byte 3");
    BpeTrainStats st;
    Bpe *b = bpe_trainer_learn(t, 300, 1, &st, err, sizeof err);
    cr_assert_not_null(b, "%s", err);
    cr_assert_eq(st.texts, 1, "the bad text was not added");
    cr_assert_eq(st.pieces, 1);
    bpe_free(b);
    cr_assert_null(bpe_trainer_learn(t, 255, 1, NULL, err, sizeof err));
    cr_assert(strstr(err, "vocabulary size must be from 256"), "%s", err);
    cr_assert_null(bpe_trainer_learn(t, 300, 0, NULL, err, sizeof err));
    cr_assert(strstr(err, "least count"), "%s", err);

    /* A vocabulary far larger than the corpus can fill costs no more than the corpus. */
    b = bpe_trainer_learn(t, (size_t)1 << 30, 1, &st, err, sizeof err);
    cr_assert_not_null(b, "%s", err);
    cr_assert_eq(bpe_vocab_size(b), 257, "\"ok\" has one pair");
    bpe_free(b);

    bpe_trainer_free(t);

    /* An empty corpus learns nothing. */
    t = bpe_trainer_new(err, sizeof err);
    b = bpe_trainer_learn(t, 1000, 1, &st, err, sizeof err);
    cr_assert_not_null(b, "%s", err);
    cr_assert_eq(bpe_vocab_size(b), 256);
    bpe_free(b);
    bpe_trainer_free(t);
}

/* ---- a naive reference: every step re-counts every pair ------------------------------------ */

typedef struct {
    token_t *sym;
    size_t len;
    uint64_t count;
} NaiveWord;

typedef struct {
    NaiveWord *words;
    size_t n_words;
    unsigned char **bytes; /* of each token */
    size_t *blen, n_tokens;
} Naive;

static void naive_add(Naive *nv, const char *piece, size_t len) {
    for (size_t w = 0; w < nv->n_words; w++) {
        NaiveWord *word = &nv->words[w];
        int same = word->len == len;
        for (size_t k = 0; same && k < len; k++) same = word->sym[k] == (unsigned char)piece[k];
        if (same) {
            word->count++;
            return;
        }
    }
    nv->words = realloc(nv->words, (nv->n_words + 1) * sizeof *nv->words);
    NaiveWord *word = &nv->words[nv->n_words++];
    word->sym = malloc(len * sizeof *word->sym);
    for (size_t k = 0; k < len; k++) word->sym[k] = (unsigned char)piece[k];
    word->len = len;
    word->count = 1;
}

static token_t naive_token(Naive *nv, const unsigned char *bytes, size_t len) {
    for (size_t id = 0; id < nv->n_tokens; id++)
        if (nv->blen[id] == len && memcmp(nv->bytes[id], bytes, len) == 0) return (token_t)id;
    nv->bytes = realloc(nv->bytes, (nv->n_tokens + 1) * sizeof *nv->bytes);
    nv->blen = realloc(nv->blen, (nv->n_tokens + 1) * sizeof *nv->blen);
    nv->bytes[nv->n_tokens] = malloc(len);
    memcpy(nv->bytes[nv->n_tokens], bytes, len);
    nv->blen[nv->n_tokens] = len;
    return (token_t)nv->n_tokens++;
}

/* The merges of the rule in bpe_train.h, found the slow way; returns their number. */
static size_t naive_learn(Naive *nv, size_t vocab_size, uint64_t min_count, token_t (*out)[3],
                          size_t max_out) {
    for (int byte = 0; byte < 256; byte++) {
        unsigned char c = (unsigned char)byte;
        naive_token(nv, &c, 1);
    }
    size_t n_out = 0;
    while (nv->n_tokens < vocab_size) {
        uint64_t best = 0, best_key = UINT64_MAX;
        for (size_t w = 0; w < nv->n_words; w++) {
            const NaiveWord *word = &nv->words[w];
            for (size_t k = 0; k + 1 < word->len; k++) {
                uint64_t key = (uint64_t)word->sym[k] << 32 | (uint32_t)word->sym[k + 1];
                uint64_t total = 0;
                for (size_t v = 0; v < nv->n_words; v++) {
                    const NaiveWord *o = &nv->words[v];
                    /* Every adjacent pair counts, overlapping ones ("aaa" has two) too. */
                    for (size_t m = 0; m + 1 < o->len; m++)
                        if (((uint64_t)o->sym[m] << 32 | (uint32_t)o->sym[m + 1]) == key)
                            total += o->count;
                }
                if (total > best || (total == best && key < best_key)) best = total, best_key = key;
            }
        }
        if (best < min_count || best == 0) break;
        token_t left = (token_t)(best_key >> 32), right = (token_t)(uint32_t)best_key;
        unsigned char joined[512];
        memcpy(joined, nv->bytes[left], nv->blen[left]);
        memcpy(joined + nv->blen[left], nv->bytes[right], nv->blen[right]);
        token_t id = naive_token(nv, joined, nv->blen[left] + nv->blen[right]);
        int known = 0;
        for (size_t r = 0; r < n_out; r++) known |= out[r][0] == left && out[r][1] == right;
        if (!known && n_out < max_out) {
            out[n_out][0] = left, out[n_out][1] = right, out[n_out][2] = id;
            n_out++;
        }
        for (size_t w = 0; w < nv->n_words; w++) {
            NaiveWord *word = &nv->words[w];
            size_t o = 0;
            for (size_t k = 0; k < word->len;) {
                if (k + 1 < word->len && word->sym[k] == left && word->sym[k + 1] == right) {
                    word->sym[o++] = id;
                    k += 2;
                } else {
                    word->sym[o++] = word->sym[k++];
                }
            }
            word->len = o;
        }
    }
    return n_out;
}

static void naive_free(Naive *nv) {
    for (size_t w = 0; w < nv->n_words; w++) free(nv->words[w].sym);
    for (size_t id = 0; id < nv->n_tokens; id++) free(nv->bytes[id]);
    free(nv->words);
    free(nv->bytes);
    free(nv->blen);
}

/* Random corpora over a small alphabet (so that pairs repeat, tie and overlap as in "aaaa"):
 * the trainer's merges are the naive re-count's, one for one. */
Test(bpe_train, merges_equal_a_naive_recount) {
    static const char *const alphabet[] = {"a",  "a", "b", "b",  "c", " ",       " ",
                                           "\n", "1", "2", "'s", ".", "\xC3\xA9"};
    Rng r;
    rng_seed(&r, 11);
    Pretok *p = pretok_new(err, sizeof err);
    cr_assert_not_null(p, "%s", err);
    for (int trial = 0; trial < 60; trial++) {
        BpeTrainer *t = bpe_trainer_new(err, sizeof err);
        cr_assert_not_null(t, "%s", err);
        Naive nv = {0};
        int n_texts = 1 + (int)rng_below(&r, 12);
        for (int i = 0; i < n_texts; i++) {
            char text[256];
            size_t len = 0, pieces = 1 + rng_below(&r, 30);
            for (size_t k = 0; k < pieces; k++) {
                const char *s = alphabet[rng_below(&r, sizeof alphabet / sizeof alphabet[0])];
                memcpy(text + len, s, strlen(s));
                len += strlen(s);
            }
            cr_assert_eq(bpe_trainer_add(t, text, len, err, sizeof err), 0, "%s", err);
            size_t pos = 0, plen;
            while (pretok_next(p, text, len, &pos, &plen, err, sizeof err) > 0)
                naive_add(&nv, text + pos - plen, plen);
        }
        size_t vocab = 256 + rng_below(&r, 60);
        uint64_t min_count = 1 + rng_below(&r, 3);
        token_t want[128][3];
        size_t n_want = naive_learn(&nv, vocab, min_count, want, 128);
        BpeTrainStats st;
        Bpe *b = bpe_trainer_learn(t, vocab, min_count, &st, err, sizeof err);
        cr_assert_not_null(b, "%s", err);
        assert_merges(b, want, n_want);
        cr_assert_eq(bpe_vocab_size(b), nv.n_tokens, "trial %d", trial);
        bpe_free(b);
        naive_free(&nv);
        bpe_trainer_free(t);
    }
    pretok_free(p);
}

/* ---- the built-in data --------------------------------------------------------------------- */

static void load_split(const char *name, const char *split, Dataset *d) {
    char path[256];
    snprintf(path, sizeof path, "assets/datasets/%s/%s.jsonl", name, split);
    LoadOptions opt = {0};
    cr_assert_eq(dataset_load(path, &opt, d, err, sizeof err), 0, "%s", err);
}

/* Learned on arith's training split, a 512-token vocabulary encodes the test split in under
 * half the tokens bytes take (about 0.37 of them), and decodes it back exactly; saved and
 * loaded back, it encodes the same ids. */
Test(bpe_train, arith_vocabulary_shortens_sequences_and_survives_saving) {
    Dataset train, test;
    load_split("arith", "train", &train);
    load_split("arith", "test", &test);
    BpeTrainer *t = bpe_trainer_new(err, sizeof err);
    cr_assert_not_null(t, "%s", err);
    for (int i = 0; i < train.n; i++) {
        const char *parts[2] = {train.ex[i].prompt, train.ex[i].response};
        for (int k = 0; k < 2; k++)
            cr_assert_eq(bpe_trainer_add(t, parts[k], strlen(parts[k]), err, sizeof err), 0);
    }
    BpeTrainStats st;
    Bpe *b = bpe_trainer_learn(t, 512, 2, &st, err, sizeof err);
    cr_assert_not_null(b, "%s", err);
    cr_assert_eq(st.tokens, 512);
    cr_assert_eq(st.merges, 256);
    cr_assert_eq(st.texts, 2 * (size_t)train.n);

    char dir[] = "/tmp/exposure-bpe-train-XXXXXX", path[300];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/arith.json", dir);
    cr_assert_eq(bpe_save_json(b, path, err, sizeof err), 0, "%s", err);
    Bpe *loaded = bpe_load_json(path, err, sizeof err);
    cr_assert_not_null(loaded, "%s", err);
    cr_assert_eq(bpe_vocab_size(loaded), 512);
    cr_assert_eq(bpe_merge_count(loaded), 256);
    cr_assert_eq(unlink(path), 0);
    cr_assert_eq(rmdir(dir), 0);

    size_t bytes = 0, tokens = 0;
    token_t *ids = malloc(4096 * sizeof *ids), *again = malloc(4096 * sizeof *again);
    char *back = malloc(4096);
    for (int i = 0; i < test.n; i++) {
        const char *parts[2] = {test.ex[i].prompt, test.ex[i].response};
        for (int k = 0; k < 2; k++) {
            size_t n = strlen(parts[k]), count, count2;
            cr_assert_lt(n, 4096);
            cr_assert_eq(bpe_encode(b, parts[k], n, ids, &count, err, sizeof err), 0);
            cr_assert_eq(bpe_encode(loaded, parts[k], n, again, &count2, err, sizeof err), 0);
            cr_assert_eq(count, count2);
            cr_assert_eq(memcmp(ids, again, count * sizeof *ids), 0, "record %d", i);
            cr_assert_eq(bpe_decode(loaded, ids, count, back, 4096), n);
            cr_assert_eq(memcmp(back, parts[k], n), 0, "record %d", i);
            bytes += n;
            tokens += count;
        }
    }
    cr_assert_lt((double)tokens, 0.5 * (double)bytes, "%zu tokens for %zu bytes", tokens, bytes);
    free(ids);
    free(again);
    free(back);
    bpe_free(loaded);
    bpe_free(b);
    bpe_trainer_free(t);
    dataset_free(&train);
    dataset_free(&test);
}

/* Counts and ties decide every merge, not the order in which texts come: the corpus added
 * backwards learns the same vocabulary. */
Test(bpe_train, learning_does_not_depend_on_the_order_of_texts) {
    Dataset d;
    load_split("facts", "val", &d);
    Bpe *first = NULL;
    for (int run = 0; run < 2; run++) {
        BpeTrainer *t = bpe_trainer_new(err, sizeof err);
        for (int k = 0; k < d.n; k++) {
            const char *text = d.ex[run == 0 ? k : d.n - 1 - k].prompt;
            cr_assert_eq(bpe_trainer_add(t, text, strlen(text), err, sizeof err), 0);
        }
        Bpe *b = bpe_trainer_learn(t, 1024, 2, NULL, err, sizeof err);
        cr_assert_not_null(b, "%s", err);
        bpe_trainer_free(t);
        if (!first) {
            first = b;
            continue;
        }
        cr_assert_eq(bpe_merge_count(b), bpe_merge_count(first));
        for (size_t r = 0; r < bpe_merge_count(b); r++) {
            token_t a[3], c[3];
            bpe_merge(b, r, &a[0], &a[1], &a[2]);
            bpe_merge(first, r, &c[0], &c[1], &c[2]);
            cr_assert_eq(memcmp(a, c, sizeof a), 0, "merge %zu", r);
        }
        bpe_free(b);
    }
    bpe_free(first);
    dataset_free(&d);
}

/* GPT-2's tokenizer against the reference JavaScript encoder (gpt-3-encoder 1.1.4): the
 * expected ids in tests/fixtures/gpt2-tokenizer/ are written by scripts/gpt2_fixture.sh. */
#include <cJSON.h>
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpe.h"
#include "files.h"
#include "rng.h"

#define GPT2_DIR "assets/tokenizers/gpt2"
#define FIXTURES "tests/fixtures/gpt2-tokenizer"

static char err[512];

static Bpe *gpt2(void) {
    Bpe *b = bpe_load_gpt2(GPT2_DIR, err, sizeof err);
    cr_assert_not_null(b, "%s", err);
    return b;
}

/* Encodes text[0..n) into a malloc'd array, asserting success. */
static token_t *encode(Bpe *b, const char *text, size_t n, size_t *count) {
    token_t *ids = malloc((n ? n : 1) * sizeof *ids);
    cr_assert_not_null(ids);
    cr_assert_eq(bpe_encode(b, text, n, ids, count, err, sizeof err), 0, "%s", err);
    return ids;
}

/* Asserts that ids decode to text[0..n) byte for byte. */
static void assert_round_trip(const Bpe *b, const token_t *ids, size_t count, const char *text,
                              size_t n, const char *what) {
    char *back = malloc(n + 1);
    cr_assert_not_null(back);
    cr_assert_eq(bpe_decode(b, ids, count, back, n + 1), n, "%s: decoded length", what);
    cr_assert(n == 0 || memcmp(back, text, n) == 0, "%s: decoded bytes differ", what);
    free(back);
}

static uint64_t fnv1a_ids(uint64_t h, const token_t *ids, size_t n) {
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 4; k++)
            h = (h ^ (((uint32_t)ids[i] >> (8 * k)) & 0xFF)) * 0x100000001B3ULL;
    return h;
}

Test(bpe_gpt2, vocabulary_and_specials) {
    Bpe *b = gpt2();
    cr_assert_eq(bpe_vocab_size(b), 50257);
    cr_assert_eq(bpe_total_size(b), 50260);
    cr_assert_eq(bpe_merge_count(b), 50000);
    cr_assert_eq(bpe_special(b, BPE_BOS), 50256);
    cr_assert_eq(bpe_special(b, BPE_EOS), 50256);
    cr_assert_eq(bpe_special(b, BPE_SEP), 50257);
    cr_assert_eq(bpe_special(b, BPE_CORR), 50258);
    cr_assert_eq(bpe_special(b, BPE_PAD), 50259);
    cr_assert(bpe_is_special(b, 50256) && bpe_is_special(b, 50259));
    cr_assert(!bpe_is_special(b, 0) && !bpe_is_special(b, 50255) && !bpe_is_special(b, 50260));

    char s[64];
    cr_assert_eq(bpe_token_string(b, 50256, s, sizeof s), 13);
    cr_assert_str_eq(s, "<|endoftext|>");
    bpe_token_string(b, 50258, s, sizeof s);
    cr_assert_str_eq(s, "<corr>");
    bpe_token_string(b, 262, s, sizeof s);
    cr_assert_str_eq(s, "\xC4\xA0the"); /* "Ġthe" */
    bpe_token_string(b, 50260, s, sizeof s);
    cr_assert_str_eq(s, "<?>");
    cr_assert_eq(bpe_token_id(b, "\xC4\xA0the"), 262);
    cr_assert_eq(bpe_token_id(b, "<|endoftext|>"), 50256);
    cr_assert_eq(bpe_token_id(b, "<sep>"), 50257);
    cr_assert_eq(bpe_token_id(b, "!"), 0);
    cr_assert_eq(bpe_token_id(b, "not a token at all"), -1);
    cr_assert_eq(bpe_token_id(b, " the"), -1, "a space is spelled \"Ġ\" in token names");

    /* Every id's name leads back to it; every ordinary token is at most max bytes. */
    for (token_t id = 0; id < (token_t)bpe_total_size(b); id++) {
        char name[512];
        cr_assert_lt(bpe_token_string(b, id, name, sizeof name), sizeof name);
        if (id != bpe_special(b, BPE_SEP) || strcmp(name, "<sep>") == 0)
            cr_assert_eq(bpe_token_id(b, name), id, "id %d (%s)", id, name);
        size_t len;
        if (bpe_token_bytes(b, id, &len)) cr_assert_leq(len, bpe_max_token_bytes(b));
    }
    bpe_free(b);
}

Test(bpe_gpt2, end_of_text_in_a_text_is_text) {
    Bpe *b = gpt2();
    const char *text = "a<|endoftext|>b";
    size_t n;
    token_t *ids = encode(b, text, strlen(text), &n);
    for (size_t i = 0; i < n; i++) cr_assert(!bpe_is_special(b, ids[i]));
    assert_round_trip(b, ids, n, text, strlen(text), text);
    free(ids);
    bpe_free(b);
}

/* The bytes a fixture case's "utf8" hex string spells, malloc'd, with their number in *n. */
static char *case_bytes(const cJSON *c, size_t *n) {
    const char *hex = cJSON_GetStringValue(cJSON_GetObjectItem(c, "utf8"));
    cr_assert_not_null(hex);
    *n = strlen(hex) / 2;
    char *bytes = malloc(*n + 1);
    cr_assert_not_null(bytes);
    for (size_t i = 0; i < *n; i++) {
        unsigned v;
        cr_assert_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
        bytes[i] = (char)v;
    }
    return bytes;
}

/* Encodes every case of a fixture file with b and compares with the reference's ids. */
static void check_cases(Bpe *b, const char *path, int min_cases) {
    char *json = read_file(path, NULL);
    cJSON *cases = cJSON_Parse(json);
    cr_assert(cJSON_IsArray(cases), "%s", path);
    cr_assert_geq(cJSON_GetArraySize(cases), min_cases);
    int index = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cases) {
        const cJSON *want = cJSON_GetObjectItem(c, "ids");
        cr_assert(cJSON_IsArray(want));
        size_t n, count;
        char *text = case_bytes(c, &n);
        token_t *ids = encode(b, text, n, &count);
        cr_assert_eq(count, (size_t)cJSON_GetArraySize(want), "%s case %d: %zu ids, want %d", path,
                     index, count, cJSON_GetArraySize(want));
        for (size_t i = 0; i < count; i++)
            cr_assert_eq(ids[i], (token_t)cJSON_GetArrayItem(want, (int)i)->valueint,
                         "%s case %d, id %zu", path, index, i);
        assert_round_trip(b, ids, count, text, n, path);
        free(ids);
        free(text);
        index++;
    }
    cJSON_Delete(cases);
    free(json);
}

/* Whitespace runs, contractions, numbers, punctuation, emoji, combining marks, CJK, Unicode
 * spaces (U+0085, U+180E and U+FEFF among them, where PCRE2's \s is not JavaScript's),
 * control bytes, long pieces, and 400 seeded random strings of all of these. */
Test(bpe_gpt2, adversarial_text_matches_the_reference) {
    Bpe *b = gpt2();
    check_cases(b, FIXTURES "/adversarial.json", 600);
    bpe_free(b);
}

/* The reference looks pairs up by `left + "," + right`; a vocabulary made so that this
 * matters (GPT-2's never reaches such a pair) encodes as the reference does. */
Test(bpe_gpt2, pairs_read_with_a_comma_as_the_reference_reads_them) {
    Bpe *b = bpe_load_gpt2(FIXTURES "/comma", err, sizeof err);
    cr_assert_not_null(b, "%s", err);
    check_cases(b, FIXTURES "/comma/expected.json", 7);
    size_t n;
    token_t *ids = encode(b, "\",\"", 3, &n);
    cr_assert_eq(n, 1, "'\",' + '\"' reads as the merge '\"' + ',\"'");
    free(ids);
    bpe_free(b);
}

/* ---- every GSM8K record ------------------------------------------------------------------ */

static const char *gsm8k_dir(void) {
    const char *dir = getenv("GSM8K_DIR");
    return dir && *dir ? dir : "../shared/data/gsm8k";
}

/* Checks one split against the fixture lines that follow its "split NAME COUNT" header. */
static void check_split(Bpe *b, const char *split, char **fixture) {
    char header[64];
    int want_records, used;
    cr_assert_eq(sscanf(*fixture, "split %63s %d%n", header, &want_records, &used), 2);
    cr_assert_str_eq(header, split);
    *fixture = strchr(*fixture, '\n') + 1;

    char path[512];
    snprintf(path, sizeof path, "%s/%s.jsonl", gsm8k_dir(), split);
    size_t len;
    char *data = read_file(path, &len);
    int record = 0;
    for (char *line = data, *next; line < data + len; line = next) {
        next = strchr(line, '\n');
        next = next ? next + 1 : data + len;
        if (next - line <= 1) continue;
        cJSON *r = cJSON_ParseWithLength(line, (size_t)(next - line));
        const char *q = cJSON_GetStringValue(cJSON_GetObjectItem(r, "question"));
        const char *a = cJSON_GetStringValue(cJSON_GetObjectItem(r, "answer"));
        cr_assert(q && a, "%s:%d", path, record + 1);
        size_t nq, na;
        token_t *qi = encode(b, q, strlen(q), &nq), *ai = encode(b, a, strlen(a), &na);
        size_t want_q, want_a;
        unsigned long long want_hash;
        cr_assert_eq(sscanf(*fixture, "%zu %zu %llx", &want_q, &want_a, &want_hash), 3,
                     "fixture line for %s record %d", split, record + 1);
        *fixture = strchr(*fixture, '\n') + 1;
        uint64_t hash = fnv1a_ids(fnv1a_ids(0xCBF29CE484222325ULL, qi, nq), ai, na);
        cr_assert(nq == want_q && na == want_a && hash == want_hash,
                  "%s:%d: %zu + %zu ids (hash %016llx), the reference gives %zu + %zu (%016llx)",
                  path, record + 1, nq, na, (unsigned long long)hash, want_q, want_a, want_hash);
        assert_round_trip(b, qi, nq, q, strlen(q), "question");
        assert_round_trip(b, ai, na, a, strlen(a), "answer");
        free(qi);
        free(ai);
        cJSON_Delete(r);
        record++;
    }
    cr_assert_eq(record, want_records, "%s has %d records; the fixture was made for %d", path,
                 record, want_records);
    free(data);
}

Test(bpe_gpt2, every_gsm8k_record_matches_the_reference) {
    char path[512];
    snprintf(path, sizeof path, "%s/train.jsonl", gsm8k_dir());
    if (access(path, R_OK) != 0)
        cr_skip_test("%s is not there (GSM8K_DIR names another place); skipped", path);
    Bpe *b = gpt2();
    char *fixture = read_file(FIXTURES "/gsm8k.txt", NULL), *at = fixture;
    while (*at == '#') at = strchr(at, '\n') + 1;
    check_split(b, "train", &at);
    check_split(b, "test", &at);
    cr_assert_eq(*at, '\0');
    free(fixture);
    bpe_free(b);
}

/* ---- invalid input, long input ----------------------------------------------------------- */

Test(bpe_gpt2, invalid_utf8_is_an_error_at_its_offset) {
    Bpe *b = gpt2();
    static const struct {
        const char *text;
        size_t offset;
    } bad[] = {
        {"\xFF", 0},                     /* never in UTF-8 */
        {"ab\xC0\xAF", 2},               /* overlong "/" */
        {"abc\xED\xA0\x80", 3},          /* a surrogate */
        {"\xF4\x90\x80\x80", 0},         /* above U+10FFFF */
        {"hello \xE2\x82", 6},           /* truncated at the end */
        {"x\x80y", 1},                   /* a stray continuation byte */
        {"\xF0\x9F\x98\x80 ok \xC3", 8}, /* after an emoji */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        token_t ids[16];
        size_t n = 99;
        cr_assert_eq(bpe_encode(b, bad[i].text, strlen(bad[i].text), ids, &n, err, sizeof err), -1);
        char want[64];
        snprintf(want, sizeof want, "invalid UTF-8 at byte %zu", bad[i].offset);
        cr_assert_str_eq(err, want);
        cr_assert_eq(n, 99, "nothing is reported encoded");
    }
    bpe_free(b);
}

/* 200,000 distinct pieces (the cache starts over three times on the way) encode the same
 * the second time as the first, and the same as each piece alone with a fresh tokenizer. */
Test(bpe_gpt2, the_cache_starting_over_changes_nothing) {
    Bpe *b = gpt2(), *fresh = gpt2();
    size_t cap = 200000 * 8, len = 0;
    char *text = malloc(cap);
    cr_assert_not_null(text);
    for (int i = 0; i < 200000; i++) len += (size_t)snprintf(text + len, cap - len, " %d", i);
    size_t n1, n2;
    token_t *first = encode(b, text, len, &n1), *second = encode(b, text, len, &n2);
    cr_assert_eq(n1, n2);
    cr_assert_eq(memcmp(first, second, n1 * sizeof *first), 0);
    size_t at = 0;
    for (int i = 0; i < 200000; i++) {
        char piece[16];
        int plen = snprintf(piece, sizeof piece, " %d", i);
        token_t alone[16];
        size_t k;
        cr_assert_eq(bpe_encode(fresh, piece, (size_t)plen, alone, &k, err, sizeof err), 0);
        cr_assert(at + k <= n1 && memcmp(first + at, alone, k * sizeof *alone) == 0, "piece %d", i);
        at += k;
    }
    cr_assert_eq(at, n1);
    free(first);
    free(second);
    free(text);
    bpe_free(fresh);
    bpe_free(b);
}

/* Megabyte-long pieces (one number, one run of spaces, one word) and random text: the
 * encoder neither fails nor loses a byte. */
Test(bpe_gpt2, long_and_random_input_round_trips) {
    Bpe *b = gpt2();
    size_t n = 1 << 20;
    char *text = malloc(n);
    cr_assert_not_null(text);
    const char fill[] = {'7', ' ', 'x', '\n'};
    for (size_t f = 0; f < sizeof fill; f++) {
        memset(text, fill[f], n);
        size_t count;
        token_t *ids = encode(b, text, n, &count);
        cr_assert_leq(count, n);
        assert_round_trip(b, ids, count, text, n, "one long piece");
        free(ids);
    }
    Rng r;
    rng_seed(&r, 7);
    static const char *const pieces[] = {"a",
                                         "Z",
                                         " ",
                                         "  ",
                                         "\n",
                                         "\t",
                                         "'s",
                                         "'LL",
                                         "1",
                                         "42",
                                         ".",
                                         ",!",
                                         "\xC3\xA9",
                                         "\xE4\xB8\xAD",
                                         "\xF0\x9F\x98\x80",
                                         "\xC2\xA0",
                                         "\xE3\x80\x80",
                                         "\xCC\x81",
                                         "\xEF\xBB\xBF"};
    size_t len = 0;
    while (len + 4 < n) {
        const char *p = pieces[rng_below(&r, sizeof pieces / sizeof pieces[0])];
        memcpy(text + len, p, strlen(p));
        len += strlen(p);
    }
    size_t count;
    token_t *ids = encode(b, text, len, &count);
    assert_round_trip(b, ids, count, text, len, "random text");
    free(ids);
    free(text);
    bpe_free(b);
}

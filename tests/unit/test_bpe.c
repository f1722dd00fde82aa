/* The BPE tokenizer's parts: GPT-2's byte characters, the pre-tokenizer, decoding and display,
 * the JSON vocabulary format, and the errors of every loader. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <criterion/criterion.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpe.h"
#include "byteunicode.h"
#include "files.h"
#include "pretok.h"

#define GPT2_DIR "assets/tokenizers/gpt2"

static char err[512];
static char dir[] = "/tmp/exposure-bpe-XXXXXX";

static void setup(void) { cr_assert_not_null(mkdtemp(dir)); }
static void teardown(void) {
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}
TestSuite(bpe, .init = setup, .fini = teardown);

static Bpe *gpt2(void) {
    Bpe *b = bpe_load_gpt2(GPT2_DIR, err, sizeof err);
    cr_assert_not_null(b, "%s", err);
    return b;
}

static token_t *encode(Bpe *b, const char *text, size_t *count) {
    size_t n = strlen(text);
    token_t *ids = malloc((n ? n : 1) * sizeof *ids);
    cr_assert_not_null(ids);
    cr_assert_eq(bpe_encode(b, text, n, ids, count, err, sizeof err), 0, "%s", err);
    return ids;
}

/* ---- GPT-2's byte characters --------------------------------------------------------------- */

Test(bpe, byte_characters_are_a_bijection) {
    unsigned seen[0x144] = {0};
    for (int byte = 0; byte < 256; byte++) {
        unsigned c = byteunicode_char((unsigned char)byte);
        cr_assert_lt(c, 0x144);
        cr_assert_eq(seen[c]++, 0, "U+%04X stands for two bytes", c);
        unsigned char in = (unsigned char)byte, back[4];
        char s[3];
        size_t len = byteunicode_encode(&in, 1, s);
        cr_assert_eq(byteunicode_decode(s, len, back), 1);
        cr_assert_eq(back[0], in);
    }
    cr_assert_eq(byteunicode_char(' '), 0x120);  /* "Ġ" */
    cr_assert_eq(byteunicode_char('\n'), 0x10A); /* "Ċ" */
    cr_assert_eq(byteunicode_char(0x00), 0x100);
    cr_assert_eq(byteunicode_char(0x7F), 0x121);
    cr_assert_eq(byteunicode_char(0xA0), 0x142);
    cr_assert_eq(byteunicode_char(0xAD), 0x143);
    cr_assert_eq(byteunicode_char('A'), 'A');
    cr_assert_eq(byteunicode_char(0xE9), 0xE9);
    char s[16];
    cr_assert_eq(byteunicode_encode(" z\n", 3, s), 5);
    cr_assert_str_eq(s, "\xC4\xA0z\xC4\x8A");
    unsigned char out[16];
    cr_assert_eq(byteunicode_decode(" ", 1, out), -1, "a space is not a byte character");
    cr_assert_eq(byteunicode_decode("\xC2\xA0", 2, out), -1, "nor is U+00A0");
    cr_assert_eq(byteunicode_decode("\xC5\x84", 2, out), -1, "nor is U+0144");
    cr_assert_eq(byteunicode_decode("\xC4", 1, out), -1, "nor half a character");
    cr_assert_eq(byteunicode_decode("\xE4\xB8\xAD", 3, out), -1);
}

/* ---- pre-tokenization ---------------------------------------------------------------------- */

/* Asserts that text is cut into the '|'-separated pieces of want ("" for none). */
static void assert_pieces(const char *text, const char *want) {
    char e[256];
    Pretok *p = pretok_new(e, sizeof e);
    cr_assert_not_null(p, "%s", e);
    char got[1024] = "";
    size_t pos = 0, len, n = strlen(text), at = 0;
    int rc;
    while ((rc = pretok_next(p, text, n, &pos, &len, e, sizeof e)) > 0)
        at += (size_t)snprintf(got + at, sizeof got - at, "%s%.*s", at ? "|" : "", (int)len,
                               text + pos - len);
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert_eq(pos, n);
    cr_assert_str_eq(got, want, "pieces of \"%s\"", text);
    pretok_free(p);
}

/* Expected pieces are the reference's (JavaScript's String.matchAll with GPT-2's rule). */
Test(bpe, pieces_follow_gpt2s_rule) {
    assert_pieces("", "");
    assert_pieces("Hello world's  end\n\n x", "Hello| world|'s| | end|\n\n| x");
    assert_pieces("I'M 12345 ab\xC2\xA0zz", "I|'|M| 12345| ab|\xC2\xA0|zz");
    assert_pieces("  \t\xE3\x80\x80x!!  ", "  \t|\xE3\x80\x80|x|!!|  ");
    assert_pieces(
        "caf\xC3\xA9\xCC\x81 \xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\x98\x80\xF0\x9F\x98\x80",
        "caf\xC3\xA9|\xCC\x81| \xE4\xB8\xAD\xE6\x96\x87| \xF0\x9F\x98\x80\xF0\x9F\x98\x80");
    /* JavaScript's \s, not PCRE2's: U+0085 and U+180E are not spaces, U+FEFF is one. */
    assert_pieces("a\xC2\x85z", "a|\xC2\x85|z");
    assert_pieces("a \xE1\xA0\x8E", "a| \xE1\xA0\x8E");
    assert_pieces("a\xEF\xBB\xBF\xEF\xBB\xBFz", "a|\xEF\xBB\xBF|\xEF\xBB\xBF|z");
}

/* Letters and digits that Unicode added after the version PCRE2 was built with are neither
 * \p{L} nor \p{N} to it, where JavaScript (Unicode 15 or later) counts them as letters and
 * digits: U+31350 (CJK extension H) and U+1D2C0 (a Kaktovik numeral), both Unicode 15.0.
 * docs/tokenizers.md lists the ranges. */
Test(bpe, characters_newer_than_pcre2s_unicode_are_punctuation_to_it) {
    char version[32];
    cr_assert_gt(pcre2_config(PCRE2_CONFIG_UNICODE_VERSION, version), 0);
    int major = atoi(version);
    /* U+31350 between two letters; U+1D2C0 between two digits ("\x32" is "2"). */
    const char *letter = "a\xF0\xB1\x8D\x90z", *digit = " 1\xF0\x9D\x8B\x80\x32";
    if (major < 15) {
        assert_pieces(letter, "a|\xF0\xB1\x8D\x90|z");
        assert_pieces(digit, " 1|\xF0\x9D\x8B\x80|2");
    } else {
        assert_pieces(letter, letter);
        assert_pieces(digit, digit);
    }
    /* Either way every byte is encoded and decoded back. */
    Bpe *b = gpt2();
    size_t n;
    token_t *ids = encode(b, letter, &n);
    char back[16];
    cr_assert_eq(bpe_decode(b, ids, n, back, sizeof back), strlen(letter));
    cr_assert_eq(memcmp(back, letter, strlen(letter)), 0);
    free(ids);
    bpe_free(b);
}

/* ---- decoding and display ------------------------------------------------------------------ */

Test(bpe, decode_skips_specials_and_reports_the_full_length) {
    Bpe *b = gpt2();
    size_t n;
    token_t *ids = encode(b, "Hello world", &n);
    cr_assert_eq(n, 2);
    token_t bos = bpe_special(b, BPE_BOS), sep = bpe_special(b, BPE_SEP);
    token_t corr = bpe_special(b, BPE_CORR), pad = bpe_special(b, BPE_PAD);
    token_t with[] = {bos, ids[0], sep, ids[1], corr, pad, -1, 50260, 1 << 30};
    char out[32];
    cr_assert_eq(bpe_decode(b, with, 9, out, sizeof out), 11);
    cr_assert_eq(memcmp(out, "Hello world", 11), 0);
    memset(out, '#', sizeof out);
    cr_assert_eq(bpe_decode(b, with, 9, out, 7), 11, "the length it would need");
    cr_assert_eq(memcmp(out, "Hello w#", 8), 0, "no byte past cap");
    cr_assert_eq(bpe_decode(b, with, 0, out, sizeof out), 0);
    free(ids);
    bpe_free(b);
}

Test(bpe, render_shows_characters_split_over_tokens_whole) {
    Bpe *b = gpt2();
    const char *text = "h\xC3\xA9llo \xF0\x9F\x98\x80\n\tx\x01";
    size_t n;
    token_t *ids = encode(b, text, &n);
    cr_assert_gt(n, 5);
    char out[128];
    size_t len = bpe_render(b, ids, n, out, sizeof out);
    cr_assert_str_eq(out, "h\xC3\xA9llo \xF0\x9F\x98\x80\\n\\tx\\x01");
    cr_assert_eq(len, strlen(out));

    /* The emoji is two tokens: alone, each shows its bytes. */
    token_t emoji[4];
    size_t k;
    cr_assert_eq(bpe_encode(b, "\xF0\x9F\x98\x80", 4, emoji, &k, err, sizeof err), 0);
    cr_assert_eq(k, 2);
    bpe_render(b, emoji, 1, out, sizeof out);
    cr_assert_str_eq(out, "\\xF0\\x9F\\x98");
    bpe_render(b, emoji, 2, out, sizeof out);
    cr_assert_str_eq(out, "\xF0\x9F\x98\x80");

    /* A special between the halves breaks the character. */
    token_t split[] = {emoji[0], bpe_special(b, BPE_CORR), emoji[1], bpe_special(b, BPE_EOS), -5};
    bpe_render(b, split, 5, out, sizeof out);
    cr_assert_str_eq(out, "\\xF0\\x9F\\x98<corr>\\x80<|endoftext|><?>");

    /* Truncation keeps the NUL and reports the full length. */
    char small[6];
    cr_assert_eq(bpe_render(b, ids, n, small, sizeof small), len);
    cr_assert_str_eq(small, "h\xC3\xA9ll");
    free(ids);
    bpe_free(b);
}

/* ---- the JSON format ----------------------------------------------------------------------- */

/* GPT-2's vocabulary saved as JSON loads back the same: ids, specials, encoding. */
Test(bpe, gpt2_saved_as_json_loads_back_the_same) {
    Bpe *b = gpt2();
    char path[300];
    snprintf(path, sizeof path, "%s/gpt2.json", dir);
    cr_assert_eq(bpe_save_json(b, path, err, sizeof err), 0, "%s", err);
    Bpe *back = bpe_load_json(path, err, sizeof err);
    cr_assert_not_null(back, "%s", err);
    cr_assert_eq(bpe_vocab_size(back), 50257);
    cr_assert_eq(bpe_total_size(back), 50260);
    cr_assert_eq(bpe_merge_count(back), 50000);
    for (int s = 0; s < BPE_SPECIAL_COUNT; s++)
        cr_assert_eq(bpe_special(back, s), bpe_special(b, s));
    for (size_t r = 0; r < 50000; r += 997) {
        token_t l1, r1, j1, l2, r2, j2;
        cr_assert_eq(bpe_merge(b, r, &l1, &r1, &j1), 0);
        cr_assert_eq(bpe_merge(back, r, &l2, &r2, &j2), 0);
        cr_assert(l1 == l2 && r1 == r2 && j1 == j2, "merge %zu", r);
    }
    const char *text =
        "He said, \"It's 3.14\\\\ \xE2\x80\x94 isn't it?\"\n\n  Done. \xF0\x9F\x98\x80";
    size_t n1, n2;
    token_t *a = encode(b, text, &n1), *c = encode(back, text, &n2);
    cr_assert_eq(n1, n2);
    cr_assert_eq(memcmp(a, c, n1 * sizeof *a), 0);
    free(a);
    free(c);
    bpe_free(back);
    bpe_free(b);
}

/* Writes text to dir/name and returns the path (static). */
static const char *put(const char *name, const char *text) {
    static char path[300];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    write_file(path, text, strlen(text));
    return path;
}

/* A small valid vocabulary file: the 256 bytes, "ab" and "abc". */
static char *tiny_vocab(const char *end_of_text, const char *extra_vocab, const char *merges,
                        const char *extra_key) {
    size_t cap = 1 << 16, len = 0;
    char *s = malloc(cap);
    cr_assert_not_null(s);
    len += (size_t)snprintf(s + len, cap - len,
                            "{\"format\": \"exposure-bpe\", \"version\": 1, \"pre_tokenizer\": "
                            "\"gpt2\", \"end_of_text\": %s,%s \"vocab\": {",
                            end_of_text, extra_key);
    for (int byte = 0; byte < 256; byte++) {
        unsigned char c = (unsigned char)byte;
        char name[3];
        byteunicode_encode(&c, 1, name);
        len += (size_t)snprintf(s + len, cap - len, "\"%s%s\": %d, ",
                                (c == '"' || c == '\\') ? "\\" : "", name, byte);
    }
    snprintf(s + len, cap - len, "%s}, \"merges\": [%s]}", extra_vocab, merges);
    return s;
}

/* Loads a vocabulary file with the given parts and asserts the error it gives. */
static void assert_json_error(const char *end_of_text, const char *extra_vocab, const char *merges,
                              const char *extra_key, const char *want) {
    char *text = tiny_vocab(end_of_text, extra_vocab, merges, extra_key);
    const char *path = put("v.json", text);
    free(text);
    cr_assert_null(bpe_load_json(path, err, sizeof err), "want: %s", want);
    char full[600];
    snprintf(full, sizeof full, "%s: %s", path, want);
    cr_assert_str_eq(err, full);
}

Test(bpe, json_vocabulary_loads_and_encodes) {
    char *text = tiny_vocab("null", "\"ab\": 256, \"abc\": 257", "\"a b\", \"ab c\"", "");
    const char *path = put("v.json", text);
    free(text);
    Bpe *b = bpe_load_json(path, err, sizeof err);
    cr_assert_not_null(b, "%s", err);
    cr_assert_eq(bpe_vocab_size(b), 258);
    cr_assert_eq(bpe_total_size(b), 263);
    for (int s = 0; s < BPE_SPECIAL_COUNT; s++) cr_assert_eq(bpe_special(b, s), 258 + s);
    size_t n;
    token_t *ids = encode(b, "abcab ab", &n);
    token_t want[] = {257, 256, ' ', 256}; /* "abc" "ab" " " "ab" */
    cr_assert_eq(n, 4);
    cr_assert_eq(memcmp(ids, want, sizeof want), 0);
    free(ids);
    bpe_free(b);
}

Test(bpe, json_errors_name_the_key) {
    const char *ok_vocab = "\"ab\": 256, \"abc\": 257", *ok_merges = "\"a b\", \"ab c\"";
    assert_json_error("null", ok_vocab, ok_merges, " \"extra\": 1,", "\"extra\": unknown key");
    assert_json_error("5", ok_vocab, ok_merges, "",
                      "\"end_of_text\": must be null or a token name");
    assert_json_error("\"zz\"", ok_vocab, ok_merges, "", "\"end_of_text\": is not in \"vocab\"");
    assert_json_error("null", "\"ab\": 256, \"abc\": 258", ok_merges, "",
                      "\"vocab\": \"abc\": the id must be an integer from 0 to 257");
    assert_json_error("null", "\"ab\": 256, \"abc\": 256.5", ok_merges, "",
                      "\"vocab\": \"abc\": the id must be an integer from 0 to 257");
    assert_json_error("null", "\"ab\": 256, \"abc\": 256", ok_merges, "",
                      "\"vocab\": id 256 is given twice");
    assert_json_error("null", "\"ab\": 256, \"a b\": 257", "", "",
                      "\"vocab\": \"a b\": not a byte-level token name");
    assert_json_error("null", "\"ab\": 256, \"\xC4\xA0\": 257", "", "",
                      "\"vocab\": \"\xC4\xA0\": the same bytes as id 32");
    assert_json_error("null", ok_vocab, "\"a b\", \"ab\"", "",
                      "\"merges\"[1]: must be a string \"left right\"");
    assert_json_error("null", ok_vocab, "\"a b\", 7", "",
                      "\"merges\"[1]: must be a string \"left right\"");
    assert_json_error("null", ok_vocab, "\"a b\", \"ab cd\"", "",
                      "\"merges\"[1]: \"cd\" is not in \"vocab\"");
    assert_json_error("null", ok_vocab, "\"a b\", \"a  b\"", "",
                      "\"merges\"[1]: must be a string \"left right\"");
    assert_json_error("null", ok_vocab, "\"a b\", \"b c\"", "",
                      "\"merges\"[1]: \"b c\" joined is not in \"vocab\"");
    assert_json_error("null", ok_vocab, "\"a b\", \"a b\"", "",
                      "\"merges\"[1]: \"a b\" is merged twice");
    assert_json_error("\"ab\"", ok_vocab, ok_merges, "",
                      "\"vocab\": merge 0 makes the end-of-text token");
}

Test(bpe, json_header_errors) {
    const char *path = put("h.json", "[1, 2]");
    cr_assert_null(bpe_load_json(path, err, sizeof err));
    cr_assert(strstr(err, "not a JSON object"), "%s", err);
    const struct {
        const char *text, *want;
    } bad[] = {
        {"{\"format\": \"other\"}", "\"format\": must be \"exposure-bpe\""},
        {"{\"format\": \"exposure-bpe\", \"version\": 2}",
         "\"version\": must be 1 (the version this program reads)"},
        {"{\"format\": \"exposure-bpe\", \"version\": 1, \"pre_tokenizer\": \"bert\"}",
         "\"pre_tokenizer\": must be \"gpt2\""},
        {"{\"format\": \"exposure-bpe\", \"version\": 1, \"pre_tokenizer\": \"gpt2\", \"vocab\": {}}",
         "\"vocab\": must be an object of token names and ids"},
        {"{\"format\": \"exposure-bpe\", \"version\": 1, \"pre_tokenizer\": \"gpt2\", "
         "\"vocab\": {\"a\": 0}, \"merges\": []}",
         "\"vocab\": no token for the byte 0x00"},
        {"{\"format\": \"exposure-bpe\", \"version\": 1, \"pre_tokenizer\": \"gpt2\", "
         "\"vocab\": {\"a\": 0}, \"merges\": {}}",
         "\"merges\": must be an array of \"left right\" strings"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        path = put("h.json", bad[i].text);
        cr_assert_null(bpe_load_json(path, err, sizeof err));
        char full[600];
        snprintf(full, sizeof full, "%s: %s", path, bad[i].want);
        cr_assert_str_eq(err, full);
    }
    char missing[320];
    snprintf(missing, sizeof missing, "%s/none.json", dir);
    cr_assert_null(bpe_load_json(missing, err, sizeof err));
    cr_assert(strstr(err, "cannot open"), "%s", err);
    cr_assert_null(bpe_load_json(dir, err, sizeof err));
    cr_assert(strstr(err, "not a regular file"), "%s", err);
}

Test(bpe, save_refuses_a_path_it_cannot_write) {
    Bpe *b = gpt2();
    cr_assert_eq(bpe_save_json(b, "/nonexistent-dir/v.json", err, sizeof err), -1);
    cr_assert(strstr(err, "cannot create"), "%s", err);
    bpe_free(b);
}

/* ---- GPT-2's files ------------------------------------------------------------------------- */

/* Writes encoder.json and vocab.bpe into dir and asserts the loader's error. */
static void assert_gpt2_error(const char *encoder, const char *merges, const char *file,
                              const char *want) {
    put("encoder.json", encoder);
    put("vocab.bpe", merges);
    cr_assert_null(bpe_load_gpt2(dir, err, sizeof err), "want: %s", want);
    char full[600];
    snprintf(full, sizeof full, "%s/%s%s", dir, file, want);
    cr_assert_str_eq(err, full);
}

/* encoder.json for the 256 bytes plus extra entries. */
static char *tiny_encoder(const char *extra) {
    char *text = tiny_vocab("null", extra, "", "");
    /* The vocab object of the JSON format is an encoder.json. */
    char *start = strstr(text, "\"vocab\": ") + 9, *end = strstr(text, "}, \"merges\"") + 1;
    *end = '\0';
    memmove(text, start, (size_t)(end - start) + 1);
    return text;
}

Test(bpe, gpt2_file_errors) {
    char *enc = tiny_encoder("\"ab\": 256, \"<|endoftext|>\": 257");
    put("encoder.json", enc);
    put("vocab.bpe", "#version: 0.2\na b\n");
    Bpe *b = bpe_load_gpt2(dir, err, sizeof err);
    cr_assert_not_null(b, "%s", err);
    cr_assert_eq(bpe_special(b, BPE_EOS), 257);
    cr_assert_eq(bpe_special(b, BPE_SEP), 258);
    bpe_free(b);

    assert_gpt2_error(enc, "a b\n", "vocab.bpe", ":1: expected the header \"#version: 0.2\"");
    assert_gpt2_error(enc, "#version: 0.2\na b c\n", "vocab.bpe",
                      ":2: expected two tokens separated by a space");
    assert_gpt2_error(enc, "#version: 0.2\na b\n\n", "vocab.bpe",
                      ":3: expected two tokens separated by a space");
    assert_gpt2_error(enc, "#version: 0.2\na zz\n", "vocab.bpe",
                      ":2: \"zz\" is not in the vocabulary");
    assert_gpt2_error(enc, "#version: 0.2\nb c\n", "vocab.bpe",
                      ":2: \"bc\" (the merged token) is not in the vocabulary");
    assert_gpt2_error(enc, "#version: 0.2\na b\na b", "vocab.bpe", ":3: the pair is merged twice");
    free(enc);

    assert_gpt2_error("[]", "#version: 0.2\n", "encoder.json",
                      ": not a JSON object of tokens and ids");
    char *dup = tiny_encoder("\"ab\": 255");
    assert_gpt2_error(dup, "#version: 0.2\n", "encoder.json", ": \"ab\": id 255 is used twice");
    free(dup);
    char *bad = tiny_encoder("\"ab\": 300");
    assert_gpt2_error(bad, "#version: 0.2\n", "encoder.json",
                      ": \"ab\": the id must be an integer from 0 to 256");
    free(bad);
    char *gap = tiny_encoder("\"ab\": 256, \"cd\": 258, \"ef\": 258");
    assert_gpt2_error(gap, "#version: 0.2\n", "encoder.json", ": \"ef\": id 258 is used twice");
    free(gap);

    char missing[320];
    snprintf(missing, sizeof missing, "%s/nowhere", dir);
    cr_assert_null(bpe_load_gpt2(missing, err, sizeof err));
    cr_assert(strstr(err, "encoder.json: cannot open"), "%s", err);
}

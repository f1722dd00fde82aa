#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "tokenizer.h"

Test(tokenizer, vocabulary_layout) {
    cr_assert_eq(TOK_BOS, 256);
    cr_assert_eq(TOK_COUNT, 261);
    cr_assert_eq(TOK_VOCAB_PADDED % 8, 0);
    cr_assert(TOK_VOCAB_PADDED >= TOK_COUNT && TOK_VOCAB_PADDED < TOK_COUNT + 8);
    cr_assert(tok_is_valid(0) && tok_is_valid(255) && tok_is_valid(TOK_PAD));
    cr_assert(!tok_is_valid(-1) && !tok_is_valid(TOK_COUNT));
}

Test(tokenizer, round_trip_random_buffers_is_exact) {
    Rng r;
    rng_seed(&r, 42);
    for (int trial = 0; trial < 200; trial++) {
        size_t n = rng_below(&r, 4096);
        unsigned char *buf = malloc(n + 1), *back = malloc(n + 1);
        token_t *ids = malloc((n + 1) * sizeof *ids);
        for (size_t i = 0; i < n; i++) buf[i] = (unsigned char)rng_below(&r, 256);
        cr_assert_eq(tok_encode(buf, n, ids), n);
        for (size_t i = 0; i < n; i++) cr_assert_eq(ids[i], buf[i]);
        cr_assert_eq(tok_decode(ids, n, (char *)back), n);
        cr_assert_eq(memcmp(buf, back, n), 0, "trial %d: bytes differ after round trip", trial);
        free(buf), free(back), free(ids);
    }
}

Test(tokenizer, decode_skips_specials) {
    token_t ids[] = {TOK_BOS, 'h', 'i', TOK_SEP, 0, 255, TOK_CORR, TOK_EOS};
    char out[8];
    cr_assert_eq(tok_decode(ids, 8, out), 4);
    cr_assert_eq(memcmp(out, "hi\0\xff", 4), 0);
}

Test(tokenizer, render_specials_and_bytes) {
    const char *text = "a\n\t\x01\xc3\xa9\xff";
    token_t ids[16];
    size_t n = tok_encode(text, strlen(text), ids + 1);
    ids[0] = TOK_BOS;
    ids[n + 1] = TOK_CORR;
    ids[n + 2] = TOK_EOS;
    char out[64];
    size_t len = tok_render(ids, n + 3, out, sizeof out);
    cr_assert_str_eq(out, "<bos>a\\n\\t\\x01\xc3\xa9\\xFF<corr><eos>");
    cr_assert_eq(len, strlen(out));
    cr_assert_str_eq(tok_special_name(TOK_PAD), "<pad>");
    cr_assert_null(tok_special_name('a'));
}

Test(tokenizer, render_rejects_malformed_utf8) {
    /* An overlong "/", a surrogate, a truncated sequence: all shown byte by byte. */
    const char *text = "\xc0\xaf\xed\xa0\x80\xe2\x82";
    token_t ids[8];
    size_t n = tok_encode(text, strlen(text), ids);
    char out[64];
    tok_render(ids, n, out, sizeof out);
    cr_assert_str_eq(out, "\\xC0\\xAF\\xED\\xA0\\x80\\xE2\\x82");
}

Test(tokenizer, render_truncates_like_snprintf) {
    token_t ids[] = {TOK_BOS, 'x', 'y'};
    char out[4];
    size_t len = tok_render(ids, 3, out, sizeof out);
    cr_assert_eq(len, 7);
    cr_assert_str_eq(out, "<bo");
}

Test(tokenizer, to_text_keeps_bytes_names_specials_and_repairs_utf8) {
    const char *text = "x\n\xc3\xa9\xff";
    token_t ids[16];
    size_t n = tok_encode(text, strlen(text), ids);
    ids[n++] = TOK_CORR;
    ids[n++] = 'y';
    char out[6 * 16 + 1];
    size_t len = tok_to_text(ids, n, out);
    cr_assert_str_eq(out, "x\n\xc3\xa9\xef\xbf\xbd<corr>y");
    cr_assert_eq(len, strlen(out));
}

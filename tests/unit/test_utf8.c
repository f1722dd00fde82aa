#include <criterion/criterion.h>
#include <string.h>

#include "utf8.h"

Test(utf8, well_formed_and_not) {
    const unsigned char *ok = (const unsigned char *)"a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
    cr_assert_eq(utf8_validate((const char *)ok, 10, NULL), 0);
    cr_assert_eq(utf8_sequence_length(ok + 1, 9), 2);
    cr_assert_eq(utf8_sequence_length(ok + 3, 7), 3);
    cr_assert_eq(utf8_sequence_length(ok + 6, 4), 4);
    struct {
        const char *s;
        size_t at;
    } bad[] = {
        {"ab\xc0\xaf", 2},       /* overlong '/' */
        {"\xe0\x80\xaf", 0},     /* overlong, three bytes */
        {"x\xed\xa0\x80", 1},    /* surrogate U+D800 */
        {"\xf4\x90\x80\x80", 0}, /* past U+10FFFF */
        {"ok\xe2\x82", 2},       /* truncated */
        {"\x80", 0},             /* lone continuation */
        {"\xff", 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        size_t at = 99;
        cr_assert_eq(utf8_validate(bad[i].s, strlen(bad[i].s), &at), -1, "case %zu", i);
        cr_assert_eq(at, bad[i].at, "case %zu", i);
    }
}

Test(utf8, sanitize_replaces_each_bad_byte) {
    char out[64];
    size_t n = utf8_sanitize("a\xff\xc3\xa9\xe2\x82", 6, out);
    cr_assert_str_eq(out, "a\xef\xbf\xbd\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd");
    cr_assert_eq(n, strlen(out));
}

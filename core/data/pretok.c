#define PCRE2_CODE_UNIT_WIDTH 8
#include "pretok.h"

#include <pcre2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/* ECMAScript's \s: WhiteSpace (tab, vertical tab, form feed, ZWNBSP U+FEFF, every space
 * separator Zs) and LineTerminator (LF, CR, U+2028, U+2029). */
#define JS_SPACE "\\t\\n\\x{0B}\\f\\r\\p{Zs}\\x{2028}\\x{2029}\\x{FEFF}"

static const char rule[] = "'s|'t|'re|'ve|'m|'ll|'d"
                           "| ?\\p{L}+| ?\\p{N}+"
                           "| ?[^" JS_SPACE "\\p{L}\\p{N}]+"
                           "|[" JS_SPACE "]+(?![^" JS_SPACE "])"
                           "|[" JS_SPACE "]+";

/* The rule is compiled once for the process (with its JIT code) and shared: matching only
 * reads it. Each Pretok has its own match data. */
static pcre2_code *compiled;
static char compile_error[256];
static pthread_once_t compile_once = PTHREAD_ONCE_INIT;

static void compile_rule(void) {
    int code;
    PCRE2_SIZE at;
    uint32_t options = PCRE2_UTF | PCRE2_UCP | PCRE2_ANCHORED;
    compiled = pcre2_compile((PCRE2_SPTR)rule, PCRE2_ZERO_TERMINATED, options, &code, &at, NULL);
    if (!compiled) {
        PCRE2_UCHAR why[200];
        pcre2_get_error_message(code, why, sizeof why);
        snprintf(compile_error, sizeof compile_error, "pre-tokenization rule, at %zu: %s",
                 (size_t)at, (char *)why);
        return;
    }
    /* The JIT is several times faster; without it (an unsupported CPU) the interpreter gives
     * the same matches. The rule is anchored when compiled (the JIT cannot anchor at match
     * time): it matches at every position, so anchoring changes nothing but speed. */
    (void)pcre2_jit_compile(compiled, PCRE2_JIT_COMPLETE);
}

struct Pretok {
    pcre2_match_data *match;
};

Pretok *pretok_new(char *err, size_t errcap) {
    if (pthread_once(&compile_once, compile_rule) != 0 || !compiled) {
        snprintf(err, errcap, "%s", compile_error[0] ? compile_error : "cannot compile");
        return NULL;
    }
    Pretok *p = malloc(sizeof *p);
    if (p) p->match = pcre2_match_data_create_from_pattern(compiled, NULL);
    if (!p || !p->match) {
        snprintf(err, errcap, "out of memory");
        free(p);
        return NULL;
    }
    return p;
}

void pretok_free(Pretok *p) {
    if (!p) return;
    pcre2_match_data_free(p->match);
    free(p);
}

int pretok_next(Pretok *p, const char *text, size_t n, size_t *pos, size_t *len, char *err,
                size_t errcap) {
    size_t at = *pos;
    if (at >= n) return 0;
    int rc = pcre2_match(compiled, (PCRE2_SPTR)text, n, at, PCRE2_NO_UTF_CHECK, p->match, NULL);
    const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(p->match);
    /* The rule matches every character, and it is anchored, so anything but a non-empty match
     * at `at` is an error of PCRE2's. */
    if (rc <= 0 || ov[0] != at || ov[1] <= at) {
        PCRE2_UCHAR why[256];
        if (rc > 0 || pcre2_get_error_message(rc, why, sizeof why) < 0)
            snprintf((char *)why, sizeof why, "no match");
        snprintf(err, errcap, "pre-tokenization failed at byte %zu: %s", at, (char *)why);
        return -1;
    }
    *len = ov[1] - at;
    *pos = ov[1];
    return 1;
}

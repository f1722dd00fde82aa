/* GPT-2's pre-tokenization: text is cut into pieces (words with their leading space, numbers,
 * punctuation runs, whitespace runs) before byte pair merges, which never cross a cut. The
 * rule is the regular expression of GPT-2 and of the JavaScript encoder gpt-3-encoder,
 *     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 * matched with PCRE2 in UTF mode. \s is spelled out as JavaScript defines it (PCRE2's own \s
 * differs on U+0085, U+180E and U+FEFF); \p{L} and \p{N} are PCRE2's (see docs/tokenizers.md
 * for where its Unicode version and JavaScript's disagree). */
#ifndef EXPOSURE_PRETOK_H
#define EXPOSURE_PRETOK_H

#include <stddef.h>

typedef struct Pretok Pretok;

/* NULL with a message in err when PCRE2 cannot compile the rule or memory runs out. The rule
 * is compiled once for the whole process, by the first call. */
Pretok *pretok_new(char *err, size_t errcap);
void pretok_free(Pretok *p);

/* The piece of text[0..n) that starts at *pos: returns 1 with its length (at least 1) in *len
 * and *pos moved past it, 0 when *pos == n, -1 with a message in err when PCRE2 fails (a
 * resource limit). text must be well-formed UTF-8 (the caller checks once for the whole
 * text): the pieces then cover it exactly, in order. One Pretok serves one thread at a time. */
int pretok_next(Pretok *p, const char *text, size_t n, size_t *pos, size_t *len, char *err,
                size_t errcap);

#endif

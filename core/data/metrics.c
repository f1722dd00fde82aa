#include "metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Everything here is byte-oriented ASCII: lowercasing and punctuation only touch ASCII, and
 * bytes of multibyte UTF-8 characters stay inside the tokens they belong to. */

static int is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int is_punct(char c) {
    return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
           (c >= '{' && c <= '~');
}

typedef struct {
    const char *s;
    size_t n;
} Token;

typedef struct {
    char *text; /* owns the bytes the tokens point into */
    Token *tok;
    int n;
} Tokens;

static void tokens_free(Tokens *t) {
    free(t->text);
    free(t->tok);
    memset(t, 0, sizeof *t);
}

static int is_article(const Token *t) {
    return (t->n == 1 && t->s[0] == 'a') || (t->n == 2 && memcmp(t->s, "an", 2) == 0) ||
           (t->n == 3 && memcmp(t->s, "the", 3) == 0);
}

/* Splits text on whitespace; with normalize, first lowercases and deletes punctuation (so
 * "don't" is one token, "dont", as in SQuAD) and then drops the articles. */
static int tokenize(const char *src, int normalize, Tokens *out) {
    memset(out, 0, sizeof *out);
    size_t len = strlen(src);
    out->text = malloc(len + 1);
    out->tok = malloc((len / 2 + 1) * sizeof *out->tok); /* tokens are separated by spaces */
    if (!out->text || !out->tok) {
        tokens_free(out);
        return -1;
    }
    size_t w = 0;
    for (size_t i = 0; i < len; i++) {
        char c = src[i];
        if (normalize && is_punct(c)) continue;
        if (normalize && c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        out->text[w++] = c;
    }
    out->text[w] = '\0';
    for (size_t i = 0; i < w;) {
        while (i < w && is_space(out->text[i])) i++;
        size_t start = i;
        while (i < w && !is_space(out->text[i])) i++;
        if (i == start) break;
        Token t = {out->text + start, i - start};
        if (!(normalize && is_article(&t))) out->tok[out->n++] = t;
    }
    return 0;
}

static int token_cmp(const Token *a, const Token *b) {
    size_t n = a->n < b->n ? a->n : b->n;
    int c = memcmp(a->s, b->s, n);
    return c ? c : (a->n > b->n) - (a->n < b->n);
}

static int token_qsort_cmp(const void *a, const void *b) { return token_cmp(a, b); }

static int tokens_equal(const Tokens *a, const Tokens *b) {
    if (a->n != b->n) return 0;
    for (int i = 0; i < a->n; i++)
        if (token_cmp(&a->tok[i], &b->tok[i]) != 0) return 0;
    return 1;
}

/* Size of the multiset intersection; sorts both token lists. */
static int common_tokens(Tokens *a, Tokens *b) {
    qsort(a->tok, (size_t)a->n, sizeof *a->tok, token_qsort_cmp);
    qsort(b->tok, (size_t)b->n, sizeof *b->tok, token_qsort_cmp);
    int i = 0, j = 0, common = 0;
    while (i < a->n && j < b->n) {
        int c = token_cmp(&a->tok[i], &b->tok[j]);
        if (c == 0) common++, i++, j++;
        else if (c < 0) i++;
        else j++;
    }
    return common;
}

static double f1_from_counts(int overlap, int n_pred, int n_ref) {
    if (n_pred == 0 || n_ref == 0) return n_pred == n_ref ? 1.0 : 0.0;
    if (overlap == 0) return 0.0;
    double precision = (double)overlap / n_pred, recall = (double)overlap / n_ref;
    return 2.0 * precision * recall / (precision + recall);
}

/* ---- the GSM8K final answer -------------------------------------------------------------- */

static const char *last_marker(const char *text) {
    const char *last = NULL;
    for (const char *p = strstr(text, "####"); p; p = strstr(p + 1, "####")) last = p;
    return last;
}

int metric_gsm8k_answer(const char *text, char *out, size_t cap) {
    const char *mark = last_marker(text);
    if (!mark || cap == 0) return -1;
    const char *s = mark + 4, *end = strchr(s, '\n');
    if (!end) end = s + strlen(s);
    while (s < end && is_space(*s)) s++;
    while (end > s && is_space(end[-1])) end--;
    size_t w = 0;
    for (; s < end; s++) {
        if (*s == ',') continue;
        if (w + 1 >= cap) return -1;
        out[w++] = *s;
    }
    if (w > 0 && out[w - 1] == '.') w--;
    out[w] = '\0';
    return 0;
}

/* A decimal number rewritten in place in one form per value, for comparing: no '+', no
 * leading zeros, no trailing zeros in the fraction, no '.' without a fraction ("007.50" is
 * "7.5", "0.5" and ".5" are ".5"), and zero, of any sign, is "0". Never longer than the
 * text, so every write lands at or before what it copies. Returns 0, or -1 when the text is
 * not a decimal number (then it is left as it was). */
static int canonical_number(char *s) {
    char *p = s;
    int negative = *p == '-';
    if (*p == '-' || *p == '+') p++;
    char *int_start = p;
    while (*p >= '0' && *p <= '9') p++;
    char *int_end = p, *frac_start = p, *frac_end = p;
    if (*p == '.') {
        frac_start = ++p;
        while (*p >= '0' && *p <= '9') p++;
        frac_end = p;
    }
    if (*p != '\0' || (int_end == int_start && frac_end == frac_start)) return -1;
    while (int_start < int_end && *int_start == '0') int_start++;
    while (frac_end > frac_start && frac_end[-1] == '0') frac_end--;
    size_t n_int = (size_t)(int_end - int_start), n_frac = (size_t)(frac_end - frac_start);
    char *w = s;
    if (n_int == 0 && n_frac == 0) {
        *w++ = '0';
    } else {
        if (negative) *w++ = '-';
        memmove(w, int_start, n_int);
        w += n_int;
        if (n_frac) {
            *w++ = '.';
            memmove(w, frac_start, n_frac);
            w += n_frac;
        }
    }
    *w = '\0';
    return 0;
}

/* ---- the metrics ------------------------------------------------------------------------- */

static double em_normalized(const char *pred, const char *ref) {
    Tokens p, r;
    if (tokenize(pred, 1, &p) != 0) return 0.0;
    if (tokenize(ref, 1, &r) != 0) {
        tokens_free(&p);
        return 0.0;
    }
    double score = tokens_equal(&p, &r) ? 1.0 : 0.0;
    tokens_free(&p);
    tokens_free(&r);
    return score;
}

/* pred_answer is the prediction's final answer, already extracted. */
static double em_gsm8k(const char *pred_answer, const char *ref) {
    size_t cap = strlen(ref) + 1;
    char *ref_answer = malloc(cap);
    if (!ref_answer) return 0.0;
    double score;
    if (metric_gsm8k_answer(ref, ref_answer, cap) != 0) score = em_normalized(pred_answer, ref);
    else score = *ref_answer && strcmp(pred_answer, ref_answer) == 0 ? 1.0 : 0.0;
    free(ref_answer);
    return score;
}

double metric_em(const char *pred, const char *const *refs, int n_refs, int gsm8k) {
    char *pred_answer = NULL;
    if (gsm8k) {
        size_t cap = strlen(pred) + 1;
        pred_answer = malloc(cap);
        if (!pred_answer || metric_gsm8k_answer(pred, pred_answer, cap) != 0) {
            free(pred_answer);
            return 0.0;
        }
    }
    double best = 0.0;
    for (int i = 0; i < n_refs && best < 1.0; i++) {
        double s = gsm8k ? em_gsm8k(pred_answer, refs[i]) : em_normalized(pred, refs[i]);
        if (s > best) best = s;
    }
    free(pred_answer);
    return best;
}

double metric_answer_acc(const char *pred, const char *const *refs, int n_refs) {
    size_t cap = strlen(pred) + 1;
    for (int i = 0; i < n_refs; i++)
        if (strlen(refs[i]) + 1 > cap) cap = strlen(refs[i]) + 1;
    char *mine = malloc(cap), *theirs = malloc(cap);
    double score = NAN;
    if (!mine || !theirs) goto done;
    int have = metric_gsm8k_answer(pred, mine, cap) == 0 && *mine;
    int mine_number = have && canonical_number(mine) == 0;
    for (int i = 0; i < n_refs && !(score == 1.0); i++) {
        if (metric_gsm8k_answer(refs[i], theirs, cap) != 0) continue;
        score = 0.0;
        if (!have || !*theirs) continue;
        int theirs_number = canonical_number(theirs) == 0;
        if (mine_number == theirs_number && strcmp(mine, theirs) == 0) score = 1.0;
    }
done:
    free(mine);
    free(theirs);
    return score;
}

double metric_f1(const char *pred, const char *const *refs, int n_refs) {
    Tokens p;
    if (tokenize(pred, 1, &p) != 0) return 0.0;
    double best = 0.0;
    for (int i = 0; i < n_refs; i++) {
        Tokens r;
        if (tokenize(refs[i], 1, &r) != 0) break;
        double s = f1_from_counts(common_tokens(&p, &r), p.n, r.n);
        if (s > best) best = s;
        tokens_free(&r);
    }
    tokens_free(&p);
    return best;
}

/* Length of the longest common subsequence, with one row of the table at a time. */
static int lcs_length(const Tokens *a, const Tokens *b) {
    int *row = calloc((size_t)b->n + 1, sizeof *row);
    if (!row) return 0;
    for (int i = 0; i < a->n; i++) {
        int diagonal = 0; /* row[j] of the previous i, before it was overwritten */
        for (int j = 1; j <= b->n; j++) {
            int above = row[j];
            if (token_cmp(&a->tok[i], &b->tok[j - 1]) == 0) row[j] = diagonal + 1;
            else if (row[j - 1] > row[j]) row[j] = row[j - 1];
            diagonal = above;
        }
    }
    int n = row[b->n];
    free(row);
    return n;
}

double metric_rouge_l(const char *pred, const char *const *refs, int n_refs) {
    Tokens p;
    if (tokenize(pred, 0, &p) != 0) return 0.0;
    double best = 0.0;
    for (int i = 0; i < n_refs; i++) {
        Tokens r;
        if (tokenize(refs[i], 0, &r) != 0) break;
        double s = f1_from_counts(lcs_length(&p, &r), p.n, r.n);
        if (s > best) best = s;
        tokens_free(&r);
    }
    tokens_free(&p);
    return best;
}

#include "dataset.h"

#include <cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

static const struct {
    const char *name;
    const char *fields;
} layouts[LAYOUT_COUNT] = {
    [LAYOUT_AUTO] = {"auto", "detected from the first record"},
    [LAYOUT_PROMPT_RESPONSE] = {"prompt_response", "prompt/response"},
    [LAYOUT_QUESTION_ANSWER] = {"question_answer", "question/answer"},
    [LAYOUT_INSTRUCTION] = {"instruction", "instruction/input/output"},
    [LAYOUT_DOCUMENT_SUMMARY] = {"document_summary", "document/summary"},
    [LAYOUT_CONTEXT_QA] = {"context_qa", "context/question/answers"},
};

const char *layout_name(Layout l) {
    return (unsigned)l < LAYOUT_COUNT ? layouts[l].name : "unknown";
}

const char *layout_fields(Layout l) {
    return (unsigned)l < LAYOUT_COUNT ? layouts[l].fields : "unknown";
}

int layout_parse(const char *name, Layout *out) {
    for (int l = 0; l < LAYOUT_COUNT; l++)
        if (name && strcmp(name, layouts[l].name) == 0) {
            *out = (Layout)l;
            return 0;
        }
    return -1;
}

/* ---- problems ---------------------------------------------------------------------------- */

/* Why a record or a file was rejected, before the "FILE:LINE: " prefix is added. */
typedef struct {
    char msg[320];
} Problem;

__attribute__((format(printf, 2, 3))) static int fail(Problem *p, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->msg, sizeof p->msg, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- examples ---------------------------------------------------------------------------- */

static void example_free(Example *e) {
    free(e->prompt);
    free(e->response);
    for (int i = 0; i < e->n_answers; i++) free(e->answers[i]);
    free(e->answers);
    memset(e, 0, sizeof *e);
}

/* Fills e from a rendered prompt (taken over, even on failure) and the references; the first
 * reference is the training target. */
static int example_fill(Example *e, char *prompt, const char *const *refs, int n_refs, Problem *p) {
    memset(e, 0, sizeof *e);
    e->prompt = prompt;
    e->response = strdup(refs[0]);
    e->answers = calloc((size_t)n_refs, sizeof *e->answers);
    if (!e->prompt || !e->response || !e->answers) goto oom;
    for (; e->n_answers < n_refs; e->n_answers++) {
        e->answers[e->n_answers] = strdup(refs[e->n_answers]);
        if (!e->answers[e->n_answers]) goto oom;
    }
    return 0;
oom:
    example_free(e);
    return fail(p, "out of memory");
}

int example_tokens(const Example *e) {
    return e->tokens > 0 ? e->tokens : (int)(strlen(e->prompt) + strlen(e->response)) + 3;
}

/* ---- fields ------------------------------------------------------------------------------ */

/* cJSON decodes \u escapes itself; the decoded text is checked again so that nothing it
 * produced can let malformed UTF-8 through. */
static int check_decoded(const char *s, const char *what, Problem *p) {
    size_t bad;
    if (utf8_validate(s, strlen(s), &bad) != 0)
        return fail(p, "%s is not valid UTF-8 (byte %zu of its text)", what, bad + 1);
    return 0;
}

/* The string field `key`. An optional field may be absent or null and then reads as "". */
static int field_text(const cJSON *rec, const char *key, int optional, const char **out,
                      Problem *p) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(rec, key);
    if (!item || (optional && cJSON_IsNull(item))) {
        *out = "";
        return optional ? 0 : fail(p, "missing field \"%s\"", key);
    }
    if (!cJSON_IsString(item) || !item->valuestring)
        return fail(p, "field \"%s\" must be a string", key);
    char what[64];
    snprintf(what, sizeof what, "field \"%s\"", key);
    if (check_decoded(item->valuestring, what, p) != 0) return -1;
    *out = item->valuestring;
    return 0;
}

static int require_nonempty(const char *s, const char *key, Problem *p) {
    return *s ? 0 : fail(p, "field \"%s\" is empty (nothing to train on)", key);
}

/* Concatenates a NULL-terminated list of strings; NULL when out of memory. */
static char *concat(const char *const *parts) {
    StrBuf b;
    sb_init(&b);
    for (; *parts; parts++) sb_append(&b, *parts);
    return sb_take(&b);
}

/* GSM8K answers carry calculator annotations such as "<<3+4=7>>"; an unterminated "<<" is
 * kept as text. */
static char *strip_calc(const char *s) {
    StrBuf b;
    sb_init(&b);
    for (;;) {
        const char *open = strstr(s, "<<");
        const char *close = open ? strstr(open + 2, ">>") : NULL;
        if (!close) break;
        sb_append_n(&b, s, (size_t)(open - s));
        s = close + 2;
    }
    sb_append(&b, s);
    return sb_take(&b);
}

/* ---- the layouts ------------------------------------------------------------------------- */

typedef int (*RecordReader)(const cJSON *rec, const LoadOptions *opt, Example *e, Problem *p);

static int read_prompt_response(const cJSON *rec, const LoadOptions *opt, Example *e, Problem *p) {
    (void)opt;
    const char *prompt, *response;
    if (field_text(rec, "prompt", 0, &prompt, p) || field_text(rec, "response", 0, &response, p) ||
        require_nonempty(response, "response", p))
        return -1;
    return example_fill(e, strdup(prompt), &response, 1, p);
}

static int read_question_answer(const cJSON *rec, const LoadOptions *opt, Example *e, Problem *p) {
    const char *question, *answer;
    if (field_text(rec, "question", 0, &question, p) || field_text(rec, "answer", 0, &answer, p))
        return -1;
    char *target = opt->keep_calc ? strdup(answer) : strip_calc(answer);
    if (!target) return fail(p, "out of memory");
    int rc = require_nonempty(target, "answer", p);
    if (rc == 0) {
        const char *refs[] = {target};
        rc = example_fill(e, concat((const char *[]){"Question: ", question, "\nAnswer:", NULL}),
                          refs, 1, p);
    }
    free(target);
    return rc;
}

static int read_instruction(const cJSON *rec, const LoadOptions *opt, Example *e, Problem *p) {
    (void)opt;
    const char *instruction, *input, *output;
    if (field_text(rec, "instruction", 0, &instruction, p) ||
        field_text(rec, "input", 1, &input, p) || field_text(rec, "output", 0, &output, p) ||
        require_nonempty(output, "output", p))
        return -1;
    char *prompt =
        *input ? concat((const char *[]){"Instruction: ", instruction, "\nInput: ", input,
                                         "\nResponse:", NULL})
               : concat((const char *[]){"Instruction: ", instruction, "\nResponse:", NULL});
    return example_fill(e, prompt, &output, 1, p);
}

static int read_document_summary(const cJSON *rec, const LoadOptions *opt, Example *e, Problem *p) {
    (void)opt;
    const char *document, *summary;
    if (field_text(rec, "document", 0, &document, p) ||
        field_text(rec, "summary", 0, &summary, p) || require_nonempty(summary, "summary", p))
        return -1;
    return example_fill(e, concat((const char *[]){"Document: ", document, "\nSummary:", NULL}),
                        &summary, 1, p);
}

/* SQuAD-like "answers": a string, a list of strings, or {"text": [...]} as Hugging Face
 * dumps SQuAD. Sets *list to the array holding the answers, or *single to a lone string. */
static int answers_node(const cJSON *rec, const cJSON **list, const cJSON **single, Problem *p) {
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(rec, "answers");
    if (!a) return fail(p, "missing field \"answers\"");
    if (cJSON_IsObject(a)) a = cJSON_GetObjectItemCaseSensitive(a, "text");
    *list = cJSON_IsArray(a) ? a : NULL;
    *single = cJSON_IsString(a) ? a : NULL;
    if (!*list && !*single)
        return fail(p, "field \"answers\" must be a string, a list of strings or "
                       "{\"text\": [...]}");
    return 0;
}

/* One SQuAD answer: a non-empty string of valid UTF-8. `index` counts from 1. */
static int check_answer(const cJSON *item, int index, Problem *p) {
    char what[64];
    snprintf(what, sizeof what, "field \"answers\" item %d", index);
    if (!cJSON_IsString(item) || !item->valuestring) return fail(p, "%s must be a string", what);
    if (check_decoded(item->valuestring, what, p) != 0) return -1;
    if (!*item->valuestring) return fail(p, "%s is empty", what);
    return 0;
}

/* Points *refs (allocated; the strings stay in rec) at every answer of the record. */
static int collect_answers(const cJSON *rec, const char ***refs, int *n_refs, Problem *p) {
    const cJSON *list = NULL, *single = NULL;
    if (answers_node(rec, &list, &single, p) != 0) return -1;
    int n = single ? 1 : cJSON_GetArraySize(list);
    if (n == 0) return fail(p, "field \"answers\" has no answer");
    const char **v = calloc((size_t)n, sizeof *v);
    if (!v) return fail(p, "out of memory");
    const cJSON *item = single ? single : list->child;
    for (int i = 0; i < n; i++, item = item->next) {
        if (check_answer(item, i + 1, p) != 0) {
            free(v);
            return -1;
        }
        v[i] = item->valuestring;
    }
    *refs = v;
    *n_refs = n;
    return 0;
}

static int read_context_qa(const cJSON *rec, const LoadOptions *opt, Example *e, Problem *p) {
    (void)opt;
    const char *context, *question, **refs = NULL;
    int n_refs = 0;
    if (field_text(rec, "context", 0, &context, p) ||
        field_text(rec, "question", 0, &question, p) || collect_answers(rec, &refs, &n_refs, p))
        return -1;
    int rc = example_fill(
        e,
        concat((const char *[]){"Context: ", context, "\nQuestion: ", question, "\nAnswer:", NULL}),
        refs, n_refs, p);
    free(refs);
    return rc;
}

static const RecordReader readers[LAYOUT_COUNT] = {
    [LAYOUT_PROMPT_RESPONSE] = read_prompt_response,
    [LAYOUT_QUESTION_ANSWER] = read_question_answer,
    [LAYOUT_INSTRUCTION] = read_instruction,
    [LAYOUT_DOCUMENT_SUMMARY] = read_document_summary,
    [LAYOUT_CONTEXT_QA] = read_context_qa,
};

static int has_key(const cJSON *rec, const char *key) {
    return cJSON_GetObjectItemCaseSensitive(rec, key) != NULL;
}

/* The most specific layout first: a SQuAD record also has "question". */
static Layout detect_layout(const cJSON *rec) {
    if (has_key(rec, "context") && has_key(rec, "question") && has_key(rec, "answers"))
        return LAYOUT_CONTEXT_QA;
    if (has_key(rec, "instruction") && has_key(rec, "output")) return LAYOUT_INSTRUCTION;
    if (has_key(rec, "question") && has_key(rec, "answer")) return LAYOUT_QUESTION_ANSWER;
    if (has_key(rec, "document") && has_key(rec, "summary")) return LAYOUT_DOCUMENT_SUMMARY;
    if (has_key(rec, "prompt") && has_key(rec, "response")) return LAYOUT_PROMPT_RESPONSE;
    return LAYOUT_AUTO;
}

/* ---- raw lines --------------------------------------------------------------------------- */

static int is_blank(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '\v' && c != '\f') return 0;
    }
    return 1;
}

static int hex4(const char *s, unsigned *out) {
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                            : 16u;
        if (d == 16) return -1;
        v = v * 16 + d;
    }
    *out = v;
    return 0;
}

/* \u escapes that cannot become valid UTF-8 inside a C string: a NUL (the text would be cut
 * short silently) and UTF-16 surrogates that are not a high-low pair. Backslashes only occur
 * inside JSON strings, so scanning escape pairs from the start of the line is exact. */
static int check_escapes(const char *line, size_t len, Problem *p) {
    for (size_t i = 0; i + 1 < len; i++) {
        if (line[i] != '\\') continue;
        unsigned cp;
        if (line[i + 1] != 'u' || i + 6 > len || hex4(line + i + 2, &cp) != 0) {
            i++;
            continue;
        }
        if (cp == 0) return fail(p, "\\u0000 (a NUL character) at byte %zu", i + 1);
        if (cp >= 0xDC00 && cp <= 0xDFFF)
            return fail(p, "lone UTF-16 surrogate \\u%04X at byte %zu", cp, i + 1);
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            unsigned low;
            if (i + 12 > len || line[i + 6] != '\\' || line[i + 7] != 'u' ||
                hex4(line + i + 8, &low) != 0 || low < 0xDC00 || low > 0xDFFF)
                return fail(p, "lone UTF-16 surrogate \\u%04X at byte %zu", cp, i + 1);
            i += 6;
        }
        i += 5;
    }
    return 0;
}

static int check_raw_line(const char *line, size_t len, Problem *p) {
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        if (c < 0x20 && c != '\t')
            return fail(p, "binary data: control byte 0x%02X at byte %zu", c, i + 1);
    }
    size_t bad;
    if (utf8_validate(line, len, &bad) != 0) return fail(p, "invalid UTF-8 at byte %zu", bad + 1);
    return check_escapes(line, len, p);
}

/* ---- loading ----------------------------------------------------------------------------- */

typedef struct {
    LoadOptions opt;
    Layout layout;
    Example *ex;
    int n, cap;
    int line;         /* the line being read, 1-based */
    size_t bytes;     /* read so far, newlines included */
    int problem_line; /* 0 for a problem with the whole file */
    Problem problem;
} Loader;

static Example *next_slot(Loader *ld) {
    if (ld->n == ld->cap) {
        if (ld->cap > INT_MAX / 2) return NULL;
        int cap = ld->cap ? ld->cap * 2 : 256;
        Example *grown = realloc(ld->ex, (size_t)cap * sizeof *grown);
        if (!grown) return NULL;
        ld->ex = grown;
        ld->cap = cap;
    }
    return &ld->ex[ld->n];
}

static int parse_record(Loader *ld, const char *line, size_t len) {
    Problem *p = &ld->problem;
    if (check_raw_line(line, len, p) != 0) return -1;
    const char *end = NULL;
    cJSON *rec = cJSON_ParseWithOpts(line, &end, 1);
    if (!rec) return fail(p, "invalid JSON at byte %zu", end ? (size_t)(end - line) + 1 : 1);
    int rc = -1;
    if (!cJSON_IsObject(rec)) {
        fail(p, "not a JSON object");
    } else if (ld->layout == LAYOUT_AUTO && (ld->layout = detect_layout(rec)) == LAYOUT_AUTO) {
        fail(p, "cannot tell the layout from the keys (expected prompt/response, "
                "question/answer, instruction/input/output, document/summary or "
                "context/question/answers)");
    } else {
        Example *e = next_slot(ld);
        if (!e) {
            fail(p, "out of memory");
        } else if ((rc = readers[ld->layout](rec, &ld->opt, e, p)) == 0) {
            e->line = ld->line;
            e->tokens = 0;
            ld->n++;
        }
    }
    cJSON_Delete(rec);
    return rc;
}

static int too_large(Loader *ld) {
    return fail(&ld->problem, "larger than %zu bytes (the limit on a dataset file)",
                ld->opt.max_bytes);
}

static int read_lines(Loader *ld, FILE *f) {
    LineReader r;
    line_reader_init(&r, f, DATASET_MAX_LINE);
    int rc = 0;
    for (;;) {
        char *line;
        size_t len;
        LineStatus st = line_reader_next(&r, &line, &len);
        if (st == LINE_END) break;
        if (ld->line == INT_MAX) {
            rc = fail(&ld->problem, "too many lines");
            break;
        }
        ld->line++;
        ld->problem_line = ld->line;
        /* A stream of unknown size (a pipe) is bounded as it is read; a "\r" the line
         * reader removed is not counted, so this errs on the side of loading. */
        if (st == LINE_OK) ld->bytes += len + 1;
        if (st == LINE_OK && ld->bytes > ld->opt.max_bytes + 1) {
            rc = too_large(ld);
        } else if (st == LINE_TOO_LONG) {
            rc = fail(&ld->problem, "line longer than %d bytes", DATASET_MAX_LINE);
        } else if (st == LINE_READ_ERROR) {
            ld->problem_line = 0;
            rc = fail(&ld->problem, "read error: %s", strerror(errno));
        } else if (st == LINE_NO_MEMORY) {
            rc = fail(&ld->problem, "out of memory");
        } else {
            if (ld->line == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
                line += 3; /* a UTF-8 byte order mark some editors write */
                len -= 3;
            }
            if (is_blank(line, len)) continue;
            rc = parse_record(ld, line, len);
        }
        if (rc != 0) break;
    }
    line_reader_free(&r);
    return rc;
}

__attribute__((format(printf, 3, 4))) static void report(char *err, size_t errcap, const char *fmt,
                                                         ...) {
    if (!err || errcap == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errcap, fmt, ap);
    va_end(ap);
}

static void free_examples(Example *ex, int n) {
    for (int i = 0; i < n; i++) example_free(&ex[i]);
    free(ex);
}

/* Reads every record of f (named `name` in messages) into out. size is the stream's size when
 * known (a regular file, a buffer), else -1: a file over the limit is refused before reading. */
static int load_stream(FILE *f, const char *name, off_t size, const LoadOptions *opt, Dataset *out,
                       char *err, size_t errcap) {
    Loader ld = {0};
    if (opt) ld.opt = *opt;
    if (ld.opt.max_bytes == 0) ld.opt.max_bytes = DATASET_MAX_BYTES;
    ld.layout = ld.opt.layout;
    int rc = size >= 0 && (uintmax_t)size > ld.opt.max_bytes ? too_large(&ld) : read_lines(&ld, f);
    if (fclose(f) != 0 && rc == 0) {
        ld.problem_line = 0;
        rc = fail(&ld.problem, "read error: %s", strerror(errno));
    }
    if (rc == 0 && ld.n == 0) {
        ld.problem_line = 0;
        rc = fail(&ld.problem, "empty");
    }
    if (rc == 0 && !(out->path = strdup(name))) {
        ld.problem_line = 0;
        rc = fail(&ld.problem, "out of memory");
    }
    if (rc != 0) {
        if (ld.problem_line > 0)
            report(err, errcap, "%s:%d: %s", name, ld.problem_line, ld.problem.msg);
        else report(err, errcap, "%s: %s", name, ld.problem.msg);
        free_examples(ld.ex, ld.n);
        return -1;
    }
    out->layout = ld.layout;
    out->ex = ld.ex;
    out->n = ld.n;
    return 0;
}

int dataset_load(const char *path, const LoadOptions *opt, Dataset *out, char *err, size_t errcap) {
    memset(out, 0, sizeof *out);
    if (fileguard_check_read(path, err, errcap)) return -1;
    FILE *f = fopen(path, "rb");
    if (!f) {
        report(err, errcap, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    off_t size = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) ? st.st_size : -1;
    return load_stream(f, path, size, opt, out, err, errcap);
}

int dataset_load_buffer(const char *name, const void *data, size_t len, const LoadOptions *opt,
                        Dataset *out, char *err, size_t errcap) {
    memset(out, 0, sizeof *out);
    static char nothing[1];
    /* Read-only use of the buffer: fmemopen takes a non-const pointer for its write modes. */
    FILE *f = fmemopen(len ? (void *)(uintptr_t)data : nothing, len, "rb");
    if (!f) {
        report(err, errcap, "%s: cannot open: %s", name, strerror(errno));
        return -1;
    }
    return load_stream(f, name, len > (size_t)INTMAX_MAX ? -1 : (off_t)len, opt, out, err, errcap);
}

void dataset_free(Dataset *d) {
    free_examples(d->ex, d->n);
    free(d->path);
    memset(d, 0, sizeof *d);
}

/* ---- selection --------------------------------------------------------------------------- */

int dataset_drop_longer_than(Dataset *d, int context) {
    int kept = 0;
    for (int i = 0; i < d->n; i++) {
        if (example_tokens(&d->ex[i]) - 1 > context) example_free(&d->ex[i]);
        else d->ex[kept++] = d->ex[i];
    }
    int removed = d->n - kept;
    d->n = kept;
    return removed;
}

void dataset_name(const char *path, char *out, size_t cap) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t len = dot && dot > base ? (size_t)(dot - base) : strlen(base);
    int is_split = (len == 5 && strncmp(base, "train", 5) == 0) ||
                   (len == 3 && strncmp(base, "val", 3) == 0) ||
                   (len == 4 && strncmp(base, "test", 4) == 0);
    if (is_split && base > path + 1) {
        const char *end = base - 1, *start = end;
        while (start > path && start[-1] != '/') start--;
        if (end > start) {
            snprintf(out, cap, "%.*s", (int)(end - start), start);
            return;
        }
    }
    snprintf(out, cap, "%.*s", (int)len, base);
}

int dataset_longest(const Dataset *d) {
    int longest = 0;
    for (int i = 0; i < d->n; i++) {
        int need = example_tokens(&d->ex[i]) - 1;
        if (need > longest) longest = need;
    }
    return longest;
}

void dataset_truncate(Dataset *d, int n) {
    for (int i = n; i < d->n; i++) example_free(&d->ex[i]);
    if (n < d->n) d->n = n > 0 ? n : 0;
}

/* How many examples go to validation: the rounded fraction, at least one and never all. */
static int split_count(int n, double fraction) {
    if (n < 2) return 0;
    double want = fraction * n + 0.5;
    int k = want < 1.0 ? 1 : want >= n ? n - 1 : (int)want;
    return k < n ? k : n - 1;
}

int dataset_split(Dataset *d, double fraction, uint64_t seed, Dataset *val) {
    memset(val, 0, sizeof *val);
    int k = split_count(d->n, fraction);
    int *order = malloc((size_t)(d->n > 0 ? d->n : 1) * sizeof *order);
    unsigned char *chosen = calloc((size_t)(d->n > 0 ? d->n : 1), 1);
    Example *picked = malloc((size_t)(k > 0 ? k : 1) * sizeof *picked);
    char *path = d->path ? strdup(d->path) : NULL;
    if (!order || !chosen || !picked || (d->path && !path)) {
        free(order), free(chosen), free(picked), free(path);
        return -1;
    }
    for (int i = 0; i < d->n; i++) order[i] = i;
    Rng r;
    rng_seed(&r, seed);
    rng_shuffle(&r, order, d->n);
    for (int i = 0; i < k; i++) chosen[order[i]] = 1;
    int kept = 0, moved = 0;
    for (int i = 0; i < d->n; i++) {
        if (chosen[i]) picked[moved++] = d->ex[i];
        else d->ex[kept++] = d->ex[i];
    }
    d->n = kept;
    val->path = path;
    val->layout = d->layout;
    val->ex = picked;
    val->n = moved;
    free(order);
    free(chosen);
    return 0;
}

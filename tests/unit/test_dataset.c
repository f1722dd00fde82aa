#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dataset.h"
#include "metrics.h"
#include "files.h"

static char path[] = "/tmp/exposure-dataset-XXXXXX";
static char err[512];

static void setup(void) {
    int fd = mkstemp(path);
    cr_assert_neq(fd, -1);
    close(fd);
}
static void teardown(void) { unlink(path); }
TestSuite(dataset, .init = setup, .fini = teardown);

static void write_bytes(const char *bytes, size_t n) { write_file(path, bytes, n); }

/* Loads text (a C string) as a dataset file with the given options. */
static int load_text(const char *text, Layout layout, int keep_calc, Dataset *d) {
    write_bytes(text, strlen(text));
    LoadOptions opt = {.layout = layout, .keep_calc = keep_calc};
    err[0] = '\0';
    return dataset_load(path, &opt, d, err, sizeof err);
}

/* Expects the load to fail with exactly "PATH:LINE: reason" (line 0: "PATH: reason"). */
static void expect_error_bytes(const char *bytes, size_t n, int line, const char *reason) {
    write_bytes(bytes, n);
    Dataset d;
    LoadOptions opt = {0};
    cr_assert_eq(dataset_load(path, &opt, &d, err, sizeof err), -1, "loaded; expected: %s", reason);
    cr_assert_eq(d.n, 0);
    cr_assert_null(d.ex);
    char want[600];
    if (line > 0) snprintf(want, sizeof want, "%s:%d: %s", path, line, reason);
    else snprintf(want, sizeof want, "%s: %s", path, reason);
    cr_assert_str_eq(err, want);
}

static void expect_error(const char *text, int line, const char *reason) {
    expect_error_bytes(text, strlen(text), line, reason);
}

/* ---- the layouts ------------------------------------------------------------------------- */

Test(dataset, layout_names_round_trip) {
    for (int l = 0; l < LAYOUT_COUNT; l++) {
        Layout back;
        cr_assert_eq(layout_parse(layout_name((Layout)l), &back), 0);
        cr_assert_eq(back, (Layout)l);
    }
    Layout out;
    cr_assert_eq(layout_parse("squad", &out), -1);
    cr_assert_str_eq(layout_name(LAYOUT_CONTEXT_QA), "context_qa");
    cr_assert_str_eq(layout_fields(LAYOUT_QUESTION_ANSWER), "question/answer");
}

Test(dataset, prompt_response_with_blank_lines_and_extra_keys) {
    Dataset d;
    cr_assert_eq(load_text("\n{\"prompt\":\"Hi\",\"response\":\"there\",\"id\":7}\n  \t \n"
                           "{\"response\":\"b\",\"prompt\":\"\",\"meta\":{\"x\":[1,2]}}",
                           LAYOUT_AUTO, 0, &d),
                 0, "%s", err);
    cr_assert_eq(d.layout, LAYOUT_PROMPT_RESPONSE);
    cr_assert_eq(d.n, 2);
    cr_assert_str_eq(d.path, path);
    cr_assert_str_eq(d.ex[0].prompt, "Hi");
    cr_assert_str_eq(d.ex[0].response, "there");
    cr_assert_eq(d.ex[0].n_answers, 1);
    cr_assert_str_eq(d.ex[0].answers[0], "there");
    cr_assert_eq(d.ex[0].line, 2);
    cr_assert_str_eq(d.ex[1].prompt, "");
    cr_assert_eq(d.ex[1].line, 4);
    cr_assert_eq(example_tokens(&d.ex[0]), 2 + 5 + 3);
    dataset_free(&d);
}

Test(dataset, question_answer_strips_calculator_annotations_by_default) {
    const char *text =
        "{\"question\":\"Sum?\",\"answer\":\"3 + 4 = <<3+4=7>>7 apples.\\n#### 7\"}\n";
    Dataset d;
    cr_assert_eq(load_text(text, LAYOUT_AUTO, 0, &d), 0, "%s", err);
    cr_assert_eq(d.layout, LAYOUT_QUESTION_ANSWER);
    cr_assert_str_eq(d.ex[0].prompt, "Question: Sum?\nAnswer:");
    cr_assert_str_eq(d.ex[0].response, "3 + 4 = 7 apples.\n#### 7");
    cr_assert_str_eq(d.ex[0].answers[0], d.ex[0].response);
    dataset_free(&d);
    cr_assert_eq(load_text(text, LAYOUT_QUESTION_ANSWER, 1, &d), 0, "%s", err);
    cr_assert_str_eq(d.ex[0].response, "3 + 4 = <<3+4=7>>7 apples.\n#### 7");
    dataset_free(&d);
}

Test(dataset, unterminated_annotation_is_kept) {
    Dataset d;
    cr_assert_eq(load_text("{\"question\":\"q\",\"answer\":\"a << b\"}", LAYOUT_AUTO, 0, &d), 0);
    cr_assert_str_eq(d.ex[0].response, "a << b");
    dataset_free(&d);
}

Test(dataset, instruction_with_and_without_input) {
    Dataset d;
    cr_assert_eq(load_text("{\"instruction\":\"Add\",\"input\":\"2 and 3\",\"output\":\"5\"}\n"
                           "{\"instruction\":\"Greet\",\"output\":\"Hello\"}\n"
                           "{\"instruction\":\"Wave\",\"input\":\"\",\"output\":\"o/\"}\n"
                           "{\"instruction\":\"Nod\",\"input\":null,\"output\":\"ok\"}\n",
                           LAYOUT_AUTO, 0, &d),
                 0, "%s", err);
    cr_assert_eq(d.layout, LAYOUT_INSTRUCTION);
    cr_assert_eq(d.n, 4);
    cr_assert_str_eq(d.ex[0].prompt, "Instruction: Add\nInput: 2 and 3\nResponse:");
    cr_assert_str_eq(d.ex[0].response, "5");
    cr_assert_str_eq(d.ex[1].prompt, "Instruction: Greet\nResponse:");
    cr_assert_str_eq(d.ex[2].prompt, "Instruction: Wave\nResponse:");
    cr_assert_str_eq(d.ex[3].prompt, "Instruction: Nod\nResponse:");
    dataset_free(&d);
}

Test(dataset, document_summary) {
    Dataset d;
    cr_assert_eq(
        load_text("{\"document\":\"A long text.\",\"summary\":\"Short.\"}", LAYOUT_AUTO, 0, &d), 0,
        "%s", err);
    cr_assert_eq(d.layout, LAYOUT_DOCUMENT_SUMMARY);
    cr_assert_str_eq(d.ex[0].prompt, "Document: A long text.\nSummary:");
    cr_assert_str_eq(d.ex[0].response, "Short.");
    dataset_free(&d);
}

Test(dataset, context_qa_every_answers_form) {
    Dataset d;
    cr_assert_eq(
        load_text("{\"context\":\"C1\",\"question\":\"Q1\",\"answers\":\"one\"}\n"
                  "{\"context\":\"C2\",\"question\":\"Q2\",\"answers\":[\"two\",\"2\"]}\n"
                  "{\"title\":\"t\",\"context\":\"C3\",\"question\":\"Q3\","
                  "\"answers\":{\"text\":[\"three\",\"3\",\"III\"],\"answer_start\":[0,0,0]}}\n",
                  LAYOUT_AUTO, 0, &d),
        0, "%s", err);
    cr_assert_eq(d.layout, LAYOUT_CONTEXT_QA);
    cr_assert_eq(d.n, 3);
    cr_assert_str_eq(d.ex[0].prompt, "Context: C1\nQuestion: Q1\nAnswer:");
    cr_assert_str_eq(d.ex[0].response, "one");
    cr_assert_eq(d.ex[0].n_answers, 1);
    cr_assert_str_eq(d.ex[1].response, "two");
    cr_assert_eq(d.ex[1].n_answers, 2);
    cr_assert_str_eq(d.ex[1].answers[1], "2");
    cr_assert_str_eq(d.ex[2].response, "three");
    cr_assert_eq(d.ex[2].n_answers, 3);
    cr_assert_str_eq(d.ex[2].answers[0], "three");
    cr_assert_str_eq(d.ex[2].answers[2], "III");
    dataset_free(&d);
}

Test(dataset, named_layout_overrides_detection) {
    const char *text =
        "{\"context\":\"c\",\"question\":\"q\",\"answers\":[\"a\"],\"answer\":\"x\"}\n";
    Dataset d;
    cr_assert_eq(load_text(text, LAYOUT_QUESTION_ANSWER, 0, &d), 0, "%s", err);
    cr_assert_eq(d.layout, LAYOUT_QUESTION_ANSWER);
    cr_assert_str_eq(d.ex[0].response, "x");
    dataset_free(&d);
    cr_assert_eq(load_text(text, LAYOUT_AUTO, 0, &d), 0, "%s", err);
    cr_assert_eq(d.layout, LAYOUT_CONTEXT_QA);
    dataset_free(&d);
    cr_assert_eq(load_text(text, LAYOUT_PROMPT_RESPONSE, 0, &d), -1);
    char want[600];
    snprintf(want, sizeof want, "%s:1: missing field \"prompt\"", path);
    cr_assert_str_eq(err, want);
}

Test(dataset, crlf_bom_and_missing_final_newline) {
    Dataset d;
    cr_assert_eq(load_text("\xEF\xBB\xBF{\"prompt\":\"a\",\"response\":\"b\"}\r\n"
                           "{\"prompt\":\"c\",\"response\":\"d\"}",
                           LAYOUT_AUTO, 0, &d),
                 0, "%s", err);
    cr_assert_eq(d.n, 2);
    cr_assert_str_eq(d.ex[0].response, "b");
    cr_assert_str_eq(d.ex[1].response, "d");
    dataset_free(&d);
}

Test(dataset, unicode_text_and_surrogate_pairs_decode) {
    Dataset d;
    cr_assert_eq(
        load_text(
            "{\"prompt\":\"caf\xC3\xA9 \\u00e9\",\"response\":\"\\ud83d\\ude00 \xE6\x97\xA5\","
            "\"note\":\"\\\\u0000 is text here\"}",
            LAYOUT_AUTO, 0, &d),
        0, "%s", err);
    cr_assert_str_eq(d.ex[0].prompt, "caf\xC3\xA9 \xC3\xA9");
    cr_assert_str_eq(d.ex[0].response, "\xF0\x9F\x98\x80 \xE6\x97\xA5");
    dataset_free(&d);
}

/* ---- bad input --------------------------------------------------------------------------- */

Test(dataset, empty_files) {
    expect_error("", 0, "empty");
    expect_error("\n  \n\t\n\r\n", 0, "empty");
}

Test(dataset, missing_file) {
    Dataset d;
    LoadOptions opt = {0};
    cr_assert_eq(dataset_load("/nonexistent/exposure.jsonl", &opt, &d, err, sizeof err), -1);
    cr_assert_str_eq(err, "/nonexistent/exposure.jsonl: cannot open: No such file or directory");
}

Test(dataset, invalid_json_and_non_objects) {
    expect_error("{\"prompt\":\"a\",\"response\":\"b\"}\n{\"prompt\": oops}\n", 2,
                 "invalid JSON at byte 12");
    expect_error("{\"prompt\":\"a\",\"response\":\"b\"}\n\n[1,2]\n", 3, "not a JSON object");
    expect_error("\"just a string\"\n", 1, "not a JSON object");
    expect_error("{\"prompt\":\"a\",\"response\":\"b\"} trailing\n", 1, "invalid JSON at byte 31");
    expect_error("{\"prompt\":\"a\",\"response\":\"b\"\n", 1, "invalid JSON at byte 29");
}

Test(dataset, unknown_keys_cannot_tell_the_layout) {
    expect_error("{\"text\":\"hello\"}\n", 1,
                 "cannot tell the layout from the keys (expected prompt/response, "
                 "question/answer, instruction/input/output, document/summary or "
                 "context/question/answers)");
}

Test(dataset, missing_and_wrong_typed_fields) {
    expect_error("{\"question\":\"q\",\"answer\":\"a\"}\n{\"question\":\"q\"}\n", 2,
                 "missing field \"answer\"");
    expect_error("{\"question\":\"q\",\"answer\":\"a\"}\n\n{\"question\":\"q\",\"answer\":5}\n", 3,
                 "field \"answer\" must be a string");
    expect_error("{\"question\":null,\"answer\":\"a\"}\n", 1,
                 "field \"question\" must be a string");
    expect_error("{\"instruction\":\"i\",\"input\":3,\"output\":\"o\"}\n", 1,
                 "field \"input\" must be a string");
    /* The first record decides the layout; a later record of another layout is an error. */
    expect_error("{\"question\":\"q\",\"answer\":\"a\"}\n{\"prompt\":\"p\",\"response\":\"r\"}\n",
                 2, "missing field \"question\"");
}

Test(dataset, empty_targets_are_errors) {
    expect_error("{\"prompt\":\"p\",\"response\":\"\"}\n", 1,
                 "field \"response\" is empty (nothing to train on)");
    expect_error("{\"question\":\"q\",\"answer\":\"<<1+1=2>>\"}\n", 1,
                 "field \"answer\" is empty (nothing to train on)");
    expect_error("{\"document\":\"d\",\"summary\":\"\"}\n", 1,
                 "field \"summary\" is empty (nothing to train on)");
    expect_error("{\"instruction\":\"i\",\"output\":\"\"}\n", 1,
                 "field \"output\" is empty (nothing to train on)");
}

Test(dataset, bad_answers) {
    expect_error("{\"context\":\"c\",\"question\":\"q\",\"answers\":[]}\n", 1,
                 "field \"answers\" has no answer");
    expect_error("{\"context\":\"c\",\"question\":\"q\",\"answers\":{\"text\":[]}}\n", 1,
                 "field \"answers\" has no answer");
    expect_error("{\"context\":\"c\",\"question\":\"q\",\"answers\":[\"a\",7]}\n", 1,
                 "field \"answers\" item 2 must be a string");
    expect_error("{\"context\":\"c\",\"question\":\"q\",\"answers\":[\"\"]}\n", 1,
                 "field \"answers\" item 1 is empty");
    expect_error("{\"context\":\"c\",\"question\":\"q\",\"answers\":{\"answer_start\":[1]}}\n", 1,
                 "field \"answers\" must be a string, a list of strings or {\"text\": [...]}");
    expect_error("{\"context\":\"c\",\"question\":\"q\",\"answers\":42}\n", 1,
                 "field \"answers\" must be a string, a list of strings or {\"text\": [...]}");
}

Test(dataset, invalid_utf8_in_the_raw_line) {
    static const struct {
        const char *bytes;
        const char *what;
    } cases[] = {
        {"\xC0\xAF", "overlong 2-byte"},
        {"\xE0\x80\xAF", "overlong 3-byte"},
        {"\xF0\x80\x80\xAF", "overlong 4-byte"},
        {"\xED\xA0\x80", "surrogate U+D800"},
        {"\xED\xBF\xBF", "surrogate U+DFFF"},
        {"\xF4\x90\x80\x80", "above U+10FFFF"},
        {"\xF5\x80\x80\x80", "lead byte F5"},
        {"\xE2\x82", "truncated 3-byte"},
        {"\xF0\x9F\x98", "truncated 4-byte"},
        {"\x80", "stray continuation"},
        {"\xFF", "byte FF"},
        {"\xC3(", "bad continuation"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char line[128];
        snprintf(
            line, sizeof line,
            "{\"prompt\":\"ok\",\"response\":\"ok\"}\n{\"prompt\":\"a%s\",\"response\":\"b\"}\n",
            cases[i].bytes);
        /* the bad sequence starts right after {"prompt":"a, at byte 13 of line 2 */
        write_bytes(line, strlen(line));
        Dataset d;
        LoadOptions opt = {0};
        cr_assert_eq(dataset_load(path, &opt, &d, err, sizeof err), -1, "%s", cases[i].what);
        char want[600];
        snprintf(want, sizeof want, "%s:2: invalid UTF-8 at byte 13", path);
        cr_assert_str_eq(err, want, "%s", cases[i].what);
    }
}

Test(dataset, escapes_that_would_decode_to_invalid_text) {
    expect_error("{\"prompt\":\"a\\ud800\",\"response\":\"b\"}\n", 1,
                 "lone UTF-16 surrogate \\uD800 at byte 13");
    expect_error("{\"prompt\":\"a\\udc00\\ud800\",\"response\":\"b\"}\n", 1,
                 "lone UTF-16 surrogate \\uDC00 at byte 13");
    expect_error("{\"prompt\":\"a\",\"response\":\"\\ud83d\\u0041\"}\n", 1,
                 "lone UTF-16 surrogate \\uD83D at byte 27");
    expect_error("{\"prompt\":\"a\",\"response\":\"b\\ud83d\"}\n", 1,
                 "lone UTF-16 surrogate \\uD83D at byte 28");
    expect_error("{\"prompt\":\"a\\u0000b\",\"response\":\"b\"}\n", 1,
                 "\\u0000 (a NUL character) at byte 13");
}

Test(dataset, binary_garbage) {
    expect_error_bytes("{\"prompt\":\"a\",\"response\":\"b\"}\n{\"prompt\":\"a\0b\"}\n", 48, 2,
                       "binary data: control byte 0x00 at byte 13");
    expect_error("\x01\x02\x03\x04", 1, "binary data: control byte 0x01 at byte 1");
    expect_error("{\"prompt\":\"a\x1b[0m\",\"response\":\"b\"}", 1,
                 "binary data: control byte 0x1B at byte 13");
}

/* A line of exactly `len` bytes: a prompt/response record padded with 'x'. */
static char *record_of_length(size_t len) {
    static const char head[] = "{\"prompt\":\"", tail[] = "\",\"response\":\"r\"}";
    char *line = malloc(len + 2);
    cr_assert_not_null(line);
    size_t pad = len - (sizeof head - 1) - (sizeof tail - 1);
    memcpy(line, head, sizeof head - 1);
    memset(line + sizeof head - 1, 'x', pad);
    memcpy(line + sizeof head - 1 + pad, tail, sizeof tail - 1);
    line[len] = '\n';
    line[len + 1] = '\0';
    return line;
}

Test(dataset, line_of_exactly_the_limit_loads) {
    char *line = record_of_length(DATASET_MAX_LINE);
    Dataset d;
    cr_assert_eq(load_text(line, LAYOUT_AUTO, 0, &d), 0, "%s", err);
    cr_assert_eq(d.n, 1);
    cr_assert_eq(strlen(d.ex[0].prompt), DATASET_MAX_LINE - 28);
    dataset_free(&d);
    free(line);
}

Test(dataset, line_over_the_limit_is_rejected) {
    const char *first = "{\"prompt\":\"a\",\"response\":\"b\"}\n";
    char *line = record_of_length(DATASET_MAX_LINE + 1);
    size_t n1 = strlen(first), n2 = strlen(line);
    char *text = malloc(n1 + n2 + 1);
    cr_assert_not_null(text);
    memcpy(text, first, n1);
    memcpy(text + n1, line, n2 + 1);
    expect_error(text, 2, "line longer than 1048576 bytes");
    free(text);
    free(line);
}

Test(dataset, huge_line_without_newline_is_rejected) {
    /* 3 MiB of one unterminated line: rejected once the limit is passed. */
    size_t n = 3u << 20;
    char *text = malloc(n);
    cr_assert_not_null(text);
    memset(text, 'x', n);
    text[0] = '{';
    expect_error_bytes(text, n, 1, "line longer than 1048576 bytes");
    free(text);
}

Test(dataset, a_file_over_the_size_limit_is_refused_before_reading) {
    const char *text = "{\"prompt\":\"a\",\"response\":\"b\"}\n"
                       "{\"prompt\":\"c\",\"response\":\"d\"}\n";
    write_bytes(text, strlen(text));
    Dataset d;
    LoadOptions opt = {.max_bytes = strlen(text)};
    cr_assert_eq(dataset_load(path, &opt, &d, err, sizeof err), 0, "%s", err);
    dataset_free(&d);
    opt.max_bytes = strlen(text) - 1;
    cr_assert_eq(dataset_load(path, &opt, &d, err, sizeof err), -1);
    char want[600];
    snprintf(want, sizeof want, "%s: larger than %zu bytes (the limit on a dataset file)", path,
             opt.max_bytes);
    cr_assert_str_eq(err, want);
    cr_assert_null(d.ex);
}

Test(dataset, a_stream_over_the_size_limit_stops_at_the_line) {
    /* A pipe has no size: the limit applies as lines are read. */
    const char *line = "{\"prompt\":\"a\",\"response\":\"b\"}\n";
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(write(fds[1], line, strlen(line)), (ssize_t)strlen(line));
    close(fds[1]);
    char dev[64];
    snprintf(dev, sizeof dev, "/dev/fd/%d", fds[0]);
    Dataset d;
    LoadOptions opt = {.max_bytes = 2 * strlen(line) + 5};
    cr_assert_eq(dataset_load(dev, &opt, &d, err, sizeof err), -1);
    char want[600];
    snprintf(want, sizeof want, "%s:3: larger than %zu bytes (the limit on a dataset file)", dev,
             opt.max_bytes);
    cr_assert_str_eq(err, want);
    close(fds[0]);
}

Test(dataset, the_default_size_limit) { cr_assert_eq(DATASET_MAX_BYTES, (size_t)256 << 20); }

Test(dataset, a_buffer_loads_like_a_file) {
    const char text[] = "\xEF\xBB\xBF{\"question\":\"q\",\"answer\":\"1 <<1=1>>1\"}\r\n\n"
                        "{\"question\":\"r\",\"answer\":\"2\"}";
    Dataset d;
    LoadOptions opt = {0};
    cr_assert_eq(dataset_load_buffer("mem.jsonl", text, sizeof text - 1, &opt, &d, err, sizeof err),
                 0, "%s", err);
    cr_assert_eq(d.n, 2);
    cr_assert_eq(d.layout, LAYOUT_QUESTION_ANSWER);
    cr_assert_str_eq(d.path, "mem.jsonl");
    cr_assert_str_eq(d.ex[0].response, "1 1");
    cr_assert_eq(d.ex[1].line, 3);
    dataset_free(&d);
    cr_assert_eq(dataset_load_buffer("mem.jsonl", "", 0, &opt, &d, err, sizeof err), -1);
    cr_assert_str_eq(err, "mem.jsonl: empty");
    /* Bytes after a NUL are still read: the buffer's length counts, not a terminator. */
    const char nul[] = "{\"prompt\":\"a\",\"response\":\"b\"}\n\0garbage";
    cr_assert_eq(dataset_load_buffer("mem.jsonl", nul, sizeof nul - 1, &opt, &d, err, sizeof err),
                 -1);
    cr_assert_str_eq(err, "mem.jsonl:2: binary data: control byte 0x00 at byte 1");
}

Test(dataset, a_directory_is_a_read_error) {
    Dataset d;
    LoadOptions opt = {0};
    cr_assert_eq(dataset_load("/tmp", &opt, &d, err, sizeof err), -1);
    cr_assert_str_eq(err, "/tmp: read error: Is a directory");
}

/* ---- drop and split ---------------------------------------------------------------------- */

/* Ten records whose training sequences are 5, 6, ..., 14 tokens long (prompt of i bytes). */
static void load_ten(Dataset *d) {
    char text[1024] = "";
    for (int i = 0; i < 10; i++) {
        char line[96];
        snprintf(line, sizeof line, "{\"prompt\":\"%.*s\",\"response\":\"rr\"}\n", i, "pppppppppp");
        strcat(text, line);
    }
    cr_assert_eq(load_text(text, LAYOUT_AUTO, 0, d), 0, "%s", err);
    cr_assert_eq(d->n, 10);
}

Test(dataset, drop_longer_than_context) {
    Dataset d;
    load_ten(&d);
    cr_assert_eq(example_tokens(&d.ex[0]), 5);
    /* context 8 keeps sequences of up to 9 tokens: prompts of 0..4 bytes */
    cr_assert_eq(dataset_longest(&d), 13, "the 9-byte prompt: 14 tokens, 13 input positions");
    cr_assert_eq(dataset_drop_longer_than(&d, 8), 5);
    cr_assert_eq(dataset_longest(&d), 8);
    cr_assert_eq(d.n, 5);
    for (int i = 0; i < d.n; i++) {
        cr_assert_eq(d.ex[i].line, i + 1);
        cr_assert(example_tokens(&d.ex[i]) - 1 <= 8);
    }
    cr_assert_eq(dataset_drop_longer_than(&d, 100), 0);
    cr_assert_eq(dataset_drop_longer_than(&d, 1), 5);
    cr_assert_eq(d.n, 0);
    cr_assert_eq(dataset_longest(&d), 0);
    dataset_free(&d);
}

static void lines_of(const Dataset *d, int *out) {
    for (int i = 0; i < d->n; i++) out[i] = d->ex[i].line;
}

Test(dataset, split_is_deterministic_and_keeps_file_order) {
    Dataset a, va, b, vb;
    load_ten(&a);
    load_ten(&b);
    cr_assert_eq(dataset_split(&a, 0.3, 42, &va), 0);
    cr_assert_eq(dataset_split(&b, 0.3, 42, &vb), 0);
    cr_assert_eq(a.n, 7);
    cr_assert_eq(va.n, 3);
    cr_assert_eq(va.layout, a.layout);
    cr_assert_str_eq(va.path, a.path);
    int la[10], lb[10], seen[11] = {0};
    lines_of(&va, la);
    lines_of(&vb, lb);
    cr_assert_arr_eq(la, lb, 3 * sizeof(int), "same seed, same split");
    for (int i = 0; i < va.n; i++) {
        if (i) cr_assert_lt(va.ex[i - 1].line, va.ex[i].line);
        seen[va.ex[i].line]++;
    }
    for (int i = 0; i < a.n; i++) {
        if (i) cr_assert_lt(a.ex[i - 1].line, a.ex[i].line);
        seen[a.ex[i].line]++;
    }
    for (int line = 1; line <= 10; line++) cr_assert_eq(seen[line], 1, "line %d", line);
    dataset_free(&a), dataset_free(&va), dataset_free(&b), dataset_free(&vb);
}

Test(dataset, split_depends_on_the_seed) {
    int differ = 0;
    int first[3];
    for (uint64_t seed = 1; seed <= 8; seed++) {
        Dataset d, v;
        load_ten(&d);
        cr_assert_eq(dataset_split(&d, 0.3, seed, &v), 0);
        int lines[3];
        lines_of(&v, lines);
        if (seed == 1) memcpy(first, lines, sizeof first);
        else differ |= memcmp(first, lines, sizeof first) != 0;
        dataset_free(&d), dataset_free(&v);
    }
    cr_assert(differ, "eight seeds chose the same three records");
}

Test(dataset, split_sizes_at_the_edges) {
    static const struct {
        double fraction;
        int val;
    } cases[] = {{0.0, 1}, {0.01, 1}, {0.25, 3}, {0.5, 5}, {0.99, 9}, {1.0, 9}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Dataset d, v;
        load_ten(&d);
        cr_assert_eq(dataset_split(&d, cases[i].fraction, 7, &v), 0);
        cr_assert_eq(v.n, cases[i].val, "fraction %g", cases[i].fraction);
        cr_assert_eq(d.n, 10 - cases[i].val);
        dataset_free(&d), dataset_free(&v);
    }
    Dataset one, v;
    cr_assert_eq(load_text("{\"prompt\":\"a\",\"response\":\"b\"}", LAYOUT_AUTO, 0, &one), 0);
    cr_assert_eq(dataset_split(&one, 0.5, 1, &v), 0);
    cr_assert_eq(one.n, 1);
    cr_assert_eq(v.n, 0);
    dataset_free(&one), dataset_free(&v);
}

/* ---- real data --------------------------------------------------------------------------- */

#define GSM8K_TEST "../shared/data/gsm8k/test.jsonl"

Test(dataset, gsm8k_test_split) {
    if (access(GSM8K_TEST, R_OK) != 0) cr_skip_test("%s is not there; skipped", GSM8K_TEST);
    Dataset d, calc;
    LoadOptions opt = {0}, keep = {.keep_calc = 1};
    cr_assert_eq(dataset_load(GSM8K_TEST, &opt, &d, err, sizeof err), 0, "%s", err);
    cr_assert_eq(d.layout, LAYOUT_QUESTION_ANSWER);
    cr_assert_eq(d.n, 1319);
    char answer[32];
    cr_assert_eq(metric_gsm8k_answer(d.ex[0].response, answer, sizeof answer), 0);
    cr_assert_str_eq(answer, "18");
    cr_assert_eq(strncmp(d.ex[0].prompt, "Question: Janet\xE2\x80\x99s ducks", 24), 0);
    cr_assert_not_null(strstr(d.ex[0].response, "16 - 3 - 4 = 9 duck eggs"));
    for (int i = 0; i < d.n; i++) cr_assert_null(strstr(d.ex[i].response, "<<"), "record %d", i);

    cr_assert_eq(dataset_load(GSM8K_TEST, &keep, &calc, err, sizeof err), 0, "%s", err);
    cr_assert_eq(calc.n, 1319);
    cr_assert_not_null(strstr(calc.ex[0].response, "16 - 3 - 4 = <<16-3-4=9>>9 duck eggs"));
    cr_assert_gt(strlen(calc.ex[0].response), strlen(d.ex[0].response));
    dataset_free(&d);
    dataset_free(&calc);
}

/* One name for a dataset wherever runs are listed. */
Test(dataset, name_shown_for_a_path) {
    const char *cases[][2] = {
        {"arith", "arith"},
        {"assets/datasets/arith/train.jsonl", "arith"},
        {"/data/gsm8k/test.jsonl", "gsm8k"},
        {"/tmp/qa-notes.jsonl", "qa-notes"},
        {"my.qa.jsonl", "my.qa"},
        {"train.jsonl", "train"},
        {"/x/.hidden", ".hidden"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char out[64];
        dataset_name(cases[i][0], out, sizeof out);
        cr_assert_str_eq(out, cases[i][1], "%s", cases[i][0]);
    }
}

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run.h"

static char path[] = "/tmp/exposure-data-cli-XXXXXX";

static void setup(void) {
    int fd = mkstemp(path);
    cr_assert_neq(fd, -1);
    close(fd);
}
static void teardown(void) { unlink(path); }
TestSuite(data, .init = setup, .fini = teardown);

#define RUN(...) run_exposure((const char *[]){__VA_ARGS__, NULL}, NULL)

static void write_text(const char *text) {
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fputs(text, f) >= 0, 1);
    cr_assert_eq(fclose(f), 0);
}

static int count_lines(const char *s) {
    int n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

static void expect_usage_error(RunResult r, const char *needle) {
    cr_assert_eq(r.status, 2, "stdout: %s\nstderr: %s", r.out, r.err);
    cr_assert_not_null(strstr(r.err, needle), "stderr: %s", r.err);
    cr_assert_str_eq(r.out, "");
    run_free(&r);
}

/* ---- help and usage ---------------------------------------------------------------------- */

Test(data, help_on_every_level) {
    const char *const *cases[] = {
        (const char *[]){"data", "--help", NULL},
        (const char *[]){"data", "gen", "--help", NULL},
        (const char *[]){"data", "check", "-h", NULL},
    };
    static const char *const wants[] = {"usage: exposure data gen TASK",
                                        "usage: exposure data gen TASK --n N --seed S -o FILE",
                                        "\n       exposure data check FILE"};
    for (int i = 0; i < 3; i++) {
        RunResult r = run_exposure(cases[i], NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        cr_assert_not_null(strstr(r.out, wants[i]), "%s", r.out);
        cr_assert_str_eq(r.err, "");
        run_free(&r);
    }
    RunResult r = RUN("data", "gen", "--help");
    cr_assert_not_null(strstr(r.out, "exposure data gen arith --n 6000 --seed 101 -o "
                                     "assets/datasets/arith/train.jsonl"));
    run_free(&r);
    r = RUN("--help");
    cr_assert_not_null(strstr(r.out, "exposure data gen TASK"), "%s", r.out);
    run_free(&r);
}

Test(data, bad_usage_exits_2) {
    expect_usage_error(RUN("data"), "exposure data: gen or check?");
    expect_usage_error(RUN("data", "frob"), "unknown action \"frob\"");
    expect_usage_error(RUN("data", "gen"), "which task?");
    expect_usage_error(RUN("data", "gen", "poems", "--n", "3", "--seed", "1", "-o", "-"),
                       "unknown task \"poems\"");
    expect_usage_error(RUN("data", "gen", "arith", "--seed", "1", "-o", "-"), "--n is required");
    expect_usage_error(RUN("data", "gen", "arith", "--n", "3", "-o", "-"), "--seed is required");
    expect_usage_error(RUN("data", "gen", "arith", "--n", "3", "--seed", "1"), "-o is required");
    expect_usage_error(RUN("data", "gen", "arith", "--n", "0", "--seed", "1", "-o", "-"), "--n");
    expect_usage_error(RUN("data", "gen", "arith", "--n", "3x", "--seed", "1", "-o", "-"), "--n");
    expect_usage_error(RUN("data", "gen", "arith", "--n", "3", "--seed", "-4", "-o", "-"),
                       "--seed");
    expect_usage_error(RUN("data", "gen", "arith", "--n"), "--n needs a value");
    expect_usage_error(RUN("data", "gen", "arith", "--loud"), "unknown option '--loud'");
    expect_usage_error(RUN("data", "gen", "arith", "facts"), "unexpected argument 'facts'");
    expect_usage_error(RUN("data", "check"), "which file?");
    expect_usage_error(RUN("data", "check", "x.jsonl", "--layout", "squad"),
                       "unknown layout \"squad\"");
    expect_usage_error(RUN("data", "check", "x.jsonl", "--context", "0"), "--context");
    expect_usage_error(RUN("data", "check", "x.jsonl", "--strict"), "unknown option '--strict'");
    expect_usage_error(RUN("data", "check", "a.jsonl", "b.jsonl"), "unexpected argument 'b.jsonl'");
}

/* ---- gen --------------------------------------------------------------------------------- */

Test(data, gen_is_deterministic) {
    RunResult a = RUN("data", "gen", "digest", "--n", "25", "--seed", "9", "-o", "-");
    RunResult b = RUN("data", "gen", "digest", "--n", "25", "--seed", "9", "-o", "-");
    RunResult c = RUN("data", "gen", "digest", "--n", "25", "--seed", "10", "-o", "-");
    cr_assert_eq(a.status, 0, "%s", a.err);
    cr_assert_eq(count_lines(a.out), 25);
    cr_assert_str_eq(a.out, b.out);
    cr_assert_str_neq(a.out, c.out);
    cr_assert_str_eq(a.err, "");

    RunResult f = RUN("data", "gen", "digest", "--n", "25", "--seed", "9", "-o", path);
    cr_assert_eq(f.status, 0, "%s", f.err);
    cr_assert_str_eq(f.out, "");
    FILE *in = fopen(path, "rb");
    cr_assert_not_null(in);
    char *bytes = calloc(1, strlen(a.out) + 2);
    cr_assert_not_null(bytes);
    size_t got = fread(bytes, 1, strlen(a.out) + 1, in);
    fclose(in);
    cr_assert_eq(got, strlen(a.out));
    cr_assert_str_eq(bytes, a.out);
    free(bytes);
    run_free(&a), run_free(&b), run_free(&c), run_free(&f);
}

Test(data, gen_to_an_unwritable_place_is_a_runtime_failure) {
    RunResult r =
        RUN("data", "gen", "arith", "--n", "2", "--seed", "1", "-o", "/nonexistent-dir/out.jsonl");
    cr_assert_eq(r.status, 1);
    cr_assert_not_null(strstr(r.err, "/nonexistent-dir/out.jsonl: cannot open"), "%s", r.err);
    run_free(&r);
}

/* ---- check ------------------------------------------------------------------------------- */

Test(data, check_reports_layout_counts_and_lengths) {
    write_text("{\"prompt\":\"ab\",\"response\":\"caf\xC3\xA9\"}\n\n"
               "{\"prompt\":\"abcd\",\"response\":\"x\"}\n"
               "{\"prompt\":\"abcdef\",\"response\":\"yy\"}\n");
    RunResult r = RUN("data", "check", path);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "layout: prompt_response (prompt/response, detected)"));
    cr_assert_not_null(strstr(r.out, "records: 3\n"), "%s", r.out);
    /* prompts of 2, 4, 6 bytes; responses 5, 1, 2 bytes but 4, 1, 2 characters;
     * sequences 10, 8, 11 tokens */
    cr_assert_not_null(strstr(r.out, "  prompt chars           2       4       6\n"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "  response chars         1       2       4\n"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "  response tokens        1       2       5\n"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "  sequence tokens        8      10      11\n"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "longer than context 256: 0 of 3\n"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "problems: none\n"));
    run_free(&r);

    /* a sequence of T tokens needs T - 1 input positions */
    r = RUN("data", "check", path, "--context", "9");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "longer than context 9: 1 of 3 (dropped for training)"), "%s",
                       r.out);
    run_free(&r);

    r = RUN("data", "check", path, "--context", "8");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "longer than context 8: 2 of 3 (dropped for training)"), "%s",
                       r.out);
    char want[256];
    snprintf(want, sizeof want, "  %s:1: sequence of 10 tokens", path);
    cr_assert_not_null(strstr(r.out, want), "%s", r.out);
    snprintf(want, sizeof want, "  %s:4: sequence of 11 tokens", path);
    cr_assert_not_null(strstr(r.out, want), "%s", r.out);
    run_free(&r);

    r = RUN("data", "check", path, "--context", "6");
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "every record is longer than the context of 6 tokens"));
    run_free(&r);
}

Test(data, check_with_a_named_layout_and_calculator_annotations) {
    write_text("{\"question\":\"q\",\"answer\":\"1+1=<<1+1=2>>2\\n#### 2\"}\n");
    RunResult r = RUN("data", "check", path, "--layout", "question_answer");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "layout: question_answer (question/answer)\n"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "  response tokens       12      12      12\n"), "%s", r.out);
    run_free(&r);
    r = RUN("data", "check", path, "--keep-calc");
    cr_assert_not_null(strstr(r.out, "  response tokens       21      21      21\n"), "%s", r.out);
    run_free(&r);
}

Test(data, check_rejects_a_bad_file_with_file_and_line) {
    write_text("{\"question\":\"q\",\"answer\":\"a\"}\n{\"question\":\"q\",\"answer\":[1]}\n");
    RunResult r = RUN("data", "check", path);
    cr_assert_eq(r.status, 2);
    char want[256];
    snprintf(want, sizeof want, "%s:2: field \"answer\" must be a string\n", path);
    cr_assert_str_eq(r.err, want);
    run_free(&r);

    r = RUN("data", "check", "/nonexistent/data.jsonl");
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "/nonexistent/data.jsonl: cannot open: No such file or directory\n");
    run_free(&r);

    write_text("");
    r = RUN("data", "check", path);
    cr_assert_eq(r.status, 2);
    snprintf(want, sizeof want, "%s: empty\n", path);
    cr_assert_str_eq(r.err, want);
    run_free(&r);
}

Test(data, check_a_builtin_task_by_name) {
    RunResult r = RUN("data", "check", "facts");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(
        strstr(r.out, "facts: built-in task (general QA), checking its train split"));
    cr_assert_not_null(strstr(r.out, "/datasets/facts/train.jsonl\n"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "layout: context_qa"));
    cr_assert_not_null(strstr(r.out, "records: 6000\n"));
    cr_assert_not_null(strstr(r.out, "longer than context 256: 0 of 6000\n"));
    run_free(&r);
}

Test(data, check_gsm8k_train) {
    const char *gsm8k = "../shared/data/gsm8k/train.jsonl";
    if (access(gsm8k, R_OK) != 0) cr_skip_test("%s is not there; skipped", gsm8k);
    RunResult r = RUN("data", "check", gsm8k);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "layout: question_answer (question/answer, detected)"));
    cr_assert_not_null(strstr(r.out, "records: 7473\n"), "%s", r.out);
    run_free(&r);
}

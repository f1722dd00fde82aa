/* Path completion, the preferences file and dataset statistics of the interface. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "complete.h"
#include "dsinfo.h"
#include "prefs.h"

static char dir[] = "/tmp/exposure-ui-XXXXXX";

static void setup(void) { cr_assert_not_null(mkdtemp(dir)); }
static void teardown(void) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}
TestSuite(ui_files, .init = setup, .fini = teardown);

static void touch(const char *name, const char *text) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

Test(ui_files, completes_paths) {
    touch("train.jsonl", "");
    touch("test.jsonl", "");
    char sub[256], typed[256], out[512];
    snprintf(sub, sizeof sub, "%s/data", dir);
    cr_assert_eq(mkdir(sub, 0755), 0);
    Completions c;
    snprintf(typed, sizeof typed, "%s/t", dir);
    cr_assert_eq(complete_path(typed, out, sizeof out, &c), 2);
    char want[256];
    snprintf(want, sizeof want, "%s/t", dir);
    cr_assert_str_eq(out, want, "the common part of train and test is just t");
    cr_assert_str_eq(c.names[0], "test.jsonl");
    cr_assert_str_eq(c.names[1], "train.jsonl");
    snprintf(typed, sizeof typed, "%s/tr", dir);
    cr_assert_eq(complete_path(typed, out, sizeof out, &c), 1);
    snprintf(want, sizeof want, "%s/train.jsonl", dir);
    cr_assert_str_eq(out, want);
    snprintf(typed, sizeof typed, "%s/d", dir);
    cr_assert_eq(complete_path(typed, out, sizeof out, &c), 1);
    snprintf(want, sizeof want, "%s/data/", dir);
    cr_assert_str_eq(out, want, "a directory gets its slash");
    snprintf(typed, sizeof typed, "%s/zz", dir);
    cr_assert_eq(complete_path(typed, out, sizeof out, &c), 0);
    cr_assert_str_eq(out, typed);
}

Test(ui_files, completes_words) {
    const char *words[] = {"method.schedule.end", "method.schedule.start", "train.lr"};
    char out[128];
    Completions c;
    cr_assert_eq(complete_word("method.s", words, 3, out, sizeof out, &c), 2);
    cr_assert_str_eq(out, "method.schedule.");
    cr_assert_eq(complete_word("tr", words, 3, out, sizeof out, &c), 1);
    cr_assert_str_eq(out, "train.lr");
}

Test(ui_files, preferences_round_trip_atomically) {
    setenv("XDG_CONFIG_HOME", dir, 1);
    Prefs p;
    char msg[512];
    cr_assert_eq(prefs_load(&p, msg, sizeof msg), 0, "a missing file is fine");
    cr_assert_str_eq(p.theme, "default");
    snprintf(p.theme, sizeof p.theme, "mono");
    p.smoothing = 0.35;
    p.x_time = 1;
    prefs_add_recent(&p, "/a.jsonl");
    prefs_add_recent(&p, "/b.jsonl");
    prefs_add_recent(&p, "/a.jsonl");
    cr_assert_eq(prefs_save(&p, msg, sizeof msg), 0, "%s", msg);
    Prefs q;
    cr_assert_eq(prefs_load(&q, msg, sizeof msg), 0, "%s", msg);
    cr_assert_str_eq(q.theme, "mono");
    cr_assert_float_eq(q.smoothing, 0.35, 1e-12);
    cr_assert_eq(q.x_time, 1);
    cr_assert_eq(q.n_recent, 2);
    cr_assert_str_eq(q.recent[0], "/a.jsonl");
    cr_assert_str_eq(q.recent[1], "/b.jsonl");
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s/exposure/tui.json.tmp.%ld", dir, (long)getpid());
    cr_assert_neq(access(tmp, F_OK), 0, "no temporary file is left behind");
    unsetenv("XDG_CONFIG_HOME");
}

Test(ui_files, a_corrupt_preferences_file_is_ignored_with_a_message) {
    setenv("XDG_CONFIG_HOME", dir, 1);
    char sub[256];
    snprintf(sub, sizeof sub, "%s/exposure", dir);
    cr_assert_eq(mkdir(sub, 0755), 0);
    touch("exposure/tui.json", "{\"theme\": \"mono\", \"smoothing\": ");
    Prefs p;
    char msg[512] = "";
    cr_assert_eq(prefs_load(&p, msg, sizeof msg), -1);
    cr_assert_not_null(strstr(msg, "tui.json"), "%s", msg);
    cr_assert_str_eq(p.theme, "default", "the defaults stay in use");
    touch("exposure/tui.json", "{\"smoothing\": 7}");
    cr_assert_eq(prefs_load(&p, msg, sizeof msg), -1, "out of range");
    unsetenv("XDG_CONFIG_HOME");
}

Test(ui_files, dataset_statistics) {
    touch("d.jsonl", "{\"prompt\":\"ab\",\"response\":\"xyz\"}\n"
                     "{\"prompt\":\"h\\u00e9llo\",\"response\":\"q\"}\n"
                     "{\"prompt\":\"abcd\",\"response\":\"xy\"}\n");
    char path[256];
    snprintf(path, sizeof path, "%s/d.jsonl", dir);
    DsInfo d;
    cr_assert_eq(dsinfo_load(&d, path, LAYOUT_AUTO, 0, 8, "byte"), 0, "%s", d.err);
    cr_assert_eq(d.ds.n, 3);
    cr_assert(d.detected);
    cr_assert_eq(d.prompt_chars.min, 2);
    cr_assert_eq(d.prompt_chars.median, 4);
    cr_assert_eq(d.prompt_chars.max, 5);
    cr_assert_eq(d.prompt_tokens.max, 6, "tokens are bytes: é is two");
    cr_assert_eq(d.response_tokens.median, 2);
    cr_assert_eq(d.seq_tokens.min, 8);
    cr_assert_eq(d.seq_tokens.max, 10);
    cr_assert_eq(d.too_long, 1, "only the 10-token sequence needs more than 8 input positions");
    dsinfo_free(&d);
}

Test(ui_files, dataset_statistics_count_the_tokens_of_model_tokenizer) {
    touch("g.jsonl", "{\"prompt\":\"hello world hello world\",\"response\":\"the\"}\n");
    char path[256];
    snprintf(path, sizeof path, "%s/g.jsonl", dir);
    DsInfo d;
    cr_assert_eq(dsinfo_load(&d, path, LAYOUT_AUTO, 0, 8, "gpt2"), 0, "%s", d.err);
    cr_assert_not_null(strstr(d.vocab, "gpt2"), "%s", d.vocab);
    cr_assert_eq(d.prompt_tokens.max, 4, "hello, \" world\", \" hello\", \" world\"");
    cr_assert_eq(d.response_tokens.max, 1);
    cr_assert_eq(d.seq_tokens.max, 8, "and <bos>, <sep>, <eos>");
    cr_assert_eq(d.too_long, 0, "7 input positions fit a context of 8; its 26 bytes would not");
    dsinfo_free(&d);
    cr_assert_eq(dsinfo_load(&d, path, LAYOUT_AUTO, 0, 8, "nope"), -1);
    cr_assert_not_null(strstr(d.err, "model.tokenizer"), "%s", d.err);
    dsinfo_free(&d);
}

Test(ui_files, dataset_errors_name_the_line) {
    touch("bad.jsonl", "{\"prompt\":\"a\",\"response\":\"b\"}\n{\"prompt\": oops}\n");
    char path[256], want[300];
    snprintf(path, sizeof path, "%s/bad.jsonl", dir);
    DsInfo d;
    cr_assert_eq(dsinfo_load(&d, path, LAYOUT_AUTO, 0, 256, "byte"), -1);
    snprintf(want, sizeof want, "%s:2: ", path);
    cr_assert_not_null(strstr(d.err, want), "%s", d.err);
    cr_assert(!d.ok);
    dsinfo_free(&d);
}

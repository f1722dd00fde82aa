/* model.tokenizer through the whole tool: a run on GPT-2's vocabulary trains, evaluates,
 * records its vocabulary in its checkpoints, warm-starts only on it, and refuses a tokenizer
 * that is none. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"
#include "scratch.h"
#include "sql.h"

static char dir[] = "/tmp/exposure-tok-XXXXXX";
static char db[300], data[400];

/* 40 arith problems: a GPT-2-vocabulary model's head is 50,260 rows, so keep every pass small.
 * Their sequences need about 220 bytes but fewer than 96 GPT-2 tokens. */
static void setup(void) {
    scratch_create(dir, db, sizeof db, "runs.db");
    gen_arith_file(dir, 40, 3, data, sizeof data);
}
static void teardown(void) { scratch_remove(dir); }
TestSuite(tokenizer, .init = setup, .fini = teardown, .timeout = 240);

#define SMALL                                                                                      \
    "--set", data, "--set", "data.val=", "--set", "data.val_fraction=0.1", "--set",                \
        "train.batch=4", "--set", "train.eval_samples=4", "--set", "decode.max_new_tokens=12",     \
        "--set", "train.threads=1", "--set", "train.warmup=1", "--set", "train.steps=3", "--set",  \
        "train.eval_every=3"
#define SHAPE                                                                                      \
    "--set", "model.layers=1", "--set", "model.dim=16", "--set", "model.heads=2", "--set",         \
        "model.context=96"

static char *checkpoint_of(int64_t run, char *out, size_t cap) {
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT path FROM checkpoints WHERE run=%lld ORDER BY step DESC",
             (long long)run);
    return (char *)sql_text(db, sql, out, cap);
}

static int file_holds(const char *path, const char *needle) {
    size_t len, n = strlen(needle);
    char *buf = file_bytes(path, &len);
    cr_assert_not_null(buf, "%s", path);
    int found = 0;
    for (size_t i = 0; i + n <= len && !found; i++) found = memcmp(buf + i, needle, n) == 0;
    free(buf);
    return found;
}

Test(tokenizer, a_gpt2_run_trains_evaluates_records_its_vocabulary_and_warm_starts_on_it) {
    RunResult r =
        run_exposure((const char *[]){"train", "--db", db, "--quiet", SMALL, SHAPE, "--set",
                                      "model.tokenizer=gpt2", "--set", "method.name=rac", NULL},
                     NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    char text[4200];
    cr_assert_str_eq(sql_text(db, "SELECT json_extract(config, '$.model.tokenizer') FROM runs",
                              text, sizeof text),
                     "gpt2");
    /* The outputs are text: GPT-2 token ids beyond the bytes never show as "<?>". */
    cr_assert_eq(sql_double(db, "SELECT count(*) FROM samples WHERE output LIKE '%<?>%' OR "
                                "raw_output LIKE '%<?>%'"),
                 0);
    cr_assert(file_holds(checkpoint_of(1, text, sizeof text), "TOKN"));

    r = run_exposure((const char *[]){"eval", "--run", "1", "--db", db, "--jsonl", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "\"event\":\"sample\""), "%s", r.out);
    run_free(&r);

    r = run_exposure((const char *[]){"runs", "show", "1", "--db", db, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "\"tokenizer\": \"gpt2\""), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "context 96, tokenizer gpt2"), "%s", r.out);
    run_free(&r);

    /* data check counts the same tokens. */
    r = run_exposure((const char *[]){"data", "check", data + strlen("data.train="), "--context",
                                      "96", "--tokenizer", "gpt2", NULL},
                     NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "longer than context 96: 0 of 40"), "%s", r.out);
    run_free(&r);

    /* A warm start takes the checkpoint's tokenizer with its shape... */
    r = run_exposure((const char *[]){"train", "--db", db, "--quiet", SMALL, "--from", "1", NULL},
                     NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    cr_assert_str_eq(
        sql_text(db, "SELECT json_extract(config, '$.model.tokenizer') FROM runs WHERE id=2", text,
                 sizeof text),
        "gpt2");
    /* ...and refuses another one, naming the key. */
    r = run_exposure((const char *[]){"train", "--db", db, "--quiet", SMALL, "--from", "1", "--set",
                                      "model.tokenizer=byte", NULL},
                     NULL);
    cr_assert_eq(r.status, 2, "%s", r.err);
    cr_assert_not_null(strstr(r.err, "model.tokenizer is gpt2 there, byte here"), "%s", r.err);
    run_free(&r);
}

Test(tokenizer, the_default_stays_byte_and_its_checkpoints_have_no_vocabulary_section) {
    RunResult r = run_exposure((const char *[]){"train", "--db", db, "--quiet", SMALL, SHAPE,
                                                "--set", "model.context=256", NULL},
                               NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    char text[4200];
    cr_assert_str_eq(sql_text(db, "SELECT json_extract(config, '$.model.tokenizer') FROM runs",
                              text, sizeof text),
                     "byte");
    cr_assert(!file_holds(checkpoint_of(1, text, sizeof text), "TOKN"));
}

Test(tokenizer, a_tokenizer_that_is_none_is_refused) {
    const char *bad[] = {"model.tokenizer=gpt3", "model.tokenizer=/nonexistent/v.json"};
    const char *says[] = {"model.tokenizer: \"gpt3\" is not a tokenizer", "/nonexistent/v.json"};
    for (int i = 0; i < 2; i++) {
        RunResult r = run_exposure(
            (const char *[]){"train", "--db", db, "--quiet", SMALL, SHAPE, "--set", bad[i], NULL},
            NULL);
        cr_assert_eq(r.status, 2, "%s: %s", bad[i], r.err);
        cr_assert_not_null(strstr(r.err, says[i]), "%s", r.err);
        run_free(&r);
    }
}

/* ---- exposure model import / export ---------------------------------------------------- */

#include "train.h"

#define FIXTURE "tests/fixtures/gpt2-tiny/"

/* Run id's step-0 checkpoint loaded into m (ready for one row). */
static void load_run(int64_t id, Model *m) {
    char path[4200], err[1024];
    checkpoint_of(id, path, sizeof path);
    ModelConfig mc;
    cr_assert_eq(checkpoint_read_config(path, &mc, err, sizeof err), 0, "%s", err);
    cr_assert_eq(model_init(m, &mc, 1), 0);
    CheckpointState st;
    cr_assert_eq(checkpoint_load(path, m, &st, err, sizeof err), 0, "%s", err);
    free(st.extra);
}

Test(tokenizer, an_imported_model_gives_pytorchs_logits_and_exports_the_same_files) {
    RunResult r = run_exposure((const char *[]){"model", "import", FIXTURE "model.safetensors",
                                                "--db", db, "--name", "tiny", NULL},
                               NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "tokenizer byte"), "%s", r.out);
    run_free(&r);
    Model m;
    load_run(1, &m);
    cr_assert_eq(m.cfg.vocab, 261, "the byte-level vocabulary; its 264 rows padded");
    /* PyTorch's logits of the fixture's token sequence (scripts/gpt2_torch.py). */
    SafeTensors st;
    char err[1024];
    cr_assert_eq(safetensors_open(&st, FIXTURE "reference.safetensors", err, sizeof err), 0);
    token_t tokens[64];
    int T = 0;
    for (const char *p = safetensors_meta(&st, "tokens"), *end; p && *p && T < 64; p = end) {
        long id = strtol(p, (char **)&end, 10);
        if (end == p) break;
        tokens[T++] = (token_t)id;
    }
    const StTensor *t = safetensors_find(&st, "logits");
    cr_assert(t && t->shape[0] == (uint64_t)T && t->shape[1] == (uint64_t)m.padded_vocab);
    float *want = malloc(t->elements * sizeof *want);
    cr_assert_eq(safetensors_read_f32(&st, t, 0, t->elements, want, err, sizeof err), 0);
    model_forward_logits(&m, tokens, 1, T);
    double worst = 0;
    for (size_t i = 0; i < t->elements; i++) {
        double d = fabs((double)model_logits(&m)[i] - want[i]);
        worst = d > worst ? d : worst;
    }
    cr_assert_leq(worst, 1e-4, "logits differ from PyTorch's by %g", worst);
    free(want);
    safetensors_close(&st);
    model_free(&m);

    char out[400], cfg[400];
    snprintf(out, sizeof out, "%s/x.safetensors", dir);
    snprintf(cfg, sizeof cfg, "%s/config.json", dir);
    r = run_exposure((const char *[]){"model", "export", "1", "-o", out, "--db", db, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    size_t n;
    char *fixture = file_bytes(FIXTURE "model.safetensors", &n);
    assert_file_is(out, fixture, n);
    free(fixture);
    fixture = file_bytes(FIXTURE "config.json", &n);
    assert_file_is(cfg, fixture, n);
    free(fixture);

    /* Export then import: the same parameters, bit for bit. */
    r = run_exposure((const char *[]){"model", "import", out, "--db", db, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    Model a, b;
    load_run(1, &a);
    load_run(2, &b);
    cr_assert_eq(a.num_params, b.num_params);
    cr_assert_eq(memcmp(a.params, b.params, a.num_params * sizeof(float)), 0);
    model_free(&a);
    model_free(&b);
}

Test(tokenizer, a_gpt2_vocabulary_grows_rows_for_the_specials) {
    /* A GPT-2 of 50,257 tokens written as Hugging Face would, with random weights. */
    ModelConfig mc = {.layers = 1, .dim = 8, .heads = 2, .context = 16, .vocab = 50257};
    Model m;
    cr_assert_eq(model_init(&m, &mc, 1), 0);
    model_init_weights(&m, 9);
    HfGpt2Config hc = hf_gpt2_config_of(&mc);
    char file[400], err[1024];
    snprintf(file, sizeof file, "%s/gpt2.safetensors", dir);
    cr_assert_eq(hf_gpt2_save(file, &m.p, &hc, NULL, err, sizeof err), 0, "%s", err);
    RunResult r = run_exposure((const char *[]){"model", "import", file, "--db", db, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "tokenizer gpt2 (3 rows added to the file's 50257"), "%s",
                       r.out);
    run_free(&r);
    Model g;
    load_run(1, &g);
    cr_assert_eq(g.cfg.vocab, 50260);
    const int C = 8;
    cr_assert_eq(memcmp(g.p.wte, m.p.wte, 50257 * C * sizeof(float)), 0);
    for (int c = 0; c < C; c++) {
        double mean = 0;
        for (int i = 0; i < 50257; i++) mean += m.p.wte[i * C + c];
        mean /= 50257;
        for (int i = 50257; i < 50260; i++)
            cr_assert_float_eq(g.p.wte[i * C + c], (float)mean, 1e-6, "row %d", i);
        for (int i = 50260; i < g.padded_vocab; i++) cr_assert_eq(g.p.wte[i * C + c], 0.0f);
    }
    model_free(&g);
    model_free(&m);
}

Test(tokenizer, bad_model_files_are_refused_naming_them) {
    char file[400];
    snprintf(file, sizeof file, "%s/cut.safetensors", dir);
    size_t n;
    char *bytes = file_bytes(FIXTURE "model.safetensors", &n);
    write_file(file, bytes, n / 2);
    free(bytes);
    RunResult r = run_exposure((const char *[]){"model", "import", file, "--db", db, NULL}, NULL);
    cr_assert_eq(r.status, 2, "%s", r.err);
    cr_assert_not_null(strstr(r.err, "cut.safetensors"), "%s", r.err);
    run_free(&r);
    r = run_exposure((const char *[]){"model", "export", "7", "-o", file, "--db", db, NULL}, NULL);
    cr_assert_eq(r.status, 2, "%s", r.err);
    run_free(&r);
}

/* 30 short sums that fit the fixture's context of 64. */
static void short_data(char *assignment, size_t cap) {
    char path[400];
    snprintf(path, sizeof path, "%s/short.jsonl", dir);
    char text[4096];
    size_t len = 0;
    for (int i = 0; i < 30; i++)
        len +=
            (size_t)snprintf(text + len, sizeof text - len,
                             "{\"prompt\":\"%d+%d=\",\"response\":\"%d\"}\n", i, i % 7, i + i % 7);
    write_file(path, text, len);
    snprintf(assignment, cap, "data.train=%s", path);
}

Test(tokenizer, an_imported_model_fine_tunes_with_every_method) {
    RunResult r = run_exposure(
        (const char *[]){"model", "import", FIXTURE "model.safetensors", "--db", db, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    char set[500];
    short_data(set, sizeof set);
    const char *methods[] = {"method.name=baseline", "method.name=bash", "method.name=rac"};
    for (int i = 0; i < 3; i++) {
        r = run_exposure((const char *[]){"train",  "--db",
                                          db,       "--quiet",
                                          "--from", "1",
                                          "--set",  set,
                                          "--set",  "data.val=",
                                          "--set",  "train.batch=4",
                                          "--set",  "train.steps=3",
                                          "--set",  "train.threads=1",
                                          "--set",  "train.eval_samples=4",
                                          "--set",  methods[i],
                                          "--set",  "method.schedule.value=0.5",
                                          NULL},
                         NULL);
        cr_assert_eq(r.status, 0, "%s: %s", methods[i], r.err);
        run_free(&r);
    }
    cr_assert_eq(sql_double(db, "SELECT count(*) FROM runs WHERE parent=1 AND status='completed'"),
                 3);
}

/* ---- exposure tokenizer train ------------------------------------------------------------ */

Test(tokenizer, a_learned_vocabulary_trains_and_evaluates_a_model) {
    char vocab[400], set[500];
    snprintf(vocab, sizeof vocab, "%s/arith.json", dir);
    snprintf(set, sizeof set, "model.tokenizer=%s", vocab);
    RunResult r = run_exposure((const char *[]){"tokenizer", "train", data + strlen("data.train="),
                                                "--vocab", "300", "-o", vocab, NULL},
                               NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "300 tokens"), "%s", r.out);
    run_free(&r);
    r = run_exposure((const char *[]){"train", "--db", db, "--quiet", SMALL, SHAPE, "--set",
                                      "train.steps=5", "--set", "train.eval_every=5", "--set",
                                      "model.context=160", "--set", set, NULL},
                     NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    r = run_exposure((const char *[]){"eval", "--run", "1", "--db", db, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    /* The same vocabulary trained again is the same file: learning is deterministic. */
    char again[400];
    snprintf(again, sizeof again, "%s/again.json", dir);
    r = run_exposure((const char *[]){"tokenizer", "train", data + strlen("data.train="), "--vocab",
                                      "300", "-o", again, NULL},
                     NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    size_t n;
    char *first = file_bytes(vocab, &n);
    assert_file_is(again, first, n);
    free(first);
}

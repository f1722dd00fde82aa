#include <cblas.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkpoint.h"
#include "train_util.h"
#include "files.h"

static const ModelConfig cfg = {
    .layers = 2, .dim = 16, .heads = 2, .context = 16, .vocab = TOK_COUNT};
static char dir[] = "/tmp/exposure-ckpt-XXXXXX";
static char path[256];

static void setup(void) {
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/model.ckpt", dir);
}
static void teardown(void) {
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}
TestSuite(checkpoint, .init = setup, .fini = teardown);

static OptimConfig oc(void) {
    OptimConfig o = optim_defaults();
    o.steps = 20;
    o.warmup = 2;
    return o;
}

/* Trains `steps` steps from `from` on batches drawn from r; records losses. */
static void train(Model *m, Batch *b, Rng *r, int from, int steps, float *losses) {
    OptimConfig o = oc();
    for (int s = from; s < from + steps; s++) {
        fill_random_batch(b, 3, cfg.context, r);
        losses[s - from] = train_step(m, b, &o, s);
    }
}

Test(checkpoint, resume_is_bit_identical) {
    openblas_set_num_threads(1);
    Model m, m2;
    Batch b;
    Rng r;
    rng_seed(&r, 77);
    cr_assert_eq(model_init(&m, &cfg, 3), 0);
    model_init_weights(&m, 77);
    cr_assert_eq(batch_alloc(&b, 3, cfg.context), 0);
    float warm[5], straight[6], resumed[6];
    train(&m, &b, &r, 0, 5, warm);

    const char extra[] = "trainer state";
    CheckpointState st = {.step = 5, .rng = r, .extra = (void *)extra, .extra_len = sizeof extra};
    char err[512];
    cr_assert_eq(checkpoint_save(path, &m, &st, err, sizeof err), 0, "%s", err);
    train(&m, &b, &r, 5, 6, straight);

    ModelConfig got;
    cr_assert_eq(checkpoint_read_config(path, &got, err, sizeof err), 0, "%s", err);
    cr_assert_eq(memcmp(&got, &cfg, sizeof cfg), 0);
    cr_assert_eq(model_init(&m2, &got, 3), 0);
    CheckpointState back;
    cr_assert_eq(checkpoint_load(path, &m2, &back, err, sizeof err), 0, "%s", err);
    cr_assert_eq(back.step, 5);
    cr_assert_eq(back.extra_len, sizeof extra);
    cr_assert_str_eq(back.extra, extra);
    train(&m2, &b, &back.rng, 5, 6, resumed);
    cr_assert_eq(memcmp(straight, resumed, sizeof straight), 0, "losses differ after resume");
    cr_assert_eq(memcmp(m.params, m2.params, m.num_params * sizeof(float)), 0);
    free(back.extra);
    batch_free(&b);
    model_free(&m);
    model_free(&m2);
}

/* Saves a checkpoint of a fresh model and returns its bytes. */
static unsigned char *saved_bytes(long *len) {
    Model m;
    cr_assert_eq(model_init(&m, &cfg, 1), 0);
    model_init_weights(&m, 1);
    CheckpointState st = {.step = 1};
    char err[256];
    cr_assert_eq(checkpoint_save(path, &m, &st, err, sizeof err), 0, "%s", err);
    model_free(&m);
    size_t n;
    unsigned char *buf = (unsigned char *)read_file(path, &n);
    *len = (long)n;
    return buf;
}

static void write_bytes(const unsigned char *buf, long len) { write_file(path, buf, (size_t)len); }

/* Loading path must fail with a message containing `expect`. */
static void expect_load_error(const char *expect) {
    Model m;
    cr_assert_eq(model_init(&m, &cfg, 1), 0);
    CheckpointState st;
    char err[512] = "";
    cr_assert_eq(checkpoint_load(path, &m, &st, err, sizeof err), -1);
    cr_assert_null(st.extra);
    cr_assert_not_null(strstr(err, expect), "error was: %s", err);
    cr_assert_not_null(strstr(err, path), "error does not name the file: %s", err);
    model_free(&m);
}

Test(checkpoint, truncated_file) {
    long len;
    unsigned char *buf = saved_bytes(&len);
    long cuts[] = {len - 1, len / 2, 20, 10};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        write_bytes(buf, cuts[i]);
        expect_load_error("truncated");
    }
    free(buf);
}

Test(checkpoint, foreign_file) {
    write_bytes((const unsigned char *)"{\"not\": \"a checkpoint\"}\n", 24);
    expect_load_error("not an exposure checkpoint");
    write_bytes((const unsigned char *)"", 0);
    expect_load_error("not an exposure checkpoint");
}

Test(checkpoint, version_mismatch) {
    long len;
    unsigned char *buf = saved_bytes(&len);
    buf[8] = CHECKPOINT_VERSION + 1; /* the u32 version follows the 8-byte magic */
    write_bytes(buf, len);
    expect_load_error("format version");
    free(buf);
}

Test(checkpoint, corrupt_payload) {
    long len;
    unsigned char *buf = saved_bytes(&len);
    buf[len / 2] ^= 0x40;
    write_bytes(buf, len);
    expect_load_error("corrupt");
    free(buf);
}

Test(checkpoint, config_mismatch) {
    long len;
    unsigned char *buf = saved_bytes(&len);
    free(buf);
    Model m;
    ModelConfig other = cfg;
    other.layers = 3;
    cr_assert_eq(model_init(&m, &other, 1), 0);
    CheckpointState st;
    char err[512];
    cr_assert_eq(checkpoint_load(path, &m, &st, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "differs"), "%s", err);
    model_free(&m);
}

Test(checkpoint, unwritable_destination) {
    Model m;
    cr_assert_eq(model_init(&m, &cfg, 1), 0);
    CheckpointState st = {0};
    char err[512];
    cr_assert_eq(checkpoint_save("/nonexistent-dir/x.ckpt", &m, &st, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "/nonexistent-dir/x.ckpt"), "%s", err);
    model_free(&m);
}

/* A trainer-state section whose length runs past the end of the file is refused before any
 * memory is set aside for it. */
Test(checkpoint, section_length_past_the_end) {
    long len;
    unsigned char *buf = saved_bytes(&len);
    /* The file ends with the END section: tag, zero, u64 length 0, u64 hash. */
    const long end = len - 24;
    const uint64_t lengths[] = {1ull << 33, 1ull << 20, 25};
    for (size_t i = 0; i < sizeof lengths / sizeof *lengths; i++) {
        unsigned char *grown = malloc((size_t)len + 16);
        cr_assert_not_null(grown);
        memcpy(grown, buf, (size_t)end);
        const uint32_t head[2] = {'X' | 'T' << 8 | 'R' << 16 | (uint32_t)'A' << 24, 0};
        memcpy(grown + end, head, 8);
        memcpy(grown + end + 8, &lengths[i], 8);
        memcpy(grown + end + 16, buf + end, 24);
        write_bytes(grown, len + 16);
        expect_load_error("truncated checkpoint (file ends inside trainer-state)");
        free(grown);
    }
    free(buf);
}

/* 1 when the file at path holds the 4 bytes of tag. */
static int holds(const char *tag) {
    size_t len;
    char *buf = read_file(path, &len);
    cr_assert_not_null(buf);
    int found = 0;
    for (size_t i = 0; i + 4 <= len && !found; i++) found = memcmp(buf + i, tag, 4) == 0;
    free(buf);
    return found;
}

Test(checkpoint, records_its_vocabulary_and_a_byte_level_one_as_before) {
    Model m;
    cr_assert_eq(model_init(&m, &cfg, 1), 0);
    model_init_weights(&m, 3);
    char err[256];
    CheckpointState st = {.step = 4};
    cr_assert_eq(checkpoint_save(path, &m, &st, err, sizeof err), 0, "%s", err);
    cr_assert(!holds("TOKN"), "a byte-level checkpoint has the sections it always had");
    CheckpointTokenizer t;
    cr_assert_eq(checkpoint_read_tokenizer(path, &t, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(t.spec, "byte");
    cr_assert(checkpoint_tokenizer_is_byte(&t));

    snprintf(st.tokenizer.spec, sizeof st.tokenizer.spec, "my.json");
    snprintf(st.tokenizer.identity, sizeof st.tokenizer.identity, "bpe:300:fnv1a64:0123");
    cr_assert_eq(checkpoint_save(path, &m, &st, err, sizeof err), 0, "%s", err);
    cr_assert(holds("TOKN"));
    cr_assert_eq(checkpoint_read_tokenizer(path, &t, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(t.spec, "my.json");
    cr_assert_str_eq(t.identity, "bpe:300:fnv1a64:0123");
    CheckpointState back;
    cr_assert_eq(checkpoint_load(path, &m, &back, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(back.tokenizer.identity, "bpe:300:fnv1a64:0123");
    cr_assert_eq(back.step, 4);
    model_free(&m);
}

/* The fuzzer's seed is a checkpoint of a tiny run written before there were other
 * vocabularies (after a one-byte mode prefix): it still loads, as byte-level. */
Test(checkpoint, a_checkpoint_from_before_vocabularies_loads_as_byte_level) {
    size_t len;
    char *seed = read_file("tests/fuzz/corpus/checkpoint/tiny-run-file", &len);
    cr_assert_not_null(seed);
    write_file(path, seed + 1, len - 1);
    free(seed);
    char err[256];
    ModelConfig mc;
    cr_assert_eq(checkpoint_read_config(path, &mc, err, sizeof err), 0, "%s", err);
    cr_assert_eq(mc.vocab, TOK_COUNT);
    CheckpointTokenizer t;
    cr_assert_eq(checkpoint_read_tokenizer(path, &t, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(t.identity, "byte");
    Model m;
    cr_assert_eq(model_init(&m, &mc, 1), 0);
    CheckpointState st;
    cr_assert_eq(checkpoint_load(path, &m, &st, err, sizeof err), 0, "%s", err);
    cr_assert(checkpoint_tokenizer_is_byte(&st.tokenizer));
    free(st.extra);
    model_free(&m);
}

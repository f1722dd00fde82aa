/* libFuzzer harness for the JSONL dataset loader: the line reader, the raw-line checks (control
 * bytes, UTF-8, \u escapes), cJSON, layout detection and every layout's record reader, then what
 * training does with a loaded dataset (corpus, split, dropping long examples).
 *
 * Input: one byte of options (bits 0-2: the layout, 3: keep_calc, 7: a 512-byte size bound),
 * then the file's bytes. Besides the sanitizers, it aborts when a promise of dataset.h is
 * broken: a failed load names the file and loads nothing; a loaded one has a layout, only
 * well-formed UTF-8, non-empty responses, and answers[0] equal to the response. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "dataset.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz.jsonl"

/* A broken promise: says which, then aborts so that libFuzzer keeps the input. */
static void broken(const char *what, int line) {
    fprintf(stderr, "%s:%d: broken: %s\n", __FILE__, line, what);
    abort();
}
#define require(ok) ((ok) ? (void)0 : broken(#ok, __LINE__))

static int valid_text(const char *s) { return s && utf8_validate(s, strlen(s), NULL) == 0; }

static void check_example(const Example *e, int previous_line) {
    require(valid_text(e->prompt) && valid_text(e->response) && e->response[0] != '\0');
    require(e->n_answers >= 1 && e->line > previous_line);
    require(strcmp(e->answers[0], e->response) == 0);
    for (int i = 0; i < e->n_answers; i++) require(valid_text(e->answers[i]) && e->answers[i][0]);
}

static void check_corpus(const Dataset *d) {
    Corpus c;
    if (corpus_build(&c, d, NULL, NULL, 0) != 0) return;
    require(c.n == d->n);
    for (int i = 0; i < c.n; i++) {
        require(c.plen[i] == (int)strlen(d->ex[i].prompt) + 2);
        require(c.rlen[i] == (int)strlen(d->ex[i].response) + 1);
        require(corpus_seq(&c, i)[0] == TOK_BOS && corpus_inputs(&c, i) <= c.longest);
    }
    corpus_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    LoadOptions opt = {.layout = (Layout)((data[0] & 7) % LAYOUT_COUNT),
                       .keep_calc = (data[0] >> 3) & 1,
                       .max_bytes = data[0] & 0x80 ? 512 : 0};
    Dataset d;
    char err[512];
    if (dataset_load_buffer(NAME, data + 1, size - 1, &opt, &d, err, sizeof err) != 0) {
        require(strncmp(err, NAME ":", sizeof NAME) == 0 && d.n == 0 && !d.ex);
        return 0;
    }
    require(d.n >= 1 && d.layout != LAYOUT_AUTO && d.path && !strcmp(d.path, NAME));
    require(opt.layout == LAYOUT_AUTO || d.layout == opt.layout);
    require(!opt.max_bytes || size - 1 <= opt.max_bytes);
    for (int i = 0; i < d.n; i++) check_example(&d.ex[i], i ? d.ex[i - 1].line : 0);
    check_corpus(&d);
    int n = d.n;
    Dataset val;
    if (dataset_split(&d, 0.3, data[0], &val) == 0) {
        require(d.n + val.n == n && (n < 2 || (val.n >= 1 && d.n >= 1)));
        dataset_free(&val);
    }
    int before = d.n, dropped = dataset_drop_longer_than(&d, 64);
    require(dropped >= 0 && d.n == before - dropped);
    for (int i = 0; i < d.n; i++) require(example_tokens(&d.ex[i]) - 1 <= 64);
    dataset_free(&d);
    return 0;
}

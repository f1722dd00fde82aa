#include "vocab.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpe.h"
#include "tokenizer.h"
#include "util.h"

struct Vocab {
    char spec[LIMIT_CONFIG_STRING];
    char identity[64];
    char describe[96];
    TokenIds ids;
    Bpe *bpe; /* NULL for the byte-level vocabulary */
};

static uint64_t fnv1a(uint64_t h, const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

/* A learned vocabulary is known by its contents: every token's bytes and every merge. */
static void learned_identity(Vocab *v) {
    uint64_t h = 0xcbf29ce484222325ull;
    size_t n = bpe_vocab_size(v->bpe);
    for (size_t id = 0; id < n; id++) {
        size_t len = 0;
        const unsigned char *bytes = bpe_token_bytes(v->bpe, (token_t)id, &len);
        uint64_t l = bytes ? len : UINT64_MAX;
        h = fnv1a(h, &l, sizeof l);
        if (bytes) h = fnv1a(h, bytes, len);
    }
    for (size_t r = 0; r < bpe_merge_count(v->bpe); r++) {
        token_t m[3];
        if (bpe_merge(v->bpe, r, &m[0], &m[1], &m[2]) == 0) h = fnv1a(h, m, sizeof m);
    }
    snprintf(v->identity, sizeof v->identity, "bpe:%zu:fnv1a64:%016" PRIx64, n, h);
}

/* The layout of a BPE vocabulary: its tokens, then the specials bpe.h appends. An end-of-text
 * token (GPT-2's <|endoftext|>) is <bos> and <eos>, and must be the last of the vocabulary's
 * own ids so that the text tokens are one range. */
static int bpe_layout(Vocab *v, char *err, size_t cap) {
    const Bpe *b = v->bpe;
    int n = (int)bpe_vocab_size(b);
    TokenIds *t = &v->ids;
    t->bos = bpe_special(b, BPE_BOS);
    t->sep = bpe_special(b, BPE_SEP);
    t->eos = bpe_special(b, BPE_EOS);
    t->corr = bpe_special(b, BPE_CORR);
    t->pad = bpe_special(b, BPE_PAD);
    t->count = (int)bpe_total_size(b);
    t->text = t->eos < n ? n - 1 : n;
    if (t->eos < n && t->eos != n - 1) {
        snprintf(err, cap, "model.tokenizer: %.300s: its end_of_text token (id %d) is not its last",
                 v->spec, (int)t->eos);
        return -1;
    }
    if (t->count > LIMIT_MODEL_VOCAB) {
        snprintf(err, cap, "model.tokenizer: %.300s: %d ids are more than a model can hold (%d)",
                 v->spec, t->count, LIMIT_MODEL_VOCAB);
        return -1;
    }
    return 0;
}

Vocab *vocab_open(const char *spec, char *err, size_t cap) {
    Vocab *v = calloc(1, sizeof *v);
    if (!v) {
        snprintf(err, cap, "out of memory");
        return NULL;
    }
    snprintf(v->spec, sizeof v->spec, "%s", spec);
    if (strcmp(spec, "byte") == 0) {
        v->ids = token_ids_byte();
        snprintf(v->identity, sizeof v->identity, "byte");
        snprintf(v->describe, sizeof v->describe, "byte (256 bytes + 5 specials)");
        return v;
    }
    char path[LIMIT_PATH_BYTES];
    size_t len = strlen(spec);
    if (strcmp(spec, "gpt2") == 0) {
        snprintf(path, sizeof path, "%s/tokenizers/gpt2", assets_dir());
        v->bpe = bpe_load_gpt2(path, err, cap);
        snprintf(v->identity, sizeof v->identity, "gpt2");
    } else if (len > 5 && strcmp(spec + len - 5, ".json") == 0) {
        v->bpe = bpe_load_json(spec, err, cap);
    } else {
        snprintf(err, cap,
                 "model.tokenizer: \"%.300s\" is not a tokenizer: byte, gpt2, or a vocabulary "
                 "file FILE.json (exposure tokenizer train)",
                 spec);
        free(v);
        return NULL;
    }
    if (!v->bpe || bpe_layout(v, err, cap)) {
        vocab_free(v);
        return NULL;
    }
    if (!v->identity[0]) learned_identity(v);
    int specials = v->ids.count - (int)bpe_vocab_size(v->bpe);
    snprintf(v->describe, sizeof v->describe, "%s (%zu tokens + %d specials)",
             v->bpe && v->identity[0] == 'g' ? "gpt2" : "learned BPE", bpe_vocab_size(v->bpe),
             specials);
    return v;
}

void vocab_free(Vocab *v) {
    if (!v) return;
    bpe_free(v->bpe);
    free(v);
}

const char *vocab_spec(const Vocab *v) { return v->spec; }
const char *vocab_identity(const Vocab *v) { return v->identity; }
const char *vocab_describe(const Vocab *v) { return v->describe; }
const TokenIds *vocab_ids(const Vocab *v) { return &v->ids; }
int vocab_is_byte(const Vocab *v) { return v->bpe == NULL; }
int vocab_own_size(const Vocab *v) { return v->bpe ? (int)bpe_vocab_size(v->bpe) : 256; }

int vocab_encode(Vocab *v, const char *text, size_t n, token_t *ids, size_t *n_ids, char *err,
                 size_t cap) {
    if (!v->bpe) {
        *n_ids = tok_encode(text, n, ids);
        return 0;
    }
    return bpe_encode(v->bpe, text, n, ids, n_ids, err, cap);
}

int vocab_measure(Vocab *v, Dataset *d, char *err, size_t cap) {
    if (!v->bpe) return 0;
    size_t room = 0;
    for (int i = 0; i < d->n; i++) {
        size_t p = strlen(d->ex[i].prompt), r = strlen(d->ex[i].response);
        if (p > room) room = p;
        if (r > room) room = r;
    }
    token_t *ids = malloc((room ? room : 1) * sizeof *ids);
    if (!ids) {
        snprintf(err, cap, "%.300s: out of memory encoding it", d->path);
        return -1;
    }
    for (int i = 0; i < d->n; i++) {
        Example *e = &d->ex[i];
        const char *part[2] = {e->prompt, e->response}, *name[2] = {"prompt", "response"};
        size_t total = 3;
        for (int k = 0; k < 2; k++) {
            size_t got = 0;
            char why[160];
            if (bpe_encode(v->bpe, part[k], strlen(part[k]), ids, &got, why, sizeof why)) {
                snprintf(err, cap, "%.300s:%d: %s: %s", d->path, e->line, name[k], why);
                free(ids);
                return -1;
            }
            total += got;
        }
        e->tokens = (int)total;
    }
    free(ids);
    return 0;
}

size_t vocab_text_cap(const Vocab *v, size_t n) {
    /* A byte becomes at most 3 bytes (U+FFFD); a special at most its name, "<|endoftext|>". */
    size_t per = v->bpe ? 3 * bpe_max_token_bytes(v->bpe) : 6;
    return n * (per > 13 ? per : 13) + 1;
}

size_t vocab_text(const Vocab *v, const token_t *ids, size_t n, char *out) {
    if (!v->bpe) return tok_to_text(ids, n, out);
    size_t len = 0, i = 0;
    unsigned char run[1024];
    while (i < n) {
        /* A run of text tokens is sanitized as a whole so that a character split over tokens
         * survives; a run is cut only between tokens, which rarely splits a character. */
        size_t used = 0, tlen = 0;
        const unsigned char *bytes;
        while (i < n && (bytes = bpe_token_bytes(v->bpe, ids[i], &tlen)) &&
               used + tlen <= sizeof run) {
            memcpy(run + used, bytes, tlen);
            used += tlen;
            i++;
        }
        if (used) {
            len += utf8_sanitize(run, used, out + len);
            continue;
        }
        char name[32];
        size_t nl = bpe_token_string(v->bpe, ids[i], name, sizeof name);
        if (nl >= sizeof name) nl = sizeof name - 1;
        memcpy(out + len, name, nl);
        len += nl;
        i++;
    }
    out[len] = '\0';
    return len;
}

size_t vocab_render(const Vocab *v, const token_t *ids, size_t n, char *out, size_t cap) {
    return v->bpe ? bpe_render(v->bpe, ids, n, out, cap) : tok_render(ids, n, out, cap);
}

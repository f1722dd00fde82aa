#include "method.h"

#include <stdio.h>
#include <string.h>

#define METHOD_TABLE_INFO(id, name, description, uses) [id] = {name, description, uses},
static const MethodInfo methods[METHOD_COUNT] = {METHOD_TABLE(METHOD_TABLE_INFO)};
#undef METHOD_TABLE_INFO

#define METHOD_TABLE_NAME(id, name, description, uses) [id] = name,
const char *const method_names[METHOD_COUNT + 1] = {METHOD_TABLE(METHOD_TABLE_NAME)};
#undef METHOD_TABLE_NAME

const MethodInfo *method_info(MethodName m) {
    return &methods[(unsigned)m < METHOD_COUNT ? m : METHOD_BASELINE];
}

int method_find(const char *name) {
    for (int i = 0; i < METHOD_COUNT; i++)
        if (strcmp(methods[i].name, name) == 0) return i;
    return -1;
}

int method_mixes(MethodName m) { return (method_info(m)->uses & METHOD_MIXES) != 0; }

int method_corrects(MethodName m) { return (method_info(m)->uses & METHOD_CORRECTS) != 0; }

void method_list(const char *sep, const char *last_sep, char *out, size_t cap) {
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < METHOD_COUNT && len < cap; i++) {
        const char *before = i == 0 ? "" : i == METHOD_COUNT - 1 ? last_sep : sep;
        int n = snprintf(out + len, cap - len, "%s%s", before, methods[i].name);
        if (n < 0) break;
        len += (size_t)n;
    }
}

/* Appends one position to a row being built at b's full stride. */
typedef struct {
    Batch *b;
    size_t row;
    int len;
} RowWriter;

static void put(RowWriter *w, token_t in, token_t target, int loss, TokenKind kind) {
    size_t i = w->row + (size_t)w->len++;
    w->b->input[i] = in;
    w->b->target[i] = target;
    w->b->mask[i] = (uint8_t)loss;
    w->b->kind[i] = (uint8_t)kind;
}

/* <bos> prompt: inputs before <sep>, no loss. */
static void put_prompt(RowWriter *w, const token_t *s, int plen) {
    for (int t = 0; t < plen - 1; t++) put(w, s[t], s[t + 1], 0, KIND_PROMPT);
}

static void bash_row(Batch *b, int r, const Corpus *c, const SelfgenCache *sg, int i, float omega,
                     Rng *rng, MethodStats *st) {
    int plen = c->plen[i], rlen = c->rlen[i];
    const token_t *y = corpus_seq(c, i) + plen;
    size_t row = (size_t)r * (size_t)b->T;
    /* Input positions plen..plen+rlen-2 hold y_0..y_{rlen-2}; <eos> is never an input. */
    for (int j = 0; j < rlen - 1; j++) {
        st->eligible++;
        if (omega <= 0.0f || rng_uniform(rng) >= omega) continue;
        token_t yhat = selfgen_at(sg, c, i, j);
        st->selected++;
        st->differ += yhat != y[j];
        b->input[row + (size_t)plen + (size_t)j] = yhat;
        b->kind[row + (size_t)plen + (size_t)j] = KIND_SELFGEN;
    }
}

static int rac_token_row(RowWriter *w, const Corpus *c, const SelfgenCache *sg, int i, int context,
                         float omega, Rng *rng, MethodStats *st) {
    int plen = c->plen[i], rlen = c->rlen[i];
    const token_t *s = corpus_seq(c, i), *y = s + plen;
    put_prompt(w, s, plen);
    put(w, c->ids.sep, y[0], 1, KIND_PROMPT);
    for (int j = 0; j < rlen - 1; j++) {
        st->eligible++;
        if (omega > 0.0f && rng_uniform(rng) < omega) {
            token_t yhat = selfgen_at(sg, c, i, j);
            st->selected++;
            /* Room for the two inserted positions and the rlen-1-j reference inputs left. */
            if (yhat != y[j]) {
                st->differ++;
                if (w->len + 2 + (rlen - 1 - j) <= context) {
                    put(w, yhat, c->ids.corr, 1, KIND_SELFGEN);
                    put(w, c->ids.corr, y[j], 1, KIND_CORR);
                    st->inserted++;
                }
            }
        }
        put(w, y[j], y[j + 1], 1, KIND_TRUTH);
    }
    return w->len;
}

static int rac_segment_row(RowWriter *w, const Corpus *c, const SelfgenCache *sg, int i,
                           int context, float omega, Rng *rng, MethodStats *st) {
    int plen = c->plen[i], rlen = c->rlen[i], n = rlen - 1;
    const token_t *s = corpus_seq(c, i), *y = s + plen;
    st->eligible++;
    int k = 0;
    if (omega > 0.0f && rng_uniform(rng) < omega) {
        st->selected++;
        k = 1 + (int)rng_below(rng, (uint32_t)n);
        if (k > sg->gen_len[i]) k = sg->gen_len[i];
        /* The row's inputs: plen (<bos> prompt <sep>) + k (y-hat) + 1 (<corr>) + n (y). */
        int room = context - (plen + n + 1);
        if (k > room) k = room;
        int differs = 0;
        for (int j = 0; j < k && !differs; j++) differs = selfgen_at(sg, c, i, j) != y[j];
        if (!differs) k = 0;
        else st->differ++;
    }
    if (k == 0) {
        put_prompt(w, s, plen);
        put(w, c->ids.sep, y[0], 1, KIND_PROMPT);
    } else {
        st->inserted++;
        put_prompt(w, s, plen);
        put(w, c->ids.sep, selfgen_at(sg, c, i, 0), 0, KIND_PROMPT);
        for (int j = 0; j < k - 1; j++)
            put(w, selfgen_at(sg, c, i, j), selfgen_at(sg, c, i, j + 1), 0, KIND_SELFGEN);
        put(w, selfgen_at(sg, c, i, k - 1), c->ids.corr, 1, KIND_SELFGEN);
        put(w, c->ids.corr, y[0], 1, KIND_CORR);
    }
    for (int j = 0; j < n; j++) put(w, y[j], y[j + 1], 1, KIND_TRUTH);
    return w->len;
}

/* The random stream of one row of one step. */
static void row_rng(Rng *rng, const MethodParams *p, int r) {
    rng_seed(rng, p->seed ^ ((uint64_t)(p->step + 1) * 0x9E3779B97F4A7C15ull) ^
                      ((uint64_t)(p->row0 + r + 1) * 0xBF58476D1CE4E5B9ull));
}

void method_build_batch(Batch *b, const Corpus *c, const SelfgenCache *sg, const int *idx, int B,
                        int context, const MethodParams *p, MethodStats *st) {
    memset(st, 0, sizeof *st);
    st->rows = B;
    Rng rng;
    if (p->name != METHOD_RAC) {
        corpus_batch(c, idx, B, b);
        if (p->name == METHOD_BASH)
            for (int r = 0; r < B; r++) {
                row_rng(&rng, p, r);
                bash_row(b, r, c, sg, idx[r], p->omega, &rng, st);
            }
    } else {
        /* Rows can grow by insertions: build at full width, then narrow to the longest. */
        batch_reset(b, B, context);
        int longest = 1;
        for (int r = 0; r < B; r++) {
            RowWriter w = {b, (size_t)r * (size_t)context, 0};
            row_rng(&rng, p, r);
            int len = p->granularity == RAC_SEGMENT
                          ? rac_segment_row(&w, c, sg, idx[r], context, p->omega, &rng, st)
                          : rac_token_row(&w, c, sg, idx[r], context, p->omega, &rng, st);
            b->len[r] = len;
            if (len > longest) longest = len;
        }
        batch_narrow(b, longest);
    }
    for (int r = 0; r < B; r++) st->tokens += b->len[r];
}

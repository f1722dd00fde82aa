#include "eval.h"

#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "data.h"
#include "method.h"
#include "util.h"

static void teacher_forced(const EvalContext *e, const Corpus *c, int begin, int end,
                           EvalTotals *t) {
    int chunk = e->m->max_batch < e->scratch->cap_B ? e->m->max_batch : e->scratch->cap_B;
    int idx[LIMIT_BATCH];
    double loss = 0.0;
    long count = 0, correct = 0;
    if (chunk > LIMIT_BATCH) chunk = LIMIT_BATCH;
    for (int at = begin; at < end; at += chunk) {
        int B = end - at < chunk ? end - at : chunk;
        for (int r = 0; r < B; r++) idx[r] = at + r;
        corpus_batch(c, idx, B, e->scratch);
        model_forward(e->m, e->scratch);
        loss += e->m->last.loss_sum;
        count += e->m->last.count;
        correct += e->m->last.correct;
    }
    t->loss_sum += loss;
    t->tf_count += (double)count;
    t->tf_correct += (double)correct;
}

/* Position-aligned comparison of a generation with the reference (both ending in <eos>). */
static int compare(const DecodeResult *r, const token_t *ref, int rlen, int *first_err) {
    int correct = 0;
    *first_err = -1;
    for (int j = 0; j < rlen; j++) {
        token_t got = j < r->n_out ? r->out[j] : (j == r->n_out && r->ended ? TOK_EOS : -1);
        if (got == ref[j]) correct++;
        else if (*first_err < 0) *first_err = j;
    }
    return correct;
}

typedef struct {
    char *out, *raw;
} TextBuffers;

static void score_sample(const EvalContext *e, const Corpus *c, int i, const DecodeResult *r,
                         TextBuffers *tb, EvalTotals *t, long *fr_correct, long *fr_total,
                         EvalSampleFn fn, void *ctx) {
    const Example *ex = &c->data->ex[i];
    tok_to_text(r->out, (size_t)r->n_out, tb->out);
    tok_to_text(r->raw, (size_t)r->n_raw, tb->raw);
    const char *const *refs = (const char *const *)ex->answers;
    EvalSample s = {.idx = i, .ex = ex, .res = r, .output = tb->out, .raw_output = tb->raw};
    s.em = metric_em(tb->out, refs, ex->n_answers, e->gsm8k);
    s.f1 = metric_f1(tb->out, refs, ex->n_answers);
    s.rouge_l = metric_rouge_l(tb->out, refs, ex->n_answers);
    int rlen = c->rlen[i];
    int correct = compare(r, corpus_seq(c, i) + c->plen[i], rlen, &s.first_err);
    s.fr_acc = (double)correct / rlen;
    *fr_correct += correct;
    *fr_total += rlen;
    t->em += s.em;
    t->f1 += s.f1;
    t->rouge_l += s.rouge_l;
    t->first_err += s.first_err < 0 ? rlen : s.first_err;
    t->corrections += r->n_corr;
    if (r->n_corr > 0) {
        t->corrected++;
        t->corrected_right += s.em == 1.0;
    }
    if (fn) fn(ctx, &s);
}

int evaluate_part(const EvalContext *e, const Corpus *c, int begin, int end, EvalTotals *t,
                  EvalSampleFn fn, void *ctx) {
    if (begin < 0) begin = 0;
    if (end > c->n) end = c->n;
    if (end <= begin) return 0;
    teacher_forced(e, c, begin, end, t);

    size_t text_cap = 6 * (size_t)e->m->cfg.context + 1;
    TextBuffers tb = {malloc(text_cap), malloc(text_cap)};
    if (!tb.out || !tb.raw) {
        free(tb.out);
        free(tb.raw);
        return -1;
    }
    Rng rng;
    rng_seed(&rng, e->seed);
    int chunk = decoder_max_batch(e->dec) < 64 ? decoder_max_batch(e->dec) : 64;
    const token_t *prompts[64];
    int plens[64];
    DecodeResult res[64];
    long fr_correct = 0, fr_total = 0;
    int rc = 0;
    for (int at = begin; at < end && rc == 0; at += chunk) {
        int B = end - at < chunk ? end - at : chunk;
        for (int r = 0; r < B; r++) {
            prompts[r] = corpus_seq(c, at + r);
            plens[r] = c->plen[at + r];
        }
        rc = decode_batch(e->dec, e->m, prompts, plens, B, &e->decode, &rng, res);
        for (int r = 0; r < B && rc == 0; r++)
            score_sample(e, c, at + r, &res[r], &tb, t, &fr_correct, &fr_total, fn, ctx);
    }
    free(tb.out);
    free(tb.raw);
    t->n += end - begin;
    t->fr_correct += (double)fr_correct;
    t->fr_total += (double)fr_total;
    return rc;
}

void eval_summarize(const EvalTotals *t, EvalSummary *out) {
    memset(out, 0, sizeof *out);
    if (t->n <= 0) return;
    double n = t->n;
    out->n = (int)n;
    out->loss = t->tf_count > 0 ? t->loss_sum / t->tf_count : 0.0;
    out->tf_acc = t->tf_count > 0 ? t->tf_correct / t->tf_count : 0.0;
    out->fr_acc = t->fr_total > 0 ? t->fr_correct / t->fr_total : 0.0;
    out->gap = out->tf_acc - out->fr_acc;
    out->em = t->em / n;
    out->f1 = t->f1 / n;
    out->rouge_l = t->rouge_l / n;
    out->first_err = t->first_err / n;
    out->corrections = t->corrections / n;
    out->corrected = (int)t->corrected;
    out->corrected_right = (int)t->corrected_right;
}

void eval_totals_allreduce(EvalTotals *t) {
    double *const f[] = {&t->n,
                         &t->loss_sum,
                         &t->tf_count,
                         &t->tf_correct,
                         &t->fr_correct,
                         &t->fr_total,
                         &t->em,
                         &t->f1,
                         &t->rouge_l,
                         &t->first_err,
                         &t->corrections,
                         &t->corrected,
                         &t->corrected_right};
    enum { N = sizeof f / sizeof *f };
    double v[N];
    for (int i = 0; i < N; i++) v[i] = *f[i];
    dist_allreduce_f64(v, N);
    for (int i = 0; i < N; i++) *f[i] = v[i];
}

int evaluate(const EvalContext *e, const Corpus *c, int n, EvalSummary *out, EvalSampleFn fn,
             void *ctx) {
    EvalTotals t = {0};
    memset(out, 0, sizeof *out);
    if (n > c->n) n = c->n;
    if (n <= 0) return 0;
    int rc = evaluate_part(e, c, 0, n, &t, fn, ctx);
    eval_summarize(&t, out);
    return rc;
}

DecodeOptions eval_decode_options(const Config *c) {
    return (DecodeOptions){.max_new_tokens = c->decode.max_new_tokens,
                           .temperature = c->decode.temperature,
                           .top_k = c->decode.top_k,
                           .rac = method_corrects(c->method.name),
                           .rac_segment = c->method.rac.granularity == RAC_SEGMENT,
                           .max_corrections = c->method.rac.max_corrections};
}

static cJSON *token_json(token_t t) {
    if (t < 0) return cJSON_CreateNull();
    char text[8];
    tok_to_text(&t, 1, text);
    return cJSON_CreateString(text);
}

char *eval_corrections_json(const DecodeResult *r) {
    cJSON *list = cJSON_CreateArray();
    for (int i = 0; list && i < r->n_corr; i++) {
        cJSON *c = cJSON_CreateObject();
        if (!c || !cJSON_AddItemToArray(list, c)) {
            cJSON_Delete(c);
            cJSON_Delete(list);
            return NULL;
        }
        cJSON_AddNumberToObject(c, "pos", r->corr[i].pos);
        cJSON_AddItemToObject(c, "retracted", token_json(r->corr[i].retracted));
        cJSON_AddItemToObject(c, "replacement", token_json(r->corr[i].replacement));
    }
    char *text = list ? cJSON_PrintUnformatted(list) : NULL;
    cJSON_Delete(list);
    return text;
}

double eval_metric(const EvalSummary *e, MetricId id) {
    switch (id) {
    case METRIC_LOSS: return e->loss;
    case METRIC_TF_ACC: return e->tf_acc;
    case METRIC_FR_ACC: return e->fr_acc;
    case METRIC_GAP: return e->gap;
    case METRIC_EM: return e->em;
    case METRIC_F1: return e->f1;
    case METRIC_ROUGE_L: return e->rouge_l;
    case METRIC_FIRST_ERR: return e->first_err;
    case METRIC_CORRECTIONS: return e->corrections;
    case METRIC_CORRECTED: return e->corrected;
    case METRIC_CORRECTED_RIGHT: return e->corrected_right;
    default: return NAN;
    }
}

void eval_store_summary(Store *s, int64_t run, int64_t step, const char *split,
                        const EvalSummary *e, int rac) {
    for (int id = 0; id < METRIC_COUNT; id++) {
        const MetricInfo *m = metric_info((MetricId)id);
        if (!(m->flags & METRIC_PER_EVAL) || ((m->flags & METRIC_CORRECTION) && !rac)) continue;
        char key[64];
        metric_key((MetricId)id, split, key, sizeof key);
        store_metric(s, run, step, key, eval_metric(e, (MetricId)id));
    }
}

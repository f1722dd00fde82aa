#include "eval.h"

#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "data.h"
#include "exacc.h"
#include "method.h"
#include "textdist.h"
#include "util.h"

/* What one call of evaluate_part works in, allocated once. */
typedef struct {
    char *out, *raw; /* one sample's text: vocab_text's room for the context each */
    int *ed_rows;    /* seq_ed_acc's two rows */
    int *pick;       /* per sample of a decoding chunk: visible position -> decoding step */
    int pick_stride;
    SeqPath *paths;     /* per sample of a decoding chunk */
    ExAccSample *exacc; /* per sample of a decoding chunk, with an oracle */
    double *ref_step;   /* with an oracle: every example's per-step losses on its reference */
    size_t *ref_at;     /* where example begin + i's losses start */
} Work;

enum { DECODE_CHUNK = 64 };

static void work_free(Work *w) {
    free(w->out), free(w->raw), free(w->ed_rows), free(w->pick), free(w->paths), free(w->exacc);
    free(w->ref_step), free(w->ref_at);
}

static int work_alloc(Work *w, const EvalContext *e, const Corpus *c, int begin, int end) {
    *w = (Work){0};
    size_t context = (size_t)e->m->cfg.context;
    w->pick_stride = (int)context + 1;
    size_t text = e->vocab ? vocab_text_cap(e->vocab, context) : 6 * context + 1;
    w->out = malloc(text);
    w->raw = malloc(text);
    w->ed_rows = malloc(2 * (context + 1) * sizeof *w->ed_rows);
    w->pick = malloc(DECODE_CHUNK * (context + 1) * sizeof *w->pick);
    w->paths = malloc(DECODE_CHUNK * sizeof *w->paths);
    w->exacc = calloc(DECODE_CHUNK, sizeof *w->exacc);
    int ok = w->out && w->raw && w->ed_rows && w->pick && w->paths && w->exacc;
    if (ok && e->oracle) {
        w->ref_at = malloc((size_t)(end - begin + 1) * sizeof *w->ref_at);
        ok = w->ref_at != NULL;
        for (int i = begin; ok && i <= end; i++)
            w->ref_at[i - begin] =
                i == begin ? 0 : w->ref_at[i - 1 - begin] + (size_t)c->rlen[i - 1];
        if (ok)
            ok = (w->ref_step = malloc((w->ref_at[end - begin] + 1) * sizeof *w->ref_step)) != NULL;
    }
    if (!ok) work_free(w);
    return ok ? 0 : -1;
}

/* Predictions of the last forward pass over b that are right: the most likely text token is
 * the target. */
static long text_correct(const Model *m, const Batch *b, const TokenIds *ids) {
    long correct = 0;
    for (long row = 0; row < (long)b->B * b->T; row++)
        if (b->mask[row] &&
            textdist_argmax(m->logits + (size_t)row * m->padded_vocab, ids) == b->target[row])
            correct++;
    return correct;
}

/* The oracle's pass over the same reference batch, and the per-step losses at every response
 * position (the model's probabilities are still in its logits). */
static void reference_losses(const EvalContext *e, const Corpus *c, const int *idx, int begin,
                             Work *w) {
    const Batch *b = e->scratch;
    model_forward(e->oracle, b);
    for (int r = 0; r < b->B; r++) {
        int i = idx[r], plen = c->plen[i];
        double *out = w->ref_step + w->ref_at[i - begin];
        for (int j = 0; j < c->rlen[i]; j++) {
            size_t row = (size_t)r * b->T + (size_t)(plen - 1 + j);
            out[j] = exacc_step_loss(e->oracle->logits + row * e->oracle->padded_vocab,
                                     e->m->logits + row * e->m->padded_vocab, 0, &c->ids);
        }
    }
}

static void teacher_forced(const EvalContext *e, const Corpus *c, int begin, int end, EvalTotals *t,
                           Work *w) {
    int chunk = e->m->max_batch < e->scratch->cap_B ? e->m->max_batch : e->scratch->cap_B;
    if (e->oracle && e->oracle->max_batch < chunk) chunk = e->oracle->max_batch;
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
        correct += text_correct(e->m, e->scratch, &c->ids);
        if (e->oracle) reference_losses(e, c, idx, begin, w);
    }
    t->loss_sum += loss;
    t->tf_count += (double)count;
    t->tf_correct += (double)correct;
}

/* The oracle's pass over the visible outputs of decoded samples first..first+B-1 (in rows of
 * the scratch batch: prompt, then the visible tokens before the horizon), and each sample's
 * excess-error terms. */
static void generation_losses(const EvalContext *e, const Corpus *c, int begin, int first, int B,
                              const DecodeResult *res, Work *w) {
    Batch *b = e->scratch;
    int rows = b->cap_B < e->oracle->max_batch ? b->cap_B : e->oracle->max_batch;
    for (int at = 0; at < B; at += rows) {
        int n = B - at < rows ? B - at : rows, T = 1;
        for (int r = 0; r < n; r++) {
            int i = first + at + r;
            int h = exacc_horizon(c->rlen[i], w->paths[at + r].visible);
            int len = c->plen[i] + (h > 0 ? h - 1 : 0);
            if (len > T) T = len;
        }
        batch_reset(b, n, T);
        for (int r = 0; r < n; r++) {
            int i = first + at + r, plen = c->plen[i];
            const DecodeResult *d = &res[at + r];
            int h = exacc_horizon(c->rlen[i], w->paths[at + r].visible);
            const token_t *prompt = corpus_seq(c, i);
            size_t row = (size_t)r * (size_t)T;
            b->len[r] = plen + (h > 0 ? h - 1 : 0);
            for (int k = 0; k < b->len[r]; k++) {
                int j = k - plen + 1; /* the visible token this position predicts */
                b->input[row + k] = k < plen ? prompt[k] : d->out[k - plen];
                b->kind[row + k] = k < plen ? KIND_PROMPT : KIND_SELFGEN;
                b->mask[row + k] = j >= 0 && j < h;
                if (b->mask[row + k]) b->target[row + k] = j < d->n_out ? d->out[j] : c->ids.eos;
            }
        }
        model_forward(e->oracle, b);
        for (int r = 0; r < n; r++) {
            int i = first + at + r, plen = c->plen[i];
            const float *oracle_rows =
                e->oracle->logits + ((size_t)r * T + (size_t)(plen - 1)) * e->oracle->padded_vocab;
            exacc_sample(w->ref_step + w->ref_at[i - begin], c->rlen[i], w->paths[at + r].visible,
                         w->pick + (size_t)(at + r) * w->pick_stride, res[at + r].logits,
                         oracle_rows, (size_t)e->m->padded_vocab, &c->ids, &w->exacc[at + r]);
        }
    }
}

/* Position-aligned comparison of a generation with the reference (both ending in <eos>). */
static int compare(const DecodeResult *r, const token_t *ref, int rlen, token_t eos,
                   int *first_err) {
    int correct = 0;
    *first_err = -1;
    for (int j = 0; j < rlen; j++) {
        token_t got = j < r->n_out ? r->out[j] : (j == r->n_out && r->ended ? eos : -1);
        if (got == ref[j]) correct++;
        else if (*first_err < 0) *first_err = j;
    }
    return correct;
}

/* Scores decoded sample `slot` of the chunk, example i, and adds it to the totals. */
static void score_sample(const EvalContext *e, const Corpus *c, int i, const DecodeResult *r,
                         int slot, Work *w, EvalTotals *t, long *fr_correct, long *fr_total,
                         EvalSampleFn fn, void *ctx) {
    const Example *ex = &c->data->ex[i];
    if (e->vocab) {
        vocab_text(e->vocab, r->out, (size_t)r->n_out, w->out);
        vocab_text(e->vocab, r->raw, (size_t)r->n_raw, w->raw);
    } else {
        tok_to_text(r->out, (size_t)r->n_out, w->out);
        tok_to_text(r->raw, (size_t)r->n_raw, w->raw);
    }
    const char *const *refs = (const char *const *)ex->answers;
    EvalSample s = {.idx = i,
                    .ex = ex,
                    .res = r,
                    .vocab = e->vocab,
                    .output = w->out,
                    .raw_output = w->raw,
                    .path = w->paths[slot],
                    .eps = NAN,
                    .acc_err = NAN};
    s.em = metric_em(w->out, refs, ex->n_answers, e->gsm8k);
    s.f1 = metric_f1(w->out, refs, ex->n_answers);
    s.rouge_l = metric_rouge_l(w->out, refs, ex->n_answers);
    s.answer_acc = e->gsm8k ? metric_answer_acc(w->out, refs, ex->n_answers) : NAN;
    const token_t *ref = corpus_seq(c, i) + c->plen[i];
    int rlen = c->rlen[i];
    s.ed_acc = seq_ed_acc(r->out, r->n_out, ref, rlen - 1, w->ed_rows);
    double ends_right = isnan(s.answer_acc) ? s.em : s.answer_acc;
    s.recovery = s.path.diverged ? ends_right : NAN;
    int correct = compare(r, ref, rlen, c->ids.eos, &s.first_err);
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
    if (!isnan(s.answer_acc)) {
        t->answered++;
        t->answer_right += s.answer_acc;
    }
    t->ed_acc += s.ed_acc;
    if (s.path.diverged) {
        t->diverged++;
        t->recovered += s.recovery;
    }
    t->corrections_justified += s.path.corrections_justified;
    t->divergences += s.path.divergences;
    t->divergences_retracted += s.path.divergences_retracted;
    if (e->oracle) {
        const ExAccSample *x = &w->exacc[slot];
        s.horizon = x->horizon;
        s.eps = x->horizon > 0 ? x->ref_loss / x->horizon : NAN;
        s.acc_err = x->gen_loss;
        t->oracle_samples++;
        t->oracle_steps += x->horizon;
        t->ref_loss += x->ref_loss;
        t->gen_loss += x->gen_loss;
    }
    if (fn) fn(ctx, &s);
}

int evaluate_part(const EvalContext *e, const Corpus *c, int begin, int end, EvalTotals *t,
                  EvalSampleFn fn, void *ctx) {
    if (begin < 0) begin = 0;
    if (end > c->n) end = c->n;
    if (end <= begin) return 0;
    if (e->oracle && (e->oracle == e->m || e->oracle->padded_vocab != e->m->padded_vocab ||
                      e->oracle->cfg.context < e->m->cfg.context))
        return -1;
    Work w;
    if (work_alloc(&w, e, c, begin, end)) return -1;
    teacher_forced(e, c, begin, end, t, &w);

    Rng rng;
    rng_seed(&rng, e->seed);
    int chunk = decoder_max_batch(e->dec) < DECODE_CHUNK ? decoder_max_batch(e->dec) : DECODE_CHUNK;
    const token_t *prompts[DECODE_CHUNK];
    int plens[DECODE_CHUNK];
    DecodeResult res[DECODE_CHUNK];
    DecodeOptions opt = e->decode;
    opt.keep_logits = e->oracle != NULL;
    opt.ids = &c->ids;
    long fr_correct = 0, fr_total = 0;
    int rc = 0;
    for (int at = begin; at < end && rc == 0; at += chunk) {
        int B = end - at < chunk ? end - at : chunk;
        for (int r = 0; r < B; r++) {
            prompts[r] = corpus_seq(c, at + r);
            plens[r] = c->plen[at + r];
        }
        rc = decode_batch(e->dec, e->m, prompts, plens, B, &opt, &rng, res);
        for (int r = 0; r < B && rc == 0; r++)
            seq_path(res[r].raw, res[r].n_raw, res[r].ended, corpus_seq(c, at + r) + plens[r],
                     c->rlen[at + r], opt.rac_segment, &w.paths[r],
                     w.pick + (size_t)r * w.pick_stride, &c->ids);
        if (rc == 0 && e->oracle) generation_losses(e, c, begin, at, B, res, &w);
        for (int r = 0; r < B && rc == 0; r++)
            score_sample(e, c, at + r, &res[r], r, &w, t, &fr_correct, &fr_total, fn, ctx);
    }
    work_free(&w);
    t->n += end - begin;
    t->fr_correct += (double)fr_correct;
    t->fr_total += (double)fr_total;
    return rc;
}

void eval_summarize(const EvalTotals *t, EvalSummary *out) {
    memset(out, 0, sizeof *out);
    out->answer_acc = out->ed_acc = out->recovery = out->corr_precision = out->corr_recall = NAN;
    out->eps = out->acc_err = out->ex_acc_err = NAN;
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
    out->answer_acc = t->answered > 0 ? t->answer_right / t->answered : NAN;
    out->ed_acc = t->ed_acc / n;
    out->recovery = t->diverged > 0 ? t->recovered / t->diverged : NAN;
    out->diverged = (int)t->diverged;
    out->corr_precision = t->corrections > 0 ? t->corrections_justified / t->corrections : NAN;
    out->corr_recall = t->divergences > 0 ? t->divergences_retracted / t->divergences : NAN;
    if (t->oracle_samples > 0)
        exacc_summary(t->ref_loss, t->gen_loss, t->oracle_steps, t->oracle_samples, &out->eps,
                      &out->acc_err, &out->ex_acc_err);
    else out->eps = out->acc_err = out->ex_acc_err = NAN;
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
                         &t->corrected_right,
                         &t->answered,
                         &t->answer_right,
                         &t->ed_acc,
                         &t->diverged,
                         &t->recovered,
                         &t->corrections_justified,
                         &t->divergences,
                         &t->divergences_retracted,
                         &t->oracle_samples,
                         &t->oracle_steps,
                         &t->ref_loss,
                         &t->gen_loss};
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

static cJSON *token_json(token_t t, const Vocab *v) {
    if (t < 0) return cJSON_CreateNull();
    char small[8], *text = small;
    if (v) {
        text = malloc(vocab_text_cap(v, 1));
        if (!text) return NULL;
        vocab_text(v, &t, 1, text);
    } else {
        tok_to_text(&t, 1, small);
    }
    cJSON *j = cJSON_CreateString(text);
    if (text != small) free(text);
    return j;
}

char *eval_corrections_json(const DecodeResult *r, const Vocab *v) {
    cJSON *list = cJSON_CreateArray();
    for (int i = 0; list && i < r->n_corr; i++) {
        cJSON *c = cJSON_CreateObject();
        if (!c || !cJSON_AddItemToArray(list, c)) {
            cJSON_Delete(c);
            cJSON_Delete(list);
            return NULL;
        }
        cJSON_AddNumberToObject(c, "pos", r->corr[i].pos);
        cJSON_AddItemToObject(c, "retracted", token_json(r->corr[i].retracted, v));
        cJSON_AddItemToObject(c, "replacement", token_json(r->corr[i].replacement, v));
    }
    char *text = list ? cJSON_PrintUnformatted(list) : NULL;
    cJSON_Delete(list);
    return text;
}

void eval_sample_scores(const EvalSample *s, SampleRow *row) {
    row->em = s->em;
    row->f1 = s->f1;
    row->rouge_l = s->rouge_l;
    row->fr_acc = s->fr_acc;
    row->first_err = s->first_err;
    row->corrections = s->res->n_corr;
    row->answer_acc = s->answer_acc;
    row->ed_acc = s->ed_acc;
    row->recovery = s->recovery;
    row->divergences = s->path.divergences;
    row->divergences_retracted = s->path.divergences_retracted;
    row->corrections_justified = s->path.corrections_justified;
    row->eps = s->eps;
    row->acc_err = s->acc_err;
    row->horizon = s->horizon;
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
    case METRIC_ANSWER_ACC: return e->answer_acc;
    case METRIC_ED_ACC: return e->ed_acc;
    case METRIC_RECOVERY: return e->recovery;
    case METRIC_DIVERGED: return e->diverged;
    case METRIC_CORR_PRECISION: return e->corr_precision;
    case METRIC_CORR_RECALL: return e->corr_recall;
    case METRIC_EPS: return e->eps;
    case METRIC_ACC_ERR: return e->acc_err;
    case METRIC_EX_ACC_ERR: return e->ex_acc_err;
    case METRIC_ORACLE_RUN: return e->oracle_run > 0 ? (double)e->oracle_run : NAN;
    case METRIC_ORACLE_STEP: return e->oracle_run > 0 ? (double)e->oracle_step : NAN;
    default: return NAN;
    }
}

int eval_metric_recorded(const EvalSummary *e, MetricId id, int rac) {
    const MetricInfo *m = metric_info(id);
    if (!(m->flags & METRIC_PER_EVAL) || ((m->flags & METRIC_CORRECTION) && !rac)) return 0;
    if (m->flags & (METRIC_OPTIONAL | METRIC_ORACLE)) return !isnan(eval_metric(e, id));
    return 1;
}

void eval_store_summary(Store *s, int64_t run, int64_t step, const char *split,
                        const EvalSummary *e, int rac) {
    for (int id = 0; id < METRIC_COUNT; id++) {
        if (!eval_metric_recorded(e, (MetricId)id, rac)) continue;
        char key[64];
        metric_key((MetricId)id, split, key, sizeof key);
        store_metric(s, run, step, key, eval_metric(e, (MetricId)id));
    }
}

/* The trainer's part in a job of several processes (dist.h, docs/distributed.md): how work is
 * shared between ranks and what they exchange. With one process every function here leaves
 * things as the single-process trainer has them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "nn.h"
#include "trainer_internal.h"

void trainer_share(int n, int *lo, int *hi) {
    long r = dist_rank(), size = dist_size();
    *lo = (int)((long)n * r / size);
    *hi = (int)((long)n * (r + 1) / size);
}

/* What a rank tells the others about a phase of setup or a checkpoint. */
typedef struct {
    int32_t rc;
    char msg[508];
} Verdict;

int trainer_agree(int rc, char *err, size_t cap) {
    int size = dist_size();
    if (size == 1) return rc;
    Verdict *all = calloc((size_t)size, sizeof *all);
    size_t *counts = malloc((size_t)size * sizeof *counts);
    if (!all || !counts) dist_abort("out of memory");
    Verdict *mine = &all[dist_rank()];
    mine->rc = rc;
    if (rc) snprintf(mine->msg, sizeof mine->msg, "%s", err);
    for (int r = 0; r < size; r++) counts[r] = sizeof *all;
    dist_allgatherv(all, counts);
    int agreed = 0;
    for (int r = 0; r < size && !agreed; r++) {
        if (!all[r].rc) continue;
        agreed = all[r].rc;
        if (r == 0) snprintf(err, cap, "%s", all[r].msg);
        else snprintf(err, cap, "rank %d: %s", r, all[r].msg);
    }
    free(all);
    free(counts);
    return agreed;
}

/* Rank 0's bytes of a size only it knows, to every rank: *data is malloc'd on the others. */
static int share_bytes(void **data, size_t *len) {
    int64_t n = dist_rank() == 0 ? (int64_t)*len : 0;
    dist_bcast(&n, sizeof n, 0);
    if (dist_rank() != 0) {
        *len = (size_t)n;
        *data = malloc(*len ? *len : 1);
    }
    int64_t ok = *data != NULL || *len == 0;
    dist_allreduce_i64(&ok, 1);
    if (ok != dist_size()) return -1;
    dist_bcast(*data, *len, 0);
    return 0;
}

int trainer_share_config(Config *cfg, char *err, size_t cap) {
    if (dist_size() == 1) return 0;
    char *json = dist_rank() == 0 ? config_to_json(cfg, 0) : NULL;
    size_t len = json ? strlen(json) + 1 : 0;
    int rc = (share_bytes((void **)&json, &len) || len == 0) ? -1 : 0;
    if (!rc && dist_rank() != 0) {
        config_defaults(cfg);
        if (len == 0 || json[len - 1] != '\0' ||
            config_apply_json_text(cfg, json, "rank 0's config", err, cap))
            rc = -1;
    }
    if (rc && !*err) snprintf(err, cap, "out of memory");
    free(json);
    return rc;
}

void trainer_share_model(Model *m) {
    dist_bcast(m->params, m->num_params * sizeof(float), 0);
    dist_bcast(m->adam_m, m->num_params * sizeof(float), 0);
    dist_bcast(m->adam_v, m->num_params * sizeof(float), 0);
}

/* FNV-1a over the parameters' bytes. */
static uint64_t params_hash(const Model *m) {
    const unsigned char *p = (const unsigned char *)m->params;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < m->num_params * sizeof(float); i++) h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

int trainer_sync_replicas(Trainer *t) {
    int size = dist_size();
    if (size == 1) return 0;
    uint64_t *h = calloc((size_t)size, sizeof *h);
    size_t *counts = malloc((size_t)size * sizeof *counts);
    if (!h || !counts) dist_abort("out of memory");
    h[dist_rank()] = params_hash(&t->model);
    for (int r = 0; r < size; r++) counts[r] = sizeof *h;
    dist_allgatherv(h, counts);
    int differ = 0;
    for (int r = 1; r < size; r++) differ |= h[r] != h[0];
    free(h);
    free(counts);
    if (differ) trainer_share_model(&t->model);
    return differ;
}

int trainer_share_state(CheckpointState *st) {
    if (dist_size() == 1) return 0;
    int64_t head[5] = {st->step};
    for (int i = 0; i < 4; i++) head[1 + i] = (int64_t)st->rng.s[i];
    dist_bcast(head, sizeof head, 0);
    st->step = head[0];
    for (int i = 0; i < 4; i++) st->rng.s[i] = (uint64_t)head[1 + i];
    return share_bytes(&st->extra, &st->extra_len);
}

void trainer_gather_selfgen(Trainer *t) {
    int size = dist_size();
    if (size == 1) return;
    const Corpus *c = &t->train;
    size_t *tok = malloc(2 * (size_t)size * sizeof *tok);
    if (!tok) dist_abort("out of memory");
    size_t *len = tok + size;
    /* Examples lie one after the other in the pool, so a rank's examples are one stretch of
     * it (prompts included, which are the same everywhere). */
    for (int r = 0; r < size; r++) {
        long lo = (long)c->n * r / size, hi = (long)c->n * (r + 1) / size;
        size_t begin = lo < c->n ? c->off[lo] : t->sg.pool_len;
        size_t end = hi < c->n ? c->off[hi] : t->sg.pool_len;
        tok[r] = (end - begin) * sizeof *t->sg.yhat;
        len[r] = (size_t)(hi - lo) * sizeof *t->sg.gen_len;
    }
    dist_allgatherv(t->sg.yhat, tok);
    dist_allgatherv(t->sg.gen_len, len);
    free(tok);
}

void trainer_reduce_step(StepTotals *s) {
    double *const f[] = {&s->loss_sum, &s->count,    &s->correct, &s->eligible, &s->selected,
                         &s->differ,   &s->inserted, &s->tokens,  &s->stop,     &s->failed};
    enum { N = sizeof f / sizeof *f };
    double v[N];
    for (int i = 0; i < N; i++) v[i] = *f[i];
    dist_allreduce_f64(v, N);
    for (int i = 0; i < N; i++) *f[i] = v[i];
}

/* ---- evaluation ---- */

/* What rank 0 needs of a sample to store it: the example's text it has itself. */
static void pack_sample(void *ctx, const EvalSample *s) {
    BlobWriter *w = ctx;
    char *corr = eval_corrections_json(s->res, s->vocab);
    blob_put_i32(w, s->idx);
    blob_put_bytes(w, s->output, strlen(s->output));
    blob_put_bytes(w, s->raw_output, strlen(s->raw_output));
    blob_put_bytes(w, corr ? corr : "[]", corr ? strlen(corr) : 2);
    SampleRow row;
    eval_sample_scores(s, &row);
    const double reals[] = {row.em,     row.f1,       row.rouge_l, row.fr_acc, row.answer_acc,
                            row.ed_acc, row.recovery, row.eps,     row.acc_err};
    const int ints[] = {row.first_err,
                        row.corrections,
                        row.divergences,
                        row.divergences_retracted,
                        row.corrections_justified,
                        row.horizon};
    for (size_t i = 0; i < sizeof reals / sizeof *reals; i++) blob_put_f64(w, reals[i]);
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) blob_put_i32(w, ints[i]);
    free(corr);
}

/* A length-prefixed string of the blob as a C string (malloc'd; NULL when damaged). */
static char *get_string(BlobReader *r) {
    size_t n;
    const char *p = blob_get_bytes(r, r->len, &n);
    char *s = p ? malloc(n + 1) : NULL;
    if (!s) {
        r->failed = 1;
        return NULL;
    }
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

/* Rank 0: the gathered samples into the store, in order. Returns 0, or -1 when the bytes do
 * not read back (which would be a bug) or memory is short. */
static int store_gathered(Trainer *t, const void *data, size_t len, const char *split) {
    BlobReader r = {data, len, 0, 0};
    while (r.pos < r.len && !r.failed) {
        SampleRow row = {.step = t->step};
        int idx = blob_get_i32_in(&r, 0, t->val.n - 1);
        row.output = get_string(&r);
        row.raw_output = get_string(&r);
        row.corrections_json = get_string(&r);
        /* In pack_sample's order. */
        double *const reals[] = {&row.em,       &row.f1,         &row.rouge_l,
                                 &row.fr_acc,   &row.answer_acc, &row.ed_acc,
                                 &row.recovery, &row.eps,        &row.acc_err};
        int *const ints[] = {&row.first_err,
                             &row.corrections,
                             &row.divergences,
                             &row.divergences_retracted,
                             &row.corrections_justified,
                             &row.horizon};
        for (size_t i = 0; i < sizeof reals / sizeof *reals; i++) *reals[i] = blob_get_f64(&r);
        for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) *ints[i] = blob_get_i32(&r);
        if (!r.failed) {
            const Example *ex = &t->val.data->ex[idx];
            row.idx = idx;
            row.prompt = ex->prompt;
            row.reference = ex->response;
            snprintf(row.split, sizeof row.split, "%s", split);
            store_sample(t->store, t->run_id, &row);
        }
        free(row.output);
        free(row.raw_output);
        free(row.corrections_json);
    }
    return r.failed ? -1 : 0;
}

int trainer_eval_shared(Trainer *t, const EvalContext *e, int n, EvalSummary *sum, char *err,
                        size_t cap) {
    int lo, hi;
    if (n > t->val.n) n = t->val.n;
    trainer_share(n, &lo, &hi);
    EvalTotals tot = {0};
    BlobWriter w = {0};
    int rc = (evaluate_part(e, &t->val, lo, hi, &tot, pack_sample, &w) || w.failed) ? -1 : 0;
    if (rc) snprintf(err, cap, "evaluation at step %d failed (out of memory)", t->step);
    if (trainer_agree(rc, err, cap)) {
        free(w.data);
        return -1;
    }
    eval_totals_allreduce(&tot);
    eval_summarize(&tot, sum);
    void *all;
    size_t len;
    dist_gather(w.data, w.len, &all, &len);
    free(w.data);
    if (dist_rank() == 0 && store_gathered(t, all, len, "val"))
        trainer_note(t, "evaluation at step %d: samples could not be stored", t->step);
    free(all);
    return 0;
}

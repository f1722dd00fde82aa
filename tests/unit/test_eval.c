/* evaluate() end to end on scripted ("puppet") models, whose every prediction is known: the
 * teacher-forced accuracy without <corr>, the exposure-bias metrics of each sample and of the
 * evaluation, and the excess accumulated error against an oracle. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "data.h"
#include "eval.h"
#include "exacc.h"
#include "puppet.h"
#include "textdist.h"

#define C TOK_CORR
#define E TOK_EOS

static void near(double got, double want, const char *what) {
    cr_assert(fabs(got - want) < 1e-9, "%s: got %.12f, want %.12f", what, got, want);
}

typedef struct {
    Dataset ds;
    Corpus corpus;
    Model m, oracle;
    Decoder *dec;
    Batch scratch;
    EvalContext e;
} Fixture;

/* A puppet that emits script after the prompt of the dataset's first record. */
static void fixture(Fixture *f, const char *jsonl, const token_t *script, int n, int rac) {
    memset(f, 0, sizeof *f);
    char err[256];
    cr_assert_eq(dataset_load_buffer("test.jsonl", jsonl, strlen(jsonl), &(LoadOptions){0}, &f->ds,
                                     err, sizeof err),
                 0, "%s", err);
    cr_assert_eq(corpus_build(&f->corpus, &f->ds, NULL, NULL, 0), 0);
    int P = f->corpus.plen[0];
    puppet_init(&f->m, 48, P, script, n, corpus_seq(&f->corpus, 0));
    puppet_init(&f->oracle, 48, P, script, n, corpus_seq(&f->corpus, 0));
    f->dec = decoder_new(&f->m, 4);
    cr_assert_not_null(f->dec);
    cr_assert_eq(batch_alloc(&f->scratch, 4, 48), 0);
    f->e = (EvalContext){.m = &f->m,
                         .dec = f->dec,
                         .scratch = &f->scratch,
                         .decode = {.max_new_tokens = 12, .rac = rac, .max_corrections = 4},
                         .gsm8k = f->ds.layout == LAYOUT_QUESTION_ANSWER};
}

static void fixture_free(Fixture *f) {
    batch_free(&f->scratch);
    decoder_free(f->dec);
    model_free(&f->oracle);
    model_free(&f->m);
    corpus_free(&f->corpus);
    dataset_free(&f->ds);
}

typedef struct {
    EvalSample s[4];
    char out[4][64];
    int n;
} Samples;

static void keep(void *ctx, const EvalSample *s) {
    Samples *k = ctx;
    k->s[k->n] = *s;
    snprintf(k->out[k->n], sizeof k->out[0], "%s", s->output);
    k->n++;
}

/* Two records of prompt "q": references "bb" and "xb". The RAC puppet writes b, <corr>, b and
 * stops, whatever it is given: visible output "b". */
static const char two_records[] = "{\"prompt\":\"q\",\"response\":\"bb\"}\n"
                                  "{\"prompt\":\"q\",\"response\":\"xb\"}\n";
static const token_t rac_script[] = {'b', C, 'b', E};

Test(eval, tf_acc_never_counts_corr_as_a_prediction) {
    Fixture f;
    fixture(&f, two_records, rac_script, 4, 1);
    EvalSummary sum;
    cr_assert_eq(evaluate(&f.e, &f.corpus, 2, &sum, NULL, NULL), 0);
    /* Teacher-forced, after <sep> the puppet predicts b, after the first response token
     * <corr> (and b second), after the second b. "bb": b right, b right (not <corr>), b
     * where <eos> belongs; "xb": b where x belongs, then nothing right. With <corr> counted
     * as a prediction tf_acc would be 1/6. */
    near(sum.tf_acc, 2.0 / 6.0, "tf_acc");
    fixture_free(&f);
}

Test(eval, exposure_metrics_of_a_rac_generation) {
    Fixture f;
    fixture(&f, two_records, rac_script, 4, 1);
    Samples k = {0};
    EvalSummary sum;
    cr_assert_eq(evaluate(&f.e, &f.corpus, 2, &sum, keep, &k), 0);
    cr_assert_eq(k.n, 2);
    cr_assert_str_eq(k.out[0], "b");
    /* "bb": the <corr> retracted a right b (unjustified); the output stops one b short, a
     * divergence at <eos> no <corr> can undo. */
    const EvalSample *a = &k.s[0], *b = &k.s[1];
    cr_assert_eq(a->path.corrections, 1);
    cr_assert_eq(a->path.corrections_justified, 0);
    cr_assert_eq(a->path.divergences, 1);
    cr_assert_eq(a->path.divergences_retracted, 0);
    near(a->ed_acc, 0.5, "b against bb: one insertion of two");
    cr_assert(isnan(a->answer_acc), "no final answers in this layout");
    near(a->recovery, 0.0, "diverged and did not end right");
    /* "xb": b leaves it at once, <corr> retracts it (justified, recalled), b leaves again. */
    cr_assert_eq(b->path.corrections_justified, 1);
    cr_assert_eq(b->path.divergences, 2);
    cr_assert_eq(b->path.divergences_retracted, 1);
    near(b->ed_acc, 0.5, "b against xb");
    /* fr_acc and first_err as they were: position by position over the reference and <eos>.
     * "b<eos>" against "bb<eos>" agrees at 0 only; against "xb<eos>" nowhere. */
    near(a->fr_acc, 1.0 / 3.0, "fr_acc of bb");
    cr_assert_eq(a->first_err, 1);
    near(b->fr_acc, 0.0, "fr_acc of xb");
    cr_assert_eq(b->first_err, 0);
    near(sum.fr_acc, 1.0 / 6.0, "fr_acc pooled over positions");
    near(sum.first_err, 0.5, "first_err");
    /* The evaluation: 2 <corr>, 1 justified; 3 divergences, 1 retracted. */
    near(sum.corr_precision, 0.5, "corr_precision");
    near(sum.corr_recall, 1.0 / 3.0, "corr_recall");
    near(sum.ed_acc, 0.5, "ed_acc");
    cr_assert(isnan(sum.answer_acc), "answer_acc is absent, not 0");
    cr_assert_eq(sum.diverged, 2);
    near(sum.recovery, 0.0, "recovery");
    cr_assert(isnan(sum.eps) && isnan(sum.ex_acc_err), "no oracle");
    fixture_free(&f);
}

/* Without RAC: the puppet writes "bb" and stops. Against "bb" it matches to the end (its
 * first_err counts as the reference's 3 steps); against "bx" it leaves at position 1. */
Test(eval, position_metrics_as_documented) {
    const token_t script[] = {'b', 'b', E};
    Fixture f;
    fixture(&f,
            "{\"prompt\":\"q\",\"response\":\"bb\"}\n"
            "{\"prompt\":\"q\",\"response\":\"bx\"}\n",
            script, 3, 0);
    Samples k = {0};
    EvalSummary sum;
    cr_assert_eq(evaluate(&f.e, &f.corpus, 2, &sum, keep, &k), 0);
    cr_assert_eq(k.s[0].first_err, -1);
    cr_assert_eq(k.s[1].first_err, 1);
    near(sum.first_err, (3.0 + 1.0) / 2.0, "a full match counts as its length");
    near(sum.fr_acc, 5.0 / 6.0, "b b <eos> against b x <eos>: two of three");
    near(sum.tf_acc, 5.0 / 6.0, "teacher-forced, only x is missed");
    near(sum.gap, 0.0, "gap");
    near(sum.ed_acc, (1.0 + 0.5) / 2.0, "ed_acc");
    cr_assert(isnan(k.s[0].recovery), "never left the reference");
    cr_assert_eq(sum.diverged, 1);
    near(sum.recovery, 0.0, "the one that left did not end right");
    cr_assert(isnan(sum.corr_precision), "no <corr> at all");
    cr_assert(!eval_metric_recorded(&sum, METRIC_CORR_RECALL, 0), "not recorded without RAC");
    fixture_free(&f);
}

/* GSM8K layout: the puppet writes "#### 5" where the reference works "4 #### 5": it leaves
 * the reference at the first token, but its final answer is right. */
Test(eval, answer_acc_and_recovery_on_final_answers) {
    const token_t script[] = {'#', '#', '#', '#', ' ', '5', E};
    Fixture f;
    fixture(&f,
            "{\"question\":\"q\",\"answer\":\"4 #### 5\"}\n"
            "{\"question\":\"q\",\"answer\":\"4 #### 6\"}\n",
            script, 7, 0);
    Samples k = {0};
    EvalSummary sum;
    cr_assert_eq(evaluate(&f.e, &f.corpus, 2, &sum, keep, &k), 0);
    cr_assert_str_eq(k.out[0], "#### 5");
    near(k.s[0].answer_acc, 1.0, "right final answer");
    near(k.s[0].recovery, 1.0, "left the reference, ended right");
    near(k.s[1].answer_acc, 0.0, "wrong final answer");
    near(k.s[1].recovery, 0.0, "left the reference, ended wrong");
    near(sum.answer_acc, 0.5, "answer_acc");
    near(sum.recovery, 0.5, "recovery");
    cr_assert_eq(sum.diverged, 2);
    near(k.s[0].ed_acc, 1.0 - 2.0 / 8.0, "\"#### 5\" against \"4 #### 5\": two deletions of eight");
    near(k.s[1].ed_acc, 1.0 - 3.0 / 8.0, "against \"4 #### 6\": and a substitution");
    fixture_free(&f);
}

/* An oracle with the model's own weights: nothing to learn on the reference (eps = 0), and
 * without RAC nothing along the generation either. */
Test(eval, an_oracle_equal_to_the_model_costs_nothing) {
    const token_t script[] = {'b', 'x', E};
    Fixture f;
    fixture(&f, two_records, script, 3, 0);
    f.e.oracle = &f.oracle;
    Samples k = {0};
    EvalSummary sum;
    cr_assert_eq(evaluate(&f.e, &f.corpus, 2, &sum, keep, &k), 0);
    near(sum.eps, 0.0, "eps");
    cr_assert(fabs(sum.acc_err) < 1e-6, "acc_err %g", sum.acc_err);
    cr_assert(isnan(sum.ex_acc_err), "no excess over an eps of 0");
    cr_assert_eq(k.s[0].horizon, 3, "bx<eos> against bb<eos>");
    f.e.oracle = &f.m;
    cr_assert_eq(evaluate(&f.e, &f.corpus, 2, &sum, NULL, NULL), -1, "the oracle is another Model");
    fixture_free(&f);
}

/* Softmax over text tokens of row `pos` of a forward pass over seq[0..len). */
static void text_logp(Model *m, const token_t *seq, int len, int pos, double *out) {
    model_forward_logits(m, seq, 1, len);
    textdist_from_logits(model_logits(m) + (size_t)pos * m->padded_vocab, out, NULL);
}

/* With RAC the model reads its whole context, <corr> and the retracted token included, and
 * the oracle only the visible output: acc_err is the KL between those two rows at each
 * visible step, computed here from full forward passes. */
Test(eval, rac_acc_err_compares_the_raw_context_with_the_visible_one) {
    Fixture f;
    fixture(&f, "{\"prompt\":\"q\",\"response\":\"bb\"}\n", rac_script, 4, 1);
    f.e.oracle = &f.oracle;
    Samples k = {0};
    EvalSummary sum;
    cr_assert_eq(evaluate(&f.e, &f.corpus, 1, &sum, keep, &k), 0);
    cr_assert_eq(k.s[0].horizon, 2, "visible b <eos> against bb <eos>");
    const token_t *p = corpus_seq(&f.corpus, 0);
    token_t raw[] = {p[0], p[1], p[2], 'b', C, 'b'}, visible[] = {p[0], p[1], p[2], 'b'};
    double m0[TEXTDIST_SIZE], m1[TEXTDIST_SIZE], o0[TEXTDIST_SIZE], o1[TEXTDIST_SIZE];
    text_logp(&f.m, raw, 6, 4, m0); /* chose the visible b, after b <corr> */
    text_logp(&f.m, raw, 6, 5, m1); /* chose <eos> */
    text_logp(&f.oracle, visible, 3, 2, o0);
    text_logp(&f.oracle, visible, 4, 3, o1);
    double want = textdist_kl(o0, m0, NULL) + textdist_kl(o1, m1, NULL);
    cr_assert_gt(want, 0.1, "the contexts differ");
    cr_assert(fabs(k.s[0].acc_err - want) < 1e-4 * want, "acc_err %g, want %g", k.s[0].acc_err,
              want);
    near(sum.acc_err, k.s[0].acc_err, "one sample");
    fixture_free(&f);
}

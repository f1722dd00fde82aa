/* exposure bench: training and decoding throughput of the core on fixed model sizes, against
 * the machine's sgemm speed on the same GEMM shapes, measured in the same run. */
#include <cJSON.h>
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "train.h"
#include "jsonl.h"
#include "nn.h"

enum { F_MODEL, F_STEPS, F_THREADS, F_QUICK, F_JSON };
static const ArgFlag flags[] = {
    [F_MODEL] = {"--model", NULL, "S|M|all", 0, "the model sizes to measure (default all)"},
    [F_STEPS] = {"--steps", NULL, "N", 0, "timed training steps per measurement (default 20)"},
    [F_THREADS] = {"--threads", NULL, "N", 0, "threads (default: one per core)"},
    [F_QUICK] = {"--quick", NULL, NULL, 0,
                 "training and the sgemm peak only, no decoding or method costs (to compare "
                 "BLAS kernels)"},
    [F_JSON] = {"--json", NULL, NULL, 0, "one JSON object on stdout instead of the table"},
    {0},
};

typedef struct {
    const char *name;
    ModelConfig cfg;
    int batch;
} BenchModel;

static const BenchModel models[] = {
    {"S", {4, 128, 4, 128, TOK_COUNT}, 16},
    {"M", {6, 256, 8, 256, TOK_COUNT}, 8},
};

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* ---- training ---- */

static void random_batch(Batch *b, int B, int T, Rng *r) {
    batch_reset(b, B, T);
    for (int i = 0; i < B * T; i++) {
        b->input[i] = (token_t)rng_below(r, 256);
        b->target[i] = (token_t)rng_below(r, 256);
        b->mask[i] = 1;
    }
    for (int row = 0; row < B; row++) b->len[row] = T;
}

static double step_seconds(Model *m, const Batch *b, const OptimConfig *oc, int step) {
    double t0 = clock_monotonic();
    model_forward(m, b);
    model_zero_grad(m);
    model_backward(m, b);
    optim_step(m, oc, step, optim_lr(oc, step));
    return clock_monotonic() - t0;
}

/* Median seconds of a full training step at full length. */
static double time_training(Model *m, int B, int T, int steps) {
    Batch b;
    Rng r;
    rng_seed(&r, 7);
    if (batch_alloc(&b, B, T)) return -1;
    random_batch(&b, B, T, &r);
    OptimConfig oc = optim_defaults();
    oc.steps = steps + 3;
    double *t = malloc((size_t)steps * sizeof *t);
    for (int s = 0; s < 3; s++) step_seconds(m, &b, &oc, s);
    for (int s = 0; s < steps; s++) t[s] = step_seconds(m, &b, &oc, s + 3);
    double med = median(t, steps);
    free(t);
    batch_free(&b);
    return med;
}

/* ---- sgemm on the step's shapes ---- */

typedef struct {
    const char *what;
    CBLAS_TRANSPOSE ta, tb;
    int M, N, K; /* C (M x N) = op(A) (M x K) op(B) (K x N) */
} Shape;

typedef struct {
    const Shape *s;
    float *a[64], *b[64], *c[64];
    int reps;
} GemmJob;

static void gemm_task(void *ctx, int w, int workers) {
    (void)workers;
    GemmJob *j = ctx;
    const Shape *s = j->s;
    int lda = s->ta == CblasNoTrans ? s->K : s->M, ldb = s->tb == CblasNoTrans ? s->N : s->K;
    for (int r = 0; r < j->reps; r++)
        cblas_sgemm(CblasRowMajor, s->ta, s->tb, s->M, s->N, s->K, 1.0f, j->a[w], lda, j->b[w], ldb,
                    0.0f, j->c[w], s->N);
}

/* GFLOP/s of every thread running the shape at once, as the shards do in a step. */
static double gemm_gflops(Pool *pool, const Shape *s) {
    GemmJob j = {.s = s, .reps = 1};
    int n = pool_size(pool);
    for (int w = 0; w < n; w++) {
        j.a[w] = calloc((size_t)s->M * s->K, sizeof(float));
        j.b[w] = calloc((size_t)s->K * s->N, sizeof(float));
        j.c[w] = calloc((size_t)s->M * s->N, sizeof(float));
        for (long i = 0; i < (long)s->M * s->K; i++) j.a[w][i] = (float)(i % 7) * 0.1f;
        for (long i = 0; i < (long)s->K * s->N; i++) j.b[w][i] = (float)(i % 5) * 0.1f;
    }
    pool_run(pool, gemm_task, &j);
    double flops = 2.0 * s->M * s->N * s->K;
    j.reps = (int)(2e8 / flops) + 1;
    double best = 0;
    for (int trial = 0; trial < 5; trial++) {
        double t0 = clock_monotonic();
        pool_run(pool, gemm_task, &j);
        double gf = flops * j.reps * n / (clock_monotonic() - t0) / 1e9;
        if (gf > best) best = gf;
    }
    for (int w = 0; w < n; w++) free(j.a[w]), free(j.b[w]), free(j.c[w]);
    return best;
}

typedef struct {
    double peak, weighted; /* best shape; FLOP-weighted harmonic mean over the step's GEMMs */
    char best_shape[64];
} GemmPeak;

static GemmPeak measure_gemm(const ModelConfig *c, int rows, int threads) {
    int C = c->dim, V = (c->vocab + 7) / 8 * 8;
    const Shape shapes[] = {
        {"qkv", CblasNoTrans, CblasTrans, rows, 3 * C, C},
        {"attproj", CblasNoTrans, CblasTrans, rows, C, C},
        {"fc", CblasNoTrans, CblasTrans, rows, 4 * C, C},
        {"fcproj", CblasNoTrans, CblasTrans, rows, C, 4 * C},
        {"lmhead", CblasNoTrans, CblasTrans, rows, V, C},
        {"d_qkv_in", CblasNoTrans, CblasNoTrans, rows, C, 3 * C},
        {"d_fc_in", CblasNoTrans, CblasNoTrans, rows, C, 4 * C},
        {"d_fcproj_in", CblasNoTrans, CblasNoTrans, rows, 4 * C, C},
        {"d_qkv_w", CblasTrans, CblasNoTrans, 3 * C, C, rows},
        {"d_fc_w", CblasTrans, CblasNoTrans, 4 * C, C, rows},
        {"d_fcproj_w", CblasTrans, CblasNoTrans, C, 4 * C, rows},
    };
    int n = (int)(sizeof shapes / sizeof *shapes);
    GemmPeak g = {0};
    double flops = 0, seconds = 0;
    Pool *pool = pool_new(threads);
    if (!pool) return g;
    for (int i = 0; i < n; i++) {
        double gf = gemm_gflops(pool, &shapes[i]);
        double f = 2.0 * shapes[i].M * shapes[i].N * shapes[i].K;
        flops += f;
        seconds += f / (gf * 1e9);
        if (gf > g.peak) {
            g.peak = gf;
            snprintf(g.best_shape, sizeof g.best_shape, "%s %dx%dx%d", shapes[i].what, shapes[i].M,
                     shapes[i].N, shapes[i].K);
        }
    }
    pool_free(pool);
    g.weighted = flops / seconds / 1e9;
    return g;
}

/* ---- decoding ---- */

/* Tokens per second of greedy decoding of B sequences from 16-token prompts to the context. */
static double time_decode(const Model *m, int B) {
    Decoder *d = decoder_new(m, B);
    if (!d) return -1;
    Rng r;
    rng_seed(&r, 3);
    token_t prompt[64][16];
    const token_t *pp[64];
    int lens[64];
    for (int b = 0; b < B; b++) {
        for (int i = 0; i < 16; i++) prompt[b][i] = (token_t)rng_below(&r, 256);
        pp[b] = prompt[b];
        lens[b] = 16;
    }
    DecodeOptions opt = {.max_new_tokens = m->cfg.context - 16, .ignore_eos = 1};
    DecodeResult res[64];
    decode_batch(d, m, pp, lens, B, &opt, &r, res); /* warm-up */
    double best = 0;
    for (int trial = 0; trial < 3; trial++) {
        double t0 = clock_monotonic();
        decode_batch(d, m, pp, lens, B, &opt, &r, res);
        double tps = (double)B * opt.max_new_tokens / (clock_monotonic() - t0);
        if (tps > best) best = tps;
    }
    decoder_free(d);
    return best;
}

/* ---- the methods' cost ---- */

/* A corpus of n examples: a 32-byte prompt and a response of half the context, so that RAC
 * has room to insert corrections. */
typedef struct {
    Example *ex;
    char **text;
    Dataset ds;
    Corpus c;
    SelfgenCache sg;
} SynthCorpus;

static int synth_corpus(SynthCorpus *s, int n, int context) {
    memset(s, 0, sizeof *s);
    s->ex = calloc((size_t)n, sizeof *s->ex);
    s->text = calloc((size_t)n * 2, sizeof *s->text);
    if (!s->ex || !s->text) return -1;
    Rng r;
    rng_seed(&r, 5);
    int rlen = context / 2;
    for (int i = 0; i < n; i++) {
        char *p = malloc(33), *q = malloc((size_t)rlen + 1);
        s->text[2 * i] = p;
        s->text[2 * i + 1] = q;
        if (!p || !q) return -1;
        for (int k = 0; k < 32; k++) p[k] = (char)('a' + rng_below(&r, 26));
        for (int k = 0; k < rlen; k++) q[k] = (char)('a' + rng_below(&r, 26));
        p[32] = q[rlen] = '\0';
        s->ex[i] = (Example){p, q, &s->text[2 * i + 1], 1, i + 1, 0};
    }
    s->ds = (Dataset){(char *)"synthetic", LAYOUT_PROMPT_RESPONSE, s->ex, n};
    if (corpus_build(&s->c, &s->ds, NULL, NULL, 0) || selfgen_init(&s->sg, &s->c)) return -1;
    return 0;
}

static void synth_free(SynthCorpus *s, int n) {
    corpus_free(&s->c);
    selfgen_free(&s->sg);
    for (int i = 0; s->text && i < 2 * n; i++) free(s->text[i]);
    free(s->text);
    free(s->ex);
}

typedef struct {
    double baseline, bash_batch, bash_epoch, rac_batch, rac_epoch;
} MethodCost; /* median step seconds */

/* Median step time of a method; refresh: recompute the batch's y-hat before each step. */
static double time_method(Model *m, SynthCorpus *s, MethodName name, int refresh, int B,
                          int steps) {
    Batch b, scratch;
    if (batch_alloc(&b, B, m->cfg.context) || batch_alloc(&scratch, B, m->cfg.context)) return -1;
    Rng r;
    rng_seed(&r, 11);
    OptimConfig oc = optim_defaults();
    oc.steps = steps + 2;
    MethodParams p = {name, RAC_TOKEN, 0.5f, 11, 0, 0};
    double *t = malloc((size_t)steps * sizeof *t);
    int idx[256];
    for (int k = 0; k < steps + 2; k++) {
        for (int i = 0; i < B; i++) idx[i] = (k * B + i) % s->c.n;
        double t0 = clock_monotonic();
        if (refresh) selfgen_compute(&s->sg, &s->c, idx, B, 0, 0.0f, m, &scratch, NULL, &r);
        MethodStats st;
        p.step = k;
        method_build_batch(&b, &s->c, &s->sg, idx, B, m->cfg.context, &p, &st);
        model_forward(m, &b);
        model_zero_grad(m);
        model_backward(m, &b);
        optim_step(m, &oc, k, optim_lr(&oc, k));
        if (k >= 2) t[k - 2] = clock_monotonic() - t0;
    }
    double med = median(t, steps);
    free(t);
    batch_free(&b);
    batch_free(&scratch);
    return med;
}

/* The epoch refresh spread over the steps of an epoch (corpus size / batch). */
static double refresh_per_step(Model *m, SynthCorpus *s, int B) {
    Batch scratch;
    if (batch_alloc(&scratch, B, m->cfg.context)) return -1;
    int idx[256];
    for (int i = 0; i < s->c.n; i++) idx[i] = i;
    Rng r;
    rng_seed(&r, 1);
    double t0 = clock_monotonic();
    selfgen_compute(&s->sg, &s->c, idx, s->c.n, 0, 0.0f, m, &scratch, NULL, &r);
    double t = clock_monotonic() - t0;
    batch_free(&scratch);
    return t / ((double)s->c.n / B);
}

static MethodCost measure_methods(Model *m, int B, int steps) {
    MethodCost mc = {0};
    SynthCorpus s;
    int n = 256;
    if (synth_corpus(&s, n, m->cfg.context) == 0) {
        double refresh = refresh_per_step(m, &s, B);
        mc.baseline = time_method(m, &s, METHOD_BASELINE, 0, B, steps);
        mc.bash_batch = time_method(m, &s, METHOD_BASH, 1, B, steps);
        mc.bash_epoch = time_method(m, &s, METHOD_BASH, 0, B, steps) + refresh;
        mc.rac_batch = time_method(m, &s, METHOD_RAC, 1, B, steps);
        mc.rac_epoch = time_method(m, &s, METHOD_RAC, 0, B, steps) + refresh;
    }
    synth_free(&s, n);
    return mc;
}

/* ---- the report ---- */

typedef struct {
    const BenchModel *bm;
    int threads;
    double step_s, tok_s, gflops, flops_per_token;
    GemmPeak gemm;
    double rss, need;
    double decode1, decode32;
    MethodCost cost;
    size_t params;
    int quick; /* --quick: no decoding, no method costs */
} BenchResult;

static double peak_rss_bytes(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss * 1024.0;
}

static int run_model(const BenchModel *bm, int threads, int steps, int quick, BenchResult *r) {
    Model m;
    memset(r, 0, sizeof *r);
    r->bm = bm;
    r->threads = threads;
    r->quick = quick;
    if (model_init(&m, &bm->cfg, bm->batch) || model_set_threads(&m, threads)) return -1;
    model_init_weights(&m, 1);
    const ModelConfig *c = &bm->cfg;
    int T = c->context;
    r->params = m.num_params;
    /* FLOPs: 6 per parameter that multiplies (the position table is only looked up) plus
     * attention's 12 L T C, per token. */
    double N = (double)(m.num_params - m.tensor_size[P_WPE]);
    r->flops_per_token = 6.0 * N + 12.0 * c->layers * T * c->dim;
    r->step_s = time_training(&m, bm->batch, T, steps);
    r->tok_s = bm->batch * T / r->step_s;
    r->gflops = r->tok_s * r->flops_per_token / 1e9;
    r->rss = peak_rss_bytes();
    r->need = (double)model_state_bytes(c) + (double)model_activation_bytes(c, bm->batch) +
              (double)(threads - 1) * m.num_params * sizeof(float);
    r->gemm = measure_gemm(c, (bm->batch + threads - 1) / threads * T, threads);
    if (quick) {
        r->decode1 = r->decode32 = NAN;
        r->cost = (MethodCost){.baseline = NAN};
    } else {
        r->decode1 = time_decode(&m, 1);
        r->decode32 = time_decode(&m, 32);
        r->cost = measure_methods(&m, bm->batch, steps);
    }
    model_free(&m);
    return 0;
}

static void print_table(const BenchResult *r) {
    const ModelConfig *c = &r->bm->cfg;
    printf("model %s: layers %d, dim %d, heads %d, context %d, batch %d, %.2fM parameters, "
           "%d threads\n",
           r->bm->name, c->layers, c->dim, c->heads, c->context, r->bm->batch, r->params / 1e6,
           r->threads);
    printf("  training      %10.0f tokens/s  (step %.1f ms, median)\n", r->tok_s, r->step_s * 1e3);
    printf("  compute       %10.1f GFLOP/s   (%.2f MFLOP per token)\n", r->gflops,
           r->flops_per_token / 1e6);
    printf("  sgemm peak    %10.1f GFLOP/s   (%s); step's GEMM mix %.1f GFLOP/s\n", r->gemm.peak,
           r->gemm.best_shape, r->gemm.weighted);
    printf("  of peak       %10.1f %%\n", 100.0 * r->gflops / r->gemm.peak);
    printf("  peak RSS      %10.1f MiB      "
           "(parameters, gradients, AdamW and activations: %.1f MiB)\n",
           r->rss / 1048576.0, r->need / 1048576.0);
    if (r->quick) {
        printf("  decoding and the methods' costs not measured (--quick)\n");
        return;
    }
    printf("  decode b=1    %10.0f tokens/s\n", r->decode1);
    printf("  decode b=32   %10.0f tokens/s\n", r->decode32);
    const MethodCost *m = &r->cost;
    printf("  step time vs baseline (prompt 32, response %d, omega 0.5):\n", c->context / 2);
    printf("    BASH refresh=epoch %.2fx  refresh=batch %.2fx\n", m->bash_epoch / m->baseline,
           m->bash_batch / m->baseline);
    printf("    RAC  refresh=epoch %.2fx  refresh=batch %.2fx\n", m->rac_epoch / m->baseline,
           m->rac_batch / m->baseline);
}

static cJSON *result_json(const BenchResult *r) {
    cJSON *o = cJSON_CreateObject();
    const ModelConfig *c = &r->bm->cfg;
    cJSON_AddStringToObject(o, "model", r->bm->name);
    cJSON_AddNumberToObject(o, "layers", c->layers);
    cJSON_AddNumberToObject(o, "dim", c->dim);
    cJSON_AddNumberToObject(o, "heads", c->heads);
    cJSON_AddNumberToObject(o, "context", c->context);
    cJSON_AddNumberToObject(o, "batch", r->bm->batch);
    cJSON_AddNumberToObject(o, "threads", r->threads);
    cJSON_AddNumberToObject(o, "params", (double)r->params);
    jsonl_add_number(o, "train_tok_s", r->tok_s);
    jsonl_add_number(o, "step_ms", r->step_s * 1e3);
    jsonl_add_number(o, "flops_per_token", r->flops_per_token);
    jsonl_add_number(o, "gflops", r->gflops);
    jsonl_add_number(o, "sgemm_peak_gflops", r->gemm.peak);
    cJSON_AddStringToObject(o, "sgemm_peak_shape", r->gemm.best_shape);
    jsonl_add_number(o, "sgemm_mix_gflops", r->gemm.weighted);
    jsonl_add_number(o, "fraction_of_peak", r->gflops / r->gemm.peak);
    jsonl_add_number(o, "peak_rss_bytes", r->rss);
    jsonl_add_number(o, "needed_bytes", r->need);
    jsonl_add_number(o, "decode_b1_tok_s", r->decode1);
    jsonl_add_number(o, "decode_b32_tok_s", r->decode32);
    jsonl_add_number(o, "bash_epoch_ratio", r->cost.bash_epoch / r->cost.baseline);
    jsonl_add_number(o, "bash_batch_ratio", r->cost.bash_batch / r->cost.baseline);
    jsonl_add_number(o, "rac_epoch_ratio", r->cost.rac_epoch / r->cost.baseline);
    jsonl_add_number(o, "rac_batch_ratio", r->cost.rac_batch / r->cost.baseline);
    return o;
}

static int run(const Args *a) {
    const char *which = args_value(a, F_MODEL) ? args_value(a, F_MODEL) : "all";
    const char *steps_text = args_value(a, F_STEPS), *threads_text = args_value(a, F_THREADS);
    long steps = 20, threads = sysconf(_SC_NPROCESSORS_ONLN);
    int json = args_count(a, F_JSON) > 0, quick = args_count(a, F_QUICK) > 0;
    if (args_max_positional(a, 0)) return EXIT_USAGE;
    if (steps_text && cli_parse_long(steps_text, 3, 100000, &steps))
        return cli_usage_error("bench", "--steps must be an integer >= 3");
    if (threads_text && cli_parse_long(threads_text, 1, 64, &threads))
        return cli_usage_error("bench", "--threads must be an integer in 1..64");
    if (strcmp(which, "all") && strcmp(which, "S") && strcmp(which, "M"))
        return cli_usage_error("bench", "--model must be S, M or all");
    cJSON *all = json ? cJSON_CreateArray() : NULL;
    /* Which machine and kernels the figures below are of (kernels.h). */
    if (!json) {
        char machine[1024];
        kernels_describe(kernels_info(), "", machine, sizeof machine);
        fputs(machine, stdout);
        fflush(stdout);
    }
    for (size_t k = 0; k < sizeof models / sizeof *models; k++) {
        if (strcmp(which, "all") && strcmp(which, models[k].name)) continue;
        BenchResult r;
        if (run_model(&models[k], (int)threads, (int)steps, quick, &r)) {
            fprintf(stderr, "exposure bench: out of memory for model %s\n", models[k].name);
            cJSON_Delete(all);
            return EXIT_RUNTIME;
        }
        if (json) cJSON_AddItemToArray(all, result_json(&r));
        else print_table(&r);
    }
    if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "event", "bench");
        char *machine = kernels_machine_json(kernels_info());
        cJSON *m = machine ? cJSON_Parse(machine) : NULL;
        free(machine);
        if (m) cJSON_AddItemToObject(o, "machine", m);
        cJSON_AddItemToObject(o, "results", all);
        jsonl_print(o);
    }
    return EXIT_OK;
}

const Command command_bench = {
    .name = "bench",
    .summary = "bench [--model S|M|all] [--steps N] [--threads N] [--quick] [--json]",
    .usage = "exposure bench [--model S|M|all] [--steps N] [--threads N] [--quick] [--json]",
    .about =
        "Measures, for model S (layers 4, dim 128, heads 4, context 128, batch 16) and\n"
        "M (layers 6, dim 256, heads 8, context 256, batch 8), byte vocabulary:\n"
        "  training tokens/s (forward, loss, backward, AdamW; median of timed steps after\n"
        "  warm-up, every sequence at full length), GFLOP/s counted as 6N + 12LTC per token,\n"
        "  the sgemm speed of the step's own GEMM shapes and the ratio, peak RSS against the\n"
        "  bytes the model needs, greedy decoding tokens/s with the KV cache at batch 1 and 32,\n"
        "  and the step time of BASH and RAC against the baseline.\n",
    .flags = flags,
    .more_help = NULL,
    .run = run,
};

#include "ref_gpt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void ref_encoder(double *out, const token_t *inp, const double *wte, const double *wpe, int B,
                 int T, int C) {
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++)
            for (int c = 0; c < C; c++)
                out[((long)b * T + t) * C + c] =
                    wte[(long)inp[b * T + t] * C + c] + wpe[(long)t * C + c];
}

void ref_layernorm(double *out, const double *inp, const double *w, const double *b, int N, int C) {
    for (int i = 0; i < N; i++) {
        const double *x = inp + (long)i * C;
        double m = 0, v = 0;
        for (int c = 0; c < C; c++) m += x[c];
        m /= C;
        for (int c = 0; c < C; c++) v += (x[c] - m) * (x[c] - m);
        v /= C;
        double s = 1.0 / sqrt(v + 1e-5);
        for (int c = 0; c < C; c++) out[(long)i * C + c] = (x[c] - m) * s * w[c] + b[c];
    }
}

void ref_matmul(double *out, const double *inp, const double *w, const double *bias, int N, int IC,
                int OC) {
    for (int i = 0; i < N; i++)
        for (int o = 0; o < OC; o++) {
            double acc = bias ? bias[o] : 0.0;
            for (int k = 0; k < IC; k++) acc += inp[(long)i * IC + k] * w[(long)o * IC + k];
            out[(long)i * OC + o] = acc;
        }
}

void ref_gelu(double *out, const double *inp, long n) {
    for (long i = 0; i < n; i++) {
        double x = inp[i];
        out[i] = 0.5 * x * (1.0 + tanh(sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
    }
}

void ref_attention(double *out, const double *qkv, int B, int T, int C, int NH) {
    int hs = C / NH;
    double scale = 1.0 / sqrt((double)hs), *w = malloc(sizeof(double) * (size_t)T);
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++)
            for (int t = 0; t < T; t++) {
                const double *q = qkv + ((long)b * T + t) * 3 * C + h * hs;
                double mx = -INFINITY, sum = 0;
                for (int j = 0; j <= t; j++) {
                    const double *k = qkv + ((long)b * T + j) * 3 * C + C + h * hs;
                    double s = 0;
                    for (int i = 0; i < hs; i++) s += q[i] * k[i];
                    w[j] = s * scale;
                    if (w[j] > mx) mx = w[j];
                }
                for (int j = 0; j <= t; j++) sum += (w[j] = exp(w[j] - mx));
                double *o = out + ((long)b * T + t) * C + h * hs;
                for (int i = 0; i < hs; i++) {
                    double acc = 0;
                    for (int j = 0; j <= t; j++)
                        acc += w[j] / sum * qkv[((long)b * T + j) * 3 * C + 2 * C + h * hs + i];
                    o[i] = acc;
                }
            }
    free(w);
}

double ref_crossentropy(const double *logits, const token_t *targets, const uint8_t *mask, int N,
                        int V, int Vp) {
    double total = 0;
    int count = 0;
    for (int i = 0; i < N; i++) {
        if (!mask[i]) continue;
        const double *z = logits + (long)i * Vp;
        double mx = z[0], sum = 0;
        for (int j = 1; j < V; j++) mx = z[j] > mx ? z[j] : mx;
        for (int j = 0; j < V; j++) sum += exp(z[j] - mx);
        total += log(sum) + mx - z[targets[i]];
        count++;
    }
    return count ? total / count : 0.0;
}

double ref_gpt_loss(const Model *m, const double *params, const Batch *bt) {
    const int L = m->cfg.layers, C = m->cfg.dim, NH = m->cfg.heads, B = bt->B, T = bt->T;
    const int N = B * T, Vp = m->padded_vocab;
    const size_t NC = (size_t)N * C;
    const double *P[NUM_PARAM_TENSORS];
    for (int i = 0; i < NUM_PARAM_TENSORS; i++) P[i] = params + m->tensor_offset[i];
    double *x = malloc(sizeof(double) * NC), *ln = malloc(sizeof(double) * NC);
    double *qkv = malloc(sizeof(double) * 3 * NC), *y = malloc(sizeof(double) * NC);
    double *proj = malloc(sizeof(double) * NC), *h = malloc(sizeof(double) * 4 * NC);
    double *hg = malloc(sizeof(double) * 4 * NC);
    double *logits = malloc(sizeof(double) * (size_t)N * Vp);

    ref_encoder(x, bt->input, P[P_WTE], P[P_WPE], B, T, C);
    for (int l = 0; l < L; l++) {
        ref_layernorm(ln, x, P[P_LN1W] + l * C, P[P_LN1B] + l * C, N, C);
        ref_matmul(qkv, ln, P[P_QKVW] + (size_t)l * 3 * C * C, P[P_QKVB] + l * 3 * C, N, C, 3 * C);
        ref_attention(y, qkv, B, T, C, NH);
        ref_matmul(proj, y, P[P_ATTPROJW] + (size_t)l * C * C, P[P_ATTPROJB] + l * C, N, C, C);
        for (size_t i = 0; i < NC; i++) x[i] += proj[i];
        ref_layernorm(ln, x, P[P_LN2W] + l * C, P[P_LN2B] + l * C, N, C);
        ref_matmul(h, ln, P[P_FCW] + (size_t)l * 4 * C * C, P[P_FCB] + l * 4 * C, N, C, 4 * C);
        ref_gelu(hg, h, (long)N * 4 * C);
        ref_matmul(proj, hg, P[P_FCPROJW] + (size_t)l * 4 * C * C, P[P_FCPROJB] + l * C, N, 4 * C,
                   C);
        for (size_t i = 0; i < NC; i++) x[i] += proj[i];
    }
    ref_layernorm(ln, x, P[P_LNFW], P[P_LNFB], N, C);
    ref_matmul(logits, ln, P[P_WTE], NULL, N, C, Vp);
    double loss = ref_crossentropy(logits, bt->target, bt->mask, N, m->cfg.vocab, Vp);
    free(x);
    free(ln);
    free(qkv);
    free(y);
    free(proj);
    free(h);
    free(hg);
    free(logits);
    return loss;
}

void ref_check_coords(GradCheck *gc, double *x, const size_t *idx, size_t count,
                      const float *analytic, double (*f)(void *ctx), void *ctx, double h,
                      double floor) {
    for (size_t k = 0; k < count; k++) {
        size_t i = idx[k];
        double saved = x[i];
        x[i] = saved + h;
        double up = f(ctx);
        x[i] = saved - h;
        double down = f(ctx);
        x[i] = saved;
        double numeric = (up - down) / (2 * h), a = analytic[i];
        double denom = fmax(fmax(fabs(a), fabs(numeric)), floor);
        double rel = fabs(a - numeric) / denom;
        if (rel > gc->worst_rel || gc->checked == 0) {
            gc->worst_rel = rel;
            gc->worst_index = i;
            gc->worst_analytic = a;
            gc->worst_numeric = numeric;
        }
        gc->checked++;
    }
}

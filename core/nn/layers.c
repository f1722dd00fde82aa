#include "layers.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "fastmath.h"

static void embed_row(float *o, token_t token, int pos, const float *wte, const float *wpe, int C) {
    const float *e = wte + (long)token * C, *p = wpe + (long)pos * C;
    for (int c = 0; c < C; c++) o[c] = e[c] + p[c];
}

void encoder_forward(float *out, const token_t *inp, const float *wte, const float *wpe, int B,
                     int T, int C) {
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++)
            embed_row(out + ((long)b * T + t) * C, inp[b * T + t], t, wte, wpe, C);
}

void encoder_forward_at(float *out, const token_t *tokens, const int *positions, const float *wte,
                        const float *wpe, int N, int C) {
    for (int i = 0; i < N; i++) embed_row(out + (long)i * C, tokens[i], positions[i], wte, wpe, C);
}

void encoder_backward(float *dwte, float *dwpe, const float *dout, const token_t *inp, int B, int T,
                      int C) {
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            const float *d = dout + ((long)b * T + t) * C;
            float *de = dwte + (long)inp[b * T + t] * C, *dp = dwpe + (long)t * C;
            for (int c = 0; c < C; c++) {
                de[c] += d[c];
                dp[c] += d[c];
            }
        }
}

void layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *w,
                       const float *b, int N, int C) {
    const float eps = 1e-5f;
    for (int i = 0; i < N; i++) {
        const float *x = inp + (long)i * C;
        float m = 0.0f;
        for (int c = 0; c < C; c++) m += x[c];
        m /= (float)C;
        float v = 0.0f;
        for (int c = 0; c < C; c++) v += (x[c] - m) * (x[c] - m);
        v /= (float)C;
        float s = 1.0f / sqrtf(v + eps);
        float *o = out + (long)i * C;
        for (int c = 0; c < C; c++) o[c] = (x[c] - m) * s * w[c] + b[c];
        mean[i] = m;
        rstd[i] = s;
    }
}

void layernorm_backward(float *dinp, float *dw, float *db, const float *dout, const float *inp,
                        const float *w, const float *mean, const float *rstd, int N, int C) {
    for (int i = 0; i < N; i++) {
        const float *d = dout + (long)i * C, *x = inp + (long)i * C;
        float *dx = dinp + (long)i * C;
        float m = mean[i], s = rstd[i];
        /* Two reductions of the normalized-input gradient, then one pass that uses them. */
        float dnorm_mean = 0.0f, dnorm_norm_mean = 0.0f;
        for (int c = 0; c < C; c++) {
            float norm = (x[c] - m) * s, dnorm = w[c] * d[c];
            dnorm_mean += dnorm;
            dnorm_norm_mean += dnorm * norm;
        }
        dnorm_mean /= (float)C;
        dnorm_norm_mean /= (float)C;
        for (int c = 0; c < C; c++) {
            float norm = (x[c] - m) * s, dnorm = w[c] * d[c];
            db[c] += d[c];
            dw[c] += norm * d[c];
            dx[c] += (dnorm - dnorm_mean - norm * dnorm_norm_mean) * s;
        }
    }
}

void matmul_forward(float *out, const float *inp, const float *w, const float *bias, int N, int IC,
                    int OC, float beta) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, OC, IC, 1.0f, inp, IC, w, IC, beta, out,
                OC);
    if (!bias) return;
    for (int i = 0; i < N; i++) {
        float *o = out + (long)i * OC;
        for (int j = 0; j < OC; j++) o[j] += bias[j];
    }
}

void matmul_backward(float *dinp, float *dw, float *dbias, const float *dout, const float *inp,
                     const float *w, int N, int IC, int OC) {
    if (dinp)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, IC, OC, 1.0f, dout, OC, w, IC,
                    0.0f, dinp, IC);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, OC, IC, N, 1.0f, dout, OC, inp, IC, 1.0f,
                dw, IC);
    if (!dbias) return;
    for (int i = 0; i < N; i++) {
        const float *d = dout + (long)i * OC;
        for (int j = 0; j < OC; j++) dbias[j] += d[j];
    }
}

void matvec_forward_outputs(float *out, const float *inp, const float *w, const float *bias, int IC,
                            int o0, int o1, float beta) {
    if (o1 <= o0) return;
    cblas_sgemv(CblasRowMajor, CblasNoTrans, o1 - o0, IC, 1.0f, w + (size_t)o0 * IC, IC, inp, 1,
                beta, out + o0, 1);
    if (bias)
        for (int o = o0; o < o1; o++) out[o] += bias[o];
}

void matvec_forward_inputs(float *out, const float *inp, const float *w, int IC, int OC, int i0,
                           int i1) {
    if (i1 <= i0) {
        memset(out, 0, (size_t)OC * sizeof(float));
        return;
    }
    cblas_sgemv(CblasRowMajor, CblasNoTrans, OC, i1 - i0, 1.0f, w + i0, IC, inp + i0, 1, 0.0f, out,
                1);
}

void gelu_forward(float *out, const float *inp, long n) {
    for (long i = 0; i < n; i++) out[i] = gelu(inp[i]);
}

void gelu_backward_inplace(float *d, const float *inp, long n) {
    for (long i = 0; i < n; i++) d[i] *= gelu_grad(inp[i]);
}

/* Row t of a causal score matrix: softmax over columns 0..t, zeros after. */
static void causal_softmax_row(float *row, int t, int T) {
    float mx = row[0];
    for (int j = 1; j <= t; j++) mx = row[j] > mx ? row[j] : mx;
    /* Exponentials and the sum in separate loops: the first vectorizes, the second keeps
     * the order of the float additions fixed. */
    for (int j = 0; j <= t; j++) row[j] = fast_expf(row[j] - mx);
    float sum = 0.0f;
    for (int j = 0; j <= t; j++) sum += row[j];
    float inv = 1.0f / sum;
    for (int j = 0; j <= t; j++) row[j] *= inv;
    for (int j = t + 1; j < T; j++) row[j] = 0.0f;
}

void attention_forward(float *out, float *att, const float *qkv, int B, int T, int C, int NH) {
    const int hs = C / NH, C3 = 3 * C;
    const float scale = 1.0f / sqrtf((float)hs);
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++) {
            const float *q = qkv + (long)b * T * C3 + h * hs, *k = q + C, *v = q + 2 * C;
            float *a = att + ((long)b * NH + h) * T * T;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, hs, scale, q, C3, k, C3,
                        0.0f, a, T);
            for (int t = 0; t < T; t++) causal_softmax_row(a + (long)t * T, t, T);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, hs, T, 1.0f, a, T, v, C3,
                        0.0f, out + (long)b * T * C + h * hs, C);
        }
}

void attention_forward_cached(float *out, float *s, const float *q, const KVCache *kv, int l, int b,
                              int pos, int NH, int h0, int h1) {
    const int hs = kv->dim / NH, n = pos + 1;
    const float scale = 1.0f / sqrtf((float)hs);
    for (int h = h0; h < h1; h++) {
        kvcache_scores(kv, s, q + h * hs, l, b, h * hs, hs, n, scale);
        causal_softmax_row(s, pos, n);
        kvcache_weighted_values(kv, out + h * hs, s, l, b, h * hs, hs, n);
    }
}

void attention_backward(float *dqkv, float *scratch, const float *dout, const float *qkv,
                        const float *att, int B, int T, int C, int NH) {
    const int hs = C / NH, C3 = 3 * C;
    const float scale = 1.0f / sqrtf((float)hs);
    float *ds = scratch;
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++) {
            const float *q = qkv + (long)b * T * C3 + h * hs, *k = q + C, *v = q + 2 * C;
            const float *a = att + ((long)b * NH + h) * T * T;
            const float *dy = dout + (long)b * T * C + h * hs;
            float *dq = dqkv + (long)b * T * C3 + h * hs, *dk = dq + C, *dv = dq + 2 * C;
            /* d(probabilities) = dy v^T, then through the softmax into d(scores). */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, hs, 1.0f, dy, C, v, C3, 0.0f,
                        ds, T);
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, hs, T, 1.0f, a, T, dy, C, 0.0f,
                        dv, C3);
            for (int t = 0; t < T; t++) {
                const float *ar = a + (long)t * T;
                float *dr = ds + (long)t * T;
                float dot = 0.0f;
                for (int j = 0; j <= t; j++) dot += ar[j] * dr[j];
                for (int j = 0; j <= t; j++) dr[j] = ar[j] * (dr[j] - dot);
                for (int j = t + 1; j < T; j++) dr[j] = 0.0f;
            }
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, hs, T, scale, ds, T, k, C3,
                        0.0f, dq, C3);
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, hs, T, scale, ds, T, q, C3,
                        0.0f, dk, C3);
        }
}

XentStats crossentropy_forward(float *logits, const token_t *targets, const uint8_t *mask, int N,
                               int V, int Vp) {
    XentStats st = {0.0, 0, 0};
    for (int i = 0; i < N; i++) {
        if (!mask[i]) continue;
        float *z = logits + (long)i * Vp;
        int arg = 0;
        for (int j = 1; j < V; j++)
            if (z[j] > z[arg]) arg = j;
        float mx = z[arg], sum = 0.0f;
        float shifted_target = z[targets[i]] - mx;
        for (int j = 0; j < V; j++) z[j] = fast_expf(z[j] - mx);
        for (int j = 0; j < V; j++) sum += z[j];
        float inv = 1.0f / sum;
        for (int j = 0; j < V; j++) z[j] *= inv;
        /* -log p(target) from the shifted logit, finite even where p underflows to 0. */
        st.loss_sum += log((double)sum) - (double)shifted_target;
        st.count++;
        st.correct += arg == targets[i];
    }
    return st;
}

void crossentropy_backward(float *p, const token_t *targets, const uint8_t *mask, int N, int V,
                           int Vp, float scale) {
    for (int i = 0; i < N; i++) {
        float *d = p + (long)i * Vp;
        if (!mask[i]) {
            memset(d, 0, sizeof(float) * (size_t)Vp);
            continue;
        }
        for (int j = 0; j < V; j++) d[j] *= scale;
        d[targets[i]] -= scale;
        for (int j = V; j < Vp; j++) d[j] = 0.0f;
    }
}

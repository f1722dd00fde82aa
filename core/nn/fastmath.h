/* exp, sigmoid and GELU as straight-line float code that the compiler vectorizes: libm's
 * expf and tanhf are scalar calls and were a quarter of a training step. Accuracy: exp within
 * 2 ulp over [-87, 88] (a degree-6 polynomial on a reduced argument); the gradient checks
 * hold them to the double-precision reference. */
#ifndef EXPOSURE_FASTMATH_H
#define EXPOSURE_FASTMATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

static inline float fast_expf(float x) {
    /* NaN passes through (a diverging run must stay visible); the clamp keeps the rest in
     * the range where 2^n is a normal float. */
    const int nan = x != x;
    x = nan ? 0.0f : x < -87.0f ? -87.0f : x > 88.0f ? 88.0f : x;
    /* x = n ln2 + r with |r| <= ln2/2; e^x = 2^n e^r. The shift by 1.5 * 2^23 rounds n. */
    const float shifter = 12582912.0f;
    float t = x * 1.44269504088896341f + shifter;
    float n = t - shifter;
    float r = x - n * 0.693359375f + n * 2.12194440e-4f;
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return nan ? NAN : p * scale;
}

#define GELU_SCALE 0.7978845608028654f /* sqrt(2/pi) */
#define GELU_CUBIC 0.044715f

/* GELU, tanh approximation: 0.5 x (1 + tanh(u)) = x sigmoid(2u), u = sqrt(2/pi)(x + c x^3). */
static inline float gelu(float x) {
    float u2 = 2.0f * GELU_SCALE * (x + GELU_CUBIC * x * x * x);
    return x / (1.0f + fast_expf(-u2));
}

/* d gelu / dx = s + x s (1 - s) du2/dx with s = sigmoid(2u). */
static inline float gelu_grad(float x) {
    float u2 = 2.0f * GELU_SCALE * (x + GELU_CUBIC * x * x * x);
    float s = 1.0f / (1.0f + fast_expf(-u2));
    float du2 = 2.0f * GELU_SCALE * (1.0f + 3.0f * GELU_CUBIC * x * x);
    return s + x * s * (1.0f - s) * du2;
}

#endif

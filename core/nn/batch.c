#include "batch.h"

#include <stdlib.h>
#include <string.h>

int batch_alloc(Batch *b, int cap_B, int cap_T) {
    memset(b, 0, sizeof *b);
    size_t n = (size_t)cap_B * (size_t)cap_T;
    b->input = malloc(n * sizeof *b->input);
    b->target = malloc(n * sizeof *b->target);
    b->mask = malloc(n);
    b->kind = malloc(n);
    b->len = malloc((size_t)cap_B * sizeof *b->len);
    if (!b->input || !b->target || !b->mask || !b->kind || !b->len) {
        batch_free(b);
        return -1;
    }
    b->cap_B = cap_B;
    b->cap_T = cap_T;
    batch_reset(b, cap_B, cap_T);
    return 0;
}

void batch_free(Batch *b) {
    free(b->input);
    free(b->target);
    free(b->mask);
    free(b->kind);
    free(b->len);
    memset(b, 0, sizeof *b);
}

void batch_reset(Batch *b, int B, int T) {
    b->B = B;
    b->T = T;
    size_t n = (size_t)B * (size_t)T;
    for (size_t i = 0; i < n; i++) b->input[i] = b->target[i] = TOK_PAD;
    memset(b->mask, 0, n);
    memset(b->kind, KIND_PAD, n);
    for (int r = 0; r < B; r++) b->len[r] = 0;
}

void batch_narrow(Batch *b, int T) {
    if (T >= b->T) return;
    /* Row r moves from r*old to r*T <= r*old, so walking rows upwards never overwrites a row
     * before it has moved. */
    for (int r = 1; r < b->B; r++) {
        size_t from = (size_t)r * (size_t)b->T, to = (size_t)r * (size_t)T;
        memmove(b->input + to, b->input + from, (size_t)T * sizeof *b->input);
        memmove(b->target + to, b->target + from, (size_t)T * sizeof *b->target);
        memmove(b->mask + to, b->mask + from, (size_t)T);
        memmove(b->kind + to, b->kind + from, (size_t)T);
    }
    b->T = T;
}

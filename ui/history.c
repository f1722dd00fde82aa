#include "history.h"

#include <math.h>

void history_init(History *h) {
    h->n = 0;
    h->per_bucket = 1;
    h->points = 0;
    h->last = NAN;
}

static void merge_into(HistBucket *a, const HistBucket *b) {
    a->x1 = b->x1;
    a->t1 = b->t1;
    if (b->min < a->min) a->min = b->min;
    if (b->max > a->max) a->max = b->max;
    a->sum += b->sum;
    a->count += b->count;
}

/* Halves the number of buckets by merging neighbours; a bucket then holds twice as much. */
static void compact(History *h) {
    int n = 0;
    for (int i = 0; i < h->n; i += 2) {
        HistBucket m = h->b[i];
        if (i + 1 < h->n) merge_into(&m, &h->b[i + 1]);
        h->b[n++] = m;
    }
    h->n = n;
    h->per_bucket *= 2;
}

void history_add(History *h, double x, double t, double y) {
    if (!isfinite(y)) return;
    h->points++;
    h->last = y;
    if (h->n > 0 && h->b[h->n - 1].count < h->per_bucket) {
        HistBucket one = {x, x, t, t, y, y, y, 1};
        merge_into(&h->b[h->n - 1], &one);
        return;
    }
    if (h->n == HISTORY_BUCKETS) compact(h);
    h->b[h->n++] = (HistBucket){x, x, t, t, y, y, y, 1};
}

void history_smooth(const History *h, double w, double *out) {
    if (w < 0) w = 0;
    if (w > 0.999) w = 0.999;
    double v = 0, norm = 0;
    for (int i = 0; i < h->n; i++) {
        const HistBucket *b = &h->b[i];
        double decay = pow(w, b->count);
        v = decay * v + (1 - decay) * bucket_mean(b);
        norm = decay * norm + (1 - decay);
        out[i] = norm > 0 ? v / norm : bucket_mean(b);
    }
}

int history_range(const History *h, double *lo, double *hi) {
    if (h->n == 0) return 0;
    *lo = h->b[0].min;
    *hi = h->b[0].max;
    for (int i = 1; i < h->n; i++) {
        if (h->b[i].min < *lo) *lo = h->b[i].min;
        if (h->b[i].max > *hi) *hi = h->b[i].max;
    }
    return 1;
}

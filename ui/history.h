/* A metric's history in bounded memory: at most HISTORY_BUCKETS buckets, each summarising a
 * run of consecutive points (min, max, mean, and where they lie in steps and in seconds).
 * When every bucket is full, neighbours merge pairwise and each bucket then holds twice as
 * many points, so a 100k-step run costs the same memory and drawing time as a short one. */
#ifndef EXPOSURE_UI_HISTORY_H
#define EXPOSURE_UI_HISTORY_H

#define HISTORY_BUCKETS 512

typedef struct {
    double x0, x1; /* steps of the first and last point */
    double t0, t1; /* seconds of the first and last point */
    double min, max, sum;
    int count;
} HistBucket;

typedef struct {
    HistBucket b[HISTORY_BUCKETS];
    int n;          /* buckets in use */
    int per_bucket; /* points a bucket takes before a new one starts */
    long points;    /* added in total */
    double last;    /* the latest value */
} History;

void history_init(History *h);
/* Adds the value y at step x and time t (seconds); NaN and infinite values are skipped. */
void history_add(History *h, double x, double t, double y);

static inline double bucket_mean(const HistBucket *b) { return b->sum / b->count; }

/* The debiased exponential moving average of the points (TensorBoard's smoothing with
 * weight w in [0, 1)), evaluated at the end of each bucket. A bucket of k points counts as
 * k points of its mean: exact while the points of a bucket are equal, close otherwise.
 * Writes h->n values into out. */
void history_smooth(const History *h, double w, double *out);

/* Smallest and largest value held; returns 0 when there are none. */
int history_range(const History *h, double *lo, double *hi);

#endif

/* The forward pass of one transformer block, and of the final LayerNorm and LM head: the one
 * definition of the model's forward computation, used by training (model.c), teacher-forced
 * logits, and both paths of decoding (decode.c: batched rows against a key/value cache, and a
 * single sequence computed by all the pool's workers together).
 *
 * A block (pre-LayerNorm GPT-2) on N rows x of C channels:
 *   ln1 = LayerNorm(x); qkv = ln1 Wqkv^T + b; atty = causal attention(qkv);
 *   res2 = x + atty Wproj^T + b; ln2 = LayerNorm(res2); fch = ln2 Wfc^T + b;
 *   res3 = res2 + GELU(fch) Wfcproj^T + b.
 * What varies between the callers is where the keys and values come from and who computes
 * which channels (BlockPass), and where the activations go (BlockActs). */
#ifndef EXPOSURE_BLOCK_H
#define EXPOSURE_BLOCK_H

#include "kvcache.h"
#include "pool.h"

/* One block's weights: views into the model's parameters for one layer (model_block). */
typedef struct {
    const float *ln1w, *ln1b;         /* (C) */
    const float *qkvw, *qkvb;         /* (3C, C), (3C) */
    const float *attprojw, *attprojb; /* (C, C), (C) */
    const float *ln2w, *ln2b;         /* (C) */
    const float *fcw, *fcb;           /* (4C, C), (4C) */
    const float *fcprojw, *fcprojb;   /* (C, 4C), (C) */
} BlockWeights;

/* Where a block writes. Training keeps every block's activations for the backward pass;
 * decoding reuses one set of buffers for every block: ln2 may be ln1, fch_gelu may be fch,
 * and res2 and res3 may be the input x, which then becomes the output in place. */
typedef struct {
    float *ln1, *ln1_mean, *ln1_rstd; /* (N, C), (N), (N) */
    float *qkv;                       /* (N, 3C) */
    float *atty;                      /* (N, C) */
    float *att;                       /* whole sequences: (B, NH, T, T) probabilities, kept for
                                         backward; with a cache: scratch of context floats */
    float *res2;                      /* (N, C) */
    float *ln2, *ln2_mean, *ln2_rstd; /* (N, C), (N), (N) */
    float *fch, *fch_gelu;            /* (N, 4C) */
    float *res3;                      /* (N, C): the block's output */
} BlockActs;

/* A team of workers computing a single row together (pool_run of the model's pool): worker
 * w of `workers` takes a share of the heads (their queries, keys, values and attention) and
 * of the MLP's hidden channels, and multiplies the output projections by its own slice of
 * their input; after a barrier every worker adds all the parts, in worker order, into its
 * own copy of the row, so that the copies stay bit-identical. */
typedef struct {
    int w, workers;
    Pool *pool;
    float *parts; /* (workers, 2, C), shared: one part per projection and worker */
} BlockTeam;

/* How the rows of a pass are laid out and attend. */
typedef struct {
    int C, NH;
    /* Without a cache: the N = B*T rows are B whole sequences of T positions, each attending
     * within itself (training, teacher-forced logits). */
    int B, T;
    /* With a cache: row i is position pos[i] of sequence seq[i]; the rows of one sequence come
     * in position order. Each row's key and value are stored in the cache at `layer` before
     * any row attends, so a row sees the rows before it in the same pass. */
    const KVCache *cache;
    int layer;
    const int *seq, *pos;
    /* Set (with a cache and N = 1): the row is computed by a team. */
    const BlockTeam *team;
} BlockPass;

/* One block on N rows of x into a (a->res3 is the output). */
void block_forward(const BlockPass *ps, const BlockWeights *w, const BlockActs *a, const float *x,
                   int N);

/* logits = LayerNorm(x; lnw, lnb) wte^T for N rows, Vp logit columns; ln, mean and rstd keep
 * the LayerNorm (N*C, N, N). A team computes its share of the columns, in blocks of 16. */
void head_forward(const BlockPass *ps, float *logits, float *ln, float *mean, float *rstd,
                  const float *x, const float *lnw, const float *lnb, const float *wte, int N,
                  int Vp);

/* The half-open range [begin, end) of n channels that worker w of `workers` takes, in whole
 * blocks of 16. */
void block_channels(int n, int w, int workers, int *begin, int *end);

#endif

#include "seqmetrics.h"

int seq_edit_distance(const token_t *a, int na, const token_t *b, int nb, int *rows) {
    int *prev = rows, *cur = rows + nb + 1;
    for (int j = 0; j <= nb; j++) prev[j] = j;
    for (int i = 1; i <= na; i++) {
        cur[0] = i;
        for (int j = 1; j <= nb; j++) {
            int best = prev[j - 1] + (a[i - 1] != b[j - 1]);
            if (prev[j] + 1 < best) best = prev[j] + 1;
            if (cur[j - 1] + 1 < best) best = cur[j - 1] + 1;
            cur[j] = best;
        }
        int *t = prev;
        prev = cur;
        cur = t;
    }
    return prev[nb];
}

double seq_ed_acc(const token_t *a, int na, const token_t *b, int nb, int *rows) {
    int longest = na > nb ? na : nb;
    if (longest == 0) return 1.0;
    return 1.0 - (double)seq_edit_distance(a, na, b, nb, rows) / longest;
}

void seq_path(const token_t *raw, int n_raw, int ended, const token_t *ref, int rlen, int segment,
              SeqPath *out, int *pick, const TokenIds *ids) {
    const TokenIds ti = token_ids_or_byte(ids);
    *out = (SeqPath){0};
    /* Only the visible length and the position of the token that took the output off the
     * reference matter: everything before that position is the reference's. */
    int len = 0, off_at = -1;
    for (int k = 0; k < n_raw; k++) {
        token_t t = raw[k];
        if (t == ti.corr) {
            if (len == 0) continue;
            out->corrections++;
            out->corrections_justified += off_at >= 0;
            len = segment ? 0 : len - 1;
            if (off_at >= len) {
                out->divergences_retracted++;
                off_at = -1;
            }
            continue;
        }
        if (off_at < 0 && (len >= rlen || ref[len] != t)) {
            out->divergences++;
            off_at = len;
        }
        if (pick) pick[len] = k;
        len++;
    }
    out->visible = len;
    if (ended) {
        if (off_at < 0 && (len >= rlen || ref[len] != ti.eos)) out->divergences++;
        if (pick) pick[len] = n_raw;
        out->visible++;
    }
    out->diverged = out->divergences > 0 || !ended;
}

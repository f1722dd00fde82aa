#include "tokview.h"

#include <stdlib.h>
#include <string.h>

#include "text.h"

static const char corr_marker[] = "<corr>";

static int unit_len(const char *s, int n) {
    unsigned cp;
    return (int)text_decode(s, (size_t)n, &cp);
}

/* Byte offsets of the reference's units; returns their number. */
static int split_units(const char *s, int **starts) {
    int len = (int)strlen(s), n = 0;
    *starts = malloc(((size_t)len + 1) * sizeof **starts);
    if (!*starts) return -1;
    for (int i = 0; i < len; i += unit_len(s + i, len - i)) (*starts)[n++] = i;
    (*starts)[n] = len;
    return n;
}

static void replay(TokenView *tv, const char *raw, int segment, int *stack) {
    int len = (int)strlen(raw), depth = 0, pending_replacement = 0;
    for (int i = 0; i < len;) {
        TvUnit *u = &tv->u[tv->n];
        memset(u, 0, sizeof *u);
        u->pos = -1;
        if (strncmp(raw + i, corr_marker, sizeof corr_marker - 1) == 0) {
            u->off = i, u->len = (int)sizeof corr_marker - 1, u->kind = TV_CORR;
            if (depth == 0) {
                tv->ignored_corr++;
            } else {
                int keep = segment ? 0 : depth - 1;
                for (int k = keep; k < depth; k++) tv->u[stack[k]].kind = TV_RETRACTED;
                depth = keep;
                tv->retractions++;
                pending_replacement = 1;
            }
        } else {
            u->off = i, u->len = unit_len(raw + i, len - i), u->kind = TV_KEPT;
            u->replacement = pending_replacement;
            pending_replacement = 0;
            stack[depth++] = tv->n;
        }
        i += u->len;
        tv->n++;
    }
    for (int k = 0; k < depth; k++) tv->u[stack[k]].pos = k;
    tv->visible = depth;
}

static void compare(TokenView *tv, const char *raw, const char *ref, const int *ref_starts) {
    tv->first_div = -1;
    for (int i = 0; i < tv->n; i++) {
        TvUnit *u = &tv->u[i];
        if (u->kind != TV_KEPT || u->pos < 0) continue;
        int p = u->pos;
        if (p < tv->ref_units) {
            int rlen = ref_starts[p + 1] - ref_starts[p];
            u->matches =
                rlen == u->len && memcmp(raw + u->off, ref + ref_starts[p], (size_t)rlen) == 0;
        }
        if (!u->matches && tv->first_div < 0) {
            tv->first_div = p;
            u->first_div = 1;
        }
    }
    if (tv->first_div < 0 && tv->visible < tv->ref_units) {
        tv->first_div = tv->visible;
        tv->div_missing = 1;
    }
}

int tokview_build(TokenView *tv, const char *raw, const char *reference, int segment) {
    memset(tv, 0, sizeof *tv);
    tv->first_div = -1;
    int len = (int)strlen(raw);
    int *ref_starts = NULL;
    tv->u = malloc(((size_t)len + 1) * sizeof *tv->u);
    int *stack = malloc(((size_t)len + 1) * sizeof *stack);
    tv->ref_units = split_units(reference, &ref_starts);
    if (!tv->u || !stack || tv->ref_units < 0) {
        free(stack);
        free(ref_starts);
        tokview_free(tv);
        return -1;
    }
    replay(tv, raw, segment, stack);
    compare(tv, raw, reference, ref_starts);
    free(stack);
    free(ref_starts);
    return 0;
}

void tokview_free(TokenView *tv) {
    free(tv->u);
    tv->u = NULL;
    tv->n = 0;
}

void tokview_visible(const TokenView *tv, const char *raw, char *out, int cap) {
    int n = 0;
    for (int i = 0; i < tv->n && cap > 0; i++) {
        const TvUnit *u = &tv->u[i];
        if (u->kind != TV_KEPT || u->pos < 0) continue;
        if (n + u->len >= cap) break;
        memcpy(out + n, raw + u->off, (size_t)u->len);
        n += u->len;
    }
    if (cap > 0) out[n] = '\0';
}

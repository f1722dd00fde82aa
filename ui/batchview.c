#include "batchview.h"

#include <stdio.h>
#include <string.h>

#include "flow.h"
#include "text.h"
#include "theme.h"
#include "data.h"

static Role kind_role(int kind) {
    switch (kind) {
    case KIND_PROMPT: return R_KIND_PROMPT;
    case KIND_TRUTH: return R_KIND_TRUTH;
    case KIND_SELFGEN: return R_KIND_SELFGEN;
    case KIND_CORR: return R_KIND_CORR;
    default: return R_KIND_PAD;
    }
}

static const char *kind_name(int kind) {
    static const char *const names[] = {"pad", "prompt", "truth", "self-gen", "corr"};
    return kind >= 0 && kind <= KIND_CORR ? names[kind] : "?";
}

/* A token as the table shows it: a space gets a visible stand-in. */
static void token_text(const Vocab *v, token_t t, char *out, size_t cap) {
    char plain[64];
    vocab_render(v, &t, 1, plain, sizeof plain);
    if (plain[0] == ' ') {
        snprintf(out, cap, "%s%.48s", text_utf8() ? "\u2423" : "' '", plain + 1);
        return;
    }
    snprintf(out, cap, "%s", plain);
}

static void draw_legend(int y, int x, int w) {
    int col = 0;
    for (int k = KIND_PROMPT; k <= KIND_CORR && col < w; k++) {
        char cell[32];
        snprintf(cell, sizeof cell, " %s ", kind_name(k));
        col += text_put0(y, x + col, w - col, cell, theme_attr(kind_role(k)));
        col++;
    }
    col += text_put0(y, x + col, w - col, " underlined ", theme_attr(R_LOSS));
    text_put0(y, x + col, w - col, "= a loss position (its target is trained)", theme_attr(R_DIM));
}

/* The sequence as a flowing line of tokens. Returns the lines it took. */
static int draw_sequence(const Vocab *v, const BatchRowView *r, int top, int left, int width,
                         int bottom) {
    Flow f;
    flow_init(&f, top, left, width, bottom, 0);
    for (int i = 0; i < r->len; i++) {
        char text[64];
        vocab_render(v, &r->input[i], 1, text, sizeof text);
        attr_t a = theme_attr(kind_role(r->kind[i])) | (r->mask[i] ? theme_attr(R_LOSS) : 0);
        flow_text0(&f, text, a);
    }
    return flow_lines(&f);
}

/* Where the table starts: the last prompt position (it predicts the first response token). */
static int first_response(const BatchRowView *r) {
    for (int i = 0; i < r->len; i++)
        if (r->kind[i] != KIND_PROMPT) return i > 0 ? i - 1 : 0;
    return 0;
}

static void draw_table(const Vocab *v, BatchView *b, int top, int rows, int x, int w) {
    const BatchRowView *r = &b->row;
    int start = first_response(r), n = r->len - start;
    text_put0(top, x, w, "  pos  kind      input      target     loss", theme_attr(R_DIM));
    b->table_rows = rows - 1;
    list_clamp(&b->table, n, b->table_rows);
    for (int i = 0; i < b->table_rows && b->table.top + i < n; i++) {
        int p = start + b->table.top + i, y = top + 1 + i;
        char in[64], tg[64];
        token_text(v, r->input[p], in, sizeof in);
        token_text(v, r->target[p], tg, sizeof tg);
        attr_t row = b->table.top + i == b->table.cursor ? A_REVERSE : 0;
        text_printf(y, x, 7, theme_attr(R_DIM) | row, "%5d  ", p);
        text_put_padded(y, x + 7, 10, kind_name(r->kind[p]),
                        theme_attr(kind_role(r->kind[p])) | row);
        text_put_padded(y, x + 17, 11, in, theme_attr(kind_role(r->kind[p])) | row);
        text_put_padded(y, x + 28, 11, r->mask[p] ? tg : "", theme_attr(R_NORMAL) | row);
        text_put_padded(y, x + 39, 5, r->mask[p] ? glyphs()->mark : "", theme_attr(R_LOSS) | row);
    }
}

void batchview_draw(BatchView *b, Shell *a, int top, int rows, int cols) {
    text_put0(top, 1, cols - 2, "Batch inspector", theme_attr(R_TITLE));
    if (!a->run) {
        text_put0(top + 2, 2, cols - 4,
                  "It shows a training sequence of the run exposure trains here: start one on the "
                  "Train screen (3).",
                  theme_attr(R_NORMAL));
        return;
    }
    if (!b->frozen) trainer_batch_row(a->run->tr, &b->row);
    const BatchRowView *r = &b->row;
    if (r->step < 0) {
        text_put0(top + 2, 2, cols - 4, "waiting for the first training step", theme_attr(R_DIM));
        return;
    }
    const Config *c = &a->run->snap.config;
    text_printf(top, 18, cols - 20, theme_attr(R_NORMAL),
                "run %lld step %d: row 1 as %s built it, %d positions  %s",
                (long long)a->run->run_id, r->step, method_info(c->method.name)->name, r->len,
                b->frozen ? "[frozen: Space follows]" : "[live: Space freezes]");
    draw_legend(top + 1, 1, cols - 2);
    int seq_rows = (rows - 3) / 2;
    const Vocab *v = trainer_vocab(a->run->tr);
    int used = draw_sequence(v, r, top + 3, 1, cols - 2, top + 3 + seq_rows);
    if (used > seq_rows)
        text_put0(top + 2 + seq_rows, cols - 12, 10, " (more) ", theme_attr(R_DIM));
    draw_table(v, b, top + 3 + seq_rows + 1, rows - seq_rows - 4, 1, cols - 2);
}

int batchview_key(BatchView *b, Shell *a, int key) {
    (void)a;
    if (key == ' ') {
        b->frozen = !b->frozen;
        return 1;
    }
    int n = b->row.len - first_response(&b->row);
    return list_key(&b->table, key, n > 0 ? n : 1, b->table_rows > 0 ? b->table_rows : 10, 0);
}

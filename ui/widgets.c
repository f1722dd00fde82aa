#include "widgets.h"

#include <stdio.h>

#include "keys.h"
#include "text.h"
#include "theme.h"

void ui_clear_rect(int y, int x, int h, int w) {
    for (int r = 0; r < h; r++)
        for (int c = 0; c < w; c++) (void)mvaddch(y + r, x + c, ' ');
}

void ui_rule(int y, int x, int w, attr_t a) { text_repeat(y, x, w, glyphs()->h, a); }

void ui_vrule(int y, int x, int h, attr_t a) {
    for (int r = 0; r < h; r++) text_put0(y + r, x, 1, glyphs()->v, a);
}

void ui_box(int y, int x, int h, int w, const char *title, attr_t border, attr_t title_attr) {
    if (h < 2 || w < 2) return;
    const Glyphs *g = glyphs();
    text_put0(y, x, 1, g->tl, border);
    ui_rule(y, x + 1, w - 2, border);
    text_put0(y, x + w - 1, 1, g->tr, border);
    ui_vrule(y + 1, x, h - 2, border);
    ui_vrule(y + 1, x + w - 1, h - 2, border);
    text_put0(y + h - 1, x, 1, g->bl, border);
    ui_rule(y + h - 1, x + 1, w - 2, border);
    text_put0(y + h - 1, x + w - 1, 1, g->br, border);
    if (title && *title && w > 6) {
        (void)mvaddch(y, x + 2, ' ' | border);
        int used = text_put0(y, x + 3, w - 6, title, title_attr);
        (void)mvaddch(y, x + 3 + used, ' ' | border);
    }
}

void ui_progress(int y, int x, int w, double frac, attr_t on, attr_t off) {
    if (w <= 0) return;
    if (!(frac >= 0)) frac = 0;
    if (frac > 1) frac = 1;
    int full = (int)(frac * w + 0.5);
    text_repeat(y, x, full, glyphs()->bar_full, on);
    text_repeat(y, x + full, w - full, glyphs()->bar_empty, off);
}

int ui_paragraph(int y, int x, int w, int max_rows, const char *s, attr_t a) {
    enum { MAX_LINES = 64 };
    TextSpan spans[MAX_LINES];
    int n = text_wrap(s, w, spans, MAX_LINES);
    if (n > MAX_LINES) n = MAX_LINES;
    if (n > max_rows) n = max_rows;
    for (int i = 0; i < n; i++) text_put(y + i, x, w, s + spans[i].start, (size_t)spans[i].len, a);
    return n > 0 ? n : 0;
}

void ui_tabbar(int y, int cols, const char *const *names, int n, int active, int *starts) {
    int x = 0;
    for (int i = 0; i < n; i++) {
        char cell[64];
        snprintf(cell, sizeof cell, " %d %s ", i + 1, names[i]);
        starts[i] = x;
        int w = text_width0(cell);
        if (x + w > cols) w = cols - x;
        if (w > 0)
            text_put0(y, x, w, cell, i == active ? theme_attr(R_TAB_ACTIVE) : theme_attr(R_TAB));
        x += w > 0 ? w : 0;
        if (x < cols) (void)mvaddch(y, x++, ' ');
    }
    starts[n] = x;
}

int ui_tab_at(const int *starts, int n, int x) {
    for (int i = 0; i < n; i++)
        if (x >= starts[i] && x < starts[i + 1]) return i;
    return -1;
}

void list_clamp(ListView *l, int n, int rows) {
    if (rows < 1) rows = 1;
    if (l->cursor >= n) l->cursor = n - 1;
    if (l->cursor < 0) l->cursor = 0;
    if (l->top > l->cursor) l->top = l->cursor;
    if (l->cursor >= l->top + rows) l->top = l->cursor - rows + 1;
    if (l->top > n - rows) l->top = n - rows;
    if (l->top < 0) l->top = 0;
}

int list_key(ListView *l, int key, int n, int rows, int vi_jumps) {
    if (key == KEY_FN(KEY_UP) || key == 'k') l->cursor--;
    else if (key == KEY_FN(KEY_DOWN) || key == 'j') l->cursor++;
    else if (key == KEY_FN(KEY_PPAGE)) l->cursor -= rows > 1 ? rows - 1 : 1;
    else if (key == KEY_FN(KEY_NPAGE)) l->cursor += rows > 1 ? rows - 1 : 1;
    else if (key == KEY_FN(KEY_HOME) || (vi_jumps && key == 'g')) l->cursor = 0;
    else if (key == KEY_FN(KEY_END) || (vi_jumps && key == 'G')) l->cursor = n - 1;
    else return 0;
    list_clamp(l, n, rows);
    return 1;
}

void ui_format_count(double v, char *out, int cap) {
    double a = v < 0 ? -v : v;
    if (a >= 1e9) snprintf(out, (size_t)cap, "%.1fG", v / 1e9);
    else if (a >= 1e6) snprintf(out, (size_t)cap, "%.1fM", v / 1e6);
    else if (a >= 1e4) snprintf(out, (size_t)cap, "%.1fk", v / 1e3);
    else snprintf(out, (size_t)cap, "%.0f", v);
}

#include "text.h"

#include <langinfo.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "util.h"

static int utf8_locale;

static const Glyphs utf8_glyphs = {
    "─", "│", "┌", "┐", "└", "┘", "├", "┤", "█", "░", "•", "…", "●", "⏎", "→", "↑", "↓", "←", "→",
};
static const Glyphs ascii_glyphs = {
    "-", "|", "+", "+", "+", "+", "+", "+", "#", ".", "*", "~", "*", "\\n", " ", "^", "v", "<", ">",
};

void text_init(void) {
    const char *cs = nl_langinfo(CODESET);
    utf8_locale = cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

int text_utf8(void) { return utf8_locale; }

const Glyphs *glyphs(void) { return text_utf8() ? &utf8_glyphs : &ascii_glyphs; }

size_t text_decode(const char *s, size_t n, unsigned *cp) {
    const unsigned char *u = (const unsigned char *)s;
    size_t len = utf8_sequence_length(u, n);
    if (len == 0) {
        *cp = 0xFFFD;
        return 1;
    }
    static const unsigned lead_mask[5] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    unsigned c = u[0] & lead_mask[len];
    for (size_t i = 1; i < len; i++) c = (c << 6) | (u[i] & 0x3F);
    *cp = c;
    return len;
}

/* ASCII stand-ins for the non-ASCII characters the program itself prints. */
static const char *ascii_for(unsigned cp) {
    static const struct {
        unsigned cp;
        const char *ascii;
    } table[] = {
        {0x2264, "<="}, {0x2265, ">="},  {0x2014, "--"}, {0x2013, "-"}, {0x2192, "->"},
        {0x2190, "<-"}, {0x2026, "..."}, {0x00D7, "x"},  {0x03C9, "w"}, {0x00B7, "."},
        {0x2022, "*"},  {0x201C, "\""},  {0x201D, "\""}, {0x2018, "'"}, {0x2019, "'"},
        {0x2248, "~"},  {0x2212, "-"},   {0x00A0, " "},
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (table[i].cp == cp) return table[i].ascii;
    return "?";
}

static int is_control(unsigned cp) { return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0); }

/* Columns of one character as text_put draws it. */
static int char_width(unsigned cp) {
    if (cp == '\n') return text_width0(glyphs()->newline);
    if (cp == '\t') return text_width0(glyphs()->tab);
    if (is_control(cp)) return 1;
    if (!text_utf8()) return cp < 0x80 ? 1 : (int)strlen(ascii_for(cp));
    int w = wcwidth((wchar_t)cp);
    return w < 0 ? 1 : w;
}

int text_width(const char *s, size_t n) {
    int cols = 0;
    for (size_t i = 0; i < n;) {
        unsigned cp;
        i += text_decode(s + i, n - i, &cp);
        cols += char_width(cp);
    }
    return cols;
}

int text_width0(const char *s) { return text_width(s, strlen(s)); }

/* Draws one character (a code point plus an optional combining mark) at (y, x). */
static void put_char(int y, int x, unsigned cp, unsigned combining, attr_t a) {
    if (!text_utf8()) {
        const char *s = cp < 0x80 ? NULL : ascii_for(cp);
        if (!s) {
            (void)mvaddch(y, x, (chtype)cp | a);
            return;
        }
        for (int i = 0; s[i]; i++) (void)mvaddch(y, x + i, (chtype)(unsigned char)s[i] | a);
        return;
    }
    wchar_t w[3] = {(wchar_t)cp, (wchar_t)combining, 0};
    cchar_t cc;
    if (setcchar(&cc, w, a & ~A_COLOR, (short)PAIR_NUMBER(a), NULL) == OK)
        (void)mvadd_wch(y, x, &cc);
}

static int put_run(int y, int x, int maxw, const char *s, size_t n, attr_t a, unsigned combining) {
    int col = 0;
    for (size_t i = 0; i < n && col < maxw;) {
        unsigned cp;
        i += text_decode(s + i, n - i, &cp);
        if (cp == '\n' || cp == '\t') {
            const char *g = cp == '\n' ? glyphs()->newline : glyphs()->tab;
            int w = text_width0(g);
            if (col + w > maxw) break;
            col += put_run(y, x + col, w, g, strlen(g), a | A_DIM, 0);
            continue;
        }
        if (is_control(cp)) cp = '?';
        int w = char_width(cp);
        if (w == 0) continue; /* a combining mark of the source text: dropped, not misplaced */
        if (col + w > maxw) break;
        put_char(y, x + col, cp, combining, a);
        col += w;
    }
    return col;
}

int text_put(int y, int x, int maxw, const char *s, size_t n, attr_t a) {
    if (maxw <= 0 || !s) return 0;
    return put_run(y, x, maxw, s, n, a, 0);
}

int text_put0(int y, int x, int maxw, const char *s, attr_t a) {
    return s ? text_put(y, x, maxw, s, strlen(s), a) : 0;
}

void text_put_padded(int y, int x, int w, const char *s, attr_t a) {
    int used = text_put0(y, x, w, s, a);
    for (int i = used; i < w; i++) (void)mvaddch(y, x + i, ' ' | a);
}

void text_put_right(int y, int x, int w, const char *s, attr_t a) {
    int sw = text_width0(s);
    if (sw > w) sw = w;
    text_put0(y, x + w - sw, sw, s, a);
}

int text_printf(int y, int x, int maxw, attr_t a, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return text_put0(y, x, maxw, buf, a);
}

int text_put_struck(int y, int x, int maxw, const char *s, size_t n, attr_t a) {
    if (maxw <= 0) return 0;
    return put_run(y, x, maxw, s, n, a, text_utf8() ? 0x336 : 0);
}

void text_repeat(int y, int x, int count, const char *glyph, attr_t a) {
    int w = text_width0(glyph);
    if (w <= 0) return;
    for (int i = 0; i < count; i++) text_put0(y, x + i * w, w, glyph, a);
}

int text_wrap(const char *s, int width, TextSpan *spans, int max) {
    if (width < 1) width = 1;
    int n = 0, start = 0, col = 0, last_space = -1;
    int len = (int)strlen(s);
    for (int i = 0; i < len;) {
        unsigned cp;
        int clen = (int)text_decode(s + i, (size_t)(len - i), &cp);
        if (cp == '\n') {
            if (n < max) spans[n] = (TextSpan){start, i - start};
            n++;
            i += clen;
            start = i, col = 0, last_space = -1;
            continue;
        }
        int w = cp == '\t' ? 1 : char_width(cp);
        if (col + w > width && i > start) {
            int cut = last_space > start ? last_space : i;
            if (n < max) spans[n] = (TextSpan){start, cut - start};
            n++;
            start = i = cut, col = 0, last_space = -1;
            continue; /* measure the characters after the cut again */
        }
        col += w;
        i += clen;
        if (cp == ' ') last_space = i;
    }
    if (start < len || n == 0) {
        if (n < max) spans[n] = (TextSpan){start, len - start};
        n++;
    }
    return n;
}

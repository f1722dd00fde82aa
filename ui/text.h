/* Text on the screen: UTF-8 strings measured and drawn in terminal columns, clipped to a
 * width, wrapped into lines, and the glyphs (borders, bars, markers) that depend on whether
 * the locale is UTF-8. In another locale (LANG=C) every non-ASCII character is drawn as an
 * ASCII stand-in ("<=" for "≤") or "?", so that nothing prints as garbage. */
#ifndef EXPOSURE_UI_TEXT_H
#define EXPOSURE_UI_TEXT_H

#include <ncurses.h>
#include <stddef.h>

/* Reads the locale's codeset (after setlocale). */
void text_init(void);
/* 1 when the locale is UTF-8: braille charts, box drawing, combining strokes. */
int text_utf8(void);

typedef struct {
    /* Borders and rules. */
    const char *h, *v, *tl, *tr, *bl, *br, *tee_l, *tee_r;
    /* A full and an empty progress bar cell, a bullet, an ellipsis, the selection mark. */
    const char *bar_full, *bar_empty, *bullet, *ellipsis, *mark;
    /* What stands for a newline and a tab in one-line renderings. */
    const char *newline, *tab;
    const char *up, *down, *left, *right;
} Glyphs;
const Glyphs *glyphs(void);

/* Columns that s (n bytes) takes. */
int text_width(const char *s, size_t n);
int text_width0(const char *s);

/* Draws s[0..n) at (y, x) in at most maxw columns with attribute a, as one line: newlines
 * and tabs appear as their glyphs, other control bytes as '?'. Returns the columns used. */
int text_put(int y, int x, int maxw, const char *s, size_t n, attr_t a);
int text_put0(int y, int x, int maxw, const char *s, attr_t a);
/* Like text_put0, padded with blanks to exactly w columns. */
void text_put_padded(int y, int x, int w, const char *s, attr_t a);
/* Like text_put0 but right-aligned in w columns. */
void text_put_right(int y, int x, int w, const char *s, attr_t a);
/* printf, then text_put0. */
int text_printf(int y, int x, int maxw, attr_t a, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Draws s[0..n) struck through: with a combining long stroke overlay (U+0336) on each
 * character in a UTF-8 locale; as is (the caller marks it otherwise) elsewhere. */
int text_put_struck(int y, int x, int maxw, const char *s, size_t n, attr_t a);
/* One glyph string (from glyphs()) or any UTF-8 text repeated count times. */
void text_repeat(int y, int x, int count, const char *glyph, attr_t a);

typedef struct {
    int start, len; /* bytes of the source text */
} TextSpan;

/* Splits s into lines of at most width columns, breaking after spaces where it can and at
 * every newline. Writes up to max spans; returns how many lines the whole text needs. */
int text_wrap(const char *s, int width, TextSpan *spans, int max);

/* Decodes the character at s (n > 0 bytes available): its code point (U+FFFD for a bad
 * byte) in *cp and its length in bytes (returned, >= 1). */
size_t text_decode(const char *s, size_t n, unsigned *cp);

#endif

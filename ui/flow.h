/* Text laid out character by character across lines of a rectangle, each piece with its own
 * attributes: generated outputs and token sequences, where every character may be coloured
 * differently and breaking at spaces would misplace the marks. A newline in the text is
 * shown (as its glyph) and breaks the line. Lines above `skip` are laid out, not drawn, so a
 * caller can scroll. */
#ifndef EXPOSURE_UI_FLOW_H
#define EXPOSURE_UI_FLOW_H

#include <ncurses.h>

typedef struct {
    int top, left, width, bottom; /* the rectangle: rows top..bottom-1 */
    int line, col;                /* where the next character goes (line 0 = top + 0) */
    int skip;                     /* lines scrolled away */
} Flow;

void flow_init(Flow *f, int top, int left, int width, int bottom, int skip);
/* Lays out s[0..len). struck: draw it struck through (text_put_struck). */
void flow_text(Flow *f, const char *s, int len, attr_t a, int struck);
void flow_text0(Flow *f, const char *s, attr_t a);
/* Lines used so far (the last one counts once something is on it). */
int flow_lines(const Flow *f);

#endif

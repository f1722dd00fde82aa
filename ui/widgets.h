/* Small drawing pieces the screens share: boxes and rules, a progress bar, the tab bar, and
 * a scrolling list's cursor. */
#ifndef EXPOSURE_UI_WIDGETS_H
#define EXPOSURE_UI_WIDGETS_H

#include <ncurses.h>

/* Blanks the rectangle. */
void ui_clear_rect(int y, int x, int h, int w);
/* A border around the rectangle, with the title in its top edge when not NULL. */
void ui_box(int y, int x, int h, int w, const char *title, attr_t border, attr_t title_attr);
void ui_rule(int y, int x, int w, attr_t a);
void ui_vrule(int y, int x, int h, attr_t a);
/* A bar of w cells filled to frac (0..1). */
void ui_progress(int y, int x, int w, double frac, attr_t on, attr_t off);

/* Draws s word-wrapped into w columns from row y, at most max_rows rows; returns the rows
 * used. */
int ui_paragraph(int y, int x, int w, int max_rows, const char *s, attr_t a);

/* Draws the tab names on row y as " 1 Name " cells; the active one highlighted. Writes the
 * column where each tab starts into starts[0..n] (starts[n]: where the last one ends), for
 * mouse clicks. */
void ui_tabbar(int y, int cols, const char *const *names, int n, int active, int *starts);
/* The tab under column x, or -1. */
int ui_tab_at(const int *starts, int n, int x);

/* A list of n rows shown rows at a time: the cursor row and the first row shown. */
typedef struct {
    int cursor, top;
} ListView;

/* Keeps the cursor in [0, n) and visible in a window of rows rows. */
void list_clamp(ListView *l, int n, int rows);
/* Up/down/k/j, PgUp/PgDn, Home/End (g/G when vi_jumps). Returns 1 when the key moved it. */
int list_key(ListView *l, int key, int n, int rows, int vi_jumps);

/* "3.2k", "1.5M": numbers for narrow columns. */
void ui_format_count(double v, char *out, int cap);

#endif

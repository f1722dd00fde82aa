/* Colours and attributes by role. Every screen asks for a role (an error, a selected row, the
 * third series of a chart), never for a colour, so that themes and colourless terminals
 * (TERM=vt100, fewer than 8 colours) are one table each. */
#ifndef EXPOSURE_UI_THEME_H
#define EXPOSURE_UI_THEME_H

#include <ncurses.h>

typedef enum {
    R_NORMAL,
    R_DIM,
    R_TITLE,
    R_BORDER,
    R_TAB,
    R_TAB_ACTIVE,
    R_KEY,
    R_ERROR,
    R_WARN,
    R_GOOD,
    R_CURSOR, /* the row under the cursor */
    R_MARKED, /* a row selected with Space */
    R_AXIS,
    R_SERIES0,
    R_SERIES1,
    R_SERIES2,
    R_SERIES3,
    R_SERIES4,
    R_SERIES5,
    R_SERIES6,
    R_SERIES7,
    R_TOK_MATCH,
    R_TOK_DIVERGED,
    R_TOK_RETRACTED,
    R_TOK_REPLACEMENT,
    R_TOK_FIRST_DIV,
    R_KIND_PAD,
    R_KIND_PROMPT,
    R_KIND_TRUTH,
    R_KIND_SELFGEN,
    R_KIND_CORR,
    R_LOSS, /* a position that carries loss */
    R_COUNT
} Role;

#define SERIES_ROLES 8

/* Theme names, in the order F2 cycles through them. */
int theme_count(void);
const char *theme_name(int i);
/* Index of a theme name, or -1. */
int theme_find(const char *name);

/* Sets up colour pairs for theme i (after initscr). Terminals without colours, or with
 * fewer than 8, get the monochrome table whatever the theme. */
void theme_apply(int i);
/* 1 when the current table uses colours. */
int theme_colored(void);

attr_t theme_attr(Role r);
/* The role of chart series i (cycling through the eight). */
Role theme_series(int i);

#endif

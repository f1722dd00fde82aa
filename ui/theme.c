#include "theme.h"

#include <string.h>

typedef struct {
    short fg, bg; /* -1: the terminal's default */
    attr_t extra;
} Colour;

typedef struct {
    const char *name;
    int mono; /* attributes only */
    Colour c[R_COUNT];
} Theme;

#define D (-1)

/* The monochrome table: what TERM=vt100 and the "mono" theme show. Attributes only, chosen
 * so that every distinction the screens make survives without colour. */
static const attr_t mono_attrs[R_COUNT] = {
    [R_NORMAL] = A_NORMAL,
    [R_DIM] = A_DIM,
    [R_TITLE] = A_BOLD,
    [R_BORDER] = A_NORMAL,
    [R_TAB] = A_NORMAL,
    [R_TAB_ACTIVE] = A_REVERSE | A_BOLD,
    [R_KEY] = A_BOLD,
    [R_ERROR] = A_BOLD | A_UNDERLINE,
    [R_WARN] = A_BOLD,
    [R_GOOD] = A_NORMAL,
    [R_CURSOR] = A_REVERSE,
    [R_MARKED] = A_BOLD,
    [R_AXIS] = A_NORMAL,
    [R_SERIES0] = A_BOLD,
    [R_SERIES1] = A_NORMAL,
    [R_SERIES2] = A_BOLD,
    [R_SERIES3] = A_NORMAL,
    [R_SERIES4] = A_BOLD,
    [R_SERIES5] = A_NORMAL,
    [R_SERIES6] = A_BOLD,
    [R_SERIES7] = A_NORMAL,
    [R_TOK_MATCH] = A_NORMAL,
    [R_TOK_DIVERGED] = A_UNDERLINE,
    [R_TOK_RETRACTED] = A_DIM,
    [R_TOK_REPLACEMENT] = A_BOLD | A_UNDERLINE,
    [R_TOK_FIRST_DIV] = A_REVERSE,
    [R_KIND_PAD] = A_DIM,
    [R_KIND_PROMPT] = A_DIM,
    [R_KIND_TRUTH] = A_NORMAL,
    [R_KIND_SELFGEN] = A_BOLD | A_UNDERLINE,
    [R_KIND_CORR] = A_REVERSE,
    [R_LOSS] = A_UNDERLINE,
};

static const Theme themes[] = {
    {"default",
     0,
     {
         [R_NORMAL] = {D, D, 0},
         [R_DIM] = {D, D, A_DIM},
         [R_TITLE] = {COLOR_CYAN, D, A_BOLD},
         [R_BORDER] = {COLOR_BLUE, D, 0},
         [R_TAB] = {D, D, 0},
         [R_TAB_ACTIVE] = {COLOR_BLACK, COLOR_CYAN, A_BOLD},
         [R_KEY] = {COLOR_CYAN, D, A_BOLD},
         [R_ERROR] = {COLOR_RED, D, A_BOLD},
         [R_WARN] = {COLOR_YELLOW, D, 0},
         [R_GOOD] = {COLOR_GREEN, D, 0},
         [R_CURSOR] = {COLOR_BLACK, COLOR_CYAN, 0},
         [R_MARKED] = {COLOR_YELLOW, D, A_BOLD},
         [R_AXIS] = {D, D, A_DIM},
         [R_SERIES0] = {COLOR_CYAN, D, 0},
         [R_SERIES1] = {COLOR_YELLOW, D, 0},
         [R_SERIES2] = {COLOR_MAGENTA, D, 0},
         [R_SERIES3] = {COLOR_GREEN, D, 0},
         [R_SERIES4] = {COLOR_BLUE, D, A_BOLD},
         [R_SERIES5] = {COLOR_RED, D, 0},
         [R_SERIES6] = {COLOR_WHITE, D, 0},
         [R_SERIES7] = {COLOR_CYAN, D, A_BOLD},
         [R_TOK_MATCH] = {COLOR_GREEN, D, 0},
         [R_TOK_DIVERGED] = {COLOR_RED, D, A_BOLD},
         [R_TOK_RETRACTED] = {COLOR_RED, D, A_DIM},
         [R_TOK_REPLACEMENT] = {COLOR_BLACK, COLOR_YELLOW, 0},
         [R_TOK_FIRST_DIV] = {COLOR_WHITE, COLOR_RED, A_BOLD},
         [R_KIND_PAD] = {D, D, A_DIM},
         [R_KIND_PROMPT] = {D, D, A_DIM},
         [R_KIND_TRUTH] = {COLOR_GREEN, D, 0},
         [R_KIND_SELFGEN] = {COLOR_MAGENTA, D, A_BOLD},
         [R_KIND_CORR] = {COLOR_BLACK, COLOR_YELLOW, 0},
         [R_LOSS] = {D, D, A_UNDERLINE},
     }},
    {"bright",
     0,
     {
         [R_NORMAL] = {D, D, 0},
         [R_DIM] = {D, D, A_DIM},
         [R_TITLE] = {COLOR_YELLOW, D, A_BOLD},
         [R_BORDER] = {COLOR_MAGENTA, D, 0},
         [R_TAB] = {D, D, A_BOLD},
         [R_TAB_ACTIVE] = {COLOR_BLACK, COLOR_YELLOW, A_BOLD},
         [R_KEY] = {COLOR_YELLOW, D, A_BOLD},
         [R_ERROR] = {COLOR_WHITE, COLOR_RED, A_BOLD},
         [R_WARN] = {COLOR_YELLOW, D, A_BOLD},
         [R_GOOD] = {COLOR_GREEN, D, A_BOLD},
         [R_CURSOR] = {COLOR_BLACK, COLOR_YELLOW, 0},
         [R_MARKED] = {COLOR_CYAN, D, A_BOLD},
         [R_AXIS] = {D, D, 0},
         [R_SERIES0] = {COLOR_GREEN, D, A_BOLD},
         [R_SERIES1] = {COLOR_MAGENTA, D, A_BOLD},
         [R_SERIES2] = {COLOR_CYAN, D, A_BOLD},
         [R_SERIES3] = {COLOR_YELLOW, D, A_BOLD},
         [R_SERIES4] = {COLOR_RED, D, A_BOLD},
         [R_SERIES5] = {COLOR_BLUE, D, A_BOLD},
         [R_SERIES6] = {COLOR_WHITE, D, A_BOLD},
         [R_SERIES7] = {COLOR_GREEN, D, 0},
         [R_TOK_MATCH] = {COLOR_GREEN, D, A_BOLD},
         [R_TOK_DIVERGED] = {COLOR_RED, D, A_BOLD},
         [R_TOK_RETRACTED] = {COLOR_RED, D, A_DIM},
         [R_TOK_REPLACEMENT] = {COLOR_BLACK, COLOR_GREEN, A_BOLD},
         [R_TOK_FIRST_DIV] = {COLOR_WHITE, COLOR_RED, A_BOLD},
         [R_KIND_PAD] = {D, D, A_DIM},
         [R_KIND_PROMPT] = {D, D, A_DIM},
         [R_KIND_TRUTH] = {COLOR_GREEN, D, A_BOLD},
         [R_KIND_SELFGEN] = {COLOR_MAGENTA, D, A_BOLD},
         [R_KIND_CORR] = {COLOR_BLACK, COLOR_GREEN, A_BOLD},
         [R_LOSS] = {D, D, A_UNDERLINE},
     }},
    {"mono", 1, {{0, 0, 0}}},
};

#undef D

enum { THEME_COUNT = (int)(sizeof themes / sizeof *themes) };

static attr_t current[R_COUNT];
static int colored;

int theme_count(void) { return THEME_COUNT; }

const char *theme_name(int i) { return i >= 0 && i < THEME_COUNT ? themes[i].name : "default"; }

int theme_find(const char *name) {
    for (int i = 0; i < THEME_COUNT; i++)
        if (name && strcmp(themes[i].name, name) == 0) return i;
    return -1;
}

void theme_apply(int i) {
    const Theme *t = &themes[i >= 0 && i < THEME_COUNT ? i : 0];
    colored = !t->mono && has_colors() && COLORS >= 8 && COLOR_PAIRS > R_COUNT;
    if (!colored) {
        for (int r = 0; r < R_COUNT; r++) current[r] = mono_attrs[r];
        return;
    }
    /* The terminal's own background where it allows that (as htop does), else black. */
    int default_bg = use_default_colors() == OK;
    for (int r = 0; r < R_COUNT; r++) {
        short fg = t->c[r].fg, bg = t->c[r].bg;
        if (!default_bg) {
            if (fg < 0) fg = COLOR_WHITE;
            if (bg < 0) bg = COLOR_BLACK;
        }
        short pair = (short)(r + 1);
        if (init_pair(pair, fg, bg) == ERR) {
            current[r] = mono_attrs[r];
            continue;
        }
        current[r] = COLOR_PAIR(pair) | t->c[r].extra;
    }
}

int theme_colored(void) { return colored; }

attr_t theme_attr(Role r) { return r >= 0 && r < R_COUNT ? current[r] : A_NORMAL; }

Role theme_series(int i) {
    return (Role)(R_SERIES0 + (i % SERIES_ROLES + SERIES_ROLES) % SERIES_ROLES);
}

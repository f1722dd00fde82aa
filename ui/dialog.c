#include "dialog.h"

#include <ncurses.h>
#include <stdio.h>
#include <string.h>

#include "text.h"
#include "theme.h"
#include "widgets.h"

static void reset(Dialog *d, DialogKind kind, const char *title) {
    memset(d, 0, sizeof *d);
    d->kind = kind;
    snprintf(d->title, sizeof d->title, "%s", title);
}

void dialog_confirm(Dialog *d, const char *title, const char *question, DialogYes yes, void *ctx) {
    reset(d, DLG_CONFIRM, title);
    snprintf(d->text, sizeof d->text, "%s", question);
    d->yes = yes;
    d->ctx = ctx;
}

void dialog_prompt(Dialog *d, const char *title, const char *label, const char *initial,
                   CompleteKind complete, DialogSubmit submit, void *ctx) {
    reset(d, DLG_PROMPT, title);
    snprintf(d->text, sizeof d->text, "%s", label);
    input_set(&d->input, initial ? initial : "");
    d->complete = complete;
    d->submit = submit;
    d->ctx = ctx;
}

void dialog_set_words(Dialog *d, const char *const *words, int n) {
    d->words = words;
    d->n_words = n;
}

void dialog_help(Dialog *d, const char *title, const KeyHelp *keys, int n_keys,
                 const KeyHelp *global, int n_global) {
    reset(d, DLG_HELP, title);
    d->keys = keys;
    d->n_keys = n_keys;
    d->global = global;
    d->n_global = n_global;
}

static void dialog_close(Dialog *d) { d->kind = DLG_NONE; }

int dialog_is_open(const Dialog *d) { return d->kind != DLG_NONE; }

static void complete(Dialog *d) {
    char out[INPUT_CAP];
    int n = d->complete == COMPLETE_PATH
                ? complete_path(d->input.buf, out, sizeof out, &d->comps)
                : complete_word(d->input.buf, d->words, d->n_words, out, sizeof out, &d->comps);
    if (n > 0) input_set(&d->input, out);
    if (n == 0) snprintf(d->err, sizeof d->err, "no completions");
    else d->err[0] = '\0';
}

static void prompt_key(Dialog *d, int key) {
    InputResult r = input_key(&d->input, key);
    if (r == INPUT_CANCEL) {
        dialog_close(d);
    } else if (r == INPUT_COMPLETE) {
        if (d->complete != COMPLETE_NONE) complete(d);
    } else if (r == INPUT_SUBMIT) {
        char text[INPUT_CAP];
        snprintf(text, sizeof text, "%s", d->input.buf);
        d->err[0] = '\0';
        d->comps.n = d->comps.shown = 0;
        Dialog before = *d;
        if (!d->submit || d->submit(d->ctx, text, d->err, sizeof d->err) == 0) {
            /* The callback may have opened another dialog in d: leave that one open. */
            if (d->kind == before.kind && !strcmp(d->title, before.title)) dialog_close(d);
        }
    } else if (r == INPUT_EDITED) {
        d->comps.n = d->comps.shown = 0;
    }
}

void dialog_key(Dialog *d, int key) {
    switch (d->kind) {
    case DLG_NONE: return;
    case DLG_PROMPT: prompt_key(d, key); return;
    case DLG_HELP:
        if (key == KEY_FN(KEY_DOWN) || key == 'j') d->scroll++;
        else if (key == KEY_FN(KEY_UP) || key == 'k') d->scroll--;
        else if (key == KEY_FN(KEY_NPAGE)) d->scroll += 10;
        else if (key == KEY_FN(KEY_PPAGE)) d->scroll -= 10;
        else dialog_close(d);
        if (d->scroll < 0) d->scroll = 0;
        return;
    case DLG_CONFIRM:
        if (key == 'y' || key == 'Y' ||
            ((key == '\n' || key == '\r' || key == KEY_FN(KEY_ENTER)) && d->yes_selected)) {
            DialogYes yes = d->yes;
            void *ctx = d->ctx;
            dialog_close(d);
            if (yes) yes(ctx);
        } else if (key == KEY_FN(KEY_LEFT) || key == KEY_FN(KEY_RIGHT) || key == 'h' ||
                   key == 'l' || key == KEY_TAB) {
            d->yes_selected = !d->yes_selected;
        } else if (key == 'n' || key == 'N' || key == KEY_ESC || key == 'q' || key == '\n' ||
                   key == '\r' || key == KEY_FN(KEY_ENTER)) {
            dialog_close(d);
        }
        return;
    }
}

/* A centred box of h rows and w columns; returns its top-left corner. */
static void frame(const Dialog *d, int rows, int cols, int h, int w, int *y, int *x) {
    if (w > cols - 2) w = cols - 2;
    if (h > rows - 2) h = rows - 2;
    *y = (rows - h) / 2;
    *x = (cols - w) / 2;
    ui_clear_rect(*y, *x, h, w);
    ui_box(*y, *x, h, w, d->title, theme_attr(R_BORDER), theme_attr(R_TITLE));
}

static int wrapped_rows(const char *s, int width) { return *s ? text_wrap(s, width, NULL, 0) : 0; }

static int draw_wrapped(const char *s, int y, int x, int width, int max_rows, attr_t a) {
    return *s ? ui_paragraph(y, x, width, max_rows, s, a) : 0;
}

static void draw_prompt(Dialog *d, int rows, int cols) {
    int w = cols - 4 < 90 ? cols - 4 : 90, inner = w - 4;
    int comp_rows = d->comps.shown > 1 ? (d->comps.shown + 2) / 3 + 1 : 0;
    int h = 5 + wrapped_rows(d->text, inner) + wrapped_rows(d->err, inner) + comp_rows;
    int y, x;
    frame(d, rows, cols, h, w, &y, &x);
    int r = y + 1;
    r += draw_wrapped(d->text, r, x + 2, inner, rows, theme_attr(R_NORMAL));
    input_draw(&d->input, r + 1, x + 2, inner, theme_attr(R_NORMAL) | A_UNDERLINE,
               theme_attr(R_CURSOR));
    r += 3;
    r += draw_wrapped(d->err, r, x + 2, inner, rows - r - 1, theme_attr(R_ERROR));
    if (comp_rows) {
        text_printf(r++, x + 2, inner, theme_attr(R_DIM), "%d matches:", d->comps.n);
        int colw = inner / 3;
        for (int i = 0; i < d->comps.shown && r + i / 3 < y + h - 1; i++)
            text_put0(r + i / 3, x + 2 + (i % 3) * colw, colw - 1, d->comps.names[i],
                      theme_attr(R_NORMAL));
    }
    text_put0(y + h - 1, x + 2, inner, " Enter: OK  Esc: cancel  Tab: complete ",
              theme_attr(R_DIM));
}

static void draw_confirm(const Dialog *d, int rows, int cols) {
    int w = cols - 4 < 64 ? cols - 4 : 64, inner = w - 4;
    int h = 5 + wrapped_rows(d->text, inner);
    int y, x;
    frame(d, rows, cols, h, w, &y, &x);
    int r = y + 1 + draw_wrapped(d->text, y + 1, x + 2, inner, rows, theme_attr(R_NORMAL));
    int bx = x + (w - 20) / 2;
    text_put0(r + 1, bx, 8, " [y]es ", d->yes_selected ? theme_attr(R_CURSOR) : theme_attr(R_KEY));
    text_put0(r + 1, bx + 10, 8, " [n]o ",
              d->yes_selected ? theme_attr(R_KEY) : theme_attr(R_CURSOR));
}

/* One line of the help overlay: a key (or none, for a continued description or a heading)
 * and the part of its description that fits. */
typedef struct {
    const char *key, *text;
    int len; /* bytes of text on this line */
    int heading;
} HelpLine;

enum { HELP_KEY_COLS = 18, HELP_MAX_LINES = 160 };

/* Lays the entries out in width w, each description wrapped under its own column. */
static int help_lines(const Dialog *d, int w, HelpLine *out) {
    int n = 0;
    for (int part = 0; part < 2; part++) {
        const KeyHelp *keys = part ? d->global : d->keys;
        int count = part ? d->n_global : d->n_keys;
        if (part && n + 2 <= HELP_MAX_LINES) {
            out[n++] = (HelpLine){"", "", 0, 0};
            out[n++] = (HelpLine){"", "Everywhere", 10, 1};
        }
        for (int i = 0; i < count; i++) {
            TextSpan spans[8];
            int lines = text_wrap(keys[i].what, w - HELP_KEY_COLS, spans, 8);
            if (lines > 8) lines = 8;
            for (int l = 0; l < lines && n < HELP_MAX_LINES; l++)
                out[n++] = (HelpLine){l == 0 ? keys[i].key : "", keys[i].what + spans[l].start,
                                      spans[l].len, 0};
        }
    }
    return n;
}

static void draw_help(Dialog *d, int rows, int cols) {
    int w = cols - 4 < 104 ? cols - 4 : 104, inner = w - 4;
    HelpLine lines[HELP_MAX_LINES];
    int total = help_lines(d, inner, lines);
    int h = total + 2 < rows - 2 ? total + 2 : rows - 2;
    int visible = h - 2;
    if (d->scroll > total - visible) d->scroll = total - visible > 0 ? total - visible : 0;
    int y, x;
    frame(d, rows, cols, h, w, &y, &x);
    for (int i = 0; i < visible && d->scroll + i < total; i++) {
        const HelpLine *l = &lines[d->scroll + i];
        int r = y + 1 + i;
        if (l->heading) {
            text_put(r, x + 2, inner, l->text, (size_t)l->len, theme_attr(R_TITLE));
            continue;
        }
        text_put0(r, x + 2, HELP_KEY_COLS, l->key, theme_attr(R_KEY));
        text_put(r, x + 2 + HELP_KEY_COLS, inner - HELP_KEY_COLS, l->text, (size_t)l->len,
                 theme_attr(R_NORMAL));
    }
    text_put0(y + h - 1, x + 2, inner,
              total > visible ? " Up/Down: scroll  any other key closes " : " any key closes ",
              theme_attr(R_DIM));
}

void dialog_draw(Dialog *d, int rows, int cols) {
    switch (d->kind) {
    case DLG_NONE: break;
    case DLG_PROMPT: draw_prompt(d, rows, cols); break;
    case DLG_CONFIRM: draw_confirm(d, rows, cols); break;
    case DLG_HELP: draw_help(d, rows, cols); break;
    }
}

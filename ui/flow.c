#include "flow.h"

#include <string.h>

#include "text.h"

void flow_init(Flow *f, int top, int left, int width, int bottom, int skip) {
    *f = (Flow){top, left, width > 1 ? width : 1, bottom, 0, 0, skip};
}

static void flow_newline(Flow *f) {
    f->line++;
    f->col = 0;
}

static void put(Flow *f, const char *s, int len, attr_t a, int struck) {
    int w = text_width(s, (size_t)len);
    if (f->col + w > f->width && f->col > 0) flow_newline(f);
    int y = f->top + f->line - f->skip;
    if (f->line >= f->skip && y < f->bottom) {
        if (struck) text_put_struck(y, f->left + f->col, f->width - f->col, s, (size_t)len, a);
        else text_put(y, f->left + f->col, f->width - f->col, s, (size_t)len, a);
    }
    f->col += w;
}

void flow_text(Flow *f, const char *s, int len, attr_t a, int struck) {
    for (int i = 0; i < len;) {
        unsigned cp;
        int n = (int)text_decode(s + i, (size_t)(len - i), &cp);
        put(f, s + i, n, a, struck);
        if (cp == '\n') flow_newline(f);
        i += n;
    }
}

void flow_text0(Flow *f, const char *s, attr_t a) { flow_text(f, s, (int)strlen(s), a, 0); }

int flow_lines(const Flow *f) { return f->line + (f->col > 0); }

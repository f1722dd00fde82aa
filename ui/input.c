#include "input.h"

#include <stdio.h>
#include <string.h>

#include "keys.h"
#include "text.h"

void input_set(TextInput *in, const char *text) {
    snprintf(in->buf, sizeof in->buf, "%s", text);
    in->len = in->cur = (int)strlen(in->buf);
}

static int prev_char(const TextInput *in, int at) {
    if (at <= 0) return 0;
    at--;
    while (at > 0 && ((unsigned char)in->buf[at] & 0xC0) == 0x80) at--;
    return at;
}

static int next_char(const TextInput *in, int at) {
    if (at >= in->len) return in->len;
    unsigned cp;
    return at + (int)text_decode(in->buf + at, (size_t)(in->len - at), &cp);
}

static void delete_range(TextInput *in, int from, int to) {
    if (to <= from) return;
    memmove(in->buf + from, in->buf + to, (size_t)(in->len - to + 1));
    in->len -= to - from;
    in->cur = from;
}

static int encode_utf8(unsigned cp, char *out) {
    if (cp < 0x80) return out[0] = (char)cp, 1;
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp >= 0xD800 && cp < 0xE000) return 0;
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp > 0x10FFFF) return 0;
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static InputResult insert(TextInput *in, unsigned cp) {
    char enc[4];
    int n = encode_utf8(cp, enc);
    if (n == 0 || in->len + n >= INPUT_CAP) return INPUT_EDITED;
    memmove(in->buf + in->cur + n, in->buf + in->cur, (size_t)(in->len - in->cur + 1));
    memcpy(in->buf + in->cur, enc, (size_t)n);
    in->len += n;
    in->cur += n;
    return INPUT_EDITED;
}

static void delete_word_before(TextInput *in) {
    int at = in->cur;
    while (at > 0 && (in->buf[at - 1] == ' ' || in->buf[at - 1] == '/')) at--;
    while (at > 0 && in->buf[at - 1] != ' ' && in->buf[at - 1] != '/') at--;
    delete_range(in, at, in->cur);
}

InputResult input_key(TextInput *in, int key) {
    switch (key) {
    case '\n':
    case '\r':
    case KEY_FN(KEY_ENTER): return INPUT_SUBMIT;
    case KEY_ESC: return INPUT_CANCEL;
    case KEY_TAB: return INPUT_COMPLETE;
    case KEY_FN(KEY_LEFT): in->cur = prev_char(in, in->cur); return INPUT_EDITED;
    case KEY_FN(KEY_RIGHT): in->cur = next_char(in, in->cur); return INPUT_EDITED;
    case KEY_FN(KEY_HOME):
    case KEY_CTRL('a'): in->cur = 0; return INPUT_EDITED;
    case KEY_FN(KEY_END):
    case KEY_CTRL('e'): in->cur = in->len; return INPUT_EDITED;
    case KEY_FN(KEY_BACKSPACE):
    case 127:
    case KEY_CTRL('h'): delete_range(in, prev_char(in, in->cur), in->cur); return INPUT_EDITED;
    case KEY_FN(KEY_DC): delete_range(in, in->cur, next_char(in, in->cur)); return INPUT_EDITED;
    case KEY_CTRL('u'): delete_range(in, 0, in->cur); return INPUT_EDITED;
    case KEY_CTRL('k'): delete_range(in, in->cur, in->len); return INPUT_EDITED;
    case KEY_CTRL('w'): delete_word_before(in); return INPUT_EDITED;
    default: break;
    }
    if (key >= 0x20 && key < 0x110000 && key != 0x7F) return insert(in, (unsigned)key);
    return INPUT_IGNORED;
}

void input_draw(const TextInput *in, int y, int x, int w, attr_t a, attr_t cursor) {
    if (w < 2) return;
    /* Scroll so that the cursor cell fits: drop characters from the left as needed. */
    int start = 0;
    while (start < in->cur && text_width(in->buf + start, (size_t)(in->cur - start)) > w - 1)
        start = next_char(in, start);
    int used = text_put(y, x, w, in->buf + start, (size_t)(in->len - start), a);
    for (int i = used; i < w; i++) (void)mvaddch(y, x + i, ' ' | a);
    int cx = x + text_width(in->buf + start, (size_t)(in->cur - start));
    if (cx >= x + w) return;
    if (in->cur < in->len) {
        int nxt = next_char(in, in->cur);
        text_put(y, cx, w - (cx - x), in->buf + in->cur, (size_t)(nxt - in->cur), cursor);
    } else {
        (void)mvaddch(y, cx, ' ' | cursor);
    }
}

#include "task_gen.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int rand_int(Rng *r, int lo, int hi) { return lo + (int)rng_below(r, (unsigned)(hi - lo + 1)); }

void slots_clear(Slots *s) { s->n = 0; }

static Slot *slot_for(Slots *s, const char *key) {
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->slot[i].key, key) == 0) return &s->slot[i];
    assert(s->n < SLOT_MAX && strlen(key) < SLOT_KEY);
    Slot *slot = &s->slot[s->n++];
    strcpy(slot->key, key);
    return slot;
}

void slot_set(Slots *s, const char *key, const char *value) {
    assert(strlen(value) < SLOT_TEXT);
    strcpy(slot_for(s, key)->text, value);
}

void slot_setf(Slots *s, const char *key, const char *fmt, ...) {
    Slot *slot = slot_for(s, key);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(slot->text, sizeof slot->text, fmt, ap);
    va_end(ap);
    assert(n >= 0 && n < SLOT_TEXT);
    (void)n;
}

void slot_int(Slots *s, const char *key, long value) { slot_setf(s, key, "%ld", value); }

static const char *slot_value(const Slots *s, const char *key, size_t key_len) {
    for (int i = 0; i < s->n; i++)
        if (strlen(s->slot[i].key) == key_len && memcmp(s->slot[i].key, key, key_len) == 0)
            return s->slot[i].text;
    return NULL;
}

const char *slot_get(const Slots *s, const char *key) {
    const char *value = slot_value(s, key, strlen(key));
    assert(value && "slot was not set");
    return value ? value : "";
}

void fill(StrBuf *out, const char *tmpl, const Slots *s) {
    for (;;) {
        const char *open = strchr(tmpl, '{');
        const char *close = open ? strchr(open, '}') : NULL;
        if (!close) break;
        sb_append_n(out, tmpl, (size_t)(open - tmpl));
        const char *value = slot_value(s, open + 1, (size_t)(close - open - 1));
        assert(value && "template names a slot that was not set");
        if (value) sb_append(out, value);
        tmpl = close + 1;
    }
    sb_append(out, tmpl);
}

static void json_quoted(StrBuf *out, const char *s) {
    sb_append(out, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            char esc[3] = {'\\', (char)c, '\0'};
            sb_append(out, esc);
        } else if (c == '\n') {
            sb_append(out, "\\n");
        } else if (c < 0x20) {
            sb_printf(out, "\\u%04x", (unsigned)c);
        } else {
            sb_append_n(out, (const char *)&c, 1);
        }
    }
    sb_append(out, "\"");
}

void json_begin(StrBuf *out) { sb_append(out, "{"); }

static void json_key(StrBuf *out, const char *key) {
    if (out->len > 0 && out->data[out->len - 1] != '{') sb_append(out, ",");
    json_quoted(out, key);
    sb_append(out, ":");
}

void json_string_field(StrBuf *out, const char *key, const char *value) {
    json_key(out, key);
    json_quoted(out, value);
}

void json_list_field(StrBuf *out, const char *key, const char *const *values, int n) {
    json_key(out, key);
    sb_append(out, "[");
    for (int i = 0; i < n; i++) {
        if (i > 0) sb_append(out, ",");
        json_quoted(out, values[i]);
    }
    sb_append(out, "]");
}

void json_end(StrBuf *out) { sb_append(out, "}\n"); }

static const char *const first_heads[] = {
    "Al", "Bri", "Cor",  "Da", "El", "Fen", "Gar", "Hal", "Is",  "Jor", "Ka",  "Lu", "Mor", "Ne",
    "Or", "Pe",  "Quin", "Ro", "Sa", "Tor", "Ul",  "Va",  "Wen", "Yor", "Zan", "Ti", "Mae", "Bel",
};
static const char *const first_tails[] = {
    "ric", "na", "vin", "wyn",  "dor", "lia", "mon", "sa",
    "ten", "ra", "bel", "dric", "ka",  "lo",  "ris", "nel",
};
static const char *const surname_heads[] = {
    "Ash",  "Brim",  "Cald", "Dun",  "Ever", "Fair",  "Glen",  "Hollo", "Iron", "Kess", "Lark",
    "Marr", "North", "Oak",  "Pell", "Rook", "Stave", "Thorn", "Umber", "Vell", "Wick", "Bram",
};
static const char *const surname_tails[] = {
    "well", "wood", "ford", "ley", "mere", "stone", "by", "ton", "brook", "holt", "field", "more",
};
static const char *const town_heads[] = {
    "Bel", "Cas", "Dor", "Esk", "Fal", "Grim", "Hel", "Kil", "Lor",
    "Mar", "Nor", "Pol", "Ros", "Sil", "Tar",  "Ul",  "Ves", "Wyn",
};
static const char *const town_tails[] = {
    "ford", "mouth", "haven", "dale", "wick", "stead", "moor", "bury", "holm", "gate",
};

void invent_person(Rng *r, char *out, size_t cap) {
    const char *a = PICK(r, first_heads), *b = PICK(r, first_tails);
    const char *c = PICK(r, surname_heads), *d = PICK(r, surname_tails);
    snprintf(out, cap, "%s%s %s%s", a, b, c, d);
}

void invent_first_name(Rng *r, char *out, size_t cap) {
    const char *a = PICK(r, first_heads), *b = PICK(r, first_tails);
    snprintf(out, cap, "%s%s", a, b);
}

void invent_town(Rng *r, char *out, size_t cap) {
    const char *a = PICK(r, town_heads), *b = PICK(r, town_tails);
    snprintf(out, cap, "%s%s", a, b);
}

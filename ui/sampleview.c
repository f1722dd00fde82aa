#include "sampleview.h"

#include <cJSON.h>
#include <stdio.h>
#include <string.h>

#include "text.h"
#include "theme.h"

void sample_legend(int y, int cols) {
    int col = 1;
    col += text_put0(y, col, cols - col, " matches ", theme_attr(R_TOK_MATCH));
    col += text_put0(y, col, cols - col, " diverged ", theme_attr(R_TOK_DIVERGED));
    col += text_put0(y, col, cols - col, " first divergence ", theme_attr(R_TOK_FIRST_DIV));
    col += 1;
    if (text_utf8())
        col += text_put_struck(y, col, cols - col, "retracted", 9, theme_attr(R_TOK_RETRACTED));
    else col += text_put0(y, col, cols - col, "[-retracted-]", theme_attr(R_TOK_RETRACTED));
    col += 1;
    text_put0(y, col, cols - col, " replacement ", theme_attr(R_TOK_REPLACEMENT));
}

static attr_t unit_attr(const TvUnit *u) {
    if (u->kind == TV_RETRACTED) return theme_attr(R_TOK_RETRACTED);
    if (u->first_div) return theme_attr(R_TOK_FIRST_DIV);
    if (u->replacement) return theme_attr(R_TOK_REPLACEMENT);
    return theme_attr(u->matches ? R_TOK_MATCH : R_TOK_DIVERGED);
}

void sample_flow_output(Flow *f, const TokenView *tv, const char *raw) {
    int utf8 = text_utf8();
    for (int i = 0; i < tv->n; i++) {
        const TvUnit *u = &tv->u[i];
        if (u->kind == TV_CORR) {
            /* Without UTF-8 the retracted run's closing bracket marks the <corr>. */
            if (utf8) flow_text0(f, "\u232B", theme_attr(R_TOK_RETRACTED));
            continue;
        }
        int starts_run = u->kind == TV_RETRACTED && (i == 0 || tv->u[i - 1].kind != TV_RETRACTED);
        int ends_run =
            u->kind == TV_RETRACTED && (i + 1 == tv->n || tv->u[i + 1].kind != TV_RETRACTED);
        if (!utf8 && starts_run) flow_text0(f, "[-", theme_attr(R_TOK_RETRACTED));
        flow_text(f, raw + u->off, u->len, unit_attr(u), utf8 && u->kind == TV_RETRACTED);
        if (!utf8 && ends_run) flow_text0(f, "-]", theme_attr(R_TOK_RETRACTED));
    }
    if (tv->div_missing)
        flow_text0(f, utf8 ? "\u2205 ends early" : "(ends early)", theme_attr(R_TOK_FIRST_DIV));
}

void sample_flow_reference(Flow *f, const char *ref, int first_div) {
    int len = (int)strlen(ref), unit = 0;
    for (int i = 0; i < len; unit++) {
        unsigned cp;
        int n = (int)text_decode(ref + i, (size_t)(len - i), &cp);
        flow_text(f, ref + i, n, theme_attr(unit == first_div ? R_TOK_FIRST_DIV : R_NORMAL), 0);
        i += n;
    }
}

void sample_corrections_text(const char *json, char *out, size_t cap) {
    out[0] = '\0';
    cJSON *list = cJSON_Parse(json ? json : "[]");
    size_t len = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, list) {
        const cJSON *pos = cJSON_GetObjectItemCaseSensitive(item, "pos");
        const cJSON *ret = cJSON_GetObjectItemCaseSensitive(item, "retracted");
        const cJSON *rep = cJSON_GetObjectItemCaseSensitive(item, "replacement");
        if (len >= cap) break;
        len += (size_t)snprintf(out + len, cap - len, "%sat %d: '%s' -> '%s'", len ? ";  " : "",
                                cJSON_IsNumber(pos) ? pos->valueint : -1,
                                cJSON_IsString(ret) ? ret->valuestring : "?",
                                cJSON_IsString(rep) ? rep->valuestring : "(end)");
    }
    cJSON_Delete(list);
}

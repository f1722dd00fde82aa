/* Datasets: the built-in tasks and recently opened files; any JSONL file opened by path
 * (Tab completes); its layout, size and length statistics, or the FILE:LINE reason it cannot
 * be used; a scrollable preview of its examples as the model sees them (the prompt through
 * its layout's template, then the response). Enter makes it the next run's data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsinfo.h"
#include "screens.h"
#include "data.h"
#include "text.h"
#include "theme.h"
#include "widgets.h"

enum { CACHE = 12, MAX_ENTRIES = 16 };

typedef struct {
    const char *label;           /* task name, or the path */
    const TaskInfo *task;        /* NULL for a file */
    char path[LIMIT_PATH_BYTES]; /* the file previewed (a task's train split) */
} Entry;

typedef struct {
    Entry entries[MAX_ENTRIES];
    int n; /* entries, the last one being "open a file" */
    ListView list;
    DsInfo cache[CACHE];
    int used[CACHE]; /* cache slot in use */
    unsigned age[CACHE], clock;
    int first; /* preview: the first example shown */
    int list_top_row, list_rows, list_cols;
    char search[256];
} DatasetsScreen;

static const KeyHelp datasets_keys[] = {
    {"Up/Down j/k", "choose a dataset (built-in tasks, then recent files)"},
    {"Enter", "train the next run on it (built-ins set data.train, data.val, data.test)"},
    {"o", "open a JSONL file by path (Tab completes; errors show as FILE:LINE: reason)"},
    {"n / p", "preview: next / previous example"},
    {"N / P", "preview: ten examples on / back"},
    {"/", "preview: find the next example containing a text"},
};

static void *datasets_create(Shell *a) {
    (void)a;
    return calloc(1, sizeof(DatasetsScreen));
}

static void datasets_destroy(void *st) {
    DatasetsScreen *d = st;
    for (int i = 0; i < CACHE; i++)
        if (d->used[i]) dsinfo_free(&d->cache[i]);
    free(d);
}

static void build_entries(DatasetsScreen *d, const Shell *a) {
    d->n = 0;
    for (const TaskInfo *t = builtin_tasks; t->name && d->n < MAX_ENTRIES - 1; t++) {
        Entry *e = &d->entries[d->n++];
        e->label = t->name;
        e->task = t;
        if (task_resolve(t->name, "train", e->path, sizeof e->path)) e->path[0] = '\0';
    }
    for (int i = 0; i < a->prefs.n_recent && d->n < MAX_ENTRIES - 1; i++) {
        Entry *e = &d->entries[d->n++];
        e->label = a->prefs.recent[i];
        e->task = NULL;
        snprintf(e->path, sizeof e->path, "%s", a->prefs.recent[i]);
    }
    Entry *open = &d->entries[d->n++];
    open->label = "open a file...";
    open->task = NULL;
    open->path[0] = '\0';
}

static int is_open_entry(const DatasetsScreen *d, int i) { return i == d->n - 1; }

/* The loaded info of path for the current config (layout, context), loading on a miss. */
static DsInfo *info_for(DatasetsScreen *d, const Shell *a, const char *path) {
    const Config *c = &a->cfg;
    int free_slot = -1, oldest = 0;
    for (int i = 0; i < CACHE; i++) {
        if (!d->used[i]) {
            if (free_slot < 0) free_slot = i;
            continue;
        }
        DsInfo *s = &d->cache[i];
        if (strcmp(s->path, path) == 0 && s->context == c->model.context &&
            strcmp(s->tokenizer, c->model.tokenizer) == 0 &&
            (!s->ok || ((int)s->ds.layout == c->data.layout ||
                        (c->data.layout == LAYOUT_AUTO && s->detected)))) {
            d->age[i] = ++d->clock;
            return s;
        }
        if (d->age[i] < d->age[oldest]) oldest = i;
    }
    int slot = free_slot >= 0 ? free_slot : oldest;
    if (d->used[slot]) dsinfo_free(&d->cache[slot]);
    dsinfo_load(&d->cache[slot], path, (Layout)c->data.layout, c->data.keep_calc, c->model.context,
                c->model.tokenizer);
    d->used[slot] = 1;
    d->age[slot] = ++d->clock;
    return &d->cache[slot];
}

static void datasets_enter(void *st, Shell *a) {
    DatasetsScreen *d = st;
    build_entries(d, a);
    list_clamp(&d->list, d->n, d->n);
}

/* A path as the user would type it from here: relative when it lies below the current
 * directory. */
static const char *shown_path(const char *path) {
    static char cwd[LIMIT_PATH_BYTES];
    if (!getcwd(cwd, sizeof cwd)) return path;
    size_t n = strlen(cwd);
    return strncmp(path, cwd, n) == 0 && path[n] == '/' ? path + n + 1 : path;
}

static int in_use(const Entry *e, const Shell *a) {
    const char *train = a->cfg.data.train;
    return e->task ? strcmp(train, e->task->name) == 0
                   : (e->path[0] && strcmp(train, e->path) == 0);
}

/* Training data, with validation and test data following it (config_resolve): a task's own
 * splits, or a share of the file held out and no test data. */
static void use_entry(Shell *a, const Entry *e) {
    char err[600];
    Config next = a->cfg;
    char assignment[4200];
    const char *value = e->task ? e->task->name : e->path;
    snprintf(assignment, sizeof assignment, "data.train=%s", value);
    if (config_set(&next, assignment, err, sizeof err)) {
        shell_status(a, 1, "%s", err);
        return;
    }
    config_unset(&next, "data.val");
    config_unset(&next, "data.test");
    (void)config_resolve(&next, err, sizeof err); /* a conflict shows on the Config screen */
    a->cfg = next;
    shell_status(a, 0, "the next run trains on %s%s (Train screen: Enter starts it)", value,
                 e->task ? "" : ", validating on data.val_fraction of it");
}

/* Drops the cached info of path: an opened file is read again (it may have been fixed). */
static void forget(DatasetsScreen *d, const char *path) {
    for (int i = 0; i < CACHE; i++)
        if (d->used[i] && strcmp(d->cache[i].path, path) == 0) {
            dsinfo_free(&d->cache[i]);
            d->used[i] = 0;
        }
}

static int open_submit(void *ctx, const char *path, char *err, size_t cap) {
    Shell *a = ctx;
    DatasetsScreen *d = a->state[SCR_DATASETS];
    if (!*path) {
        snprintf(err, cap, "type a path");
        return -1;
    }
    forget(d, path);
    DsInfo *info = info_for(d, a, path);
    if (!info->ok) {
        snprintf(err, cap, "%s", info->err);
        shell_status(a, 1, "%s", info->err);
        return -1;
    }
    prefs_add_recent(&a->prefs, path);
    shell_save_prefs(a);
    build_entries(d, a);
    for (int i = 0; i < d->n; i++)
        if (!d->entries[i].task && strcmp(d->entries[i].path, path) == 0) d->list.cursor = i;
    d->first = 0;
    shell_status(a, 0, "%s: %d records (%s); Enter trains the next run on it", path, info->ds.n,
                 layout_name(info->ds.layout));
    return 0;
}

static void open_prompt(Shell *a) {
    dialog_prompt(&a->dlg, "Open dataset",
                  "A JSONL file (one JSON object a line; Tab completes the path):", "",
                  COMPLETE_PATH, open_submit, a);
}

static const DsInfo *current_info(DatasetsScreen *d, const Shell *a) {
    const Entry *e = &d->entries[d->list.cursor];
    if (is_open_entry(d, d->list.cursor) || !e->path[0]) return NULL;
    return info_for(d, a, e->path);
}

static int contains(const Example *e, const char *s) {
    return strstr(e->prompt, s) || strstr(e->response, s);
}

static int search_submit(void *ctx, const char *text, char *err, size_t cap) {
    Shell *a = ctx;
    DatasetsScreen *d = a->state[SCR_DATASETS];
    const DsInfo *info = current_info(d, a);
    if (!info || !info->ok) {
        snprintf(err, cap, "no dataset is shown");
        return -1;
    }
    snprintf(d->search, sizeof d->search, "%s", text);
    for (int i = 1; i <= info->ds.n; i++) {
        int j = (d->first + i) % info->ds.n;
        if (contains(&info->ds.ex[j], text)) {
            d->first = j;
            return 0;
        }
    }
    snprintf(err, cap, "no example contains \"%s\"", text);
    return -1;
}

static void move_preview(DatasetsScreen *d, Shell *a, int by) {
    const DsInfo *info = current_info(d, a);
    if (!info || !info->ok) return;
    d->first += by;
    if (d->first >= info->ds.n) d->first = info->ds.n - 1;
    if (d->first < 0) d->first = 0;
}

static int datasets_key(void *st, Shell *a, int key) {
    DatasetsScreen *d = st;
    int before = d->list.cursor;
    if (list_key(&d->list, key, d->n, d->list_rows > 0 ? d->list_rows : d->n, 0)) {
        if (d->list.cursor != before) d->first = 0;
        return 1;
    }
    switch (key) {
    case '\r':
    case '\n':
    case KEY_FN(KEY_ENTER): {
        if (is_open_entry(d, d->list.cursor)) {
            open_prompt(a);
            return 1;
        }
        const DsInfo *info = current_info(d, a);
        if (info && !info->ok) shell_status(a, 1, "%s", info->err);
        else use_entry(a, &d->entries[d->list.cursor]);
        return 1;
    }
    case 'o': open_prompt(a); return 1;
    case 'n': move_preview(d, a, 1); return 1;
    case 'p': move_preview(d, a, -1); return 1;
    case 'N': move_preview(d, a, 10); return 1;
    case 'P': move_preview(d, a, -10); return 1;
    case '/':
        dialog_prompt(&a->dlg, "Find example", "Text in a prompt or a response:", d->search,
                      COMPLETE_NONE, search_submit, a);
        return 1;
    default: return 0;
    }
}

static void draw_list(DatasetsScreen *d, const Shell *a, int top, int rows, int w) {
    text_put0(top, 1, w, "Datasets", theme_attr(R_TITLE));
    d->list_top_row = top + 1;
    d->list_rows = rows - 1;
    list_clamp(&d->list, d->n, d->list_rows);
    for (int r = 0; r < d->list_rows && d->list.top + r < d->n; r++) {
        int i = d->list.top + r, y = top + 1 + r;
        const Entry *e = &d->entries[i];
        attr_t at = i == d->list.cursor ? theme_attr(R_CURSOR) : theme_attr(R_NORMAL);
        if (i == d->list.cursor)
            for (int x = 1; x <= w; x++) (void)mvaddch(y, x, ' ' | at);
        text_put0(y, 1, 1, in_use(e, a) ? glyphs()->mark : " ", at);
        if (e->task) {
            text_put0(y, 3, 8, e->label, at | A_BOLD);
            text_put0(y, 11, w - 11, e->task->kind, at);
        } else if (is_open_entry(d, i)) {
            text_put0(y, 3, w - 3, "[o] open a file...",
                      at | (i == d->list.cursor ? 0 : theme_attr(R_KEY)));
        } else {
            /* The end of a long path tells files apart best. */
            int lw = text_width0(e->label), room = w - 3;
            const char *shown = e->label;
            while (lw > room && *shown) {
                shown++;
                lw = text_width0(shown);
            }
            text_put0(y, 3, room, shown, at);
        }
    }
}

static void stat_row(int y, int x, int w, const char *name, LenStats s) {
    text_put0(y, x, w, name, theme_attr(R_DIM));
    text_printf(y, x + 18, w - 18, theme_attr(R_NORMAL), "%6d %7d %6d", s.min, s.median, s.max);
}

static int draw_info(const Entry *e, const DsInfo *info, const Shell *a, int y, int x, int w) {
    int r = y;
    int col;
    if (e->task)
        col = text_printf(r, x, w, theme_attr(R_TITLE), "%s - %s (built-in)  ", e->task->name,
                          e->task->kind);
    else col = text_put0(r, x, w, "file  ", theme_attr(R_TITLE));
    if (in_use(e, a))
        text_printf(r, x + col, w - col, theme_attr(R_GOOD), "%s the next run trains on it",
                    glyphs()->mark);
    else text_put0(r, x + col, w - col, "Enter: train the next run on it", theme_attr(R_DIM));
    r++;
    if (e->task) r += ui_paragraph(r, x, w, 2, e->task->description, theme_attr(R_NORMAL));
    text_printf(r++, x, w, theme_attr(R_NORMAL), "path    %s", shown_path(e->path));
    if (!info->ok) {
        text_put0(r++, x, w, "cannot be used:", theme_attr(R_ERROR));
        TextSpan spans[4];
        int n = text_wrap(info->err, w, spans, 4);
        for (int i = 0; i < n && i < 4; i++)
            text_put(r++, x, w, info->err + spans[i].start, (size_t)spans[i].len,
                     theme_attr(R_ERROR));
        return r - y;
    }
    text_printf(r++, x, w, theme_attr(R_NORMAL), "layout  %s (%s, %s)",
                layout_name(info->ds.layout), layout_fields(info->ds.layout),
                info->detected ? "detected" : "from data.layout");
    if (e->task)
        text_printf(r++, x, w, theme_attr(R_NORMAL), "records train %d  val %d  test %d",
                    e->task->sizes[0], e->task->sizes[1], e->task->sizes[2]);
    else text_printf(r++, x, w, theme_attr(R_NORMAL), "records %d", info->ds.n);
    text_printf(r++, x, w, theme_attr(R_NORMAL), "tokens  %s (model.tokenizer)", info->vocab);
    text_put0(r++, x, w, "lengths              min  median    max", theme_attr(R_DIM));
    stat_row(r++, x, w, " prompt chars", info->prompt_chars);
    stat_row(r++, x, w, " response chars", info->response_chars);
    stat_row(r++, x, w, " prompt tokens", info->prompt_tokens);
    stat_row(r++, x, w, " response tokens", info->response_tokens);
    stat_row(r++, x, w, " sequence tokens", info->seq_tokens);
    text_printf(r++, x, w, theme_attr(info->too_long ? R_WARN : R_DIM),
                "longer than model.context %d: %d (dropped for training)", info->context,
                info->too_long);
    return r - y;
}

/* Draws as many examples as fit from d->first on. */
static void draw_preview(DatasetsScreen *d, const DsInfo *info, int y, int x, int h, int w) {
    ui_rule(y, x, w, theme_attr(R_BORDER));
    text_printf(y, x + 2, w - 4, theme_attr(R_TITLE), " preview: example %d of %d (n/p) ",
                d->first + 1, info->ds.n);
    int r = y + 1, end = y + h;
    TextSpan spans[64];
    for (int i = d->first; i < info->ds.n && r < end; i++) {
        const Example *ex = &info->ds.ex[i];
        text_printf(r++, x, w, theme_attr(R_DIM), "#%d  (line %d)", i + 1, ex->line);
        const char *parts[2] = {ex->prompt, ex->response};
        for (int p = 0; p < 2 && r < end; p++) {
            int n = text_wrap(parts[p], w - 10, spans, 64);
            text_put0(r, x, 9, p == 0 ? " prompt" : " response",
                      theme_attr(p == 0 ? R_KIND_PROMPT : R_KIND_TRUTH) | A_BOLD);
            for (int l = 0; l < n && l < 64 && r < end; l++, r++)
                text_put(r, x + 10, w - 10, parts[p] + spans[l].start, (size_t)spans[l].len,
                         theme_attr(p == 0 ? R_NORMAL : R_KIND_TRUTH));
        }
    }
}

static void datasets_draw(void *st, Shell *a, int top, int rows, int cols) {
    DatasetsScreen *d = st;
    if (d->n == 0) build_entries(d, a);
    int lw = cols >= 100 ? 32 : 24;
    d->list_cols = lw;
    draw_list(d, a, top, rows, lw);
    ui_vrule(top, lw + 2, rows, theme_attr(R_BORDER));
    int x = lw + 4, w = cols - x - 1;
    const Entry *e = &d->entries[d->list.cursor];
    if (is_open_entry(d, d->list.cursor)) {
        text_put0(top + 1, x, w,
                  "Enter or o opens a JSONL file: it is checked as training would load it,",
                  theme_attr(R_NORMAL));
        text_put0(top + 2, x, w, "then listed here with its layout, lengths and a preview.",
                  theme_attr(R_NORMAL));
        text_put0(top + 4, x, w,
                  "Layouts: prompt/response, question/answer (GSM8K), instruction/input/output,",
                  theme_attr(R_DIM));
        text_put0(top + 5, x, w, "document/summary, context/question/answers (SQuAD).",
                  theme_attr(R_DIM));
        return;
    }
    const DsInfo *info = current_info(d, a);
    if (!info) return;
    int used = draw_info(e, info, a, top, x, w);
    if (info->ok) draw_preview(d, info, top + used, x, rows - used, w);
}

static void datasets_click(void *st, Shell *a, int y, int x, int wheel) {
    DatasetsScreen *d = st;
    if (wheel) {
        move_preview(d, a, wheel);
        return;
    }
    int row = y - d->list_top_row;
    if (x <= d->list_cols + 1 && row >= 0 && row < d->list_rows && d->list.top + row < d->n) {
        if (d->list.cursor != d->list.top + row) d->first = 0;
        d->list.cursor = d->list.top + row;
    }
}

const Screen screen_datasets = {
    .title = "Datasets",
    .create = datasets_create,
    .destroy = datasets_destroy,
    .enter = datasets_enter,
    .draw = datasets_draw,
    .key = datasets_key,
    .click = datasets_click,
    .keys = datasets_keys,
    .n_keys = (int)(sizeof datasets_keys / sizeof *datasets_keys),
    .hint = "Enter use for the next run  o open a file  n/p preview  / find",
};

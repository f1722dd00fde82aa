/* Runs: every run of the store in a sortable, filterable table; Space selects several to
 * overlay their curves, compare their metrics and diff their configs (runs_panes.c);
 * rename, tag, delete, resume, and open a run's samples on the Corrections screen. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runs_panes.h"
#include "screens.h"
#include "text.h"
#include "theme.h"
#include "widgets.h"

enum { C_ID, C_NAME, C_STATUS, C_METHOD, C_DATA, C_STEP, C_CREATED, C_TAGS, N_COLS };

static const struct {
    const char *title;
    int width; /* 0: the name takes what the others leave */
} columns[N_COLS] = {
    {"id", 5}, {"name", 0}, {"status", 11}, {"method", 8}, {"data", 10}, {"step", 11},
    {"created", 11}, {"tags", 14},
};

/* The name column never gets narrower than this; the tags give way first. */
enum { MIN_NAME = 16 };

typedef struct {
    RunRow *runs;
    int n;
    int *order;          /* rows shown: filtered, sorted */
    int n_order;
    ListView list;
    int sort, desc;
    char filter[256];
    int64_t sel[PANE_RUNS];
    int n_sel;
    double listed_at;
    char msg[1024];
    RunsPanes *panes;
    int header_row, first_row, rows_shown;
    int col_x[N_COLS + 1];
} RunsScreen;

static const KeyHelp runs_keys_help[] = {
    {"Up/Down j/k", "move (PgUp/PgDn, Home/End, g/G)"},
    {"Space", "select / unselect the run for the panes below (up to 8)"},
    {"u", "unselect all"},
    {"< / >  I", "sort by the previous / next column; I reverses (or click a header)"},
    {"/", "filter: runs whose name, status, method, data or tags contain a text"},
    {"Enter", "show the run's evaluation samples (Corrections)"},
    {"R", "rename the run"},
    {"T", "set its tags (comma-separated)"},
    {"D", "delete the run, its rows and checkpoint files (asks first)"},
    {"r", "resume a stopped or interrupted run in this session"},
    {"v", "lower pane: curves, compare, config diff"},
    {"m / M", "next / previous metric of the curves"},
    {"a", "compare the runs at a chosen step"},
    {"[ / ]", "scroll the config diff"},
};

static void *runs_create(App *a) {
    (void)a;
    RunsScreen *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    if (!(r->panes = panes_new())) {
        free(r);
        return NULL;
    }
    r->sort = C_ID;
    r->desc = 1;
    return r;
}

static void free_runs(RunsScreen *r) {
    for (int i = 0; i < r->n; i++) run_row_free(&r->runs[i]);
    free(r->runs);
    free(r->order);
    r->runs = NULL;
    r->order = NULL;
    r->n = r->n_order = 0;
}

static void runs_destroy(void *st) {
    RunsScreen *r = st;
    free_runs(r);
    panes_free(r->panes);
    free(r);
}

static int contains_folded(const char *hay, const char *needle) {
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++) {
        size_t i = 0;
        while (i < n && p[i] && tolower((unsigned char)p[i]) == tolower((unsigned char)needle[i])) i++;
        if (i == n) return 1;
    }
    return n == 0;
}

static int matches(const RunRow *row, const char *f) {
    return !*f || contains_folded(row->name, f) || contains_folded(row->status, f) ||
           contains_folded(row->method, f) || contains_folded(row->dataset, f) ||
           contains_folded(row->tags, f);
}

/* qsort has no context argument: the comparison reads the screen being sorted from here. */
static const RunsScreen *sorting;

static int compare_rows(const void *pa, const void *pb) {
    const RunRow *a = &sorting->runs[*(const int *)pa], *b = &sorting->runs[*(const int *)pb];
    int c = 0;
    switch (sorting->sort) {
    case C_ID: c = (a->id > b->id) - (a->id < b->id); break;
    case C_NAME: c = strcmp(a->name, b->name); break;
    case C_STATUS: c = strcmp(a->status, b->status); break;
    case C_METHOD: c = strcmp(a->method, b->method); break;
    case C_DATA: c = strcmp(a->dataset, b->dataset); break;
    case C_STEP: c = (a->step > b->step) - (a->step < b->step); break;
    case C_CREATED: c = (a->created > b->created) - (a->created < b->created); break;
    default: c = strcmp(a->tags, b->tags); break;
    }
    if (c == 0) c = (a->id > b->id) - (a->id < b->id);
    return sorting->desc ? -c : c;
}

static int64_t cursor_id(const RunsScreen *r) {
    return r->n_order > 0 && r->list.cursor < r->n_order ? r->runs[r->order[r->list.cursor]].id : 0;
}

static void arrange(RunsScreen *r) {
    int64_t keep = cursor_id(r);
    r->n_order = 0;
    for (int i = 0; i < r->n; i++)
        if (matches(&r->runs[i], r->filter)) r->order[r->n_order++] = i;
    sorting = r;
    qsort(r->order, (size_t)r->n_order, sizeof *r->order, compare_rows);
    sorting = NULL;
    for (int i = 0; i < r->n_order; i++)
        if (r->runs[r->order[i]].id == keep) r->list.cursor = i;
}

static void forget_missing_selections(RunsScreen *r) {
    int n = 0;
    for (int i = 0; i < r->n_sel; i++)
        for (int k = 0; k < r->n; k++)
            if (r->runs[k].id == r->sel[i]) {
                r->sel[n++] = r->sel[i];
                break;
            }
    r->n_sel = n;
}

static void reload(RunsScreen *r, App *a) {
    int64_t keep = cursor_id(r);
    free_runs(r);
    r->msg[0] = '\0';
    r->listed_at = app_now();
    Store *s = app_store(a);
    if (!s) {
        snprintf(r->msg, sizeof r->msg, "%s: %.900s", a->store_missing ? "No runs yet" : "No runs to show",
                 a->store_err);
        return;
    }
    if (store_list_runs(s, &r->runs, &r->n)) {
        snprintf(r->msg, sizeof r->msg, "cannot list the runs: %s", store_error(s));
        app_store_reset(a);
        return;
    }
    r->order = malloc((size_t)(r->n > 0 ? r->n : 1) * sizeof *r->order);
    if (!r->order) {
        free_runs(r);
        snprintf(r->msg, sizeof r->msg, "out of memory");
        return;
    }
    arrange(r);
    for (int i = 0; i < r->n_order; i++)
        if (r->runs[r->order[i]].id == keep) r->list.cursor = i;
    forget_missing_selections(r);
    panes_invalidate(r->panes);
}

static void runs_enter(void *st, App *a) { reload(st, a); }

static const RunRow *find_run(const RunsScreen *r, int64_t id) {
    for (int i = 0; i < r->n; i++)
        if (r->runs[i].id == id) return &r->runs[i];
    return NULL;
}

static int selected(const RunsScreen *r, int64_t id) {
    for (int i = 0; i < r->n_sel; i++)
        if (r->sel[i] == id) return 1;
    return 0;
}

/* The runs the panes show: the selection, or the run under the cursor. */
static void feed_panes(RunsScreen *r) {
    PaneRun pr[PANE_RUNS];
    int n = 0;
    int64_t ids[PANE_RUNS];
    int count = r->n_sel;
    memcpy(ids, r->sel, sizeof ids);
    if (count == 0 && cursor_id(r)) ids[count++] = cursor_id(r);
    for (int i = 0; i < count; i++) {
        const RunRow *row = find_run(r, ids[i]);
        if (!row) continue;
        pr[n].id = row->id;
        snprintf(pr[n].name, sizeof pr[n].name, "%s", row->name);
        snprintf(pr[n].status, sizeof pr[n].status, "%s", row->status);
        pr[n].config_json = row->config_json;
        n++;
    }
    panes_set_runs(r->panes, pr, n);
}

/* ---- drawing ---- */

static void layout_columns(RunsScreen *r, int cols) {
    int fixed = 0;
    for (int c = 0; c < N_COLS; c++) fixed += columns[c].width + 1;
    int name = cols - 3 - fixed - 1;
    if (name < MIN_NAME) name = MIN_NAME;
    int x = 3;
    for (int c = 0; c < N_COLS; c++) {
        r->col_x[c] = x;
        x += (columns[c].width ? columns[c].width : name) + 1;
    }
    r->col_x[N_COLS] = x;
}

static int column_width(const RunsScreen *r, int c, int cols) {
    int w = r->col_x[c + 1] - r->col_x[c] - 1;
    if (r->col_x[c] + w > cols - 1) w = cols - 1 - r->col_x[c];
    return w;
}

static void cell_text(const RunRow *row, int c, char *out, size_t cap) {
    switch (c) {
    case C_ID: snprintf(out, cap, "%lld", (long long)row->id); break;
    case C_NAME: snprintf(out, cap, "%s", row->name); break;
    case C_STATUS: snprintf(out, cap, "%s", row->status); break;
    case C_METHOD: snprintf(out, cap, "%s", row->method); break;
    case C_DATA: {
        const char *slash = strrchr(row->dataset, '/');
        snprintf(out, cap, "%s", slash ? slash + 1 : row->dataset);
        break;
    }
    case C_STEP: snprintf(out, cap, "%lld/%lld", (long long)row->step, (long long)row->steps); break;
    case C_CREATED: {
        time_t t = (time_t)row->created;
        struct tm tm;
        if (localtime_r(&t, &tm)) strftime(out, cap, "%m-%d %H:%M", &tm);
        else snprintf(out, cap, "?");
        break;
    }
    default: snprintf(out, cap, "%s", row->tags); break;
    }
}

static Role status_role(const char *status) {
    if (!strcmp(status, "completed")) return R_GOOD;
    if (!strcmp(status, "running")) return R_SERIES0;
    if (!strcmp(status, "failed")) return R_ERROR;
    return R_WARN;
}

static void draw_header(RunsScreen *r, int y, int cols) {
    r->header_row = y;
    for (int c = 0; c < N_COLS; c++) {
        char t[32];
        snprintf(t, sizeof t, "%s%s", columns[c].title,
                 c == r->sort ? (r->desc ? glyphs()->down : glyphs()->up) : "");
        text_put0(y, r->col_x[c], column_width(r, c, cols), t, c == r->sort ? theme_attr(R_TITLE) : theme_attr(R_DIM));
    }
}

static void draw_table(RunsScreen *r, int top, int rows, int cols) {
    layout_columns(r, cols);
    draw_header(r, top, cols);
    r->first_row = top + 1;
    r->rows_shown = rows - 1;
    list_clamp(&r->list, r->n_order, r->rows_shown);
    for (int i = 0; i < r->rows_shown && r->list.top + i < r->n_order; i++) {
        int idx = r->list.top + i, y = top + 1 + i;
        const RunRow *row = &r->runs[r->order[idx]];
        int cur = idx == r->list.cursor, sel = selected(r, row->id);
        attr_t base = cur ? theme_attr(R_CURSOR) : sel ? theme_attr(R_MARKED) : theme_attr(R_NORMAL);
        if (cur)
            for (int x = 1; x < cols - 1; x++) (void)mvaddch(y, x, ' ' | base);
        text_put0(y, 1, 1, sel ? glyphs()->mark : " ", base);
        for (int c = 0; c < N_COLS; c++) {
            char t[600];
            cell_text(row, c, t, sizeof t);
            int w = column_width(r, c, cols);
            attr_t at = c == C_STATUS && !cur ? theme_attr(status_role(row->status)) : base;
            text_put0(y, r->col_x[c], w, t, at);
        }
    }
}

static void runs_draw(void *st, App *a, int top, int rows, int cols) {
    RunsScreen *r = st;
    if (app_now() - r->listed_at > 2.0 || (a->run_changes & SES_DONE)) reload(r, a);
    char title[4200];
    snprintf(title, sizeof title, "Runs in %s", a->db_path);
    int col = text_put0(top, 1, cols - 2, title, theme_attr(R_TITLE));
    text_printf(top, 1 + col, cols - 2 - col, theme_attr(R_DIM), "  %d of %d shown%s%s%s  %d selected",
                r->n_order, r->n, r->filter[0] ? ", filter \"" : "", r->filter,
                r->filter[0] ? "\"" : "", r->n_sel);
    if (r->msg[0] && r->n == 0) {
        text_put0(top + 2, 2, cols - 4, r->msg, theme_attr(R_WARN));
        return;
    }
    if (r->n == 0) {
        text_put0(top + 2, 2, cols - 4, "No runs yet: start one on the Train screen (3).", theme_attr(R_NORMAL));
        return;
    }
    int table_rows = r->n_order + 1 < rows * 2 / 5 ? r->n_order + 1 : rows * 2 / 5;
    if (table_rows < 3) table_rows = 3;
    draw_table(r, top + 1, table_rows, cols);
    feed_panes(r);
    int pane_top = top + 1 + table_rows + 1;
    panes_draw(r->panes, a, pane_top, top + rows - pane_top, cols);
}

/* ---- actions ---- */

static const RunRow *cursor_row(const RunsScreen *r) {
    return r->n_order > 0 ? &r->runs[r->order[r->list.cursor]] : NULL;
}

static void toggle_selection(RunsScreen *r, App *a) {
    int64_t id = cursor_id(r);
    if (!id) return;
    for (int i = 0; i < r->n_sel; i++)
        if (r->sel[i] == id) {
            memmove(&r->sel[i], &r->sel[i + 1], (size_t)(r->n_sel - i - 1) * sizeof *r->sel);
            r->n_sel--;
            return;
        }
    if (r->n_sel == PANE_RUNS) {
        app_status(a, 1, "at most %d runs at a time (u unselects all)", PANE_RUNS);
        return;
    }
    r->sel[r->n_sel++] = id;
}

static int rename_submit(void *ctx, const char *text, char *err, size_t cap) {
    App *a = ctx;
    RunsScreen *r = a->state[SCR_RUNS];
    Store *s = app_store(a);
    int64_t id = cursor_id(r);
    if (!s || !id) {
        snprintf(err, cap, "%s", s ? "no run" : a->store_err);
        return -1;
    }
    if (store_rename_run(s, id, text)) {
        snprintf(err, cap, "%s", store_error(s));
        return -1;
    }
    app_status(a, 0, "run %lld renamed to %s", (long long)id, text);
    reload(r, a);
    return 0;
}

static int tags_submit(void *ctx, const char *text, char *err, size_t cap) {
    App *a = ctx;
    RunsScreen *r = a->state[SCR_RUNS];
    Store *s = app_store(a);
    int64_t id = cursor_id(r);
    if (!s || !id) {
        snprintf(err, cap, "%s", s ? "no run" : a->store_err);
        return -1;
    }
    if (store_set_tags(s, id, text)) {
        snprintf(err, cap, "%s", store_error(s));
        return -1;
    }
    app_status(a, 0, "run %lld tagged \"%s\"", (long long)id, text);
    reload(r, a);
    return 0;
}

/* Deletes the run's checkpoint files inside its own directory, then the directory when that
 * leaves it empty; never anything outside it. */
static void remove_run_files(Store *s, int64_t id, const CheckpointRow *ck, int n) {
    char run_dir[4096], dir[PATH_MAX], file[PATH_MAX];
    store_run_dir(s, id, run_dir, sizeof run_dir);
    if (!realpath(run_dir, dir)) return;
    size_t len = strlen(dir);
    for (int i = 0; i < n; i++)
        if (realpath(ck[i].path, file) && strncmp(file, dir, len) == 0 && file[len] == '/')
            (void)unlink(file);
    (void)rmdir(dir);
}

static void delete_confirmed(void *ctx) {
    App *a = ctx;
    RunsScreen *r = a->state[SCR_RUNS];
    Store *s = app_store(a);
    int64_t id = cursor_id(r);
    if (!s || !id) return;
    CheckpointRow *ck = NULL;
    int n = 0;
    if (store_checkpoints(s, id, &ck, &n) || store_delete_run(s, id)) {
        app_status(a, 1, "run %lld not deleted: %s", (long long)id, store_error(s));
    } else {
        remove_run_files(s, id, ck, n);
        app_status(a, 0, "run %lld deleted", (long long)id);
        if (a->focus_run == id) a->focus_run = 0;
    }
    for (int i = 0; i < n; i++) checkpoint_row_free(&ck[i]);
    free(ck);
    reload(r, a);
}

static void ask_delete(RunsScreen *r, App *a) {
    const RunRow *row = cursor_row(r);
    if (!row) return;
    if (strcmp(row->status, "running") == 0) {
        app_status(a, 1, "run %lld is running: stop it first", (long long)row->id);
        return;
    }
    char q[400];
    snprintf(q, sizeof q, "Delete run %lld (%s) with its metrics, samples and checkpoint files?",
             (long long)row->id, row->name);
    dialog_confirm(&a->dlg, "Delete run", q, delete_confirmed, a);
}

static void resume(RunsScreen *r, App *a) {
    const RunRow *row = cursor_row(r);
    if (!row) return;
    if (strcmp(row->status, "stopped") != 0 && strcmp(row->status, "interrupted") != 0) {
        app_status(a, 1, "run %lld is %s: only stopped or interrupted runs resume", (long long)row->id,
                   row->status);
        return;
    }
    if (app_start_run(a, row->id) == 0) app_show(a, SCR_TRAIN);
}

static int filter_submit(void *ctx, const char *text, char *err, size_t cap) {
    (void)err, (void)cap;
    App *a = ctx;
    RunsScreen *r = a->state[SCR_RUNS];
    snprintf(r->filter, sizeof r->filter, "%s", text);
    arrange(r);
    return 0;
}

static int runs_key(void *st, App *a, int key) {
    RunsScreen *r = st;
    if (list_key(&r->list, key, r->n_order, r->rows_shown > 0 ? r->rows_shown : 10, 1)) return 1;
    const RunRow *row = cursor_row(r);
    switch (key) {
    case ' ': toggle_selection(r, a); return 1;
    case 'u': r->n_sel = 0; return 1;
    case '<': r->sort = (r->sort + N_COLS - 1) % N_COLS; arrange(r); return 1;
    case '>': r->sort = (r->sort + 1) % N_COLS; arrange(r); return 1;
    case 'I': r->desc = !r->desc; arrange(r); return 1;
    case '/':
        dialog_prompt(&a->dlg, "Filter runs", "Show runs whose name, status, method, data or tags contain (empty: all):",
                      r->filter, COMPLETE_NONE, filter_submit, a);
        return 1;
    case '\r': case '\n': case KEY_FN(KEY_ENTER):
        if (row) {
            a->focus_run = row->id;
            app_show(a, SCR_CORRECTIONS);
        }
        return 1;
    case 'R':
        if (row) dialog_prompt(&a->dlg, "Rename run", "New name:", row->name, COMPLETE_NONE, rename_submit, a);
        return 1;
    case 'T':
        if (row) dialog_prompt(&a->dlg, "Tags", "Tags, comma-separated:", row->tags, COMPLETE_NONE, tags_submit, a);
        return 1;
    case 'D': ask_delete(r, a); return 1;
    case 'r': resume(r, a); return 1;
    default: return panes_key(r->panes, a, key);
    }
}

static void runs_click(void *st, App *a, int y, int x, int wheel) {
    RunsScreen *r = st;
    (void)a;
    if (wheel) {
        r->list.cursor += wheel;
        list_clamp(&r->list, r->n_order, r->rows_shown);
        return;
    }
    if (y == r->header_row) {
        for (int c = N_COLS - 1; c >= 0; c--)
            if (x >= r->col_x[c]) {
                if (r->sort == c) r->desc = !r->desc;
                else r->sort = c;
                arrange(r);
                return;
            }
        return;
    }
    int i = y - r->first_row;
    if (i >= 0 && i < r->rows_shown && r->list.top + i < r->n_order) {
        r->list.cursor = r->list.top + i;
        if (x <= 2) toggle_selection(r, a);
    }
}

const Screen screen_runs = {
    .title = "Runs", .create = runs_create, .destroy = runs_destroy, .enter = runs_enter,
    .draw = runs_draw, .key = runs_key, .click = runs_click, .keys = runs_keys_help,
    .n_keys = (int)(sizeof runs_keys_help / sizeof *runs_keys_help),
    .hint = "Space select  Enter samples  v pane  m metric  < > sort  / filter  R T D",
};

/* Runs: every run of the store in a sortable, filterable table; Space selects several to
 * overlay their curves, compare their metrics and diff their configs (runs_panes.c);
 * rename, tag, delete, resume, and open a run's samples on the Corrections screen. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runlist.h"
#include "runs_panes.h"
#include "screens.h"
#include "text.h"
#include "theme.h"
#include "widgets.h"

/* Column widths; 0: the name takes what the others leave. */
static const int column_width_wanted[RC_COUNT] = {5, 0, 11, 8, 10, 11, 10, 11, 14};

/* The name column never gets narrower than this; the tags give way first. */
enum { MIN_NAME = 16 };

typedef struct {
    RunList list;
    ListView view;
    int64_t sel[PANE_RUNS];
    int n_sel;
    double listed_at;
    char msg[1024];
    RunsPanes *panes;
    int header_row, first_row, rows_shown;
    int col_x[RC_COUNT + 1];
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
    {"r", "resume a stopped or interrupted run here (it trains on the Train screen)"},
    {"f", "warm start from the run: its config goes to the Config screen with train.init_from "
          "set to its latest checkpoint, ready for a method and Enter on Train"},
    {"v", "lower pane: curves, compare, config diff"},
    {"m / M", "next / previous metric of the curves"},
    {"a", "compare the runs at a chosen step"},
    {"[ / ]", "scroll the config diff"},
};

static void *runs_create(Shell *a) {
    (void)a;
    RunsScreen *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    if (!(r->panes = panes_new())) {
        free(r);
        return NULL;
    }
    r->list.sort = RC_ID;
    r->list.desc = 1;
    return r;
}

static void runs_destroy(void *st) {
    RunsScreen *r = st;
    runlist_free(&r->list);
    panes_free(r->panes);
    free(r);
}

static int64_t cursor_id(const RunsScreen *r) {
    const RunRow *row = runlist_shown(&r->list, r->view.cursor);
    return row ? row->id : 0;
}

/* Filters and sorts again, keeping the cursor on the same run. */
static void arrange(RunsScreen *r, Shell *a) {
    int64_t keep = cursor_id(r);
    if (runlist_arrange(&r->list)) shell_status(a, 1, "out of memory");
    int at = runlist_position(&r->list, keep);
    if (at >= 0) r->view.cursor = at;
}

static void forget_missing_selections(RunsScreen *r) {
    int n = 0;
    for (int i = 0; i < r->n_sel; i++)
        if (runlist_find(&r->list, r->sel[i])) r->sel[n++] = r->sel[i];
    r->n_sel = n;
}

static void reload(RunsScreen *r, Shell *a) {
    int64_t keep = cursor_id(r);
    r->msg[0] = '\0';
    r->listed_at = clock_monotonic();
    Store *s = shell_store(a);
    if (!s) {
        runlist_free(&r->list);
        snprintf(r->msg, sizeof r->msg, "%s: %.900s",
                 a->store_missing ? "No runs yet" : "No runs to show", a->store_err);
        return;
    }
    char err[1024];
    if (runlist_load(&r->list, s, err, sizeof err)) {
        snprintf(r->msg, sizeof r->msg, "cannot list the runs: %.900s", err);
        shell_store_reset(a);
        return;
    }
    int at = runlist_position(&r->list, keep);
    if (at >= 0) r->view.cursor = at;
    forget_missing_selections(r);
    panes_invalidate(r->panes);
}

static void runs_enter(void *st, Shell *a) { reload(st, a); }

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
        const RunRow *row = runlist_find(&r->list, ids[i]);
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
    for (int c = 0; c < RC_COUNT; c++) fixed += column_width_wanted[c] + 1;
    int name = cols - 3 - fixed - 1;
    if (name < MIN_NAME) name = MIN_NAME;
    int x = 3;
    for (int c = 0; c < RC_COUNT; c++) {
        r->col_x[c] = x;
        x += (column_width_wanted[c] ? column_width_wanted[c] : name) + 1;
    }
    r->col_x[RC_COUNT] = x;
}

static int column_width(const RunsScreen *r, int c, int cols) {
    int w = r->col_x[c + 1] - r->col_x[c] - 1;
    if (r->col_x[c] + w > cols - 1) w = cols - 1 - r->col_x[c];
    return w;
}

static Role status_role(const char *status) {
    if (!strcmp(status, "completed")) return R_GOOD;
    if (!strcmp(status, "running")) return R_SERIES0;
    if (!strcmp(status, "failed")) return R_ERROR;
    return R_WARN;
}

static void draw_header(RunsScreen *r, int y, int cols) {
    r->header_row = y;
    for (int c = 0; c < RC_COUNT; c++) {
        char t[32];
        int sorted = c == (int)r->list.sort;
        snprintf(t, sizeof t, "%s%s", runlist_column_title((RunColumn)c),
                 sorted ? (r->list.desc ? glyphs()->down : glyphs()->up) : "");
        text_put0(y, r->col_x[c], column_width(r, c, cols), t,
                  sorted ? theme_attr(R_TITLE) : theme_attr(R_DIM));
    }
}

static void draw_table(RunsScreen *r, int top, int rows, int cols) {
    layout_columns(r, cols);
    draw_header(r, top, cols);
    r->first_row = top + 1;
    r->rows_shown = rows - 1;
    list_clamp(&r->view, r->list.n_order, r->rows_shown);
    for (int i = 0; i < r->rows_shown && r->view.top + i < r->list.n_order; i++) {
        int idx = r->view.top + i, y = top + 1 + i;
        const RunRow *row = runlist_shown(&r->list, idx);
        int cur = idx == r->view.cursor, sel = selected(r, row->id);
        attr_t base = cur   ? theme_attr(R_CURSOR)
                      : sel ? theme_attr(R_MARKED)
                            : theme_attr(R_NORMAL);
        if (cur)
            for (int x = 1; x < cols - 1; x++) (void)mvaddch(y, x, ' ' | base);
        text_put0(y, 1, 1, sel ? glyphs()->mark : " ", base);
        for (int c = 0; c < RC_COUNT; c++) {
            char t[600];
            runlist_cell(row, (RunColumn)c, t, sizeof t);
            attr_t at = c == RC_STATUS && !cur ? theme_attr(status_role(row->status)) : base;
            text_put0(y, r->col_x[c], column_width(r, c, cols), t, at);
        }
    }
}

/* Under the table: where the cursor's run started from, and which runs started from it. */
static void draw_lineage(const RunsScreen *r, int y, int cols) {
    const RunRow *row = runlist_shown(&r->list, r->view.cursor);
    if (!row) return;
    char text[1024], from[200];
    size_t len = 0;
    run_row_parent(row, from, sizeof from);
    if (from[0])
        len += (size_t)snprintf(text, sizeof text, "run %lld started from %s%s", (long long)row->id,
                                from,
                                row->parent > 0 && !runlist_find(&r->list, row->parent)
                                    ? " (removed: its record is kept)"
                                    : "");
    else
        len += (size_t)snprintf(text, sizeof text, "run %lld trained from scratch",
                                (long long)row->id);
    int children = 0;
    for (int i = 0; i < r->list.n && len < sizeof text; i++)
        if (r->list.rows[i].parent == row->id)
            len += (size_t)snprintf(
                text + len, sizeof text - len, "%s%lld",
                children++ ? ", " : "; runs started from it: ", (long long)r->list.rows[i].id);
    text_put0(y, 2, cols - 4, text, theme_attr(R_DIM));
}

/* Under the lineage: the machine the cursor's run ran on, "unknown" for runs from before
 * it was recorded. */
static void draw_machine(const RunsScreen *r, int y, int cols) {
    const RunRow *row = runlist_shown(&r->list, r->view.cursor);
    if (!row) return;
    RunMachine m;
    char core[160], text[600];
    run_row_machine(row, &m);
    run_machine_core_text(&m, core, sizeof core);
    if (strcmp(m.cpu, "unknown") == 0 && strcmp(m.blas_core, "unknown") == 0)
        snprintf(text, sizeof text, "machine unknown (not recorded for runs this old)");
    else snprintf(text, sizeof text, "ran on %s; %s; %s core %s", m.cpu, m.features, m.blas, core);
    text_put0(y, 2, cols - 4, text, theme_attr(R_DIM));
}

static void runs_draw(void *st, Shell *a, int top, int rows, int cols) {
    RunsScreen *r = st;
    if (clock_monotonic() - r->listed_at > 2.0 || (a->run_changes & LR_DONE)) reload(r, a);
    char title[4200];
    snprintf(title, sizeof title, "Runs in %s", a->db_path);
    int col = text_put0(top, 1, cols - 2, title, theme_attr(R_TITLE));
    const RunList *l = &r->list;
    text_printf(top, 1 + col, cols - 2 - col, theme_attr(R_DIM),
                "  %d of %d shown%s%s%s  %d selected", l->n_order, l->n,
                l->filter[0] ? ", filter \"" : "", l->filter, l->filter[0] ? "\"" : "", r->n_sel);
    if (r->msg[0] && l->n == 0) {
        text_put0(top + 2, 2, cols - 4, r->msg, theme_attr(R_WARN));
        return;
    }
    if (l->n == 0) {
        text_put0(top + 2, 2, cols - 4, "No runs yet: start one on the Train screen (3).",
                  theme_attr(R_NORMAL));
        return;
    }
    int table_rows = l->n_order + 1 < rows * 2 / 5 ? l->n_order + 1 : rows * 2 / 5;
    if (table_rows < 3) table_rows = 3;
    draw_table(r, top + 1, table_rows, cols);
    draw_lineage(r, top + 1 + table_rows, cols);
    draw_machine(r, top + 2 + table_rows, cols);
    feed_panes(r);
    int pane_top = top + 1 + table_rows + 2;
    panes_draw(r->panes, a, pane_top, top + rows - pane_top, cols);
}

/* ---- actions ---- */

static const RunRow *cursor_row(const RunsScreen *r) {
    return runlist_shown(&r->list, r->view.cursor);
}

static void toggle_selection(RunsScreen *r, Shell *a) {
    int64_t id = cursor_id(r);
    if (!id) return;
    for (int i = 0; i < r->n_sel; i++)
        if (r->sel[i] == id) {
            memmove(&r->sel[i], &r->sel[i + 1], (size_t)(r->n_sel - i - 1) * sizeof *r->sel);
            r->n_sel--;
            return;
        }
    if (r->n_sel == PANE_RUNS) {
        shell_status(a, 1, "at most %d runs at a time (u unselects all)", PANE_RUNS);
        return;
    }
    r->sel[r->n_sel++] = id;
}

typedef int (*RunEdit)(Store *s, int64_t run, const char *text);

/* Applies edit to the run under the cursor and sets *id to it; 0, or -1 with the reason in
 * err. */
static int edit_cursor_run(Shell *a, RunEdit edit, const char *text, int64_t *id, char *err,
                           size_t cap) {
    Store *s = shell_store(a);
    *id = cursor_id(a->state[SCR_RUNS]);
    if (!s || !*id) {
        snprintf(err, cap, "%s", s ? "no run" : a->store_err);
        return -1;
    }
    if (edit(s, *id, text)) {
        snprintf(err, cap, "%s", store_error(s));
        return -1;
    }
    return 0;
}

static int rename_submit(void *ctx, const char *text, char *err, size_t cap) {
    Shell *a = ctx;
    int64_t id;
    if (edit_cursor_run(a, store_rename_run, text, &id, err, cap)) return -1;
    shell_status(a, 0, "run %lld renamed to %s", (long long)id, text);
    reload(a->state[SCR_RUNS], a);
    return 0;
}

static int tags_submit(void *ctx, const char *text, char *err, size_t cap) {
    Shell *a = ctx;
    int64_t id;
    if (edit_cursor_run(a, store_set_tags, text, &id, err, cap)) return -1;
    shell_status(a, 0, "run %lld tagged \"%s\"", (long long)id, text);
    reload(a->state[SCR_RUNS], a);
    return 0;
}

/* Deletes the run's checkpoint files inside its own directory, then the directory when that
 * leaves it empty; never anything outside it. */
static void remove_run_files(Store *s, int64_t id, const CheckpointRow *ck, int n) {
    char run_dir[LIMIT_PATH_BYTES], dir[PATH_MAX], file[PATH_MAX];
    store_run_dir(s, id, run_dir, sizeof run_dir);
    if (!realpath(run_dir, dir)) return;
    size_t len = strlen(dir);
    for (int i = 0; i < n; i++)
        if (realpath(ck[i].path, file) && strncmp(file, dir, len) == 0 && file[len] == '/')
            (void)unlink(file);
    (void)rmdir(dir);
}

static void delete_confirmed(void *ctx) {
    Shell *a = ctx;
    RunsScreen *r = a->state[SCR_RUNS];
    Store *s = shell_store(a);
    int64_t id = cursor_id(r);
    if (!s || !id) return;
    CheckpointRow *ck = NULL;
    int n = 0;
    if (store_checkpoints(s, id, &ck, &n) || store_delete_run(s, id)) {
        shell_status(a, 1, "run %lld not deleted: %s", (long long)id, store_error(s));
    } else {
        remove_run_files(s, id, ck, n);
        shell_status(a, 0, "run %lld deleted", (long long)id);
        if (a->focus_run == id) a->focus_run = 0;
    }
    for (int i = 0; i < n; i++) checkpoint_row_free(&ck[i]);
    free(ck);
    reload(r, a);
}

static void ask_delete(RunsScreen *r, Shell *a) {
    const RunRow *row = cursor_row(r);
    if (!row) return;
    if (strcmp(row->status, "running") == 0) {
        shell_status(a, 1, "run %lld is running: stop it first", (long long)row->id);
        return;
    }
    char q[800], children[300] = "";
    size_t len = 0;
    int n = 0;
    for (int i = 0; i < r->list.n && len < sizeof children; i++)
        if (r->list.rows[i].parent == row->id)
            len += (size_t)snprintf(children + len, sizeof children - len, "%s%lld",
                                    n++ ? ", " : "", (long long)r->list.rows[i].id);
    int at = snprintf(q, sizeof q,
                      "Delete run %lld (%s) with its metrics, samples and checkpoint files?",
                      (long long)row->id, row->name);
    if (n > 0 && at > 0 && (size_t)at < sizeof q)
        snprintf(q + at, sizeof q - (size_t)at,
                 " Run%s %s started from its checkpoints; they keep their weights and their "
                 "record of it.",
                 n == 1 ? "" : "s", children);
    dialog_confirm(&a->dlg, "Delete run", q, delete_confirmed, a);
}

static void resume(RunsScreen *r, Shell *a) {
    const RunRow *row = cursor_row(r);
    if (!row) return;
    if (strcmp(row->status, "stopped") != 0 && strcmp(row->status, "interrupted") != 0) {
        shell_status(a, 1, "run %lld is %s: only stopped or interrupted runs resume",
                     (long long)row->id, row->status);
        return;
    }
    if (shell_start_run(a, row->id) == 0) shell_show(a, SCR_TRAIN);
}

/* The run's config becomes the next run's, starting from the run's latest checkpoint: the
 * model keys follow the checkpoint, and of the rest only those where the run differs from the
 * defaults count as set, so that the keys that follow others (the warm-up, the evaluation and
 * checkpoint intervals, ...) fit the new run's own steps when those change. */
static void warm_start_from(RunsScreen *r, Shell *a) {
    const RunRow *row = cursor_row(r);
    Store *s = shell_store(a);
    if (!row || !s) return;
    int64_t step;
    char path[LIMIT_PATH_BYTES], err[1024], from[80];
    if (store_last_checkpoint(s, row->id, &step, path, sizeof path)) {
        shell_status(a, 1, "run %lld (%s) has no checkpoint to start from", (long long)row->id,
                     row->status);
        return;
    }
    snprintf(from, sizeof from, "train.init_from=%lld:%lld", (long long)row->id, (long long)step);
    Config c;
    config_defaults(&c);
    if (config_apply_json_text(&c, row->config_json, "the run's config", err, sizeof err) ||
        config_set(&c, from, err, sizeof err) ||
        warmstart_adopt_shape(&c, a->db_path, NULL, err, sizeof err)) {
        shell_status(a, 1, "run %lld: %s", (long long)row->id, err);
        return;
    }
    config_unset_derivable(&c);
    (void)config_resolve(&c, err, sizeof err); /* a conflict shows on the Config screen */
    a->cfg = c;
    shell_show(a, SCR_CONFIG);
    shell_status(a, 0,
                 "config of run %lld loaded, starting from its weights at step %lld: pick a method "
                 "(m) and start on Train (3)",
                 (long long)row->id, (long long)step);
}

static int filter_submit(void *ctx, const char *text, char *err, size_t cap) {
    (void)err, (void)cap;
    Shell *a = ctx;
    RunsScreen *r = a->state[SCR_RUNS];
    snprintf(r->list.filter, sizeof r->list.filter, "%s", text);
    arrange(r, a);
    return 0;
}

static int runs_key(void *st, Shell *a, int key) {
    RunsScreen *r = st;
    if (list_key(&r->view, key, r->list.n_order, r->rows_shown > 0 ? r->rows_shown : 10, 1))
        return 1;
    const RunRow *row = cursor_row(r);
    switch (key) {
    case ' ': toggle_selection(r, a); return 1;
    case 'u': r->n_sel = 0; return 1;
    case '<':
        r->list.sort = (RunColumn)((r->list.sort + RC_COUNT - 1) % RC_COUNT);
        arrange(r, a);
        return 1;
    case '>':
        r->list.sort = (RunColumn)((r->list.sort + 1) % RC_COUNT);
        arrange(r, a);
        return 1;
    case 'I':
        r->list.desc = !r->list.desc;
        arrange(r, a);
        return 1;
    case '/':
        dialog_prompt(&a->dlg, "Filter runs",
                      "Show runs whose name, status, method, data or tags contain (empty: all):",
                      r->list.filter, COMPLETE_NONE, filter_submit, a);
        return 1;
    case '\r':
    case '\n':
    case KEY_FN(KEY_ENTER):
        if (row) {
            a->focus_run = row->id;
            shell_show(a, SCR_CORRECTIONS);
        }
        return 1;
    case 'R':
        if (row)
            dialog_prompt(&a->dlg, "Rename run", "New name:", row->name, COMPLETE_NONE,
                          rename_submit, a);
        return 1;
    case 'T':
        if (row)
            dialog_prompt(&a->dlg, "Tags", "Tags, comma-separated:", row->tags, COMPLETE_NONE,
                          tags_submit, a);
        return 1;
    case 'D': ask_delete(r, a); return 1;
    case 'r': resume(r, a); return 1;
    case 'f': warm_start_from(r, a); return 1;
    default: return panes_key(r->panes, a, key);
    }
}

static void runs_click(void *st, Shell *a, int y, int x, int wheel) {
    RunsScreen *r = st;
    if (wheel) {
        r->view.cursor += wheel;
        list_clamp(&r->view, r->list.n_order, r->rows_shown);
        return;
    }
    if (y == r->header_row) {
        for (int c = RC_COUNT - 1; c >= 0; c--)
            if (x >= r->col_x[c]) {
                if ((int)r->list.sort == c) r->list.desc = !r->list.desc;
                else r->list.sort = (RunColumn)c;
                arrange(r, a);
                return;
            }
        return;
    }
    int i = y - r->first_row;
    if (i >= 0 && i < r->rows_shown && r->view.top + i < r->list.n_order) {
        r->view.cursor = r->view.top + i;
        if (x <= 2) toggle_selection(r, a);
    }
}

const Screen screen_runs = {
    .title = "Runs",
    .create = runs_create,
    .destroy = runs_destroy,
    .enter = runs_enter,
    .draw = runs_draw,
    .key = runs_key,
    .click = runs_click,
    .keys = runs_keys_help,
    .n_keys = (int)(sizeof runs_keys_help / sizeof *runs_keys_help),
    .hint = "Space select  Enter samples  f warm start  v pane  m metric  < > sort  / filter",
};

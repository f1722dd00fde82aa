/* The Runs screen's table model: filtering and sorting. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "runlist.h"

static RunList sample_list(void) {
    RunList l = {0};
    l.n = 4;
    l.rows = calloc(4, sizeof *l.rows);
    cr_assert_not_null(l.rows);
    const char *names[] = {"beta", "alpha", "gamma", "Alpha-2"};
    const char *methods[] = {"rac", "baseline", "bash", "rac"};
    for (int i = 0; i < 4; i++) {
        l.rows[i].id = i + 1;
        strcpy(l.rows[i].name, names[i]);
        strcpy(l.rows[i].method, methods[i]);
        strcpy(l.rows[i].status, "completed");
        strcpy(l.rows[i].dataset, "/data/x/train.jsonl");
        l.rows[i].step = 10 * (4 - i);
        l.rows[i].steps = 100;
    }
    return l;
}

Test(ui_runlist, sorts_by_a_column_either_way) {
    RunList l = sample_list();
    l.sort = RC_NAME;
    cr_assert_eq(runlist_arrange(&l), 0);
    cr_assert_eq(l.n_order, 4);
    cr_assert_str_eq(runlist_shown(&l, 0)->name, "Alpha-2");
    cr_assert_str_eq(runlist_shown(&l, 1)->name, "alpha");
    cr_assert_str_eq(runlist_shown(&l, 3)->name, "gamma");
    l.desc = 1;
    l.sort = RC_STEP;
    cr_assert_eq(runlist_arrange(&l), 0);
    cr_assert_eq(runlist_shown(&l, 0)->id, 1);
    cr_assert_eq(runlist_position(&l, 4), 3);
    l.sort = RC_METHOD;
    l.desc = 0;
    cr_assert_eq(runlist_arrange(&l), 0);
    /* Equal methods keep the order of their ids. */
    cr_assert_eq(runlist_shown(&l, 2)->id, 1);
    cr_assert_eq(runlist_shown(&l, 3)->id, 4);
    runlist_free(&l);
}

Test(ui_runlist, filters_case_insensitively) {
    RunList l = sample_list();
    strcpy(l.filter, "ALPHA");
    cr_assert_eq(runlist_arrange(&l), 0);
    cr_assert_eq(l.n_order, 2);
    cr_assert_eq(runlist_position(&l, 3), -1);
    cr_assert_not_null(runlist_find(&l, 3), "filtered out, still in the list");
    strcpy(l.filter, "rac");
    cr_assert_eq(runlist_arrange(&l), 0);
    cr_assert_eq(l.n_order, 2);
    cr_assert_null(runlist_shown(&l, 2));
    runlist_free(&l);
}

Test(ui_runlist, cells) {
    RunList l = sample_list();
    char out[64];
    runlist_cell(&l.rows[0], RC_DATA, out, sizeof out);
    cr_assert_str_eq(out, "x", "the name exposure runs shows: the split's directory");
    runlist_cell(&l.rows[0], RC_STEP, out, sizeof out);
    cr_assert_str_eq(out, "40/100");
    cr_assert_str_eq(runlist_column_title(RC_TAGS), "tags");
    runlist_cell(&l.rows[0], RC_FROM, out, sizeof out);
    cr_assert_str_eq(out, "", "trained from scratch");
    l.rows[1].parent_checkpoint = strdup("runs/3/step-001000.ckpt");
    l.rows[1].parent = 3;
    l.rows[1].parent_step = 1000;
    runlist_cell(&l.rows[1], RC_FROM, out, sizeof out);
    cr_assert_str_eq(out, "3:1000");
    l.rows[2].parent_checkpoint = strdup("/elsewhere/start.ckpt");
    l.rows[2].parent_step = 20;
    runlist_cell(&l.rows[2], RC_FROM, out, sizeof out);
    cr_assert_str_eq(out, "start.ckpt:20", "a file of no run: its name and step");
    cr_assert_str_eq(runlist_column_title(RC_FROM), "from");
    runlist_free(&l);
}

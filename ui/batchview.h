/* The batch inspector: one training sequence of the latest step as the run's method built
 * it (trainer_batch_row), every input token coloured by its kind (prompt, ground truth,
 * self-generated, <corr>), loss positions underlined, and a table of input/target/loss per
 * position. It follows the training live until frozen. */
#ifndef EXPOSURE_UI_BATCHVIEW_H
#define EXPOSURE_UI_BATCHVIEW_H

#include "shell.h"
#include "widgets.h"

typedef struct {
    BatchRowView row;
    int frozen; /* keep showing the same row */
    ListView table;
    int table_rows;
} BatchView;

void batchview_draw(BatchView *b, Shell *a, int top, int rows, int cols);
/* Space freezes/follows, Up/Down scroll the table. Returns 1 when the key was used. */
int batchview_key(BatchView *b, Shell *a, int key);

#endif

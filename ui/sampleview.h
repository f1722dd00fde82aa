/* How an evaluation sample's texts are drawn on the Corrections screen: the output replayed
 * from its raw text (tokview.h), each character coloured by what happened to it, the
 * reference with the first divergence marked, the legend of the colours, and the
 * corrections list in words. */
#ifndef EXPOSURE_UI_SAMPLEVIEW_H
#define EXPOSURE_UI_SAMPLEVIEW_H

#include <stddef.h>

#include "flow.h"
#include "tokview.h"

/* The legend of the colours and marks, on row y. */
void sample_legend(int y, int cols);
/* The output as generated: kept characters green (matching) or red (diverged), the first
 * divergence reversed, retracted ones dim and struck through (bracketed [-x-] without UTF-8),
 * a mark where the model wrote <corr>, the character after a correction highlighted. */
void sample_flow_output(Flow *f, const TokenView *tv, const char *raw);
/* The reference, its character at the output's first divergence reversed. */
void sample_flow_reference(Flow *f, const char *ref, int first_div);
/* The corrections JSON as "at 3: 'x' -> 'y';  ..." (NUL-terminated, truncated to cap). */
void sample_corrections_text(const char *json, char *out, size_t cap);

#endif

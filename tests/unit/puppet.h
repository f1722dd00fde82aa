/* A "puppet" model for decoding tests: its blocks are zeroed so that the logits at position
 * p depend only on the input token and on p, and position p is wired to predict a scripted
 * token. With a prompt of length P, greedy decoding emits script[0], script[1], ... */
#ifndef EXPOSURE_TEST_PUPPET_H
#define EXPOSURE_TEST_PUPPET_H

#include "model.h"

/* Initialises m (context >= P + n, dim 32) to emit script[0..n) after a prompt of length P.
 * At most 32 distinct tokens among the script and prompt together. */
void puppet_init(Model *m, int context, int P, const token_t *script, int n, const token_t *prompt);

#endif

#include "puppet.h"

#include <criterion/criterion.h>
#include <string.h>

/* Each token used gets its own basis vector of the 32 channels. */
static int slot_of(token_t *slots, int *n, token_t t) {
    for (int i = 0; i < *n; i++)
        if (slots[i] == t) return i;
    cr_assert_lt(*n, 32, "puppet: too many distinct tokens");
    slots[*n] = t;
    return (*n)++;
}

void puppet_init(Model *m, int context, int P, const token_t *script, int n,
                 const token_t *prompt) {
    ModelConfig cfg = {.layers = 1, .dim = 32, .heads = 2, .context = context, .vocab = TOK_COUNT};
    cr_assert_eq(model_init(m, &cfg, 4), 0);
    memset(m->params, 0, m->num_params * sizeof(float));
    for (int c = 0; c < 32; c++) m->p.ln1w[c] = m->p.ln2w[c] = m->p.lnfw[c] = 1.0f;
    token_t slots[32];
    int used = 0;
    for (int i = 0; i < P; i++) slot_of(slots, &used, prompt[i]);
    for (int i = 0; i < n; i++) slot_of(slots, &used, script[i]);
    for (int i = 0; i < used; i++) m->p.wte[(size_t)slots[i] * 32 + i] = 1.0f;
    /* The logits at position p predict the token at p + 1, the script's (p + 1 - P)-th. */
    for (int i = 0; i < n; i++)
        m->p.wpe[(size_t)(P - 1 + i) * 32 + slot_of(slots, &used, script[i])] = 10.0f;
}

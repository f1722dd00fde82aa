/* Modal dialogs drawn over the screen: a yes/no question, a text prompt (with Tab completion
 * of paths or words and its error shown in place), a message, and the help overlay. While one
 * is open it takes every key; Esc closes it. Callbacks get the owner's context pointer. */
#ifndef EXPOSURE_UI_DIALOG_H
#define EXPOSURE_UI_DIALOG_H

#include <stddef.h>

#include "complete.h"
#include "input.h"
#include "keys.h"

typedef enum { DLG_NONE, DLG_CONFIRM, DLG_PROMPT, DLG_HELP } DialogKind;
typedef enum { COMPLETE_NONE, COMPLETE_PATH, COMPLETE_WORDS } CompleteKind;

/* Returns 0 to close the prompt, or -1 with the reason in err to keep it open. */
typedef int (*DialogSubmit)(void *ctx, const char *text, char *err, size_t cap);
typedef void (*DialogYes)(void *ctx);

typedef struct {
    DialogKind kind;
    char title[128];
    char text[1024]; /* the question, the message, or the prompt's label */
    char err[1024];
    TextInput input;
    CompleteKind complete;
    const char *const *words;
    int n_words;
    Completions comps;
    int yes_selected; /* confirm: which button Enter presses */
    DialogSubmit submit;
    DialogYes yes;
    void *ctx;
    const KeyHelp *keys, *global;
    int n_keys, n_global, scroll;
} Dialog;

void dialog_confirm(Dialog *d, const char *title, const char *question, DialogYes yes, void *ctx);
void dialog_prompt(Dialog *d, const char *title, const char *label, const char *initial,
                   CompleteKind complete, DialogSubmit submit, void *ctx);
/* Completion words for a COMPLETE_WORDS prompt (kept by pointer). */
void dialog_set_words(Dialog *d, const char *const *words, int n);
void dialog_help(Dialog *d, const char *title, const KeyHelp *keys, int n_keys,
                 const KeyHelp *global, int n_global);
int dialog_is_open(const Dialog *d);

/* Handles a key while the dialog is open (it takes them all). */
void dialog_key(Dialog *d, int key);
void dialog_draw(Dialog *d, int rows, int cols);

#endif

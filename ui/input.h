/* A one-line text field: UTF-8 editing with the usual keys (arrows, Home/End, Backspace,
 * Delete, Ctrl-A/E/U/K/W), drawn scrolled so that the cursor stays in view. */
#ifndef EXPOSURE_UI_INPUT_H
#define EXPOSURE_UI_INPUT_H

#include <ncurses.h>

#define INPUT_CAP 1024

typedef enum {
    INPUT_IGNORED,  /* not a key of the field */
    INPUT_EDITED,   /* the text or the cursor changed */
    INPUT_SUBMIT,   /* Enter */
    INPUT_CANCEL,   /* Esc */
    INPUT_COMPLETE, /* Tab: the owner completes the text */
} InputResult;

typedef struct {
    char buf[INPUT_CAP];
    int len, cur; /* bytes; cur is on a character boundary */
} TextInput;

/* Sets the text and puts the cursor at its end. */
void input_set(TextInput *in, const char *text);
InputResult input_key(TextInput *in, int key);
void input_draw(const TextInput *in, int y, int x, int w, attr_t a, attr_t cursor);

#endif

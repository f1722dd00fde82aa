/* Tab completion for the text prompts: file paths and names from a list (config keys). */
#ifndef EXPOSURE_UI_COMPLETE_H
#define EXPOSURE_UI_COMPLETE_H

#include <stddef.h>

#define COMPLETE_SHOWN 24

typedef struct {
    int n;                           /* matches in total */
    int shown;                       /* how many of them are in names, sorted */
    char names[COMPLETE_SHOWN][128]; /* for display: entry names (directories end in '/') */
} Completions;

/* Completes the last component of a path: out becomes typed extended by what every entry of
 * its directory starting with that component has in common (the whole name, and '/' for a
 * directory, when only one matches). Hidden entries match only a component starting with
 * '.'; a leading "~/" becomes $HOME. Returns the number of matches (out = typed when 0). */
int complete_path(const char *typed, char *out, size_t cap, Completions *c);

/* The same over a list of words (whole words, no directories). */
int complete_word(const char *typed, const char *const *words, int n_words, char *out, size_t cap,
                  Completions *c);

#endif

/* What the task generators (core/data/task_*.c) share: drawing numbers and words, filling
 * sentence templates, and writing JSONL records. Private to the generators and tasks.c.
 *
 * Everything is integer arithmetic on the project RNG, and "%ld" is the only number format,
 * so the output is the same bytes on every machine and in every locale. */
#ifndef EXPOSURE_TASK_GEN_H
#define EXPOSURE_TASK_GEN_H

#include <stddef.h>

#include "util.h"

/* The longest training sequence a shipped record may have, in tokens. */
#define TASK_MAX_TOKENS 256

/* Appends one JSONL record (with its newline) to out. Returns 0, or -1 when out failed. */
typedef int (*RecordGenerator)(Rng *r, StrBuf *out);

int gen_arith_record(Rng *r, StrBuf *out);
int gen_facts_record(Rng *r, StrBuf *out);
int gen_digest_record(Rng *r, StrBuf *out);

#define COUNT_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))
/* A uniformly chosen element of a static array. */
#define PICK(r, list) ((list)[rng_below((r), (unsigned)COUNT_OF(list))])

/* Uniform in [lo, hi]. */
int rand_int(Rng *r, int lo, int hi);

/* Invented proper names, drawn from syllable lists: a person ("Corvin Oakmere"), a first
 * name alone ("Corvin") and a town ("Eskholm"). They never name anything real on purpose, so a
 * model cannot lean on what it might know. */
void invent_person(Rng *r, char *out, size_t cap);
void invent_first_name(Rng *r, char *out, size_t cap);
void invent_town(Rng *r, char *out, size_t cap);

/* Named values for templates: "{key}" in a template is replaced by the value of key. */
enum { SLOT_MAX = 24, SLOT_KEY = 16, SLOT_TEXT = 96 };
typedef struct {
    char key[SLOT_KEY];
    char text[SLOT_TEXT];
} Slot;
typedef struct {
    Slot slot[SLOT_MAX];
    int n;
} Slots;

void slots_clear(Slots *s);
/* Sets (or replaces) a value; a key or value that does not fit is a programming error. */
void slot_set(Slots *s, const char *key, const char *value);
void slot_setf(Slots *s, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void slot_int(Slots *s, const char *key, long value);
/* The value of key; a key that was not set is a programming error. */
const char *slot_get(const Slots *s, const char *key);
/* Appends tmpl to out with every "{key}" replaced; an unknown key is a programming error. */
void fill(StrBuf *out, const char *tmpl, const Slots *s);

/* A JSON object on one line: json_begin, then fields, then json_end (which adds "}\n"). */
void json_begin(StrBuf *out);
void json_string_field(StrBuf *out, const char *key, const char *value);
void json_list_field(StrBuf *out, const char *key, const char *const *values, int n);
void json_end(StrBuf *out);

#endif

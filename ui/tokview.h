/* What an evaluation sample's output looked like as it was generated: the raw output (text
 * with the literal "<corr>" where the model retracted) is replayed the way RAC-aware decoding
 * applies it, so that every character of it gets a kind: kept and matching the reference,
 * kept but diverged, retracted by a later <corr>, or the replacement written after one. The
 * first divergence of the visible output from the reference is marked.
 *
 * Units are characters (a token is a byte, so a multi-byte character is several tokens of
 * one unit; a retraction takes back the unit whose last byte it retracts). */
#ifndef EXPOSURE_UI_TOKVIEW_H
#define EXPOSURE_UI_TOKVIEW_H

typedef enum { TV_KEPT, TV_RETRACTED, TV_CORR } TvKind;

typedef struct {
    int off, len; /* bytes of the raw output */
    TvKind kind;
    int pos;         /* position in the visible output (TV_KEPT), else -1 */
    int matches;     /* TV_KEPT: equals the reference's unit at pos */
    int replacement; /* the first unit written after a <corr> that retracted something */
    int first_div;   /* the first visible unit that differs from the reference */
} TvUnit;

typedef struct {
    TvUnit *u;
    int n;
    int visible;      /* units in the visible output */
    int ref_units;    /* units in the reference */
    int first_div;    /* visible position of the first divergence; -1: none */
    int div_missing;  /* the output ended before the reference did (divergence at the end) */
    int retractions;  /* <corr> markers that took something back */
    int ignored_corr; /* <corr> markers with nothing to take back */
} TokenView;

/* Builds the view. segment: a <corr> takes back the whole visible output (RAC segment
 * granularity) instead of its last unit. Returns 0, or -1 when out of memory. */
int tokview_build(TokenView *tv, const char *raw, const char *reference, int segment);
void tokview_free(TokenView *tv);

/* The visible output a view ends with, into out (NUL-terminated, truncated to cap). */
void tokview_visible(const TokenView *tv, const char *raw, char *out, int cap);

#endif

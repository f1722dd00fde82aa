/* Time as the program measures it: seconds on the monotonic clock (intervals, rates,
 * timeouts, frame timing; never the wall clock, which can jump) and durations as people read
 * them. The command line and the interface use these, so a duration reads the same in both. */
#ifndef EXPOSURE_CLOCK_H
#define EXPOSURE_CLOCK_H

#include <stddef.h>

/* Seconds on CLOCK_MONOTONIC: only differences mean anything. */
double clock_monotonic(void);

/* "42s", "3m07s", "2h05m", "1d03h": rounded to the second, two units at most. Negative and
 * NaN durations read "0s". */
void clock_format_duration(double seconds, char *out, size_t cap);

#endif

#include "clock.h"

#include <stdio.h>
#include <time.h>

double clock_monotonic(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void clock_format_duration(double seconds, char *out, size_t cap) {
    if (!(seconds >= 0)) seconds = 0;
    /* Far beyond any run, and inside long long: infinity must not reach the conversion. */
    if (seconds > 1e15) seconds = 1e15;
    long long s = (long long)(seconds + 0.5);
    if (s < 60) snprintf(out, cap, "%llds", s);
    else if (s < 3600) snprintf(out, cap, "%lldm%02llds", s / 60, s % 60);
    else if (s < 86400) snprintf(out, cap, "%lldh%02lldm", s / 3600, s % 3600 / 60);
    else snprintf(out, cap, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
}

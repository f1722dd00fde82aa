/* The part of Criterion's interface that tests/unit/test_pool.c and test_trainer_control.c
 * use, for the ThreadSanitizer build (make tsan): Criterion's own runner cannot start under
 * ThreadSanitizer (it aborts with "Could not initialize inheritable arena"), so there the
 * same test files are compiled against this header and run by tests/tsan/runner.c, one after
 * the other in one process. A failed assertion prints its place and message and ends the run
 * with status 1. */
#ifndef EXPOSURE_TSAN_CRITERION_H
#define EXPOSURE_TSAN_CRITERION_H

#include <string.h>

typedef struct {
    void (*init)(void), (*fini)(void); /* before and after each test of the suite */
    int timeout;                       /* seconds a test may take, unscaled */
} TsanSuite;

void tsan_register(const char *suite, const char *name, void (*fn)(void), const TsanSuite *s);
void tsan_fail(const char *file, int line, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 4, 5), noreturn));

#define TestSuite(suite, ...) static const TsanSuite tsan_suite_##suite = {__VA_ARGS__}

#define Test(suite, name)                                                                          \
    static void test_##suite##_##name(void);                                                       \
    __attribute__((constructor)) static void register_##suite##_##name(void) {                     \
        tsan_register(#suite, #name, test_##suite##_##name, &tsan_suite_##suite);                  \
    }                                                                                              \
    static void test_##suite##_##name(void)

/* The message, when given, starts with a string literal, as Criterion's does; the format
 * passed on is that literal after a space (a format is never empty). */
#define cr_assert(cond, ...)                                                                       \
    do {                                                                                           \
        if (!(cond)) tsan_fail(__FILE__, __LINE__, #cond, " " __VA_ARGS__);                        \
    } while (0)
#define cr_assert_fail(...) tsan_fail(__FILE__, __LINE__, "failed", " " __VA_ARGS__)
#define cr_assert_eq(a, b, ...) cr_assert((a) == (b), __VA_ARGS__)
#define cr_assert_gt(a, b, ...) cr_assert((a) > (b), __VA_ARGS__)
#define cr_assert_lt(a, b, ...) cr_assert((a) < (b), __VA_ARGS__)
#define cr_assert_not_null(p, ...) cr_assert((p) != NULL, __VA_ARGS__)
#define cr_assert_str_eq(a, b, ...) cr_assert(strcmp((a), (b)) == 0, __VA_ARGS__)

#endif

/* The in-kernel checks' one output form: a line `PASS: what` or
 * `FAIL: what`, which the in-VM test runner counts (tests/vm/manifest). */
#ifndef BENCH_CHECK_H
#define BENCH_CHECK_H

#include <stdbool.h>

/* Prints the verdict line; returns 1 when the check failed, 0 when it
 * passed, so that callers can add up failures. */
int check_line(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

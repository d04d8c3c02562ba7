/* printf-style formatting for the kernel and its tools: a streaming core
 * (fmt_vformat) that hands text to a sink, and C99 snprintf on top of it. */
#ifndef LIB_FMT_H
#define LIB_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* Receives n bytes of output (not NUL-terminated); called many times. */
typedef void (*fmt_out_fn)(void *ctx, const char *s, size_t n);

/*
 * Supported: flags - 0 + space #, width and precision as digits or '*',
 * length modifiers hh h l ll z j t, conversions d i u x X o c s p %.
 * Output matches glibc for these, including "(null)" for a NULL %s (empty
 * when the precision is below 6) and "(nil)" for a NULL %p.
 * An unknown conversion (including %n and the floating-point ones, which a
 * kernel built with -mgeneral-regs-only cannot take) is copied literally
 * and consumes no argument; only a '*' before it does.
 * Returns the number of characters produced (saturated at INT_MAX).
 */
int fmt_vformat(fmt_out_fn out, void *ctx, const char *fmt, va_list ap);

/* C99 semantics: writes at most size bytes, always NUL-terminates when
 * size > 0, and returns the length the full output would have had. */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif

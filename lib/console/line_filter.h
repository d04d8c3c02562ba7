/* Drops the lines that start with a given prefix from a byte stream that
 * arrives in arbitrary pieces: the screen shows people the report table,
 * not the machine-readable REPORT lines that serial and the saved files
 * carry. The start of a line is held back only while it still matches the
 * prefix. */
#ifndef LIB_CONSOLE_LINE_FILTER_H
#define LIB_CONSOLE_LINE_FILTER_H

#include <stdbool.h>
#include <stddef.h>

typedef void (*line_filter_out)(void *ctx, const char *s, size_t n);

struct line_filter {
	const char *prefix;
	size_t prefix_len;
	size_t held;     /* bytes of this line held back: prefix[0..held) */
	bool dropping;   /* this line began with the prefix */
	bool mid_line;   /* this line no longer can: it passes through */
};

/* prefix: not empty, no '\n', and kept alive by the caller. */
void line_filter_init(struct line_filter *f, const char *prefix);

/* Passes s[0..n) through `out`, less the dropped lines (with their '\n'). */
void line_filter_write(struct line_filter *f, const char *s, size_t n, line_filter_out out,
		       void *ctx);

/* Emits what is held back (a line cut short that only began like the
 * prefix), as at the end of the output. */
void line_filter_flush(struct line_filter *f, line_filter_out out, void *ctx);

#endif

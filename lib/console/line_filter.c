#include "lib/console/line_filter.h"
#include "lib/string.h"

void line_filter_init(struct line_filter *f, const char *prefix)
{
	f->prefix = prefix;
	f->prefix_len = strlen(prefix);
	f->held = 0;
	f->dropping = false;
	f->mid_line = false;
}

void line_filter_flush(struct line_filter *f, line_filter_out out, void *ctx)
{
	if (f->held) {
		out(ctx, f->prefix, f->held);
		f->held = 0;
		f->mid_line = true;
	}
}

void line_filter_write(struct line_filter *f, const char *s, size_t n, line_filter_out out,
		       void *ctx)
{
	size_t i = 0;

	while (i < n) {
		if (f->dropping) {
			const char *nl = memchr(s + i, '\n', n - i);
			if (!nl)
				return;
			i = (size_t)(nl - s) + 1;
			f->dropping = false;
		} else if (f->mid_line) {
			/* Everything up to and including the end of the line, at once. */
			const char *nl = memchr(s + i, '\n', n - i);
			size_t end = nl ? (size_t)(nl - s) + 1 : n;
			out(ctx, s + i, end - i);
			i = end;
			f->mid_line = !nl;
		} else if (s[i] == f->prefix[f->held]) {
			i++;
			if (++f->held == f->prefix_len) {
				f->held = 0;
				f->dropping = true;
			}
		} else {
			/* Not the prefix after all: the held bytes go out, and the
			 * line continues (an empty line just ends here). */
			line_filter_flush(f, out, ctx);
			f->mid_line = true;
		}
	}
}

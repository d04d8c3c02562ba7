/* Head-and-tail keeping of a log (lib/console/capture.h). */
#include "lib/console/capture.h"
#include "lib/fmt.h"
#include "lib/string.h"

void capture_init(struct capture *c, char *buf, size_t size)
{
	c->buf = buf;
	c->head_cap = size / 4;
	c->tail_at = c->head_cap + CAPTURE_CUT_MAX;
	c->tail_cap = size - c->tail_at;
	c->total = 0;
}

void capture_write(struct capture *c, const char *s, size_t n)
{
	while (n && c->total < c->head_cap) {
		c->buf[c->total++] = *s++;
		n--;
	}
	/* Of a long write only its last tail_cap bytes can stay. */
	if (n > c->tail_cap) {
		c->total += n - c->tail_cap;
		s += n - c->tail_cap;
		n = c->tail_cap;
	}
	while (n) {
		size_t at = (size_t)((c->total - c->head_cap) % c->tail_cap);
		size_t piece = c->tail_cap - at < n ? c->tail_cap - at : n;
		memcpy(c->buf + c->tail_at + at, s, piece);
		c->total += piece;
		s += piece;
		n -= piece;
	}
}

static void reverse(char *p, size_t n)
{
	for (size_t i = 0, j = n; i + 1 < j; i++, j--) {
		char t = p[i];
		p[i] = p[j - 1];
		p[j - 1] = t;
	}
}

/* Joins buf[0..head) and buf[tail_at..tail_at+tail) with the cut line
 * between them, the head ending and the tail starting at a line start:
 * a line cut in two is left out whole rather than shown as if complete.
 * Needs tail_at >= head + CAPTURE_CUT_MAX. */
static size_t join(char *buf, size_t head, size_t tail_at, size_t tail, uint64_t left_out)
{
	size_t h = head, skip = 0;

	while (h && buf[h - 1] != '\n')
		h--;
	while (skip < tail && buf[tail_at + skip] != '\n')
		skip++;
	if (skip < tail)
		skip++;          /* the cut line's rest, with its '\n' */
	else
		skip = 0;        /* one unfinished line: it is the very end, keep it */
	left_out += (head - h) + skip;
	int m = fmt_snprintf(buf + h, CAPTURE_CUT_MAX, CAPTURE_CUT_PREFIX
			     "%lu bytes of the log left out ...]\n", (unsigned long)left_out);
	memmove(buf + h + m, buf + tail_at + skip, tail - skip);
	return h + (size_t)m + tail - skip;
}

size_t capture_finish(struct capture *c)
{
	if (c->total <= c->head_cap)
		return (size_t)c->total;
	uint64_t in_tail = c->total - c->head_cap;
	if (in_tail <= c->tail_cap) {
		memmove(c->buf + c->head_cap, c->buf + c->tail_at, (size_t)in_tail);
		return (size_t)c->total;
	}
	/* The ring's oldest byte is where the next one would go: rotate it to
	 * the front (three reversals, no second buffer). */
	size_t oldest = (size_t)(in_tail % c->tail_cap);
	char *ring = c->buf + c->tail_at;
	reverse(ring, oldest);
	reverse(ring + oldest, c->tail_cap - oldest);
	reverse(ring, c->tail_cap);
	return join(c->buf, c->head_cap, c->tail_at, c->tail_cap, in_tail - c->tail_cap);
}

size_t capture_fit(char *text, size_t len, size_t max)
{
	if (len <= max)
		return len;
	size_t head = max / 4;
	size_t tail = max - head - CAPTURE_CUT_MAX;
	return join(text, head, len - tail, tail, len - head - tail);
}

/* lib/console/line_filter.c against a line-at-a-time model: random text, cut into
 * random pieces, must come out as the model drops whole lines. */
#include <stdlib.h>

#include "check.h"
#include "lib/console/line_filter.h"

struct sink {
	char buf[8192];
	size_t len;
	unsigned calls;
};

static void to_sink(void *ctx, const char *s, size_t n)
{
	struct sink *k = ctx;

	CHECK(n > 0);                       /* no empty pieces */
	CHECK(k->len + n <= sizeof(k->buf));
	if (k->len + n <= sizeof(k->buf))
		memcpy(k->buf + k->len, s, n);
	k->len += n;
	k->calls++;
}

/* The model: every line (a last line without '\n' too) that starts with
 * the prefix is dropped with its newline. */
static size_t model(const char *in, size_t n, const char *prefix, char *out)
{
	size_t plen = strlen(prefix), len = 0;

	for (size_t start = 0; start < n;) {
		const char *nl = memchr(in + start, '\n', n - start);
		size_t end = nl ? (size_t)(nl - in) + 1 : n;
		if (!(end - start >= plen && memcmp(in + start, prefix, plen) == 0)) {
			memcpy(out + len, in + start, end - start);
			len += end - start;
		}
		start = end;
	}
	return len;
}

static void feed(struct line_filter *f, struct sink *k, const char *s)
{
	line_filter_write(f, s, strlen(s), to_sink, k);
}

static void test_examples(void)
{
	struct line_filter f;
	struct sink k = { 0 };

	line_filter_init(&f, "REPORT ");
	feed(&f, &k, "report: row 1\nREPORT {\"a\":1}\nREPORTS are\nREP");
	feed(&f, &k, "ORT {\"b\"");
	feed(&f, &k, ":2}\n\nREPO\nR");
	CHECK_EQ_U64(k.len, strlen("report: row 1\nREPORTS are\n\nREPO\n"));
	CHECK(memcmp(k.buf, "report: row 1\nREPORTS are\n\nREPO\n", k.len) == 0);
	/* "R" is held: it may still become "REPORT ". */
	line_filter_flush(&f, to_sink, &k);
	CHECK_EQ_U64(k.len, strlen("report: row 1\nREPORTS are\n\nREPO\nR"));
	feed(&f, &k, "EPORT x\n"); /* after a flush the line passes through */
	CHECK(memcmp(k.buf + k.len - 8, "EPORT x\n", 8) == 0);
}

static void test_one_call_per_plain_line(void)
{
	struct line_filter f;
	struct sink k = { 0 };

	line_filter_init(&f, "REPORT ");
	feed(&f, &k, "stream: pool: 300 of 3000 packets\n");
	/* 's' does not match 'R': nothing held, one piece for the whole line. */
	CHECK_EQ_U64(k.calls, 1);
}

static void test_random_pieces(void)
{
	static const char *const words[] = { "REPORT ", "REPORT", "REP", "R", "report: ", "x",
					     "\n", "\n", " ", "{\"a\":1}", "REPORT {}" };
	char in[4096], want[4096];

	for (int round = 0; round < 3000; round++) {
		size_t n = 0;
		while (n < 2000) {
			const char *w = words[check_rand() % (sizeof(words) / sizeof(words[0]))];
			memcpy(in + n, w, strlen(w));
			n += strlen(w);
		}
		size_t want_len = model(in, n, "REPORT ", want);

		struct line_filter f;
		struct sink k = { 0 };
		line_filter_init(&f, "REPORT ");
		for (size_t i = 0; i < n;) {
			size_t piece = 1 + check_rand() % 40;
			if (piece > n - i)
				piece = n - i;
			line_filter_write(&f, in + i, piece, to_sink, &k);
			i += piece;
		}
		/* A cut last line that only began like the prefix comes out at
		 * the flush; one that is the whole prefix stays dropped. */
		line_filter_flush(&f, to_sink, &k);
		CHECK_EQ_U64(k.len, want_len);
		CHECK(memcmp(k.buf, want, want_len) == 0);
		if (check_failed_in_test)
			return;
	}
}

int main(void)
{
	RUN_TEST("line_filter", test_examples);
	RUN_TEST("line_filter", test_one_call_per_plain_line);
	RUN_TEST("line_filter", test_random_pieces);
	return CHECK_EXIT_STATUS();
}

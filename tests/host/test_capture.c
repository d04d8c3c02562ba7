/* lib/console/capture.c: a log longer than the buffer keeps its head and
 * its tail, cut at line ends, with one line saying how much is missing. */
#include <stdlib.h>

#include "check.h"
#include "lib/console/capture.h"

#define BIG (1 << 16)

static char in[4 * BIG], buf[BIG], want[4 * BIG];

/* The model: the head is the whole lines within the first head_cap bytes,
 * the tail the whole lines (and an unfinished last one) within the last
 * tail_cap bytes; everything between is counted in the cut line. */
static size_t model(const char *s, size_t len, size_t head_cap, size_t tail_cap, char *out)
{
	if (len <= head_cap + tail_cap) {
		memcpy(out, s, len);
		return len;
	}
	size_t h = head_cap;
	while (h && s[h - 1] != '\n')
		h--;
	size_t t = len - tail_cap, nl = t;
	while (nl < len && s[nl] != '\n')
		nl++;
	if (nl < len)
		t = nl + 1;
	memcpy(out, s, h);
	int m = snprintf(out + h, 80, "[... %zu bytes of the log left out ...]\n", t - h);
	memcpy(out + h + m, s + t, len - t);
	return h + (size_t)m + len - t;
}

/* Writes in[0..len) in random pieces into a capture of `size` bytes. */
static size_t run_capture(size_t len, size_t size)
{
	struct capture c;

	capture_init(&c, buf, size);
	for (size_t i = 0; i < len;) {
		size_t piece = 1 + check_rand() % (check_rand() % 4 ? 40 : 3 * size);
		if (piece > len - i)
			piece = len - i;
		capture_write(&c, in + i, piece);
		i += piece;
	}
	return capture_finish(&c);
}

/* What a run with a storm of fault messages prints: its description, the
 * storm, then the results, the REPORT end record and the verdict. */
static size_t storm(void)
{
	size_t n = 0;

	n += (size_t)sprintf(in + n, "vtdbench 1.0\ncpu: a CPU\nvtd0: a unit\n");
	for (int i = 0; i < 3000; i++)
		n += (size_t)sprintf(in + n, "vtd0: DMA fault: device 00:03.0 write address 0x%x: "
				     "reason 5\n", 0x300000 + i);
	n += (size_t)sprintf(in + n, "result: strict 2000 packets\nREPORT {\"type\":\"end\"}\n"
			     "run: verdict 0 (ok)\n");
	return n;
}

static void test_storm_keeps_both_ends(void)
{
	size_t len = storm();
	size_t out = run_capture(len, 32768);

	CHECK(out <= 32768);
	CHECK(memcmp(buf, "vtdbench 1.0\ncpu: a CPU\nvtd0: a unit\n", 36) == 0);
	const char *end = "result: strict 2000 packets\nREPORT {\"type\":\"end\"}\nrun: verdict 0 (ok)\n";
	CHECK(out > strlen(end) && memcmp(buf + out - strlen(end), end, strlen(end)) == 0);
	buf[out] = 0;
	char *cut = strstr(buf, "\n[... ");
	CHECK(cut && strstr(cut + 2, "[... ") == NULL);
	unsigned long missing = cut ? strtoul(cut + 6, NULL, 10) : 0;
	/* Every byte is either kept or counted; the cut line is extra. */
	CHECK_EQ_U64(out - (strchr(cut + 1, '\n') - cut), len - missing);
}

static void test_short_log_unchanged(void)
{
	size_t len = (size_t)sprintf(in, "vtdbench\nrun: verdict 0 (ok)\nno newline at the end");
	size_t out = run_capture(len, 1024);

	CHECK_EQ_U64(out, len);
	CHECK(memcmp(buf, in, len) == 0);
}

/* An unfinished last line stays unfinished: nothing makes it look whole. */
static void test_unfinished_last_line(void)
{
	size_t len = storm() - 1;  /* the verdict line without its '\n' */
	size_t out = run_capture(len, 4096);

	CHECK(out > 0 && buf[out - 1] == ')');
	CHECK(out >= 19 && memcmp(buf + out - 19, "run: verdict 0 (ok)", 19) == 0);
}

static void test_random_against_model(void)
{
	for (int round = 0; round < 400; round++) {
		size_t size = CAPTURE_MIN_SIZE + check_rand() % (BIG - CAPTURE_MIN_SIZE);
		size_t len = check_rand() % (round % 2 ? 4 * BIG : size + 100);
		size_t line_max = 1 + check_rand() % (round % 3 ? 100 : 3000);
		for (size_t i = 0; i < len; i++)
			in[i] = check_rand() % line_max ? 'a' + (char)(i % 26) : '\n';
		size_t head_cap = size / 4, tail_cap = size - head_cap - CAPTURE_CUT_MAX;
		size_t want_len = model(in, len, head_cap, tail_cap, want);
		size_t out = run_capture(len, size);
		CHECK(out <= size);
		CHECK_EQ_U64(out, want_len);
		CHECK(out != want_len || memcmp(buf, want, out) == 0);
		if (check_failed_in_test)
			return;
	}
}

/* The hand-over's limit on text that is already in memory. */
static void test_fit(void)
{
	size_t len = storm();
	memcpy(want, in, len);
	CHECK_EQ_U64(capture_fit(in, len, len), len);
	CHECK(memcmp(in, want, len) == 0);

	size_t n = capture_fit(in, len, 20000);
	size_t m = model(want, len, 5000, 20000 - 5000 - CAPTURE_CUT_MAX, buf);
	CHECK(n <= 20000);
	CHECK_EQ_U64(n, m);
	CHECK(n != m || memcmp(in, buf, n) == 0);
	CHECK(n > 20 && memcmp(in + n - 20, "run: verdict 0 (ok)\n", 20) == 0);
}

int main(void)
{
	RUN_TEST("capture", test_storm_keeps_both_ends);
	RUN_TEST("capture", test_short_log_unchanged);
	RUN_TEST("capture", test_unfinished_last_line);
	RUN_TEST("capture", test_random_against_model);
	RUN_TEST("capture", test_fit);
	return CHECK_EXIT_STATUS();
}

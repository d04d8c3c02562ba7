/* lib/stats.c against qsort and a direct nearest-rank computation. */
#include <stdlib.h>
#include "check.h"
#include "lib/stats.h"

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static void test_known_values(void)
{
	uint32_t v[] = { 50, 10, 40, 20, 30 };
	struct stats_summary s;

	stats_summarize(v, 5, &s);
	CHECK_EQ_U64(s.count, 5);
	CHECK_EQ_U64(s.mean, 30);
	CHECK_EQ_U64(s.p50, 30);
	CHECK_EQ_U64(s.p99, 50);
	CHECK_EQ_U64(s.min, 10);
	CHECK_EQ_U64(s.max, 50);
	for (int i = 0; i < 5; i++)
		CHECK_EQ_U64(v[i], 10 * (i + 1));
}

static void test_empty_and_single(void)
{
	struct stats_summary s;
	uint32_t one = 7;

	stats_summarize(NULL, 0, &s);
	CHECK_EQ_U64(s.count, 0);
	CHECK_EQ_U64(s.max, 0);
	stats_summarize(&one, 1, &s);
	CHECK(s.mean == 7 && s.p50 == 7 && s.p99 == 7 && s.min == 7 && s.max == 7);
}

/* 100 values 1..100: p50 is 50 and p99 is 99 by nearest rank. */
static void test_percentile_ranks(void)
{
	uint32_t v[100];

	for (int i = 0; i < 100; i++)
		v[i] = (uint32_t)(100 - i);
	struct stats_summary s;
	stats_summarize(v, 100, &s);
	CHECK_EQ_U64(s.p50, 50);
	CHECK_EQ_U64(s.p99, 99);
	CHECK_EQ_U64(stats_percentile(v, 100, 100), 100);
	CHECK_EQ_U64(stats_percentile(v, 100, 0), 1);
}

static void test_random_against_qsort(void)
{
	enum { N = 10007 };
	static uint32_t a[N], b[N];
	uint64_t seed = 12345, sum = 0;

	for (int round = 0; round < 5; round++) {
		size_t n = N - (size_t)round * 1000;
		sum = 0;
		for (size_t i = 0; i < n; i++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			a[i] = b[i] = (uint32_t)(seed >> 40) % (round ? 1000u : 4000000000u);
			sum += a[i];
		}
		struct stats_summary s;
		stats_summarize(a, n, &s);
		qsort(b, n, sizeof(b[0]), cmp_u32);
		CHECK(memcmp(a, b, n * sizeof(a[0])) == 0);
		CHECK_EQ_U64(s.mean, sum / n);
		CHECK_EQ_U64(s.p50, b[(50 * n + 99) / 100 - 1]);
		CHECK_EQ_U64(s.p99, b[(99 * n + 99) / 100 - 1]);
	}
}

int main(void)
{
	RUN_TEST("stats", test_known_values);
	RUN_TEST("stats", test_empty_and_single);
	RUN_TEST("stats", test_percentile_ranks);
	RUN_TEST("stats", test_random_against_qsort);
	return CHECK_EXIT_STATUS();
}

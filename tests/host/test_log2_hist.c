/* lib/log2_hist.c: bucket edges, merging, percentiles as bucket bounds
 * (checked against a sorted copy of the same values). */
#include <stdlib.h>
#include "check.h"
#include "lib/log2_hist.h"

static void test_bucket_edges(void)
{
	CHECK_EQ_U64(log2_hist_bucket_of(0), 0);
	CHECK_EQ_U64(log2_hist_bucket_of(1), 0);
	CHECK_EQ_U64(log2_hist_bucket_of(2), 1);
	CHECK_EQ_U64(log2_hist_bucket_of(3), 1);
	for (unsigned k = 1; k < 64; k++) {
		CHECK_EQ_U64(log2_hist_bucket_of((1ull << k) - 1), k - 1);
		CHECK_EQ_U64(log2_hist_bucket_of(1ull << k), k);
	}
	CHECK_EQ_U64(log2_hist_bucket_of(UINT64_MAX), 63);
	CHECK_EQ_U64(log2_hist_upper(0), 1);
	CHECK_EQ_U64(log2_hist_upper(9), 1023);
	CHECK_EQ_U64(log2_hist_upper(62), UINT64_MAX >> 1);
	CHECK_EQ_U64(log2_hist_upper(63), UINT64_MAX);
}

static void test_add_counts_and_max(void)
{
	struct log2_hist h = { 0 };

	CHECK_EQ_U64(log2_hist_used(&h), 0);
	CHECK_EQ_U64(log2_hist_percentile(&h, 50), 0);
	log2_hist_add(&h, 0);
	CHECK_EQ_U64(h.count, 1);
	CHECK_EQ_U64(h.max, 0);
	CHECK_EQ_U64(h.bucket[0], 1);
	CHECK_EQ_U64(log2_hist_used(&h), 1);
	log2_hist_add(&h, 1);
	log2_hist_add(&h, 1023);
	log2_hist_add(&h, 1024);
	log2_hist_add(&h, UINT64_MAX);
	CHECK_EQ_U64(h.count, 5);
	CHECK_EQ_U64(h.max, UINT64_MAX);
	CHECK_EQ_U64(h.bucket[0], 2);
	CHECK_EQ_U64(h.bucket[9], 1);
	CHECK_EQ_U64(h.bucket[10], 1);
	CHECK_EQ_U64(h.bucket[63], 1);
	CHECK_EQ_U64(log2_hist_used(&h), 64);
	/* Ranks 1..5: 0, 1, 1023, 1024, max. */
	CHECK_EQ_U64(log2_hist_percentile(&h, 0), 1);
	CHECK_EQ_U64(log2_hist_percentile(&h, 40), 1);
	CHECK_EQ_U64(log2_hist_percentile(&h, 50), 1023);
	CHECK_EQ_U64(log2_hist_percentile(&h, 80), 2047);
	CHECK_EQ_U64(log2_hist_percentile(&h, 81), UINT64_MAX);
	CHECK_EQ_U64(log2_hist_percentile(&h, 100), UINT64_MAX);
	CHECK_EQ_U64(log2_hist_percentile(&h, 1000), UINT64_MAX);
}

static void test_merge(void)
{
	struct log2_hist a = { 0 }, b = { 0 }, empty = { 0 };

	for (int i = 0; i < 10; i++)
		log2_hist_add(&a, 100);      /* bucket 6 */
	for (int i = 0; i < 5; i++)
		log2_hist_add(&b, 5000);     /* bucket 12 */
	log2_hist_add(&b, 3);
	log2_hist_merge(&a, &empty);
	CHECK_EQ_U64(a.count, 10);
	CHECK_EQ_U64(a.max, 100);
	log2_hist_merge(&a, &b);
	CHECK_EQ_U64(a.count, 16);
	CHECK_EQ_U64(a.max, 5000);
	CHECK_EQ_U64(a.bucket[1], 1);
	CHECK_EQ_U64(a.bucket[6], 10);
	CHECK_EQ_U64(a.bucket[12], 5);
	CHECK_EQ_U64(log2_hist_used(&a), 13);
	/* b is unchanged, and merging into an empty one copies it. */
	CHECK_EQ_U64(b.count, 6);
	log2_hist_merge(&empty, &b);
	CHECK(memcmp(&empty, &b, sizeof(b)) == 0);
	/* A smaller maximum does not lower the total's. */
	struct log2_hist small = { 0 };
	log2_hist_add(&small, 7);
	log2_hist_merge(&a, &small);
	CHECK_EQ_U64(a.max, 5000);
	/* Saturation instead of wrapping. */
	struct log2_hist full = { .count = UINT64_MAX, .max = 1 };
	full.bucket[0] = UINT64_MAX;
	log2_hist_merge(&full, &small);
	CHECK_EQ_U64(full.count, UINT64_MAX);
	CHECK_EQ_U64(full.bucket[0], UINT64_MAX);
	CHECK_EQ_U64(full.bucket[2], 1);
	CHECK_EQ_U64(full.max, 7);
	CHECK_EQ_U64(log2_hist_percentile(&full, 99), 1);
	CHECK_EQ_U64(log2_hist_percentile(&full, 100), 1);
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return a < b ? -1 : a > b;
}

/* The percentile is the bound of the bucket holding the sorted array's
 * nearest-rank value, for random sizes and spreads. */
static void test_percentiles_against_sorting(void)
{
	static uint64_t v[5000];

	for (int round = 0; round < 200; round++) {
		size_t n = 1 + check_rand() % 5000;
		unsigned shift = (unsigned)(check_rand() % 64);
		struct log2_hist h = { 0 };
		uint64_t max = 0;

		for (size_t i = 0; i < n; i++) {
			v[i] = check_rand() >> shift;
			log2_hist_add(&h, v[i]);
			if (v[i] > max)
				max = v[i];
		}
		qsort(v, n, sizeof(v[0]), cmp_u64);
		CHECK_EQ_U64(h.count, n);
		CHECK_EQ_U64(h.max, max);
		for (unsigned pct = 0; pct <= 100; pct += 1) {
			size_t rank = (pct * n + 99) / 100;
			if (rank == 0)
				rank = 1;
			CHECK_EQ_U64(log2_hist_percentile(&h, pct),
				     log2_hist_upper(log2_hist_bucket_of(v[rank - 1])));
		}
	}
}

int main(void)
{
	RUN_TEST("log2_hist", test_bucket_edges);
	RUN_TEST("log2_hist", test_add_counts_and_max);
	RUN_TEST("log2_hist", test_merge);
	RUN_TEST("log2_hist", test_percentiles_against_sorting);
	return CHECK_EXIT_STATUS();
}

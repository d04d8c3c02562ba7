/* Heapsort and nearest-rank percentiles over a caller's array: bounded
 * time and no allocation, for 100000 samples inside the kernel. */
#include "lib/stats.h"

static void sift_down(uint32_t *v, size_t start, size_t end)
{
	size_t root = start;

	while (2 * root + 1 < end) {
		size_t child = 2 * root + 1;
		if (child + 1 < end && v[child] < v[child + 1])
			child++;
		if (v[root] >= v[child])
			return;
		uint32_t t = v[root];
		v[root] = v[child];
		v[child] = t;
		root = child;
	}
}

static void heapsort_u32(uint32_t *v, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_down(v, i, n);
	for (size_t end = n; end-- > 1;) {
		uint32_t t = v[0];
		v[0] = v[end];
		v[end] = t;
		sift_down(v, 0, end);
	}
}

uint64_t stats_percentile(const uint32_t *sorted, size_t n, unsigned pct)
{
	if (n == 0)
		return 0;
	/* Nearest rank: the smallest value with at least pct% at or below it. */
	size_t rank = ((uint64_t)pct * n + 99) / 100;
	if (rank == 0)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

void stats_summarize(uint32_t *v, size_t n, struct stats_summary *s)
{
	uint64_t sum = 0;

	*s = (struct stats_summary){ 0 };
	if (n == 0)
		return;
	heapsort_u32(v, n);
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	s->count = n;
	s->mean = sum / n;
	s->p50 = stats_percentile(v, n, 50);
	s->p99 = stats_percentile(v, n, 99);
	s->min = v[0];
	s->max = v[n - 1];
}

/* Merging and percentiles of lib/log2_hist.h's histograms. */
#include "lib/log2_hist.h"

static uint64_t add_saturating(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

void log2_hist_merge(struct log2_hist *dst, const struct log2_hist *src)
{
	for (unsigned i = 0; i < LOG2_HIST_BUCKETS; i++)
		dst->bucket[i] = add_saturating(dst->bucket[i], src->bucket[i]);
	dst->count = add_saturating(dst->count, src->count);
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t log2_hist_percentile(const struct log2_hist *h, unsigned pct)
{
	uint64_t rank, seen = 0;

	if (h->count == 0)
		return 0;
	if (pct > 100)
		pct = 100;
	/* Nearest rank, as lib/stats.c: ceil(pct * count / 100), at least 1.
	 * Split so that a count near UINT64_MAX does not overflow. */
	rank = h->count / 100 * pct + (h->count % 100 * pct + 99) / 100;
	if (rank == 0)
		rank = 1;
	for (unsigned i = 0; i < LOG2_HIST_BUCKETS; i++) {
		seen = add_saturating(seen, h->bucket[i]);
		if (seen >= rank)
			return log2_hist_upper(i);
	}
	/* Only when the buckets sum to less than count (a saturated merge). */
	return log2_hist_upper(log2_hist_bucket_of(h->max));
}

unsigned log2_hist_used(const struct log2_hist *h)
{
	unsigned n = LOG2_HIST_BUCKETS;

	while (n > 0 && h->bucket[n - 1] == 0)
		n--;
	return n;
}

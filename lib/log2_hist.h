/* A power-of-two histogram of 64-bit values (cycle counts): bucket i holds
 * the values v with 2^i <= v < 2^(i+1), bucket 0 also v = 0. Sixty-four
 * buckets cover every uint64_t, so no value is clamped and the upper bound
 * of a bucket is always a true bound. Adding is a few instructions and no
 * division, for a measured path; percentiles come out as bucket bounds,
 * the count and the maximum exactly. Integers only (the kernel has no
 * floating point). */
#ifndef LIB_LOG2_HIST_H
#define LIB_LOG2_HIST_H

#include <stdint.h>

#define LOG2_HIST_BUCKETS 64

struct log2_hist {
	uint64_t count;
	uint64_t max;                           /* exact; 0 while empty */
	uint64_t bucket[LOG2_HIST_BUCKETS];
};

/* The bucket that holds v: floor(log2(v)), and 0 for v = 0. */
static inline unsigned log2_hist_bucket_of(uint64_t v)
{
	return 63u - (unsigned)__builtin_clzll(v | 1);
}

/* The largest value bucket i holds: 2^(i+1) - 1 (UINT64_MAX for the last). */
static inline uint64_t log2_hist_upper(unsigned i)
{
	return i >= LOG2_HIST_BUCKETS - 1 ? UINT64_MAX : (2ull << i) - 1;
}

/* Inline: the DMA layer's timed path adds one entry per invalidation. */
static inline void log2_hist_add(struct log2_hist *h, uint64_t v)
{
	h->bucket[log2_hist_bucket_of(v)]++;
	h->count++;
	if (v > h->max)
		h->max = v;
}

/* Adds everything in *src to *dst (counts saturate at UINT64_MAX). */
void log2_hist_merge(struct log2_hist *dst, const struct log2_hist *src);
/* The upper bound of the bucket holding the nearest-rank pct-th percentile
 * (0..100; above 100 counts as 100): the smallest bucket with at least
 * pct% of the entries at or below it. 0 for an empty histogram. */
uint64_t log2_hist_percentile(const struct log2_hist *h, unsigned pct);
/* Buckets up to the last non-empty one (0 when empty): what a printer
 * shows with trailing zero buckets dropped. */
unsigned log2_hist_used(const struct log2_hist *h);

#endif

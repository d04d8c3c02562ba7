/* Summary statistics of per-packet cycle counts: integers only, since the
 * kernel has no floating point. */
#ifndef LIB_STATS_H
#define LIB_STATS_H

#include <stddef.h>
#include <stdint.h>

struct stats_summary {
	uint64_t count;
	uint64_t mean;   /* rounded down */
	uint64_t p50;    /* nearest-rank percentiles */
	uint64_t p99;
	uint64_t min, max;
};

/* Sorts v in place (heapsort: no recursion, no extra memory) and fills *s.
 * An empty array gives all zeros. */
void stats_summarize(uint32_t *v, size_t n, struct stats_summary *s);
/* The nearest-rank percentile (0..100) of a sorted array. */
uint64_t stats_percentile(const uint32_t *sorted, size_t n, unsigned pct);

#endif

/* Per-invalidation latency in the report: the DMA layer's histograms
 * (struct dma_stats.inval_latency, one per granularity) as the JSON
 * `latency` array of a row or summary object and as human lines. The
 * report calls these; nothing here decides when. */
#ifndef BENCH_REPORT_REPORT_LATENCY_H
#define BENCH_REPORT_REPORT_LATENCY_H

#include "drivers/vtd/vtd.h"
#include "lib/dma/dma.h"
#include "lib/log2_hist.h"

/* A row's histograms summed over its rounds. Zero it ({ 0 }) to start. */
struct report_latency_total {
	struct log2_hist gran[DMA_GRAN_COUNT];
};

/* Adds one round's histograms to a row's running total. */
void report_latency_add(struct report_latency_total *total, const struct dma_stats *d);

/* Prints `,"latency":[...]`, the fragment that goes inside a row or summary
 * object before its closing brace: one object per granularity that has
 * entries, {"gran","count","p50","p99","max","buckets":[...]} with
 * trailing empty buckets dropped; `[]` when there is none. */
void report_latency_json(const struct dma_stats *d);
void report_latency_total_json(const struct report_latency_total *total);

/* One line per granularity that has entries, for a row's rounds together:
 *   latency: <label> qi/pages: 200000 invalidations, p50 <= 1023, p99 <= 4095, max 81234 cycles */
void report_latency_total_line(const char *label, enum vtd_inval_mode inval,
			       const struct report_latency_total *total);

#endif

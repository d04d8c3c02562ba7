/* Printing of per-invalidation latency histograms (see report_latency.h).
 * Percentiles are the upper bounds of their buckets, so the human lines
 * say "<=": the histogram knows no more than that; the maximum is exact. */
#include "bench/report/report_latency.h"
#include "kernel/console.h"

void report_latency_add(struct report_latency_total *total, const struct dma_stats *d)
{
	for (unsigned g = 0; g < DMA_GRAN_COUNT; g++)
		log2_hist_merge(&total->gran[g], &d->inval_latency[g]);
}

static void print_json(const struct log2_hist *h)
{
	bool first = true;

	kprintf(",\"latency\":[");
	for (unsigned g = 0; g < DMA_GRAN_COUNT; g++) {
		if (h[g].count == 0)
			continue;
		kprintf("%s{\"gran\":\"%s\",\"count\":%lu,\"p50\":%lu,\"p99\":%lu,\"max\":%lu,"
			"\"buckets\":[", first ? "" : ",", dma_gran_name((enum dma_gran)g),
			h[g].count, log2_hist_percentile(&h[g], 50), log2_hist_percentile(&h[g], 99),
			h[g].max);
		for (unsigned i = 0, n = log2_hist_used(&h[g]); i < n; i++)
			kprintf("%s%lu", i ? "," : "", h[g].bucket[i]);
		kprintf("]}");
		first = false;
	}
	kprintf("]");
}

static void print_lines(const char *label, enum vtd_inval_mode inval, const struct log2_hist *h)
{
	for (unsigned g = 0; g < DMA_GRAN_COUNT; g++) {
		if (h[g].count == 0)
			continue;
		kprintf("latency: %s %s/%s: %lu invalidation%s, p50 <= %lu, p99 <= %lu, max %lu cycles\n",
			label, (unsigned)inval < VTD_INVAL_MODE_COUNT ? vtd_inval_mode_words[inval] : "?",
			dma_gran_name((enum dma_gran)g), h[g].count, h[g].count == 1 ? "" : "s",
			log2_hist_percentile(&h[g], 50), log2_hist_percentile(&h[g], 99), h[g].max);
	}
}

void report_latency_json(const struct dma_stats *d)
{
	print_json(d->inval_latency);
}

void report_latency_total_json(const struct report_latency_total *total)
{
	print_json(total->gran);
}

void report_latency_total_line(const char *label, enum vtd_inval_mode inval,
			       const struct report_latency_total *total)
{
	print_lines(label, inval, total->gran);
}

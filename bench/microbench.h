/* Invalidation micro-benchmarks: no device DMA, so they run on any VT-d
 * machine, with or without a supported NIC. */
#ifndef BENCH_MICROBENCH_H
#define BENCH_MICROBENCH_H

#include "drivers/vtd/vtd.h"
#include "bench/options.h"
#include "bench/report/report.h"

/* For each invalidation interface and granularity: map a page, unmap it,
 * invalidate and wait, many times, timing each step. Fills one report row
 * each (at most max); returns how many, or -1. */
int microbench_run(struct vtd_unit *u, struct report_row *rows, unsigned max);

#endif

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

/* The costs every report carries (bench/microbench_cost.c), on unit u in a
 * domain no device uses: a register read, a register write, an empty
 * queued wait, and an invalidation + wait per interface and granularity;
 * one `cost` JSON object and one "cost:" line each, and a split of a page
 * invalidation into register accesses and the rest. Leaves the interface
 * as it found it and resets the unit's counters (vtd_mmio_totals keeps
 * them). 0, or -1 after printing what failed. */
int microbench_costs(struct vtd_unit *u);

#endif

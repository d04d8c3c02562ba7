/* The experiment's rows: for each workload, one per policy with the first
 * value of every option, then one per point of each option given as a
 * list. */
#ifndef BENCH_PLAN_H
#define BENCH_PLAN_H

#include <stdbool.h>
#include "bench/options.h"
#include "bench/report/report.h"

/* Fills rows (at most max) for the workloads asked for in run[]; has_qi:
 * whether the queued interface can be swept. Returns the rows planned. */
unsigned plan_rows(const struct kernel_options *opt, const bool run[WORKLOAD_COUNT], bool has_qi,
		   struct report_row *rows, unsigned max);

#endif

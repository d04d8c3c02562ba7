/* Inside the report (bench/report only): the printing helpers its files
 * share. */
#ifndef BENCH_REPORT_REPORT_INTERNAL_H
#define BENCH_REPORT_REPORT_INTERNAL_H

#include <stdint.h>
#include "bench/report/report.h"

void report_json_string(const char *s);
/* value / div with one decimal, rounded down, right-aligned in `width`
 * characters (0: as narrow as it comes). */
void report_print_fixed1(uint64_t value, uint64_t div, int width);
uint64_t report_cycles_to_ns(uint64_t cycles);
/* The flush granularity a row's table line shows: batched flushes and the
 * micro-benchmarks have one, strict always invalidates pages, the others
 * none. */
const char *report_gran_shown(const struct report_row *row);
/* Whether the row is one of the per-policy rows (not a sweep point). */
bool report_is_policy_row(const struct report_row *row);
/* "net" or "nvme"; the queue depth a table shows (0 for the packet stream). */
const char *report_workload(const struct report_row *row);
unsigned report_qd(const struct report_row *row);
/* The CPUs doing DMA at once in the row (1 but for multi-CPU NVMe rows). */
unsigned report_cpus(const struct report_row *row);
/* ,"workload":..,"qd":..,"io_bytes":..,"pattern":..,"command_errors":..,"prp_lists":.. */
void report_workload_json(const struct report_row *row);

/* report_smp.c: the context's "smp" object; a warning: line per CPU
 * whose TSC skew is larger than its uncertainty plus 1 us. */
void report_smp_json(const struct kernel_options *opt);
void report_smp_warnings(void);

/* report_summary.c */
void report_summaries(const struct report_row *rows, unsigned n);
void report_headline(const struct report_row *rows, unsigned n);
void report_median_table(const struct report_row *rows, unsigned n);

#endif

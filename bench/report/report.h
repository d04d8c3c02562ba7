/* The TSC cost report: a table for people and, on lines starting with
 * "REPORT ", one JSON object each for programs (schema in the README). */
#ifndef BENCH_REPORT_REPORT_H
#define BENCH_REPORT_REPORT_H

#include "drivers/e1000/e1000.h"
#include "bench/options.h"
#include "bench/net/stream.h"

#define REPORT_SCHEMA 1

struct report_row {
	const char *sweep;           /* "policy", "hwm", "inval", "batch_inval", "size" */
	struct stream_config cfg;
	enum vtd_inval_mode inval;
	struct stream_result res;
};

void report_context(const struct kernel_options *opt, const struct e1000 *nic);
void report_row(unsigned index, const struct report_row *row);
/* The headline, the table again in one place, and the end marker. */
void report_finish(const struct report_row *rows, unsigned n, int verdict);

#endif

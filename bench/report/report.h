/* The TSC cost report: a table for people and, on lines starting with
 * "REPORT ", one JSON object each for programs (schema in the README).
 * Every row is measured once per round; the rounds' figures are kept in
 * the row, and the report's end gives each row's median, range and spread
 * over them. */
#ifndef BENCH_REPORT_REPORT_H
#define BENCH_REPORT_REPORT_H

#include "drivers/e1000/e1000.h"
#include "bench/options.h"
#include "bench/net/stream.h"
#include "bench/nvme/nvme_stream.h"
#include "bench/report/report_latency.h"
#include "lib/rounds.h"

/* Schema 4: rows once per round, summaries, costs, each row of a workload,
 * the CPUs of each (README). */
#define REPORT_SCHEMA 4

/* What one round of a row comes to; the summary is made of these. */
struct report_round {
	uint64_t cycles_per_packet;  /* the round's mean over its frames */
	uint64_t p99;
	uint64_t pps;
	uint64_t inval_permille;     /* share of the cycles spent invalidating */
	uint64_t inval_per_packet_x1000;
	uint64_t phase[PHASE_COUNT]; /* cycles per packet */
};

struct report_row {
	enum workload workload;
	/* "policy", "hwm", "inval", "batch_inval", "size" (net), "qd", "io_bytes"
	 * (nvme), "micro" */
	const char *sweep;
	/* What the report prints of a row's configuration: policy, hwm,
	 * flush_ms, batch_gran, and packets (nvme: reads) and size (nvme:
	 * bytes per read); an NVMe row's own is in `nvme`. */
	struct stream_config cfg;
	struct nvme_stream_config nvme;
	uint64_t command_errors;     /* nvme: the latest round's */
	uint64_t prp_lists;
	struct nvme_cpu_figures cpu[CPUS_MAX]; /* nvme: each CPU's part of the latest round */
	enum vtd_inval_mode inval;
	struct stream_result res;    /* the latest round's stream */
	unsigned rounds;             /* rounds measured so far */
	struct report_round round[ROUNDS_MAX];
	uint64_t window_max;         /* the protection window's longest, over every round */
	uint64_t window_unmaps_max;
	uint64_t lost;               /* frames lost, duplicated or corrupted, over every round */
	uint64_t faults;
	struct report_latency_total latency; /* every round's invalidations */
};

/* nic, nvme: the devices the workloads run on, NULL when absent. */
void report_context(const struct kernel_options *opt, const struct e1000 *nic,
		    const struct nvme_info *nvme);
/* Keeps the figures of the stream just measured into row->res as the row's
 * next round, and prints it (JSON and a table line). */
void report_row(unsigned index, struct report_row *row, unsigned round, unsigned position);
/* Each row's summary over its rounds, the headline, the table of medians
 * in one place, and the end marker. */
void report_finish(const struct report_row *rows, unsigned n, unsigned rounds, int verdict);

#endif

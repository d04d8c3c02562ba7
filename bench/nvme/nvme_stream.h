/* The NVMe read stream: reads of a given size from the first controller's
 * namespace, qd of them in flight, each data buffer (and PRP list page)
 * mapped and unmapped through the DMA layer as Linux's nvme driver does
 * with the streaming DMA API, under one policy; every logical block read
 * is checked against the drive's known content. The NIC stream's twin:
 * the same result, phases and report (bench/net/stream.h). */
#ifndef BENCH_NVME_NVME_STREAM_H
#define BENCH_NVME_NVME_STREAM_H

#include <stdbool.h>
#include <stdint.h>
#include "bench/net/stream.h"
#include "drivers/nvme/nvme.h"
#include "drivers/vtd/vtd.h"
#include "lib/cpus.h"
#include "lib/dma/dma.h"

/* Where the reads go: a pseudo-random walk or a wrapping sequence over the
 * stream's region (the first blocks of the namespace). */
enum nvme_pattern { NVME_PATTERN_RAND, NVME_PATTERN_SEQ, NVME_PATTERN_COUNT };
/* Indexed by enum nvme_pattern and ended by NULL (the option's words). */
extern const char *const nvme_pattern_names[NVME_PATTERN_COUNT + 1];

struct nvme_stream_config {
	enum dma_policy policy;
	uint64_t ios;             /* reads per measured stream, on each CPU */
	unsigned cpus;            /* CPUs reading at once, each on its own queue pair */
	unsigned qd;              /* reads in flight, on each CPU */
	unsigned io_bytes;        /* per read, a multiple of the block size */
	enum nvme_pattern pattern;
	unsigned hwm;
	unsigned fq_size;
	unsigned flush_ms;
	enum dma_gran batch_gran;
	bool quiet;               /* no progress lines */
	bool timing;              /* time every phase */
};

/* The shared figures (res: sent = reads submitted, received = reads that
 * completed and checked, corrupted = reads with a block that failed its
 * check, lost = reads that never completed; per_packet: cycles per read;
 * phase[PHASE_DEVICE]: the controller's part), and the NVMe-only ones. */
struct nvme_stream_result {
	struct stream_result res;
	uint64_t command_errors;  /* completions with a non-zero status */
	uint64_t prp_lists;       /* reads that needed a PRP list page */
	uint64_t blocks_checked;
	uint64_t bad_blocks;      /* blocks that failed the check */
};

/* One CPU's part of a stream on several CPUs. */
struct nvme_cpu_figures {
	uint64_t ios;             /* reads it completed and checked */
	uint64_t tsc_cycles;      /* its measured span, TSC reads' cost removed */
	uint64_t lock_cycles;     /* of those, waiting for locks the CPUs share */
	uint64_t invalidations;   /* invalidation requests it issued */
	uint64_t pps;             /* its reads per second over its own span */
};

struct nvme_stream;
/* Puts the controller in a fresh domain under the policy (one lane of it
 * per CPU), starts it with cfg->cpus queue pairs of cfg->qd, takes each
 * CPU's buffers and finds out how reads are checked (the test pattern, or
 * a first pass of checksums on a drive that does not hold it). NULL after
 * printing why; *bad_option is set when the configuration does not fit
 * the drive (io size vs block size, MDTS, queue pairs) or the machine
 * (CPUs running). */
struct nvme_stream *nvme_stream_open(struct nvme_ctrl *c, struct vtd_unit *u,
				     const struct nvme_stream_config *cfg, bool *bad_option);
/* Makes `ios` reads on each of the stream's CPUs at once (CPU 0 and the
 * next cfg.cpus - 1, each on its own queue pair and lane); fills *r with
 * their sums: cycles and phases are the CPUs' own spans added up, so
 * res.per_packet is CPU cycles per read over every CPU's reads, and
 * res.wall_tsc runs from the first CPU's start to the last one's end. The
 * DMA layer's and the unit's counters are reset first. Returns 0, or
 * negative when the controller or the DMA layer failed, a read did not
 * complete in time (counted as lost), or a CPU did not finish. */
int nvme_stream_run(struct nvme_stream *s, uint64_t ios, struct nvme_stream_result *r);
/* After nvme_stream_run: CPU i's part (i < cfg.cpus). */
const struct nvme_cpu_figures *nvme_stream_cpu(const struct nvme_stream *s, unsigned i);
void nvme_stream_set_quiet(struct nvme_stream *s, bool quiet);
/* Stops the controller (bus mastering off) before its domain goes. */
void nvme_stream_close(struct nvme_stream *s);
/* selftest=stale with the NVMe workload: a read into a buffer unmapped a
 * moment before. Strict: the unit blocks it (a fault recorded, no data in
 * the buffer); batched: the stale translation still works until the flush,
 * then faults; bounce: the data lands in the slot, never in the buffer.
 * Prints PASS:/FAIL:/SKIP: lines; returns the failures. */
int nvme_stream_stale_test(struct nvme_stream *s);

#endif

/* The loopback packet stream: frames of a given size through the NIC, each
 * buffer mapped and unmapped through the DMA layer as a network driver of
 * 2008 did with the streaming DMA API, under one policy. */
#ifndef BENCH_NET_STREAM_H
#define BENCH_NET_STREAM_H

#include <stdbool.h>
#include <stdint.h>
#include "drivers/e1000/e1000.h"
#include "drivers/vtd/vtd.h"
#include "lib/dma/dma.h"
#include "lib/stats.h"

/* Where a packet's (or a read's) cycles go: the DMA layer's phases
 * (waiting for the locks CPUs share among them), then the device's (the
 * NIC's, or the NVMe controller's). */
enum stream_phase {
	PHASE_IOVA, PHASE_PTE, PHASE_INVAL_SUBMIT, PHASE_INVAL_WAIT, PHASE_COPY, PHASE_LOCK,
	PHASE_DEVICE, PHASE_OTHER, PHASE_COUNT
};
extern const char *const stream_phase_names[PHASE_COUNT];

struct stream_config {
	enum dma_policy policy;
	uint64_t packets;
	unsigned size;            /* frame bytes handed to the NIC, FCS excluded */
	unsigned hwm;
	unsigned fq_size;
	unsigned flush_ms;
	enum dma_gran batch_gran;
	bool mac_loopback;
	bool quiet;               /* no progress lines */
	bool timing;              /* time every phase of every packet */
};

struct stream_result {
	uint64_t sent, received, lost, duplicated, corrupted;
	uint64_t faults;          /* DMA faults the unit recorded during the run */
	uint64_t mmio_reads, mmio_writes; /* the unit's register accesses in the run */
	uint64_t timer_interrupts;
	uint64_t deadlines_in_wait; /* batched: deadlines served while a frame was awaited */
	uint64_t tsc_cycles;      /* the whole stream, TSC reads' own cost removed; with
				   * several CPUs, the sum of their streams' */
	uint64_t wall_tsc;        /* from the first CPU's start to the last one's end
				   * (one CPU: tsc_cycles) */
	uint64_t tsc_reads;       /* reads made for the timing */
	uint64_t phase[PHASE_COUNT]; /* cycles over the stream; they add up to tsc_cycles */
	struct stats_summary per_packet; /* cycles per packet */
	struct dma_stats dma;
	const char *translation;  /* the NIC's context entry: dma_vtd_translation */
};

/* Brings the NIC up for one policy: domain, rings, receive buffers. */
struct stream;
struct stream *stream_open(struct e1000 *nic, struct vtd_unit *u, const struct stream_config *cfg);
/* Moves `packets` frames; fills *res. The DMA layer's and the VT-d unit's
 * counters are reset first, so *res covers this run alone (not the warm-up
 * or the set-up's mappings). Returns 0, or a negative error when the NIC
 * or the DMA layer failed (lost frames are counted, not errors). */
int stream_run(struct stream *s, uint64_t packets, struct stream_result *res);
void stream_close(struct stream *s);
/* The phases of a measured stream (either workload's): the DMA layer's
 * from res->dma, the device's part as given, and "other" the rest of
 * res->tsc_cycles, so that they add up to it. */
void stream_split_phases(struct stream_result *res, uint64_t device);
/* Progress lines on or off (off for the warm-up). */
void stream_set_quiet(struct stream *s, bool quiet);
/* The stale-translation test on an open stream is in bench/net/stale.h. */

#endif

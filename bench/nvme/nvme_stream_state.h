/* The NVMe stream's state and the steps one read goes through, shared by
 * the files of bench/nvme: the per-read path (nvme_read.c), the measured
 * loop (nvme_stream.c), bringing the controller up and down
 * (nvme_stream_setup.c) and the stale-translation test (nvme_stale.c).
 * The rest of the benchmark uses bench/nvme/nvme_stream.h. */
#ifndef BENCH_NVME_NVME_STREAM_STATE_H
#define BENCH_NVME_NVME_STREAM_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include "bench/dma_vtd.h"
#include "bench/flush_deadline.h"
#include "bench/nvme/nvme_stream.h"

#define NVME_READ_TIMEOUT_US 1000000 /* for one read to complete */
#define NVME_PRP_ENTRIES 512         /* 8-byte entries in a PRP list page */

/* One read's memory: `pages` contiguous pages, and a PRP list page when a
 * read spans more than two. */
struct nvme_buf {
	uint64_t phys;
	uint64_t prp_phys;            /* 0 when reads fit in two pages */
	uint64_t prp1, prp2;          /* device addresses of the read being made */
	uint64_t data_dev;            /* the data's mapping (pool: for life) */
	uint64_t prp_dev;             /* the PRP list's mapping */
	unsigned pending;             /* unmaps whose release has not come yet */
	bool busy;                    /* off the free list */
};

/* A read in flight, by its command's tag. */
struct nvme_slot {
	bool busy;
	unsigned buf;
	uint64_t lba;
	uint64_t t_submit;
};

/* One CPU's stream. CPU 0's (the lead's) also owns what the CPUs share:
 * the controller, its domain, the checksums; the others keep pointers to
 * those and their own buffers, tags, queue pair and lane. */
struct nvme_stream {
	struct nvme_ctrl *ctrl;
	const struct nvme_info *info;
	struct vtd_unit *unit;
	struct nvme_stream_config cfg;
	unsigned cpu;                 /* the CPU it runs on */
	struct nvme_queue *q;         /* its I/O queue pair */
	struct dma_vtd *dv;           /* the controller's domain, shared */
	struct dma_domain *dom;       /* its lane of it */
	struct nvme_dma qdma;         /* how the driver maps its queues */
	bool attached;                /* dma_vtd_attach succeeded: detach at close */
	bool started;                 /* nvme_start succeeded: stop it at close */
	struct nvme_buf *bufs;
	unsigned nbufs;
	unsigned *free_list;
	unsigned nfree;
	uint64_t meta_pages;
	unsigned pages;               /* per read */
	uint32_t blocks_per_io;
	struct nvme_slot slot[NVME_MAX_QD];
	unsigned inflight;
	/* The region read from: the first region_blocks of the namespace,
	 * region_ios read positions of blocks_per_io each. */
	uint64_t region_blocks, region_ios;
	uint64_t rng, next_seq_pos;
	/* A drive without the test pattern: each block's checksum from the
	 * first pass (NULL: blocks are checked against the pattern). */
	uint64_t *sums;
	uint64_t sum_pages;
	bool recording;               /* the first pass: record, do not check */
	struct flush_deadline deadline; /* batched's and fq's flush timer */
	struct nvme_stream_result *r; /* where completions are counted */
	/* A measured run on this CPU (nvme_stream.c). */
	struct nvme_stream_result part;
	struct nvme_cpu_figures fig;
	uint64_t job_ios;
	uint32_t *samples;            /* its slice of the run's per-read samples */
	uint64_t nsamples;
	uint64_t t_start, t_end;
	int rc;
};

/* The stream of CPU i (0 is the lead). */
struct nvme_stream *nvme_stream_of_cpu(unsigned i);
/* Points the calling CPU's LAPIC timer at its stream's flush deadline. */
void nvme_stream_arm_timer(struct nvme_stream *s);

/* Buffers come back to the free list through the DMA layer's release
 * callback only, once every unmap of the read was released. */
void nvme_buf_release(void *stream, uint64_t idx);
int nvme_buf_get(struct nvme_stream *s, unsigned *idx);
/* Maps the read's buffer (and its PRP list), filling prp1/prp2. */
int nvme_map_read(struct nvme_stream *s, unsigned idx);
int nvme_unmap_read(struct nvme_stream *s, unsigned idx);
/* The next read's LBA by the pattern. */
uint64_t nvme_next_lba(struct nvme_stream *s);
/* A buffer, mapped, and its read queued under a free tag (no doorbell). */
int nvme_queue_read(struct nvme_stream *s, uint64_t lba, uint64_t now);
/* Spins until the controller posts a completion and takes it (*tag,
 * *status), serving the flush deadline meanwhile. 0, or -1 after reporting
 * a read that did not complete within NVME_READ_TIMEOUT_US (the reads in
 * flight then count as lost). */
int nvme_poll_wait(struct nvme_stream *s, uint16_t *tag, uint16_t *status);
/* A completion taken: the read's unmaps, the check of every block, the
 * counts. 0, or negative when the DMA layer failed. */
int nvme_complete(struct nvme_stream *s, uint16_t tag, uint16_t status);
/* Batched and fq: flushes once the deadline timer fired and keeps the
 * timer armed for the queue's oldest entry; 1 when it served a deadline,
 * 0, or negative. */
int nvme_service_deadline(struct nvme_stream *s);
/* One read at lba, waited for (the set-up's probe and first pass, and the
 * stale test's reads into mapped buffers). */
int nvme_read_sync(struct nvme_stream *s, uint64_t lba);
/* Whether the blocks in buffer idx are those of lba on; counts them. */
unsigned nvme_check_blocks(struct nvme_stream *s, unsigned idx, uint64_t lba);
/* The same for the buffer's first `blocks` blocks only. */
unsigned nvme_check_first_blocks(struct nvme_stream *s, unsigned idx, uint64_t lba,
				 uint32_t blocks);

#endif

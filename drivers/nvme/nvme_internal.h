/* The NVMe driver's controller state and the seams between its files:
 * nvme_mmio.c (registers, clock, bus mastering: what a host test
 * replaces), nvme_probe.c, nvme_queue.c (a queue pair's entries, phase
 * and doorbells), nvme_ctrl.c (start-up and stop), nvme_pairs.c (asking
 * for, creating and deleting the I/O queue pairs), nvme_admin.c (admin
 * commands, one at a time), nvme_io.c (reads on an I/O queue pair).
 * Private to drivers/nvme. */
#ifndef DRIVERS_NVME_NVME_INTERNAL_H
#define DRIVERS_NVME_NVME_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include "drivers/nvme/nvme.h"
#include "lib/nvme_cmd.h"

#define NVME_AQ_ENTRIES 16
#define NVME_CMD_TIMEOUT_US 5000000
/* I/O pair i has queue id NVME_IOQ_ID(i): the admin queue is 0. */
#define NVME_IOQ_ID(i) ((i) + 1)
/* An I/O submission queue holds qd + 1 entries (a full queue keeps one
 * slot free, 1.4 4.1.2): NVME_MAX_QD + 1 entries of 64 bytes; its
 * completion queue one page. One allocation per pair: SQ, then CQ. */
#define NVME_IOQ_SQ_PAGES 2
#define NVME_IOQ_PAGES (NVME_IOQ_SQ_PAGES + 1)
#define NVME_CACHE_LINE 64

/* A queue pair: the admin one, or an I/O one that one CPU owns. Aligned to
 * a cache line so that two CPUs' pairs never share one. */
struct nvme_queue {
	struct nvme_sqe *sq;             /* CPU addresses (identity mapped); the SQ is */
					 /* published by the barrier before its doorbell */
	volatile struct nvme_cqe *cq;
	uint64_t sq_dev, cq_dev;         /* device addresses */
	uint32_t entries;
	uint32_t sq_tail, sq_tail_rung;  /* tail, and as last written to the doorbell */
	uint32_t cq_head, cq_head_rung;
	uint8_t phase;                   /* the phase tag a new completion carries */
	unsigned sq_db, cq_db;           /* doorbell register offsets */
	/* What the I/O path needs, copied here so that it reads nothing of
	 * the controller struct but the register base nvme_wr32 uses. */
	struct nvme_ctrl *ctrl;
	uint32_t nsid;
	unsigned qd;                     /* 0: the pair does not exist (any more) */
	unsigned inflight;               /* reads submitted and not yet completed */
} __attribute__((aligned(NVME_CACHE_LINE)));

struct nvme_ctrl {
	struct nvme_info info;
	volatile uint8_t *regs;
	unsigned db_stride;              /* bytes, 4 << CAP.DSTRD */
	uint64_t ready_timeout_us;       /* CAP.TO * 500 ms */
	/* Pages the driver owns, allocated once: admin SQ, admin CQ, the
	 * Identify buffer (nvme_probe), and NVME_IOQ_PAGES per I/O pair
	 * (nvme_start, for the pairs it creates the first time). */
	uint64_t admin_sq, admin_cq, identify;
	uint64_t io_mem[NVME_MAX_PAIRS];
	uint64_t identify_dev;
	struct nvme_queue admin;
	uint16_t admin_cid;
	unsigned pairs;                  /* I/O pairs existing on the controller */
	struct nvme_queue io[NVME_MAX_PAIRS];
};

/* nvme_mmio.c: the only file that dereferences c->regs, reads the TSC or
 * writes PCI configuration space. */
uint32_t nvme_rd32(struct nvme_ctrl *c, unsigned reg);
uint64_t nvme_rd64(struct nvme_ctrl *c, unsigned reg);
void nvme_wr32(struct nvme_ctrl *c, unsigned reg, uint32_t v);
void nvme_wr64(struct nvme_ctrl *c, unsigned reg, uint64_t v);
uint64_t nvme_now(void);                /* TSC */
void nvme_relax(void);                  /* one pause in a poll loop */
void nvme_bus_master(struct nvme_ctrl *c, bool on); /* false: confirmed off */
bool nvme_bus_master_on(struct nvme_ctrl *c);

/* nvme_admin.c: one admin command at a time, waited for within
 * timeout_us; 0, the decoded status printed and returned (> 0), or -1 on
 * time-out (CSTS.CFS checked and printed). `what` names the command;
 * *dw0 (unless NULL) gets the completion's command specific DW0. */
int nvme_admin_run(struct nvme_ctrl *c, struct nvme_sqe *cmd, uint64_t timeout_us,
		   const char *what, uint32_t *dw0);

/* nvme_pairs.c. Asks for `asked` I/O pairs (Set Features, Number of
 * Queues, when more than one), maps and creates as many as were granted
 * (c->pairs, info.max_queue_pairs); 0, or -1 with those made deleted. */
int nvme_pairs_create(struct nvme_ctrl *c, const struct nvme_dma *dma, unsigned qd,
		      unsigned asked);
/* Deletes every pair, last first, each SQ before its CQ; 0 or -1. */
int nvme_pairs_delete(struct nvme_ctrl *c);

/* nvme_queue.c. Points a queue at its memory (cleared) and doorbells:
 * empty, expecting phase 1 (1.4 4.6: the first pass through a new
 * completion queue carries phase tag 1), no read allowed (qd 0). */
void nvme_queue_reset(struct nvme_ctrl *c, struct nvme_queue *q, unsigned qid, uint64_t sq,
		      uint64_t cq, uint64_t sq_dev, uint64_t cq_dev, uint32_t entries);
/* The next free submission entry; nvme_queue_advance publishes it to the
 * tail (not yet to the doorbell). */
static inline struct nvme_sqe *nvme_queue_slot(struct nvme_queue *q)
{
	return &q->sq[q->sq_tail];
}
void nvme_queue_advance(struct nvme_queue *q);
/* Takes the completion at the head if its phase tag is the current one. */
bool nvme_queue_take(struct nvme_queue *q, struct nvme_cqe *out);
/* Doorbell writes, only when the tail / head moved since the last one. */
void nvme_queue_ring_sq(struct nvme_ctrl *c, struct nvme_queue *q);
void nvme_queue_ring_cq(struct nvme_ctrl *c, struct nvme_queue *q);

#endif

/* NVMe 1.x controller, read-only by construction, driven by polling. The
 * driver owns its queues' memory; the caller maps it for the device (the
 * DMA layer, through `struct nvme_dma`) once for the controller's life,
 * and maps each read's data buffer (and PRP list page) itself, handing the
 * driver device addresses, as Linux's nvme driver does with the streaming
 * DMA API. The only commands the driver can build are Read (I/O) and
 * Identify, Create/Delete I/O Submission/Completion Queue, Set Features
 * Number of Queues (admin): see lib/nvme_cmd.h.
 *
 * I/O goes through queue pairs (struct nvme_queue), each used by one CPU
 * only: a pair's submission and completion state is its own, so CPUs
 * driving different pairs share nothing that changes (the controller
 * struct is only read once nvme_start has returned). */
#ifndef DRIVERS_NVME_NVME_H
#define DRIVERS_NVME_NVME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/cpus.h"

#define NVME_MAX_QD 64              /* I/O queue entries the driver uses, at most */
#define NVME_MAX_PAIRS CPUS_MAX     /* I/O queue pairs: one per CPU, at most */

struct nvme_info {
	uint8_t bus, dev, fn;
	uint16_t vendor_id, device_id;
	uint8_t ver_major, ver_minor;   /* VS */
	uint64_t cap;                   /* CAP as read */
	char model[41], serial[21], firmware[9]; /* Identify Controller, trimmed */
	uint32_t nsid;                  /* the namespace read from (the first active one) */
	uint64_t blocks;                /* its size in logical blocks (NSZE) */
	uint32_t block_size;            /* bytes per logical block (LBAF[FLBAS].LBADS) */
	uint32_t max_transfer;          /* bytes one command may move (MDTS; 0 in MDTS = 1 MiB here) */
	unsigned max_qd;                /* I/O queue depth the controller and the driver allow */
	unsigned max_queue_pairs;       /* I/O queue pairs created (asked for and granted) */
};

/* How the driver gets device addresses for the memory it owns (queues,
 * Identify buffers): `map` returns 0 and the device address of
 * [phys, phys + len), or negative. */
struct nvme_dma {
	int (*map)(void *ctx, uint64_t phys, size_t len, uint64_t *dev);
	void *ctx;
};

struct nvme_ctrl;
struct nvme_queue;                  /* one I/O queue pair */

/* Finds the first controller of class 01:08:02 and maps its registers; no
 * DMA yet. With none, prints what storage controllers were found (an Intel
 * VMD or RAID-mode controller hides NVMe drives: say so) and returns -1. */
int nvme_probe(struct nvme_ctrl **out);
const struct nvme_info *nvme_get_info(const struct nvme_ctrl *c);
/* Resets the controller the firmware left running (CC.EN=0, CSTS.RDY=0
 * within CAP.TO), sets up the admin queue, enables it, identifies the
 * controller and its first namespace, and creates `pairs` I/O queue pairs
 * (1..NVME_MAX_PAIRS) of `qd` outstanding reads each (1..max_qd). For more
 * than one pair it first asks for them (Set Features, Number of Queues)
 * and creates as many as the controller grants, saying so when that is
 * fewer: info.max_queue_pairs is the count made. Each pair's memory is
 * mapped through `dma` once. Bus mastering is turned on here. Every wait
 * is bounded by CAP.TO or a command time-out and says what it waited for;
 * CSTS.CFS and command errors are reported, decoded. */
int nvme_start(struct nvme_ctrl *c, const struct nvme_dma *dma, unsigned qd, unsigned pairs);
/* Pair i (0..max_queue_pairs - 1, I/O queue id i + 1), NULL beyond. */
struct nvme_queue *nvme_queue(struct nvme_ctrl *c, unsigned i);
/* On pair q: queues a read of `blocks` logical blocks at `lba` into
 * prp1/prp2 (NVMe base spec 4.3: prp2 is the second page, or the device
 * address of a PRP list when the transfer spans more than two pages).
 * `tag` comes back with the completion as its command identifier, so the
 * reads in flight on a pair need distinct tags. Does not ring the
 * doorbell. -1 when `qd` reads are in flight (or the pair is not there:
 * nvme_start did not get as far, or nvme_stop deleted it). */
int nvme_q_submit_read(struct nvme_queue *q, uint64_t lba, uint32_t blocks, uint64_t prp1,
		       uint64_t prp2, uint16_t tag);
/* One write of the pair's submission tail doorbell for everything queued. */
void nvme_q_ring(struct nvme_queue *q);
/* Takes one completion of the pair if the phase bit says there is one: 1
 * and *tag, *status (0: success; else SCT << 8 | SC), or 0. The
 * completion queue's head doorbell is written by nvme_q_cq_done, once per
 * batch. */
int nvme_q_poll(struct nvme_queue *q, uint16_t *tag, uint16_t *status);
void nvme_q_cq_done(struct nvme_queue *q);
/* The same on pair 0. */
int nvme_submit_read(struct nvme_ctrl *c, uint64_t lba, uint32_t blocks, uint64_t prp1,
		     uint64_t prp2, uint16_t tag);
void nvme_ring(struct nvme_ctrl *c);
int nvme_poll(struct nvme_ctrl *c, uint16_t *tag, uint16_t *status);
void nvme_cq_done(struct nvme_ctrl *c);
/* "Generic: LBA Out of Range" etc. for a status as nvme_poll returns it. */
const char *nvme_status_text(uint16_t status);
/* Whether CSTS.CFS (controller fatal status) is set; reads CSTS. */
bool nvme_fatal(struct nvme_ctrl *c);
/* Deletes every I/O queue pair, disables the controller (CC.EN=0, bounded) and
 * turns bus mastering off. 0, or negative when the controller did not
 * answer (the caller then keeps the queue memory mapped for good). */
int nvme_stop(struct nvme_ctrl *c);

#endif

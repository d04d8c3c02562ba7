/* A simulated NVMe controller for host tests of the driver's start-up
 * protocol and queues (drivers/nvme/nvme_ctrl.c, nvme_admin.c,
 * nvme_queue.c, nvme_io.c): it stands in for drivers/nvme/nvme_mmio.c
 * (registers, the clock, bus mastering) and for the kernel services those
 * files call (kprintf, tsc_from_us). Commands are carried out when their
 * doorbell is written, on the host memory the test hands the driver as
 * device memory (device address = host address). The clock is simulated:
 * every nvme_now() advances it by NVME_SIM_TICK, at a nominal 1 GHz, so
 * a wait that never ends gives up after a known number of polls. It
 * models what QEMU does not: a controller that never becomes ready, one
 * that reports a fatal status, one that never completes an admin command,
 * one left enabled by the firmware, one that grants fewer I/O queue pairs
 * than asked for. I/O queues 1..NVME_SIM_IOQS exist only up to the count
 * granted by Set Features Number of Queues (one before it), each with its
 * own doorbells (CAP.DSTRD apart) and state. A doorbell write is carried
 * out under one mutex, in the writing thread, so that threads driving
 * different queues can run at once (the ThreadSanitizer test). One
 * controller, one instance. */
#ifndef TESTS_HOST_NVME_SIM_H
#define TESTS_HOST_NVME_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include "drivers/nvme/nvme_internal.h"

#define NVME_SIM_TICK 1000     /* ticks per nvme_now() call: 1 us at 1 GHz */
#define NVME_SIM_OPCODES 512
#define NVME_SIM_IOQS 64       /* I/O queue ids 1..NVME_SIM_IOQS */
#define NVME_SIM_FEATURES 8

/* One I/O queue pair as the controller sees it (index = queue id). */
struct nvme_sim_ioq {
	bool cq, sq;               /* created */
	uint64_t sq_base, cq_base;
	uint32_t sq_entries, cq_entries, sq_head, cq_tail;
	uint8_t cq_phase;
	uint32_t cq_cdw11;
	uint16_t sq_cqid;
	unsigned sq_doorbells, cq_doorbells, reads_done;
};

struct nvme_sim {
	uint64_t cap;
	uint32_t cc, csts, aqa, intms;
	uint64_t asq, acq;
	/* Behaviour. */
	bool never_ready;          /* CC.EN=1 never sets CSTS.RDY */
	bool fatal_on_enable;      /* CC.EN=1 sets CSTS.CFS instead of RDY */
	bool never_not_ready;      /* CC.EN=0 never clears CSTS.RDY */
	bool admin_silent;         /* admin doorbell writes are ignored */
	uint16_t cns2_status;      /* SCT << 8 | SC for Identify CNS 2; 0: the list */
	unsigned max_pairs;        /* I/O queue pairs it grants at most (0: NVME_SIM_IOQS) */
	unsigned fail_create_cq;   /* Create I/O CQ of this queue id fails (0: none) */
	unsigned rdy_delay;        /* CSTS reads before RDY follows CC.EN */
	unsigned rdy_countdown;
	/* Queues as the controller sees them. */
	uint32_t asq_head, acq_tail;
	uint8_t acq_phase;
	unsigned granted;          /* I/O queue pairs allowed: 1 until Set Features */
	bool numq_set;             /* Number of Queues was set since the enable */
	struct nvme_sim_ioq ioq[NVME_SIM_IOQS + 1];
	/* What happened. */
	struct { bool admin; uint8_t opc; uint16_t sqid, cid; } opcodes[NVME_SIM_OPCODES];
	unsigned nopcodes;
	uint8_t features[NVME_SIM_FEATURES]; /* the FIDs of Set Features, in order */
	uint32_t numq_cdw11;       /* as the last Number of Queues asked */
	unsigned nfeatures;
	unsigned csts_reads, doorbell_writes;
	unsigned reads_done;
	unsigned violations;       /* e.g. ASQ written while enabled */
	bool bus_master;
	uint64_t now;
	char log[8192];
	size_t loglen;
};

extern struct nvme_sim nvme_sim;

/* An idle, disabled controller with this CAP. */
void nvme_sim_reset(uint64_t cap);
bool nvme_sim_logged(const char *needle);

#endif

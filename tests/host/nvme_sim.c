/* The simulated controller of tests/host/nvme_sim.h. Register layout and
 * command semantics: NVM Express Base Specification 1.4 (3.1, 5.3-5.6,
 * 5.15, 6.9). */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/nvme/nvme_regs.h"
#include "kernel/console.h"
#include "kernel/mem.h"
#include "kernel/tsc.h"
#include "lib/block_pattern.h"
#include "tests/host/nvme_sim.h"

#define SIM_BLOCK 512
#define SIM_BLOCKS 1000

struct nvme_sim nvme_sim;
/* Serialises what the controller does on a doorbell write: its shared
 * counters and the admin queue (the I/O queues' state is per queue). */
static pthread_mutex_t sim_lock = PTHREAD_MUTEX_INITIALIZER;

void nvme_sim_reset(uint64_t cap)
{
	memset(&nvme_sim, 0, sizeof(nvme_sim));
	nvme_sim.cap = cap;
	nvme_sim.granted = 1;
}

bool nvme_sim_logged(const char *needle)
{
	return strstr(nvme_sim.log, needle) != NULL;
}

static void seen(bool admin, const struct nvme_sqe *e, unsigned sqid)
{
	if (nvme_sim.nopcodes < NVME_SIM_OPCODES)
		nvme_sim.opcodes[nvme_sim.nopcodes++] =
			(typeof(nvme_sim.opcodes[0])){ admin, e->opc, (uint16_t)sqid, e->cid };
}

static void put_str(uint8_t *dst, const char *s, unsigned len)
{
	memset(dst, ' ', len);
	memcpy(dst, s, strlen(s));
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/* Identify data (5.15.2): a controller with one namespace of SIM_BLOCKS
 * blocks of 512 bytes, MDTS 5. */
static uint16_t identify(const struct nvme_sqe *e)
{
	uint8_t *buf = (uint8_t *)(uintptr_t)e->prp1;

	memset(buf, 0, 4096);
	switch (e->cdw10 & 0xff) {
	case 1:
		put_str(buf + NVME_ID_CTRL_SN, "SIM0001", 20);
		put_str(buf + NVME_ID_CTRL_MN, "Simulated NVMe", 40);
		put_str(buf + NVME_ID_CTRL_FR, "1.0", 8);
		buf[NVME_ID_CTRL_MDTS] = 5;
		buf[NVME_ID_CTRL_SQES] = 0x66;
		buf[NVME_ID_CTRL_CQES] = 0x44;
		put32(buf + NVME_ID_CTRL_NN, 1);
		return 0;
	case 2:
		if (nvme_sim.cns2_status)
			return nvme_sim.cns2_status;
		put32(buf, 1);
		return 0;
	case 0:
		if (e->nsid != 1)
			return 0x00b; /* Invalid Namespace or Format */
		put32(buf + NVME_ID_NS_NSZE, SIM_BLOCKS);
		buf[NVME_ID_NS_FLBAS] = 0;
		buf[NVME_ID_NS_LBAF + 2] = 9; /* LBADS: 512 bytes */
		return 0;
	default:
		return 0x002; /* Invalid Field in Command */
	}
}

static struct nvme_sim_ioq *ioq(uint32_t cdw10)
{
	unsigned qid = cdw10 & 0xffff;

	return qid >= 1 && qid <= NVME_SIM_IOQS ? &nvme_sim.ioq[qid] : NULL;
}

/* 5.21.1.7: granted = what was asked, at most the controller's own max;
 * only before any I/O queue exists (else Command Sequence Error). */
static uint16_t set_features(const struct nvme_sqe *e, uint32_t *dw0)
{
	uint8_t fid = (uint8_t)e->cdw10;
	unsigned max = nvme_sim.max_pairs ? nvme_sim.max_pairs : NVME_SIM_IOQS;

	if (nvme_sim.nfeatures < NVME_SIM_FEATURES)
		nvme_sim.features[nvme_sim.nfeatures++] = fid;
	if (fid != 0x07)
		return 0x002; /* Invalid Field in Command: the sim knows no other */
	for (unsigned q = 1; q <= NVME_SIM_IOQS; q++)
		if (nvme_sim.ioq[q].sq || nvme_sim.ioq[q].cq)
			return 0x00c;
	unsigned sq = (e->cdw11 & 0xffff) + 1, cq = (e->cdw11 >> 16) + 1;
	unsigned n = sq < cq ? sq : cq;
	if (n > max)
		n = max;
	nvme_sim.numq_cdw11 = e->cdw11;
	nvme_sim.granted = n;
	nvme_sim.numq_set = true;
	*dw0 = (n - 1) | (n - 1) << 16;
	return 0;
}

static uint16_t admin_command(const struct nvme_sqe *e, uint32_t *dw0)
{
	struct nvme_sim_ioq *q = ioq(e->cdw10);
	unsigned qid = e->cdw10 & 0xffff;

	seen(true, e, 0);
	switch (e->opc) {
	case 0x06:
		return identify(e);
	case 0x09:
		return set_features(e, dw0);
	case 0x05: /* 5.3 */
		if (!q || qid > nvme_sim.granted || q->cq)
			return 0x101; /* Invalid Queue Identifier */
		if (qid == nvme_sim.fail_create_cq)
			return 0x102; /* Invalid Queue Size */
		*q = (struct nvme_sim_ioq){ .cq = true, .cq_base = e->prp1, .cq_tail = 0,
					    .cq_entries = (e->cdw10 >> 16) + 1, .cq_phase = 1,
					    .cq_cdw11 = e->cdw11, .sq = q->sq };
		return 0;
	case 0x01: { /* 5.4 */
		struct nvme_sim_ioq *cq = ioq(e->cdw11 >> 16);
		if (!q || qid > nvme_sim.granted || q->sq)
			return 0x101;
		if (!cq || !cq->cq)
			return 0x100; /* Completion Queue Invalid */
		q->sq = true;
		q->sq_base = e->prp1;
		q->sq_entries = (e->cdw10 >> 16) + 1;
		q->sq_head = 0;
		q->sq_cqid = (uint16_t)(e->cdw11 >> 16);
		return 0;
	}
	case 0x00: /* 5.6 */
		if (!q || !q->sq)
			return 0x101;
		q->sq = false;
		return 0;
	case 0x04: /* 5.5: the submission queues on it must be gone first */
		if (!q || !q->cq)
			return 0x101;
		for (unsigned s = 1; s <= NVME_SIM_IOQS; s++)
			if (nvme_sim.ioq[s].sq && nvme_sim.ioq[s].sq_cqid == qid)
				return 0x10c; /* Invalid Queue Deletion */
		q->cq = false;
		return 0;
	default:
		return 0x001;
	}
}

static void post(uint64_t cq_base, uint32_t *tail, uint8_t *phase, uint32_t entries,
		 uint32_t dw0, uint16_t sqid, uint16_t cid, uint16_t sqhd, uint16_t status)
{
	struct nvme_cqe *cq = (struct nvme_cqe *)(uintptr_t)cq_base;

	cq[*tail] = (struct nvme_cqe){ .dw0 = dw0, .sqhd = sqhd, .sqid = sqid, .cid = cid,
				       .status = (uint16_t)(*phase | (status & 0xff) << 1 |
							    (status >> 8) << 9) };
	if (++*tail == entries) {
		*tail = 0;
		*phase ^= 1;
	}
}

static void run_admin(uint32_t tail)
{
	uint32_t entries = (nvme_sim.aqa & 0xfff) + 1;
	const struct nvme_sqe *sq = (const struct nvme_sqe *)(uintptr_t)nvme_sim.asq;

	while (nvme_sim.asq_head != tail) {
		const struct nvme_sqe *e = &sq[nvme_sim.asq_head];
		nvme_sim.asq_head = (nvme_sim.asq_head + 1) % entries;
		uint32_t dw0 = 0;
		uint16_t st = admin_command(e, &dw0);
		post(nvme_sim.acq, &nvme_sim.acq_tail, &nvme_sim.acq_phase,
		     ((nvme_sim.aqa >> 16) & 0xfff) + 1, dw0, 0, e->cid,
		     (uint16_t)nvme_sim.asq_head, st);
	}
}

/* 6.9 Read on I/O queue qid: the blocks' pattern into PRP1 (one page at
 * most here), the completion on the queue's own CQ. */
static void run_io(unsigned qid, uint32_t tail)
{
	struct nvme_sim_ioq *q = &nvme_sim.ioq[qid], *cq = &nvme_sim.ioq[q->sq_cqid];
	const struct nvme_sqe *sq = (const struct nvme_sqe *)(uintptr_t)q->sq_base;

	if (tail >= q->sq_entries) {
		nvme_sim.violations++; /* a tail beyond the queue */
		return;
	}
	while (q->sq_head != tail) {
		const struct nvme_sqe *e = &sq[q->sq_head];
		q->sq_head = (q->sq_head + 1) % q->sq_entries;
		seen(false, e, qid);
		uint64_t lba = e->cdw10 | (uint64_t)e->cdw11 << 32;
		uint32_t n = (e->cdw12 & 0xffff) + 1;
		uint16_t st = 0;
		if (e->opc != 0x02)
			st = 0x001;
		else if (lba + n > SIM_BLOCKS)
			st = 0x080; /* LBA Out of Range */
		else if (n * SIM_BLOCK > 4096)
			st = 0x002;
		else
			for (uint32_t i = 0; i < n; i++)
				block_pattern_fill((uint8_t *)(uintptr_t)e->prp1 + i * SIM_BLOCK,
						   SIM_BLOCK, lba + i);
		nvme_sim.reads_done += !st;
		q->reads_done += !st;
		post(cq->cq_base, &cq->cq_tail, &cq->cq_phase, cq->cq_entries, 0, (uint16_t)qid,
		     e->cid, (uint16_t)q->sq_head, st);
	}
}

static void cc_write(uint32_t v)
{
	bool was = nvme_sim.cc & NVME_CC_EN, on = v & NVME_CC_EN;

	if (was && on && v != nvme_sim.cc)
		nvme_sim.violations++; /* 3.1.5: configuration changed while enabled */
	nvme_sim.cc = v;
	if (was == on)
		return;
	nvme_sim.rdy_countdown = nvme_sim.rdy_delay;
	if (on) {
		if (nvme_sim.fatal_on_enable)
			nvme_sim.csts |= NVME_CSTS_CFS;
		nvme_sim.asq_head = nvme_sim.acq_tail = 0;
		nvme_sim.acq_phase = 1;
	} else {
		/* A reset deletes the I/O queues and forgets the queue count. */
		memset(nvme_sim.ioq, 0, sizeof(nvme_sim.ioq));
		nvme_sim.granted = 1;
		nvme_sim.numq_set = false;
	}
}

/* CSTS.RDY follows CC.EN after rdy_delay reads, unless told not to. */
static uint32_t csts_read(void)
{
	bool en = nvme_sim.cc & NVME_CC_EN, rdy = nvme_sim.csts & NVME_CSTS_RDY;

	nvme_sim.csts_reads++;
	if (en != rdy) {
		bool stuck = en ? (nvme_sim.never_ready || nvme_sim.fatal_on_enable)
				: nvme_sim.never_not_ready;
		if (!stuck && nvme_sim.rdy_countdown-- == 0)
			nvme_sim.csts ^= NVME_CSTS_RDY;
	}
	return nvme_sim.csts;
}

/* ---- drivers/nvme/nvme_mmio.c's functions ---------------------------- */

uint32_t nvme_rd32(struct nvme_ctrl *c, unsigned reg)
{
	(void)c;
	switch (reg) {
	case NVME_REG_VS: return 0x00010400;
	case NVME_REG_CC: return nvme_sim.cc;
	case NVME_REG_CSTS: return csts_read();
	case NVME_REG_AQA: return nvme_sim.aqa;
	default: return 0;
	}
}

uint64_t nvme_rd64(struct nvme_ctrl *c, unsigned reg)
{
	(void)c;
	switch (reg) {
	case NVME_REG_CAP: return nvme_sim.cap;
	case NVME_REG_ASQ: return nvme_sim.asq;
	case NVME_REG_ACQ: return nvme_sim.acq;
	default: return 0;
	}
}

void nvme_wr32(struct nvme_ctrl *c, unsigned reg, uint32_t v)
{
	unsigned stride = 4u << NVME_CAP_DSTRD(nvme_sim.cap);

	(void)c;
	if (reg >= NVME_REG_DOORBELLS) {
		/* 3.1.24/3.1.25: SQ y tail at 2y strides, CQ y head at 2y + 1. */
		unsigned slot = (reg - NVME_REG_DOORBELLS) / stride, y = slot / 2;
		pthread_mutex_lock(&sim_lock);
		nvme_sim.doorbell_writes++;
		if (!(nvme_sim.csts & NVME_CSTS_RDY) || !(nvme_sim.cc & NVME_CC_EN))
			nvme_sim.violations++; /* a doorbell of a controller not ready */
		if ((reg - NVME_REG_DOORBELLS) % stride || y > NVME_SIM_IOQS)
			nvme_sim.violations++; /* between doorbells, or beyond the queues */
		else if (y == 0 && slot == 0 && !nvme_sim.admin_silent)
			run_admin(v);
		else if (y > 0 && slot % 2 == 0) {
			nvme_sim.ioq[y].sq_doorbells++;
			if (nvme_sim.ioq[y].sq)
				run_io(y, v);
			else
				nvme_sim.violations++; /* the doorbell of a queue not created */
		} else if (y > 0) {
			nvme_sim.ioq[y].cq_doorbells++;
			nvme_sim.violations += !nvme_sim.ioq[y].cq;
		}
		pthread_mutex_unlock(&sim_lock);
		return;
	}
	switch (reg) {
	case NVME_REG_CC: cc_write(v); break;
	case NVME_REG_AQA:
		nvme_sim.violations += (nvme_sim.cc & NVME_CC_EN) != 0;
		nvme_sim.aqa = v;
		break;
	case NVME_REG_INTMS: nvme_sim.intms |= v; break;
	default: nvme_sim.violations++; break;
	}
}

void nvme_wr64(struct nvme_ctrl *c, unsigned reg, uint64_t v)
{
	(void)c;
	nvme_sim.violations += (nvme_sim.cc & NVME_CC_EN) != 0; /* 3.1.9: set while disabled */
	if (reg == NVME_REG_ASQ)
		nvme_sim.asq = v;
	else if (reg == NVME_REG_ACQ)
		nvme_sim.acq = v;
	else
		nvme_sim.violations++;
}

uint64_t nvme_now(void)
{
	return nvme_sim.now += NVME_SIM_TICK;
}

void nvme_relax(void)
{
}

void nvme_bus_master(struct nvme_ctrl *c, bool on)
{
	(void)c;
	nvme_sim.bus_master = on;
}

bool nvme_bus_master_on(struct nvme_ctrl *c)
{
	(void)c;
	return nvme_sim.bus_master;
}

/* ---- the kernel services --------------------------------------------- */

int kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(nvme_sim.log + nvme_sim.loglen, sizeof(nvme_sim.log) - nvme_sim.loglen, fmt, ap);
	va_end(ap);
	if (n > 0)
		nvme_sim.loglen += (size_t)n;
	if (nvme_sim.loglen >= sizeof(nvme_sim.log))
		nvme_sim.loglen = sizeof(nvme_sim.log) - 1;
	return n;
}

/* Pages as kernel/mem.c hands them out: aligned, with stale content the
 * driver must clear. */
uint64_t page_alloc(uint64_t npages)
{
	void *p = aligned_alloc(4096, npages * 4096);

	if (p)
		memset(p, 0x5a, npages * 4096);
	return (uint64_t)(uintptr_t)p;
}

uint64_t tsc_from_us(uint64_t us)
{
	return us * 1000; /* the simulated clock's 1 GHz */
}

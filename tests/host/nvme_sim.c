/* The simulated controller of tests/host/nvme_sim.h. Register layout and
 * command semantics: NVM Express Base Specification 1.4 (3.1, 5.3-5.6,
 * 5.15, 6.9). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "drivers/nvme/nvme_regs.h"
#include "kernel/console.h"
#include "kernel/tsc.h"
#include "lib/block_pattern.h"
#include "tests/host/nvme_sim.h"

#define SIM_BLOCK 512
#define SIM_BLOCKS 1000

struct nvme_sim nvme_sim;

void nvme_sim_reset(uint64_t cap)
{
	memset(&nvme_sim, 0, sizeof(nvme_sim));
	nvme_sim.cap = cap;
}

bool nvme_sim_logged(const char *needle)
{
	return strstr(nvme_sim.log, needle) != NULL;
}

static void seen(bool admin, uint8_t opc)
{
	if (nvme_sim.nopcodes < NVME_SIM_OPCODES)
		nvme_sim.opcodes[nvme_sim.nopcodes++] = (typeof(nvme_sim.opcodes[0])){ admin, opc };
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

static uint16_t admin_command(const struct nvme_sqe *e)
{
	seen(true, e->opc);
	switch (e->opc) {
	case 0x06:
		return identify(e);
	case 0x05: /* 5.3 */
		nvme_sim.io_cq = true;
		nvme_sim.io_cq_base = e->prp1;
		nvme_sim.io_entries = (e->cdw10 >> 16) + 1;
		nvme_sim.io_cq_cdw11 = e->cdw11;
		nvme_sim.io_cq_tail = 0;
		nvme_sim.io_cq_phase = 1;
		return 0;
	case 0x01: /* 5.4 */
		if (!nvme_sim.io_cq || (e->cdw11 >> 16) != 1)
			return 0x100; /* Completion Queue Invalid */
		nvme_sim.io_sq = true;
		nvme_sim.io_sq_base = e->prp1;
		nvme_sim.io_sq_head = 0;
		return 0;
	case 0x00: /* 5.6 */
		if (!nvme_sim.io_sq)
			return 0x101;
		nvme_sim.io_sq = false;
		return 0;
	case 0x04: /* 5.5: its submission queue must be gone first */
		if (nvme_sim.io_sq)
			return 0x10c; /* Invalid Queue Deletion */
		nvme_sim.io_cq = false;
		return 0;
	default:
		return 0x001;
	}
}

static void post(uint64_t cq_base, uint32_t *tail, uint8_t *phase, uint32_t entries,
		 uint16_t cid, uint16_t sqhd, uint16_t status)
{
	struct nvme_cqe *cq = (struct nvme_cqe *)(uintptr_t)cq_base;

	cq[*tail] = (struct nvme_cqe){ .sqhd = sqhd, .cid = cid,
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
		uint16_t st = admin_command(e);
		post(nvme_sim.acq, &nvme_sim.acq_tail, &nvme_sim.acq_phase,
		     ((nvme_sim.aqa >> 16) & 0xfff) + 1, e->cid, (uint16_t)nvme_sim.asq_head, st);
	}
}

/* 6.9 Read: the blocks' pattern into PRP1 (one page at most here). */
static void run_io(uint32_t tail)
{
	const struct nvme_sqe *sq = (const struct nvme_sqe *)(uintptr_t)nvme_sim.io_sq_base;

	while (nvme_sim.io_sq_head != tail) {
		const struct nvme_sqe *e = &sq[nvme_sim.io_sq_head];
		nvme_sim.io_sq_head = (nvme_sim.io_sq_head + 1) % nvme_sim.io_entries;
		seen(false, e->opc);
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
		post(nvme_sim.io_cq_base, &nvme_sim.io_cq_tail, &nvme_sim.io_cq_phase,
		     nvme_sim.io_entries, e->cid, (uint16_t)nvme_sim.io_sq_head, st);
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
		nvme_sim.io_sq = nvme_sim.io_cq = false; /* a reset deletes the I/O queues */
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
		nvme_sim.doorbell_writes++;
		if (!(nvme_sim.csts & NVME_CSTS_RDY) || !(nvme_sim.cc & NVME_CC_EN))
			nvme_sim.violations++; /* a doorbell of a controller not ready */
		if (reg == NVME_SQ_TAIL_DB(0, stride) && !nvme_sim.admin_silent)
			run_admin(v);
		else if (reg == NVME_SQ_TAIL_DB(1, stride) && nvme_sim.io_sq)
			run_io(v);
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

uint64_t tsc_from_us(uint64_t us)
{
	return us * 1000; /* the simulated clock's 1 GHz */
}

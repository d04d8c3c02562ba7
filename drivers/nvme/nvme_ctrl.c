/* Bringing the controller up and down (NVMe 1.4 7.6.1 Initialization,
 * 7.6.2 Shutdown): reset, admin queue, enable, Identify, the I/O queue
 * pairs (nvme_pairs.c), and at the end the pairs deleted and the
 * controller disabled. The controller's DMA goes only to the pages the
 * driver owns, mapped by the caller's nvme_dma, and to the caller's read
 * buffers. */
#include "drivers/nvme/nvme_internal.h"
#include "drivers/nvme/nvme_regs.h"
#include "kernel/console.h"
#include "kernel/tsc.h"
#include "lib/page.h"
#include "lib/string.h"

#define READY_UNIT_US    500000 /* CAP.TO counts 500 ms units (3.1.1) */
#define NO_MDTS_LIMIT    (1u << 20)
#define SQES_LOG2        6      /* 64-byte submission entries */
#define CQES_LOG2        4      /* 16-byte completion entries */

/* Waits for CSTS.RDY to read `want` within CAP.TO. */
static int wait_ready(struct nvme_ctrl *c, bool want, const char *why)
{
	uint64_t end = nvme_now() + tsc_from_us(c->ready_timeout_us);
	uint32_t csts;

	while (((csts = nvme_rd32(c, NVME_REG_CSTS)) & NVME_CSTS_RDY) != (want ? NVME_CSTS_RDY : 0)) {
		if (csts & NVME_CSTS_CFS && csts != 0xffffffffu && want) {
			kprintf("nvme: controller fatal status (CSTS.CFS) while waiting for CSTS.RDY=1 "
				"(%s; CSTS 0x%x)\n", why, csts);
			return -1;
		}
		if (nvme_now() > end) {
			kprintf("nvme: timeout after %lu ms (CAP.TO) waiting for CSTS.RDY=%u (%s); "
				"CSTS 0x%x%s\n", c->ready_timeout_us / 1000, (unsigned)want, why, csts,
				csts & NVME_CSTS_CFS ? ", controller fatal status (CSTS.CFS) set" : "");
			return -1;
		}
		nvme_relax();
	}
	return 0;
}

/* CC.EN=0 and CSTS.RDY=0 (7.6.1 step 1). A controller caught enabling
 * (EN=1, RDY=0) is let finish first: 3.1.6 leaves clearing EN undefined
 * before RDY follows it. */
static int disable(struct nvme_ctrl *c, const char *why)
{
	uint32_t cc = nvme_rd32(c, NVME_REG_CC);

	if ((cc & NVME_CC_EN) && !(nvme_rd32(c, NVME_REG_CSTS) & NVME_CSTS_RDY))
		(void)wait_ready(c, true, "an enable in progress, before the reset");
	nvme_wr32(c, NVME_REG_CC, cc & ~NVME_CC_EN);
	return wait_ready(c, false, why);
}

static int enable(struct nvme_ctrl *c)
{
	nvme_queue_reset(c, &c->admin, 0, c->admin_sq, c->admin_cq, c->admin.sq_dev,
			 c->admin.cq_dev, NVME_AQ_ENTRIES);
	nvme_wr32(c, NVME_REG_INTMS, 1u); /* the admin queue's vector 0 masked: polled */
	nvme_wr32(c, NVME_REG_AQA, NVME_AQA(NVME_AQ_ENTRIES, NVME_AQ_ENTRIES));
	nvme_wr64(c, NVME_REG_ASQ, c->admin.sq_dev);
	nvme_wr64(c, NVME_REG_ACQ, c->admin.cq_dev);
	nvme_wr32(c, NVME_REG_CC, NVME_CC_CSS_NVM | NVME_CC_MPS(0) | NVME_CC_AMS_RR |
				  NVME_CC_IOSQES(SQES_LOG2) | NVME_CC_IOCQES(CQES_LOG2) | NVME_CC_EN);
	return wait_ready(c, true, "enable");
}

static uint32_t le32_at(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* An ASCII field of Identify data, trailing spaces dropped. */
static void copy_trimmed(char *dst, const uint8_t *src, unsigned len)
{
	unsigned n = len;

	while (n && (src[n - 1] == ' ' || src[n - 1] == 0))
		n--;
	for (unsigned i = 0; i < n; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
	dst[n] = 0;
}

static int identify(struct nvme_ctrl *c, enum nvme_identify_cns cns, uint32_t nsid,
		    const char *what)
{
	struct nvme_sqe cmd;

	memset((void *)c->identify, 0, PAGE_SIZE);
	nvme_cmd_identify(&cmd, 0, cns, nsid, c->identify_dev);
	return nvme_admin_run(c, &cmd, NVME_CMD_TIMEOUT_US, what, NULL);
}

/* 5.15.2.1 Identify Controller, 5.15.2.2 active namespace list, 5.15.2.3
 * Identify Namespace: the model, the first active namespace, its size and
 * its block size. */
static int identify_all(struct nvme_ctrl *c)
{
	const uint8_t *id = (const uint8_t *)c->identify;
	struct nvme_info *in = &c->info;

	if (identify(c, NVME_CNS_CONTROLLER, 0, "Identify Controller (CNS 1)"))
		return -1;
	copy_trimmed(in->serial, id + NVME_ID_CTRL_SN, 20);
	copy_trimmed(in->model, id + NVME_ID_CTRL_MN, 40);
	copy_trimmed(in->firmware, id + NVME_ID_CTRL_FR, 8);
	unsigned mdts = id[NVME_ID_CTRL_MDTS];
	uint32_t min_page = 4096u << NVME_CAP_MPSMIN(in->cap);
	in->max_transfer = mdts ? (mdts + 12 < 32 ? min_page << mdts : 0x80000000u) : NO_MDTS_LIMIT;
	uint32_t nn = le32_at(id + NVME_ID_CTRL_NN);

	in->nsid = 0;
	if (identify(c, NVME_CNS_ACTIVE_NSID, 0, "Identify active namespace list (CNS 2)") == 0)
		in->nsid = le32_at(id);
	else if (nn)
		in->nsid = 1; /* a 1.0 controller without CNS 2: namespace 1 */
	if (!in->nsid) {
		kprintf("nvme: the controller has no active namespace (NN %u)\n", nn);
		return -1;
	}
	if (identify(c, NVME_CNS_NAMESPACE, in->nsid, "Identify Namespace (CNS 0)"))
		return -1;
	in->blocks = (uint64_t)le32_at(id + NVME_ID_NS_NSZE) |
		     (uint64_t)le32_at(id + NVME_ID_NS_NSZE + 4) << 32;
	unsigned format = id[NVME_ID_NS_FLBAS] & 0xf;
	unsigned lbads = id[NVME_ID_NS_LBAF + 4 * format + 2];
	if (lbads < 9 || lbads > 16 || !in->blocks) {
		kprintf("nvme: namespace %u: unusable format (NSZE %lu, LBA format %u, LBADS %u)\n",
			in->nsid, in->blocks, format, lbads);
		return -1;
	}
	in->block_size = 1u << lbads;
	kprintf("nvme: %s, serial %s, firmware %s, MDTS %u (%u KiB per command); namespace %u: "
		"%lu blocks of %u bytes\n", in->model, in->serial, in->firmware, mdts,
		in->max_transfer / 1024, in->nsid, in->blocks, in->block_size);
	return 0;
}

static int map_pages(struct nvme_ctrl *c, const struct nvme_dma *dma)
{
	if (dma->map(dma->ctx, c->admin_sq, PAGE_SIZE, &c->admin.sq_dev) ||
	    dma->map(dma->ctx, c->admin_cq, PAGE_SIZE, &c->admin.cq_dev) ||
	    dma->map(dma->ctx, c->identify, PAGE_SIZE, &c->identify_dev)) {
		kprintf("nvme: the admin queue or the Identify buffer could not be mapped for the device\n");
		return -1;
	}
	return 0;
}

/* What the driver needs of CAP (3.1.1): 4 KiB pages, the NVM command set,
 * contiguous queues of at least two entries; and a pair count it has
 * room for. */
static int check_cap(struct nvme_ctrl *c, unsigned qd, unsigned pairs)
{
	uint64_t cap = c->info.cap;
	unsigned mqes = NVME_CAP_MQES(cap);

	c->info.max_qd = mqes < NVME_MAX_QD ? mqes : NVME_MAX_QD;
	c->ready_timeout_us = (uint64_t)(NVME_CAP_TO(cap) ? NVME_CAP_TO(cap) : 1) * READY_UNIT_US;
	if (NVME_CAP_MPSMIN(cap) != 0) {
		kprintf("nvme: the controller's smallest page is %u KiB (CAP.MPSMIN %u); the driver "
			"uses 4 KiB pages\n", 4u << NVME_CAP_MPSMIN(cap), NVME_CAP_MPSMIN(cap));
		return -1;
	}
	if (!NVME_CAP_CSS_NVM(cap)) {
		kprintf("nvme: the controller lacks the NVM command set (CAP.CSS 0x%lx)\n",
			(cap >> 37) & 0xff);
		return -1;
	}
	if (qd < 1 || qd > c->info.max_qd) {
		kprintf("nvme: queue depth %u outside 1..%u (CAP.MQES %u, driver %u)\n", qd,
			c->info.max_qd, mqes, NVME_MAX_QD);
		return -1;
	}
	if (pairs < 1 || pairs > NVME_MAX_PAIRS) {
		kprintf("nvme: %u I/O queue pairs asked for, outside 1..%u\n", pairs, NVME_MAX_PAIRS);
		return -1;
	}
	return 0;
}

int nvme_start(struct nvme_ctrl *c, const struct nvme_dma *dma, unsigned qd, unsigned pairs)
{
	c->pairs = 0;
	c->info.max_queue_pairs = 0;
	for (unsigned i = 0; i < NVME_MAX_PAIRS; i++)
		c->io[i].qd = 0;
	if (check_cap(c, qd, pairs) || map_pages(c, dma))
		return -1;
	nvme_bus_master(c, true);
	if (disable(c, "reset: CC.EN=0") || enable(c) || identify_all(c) ||
	    nvme_pairs_create(c, dma, qd, pairs))
		return -1;
	return 0;
}

const struct nvme_info *nvme_get_info(const struct nvme_ctrl *c)
{
	return &c->info;
}

bool nvme_fatal(struct nvme_ctrl *c)
{
	return (nvme_rd32(c, NVME_REG_CSTS) & NVME_CSTS_CFS) != 0;
}

int nvme_stop(struct nvme_ctrl *c)
{
	int rc = nvme_pairs_delete(c);

	if (disable(c, "stop: CC.EN=0"))
		rc = -1;
	nvme_bus_master(c, false);
	if (nvme_bus_master_on(c)) {
		kprintf("nvme: bus mastering stays on (PCI command register bit 2 reads 1)\n");
		rc = -1;
	}
	return rc;
}

/* IOTLB and context-cache invalidation through either interface:
 *  - register-based (VT-d spec 6.5.1): CCMD and the IOTLB registers at
 *    ECAP.IRO; one request at a time, done when ICC/IVT reads 0; with
 *    several CPUs, one CPU at a time holds the unit's queue lock from its
 *    first submit to its wait;
 *  - queued (6.5.2, vtd_queue.c): descriptors in a ring in memory, made
 *    visible by moving IQT; completion is a wait descriptor whose status
 *    write the CPU polls, so any number of requests share one wait.
 * The DMA layer sees one API; this file hides which interface runs. */
#include "drivers/vtd/vtd.h"
#include "drivers/vtd/vtd_internal.h"
#include "drivers/vtd/vtd_regs.h"
#include "kernel/console.h"
#include "kernel/mem.h"

const char *const vtd_inval_mode_words[VTD_INVAL_MODE_COUNT + 1] = {
	[VTD_INVAL_REG] = "reg", [VTD_INVAL_QI] = "qi", NULL
};

static const char *const mode_names[VTD_INVAL_MODE_COUNT] = {
	[VTD_INVAL_REG] = "register", [VTD_INVAL_QI] = "queued",
};

const char *vtd_inval_mode_name(enum vtd_inval_mode m)
{
	return (unsigned)m < VTD_INVAL_MODE_COUNT ? mode_names[m] : "?";
}

/* Smallest address mask (VT-d spec 6.5.2.3: 2^AM pages, naturally aligned)
 * whose block holds [iova, iova + npages). */
static unsigned psi_mask(uint64_t iova, uint64_t npages)
{
	uint64_t first = iova >> PAGE_SHIFT, last = first + npages - 1;
	unsigned am = 0;

	while ((first >> am) != (last >> am))
		am++;
	return am;
}

/* Page-selective is used only when the unit has it and the mask fits
 * CAP.MAMV; otherwise the request becomes domain-selective, which is also
 * correct, only wider. */
static enum dma_gran effective_gran(const struct vtd_unit *u, enum dma_gran g, uint64_t iova,
				    uint64_t npages, unsigned *am, uint64_t *fallbacks)
{
	if (g != DMA_GRAN_PAGES)
		return g;
	*am = psi_mask(iova, npages);
	if (!cap_psi(u->cap) || *am > cap_mamv(u->cap)) {
		(*fallbacks)++;
		return DMA_GRAN_DOMAIN;
	}
	return DMA_GRAN_PAGES;
}

/* ---- register-based ---- */

static int reg_wait(struct vtd_unit *u)
{
	if (!u->reg_pending)
		return 0;
	unsigned iotlb = ecap_iro(u->ecap) + DMAR_IOTLB_OFF;
	uint64_t done;
	/* 6.5.1 / 10.4.8: the read that sees IVT clear also holds IAIG. */
	if (vtd_wait64_read(u, iotlb, DMA_TLB_IVT, 0, "IOTLB_REG.IVT to clear", &done))
		return -1;
	u->reg_pending = false;
	u->last_iaig = DMA_TLB_IAIG(done);
	if (u->last_iaig == 0) {
		kprintf("vtd%u: the IOTLB invalidation was rejected (IAIG = 0)\n", u->index);
		return -1;
	}
	return 0;
}

static int reg_submit(struct vtd_unit *u, enum dma_gran g, uint16_t did, uint64_t iova, unsigned am)
{
	unsigned base = ecap_iro(u->ecap);
	uint64_t cmd = DMA_TLB_IVT;

	if (reg_wait(u)) /* one register request at a time */
		return -1;
	switch (g) {
	case DMA_GRAN_PAGES:
		/* IH stays 0: intermediate entries may have changed too. */
		vtd_write64(u, base + DMAR_IVA_OFF, (iova & ~((PAGE_SIZE << am) - 1)) | am);
		cmd |= DMA_TLB_PAGE | DMA_TLB_DID(did);
		break;
	case DMA_GRAN_DOMAIN:
		cmd |= DMA_TLB_DOMAIN | DMA_TLB_DID(did);
		break;
	case DMA_GRAN_GLOBAL:
		cmd |= DMA_TLB_GLOBAL;
		break;
	}
	/* Drain DMA reads and writes when the unit can (CAP.DRD/DWD), so
	 * completion also means no in-flight request used the old entry. */
	if (cap_drd(u->cap))
		cmd |= DMA_TLB_DR;
	if (cap_dwd(u->cap))
		cmd |= DMA_TLB_DW;
	vtd_write64(u, base + DMAR_IOTLB_OFF, cmd);
	u->reg_pending = true;
	u->ring_totals.iotlb[g]++; /* under the lock, like the ring's */
	return 0;
}

/* One context-cache invalidation through CCMD (cmd: its CIRG and DID).
 * When ICC clears, CAIG says how the hardware did it (10.4.7): recorded;
 * wider than asked is correct and logged once; not done (0) or narrower
 * is an error, since the entries asked about may still be cached. */
static int reg_context(struct vtd_unit *u, uint64_t cmd)
{
	unsigned asked = DMA_CCMD_CIRG(cmd);
	uint64_t done;

	vtd_write64(u, DMAR_CCMD_REG, DMA_CCMD_ICC | cmd);
	/* 10.4.7: the read that sees ICC clear also holds CAIG. */
	if (vtd_wait64_read(u, DMAR_CCMD_REG, DMA_CCMD_ICC, 0, "CCMD_REG.ICC to clear", &done))
		return -1;
	u->last_caig = DMA_CCMD_CAIG(done);
	switch (vtd_caig_verdict(asked, u->last_caig)) {
	case VTD_CAIG_AS_ASKED:
		return 0;
	case VTD_CAIG_WIDER:
		if (!u->caig_wider_noted)
			kprintf("vtd%u: the context cache was invalidated wider than asked "
				"(CCMD CIRG %u, CAIG %u): correct, noted once\n", u->index, asked,
				u->last_caig);
		u->caig_wider_noted = true;
		return 0;
	case VTD_CAIG_NOT_AS_ASKED:
		break;
	}
	console_set_error_color(1);
	kprintf("vtd%u: the context-cache invalidation was not done as asked (CCMD CIRG %u, "
		"CAIG %u)\n", u->index, asked, u->last_caig);
	console_set_error_color(0);
	return -1;
}

/* ---- queued ---- */

/* The IOTLB invalidation descriptor (VT-d spec 6.5.2.3) for a request. */
static void qi_iotlb_desc(const struct vtd_unit *u, enum dma_gran g, uint16_t did, uint64_t iova,
			  unsigned am, uint64_t *lo, uint64_t *hi)
{
	*lo = QI_IOTLB_TYPE;
	*hi = 0;
	switch (g) {
	case DMA_GRAN_PAGES:
		*lo |= QI_GRAN_DEVICE_OR_PAGE | QI_DID(did);
		*hi = (iova & ~((PAGE_SIZE << am) - 1)) | QI_IOTLB_AM(am);
		break;
	case DMA_GRAN_DOMAIN:
		*lo |= QI_GRAN_DOMAIN | QI_DID(did);
		break;
	case DMA_GRAN_GLOBAL:
		*lo |= QI_GRAN_GLOBAL;
		break;
	}
	if (cap_drd(u->cap))
		*lo |= QI_IOTLB_DR;
	if (cap_dwd(u->cap))
		*lo |= QI_IOTLB_DW;
}

/* ---- the API ---- */

int vtd_set_inval_mode(struct vtd_unit *u, enum vtd_inval_mode mode)
{
	if (mode == VTD_INVAL_QI && !ecap_qi(u->ecap)) {
		kprintf("vtd%u: this unit has no queued invalidation (ECAP.QI = 0); use inval=reg\n",
			u->index);
		return -1;
	}
	bool qi_on = vtd_read32(u, DMAR_GSTS_REG) & DMA_GSTS_QIES;
	if (qi_on && (mode == VTD_INVAL_REG || u->inval != VTD_INVAL_QI)) {
		/* 6.5.2: software must drain the queue before disabling it. */
		if (u->inval == VTD_INVAL_QI && vtd_qi_wait_on(u, 0, false))
			return -1;
		if (vtd_gcmd(u, DMA_GCMD_QIE, false, "QIES"))
			return -1;
		qi_on = false;
	}
	if (reg_wait(u))
		return -1;
	u->inval = mode;
	if (mode == VTD_INVAL_QI && !qi_on)
		return vtd_qi_enable(u);
	return 0;
}

/* Register-based: the CPU takes the queue lock at its first submit and
 * keeps it through its wait, since the registers hold one request. */
static bool reg_lock_held(struct vtd_unit *u, unsigned cpu)
{
	struct vtd_cpu_queue *c = &u->cpu[cpu];

	if (c->holds_reg_lock)
		return true;
	if (!vtd_queue_lock(u, cpu))
		return false;
	c->holds_reg_lock = true;
	return true;
}

static void reg_unlock(struct vtd_unit *u, unsigned cpu)
{
	u->cpu[cpu].holds_reg_lock = false;
	vtd_queue_unlock(u);
}

int vtd_inval_submit_on(struct vtd_unit *u, unsigned cpu, enum dma_gran g, uint16_t did,
			uint64_t iova, uint64_t npages)
{
	struct vtd_cpu_queue *c = &u->cpu[cpu];
	unsigned am = 0;

	if (u->inval == VTD_INVAL_QI) {
		/* Counted by this CPU alone; added to the unit's stats under the
		 * lock at its wait, so the submit takes no lock. */
		uint64_t lo, hi;
		c->iotlb_inval[g]++;
		g = effective_gran(u, g, iova, npages ? npages : 1, &am, &c->psi_fallbacks);
		qi_iotlb_desc(u, g, did, iova, am, &lo, &hi);
		return vtd_qi_stage(u, cpu, lo, hi);
	}
	if (!reg_lock_held(u, cpu))
		return -1;
	u->stats.iotlb_inval[g]++;
	g = effective_gran(u, g, iova, npages ? npages : 1, &am, &u->stats.psi_fallbacks);
	if (reg_submit(u, g, did, iova, am)) {
		reg_unlock(u, cpu); /* a failed submit is not followed by its wait */
		return -1;
	}
	return 0;
}

int vtd_inval_wait_on(struct vtd_unit *u, unsigned cpu)
{
	if (u->inval == VTD_INVAL_QI)
		return vtd_qi_wait_on(u, cpu, false);
	if (!reg_lock_held(u, cpu))
		return -1;
	u->stats.waits++;
	int rc = reg_wait(u);
	reg_unlock(u, cpu);
	return rc;
}

int vtd_inval_submit(struct vtd_unit *u, enum dma_gran g, uint16_t did, uint64_t iova,
		     uint64_t npages)
{
	return vtd_inval_submit_on(u, 0, g, did, iova, npages);
}

int vtd_inval_wait(struct vtd_unit *u)
{
	return vtd_inval_wait_on(u, 0);
}

int vtd_qi_empty_wait(struct vtd_unit *u)
{
	if (u->inval != VTD_INVAL_QI)
		return -1;
	return vtd_qi_wait_on(u, 0, true);
}

int vtd_inval_sync(struct vtd_unit *u, enum dma_gran g, uint16_t did, uint64_t iova,
		   uint64_t npages)
{
	if (vtd_inval_submit(u, g, did, iova, npages))
		return -1;
	return vtd_inval_wait(u);
}

/* Global context-cache invalidation followed, as VT-d spec 6.5.1.1 asks,
 * by a global IOTLB invalidation; from CPU 0. */
int vtd_context_inval_global(struct vtd_unit *u)
{
	if (u->inval == VTD_INVAL_QI) {
		u->cpu[0].context_inval++;
		if (vtd_qi_stage(u, 0, QI_CC_TYPE | QI_GRAN_GLOBAL, 0))
			return -1;
	} else {
		if (!reg_lock_held(u, 0))
			return -1;
		u->stats.context_inval++;
		if (reg_wait(u) || reg_context(u, DMA_CCMD_GLOBAL)) {
			reg_unlock(u, 0);
			return -1;
		}
	}
	return vtd_inval_sync(u, DMA_GRAN_GLOBAL, 0, 0, 0);
}

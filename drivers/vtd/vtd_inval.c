/* IOTLB and context-cache invalidation through either interface:
 *  - register-based (VT-d spec 6.5.1): CCMD and the IOTLB registers at
 *    ECAP.IRO; one request at a time, done when ICC/IVT reads 0;
 *  - queued (6.5.2): descriptors in a ring in memory, made visible by
 *    moving IQT; completion is a wait descriptor whose status write the CPU
 *    polls, so any number of requests share one wait. Submitted
 *    descriptors go out with their wait in one IQT write, and the free
 *    space comes from the completed waits, not from IQH: a strict unmap
 *    costs one register write and no read when all goes well.
 * The DMA layer sees one API; this file hides which interface runs. */
#include "drivers/vtd/vtd.h"
#include "drivers/vtd/vtd_regs.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/mem.h"
#include "kernel/tsc.h"

#define IQ_PAGES 1          /* 256 descriptors */
#define IQ_STATUS_DONE_TIMEOUT_US 1000000
/* A status write later than this may mean an error stopped the queue:
 * from then on the wait also reads FSTS. Before it, the wait touches no
 * register at all. */
#define IQ_STATUS_SPIN_US 20

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
static enum dma_gran effective_gran(struct vtd_unit *u, enum dma_gran g, uint64_t iova,
				    uint64_t npages, unsigned *am)
{
	if (g != DMA_GRAN_PAGES)
		return g;
	*am = psi_mask(iova, npages);
	if (!cap_psi(u->cap) || *am > cap_mamv(u->cap)) {
		u->stats.psi_fallbacks++;
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

/* The ring slot of descriptor number `index` (taken modulo the ring). */
static volatile uint64_t *qi_slot(const struct vtd_unit *u, uint64_t index)
{
	return (volatile uint64_t *)(u->iq_base + (index % u->iq_entries) * VTD_QI_DESC_BYTES);
}

/* After IQE the unit stops at the bad descriptor (IQH points at it). The
 * recovery VT-d spec 6.5.2.10 allows: overwrite it with a harmless
 * descriptor (a global IOTLB invalidation: QEMU rejects a wait that neither
 * writes status nor interrupts), then clear IQE so fetching resumes; the
 * requests behind it still complete. */
static void qi_recover(struct vtd_unit *u)
{
	uint64_t head = vtd_read64(u, DMAR_IQH_REG) >> DMA_IQ_SHIFT;
	volatile uint64_t *d = qi_slot(u, head);

	d[0] = QI_IOTLB_TYPE | QI_GRAN_GLOBAL;
	d[1] = 0;
	vtd_flush_cache(u, (const void *)d, VTD_QI_DESC_BYTES);
}

static int qi_check_errors(struct vtd_unit *u)
{
	uint32_t fsts = vtd_read32(u, DMAR_FSTS_REG);

	if (!(fsts & (DMA_FSTS_IQE | DMA_FSTS_ICE | DMA_FSTS_ITE)))
		return 0;
	if (fsts & DMA_FSTS_IQE)
		qi_recover(u);
	console_set_error_color(1);
	kprintf("vtd%u: invalidation queue error:%s%s%s (FSTS 0x%x, head %lu, tail %u)\n", u->index,
		fsts & DMA_FSTS_IQE ? " IQE (a descriptor was invalid)" : "",
		fsts & DMA_FSTS_ICE ? " ICE (completion error)" : "",
		fsts & DMA_FSTS_ITE ? " ITE (device-TLB time-out)" : "", fsts,
		vtd_read64(u, DMAR_IQH_REG) >> DMA_IQ_SHIFT, u->iq_tail);
	console_set_error_color(0);
	vtd_write32(u, DMAR_FSTS_REG, fsts & (DMA_FSTS_IQE | DMA_FSTS_ICE | DMA_FSTS_ITE));
	return -1;
}

/* Free slots behind the tail, counted from the furthest slot the hardware
 * is known to have fetched; one slot stays empty, since head == tail means
 * an empty queue (VT-d spec 6.5.2). */
static uint32_t qi_free_slots(const struct vtd_unit *u)
{
	return (u->iq_known_head + u->iq_entries - u->iq_tail - 1) % u->iq_entries;
}

/* Moves IQT to the tail: the one register write that hands everything
 * queued since the last one to the unit. */
static void qi_publish(struct vtd_unit *u)
{
	if (u->iq_published == u->iq_tail)
		return;
	/* The descriptors must be in memory before the tail moves past them. */
	__asm__ volatile("sfence" ::: "memory");
	vtd_write64(u, DMAR_IQT_REG, (uint64_t)u->iq_tail << DMA_IQ_SHIFT);
	u->iq_published = u->iq_tail;
}

/* Makes room for one descriptor. A completed wait descriptor (its status
 * written, 6.5.2.8) proves the hardware fetched everything up to it, so
 * the space is known without a register read; only a ring that is full by
 * that count reads IQH, which may be further on. */
static int qi_make_room(struct vtd_unit *u)
{
	if (qi_free_slots(u) > 0)
		return 0;
	if (*u->iq_status == u->iq_seq)
		u->iq_known_head = u->iq_wait_end;
	if (qi_free_slots(u) > 0)
		return 0;
	/* The unit can only make room by fetching what IQT shows it. */
	qi_publish(u);
	uint64_t end = rdtsc_ordered() + tsc_from_us(IQ_STATUS_DONE_TIMEOUT_US);
	for (;;) {
		u->iq_known_head = (uint32_t)((vtd_read64(u, DMAR_IQH_REG) >> DMA_IQ_SHIFT) %
					      u->iq_entries);
		if (qi_free_slots(u) > 0)
			return 0;
		if (qi_check_errors(u))
			return -1;
		if (rdtsc_ordered() > end) {
			kprintf("vtd%u: timeout: the invalidation queue stays full (IQH)\n", u->index);
			return -1;
		}
		cpu_pause();
	}
}

/* Puts one descriptor in the ring without showing it to the unit yet
 * (qi_publish does, with the wait that follows). */
static int qi_put(struct vtd_unit *u, uint64_t lo, uint64_t hi)
{
	if (qi_make_room(u))
		return -1;
	volatile uint64_t *d = qi_slot(u, u->iq_tail);
	d[0] = lo;
	d[1] = hi;
	vtd_flush_cache(u, (const void *)d, VTD_QI_DESC_BYTES);
	u->iq_tail = (u->iq_tail + 1) % u->iq_entries;
	return 0;
}

int vtd_qi_push_raw(struct vtd_unit *u, uint64_t lo, uint64_t hi)
{
	if (u->inval != VTD_INVAL_QI)
		return -1;
	if (qi_put(u, lo, hi))
		return -1;
	qi_publish(u);
	return 0;
}

static int qi_submit(struct vtd_unit *u, enum dma_gran g, uint16_t did, uint64_t iova, unsigned am)
{
	uint64_t lo = QI_IOTLB_TYPE, hi = 0;

	switch (g) {
	case DMA_GRAN_PAGES:
		lo |= QI_GRAN_DEVICE_OR_PAGE | QI_DID(did);
		hi = (iova & ~((PAGE_SIZE << am) - 1)) | QI_IOTLB_AM(am);
		break;
	case DMA_GRAN_DOMAIN:
		lo |= QI_GRAN_DOMAIN | QI_DID(did);
		break;
	case DMA_GRAN_GLOBAL:
		lo |= QI_GRAN_GLOBAL;
		break;
	}
	if (cap_drd(u->cap))
		lo |= QI_IOTLB_DR;
	if (cap_dwd(u->cap))
		lo |= QI_IOTLB_DW;
	return qi_put(u, lo, hi);
}

/* Polls the status word for `seq`. Errors stop the queue before the wait
 * descriptor (IQE at a bad descriptor, ICE/ITE, 6.5.2.10), so a status
 * write that has not come after a short spin sends the poll to FSTS. */
static int qi_wait_status(struct vtd_unit *u, uint32_t seq)
{
	uint64_t start = rdtsc_ordered();
	uint64_t spin_end = start + tsc_from_us(IQ_STATUS_SPIN_US);
	uint64_t end = start + tsc_from_us(IQ_STATUS_DONE_TIMEOUT_US);

	while (*u->iq_status != seq) {
		uint64_t now = rdtsc_ordered();
		if (now > spin_end && qi_check_errors(u))
			return -1;
		if (now > end) {
			kprintf("vtd%u: timeout: the wait descriptor's status write (0x%x at 0x%lx) "
				"never came; queue head %lu, tail %u\n", u->index, seq,
				(uint64_t)u->iq_status,
				vtd_read64(u, DMAR_IQH_REG) >> DMA_IQ_SHIFT, u->iq_tail);
			return -1;
		}
		cpu_pause();
	}
	u->iq_known_head = u->iq_wait_end;
	return 0;
}

/* A wait descriptor with a status write (and never the interrupt flag
 * too: QEMU asserts on both), sent with everything queued before it. The
 * status address must be 4-byte aligned (6.5.2.8). */
static int qi_wait(struct vtd_unit *u)
{
	uint32_t seq = u->iq_seq + 1;

	if (qi_put(u, QI_IWD_TYPE | QI_IWD_SW | QI_IWD_FN | QI_IWD_DATA(seq),
		   (uint64_t)u->iq_status))
		return -1;
	u->iq_seq = seq;
	u->iq_wait_end = u->iq_tail;
	qi_publish(u);
	return qi_wait_status(u, seq);
}

static int qi_enable(struct vtd_unit *u)
{
	if (!u->iq_base) {
		u->iq_base = page_alloc(IQ_PAGES);
		uint64_t status_page = page_alloc(1);
		if (!u->iq_base || !status_page) {
			kprintf("vtd%u: out of memory for the invalidation queue\n", u->index);
			return -1;
		}
		u->iq_status = (volatile uint32_t *)status_page;
		u->iq_entries = IQ_PAGES * PAGE_SIZE / VTD_QI_DESC_BYTES;
	}
	u->iq_tail = u->iq_published = u->iq_known_head = u->iq_wait_end = 0;
	*u->iq_status = u->iq_seq; /* no wait outstanding */
	vtd_write64(u, DMAR_IQT_REG, 0);
	/* QS = 0: one 4 KiB page; 128-bit descriptors (DW = 0). */
	vtd_write64(u, DMAR_IQA_REG, u->iq_base);
	return vtd_gcmd(u, DMA_GCMD_QIE, true, "QIES");
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
		if (u->inval == VTD_INVAL_QI && qi_wait(u))
			return -1;
		if (vtd_gcmd(u, DMA_GCMD_QIE, false, "QIES"))
			return -1;
		qi_on = false;
	}
	if (reg_wait(u))
		return -1;
	u->inval = mode;
	if (mode == VTD_INVAL_QI && !qi_on)
		return qi_enable(u);
	return 0;
}

int vtd_inval_submit(struct vtd_unit *u, enum dma_gran g, uint16_t did, uint64_t iova,
		     uint64_t npages)
{
	unsigned am = 0;

	u->stats.iotlb_inval[g]++;
	g = effective_gran(u, g, iova, npages ? npages : 1, &am);
	if (u->inval == VTD_INVAL_QI)
		return qi_submit(u, g, did, iova, am);
	return reg_submit(u, g, did, iova, am);
}

int vtd_inval_wait(struct vtd_unit *u)
{
	u->stats.waits++;
	if (u->inval == VTD_INVAL_QI)
		return qi_wait(u);
	return reg_wait(u);
}

int vtd_qi_empty_wait(struct vtd_unit *u)
{
	if (u->inval != VTD_INVAL_QI || u->iq_published != u->iq_tail)
		return -1;
	u->stats.waits++;
	return qi_wait(u);
}

int vtd_inval_sync(struct vtd_unit *u, enum dma_gran g, uint16_t did, uint64_t iova,
		   uint64_t npages)
{
	if (vtd_inval_submit(u, g, did, iova, npages))
		return -1;
	return vtd_inval_wait(u);
}

/* Global context-cache invalidation followed, as VT-d spec 6.5.1.1 asks,
 * by a global IOTLB invalidation. */
int vtd_context_inval_global(struct vtd_unit *u)
{
	u->stats.context_inval++;
	if (u->inval == VTD_INVAL_QI) {
		if (qi_put(u, QI_CC_TYPE | QI_GRAN_GLOBAL, 0))
			return -1;
	} else if (reg_wait(u) || reg_context(u, DMA_CCMD_GLOBAL)) {
		return -1;
	}
	return vtd_inval_sync(u, DMA_GRAN_GLOBAL, 0, 0, 0);
}

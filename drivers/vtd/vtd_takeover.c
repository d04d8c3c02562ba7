/* Taking a unit over from whoever ran it before (the firmware, or this
 * kernel before a restart): everything that could still act on DMA or
 * interrupts is turned off, with the protocol the spec gives for each. */
#include "drivers/vtd/vtd.h"
#include "drivers/vtd/vtd_internal.h"
#include "drivers/vtd/vtd_regs.h"
#include "kernel/console.h"

/* A queue left with an invalidation queue error (FSTS.IQE, VT-d spec
 * 10.4.9) stopped at the bad descriptor, IQH pointing at it, and never
 * drains. The error is reported and cleared (write 1 to clear) once the
 * queue is off: while it is on, the unit would fetch the bad descriptor
 * again. What the previous owner still had queued is dropped with the
 * queue, which costs nothing: every cache is invalidated globally before
 * translation is enabled again. */
static void clear_queue_error(struct vtd_unit *u, uint64_t head, uint64_t tail)
{
	uint32_t fsts = vtd_read32(u, DMAR_FSTS_REG);

	if (!(fsts & DMA_FSTS_IQE))
		return;
	kprintf("vtd%u: the invalidation queue was left with an error (FSTS.IQE, FSTS 0x%x, "
		"head %lu, tail %lu); clearing it and dropping the queued descriptors\n",
		u->index, fsts, head >> DMA_IQ_SHIFT, tail >> DMA_IQ_SHIFT);
	vtd_write32(u, DMAR_FSTS_REG, DMA_FSTS_IQE);
}

/* 6.5.2: the queue may be disabled once it is empty, or once an error
 * stopped it for good. */
static int drain_and_disable_queue(struct vtd_unit *u)
{
	uint64_t tail = vtd_read64(u, DMAR_IQT_REG), head;

	kprintf("vtd%u: queued invalidation was left on; draining and disabling it\n", u->index);
	if (vtd_wait64_unless(u, DMAR_IQH_REG, ~0ull, tail, DMAR_FSTS_REG, DMA_FSTS_IQE,
			      "IQH to reach IQT (queue drained)") < 0)
		return -1;
	head = vtd_read64(u, DMAR_IQH_REG); /* IQH reads 0 once the queue is off */
	if (vtd_gcmd(u, DMA_GCMD_QIE, false, "QIES"))
		return -1;
	clear_queue_error(u, head, tail);
	return 0;
}

/* Firmware may hand over a unit with translation, interrupt remapping, the
 * invalidation queue or protected memory regions on. Each is turned off
 * with the protocol the spec gives, and said so. Interrupt remapping goes
 * before the queue: it invalidates its entry cache through the queue, so
 * the queue must outlive it (10.4.4, GCMD.QIE and GCMD.IRE). */
int vtd_take_over(struct vtd_unit *u)
{
	uint32_t gsts = vtd_read32(u, DMAR_GSTS_REG);

	if (gsts & DMA_GSTS_TES) {
		kprintf("vtd%u: translation was left on (by the firmware or an earlier owner); "
			"turning it off to reprogram\n", u->index);
		if (vtd_gcmd(u, DMA_GCMD_TE, false, "TES"))
			return -1;
	}
	if (gsts & DMA_GSTS_IRES) {
		kprintf("vtd%u: interrupt remapping was left on; disabling it "
			"(interrupts stay in compatibility format)\n", u->index);
		if (vtd_gcmd(u, DMA_GCMD_IRE, false, "IRES"))
			return -1;
	}
	if (gsts & DMA_GSTS_QIES) {
		if (drain_and_disable_queue(u))
			return -1;
	} else {
		/* Else our own queue would stop at its first descriptor. */
		clear_queue_error(u, vtd_read64(u, DMAR_IQH_REG), vtd_read64(u, DMAR_IQT_REG));
	}
	if ((cap_plmr(u->cap) || cap_phmr(u->cap)) &&
	    (vtd_read32(u, DMAR_PMEN_REG) & DMA_PMEN_EPM)) {
		kprintf("vtd%u: DMA protected memory regions were left on; disabling them\n",
			u->index);
		vtd_write32(u, DMAR_PMEN_REG, 0);
		if (vtd_wait32(u, DMAR_PMEN_REG, DMA_PMEN_PRS, 0, "PMEN.PRS to clear"))
			return -1;
	}
	return 0;
}

/* Taking a unit over from whoever ran it before (the firmware, or this
 * kernel before a restart): everything that could still act on DMA or
 * interrupts is turned off, with the protocol the spec gives for each. */
#include "drivers/vtd/vtd.h"
#include "drivers/vtd/vtd_internal.h"
#include "drivers/vtd/vtd_regs.h"
#include "kernel/console.h"

/* Firmware may hand over a unit with translation, the invalidation queue,
 * interrupt remapping or protected memory regions on. Each is turned off
 * with the protocol the spec gives, and said so. */
int vtd_take_over(struct vtd_unit *u)
{
	uint32_t gsts = vtd_read32(u, DMAR_GSTS_REG);

	if (gsts & DMA_GSTS_TES) {
		kprintf("vtd%u: translation was left on (by the firmware or an earlier owner); "
			"turning it off to reprogram\n", u->index);
		if (vtd_gcmd(u, DMA_GCMD_TE, false, "TES"))
			return -1;
	}
	if (gsts & DMA_GSTS_QIES) {
		kprintf("vtd%u: queued invalidation was left on; draining and disabling it\n",
			u->index);
		/* 6.5.2: the queue may be disabled only when it is empty. */
		if (vtd_wait64(u, DMAR_IQH_REG, ~0ull, vtd_read64(u, DMAR_IQT_REG),
			       "IQH to reach IQT (queue drained)") ||
		    vtd_gcmd(u, DMA_GCMD_QIE, false, "QIES"))
			return -1;
	}
	if (gsts & DMA_GSTS_IRES) {
		kprintf("vtd%u: interrupt remapping was left on; disabling it "
			"(interrupts stay in compatibility format)\n", u->index);
		if (vtd_gcmd(u, DMA_GCMD_IRE, false, "IRES"))
			return -1;
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

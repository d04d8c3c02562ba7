/* Primary fault logging (VT-d spec 7.1.3 and 10.4.14): fault recording
 * registers are read from FSTS.FRI onwards until one is empty, each
 * decoded into one readable line and cleared by writing its F bit back.
 * The fault event interrupt is a plain MSI to this CPU's local APIC.
 *
 * The records are consumed both by the fault interrupt and by the main
 * loop, which may poll with interrupts on: an interrupt between reading a
 * record's F bit and clearing it would consume the same record a second
 * time and count one fault twice. A poll therefore runs with interrupts
 * off; on the one CPU the kernel uses, that makes every poll whole. */
#include "drivers/vtd/vtd.h"
#include "drivers/vtd/vtd_regs.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/lapic.h"
#include "kernel/trap.h"

#define VTD_FAULT_VECTOR 0x50
#define MSI_ADDRESS_BASE 0xfee00000u /* SDM Vol. 3A 11.11.1 */
#define MSI_ADDRESS_DEST_SHIFT 12    /* destination APIC id, bits 19:12 */

/* Appendix A of the VT-d specification, legacy-mode reasons. */
static const char *const reasons[] = {
	[0x1] = "the root entry's present bit is clear",
	[0x2] = "the context entry's present bit is clear",
	[0x3] = "the context entry is programmed wrongly",
	[0x4] = "the address is above the domain's address width",
	[0x5] = "a write to a page that is not writable or not present",
	[0x6] = "a read from a page that is not readable or not present",
	[0x7] = "a paging-structure entry could not be read",
	[0x8] = "the root table address is invalid",
	[0x9] = "the context table pointer is invalid",
	[0xa] = "a reserved bit is set in the root entry",
	[0xb] = "a reserved bit is set in the context entry",
	[0xc] = "a reserved bit is set in a paging entry",
	[0xd] = "a translated or translation request the context entry forbids",
};

const char *vtd_fault_reason(unsigned reason)
{
	if (reason < sizeof(reasons) / sizeof(reasons[0]) && reasons[reason])
		return reasons[reason];
	return "a reason this driver does not know (see the VT-d specification, appendix A)";
}

static unsigned poll_records(struct vtd_unit *u)
{
	uint32_t fsts = vtd_read32(u, DMAR_FSTS_REG);
	unsigned nfr = cap_nfr(u->cap), base = cap_fro(u->cap), found = 0;
	unsigned idx = DMA_FSTS_FRI(fsts) % nfr;

	if (fsts == 0xffffffffu)
		return 0;
	for (unsigned n = 0; n < nfr; n++, idx = (idx + 1) % nfr) {
		unsigned off = base + idx * VTD_FRCD_BYTES;
		uint64_t hi = vtd_read64(u, off + VTD_FRCD_HI);
		if (!(hi & VTD_FRCD_F))
			break;
		uint64_t lo = vtd_read64(u, off + VTD_FRCD_LO);
		unsigned sid = VTD_FRCD_SID(hi), reason = VTD_FRCD_FR(hi);
		kprintf("vtd%u: DMA fault: device %02x:%02x.%u %s address 0x%lx: reason %u, %s\n",
			u->index, PCI_BUS(sid), PCI_SLOT(sid), PCI_FUNC(sid),
			hi & VTD_FRCD_T ? "read" : "write", VTD_FRCD_FI(lo), reason,
			vtd_fault_reason(reason));
		u->last_fault = (struct vtd_fault_record){ (uint16_t)sid, (uint8_t)reason,
							   (hi & VTD_FRCD_T) != 0, VTD_FRCD_FI(lo) };
		/* F is write-1-to-clear, in the record's top dword. */
		vtd_write32(u, off + VTD_FRCD_F_DWORD, (uint32_t)(VTD_FRCD_F >> 32));
		found++;
	}
	u->stats.faults += found;
	fsts = vtd_read32(u, DMAR_FSTS_REG);
	if (fsts & DMA_FSTS_PFO) {
		u->stats.fault_overflows++;
		kprintf("vtd%u: fault overflow: more faults happened than the %u recording "
			"register%s could hold\n", u->index, nfr, nfr == 1 ? "" : "s");
		vtd_write32(u, DMAR_FSTS_REG, DMA_FSTS_PFO);
	}
	return found;
}

unsigned vtd_fault_poll(struct vtd_unit *u)
{
	uint64_t flags = cpu_irq_save();
	unsigned found = poll_records(u);

	cpu_irq_restore(flags);
	return found;
}

static void fault_interrupt(struct trap_frame *tf)
{
	(void)tf;
	for (unsigned i = 0; i < vtd_unit_count(); i++) {
		struct vtd_unit *u = vtd_unit(i);
		if (vtd_read32(u, DMAR_FSTS_REG) & (DMA_FSTS_PPF | DMA_FSTS_PFO)) {
			u->stats.fault_interrupts++;
			vtd_fault_poll(u);
		}
	}
	lapic_eoi();
}

void vtd_fault_irq_init(struct vtd_unit *u)
{
	irq_set_handler(VTD_FAULT_VECTOR, fault_interrupt);
	vtd_write32(u, DMAR_FEDATA_REG, VTD_FAULT_VECTOR);
	vtd_write32(u, DMAR_FEADDR_REG, MSI_ADDRESS_BASE | (lapic_id() << MSI_ADDRESS_DEST_SHIFT));
	vtd_write32(u, DMAR_FEUADDR_REG, 0);
	/* The mask bit is set at reset: clearing it lets faults interrupt. */
	vtd_write32(u, DMAR_FECTL_REG, 0);
}

void vtd_fault_irq_mask(struct vtd_unit *u, bool masked)
{
	vtd_write32(u, DMAR_FECTL_REG, masked ? DMA_FECTL_IM : 0);
}

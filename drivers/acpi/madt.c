/* The kernel's side of the MADT (ACPI 6.5 5.2.12): finds the table, hands
 * each listed CPU's APIC id to kernel/smp.c in table order (smp.c drops a
 * CPU listed twice) and prints one line of what the table holds. */
#include "drivers/acpi/madt.h"
#include "drivers/acpi/acpi.h"
#include "kernel/console.h"
#include "kernel/smp.h"

static void add_listed_cpu(void *ctx, const struct madt_cpu *cpu)
{
	(void)ctx;
	smp_add_listed(cpu->apic_id);
}

int madt_parse(struct madt_info *out)
{
	const struct acpi_sdt_header *t = acpi_find_table("APIC", 0);
	int err = madt_decode((const uint8_t *)t, t ? t->length : 0, out, add_listed_cpu, NULL);

	if (err == MADT_ESHORT) {
		kprintf("madt: no usable MADT\n");
		return -1;
	}
	/* What came before a broken entry is kept, as a best effort. */
	if (err == MADT_ELENGTH)
		kprintf("madt: entry at offset 0x%x has a bad length %u; stopping there\n",
			out->bad_offset, out->bad_length);
	kprintf("madt: local APIC at 0x%lx, %u CPU%s, %u I/O APIC%s", out->lapic_address,
		out->cpus, out->cpus == 1 ? "" : "s", out->ioapics, out->ioapics == 1 ? "" : "s");
	for (uint32_t i = 0; i < out->ioapics; i++)
		kprintf("%s id %u at 0x%x (GSI %u)", i ? "," : ":", out->ioapic[i].id,
			out->ioapic[i].address, out->ioapic[i].gsi_base);
	kprintf("%s\n", out->pcat_compat ? ", legacy PICs present" : "");
	if (out->short_entries)
		kprintf("madt: %u entr%s too short for %s type skipped (a firmware bug: a CPU or "
			"I/O APIC there is not used)\n", out->short_entries,
			out->short_entries == 1 ? "y" : "ies", out->short_entries == 1 ? "its" : "their");
	if (out->ioapics_beyond)
		kprintf("madt: %u I/O APIC%s past the first %u not used\n", out->ioapics_beyond,
			out->ioapics_beyond == 1 ? "" : "s", MADT_MAX_IOAPICS);
	return 0;
}

/* Multiple APIC Description Table, ACPI 6.5 5.2.12. Only what the kernel
 * uses is kept: the local APIC address, the CPUs (each one's APIC id goes
 * to kernel/smp.c in table order), the I/O APICs. */
#include "drivers/acpi/madt.h"
#include "drivers/acpi/acpi.h"
#include "kernel/console.h"
#include "kernel/smp.h"
#include "lib/string.h"

#define MADT_HEADER_BYTES 44 /* SDT header + local APIC address + flags */
#define MADT_FLAG_PCAT_COMPAT 1u
#define MADT_LOCAL_APIC 0    /* 5.2.12.2 */
#define MADT_IO_APIC 1       /* 5.2.12.3 */
#define MADT_LAPIC_OVERRIDE 5
#define MADT_LOCAL_X2APIC 9  /* 5.2.12.12 */
#define MADT_LAPIC_ENABLED 1u
#define MADT_LAPIC_ONLINE_CAPABLE 2u

int madt_parse(struct madt_info *out)
{
	const struct acpi_sdt_header *t = acpi_find_table("APIC", 0);
	const uint8_t *p = (const uint8_t *)t;
	uint32_t addr32, flags;

	memset(out, 0, sizeof(*out));
	if (!t || t->length < MADT_HEADER_BYTES) {
		kprintf("madt: no usable MADT\n");
		return -1;
	}
	memcpy(&addr32, p + 36, 4);
	memcpy(&flags, p + 40, 4);
	out->lapic_address = addr32;
	out->pcat_compat = (flags & MADT_FLAG_PCAT_COMPAT) != 0;
	for (uint32_t off = MADT_HEADER_BYTES; off + 2 <= t->length;) {
		uint8_t type = p[off], len = p[off + 1];
		if (len < 2 || off + len > t->length) {
			kprintf("madt: entry at offset 0x%x has a bad length %u; stopping there\n", off, len);
			break;
		}
		uint32_t v;
		switch (type) {
		case MADT_LOCAL_APIC: /* 5.2.12.2: UID (1), APIC id (1), flags (4) */
			if (len >= 8) {
				memcpy(&v, p + off + 4, 4);
				if (v & (MADT_LAPIC_ENABLED | MADT_LAPIC_ONLINE_CAPABLE)) {
					out->cpus++;
					smp_add_listed(p[off + 3]);
				}
			}
			break;
		case MADT_LOCAL_X2APIC: /* 5.2.12.12: reserved (2), x2APIC id (4), flags (4), UID (4) */
			if (len >= 16) {
				uint32_t id;
				memcpy(&id, p + off + 4, 4);
				memcpy(&v, p + off + 8, 4);
				if (v & (MADT_LAPIC_ENABLED | MADT_LAPIC_ONLINE_CAPABLE)) {
					out->cpus++;
					smp_add_listed(id);
				}
			}
			break;
		case MADT_IO_APIC:
			if (len >= 12 && out->ioapics < MADT_MAX_IOAPICS) {
				out->ioapic[out->ioapics].id = p[off + 2];
				memcpy(&out->ioapic[out->ioapics].address, p + off + 4, 4);
				memcpy(&out->ioapic[out->ioapics].gsi_base, p + off + 8, 4);
				out->ioapics++;
			}
			break;
		case MADT_LAPIC_OVERRIDE:
			if (len >= 12)
				memcpy(&out->lapic_address, p + off + 4, 8);
			break;
		}
		off += len;
	}
	kprintf("madt: local APIC at 0x%lx, %u CPU%s, %u I/O APIC%s", out->lapic_address,
		out->cpus, out->cpus == 1 ? "" : "s", out->ioapics, out->ioapics == 1 ? "" : "s");
	for (uint32_t i = 0; i < out->ioapics; i++)
		kprintf("%s id %u at 0x%x (GSI %u)", i ? "," : ":", out->ioapic[i].id,
			out->ioapic[i].address, out->ioapic[i].gsi_base);
	kprintf("%s\n", out->pcat_compat ? ", legacy PICs present" : "");
	return 0;
}

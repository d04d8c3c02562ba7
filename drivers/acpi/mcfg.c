/* PCI Firmware Specification 3.2, 4.1.2: MCFG is an SDT header, 8 reserved
 * bytes, then 16-byte allocation structures. */
#include "drivers/acpi/mcfg.h"
#include "drivers/acpi/acpi.h"
#include "kernel/console.h"
#include "lib/string.h"

#define MCFG_FIRST_ENTRY 44
#define MCFG_ENTRY_BYTES 16
#define MCFG_MAX_REGIONS 8

static struct mcfg_region regions[MCFG_MAX_REGIONS];
static int region_count;

int mcfg_parse(void)
{
	const struct acpi_sdt_header *t = acpi_find_table("MCFG", 0);
	const uint8_t *p = (const uint8_t *)t;

	region_count = 0;
	if (!t) {
		kprintf("mcfg: no MCFG table; PCI configuration through ports 0xcf8/0xcfc\n");
		return 0;
	}
	for (uint32_t off = MCFG_FIRST_ENTRY; off + MCFG_ENTRY_BYTES <= t->length; off += MCFG_ENTRY_BYTES) {
		struct mcfg_region r;
		memcpy(&r.base, p + off, 8);
		memcpy(&r.segment, p + off + 8, 2);
		r.start_bus = p[off + 10];
		r.end_bus = p[off + 11];
		if (!r.base || r.end_bus < r.start_bus) {
			kprintf("mcfg: ignoring a malformed entry at offset 0x%x\n", off);
			continue;
		}
		kprintf("mcfg: segment %u buses %02x-%02x at 0x%lx\n", r.segment, r.start_bus,
			r.end_bus, r.base);
		if (region_count < MCFG_MAX_REGIONS)
			regions[region_count++] = r;
	}
	return region_count;
}

const struct mcfg_region *mcfg_find(uint16_t segment, uint8_t bus)
{
	for (int i = 0; i < region_count; i++)
		if (regions[i].segment == segment && bus >= regions[i].start_bus &&
		    bus <= regions[i].end_bus)
			return &regions[i];
	return NULL;
}

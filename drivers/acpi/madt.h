/* MADT: the interrupt controllers the firmware describes. */
#ifndef DRIVERS_ACPI_MADT_H
#define DRIVERS_ACPI_MADT_H

#include <stdint.h>

#define MADT_MAX_IOAPICS 8

struct madt_info {
	uint64_t lapic_address;
	uint32_t cpus;          /* enabled or online-capable processors */
	uint32_t ioapics;
	struct {
		uint8_t id;
		uint32_t address;
		uint32_t gsi_base;
	} ioapic[MADT_MAX_IOAPICS];
	int pcat_compat;        /* a legacy 8259 pair is present */
};

/* Reads the MADT; returns 0, or a negative error (and prints why). */
int madt_parse(struct madt_info *out);

#endif

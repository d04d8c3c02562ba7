/* MCFG: where PCI Express configuration space (ECAM) lives. */
#ifndef DRIVERS_ACPI_MCFG_H
#define DRIVERS_ACPI_MCFG_H

#include <stdint.h>

struct mcfg_region {
	uint64_t base;      /* ECAM address of bus 0 of this segment */
	uint16_t segment;
	uint8_t start_bus;
	uint8_t end_bus;
};

/* The region covering segment/bus, or NULL (then legacy 0xCF8 access). */
const struct mcfg_region *mcfg_find(uint16_t segment, uint8_t bus);
/* Reads the MCFG if present; returns the number of regions. */
int mcfg_parse(void);

#endif

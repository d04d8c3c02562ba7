/* ACPI system description tables: RSDP -> XSDT (or RSDT) -> tables. */
#ifndef DRIVERS_ACPI_ACPI_H
#define DRIVERS_ACPI_ACPI_H

#include <stdint.h>

struct acpi_sdt_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_sdt_header) == 36, "ACPI 6.5 table 5.4");

/* Generic Address Structure, ACPI 6.5 5.2.3.2. */
struct acpi_gas {
	uint8_t space_id; /* 0 = system memory, 1 = system I/O */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_gas) == 12, "ACPI GAS");

#define ACPI_GAS_MEMORY 0
#define ACPI_GAS_IO     1

/* Finds the root table from the RSDP and lists the tables in the log.
 * Returns 0, or a negative error when no usable RSDP/XSDT/RSDT exists. */
int acpi_init(uint64_t rsdp_phys);
/* The n-th table (from 0) with this signature, or NULL. Tables whose
 * checksum fails are still returned (firmware with bad checksums exists);
 * acpi_init has already warned about them. */
const struct acpi_sdt_header *acpi_find_table(const char sig[4], unsigned n);
/* Sum of bytes mod 256, which is 0 for a valid table. */
uint8_t acpi_checksum(const void *p, uint32_t len);

#endif

/* Byte layouts of the ACPI DMAR table (VT-d spec chapter 8) and little-endian
 * readers for them. Firmware tables are not naturally aligned, so code reads
 * fields through dmar_rd*() at offsetof() positions instead of through
 * pointers to these structs; the structs pin the layout, and the field
 * tables of dmar_layout.c take every offset and width from them. Only the
 * sources in lib/dmar/ should need this header. */
#ifndef LIB_DMAR_DMAR_ACPI_H
#define LIB_DMAR_DMAR_ACPI_H

#include <stddef.h>
#include <stdint.h>

/* DMA Remapping Reporting Structure: ACPI header plus DMAR fields. VT-d spec 8.1 */
struct acpi_dmar_header {
	char signature[4];		/* "DMAR" */
	uint32_t length;		/* whole table, header included */
	uint8_t revision;
	uint8_t checksum;		/* all bytes sum to 0 mod 256 */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];		/* iasl: "Asl Compiler ID" */
	uint32_t creator_revision;
	uint8_t host_addr_width;	/* maximum DMA address width minus 1 */
	uint8_t flags;
	uint8_t reserved[10];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_dmar_header) == 48, "DMAR header is 48 bytes");

/* Type and length open every remapping structure. VT-d spec 8.2 */
struct acpi_dmar_struct_header {
	uint16_t type;
	uint16_t length;		/* whole structure, scopes included */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_dmar_struct_header) == 4, "structure header");

/* DMA Remapping Hardware Unit Definition. VT-d spec 8.3 */
struct acpi_dmar_drhd {
	struct acpi_dmar_struct_header h;
	uint8_t flags;
	uint8_t size;			/* bits 3:0: register set is 2^N 4 KiB pages */
	uint16_t segment;
	uint64_t address;		/* register base */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_dmar_drhd) == 16, "DRHD fixed part");

/* Device Scope entry, followed by (length - 6) / 2 path entries. VT-d spec 8.3.1 */
struct acpi_dmar_scope {
	uint8_t type;
	uint8_t length;
	uint8_t flags;			/* reserved before rev 4.1; SIDP properties */
	uint8_t reserved;
	uint8_t enumeration_id;		/* IOAPIC id, HPET number or ANDD number */
	uint8_t start_bus;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_dmar_scope) == 6, "device scope header");

/* One hop of a device scope path: device and function on the current bus. */
struct acpi_dmar_path {
	uint8_t device;
	uint8_t function;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_dmar_path) == 2, "path entry");

/* Reserved Memory Region Reporting. VT-d spec 8.4 */
struct acpi_dmar_rmrr {
	struct acpi_dmar_struct_header h;
	uint16_t reserved;
	uint16_t segment;
	uint64_t base;
	uint64_t limit;			/* last byte of the region, inclusive */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_dmar_rmrr) == 24, "RMRR fixed part");

/* Root Port ATS Capability Reporting. VT-d spec 8.5 */
struct acpi_dmar_atsr {
	struct acpi_dmar_struct_header h;
	uint8_t flags;
	uint8_t reserved;
	uint16_t segment;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_dmar_atsr) == 8, "ATSR fixed part");

/* Remapping Hardware Static Affinity. VT-d spec 8.6 */
struct acpi_dmar_rhsa {
	struct acpi_dmar_struct_header h;
	uint32_t reserved;
	uint64_t address;		/* register base of a DRHD */
	uint32_t proximity_domain;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_dmar_rhsa) == 20, "RHSA");

/* ACPI Name-space Device Declaration, followed by a NUL-terminated
 * ACPI object path. VT-d spec 8.7 */
struct acpi_dmar_andd {
	struct acpi_dmar_struct_header h;
	uint8_t reserved[3];
	uint8_t device_number;		/* matched by namespace scopes' enumeration id */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_dmar_andd) == 8, "ANDD fixed part");

/* SoC Integrated Address Translation Cache. VT-d spec 8.8 */
struct acpi_dmar_satc {
	struct acpi_dmar_struct_header h;
	uint8_t flags;
	uint8_t reserved;
	uint16_t segment;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_dmar_satc) == 8, "SATC fixed part");

/* SoC Integrated Device Property reporting. VT-d spec 8.9 (rev 4.1) */
struct acpi_dmar_sidp {
	struct acpi_dmar_struct_header h;
	uint16_t reserved;
	uint16_t segment;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_dmar_sidp) == 8, "SIDP fixed part");

static inline uint16_t dmar_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t dmar_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t dmar_rd64(const uint8_t *p)
{
	return (uint64_t)dmar_rd32(p) | (uint64_t)dmar_rd32(p + 4) << 32;
}

#endif

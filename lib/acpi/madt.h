/* Multiple APIC Description Table (MADT, signature "APIC"), ACPI 6.5
 * 5.2.12: decoding of a table given as bytes. Plain C over the caller's
 * buffer, no hardware access, no allocation and no output, so the kernel
 * (drivers/acpi/madt.c) and the host tests share it.
 *
 * Only what the kernel uses is decoded: the local APIC address (with its
 * 64-bit override), the legacy-PIC flag, the I/O APICs, and the CPUs that
 * firmware lists as usable, each handed to a callback in table order. */
#ifndef LIB_ACPI_MADT_H
#define LIB_ACPI_MADT_H

#include <stdint.h>

/* Errors returned by madt_decode(). */
#define MADT_ESHORT	(-1)	/* no table, or shorter than the MADT's fixed part */
#define MADT_ELENGTH	(-2)	/* an entry's length is below 2 or runs past the table;
				 * the entries before it are decoded */

#define MADT_HEADER_LEN		44	/* SDT header (36) + local APIC address + flags, 5.2.12 */
#define MADT_MAX_IOAPICS	8	/* I/O APICs kept; further ones are counted only */

/* Entry types this decoder reads (ACPI 6.5 5.2.12, Interrupt Controller
 * Structure Types). */
#define MADT_TYPE_LOCAL_APIC		0	/* 5.2.12.2 */
#define MADT_TYPE_IO_APIC		1	/* 5.2.12.3 */
#define MADT_TYPE_LAPIC_OVERRIDE	5	/* 5.2.12.8 */
#define MADT_TYPE_LOCAL_X2APIC		9	/* 5.2.12.12 */

/* Local APIC Flags, ACPI 6.5 5.2.12.2; type 9 entries use the same ones
 * (5.2.12.12). */
#define MADT_LAPIC_ENABLED		(1u << 0)
#define MADT_LAPIC_ONLINE_CAPABLE	(1u << 1)

/* Multiple APIC Flags in the MADT's fixed part, ACPI 6.5 5.2.12. */
#define MADT_PCAT_COMPAT		(1u << 0)

struct madt_info {
	uint64_t lapic_address;	/* the header's, or the last override's */
	uint32_t cpus;		/* listed CPU entries: enabled or online-capable */
	uint32_t ioapics;	/* kept in ioapic[], at most MADT_MAX_IOAPICS */
	struct {
		uint8_t id;
		uint32_t address;
		uint32_t gsi_base;
	} ioapic[MADT_MAX_IOAPICS];
	int pcat_compat;	/* a legacy 8259 pair is present */
	uint32_t ioapics_beyond;	/* I/O APIC entries past MADT_MAX_IOAPICS */
	uint32_t short_entries;	/* entries of a type above too short for its fields,
				 * skipped */
	uint32_t bad_offset;	/* on MADT_ELENGTH: the entry's table offset */
	uint8_t bad_length;	/* and the length it gave */
};

/* One listed CPU, as its entry gives it. */
struct madt_cpu {
	uint32_t apic_id;	/* 8-bit local APIC id (type 0) or x2APIC id (type 9) */
	uint32_t uid;		/* ACPI processor UID: 8 bits in type 0, 32 in type 9 */
	uint32_t flags;		/* MADT_LAPIC_* */
	uint8_t type;		/* MADT_TYPE_LOCAL_APIC or MADT_TYPE_LOCAL_X2APIC */
	uint32_t offset;	/* of the entry, in the table */
};

/* Called for each CPU entry with Enabled or Online Capable set, in table
 * order. A CPU may be listed twice (a type 0 and a type 9 entry for the
 * same id); the decoder passes both on and counts both. */
typedef void (*madt_cpu_fn)(void *ctx, const struct madt_cpu *cpu);

/* Decodes the `length` bytes at `table` (the caller passes the header's
 * Length, checked against what it mapped). Fills `out` as far as the table
 * is well formed; `cpu` may be NULL. Returns 0, MADT_ESHORT (out zeroed),
 * or MADT_ELENGTH (out holds the entries before the bad one). The
 * signature and checksum are not checked: the caller found the table by
 * its signature. */
int madt_decode(const uint8_t *table, uint32_t length, struct madt_info *out, madt_cpu_fn cpu,
		void *ctx);

#endif

/* MADT decoding, ACPI 6.5 5.2.12. Every read is checked against the table's
 * length first and against the entry's own length: an entry that claims
 * less than 2 bytes or runs past the table ends the walk (MADT_ELENGTH), an
 * entry too short for the fields of its type is skipped and counted. */
#include "lib/acpi/madt.h"
#include "lib/string.h"

/* Offsets in the MADT's fixed part, after the 36-byte SDT header (5.2.12). */
#define MADT_OFF_LAPIC_ADDRESS	36	/* Local Interrupt Controller Address, 4 bytes */
#define MADT_OFF_FLAGS		40	/* Multiple APIC Flags, 4 bytes */

/* Every entry starts with Type (1) and Length (1), 5.2.12. */
#define MADT_ENTRY_HEADER_LEN	2

/* Processor Local APIC, 5.2.12.2: UID (1), APIC ID (1), Flags (4). */
#define LAPIC_OFF_UID		2
#define LAPIC_OFF_ID		3
#define LAPIC_OFF_FLAGS		4
#define LAPIC_LEN		8

/* I/O APIC, 5.2.12.3: I/O APIC ID (1), reserved (1), address (4), GSI base (4). */
#define IOAPIC_OFF_ID		2
#define IOAPIC_OFF_ADDRESS	4
#define IOAPIC_OFF_GSI_BASE	8
#define IOAPIC_LEN		12

/* Local APIC Address Override, 5.2.12.8: reserved (2), address (8). */
#define OVERRIDE_OFF_ADDRESS	4
#define OVERRIDE_LEN		12

/* Processor Local x2APIC, 5.2.12.12: reserved (2), x2APIC ID (4), Flags (4),
 * UID (4). */
#define X2APIC_OFF_ID		4
#define X2APIC_OFF_FLAGS	8
#define X2APIC_OFF_UID		12
#define X2APIC_LEN		16

/* ACPI is little-endian (5.2.1); read byte by byte, alignment is not given. */
static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static int cpu_is_listed(uint32_t flags)
{
	return (flags & (MADT_LAPIC_ENABLED | MADT_LAPIC_ONLINE_CAPABLE)) != 0;
}

static void list_cpu(struct madt_info *out, madt_cpu_fn fn, void *ctx, struct madt_cpu *cpu)
{
	if (!cpu_is_listed(cpu->flags))
		return;
	out->cpus++;
	if (fn)
		fn(ctx, cpu);
}

/* One entry of `len` bytes (at least 2, inside the table) at table offset `off`. */
static void decode_entry(const uint8_t *e, uint8_t len, uint32_t off, struct madt_info *out,
			 madt_cpu_fn fn, void *ctx)
{
	struct madt_cpu cpu = { .type = e[0], .offset = off };

	switch (e[0]) {
	case MADT_TYPE_LOCAL_APIC:
		if (len < LAPIC_LEN)
			break;
		cpu.uid = e[LAPIC_OFF_UID];
		cpu.apic_id = e[LAPIC_OFF_ID];
		cpu.flags = rd32(e + LAPIC_OFF_FLAGS);
		list_cpu(out, fn, ctx, &cpu);
		return;
	case MADT_TYPE_LOCAL_X2APIC:
		if (len < X2APIC_LEN)
			break;
		cpu.apic_id = rd32(e + X2APIC_OFF_ID);
		cpu.flags = rd32(e + X2APIC_OFF_FLAGS);
		cpu.uid = rd32(e + X2APIC_OFF_UID);
		list_cpu(out, fn, ctx, &cpu);
		return;
	case MADT_TYPE_IO_APIC:
		if (len < IOAPIC_LEN)
			break;
		if (out->ioapics == MADT_MAX_IOAPICS) {
			out->ioapics_beyond++;
			return;
		}
		out->ioapic[out->ioapics].id = e[IOAPIC_OFF_ID];
		out->ioapic[out->ioapics].address = rd32(e + IOAPIC_OFF_ADDRESS);
		out->ioapic[out->ioapics].gsi_base = rd32(e + IOAPIC_OFF_GSI_BASE);
		out->ioapics++;
		return;
	case MADT_TYPE_LAPIC_OVERRIDE:
		/* 5.2.12.8: OSPM uses this address instead of the header's. */
		if (len < OVERRIDE_LEN)
			break;
		out->lapic_address = rd64(e + OVERRIDE_OFF_ADDRESS);
		return;
	default:
		return; /* a type the kernel does not use */
	}
	out->short_entries++;
}

int madt_decode(const uint8_t *table, uint32_t length, struct madt_info *out, madt_cpu_fn cpu,
		void *ctx)
{
	memset(out, 0, sizeof(*out));
	if (!table || length < MADT_HEADER_LEN)
		return MADT_ESHORT;
	out->lapic_address = rd32(table + MADT_OFF_LAPIC_ADDRESS);
	out->pcat_compat = (rd32(table + MADT_OFF_FLAGS) & MADT_PCAT_COMPAT) != 0;
	/* One trailing byte cannot hold an entry header: it is ignored. */
	for (uint32_t off = MADT_HEADER_LEN; length - off >= MADT_ENTRY_HEADER_LEN;) {
		uint8_t len = table[off + 1];

		if (len < MADT_ENTRY_HEADER_LEN || len > length - off) {
			out->bad_offset = off;
			out->bad_length = len;
			return MADT_ELENGTH;
		}
		decode_entry(table + off, len, off, out, cpu, ctx);
		off += len;
	}
	return 0;
}

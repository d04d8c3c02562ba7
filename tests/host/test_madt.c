/* The MADT decoder (lib/acpi/madt.c) on tables built byte by byte here:
 * the CPUs it lists and in which order, the flags that list a CPU, the
 * I/O APICs and the address override, and the errors for short tables and
 * bad entry lengths; every truncation of a valid table is decoded too, so
 * that ASan sees any read past the given length. */
#include <stdlib.h>

#include "check.h"
#include "lib/acpi/madt.h"

/* --- building tables --- */

struct tb {
	uint8_t b[512];
	uint32_t n;
};

/* Little-endian, zero past the 8 bytes of v. */
static void put(struct tb *t, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		t->b[t->n++] = i < 8 ? (uint8_t)(v >> (8 * i)) : 0;
}

/* The fixed part, ACPI 6.5 5.2.12: the SDT header, then the local APIC
 * address and the flags. The header's Length is not the decoder's input
 * (the caller passes it), so it is left as built. */
static void tb_header(struct tb *t, uint32_t lapic_address, uint32_t flags)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->b, "APIC", 4);
	t->b[8] = 5;
	t->n = 36;
	put(t, lapic_address, 4);
	put(t, flags, 4);
}

static void tb_lapic(struct tb *t, uint8_t uid, uint8_t apic_id, uint32_t flags)
{
	put(t, MADT_TYPE_LOCAL_APIC, 1);
	put(t, 8, 1);
	put(t, uid, 1);
	put(t, apic_id, 1);
	put(t, flags, 4);
}

static void tb_x2apic(struct tb *t, uint32_t x2apic_id, uint32_t flags, uint32_t uid)
{
	put(t, MADT_TYPE_LOCAL_X2APIC, 1);
	put(t, 16, 1);
	put(t, 0, 2);
	put(t, x2apic_id, 4);
	put(t, flags, 4);
	put(t, uid, 4);
}

static void tb_ioapic(struct tb *t, uint8_t id, uint32_t address, uint32_t gsi_base)
{
	put(t, MADT_TYPE_IO_APIC, 1);
	put(t, 12, 1);
	put(t, id, 1);
	put(t, 0, 1);
	put(t, address, 4);
	put(t, gsi_base, 4);
}

static void tb_override(struct tb *t, uint64_t address)
{
	put(t, MADT_TYPE_LAPIC_OVERRIDE, 1);
	put(t, 12, 1);
	put(t, 0, 2);
	put(t, address, 8);
}

/* --- decoding into a list --- */

#define MAX_CPUS 32

struct listed {
	unsigned n;
	struct madt_cpu cpu[MAX_CPUS];
};

static void collect(void *ctx, const struct madt_cpu *cpu)
{
	struct listed *l = ctx;

	CHECK(l->n < MAX_CPUS);
	if (l->n < MAX_CPUS)
		l->cpu[l->n++] = *cpu;
}

/* Decodes a heap copy of exactly `len` bytes, so ASan catches a read past it. */
static int decode(const struct tb *t, uint32_t len, struct madt_info *info, struct listed *l)
{
	uint8_t *copy = malloc(len ? len : 1);
	int err;

	memcpy(copy, t->b, len);
	memset(l, 0, sizeof(*l));
	err = madt_decode(copy, len, info, collect, l);
	free(copy);
	return err;
}

static void check_ids(const struct listed *l, const uint32_t *ids, unsigned n)
{
	CHECK_EQ_U64(l->n, n);
	for (unsigned i = 0; i < n && i < l->n; i++)
		CHECK_EQ_U64(l->cpu[i].apic_id, ids[i]);
}

/* --- tests --- */

/* What QEMU's q35 with -smp 2,maxcpus=4 gives: two enabled CPUs, two
 * absent hot-pluggable ones with flags 0, one I/O APIC, legacy PICs. */
static void qemu_like_table(void)
{
	struct tb t;
	struct madt_info info;
	struct listed l;
	static const uint32_t ids[] = { 0, 1 };

	tb_header(&t, 0xfee00000, MADT_PCAT_COMPAT);
	tb_lapic(&t, 0, 0, 1);
	tb_lapic(&t, 1, 1, 1);
	tb_lapic(&t, 2, 2, 0);
	tb_lapic(&t, 3, 3, 0);
	tb_ioapic(&t, 0, 0xfec00000, 0);
	CHECK_EQ_U64(decode(&t, t.n, &info, &l), 0);
	CHECK_EQ_U64(info.lapic_address, 0xfee00000);
	CHECK_EQ_U64(info.pcat_compat, 1);
	CHECK_EQ_U64(info.cpus, 2);
	check_ids(&l, ids, 2);
	CHECK_EQ_U64(info.ioapics, 1);
	CHECK_EQ_U64(info.ioapic[0].id, 0);
	CHECK_EQ_U64(info.ioapic[0].address, 0xfec00000);
	CHECK_EQ_U64(info.ioapic[0].gsi_base, 0);
	CHECK_EQ_U64(info.short_entries, 0);
	CHECK_EQ_U64(l.cpu[1].type, MADT_TYPE_LOCAL_APIC);
	CHECK_EQ_U64(l.cpu[1].uid, 1);
	CHECK_EQ_U64(l.cpu[1].offset, 52);
}

/* Enabled (bit 0) or Online Capable (bit 1) lists a CPU; 0 does not; the
 * other bits do not matter (5.2.12.2). */
static void flags_that_list_a_cpu(void)
{
	static const uint32_t flags[] = { 0, 1, 2, 3, 4, 0xfffffffc, 0xfffffffd, 0xfffffffe };
	static const int listed[] = { 0, 1, 1, 1, 0, 0, 1, 1 };

	for (unsigned i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		for (int x2 = 0; x2 < 2; x2++) {
			struct tb t;
			struct madt_info info;
			struct listed l;

			tb_header(&t, 0xfee00000, 0);
			if (x2)
				tb_x2apic(&t, 0x100 + i, flags[i], 7);
			else
				tb_lapic(&t, 7, (uint8_t)i, flags[i]);
			CHECK_EQ_U64(decode(&t, t.n, &info, &l), 0);
			CHECK_EQ_U64(info.cpus, listed[i]);
			CHECK_EQ_U64(l.n, listed[i]);
			if (l.n) {
				CHECK_EQ_U64(l.cpu[0].apic_id, x2 ? 0x100 + i : i);
				CHECK_EQ_U64(l.cpu[0].flags, flags[i]);
				CHECK_EQ_U64(l.cpu[0].uid, 7);
				CHECK_EQ_U64(l.cpu[0].type,
					     x2 ? MADT_TYPE_LOCAL_X2APIC : MADT_TYPE_LOCAL_APIC);
			}
		}
	}
}

/* x2APIC ids are 32 bits wide (5.2.12.12), and type 0 and type 9 entries
 * come out interleaved in table order. */
static void x2apic_ids_in_table_order(void)
{
	struct tb t;
	struct madt_info info;
	struct listed l;
	static const uint32_t ids[] = { 0x100, 0, 0xffffffff, 0x12345678, 5 };

	tb_header(&t, 0xfee00000, 0);
	tb_x2apic(&t, 0x100, 1, 0x100);
	tb_lapic(&t, 0, 0, 1);
	tb_x2apic(&t, 0xffffffff, 2, 0xdeadbeef);
	tb_x2apic(&t, 0x300, 0, 1);
	tb_x2apic(&t, 0x12345678, 3, 2);
	tb_lapic(&t, 5, 5, 2);
	CHECK_EQ_U64(decode(&t, t.n, &info, &l), 0);
	CHECK_EQ_U64(info.cpus, 5);
	check_ids(&l, ids, 5);
	CHECK_EQ_U64(l.cpu[2].uid, 0xdeadbeef);
	CHECK_EQ_U64(l.cpu[2].offset, 44 + 16 + 8);
}

/* A CPU with a type 0 and a type 9 entry is passed on (and counted) twice:
 * kernel/smp.c's smp_add_listed() drops the second one. */
static void duplicates_are_passed_on(void)
{
	struct tb t;
	struct madt_info info;
	struct listed l;
	static const uint32_t ids[] = { 1, 1, 2, 2 };

	tb_header(&t, 0xfee00000, 0);
	tb_lapic(&t, 1, 1, 1);
	tb_x2apic(&t, 1, 1, 1);
	tb_lapic(&t, 2, 2, 1);
	tb_lapic(&t, 2, 2, 1);
	CHECK_EQ_U64(decode(&t, t.n, &info, &l), 0);
	CHECK_EQ_U64(info.cpus, 4);
	check_ids(&l, ids, 4);
	CHECK_EQ_U64(l.cpu[1].type, MADT_TYPE_LOCAL_X2APIC);
}

/* The 64-bit override replaces the header's address wherever it sits
 * (5.2.12.8); a short one is skipped and leaves the header's. */
static void address_override(void)
{
	struct tb t;
	struct madt_info info;
	struct listed l;

	tb_header(&t, 0xfee00000, 0);
	tb_lapic(&t, 0, 0, 1);
	tb_override(&t, 0x123456789abcd000ull);
	CHECK_EQ_U64(decode(&t, t.n, &info, &l), 0);
	CHECK_EQ_U64(info.lapic_address, 0x123456789abcd000ull);
	CHECK_EQ_U64(info.cpus, 1);

	tb_header(&t, 0xfee00000, 0);
	tb_override(&t, 0xfed00000);
	t.b[t.n - 11] = 11; /* its Length */
	t.n--;
	CHECK_EQ_U64(decode(&t, t.n, &info, &l), 0);
	CHECK_EQ_U64(info.lapic_address, 0xfee00000);
	CHECK_EQ_U64(info.short_entries, 1);
}

/* Entries of a known type shorter than their fields are skipped and
 * counted, the walk goes on; longer ones are read at the usual offsets;
 * unknown types are stepped over. */
static void short_and_long_entries(void)
{
	struct tb t;
	struct madt_info info;
	struct listed l;
	static const uint32_t ids[] = { 9, 0x200 };

	tb_header(&t, 0xfee00000, 0);
	put(&t, MADT_TYPE_LOCAL_X2APIC, 1);	/* 15 bytes: no room for the UID */
	put(&t, 15, 1);
	put(&t, 0, 2);
	put(&t, 0x100, 4);
	put(&t, 1, 4);
	put(&t, 0, 3);
	put(&t, MADT_TYPE_LOCAL_APIC, 1);	/* 7 bytes */
	put(&t, 7, 1);
	put(&t, 0x0100010101ull, 5);
	put(&t, MADT_TYPE_IO_APIC, 1);		/* 11 bytes */
	put(&t, 11, 1);
	put(&t, 0, 9);
	put(&t, MADT_TYPE_LOCAL_APIC, 1);	/* 10 bytes, id 9, enabled */
	put(&t, 10, 1);
	put(&t, 0, 1);
	put(&t, 9, 1);
	put(&t, 1, 4);
	put(&t, 0xffff, 2);
	put(&t, 0x7f, 1);			/* an unknown type, 3 bytes */
	put(&t, 3, 1);
	put(&t, 0xff, 1);
	put(&t, MADT_TYPE_LOCAL_APIC, 1);	/* 2 bytes: only the header */
	put(&t, 2, 1);
	tb_x2apic(&t, 0x200, 1, 0);
	CHECK_EQ_U64(decode(&t, t.n, &info, &l), 0);
	CHECK_EQ_U64(info.short_entries, 4);
	CHECK_EQ_U64(info.ioapics, 0);
	CHECK_EQ_U64(info.cpus, 2);
	check_ids(&l, ids, 2);
}

/* Length 0 or 1 would not move the walk on; a length past the end would
 * read outside: both stop it with MADT_ELENGTH, keeping what came before. */
static void bad_entry_lengths(void)
{
	for (unsigned bad = 0; bad < 3; bad++) {
		struct tb t;
		struct madt_info info;
		struct listed l;
		uint32_t at;

		tb_header(&t, 0xfee00000, MADT_PCAT_COMPAT);
		tb_lapic(&t, 0, 0, 1);
		tb_ioapic(&t, 2, 0xfec00000, 24);
		at = t.n;
		tb_lapic(&t, 1, 1, 1);
		t.b[at + 1] = bad == 2 ? 9 : (uint8_t)bad; /* 9: one byte past the end */
		CHECK_EQ_U64(decode(&t, t.n, &info, &l), MADT_ELENGTH);
		CHECK_EQ_U64(info.bad_offset, at);
		CHECK_EQ_U64(info.bad_length, t.b[at + 1]);
		CHECK_EQ_U64(info.cpus, 1);
		CHECK_EQ_U64(l.n, 1);
		CHECK_EQ_U64(info.ioapics, 1);
		CHECK_EQ_U64(info.ioapic[0].gsi_base, 24);
		CHECK_EQ_U64(info.pcat_compat, 1);
	}
}

/* Shorter than the fixed part, or no table at all: MADT_ESHORT and a
 * zeroed result. Exactly the fixed part is a table with no entries. */
static void short_tables(void)
{
	struct tb t;
	struct madt_info info;
	struct listed l;

	tb_header(&t, 0xfee00000, 1);
	for (uint32_t len = 0; len < MADT_HEADER_LEN; len++) {
		memset(&info, 0xa5, sizeof(info));
		CHECK_EQ_U64(decode(&t, len, &info, &l), MADT_ESHORT);
		CHECK_EQ_U64(info.lapic_address, 0);
		CHECK_EQ_U64(info.cpus, 0);
		CHECK_EQ_U64(l.n, 0);
	}
	CHECK_EQ_U64(madt_decode(NULL, 100, &info, collect, &l), MADT_ESHORT);
	CHECK_EQ_U64(decode(&t, MADT_HEADER_LEN, &info, &l), 0);
	CHECK_EQ_U64(info.lapic_address, 0xfee00000);
	CHECK_EQ_U64(info.pcat_compat, 1);
	CHECK_EQ_U64(info.cpus, 0);
	/* A NULL callback still counts. */
	tb_lapic(&t, 0, 0, 1);
	CHECK_EQ_U64(madt_decode(t.b, t.n, &info, NULL, NULL), 0);
	CHECK_EQ_U64(info.cpus, 1);
}

/* Every length from the fixed part to the whole table: one trailing byte
 * is ignored, an entry cut short is MADT_ELENGTH at its offset, a cut at
 * an entry boundary is a shorter valid table. */
static void every_truncation(void)
{
	struct tb t;
	uint32_t ends[8], nends = 0;

	tb_header(&t, 0xfee00000, 1);
	tb_lapic(&t, 0, 0, 1);
	ends[nends++] = t.n;
	tb_x2apic(&t, 0x100, 1, 1);
	ends[nends++] = t.n;
	tb_ioapic(&t, 1, 0xfec00000, 0);
	ends[nends++] = t.n;
	tb_override(&t, 0xfee10000);
	ends[nends++] = t.n;
	tb_x2apic(&t, 0x101, 2, 2);
	ends[nends++] = t.n;
	for (uint32_t len = MADT_HEADER_LEN; len <= t.n; len++) {
		struct madt_info info;
		struct listed l;
		uint32_t start = MADT_HEADER_LEN, whole = 0;
		int err = decode(&t, len, &info, &l);

		for (uint32_t i = 0; i < nends && ends[i] <= len; i++) {
			start = ends[i];
			whole = i + 1;
		}
		if (len - start < 2) {
			CHECK_EQ_U64(err, 0);
		} else {
			CHECK_EQ_U64(err, MADT_ELENGTH);
			CHECK_EQ_U64(info.bad_offset, start);
		}
		/* The CPUs come from entries 0, 1 and 4, the I/O APIC from 2. */
		CHECK_EQ_U64(info.cpus, (whole > 0) + (whole > 1) + (whole > 4));
		CHECK_EQ_U64(l.n, info.cpus);
		CHECK_EQ_U64(info.ioapics, whole > 2);
		CHECK_EQ_U64(info.lapic_address, whole > 3 ? 0xfee10000 : 0xfee00000);
	}
}

/* Past MADT_MAX_IOAPICS the I/O APICs are counted, not stored. */
static void many_ioapics(void)
{
	struct tb t;
	struct madt_info info;
	struct listed l;

	tb_header(&t, 0xfee00000, 0);
	for (unsigned i = 0; i < MADT_MAX_IOAPICS + 3; i++)
		tb_ioapic(&t, (uint8_t)i, 0xfec00000 + 0x1000 * i, 24 * i);
	CHECK_EQ_U64(decode(&t, t.n, &info, &l), 0);
	CHECK_EQ_U64(info.ioapics, MADT_MAX_IOAPICS);
	CHECK_EQ_U64(info.ioapics_beyond, 3);
	CHECK_EQ_U64(info.ioapic[MADT_MAX_IOAPICS - 1].id, MADT_MAX_IOAPICS - 1);
	CHECK_EQ_U64(info.ioapic[MADT_MAX_IOAPICS - 1].gsi_base, 24 * (MADT_MAX_IOAPICS - 1));
}

/* Random bytes after the fixed part: whatever they say, the decoder stays
 * inside the buffer (ASan) and lists no more CPUs than entries fit. */
static void random_entries(void)
{
	for (unsigned round = 0; round < 20000; round++) {
		struct tb t;
		struct madt_info info;
		struct listed l;
		uint32_t len = MADT_HEADER_LEN + (uint32_t)(check_rand() % 200);
		int err;

		tb_header(&t, 0xfee00000, 0);
		while (t.n < len) {
			uint64_t r = check_rand();
			/* Mostly plausible types and lengths, so walks go deep. */
			t.b[t.n++] = (uint8_t)(r & 1 ? (r >> 8) % 12 : r >> 8);
			if (t.n < len)
				t.b[t.n++] = (uint8_t)(r & 2 ? (r >> 16) % 20 : r >> 16);
		}
		err = decode(&t, len, &info, &l);
		CHECK(err == 0 || err == MADT_ELENGTH);
		CHECK(info.cpus <= (len - MADT_HEADER_LEN) / 8);
		CHECK_EQ_U64(l.n, info.cpus);
		if (err == MADT_ELENGTH)
			CHECK(info.bad_offset >= MADT_HEADER_LEN && info.bad_offset + 2 <= len);
	}
}

int main(void)
{
	RUN_TEST("madt", qemu_like_table);
	RUN_TEST("madt", flags_that_list_a_cpu);
	RUN_TEST("madt", x2apic_ids_in_table_order);
	RUN_TEST("madt", duplicates_are_passed_on);
	RUN_TEST("madt", address_override);
	RUN_TEST("madt", short_and_long_entries);
	RUN_TEST("madt", bad_entry_lengths);
	RUN_TEST("madt", short_tables);
	RUN_TEST("madt", every_truncation);
	RUN_TEST("madt", many_ioapics);
	RUN_TEST("madt", random_entries);
	return CHECK_EXIT_STATUS();
}

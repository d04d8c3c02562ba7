/* The DMAR parser (lib/dmar/) on tables built byte by byte here: decoded
 * values, error codes and offsets, the exact messages, and robustness
 * against every truncation and every single-byte corruption of a valid
 * table. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "lib/dmar/dmar.h"
#include "lib/dmar/dmar_layout.h"

/* --- building tables --- */

struct tb {
	uint8_t b[512];
	uint32_t n;
	uint32_t open_struct, open_scope;	/* offsets whose length is pending */
};

static void put(struct tb *t, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		t->b[t->n++] = (uint8_t)(v >> (8 * i));
}

static void tb_header(struct tb *t, uint8_t haw, uint8_t flags)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->b, "DMAR", 4);
	t->b[8] = 1;				/* revision */
	memcpy(t->b + 10, "VTDB  ", 6);
	memcpy(t->b + 16, "UNITTEST", 8);
	memcpy(t->b + 28, "TEST", 4);
	t->b[36] = haw;
	t->b[37] = flags;
	t->n = 48;
}

static void tb_close(struct tb *t)
{
	if (t->open_scope)
		t->b[t->open_scope + 1] = (uint8_t)(t->n - t->open_scope);
	if (t->open_struct) {
		t->b[t->open_struct + 2] = (uint8_t)(t->n - t->open_struct);
		t->b[t->open_struct + 3] = (uint8_t)((t->n - t->open_struct) >> 8);
	}
	t->open_scope = t->open_struct = 0;
}

static uint32_t tb_struct(struct tb *t, uint16_t type)
{
	tb_close(t);
	t->open_struct = t->n;
	put(t, type, 2);
	put(t, 0, 2);
	return t->open_struct;
}

static uint32_t tb_scope(struct tb *t, uint8_t type, uint8_t id, uint8_t bus)
{
	if (t->open_scope)
		t->b[t->open_scope + 1] = (uint8_t)(t->n - t->open_scope);
	t->open_scope = t->n;
	put(t, type, 1);
	put(t, 0, 1);
	put(t, 0, 2);
	put(t, id, 1);
	put(t, bus, 1);
	return t->open_scope;
}

static void tb_path(struct tb *t, uint8_t dev, uint8_t fn)
{
	put(t, dev, 1);
	put(t, fn, 1);
}

static void tb_finish(struct tb *t)
{
	uint8_t sum = 0;

	tb_close(t);
	t->b[4] = (uint8_t)t->n;
	t->b[5] = (uint8_t)(t->n >> 8);
	t->b[9] = 0;
	for (uint32_t i = 0; i < t->n; i++)
		sum = (uint8_t)(sum + t->b[i]);
	t->b[9] = (uint8_t)-sum;
}

static void fix_checksum(uint8_t *b, uint32_t n)
{
	uint8_t sum = 0;

	b[9] = 0;
	for (uint32_t i = 0; i < n; i++)
		sum = (uint8_t)(sum + b[i]);
	b[9] = (uint8_t)-sum;
}

/* Two units, a two-hop RMRR scope and one of each other structure. */
static void tb_full(struct tb *t)
{
	tb_header(t, 38, DMAR_INTR_REMAP | DMAR_X2APIC_OPT_OUT);
	tb_struct(t, DMAR_TYPE_DRHD);			/* 0x30 */
	put(t, 0, 1); put(t, 4, 1); put(t, 0, 2); put(t, 0xfed90000, 8);
	tb_scope(t, DMAR_SCOPE_ENDPOINT, 0, 0); tb_path(t, 2, 0);
	tb_struct(t, DMAR_TYPE_DRHD);			/* 0x48 */
	put(t, DMAR_DRHD_INCLUDE_PCI_ALL, 1); put(t, 0, 1); put(t, 0, 2);
	put(t, 0xfed91000, 8);
	tb_scope(t, DMAR_SCOPE_IOAPIC, 2, 0xf0); tb_path(t, 0x1f, 0);
	tb_scope(t, DMAR_SCOPE_HPET, 0, 0); tb_path(t, 0x1f, 7);
	tb_scope(t, DMAR_SCOPE_NAMESPACE, 1, 0); tb_path(t, 0x15, 0);
	tb_struct(t, DMAR_TYPE_RMRR);			/* 0x70 */
	put(t, 0, 2); put(t, 0, 2); put(t, 0x7b800000, 8); put(t, 0x7fffffff, 8);
	tb_scope(t, DMAR_SCOPE_ENDPOINT, 0, 0); tb_path(t, 0x1c, 4); tb_path(t, 0, 2);
	tb_struct(t, DMAR_TYPE_ATSR);			/* 0x92 */
	put(t, DMAR_ATSR_ALL_PORTS, 1); put(t, 0, 1); put(t, 0, 2);
	tb_struct(t, DMAR_TYPE_RHSA);			/* 0x9a */
	put(t, 0, 4); put(t, 0xfed91000, 8); put(t, 3, 4);
	tb_struct(t, DMAR_TYPE_ANDD);			/* 0xae */
	put(t, 0, 3); put(t, 1, 1);
	memcpy(t->b + t->n, "\\_SB.I2C0", 10); t->n += 10;
	tb_struct(t, DMAR_TYPE_SATC);			/* 0xc0 */
	put(t, DMAR_SATC_ATC_REQUIRED, 1); put(t, 0, 1); put(t, 0, 2);
	tb_scope(t, DMAR_SCOPE_ENDPOINT, 0, 0); tb_path(t, 2, 0);
	tb_struct(t, DMAR_TYPE_SIDP);			/* 0xd0 */
	put(t, 0, 2); put(t, 0, 2);
	tb_scope(t, DMAR_SCOPE_ENDPOINT, 0, 0); tb_path(t, 0xb, 0);
	t->b[t->open_scope + 2] = 0x1c;		/* scope flags */
	tb_finish(t);
}

/* --- capturing output --- */

static char out[16384];
static size_t out_len;

static void capture(void *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void capture(void *ctx, const char *fmt, ...)
{
	va_list ap;
	int n;

	(void)ctx;
	va_start(ap, fmt);
	n = vsnprintf(out + out_len, sizeof(out) - out_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		out_len += (size_t)n < sizeof(out) - out_len ? (size_t)n : sizeof(out) - out_len - 1;
}

static void reset_out(void)
{
	out_len = 0;
	out[0] = '\0';
}

/* --- tests --- */

static void test_full_table_decodes(void)
{
	struct tb t;
	struct dmar_table dt;
	struct dmar_iter it;
	struct dmar_struct s;
	struct dmar_scope_iter si;
	struct dmar_scope sc;

	tb_full(&t);
	reset_out();
	CHECK_EQ_U64(dmar_parse(&dt, t.b, t.n, capture, NULL), 0);
	CHECK_STR_EQ(out, "");
	CHECK_EQ_U64(dt.length, t.n);
	CHECK(dt.checksum_ok);
	CHECK_EQ_U64(dmar_haw_bits(&dt), 39);
	CHECK_EQ_U64(dt.flags, 3);
	CHECK_EQ_U64(dt.count[DMAR_TYPE_DRHD], 2);
	for (int i = 1; i < DMAR_NTYPES; i++)
		CHECK_EQ_U64(dt.count[i], 1);

	dmar_iter_start(&it, &dt);
	CHECK(dmar_iter_next(&it, &s));
	CHECK_EQ_U64(s.offset, 0x30);
	CHECK_EQ_U64(s.drhd.reg_base, 0xfed90000);
	CHECK_EQ_U64(dmar_drhd_reg_size(&s), 64 * 1024);
	CHECK(dmar_iter_next(&it, &s));
	CHECK_EQ_U64(s.drhd.flags, DMAR_DRHD_INCLUDE_PCI_ALL);
	dmar_scope_start(&si, &dt, &s);
	CHECK(dmar_scope_next(&si, &sc));
	CHECK_EQ_U64(sc.type, DMAR_SCOPE_IOAPIC);
	CHECK_EQ_U64(sc.enumeration_id, 2);
	CHECK_EQ_U64(sc.start_bus, 0xf0);
	CHECK_EQ_U64(sc.path_len, 1);
	CHECK_EQ_U64(sc.path[0].device, 0x1f);
	CHECK(dmar_scope_next(&si, &sc));
	CHECK_EQ_U64(sc.type, DMAR_SCOPE_HPET);
	CHECK_EQ_U64(sc.path[0].function, 7);
	CHECK(dmar_scope_next(&si, &sc));
	CHECK_EQ_U64(sc.type, DMAR_SCOPE_NAMESPACE);
	CHECK(!dmar_scope_next(&si, &sc));

	CHECK(dmar_iter_next(&it, &s));
	CHECK_EQ_U64(s.type, DMAR_TYPE_RMRR);
	CHECK_EQ_U64(s.rmrr.base, 0x7b800000);
	CHECK_EQ_U64(s.rmrr.limit, 0x7fffffff);
	dmar_scope_start(&si, &dt, &s);
	CHECK(dmar_scope_next(&si, &sc));
	CHECK_EQ_U64(sc.path_len, 2);
	CHECK_EQ_U64(sc.path[0].device, 0x1c);
	CHECK_EQ_U64(sc.path[0].function, 4);
	CHECK_EQ_U64(sc.path[1].function, 2);

	CHECK(dmar_iter_next(&it, &s));
	CHECK_EQ_U64(s.atsr.flags, DMAR_ATSR_ALL_PORTS);
	CHECK_EQ_U64(s.scope_length, 0);
	CHECK(dmar_iter_next(&it, &s));
	CHECK_EQ_U64(s.rhsa.reg_base, 0xfed91000);
	CHECK_EQ_U64(s.rhsa.proximity_domain, 3);
	CHECK(dmar_iter_next(&it, &s));
	CHECK_EQ_U64(s.andd.device_number, 1);
	CHECK_EQ_U64(s.andd.name_len, 9);
	CHECK(memcmp(s.andd.name, "\\_SB.I2C0", 9) == 0);
	CHECK(dmar_iter_next(&it, &s));
	CHECK_EQ_U64(s.satc.flags, DMAR_SATC_ATC_REQUIRED);
	CHECK(dmar_iter_next(&it, &s));
	CHECK_EQ_U64(s.type, DMAR_TYPE_SIDP);
	dmar_scope_start(&si, &dt, &s);
	CHECK(dmar_scope_next(&si, &sc));
	CHECK_EQ_U64(sc.flags, 0x1c);
	CHECK(!dmar_iter_next(&it, &s));
	CHECK(!dmar_iter_next(&it, &s));	/* stays at the end */
}

static void test_summary_text(void)
{
	struct tb t;
	struct dmar_table dt;

	tb_full(&t);
	CHECK_EQ_U64(dmar_parse(&dt, t.b, t.n, NULL, NULL), 0);
	reset_out();
	dmar_print_summary(&dt, capture, NULL);
	CHECK_STR_EQ(out,
		"dmar: rev 1, 224 bytes, host address width 39, flags 0x3 "
		"(INTR_REMAP X2APIC_OPT_OUT)\n"
		"dmar: structures: 2 DRHD, 1 RMRR, 1 ATSR, 1 RHSA, 1 ANDD, 1 SATC, 1 SIDP\n"
		"dmar: DRHD seg 0 base 0xfed90000 (64 KiB): endpoint 00:02.0\n"
		"dmar: DRHD seg 0 base 0xfed91000 (4 KiB) INCLUDE_PCI_ALL: ioapic 2 f0:1f.0, "
		"hpet 0 00:1f.7, acpi 1 00:15.0\n"
		"dmar: RMRR seg 0 0x7b800000-0x7fffffff: endpoint 00:1c.4/00.2\n");
}

static void test_decoded_text(void)
{
	struct tb t;
	struct dmar_table dt;

	tb_full(&t);
	CHECK_EQ_U64(dmar_parse(&dt, t.b, t.n, NULL, NULL), 0);
	reset_out();
	dmar_print_decoded(&dt, capture, NULL);
	CHECK(strstr(out, "[000h 0000   4]                    Signature : \"DMAR\"") != NULL);
	CHECK(strstr(out, "[024h 0036   1]           Host Address Width : 26 [39 bits]\n") != NULL);
	CHECK(strstr(out, "[050h 0080   8]        Register Base Address : 00000000FED91000\n") != NULL);
	CHECK(strstr(out, "[035h 0053   1]                         Size : 04 [64 KiB register set]\n") != NULL);
	CHECK(strstr(out, "Device Name : \"\\_SB.I2C0\"\n") != NULL);
	CHECK(strstr(out, "Subtable Type : 0006 [SoC Integrated Device Property]\n") != NULL);
}

/* Fields of l in order, back to back from `from` to the end of the fixed
 * part, with only a rest-of-record field after it: every byte of every
 * record is named exactly once. */
static void check_tiles(const struct dmar_layout *l, uint32_t from)
{
	uint32_t at = from;

	CHECK(l->nfields > 0);
	for (unsigned i = 0; i < l->nfields; i++) {
		const struct dmar_field *f = &l->fields[i];

		CHECK(f->label && f->key);
		CHECK_EQ_U64(f->offset, at);
		if (f->width == 0) {
			CHECK_EQ_U64(i, l->nfields - 1u);
			CHECK_EQ_U64(f->offset, l->min_len);
			CHECK_EQ_U64(f->kind, DMAR_FIELD_TEXT);
		} else {
			CHECK(f->kind == DMAR_FIELD_TEXT || f->kind == DMAR_FIELD_BYTES ||
			      f->width <= 8);
		}
		CHECK(f->note != DMAR_NOTE_FLAGS || f->flags);
		at += f->width;
	}
	CHECK_EQ_U64(at, l->min_len);
}

static void test_layouts_tile_every_record(void)
{
	const uint32_t hdr = dmar_layout_struct_header.min_len;

	check_tiles(&dmar_layout_acpi_header, 0);
	check_tiles(&dmar_layout_dmar_header, dmar_layout_acpi_header.min_len);
	CHECK_EQ_U64(dmar_layout_dmar_header.min_len, DMAR_HEADER_LEN);
	check_tiles(&dmar_layout_struct_header, 0);
	check_tiles(&dmar_layout_scope, 0);
	CHECK_EQ_U64(dmar_layout_scope.min_len, DMAR_SCOPE_HDR_LEN);
	CHECK_EQ_U64(dmar_layout_scope.tail, DMAR_TAIL_PATH);
	check_tiles(&dmar_layout_path, 0);
	for (uint16_t type = 0; type < DMAR_NTYPES; type++) {
		const struct dmar_layout *l = dmar_layout_of(type);

		CHECK(l && l->name && l->title && l->key);
		if (!l)
			continue;
		check_tiles(l, hdr);
		CHECK_EQ_U64(dmar_struct_min_len(type), l->min_len);
		/* Only RHSA and ANDD carry no device scopes. VT-d spec 8.6, 8.7 */
		CHECK_EQ_U64(l->tail, type == DMAR_TYPE_RHSA || type == DMAR_TYPE_ANDD ?
			     DMAR_TAIL_NONE : DMAR_TAIL_SCOPES);
	}
	CHECK(dmar_layout_of(DMAR_NTYPES) == NULL);
	CHECK_EQ_U64(dmar_struct_min_len(DMAR_NTYPES), hdr);
	/* The fixed parts the spec gives. VT-d spec 8.3-8.9 */
	CHECK_EQ_U64(dmar_struct_min_len(DMAR_TYPE_DRHD), 16);
	CHECK_EQ_U64(dmar_struct_min_len(DMAR_TYPE_RMRR), 24);
	CHECK_EQ_U64(dmar_struct_min_len(DMAR_TYPE_ATSR), 8);
	CHECK_EQ_U64(dmar_struct_min_len(DMAR_TYPE_RHSA), 20);
	CHECK_EQ_U64(dmar_struct_min_len(DMAR_TYPE_ANDD), 8);
	CHECK_EQ_U64(dmar_struct_min_len(DMAR_TYPE_SATC), 8);
	CHECK_EQ_U64(dmar_struct_min_len(DMAR_TYPE_SIDP), 8);
}

/* Parses b with messages captured; returns the code. */
static int parse_msgs(struct dmar_table *dt, const uint8_t *b, size_t n)
{
	reset_out();
	return dmar_parse(dt, b, n, capture, NULL);
}

static void test_value_errors_name_offsets(void)
{
	struct tb t;
	struct dmar_table dt;

	tb_full(&t);
	memset(t.b + 0x38, 0, 8);			/* first DRHD base */
	fix_checksum(t.b, t.n);
	CHECK_EQ_U64(parse_msgs(&dt, t.b, t.n), (uint64_t)DMAR_EFIELD);
	CHECK_EQ_U64(dt.first_error_offset, 0x30);
	CHECK_EQ_U64(dt.errors, 1);
	CHECK_STR_EQ(out, "dmar: error: DRHD at offset 0x30: register base 0x0 is not "
		     "a valid 4 KiB-aligned address\n");

	tb_full(&t);
	t.b[0x34] = DMAR_DRHD_INCLUDE_PCI_ALL;	/* both units catch-all */
	fix_checksum(t.b, t.n);
	CHECK_EQ_U64(parse_msgs(&dt, t.b, t.n), (uint64_t)DMAR_EFIELD);
	CHECK_EQ_U64(dt.first_error_offset, 0x48);

	tb_full(&t);
	t.b[0x36] = 1;					/* ...unless segments differ */
	t.b[0x34] = DMAR_DRHD_INCLUDE_PCI_ALL;
	fix_checksum(t.b, t.n);
	CHECK_EQ_U64(parse_msgs(&dt, t.b, t.n), 0);
}

static void test_length_errors(void)
{
	struct tb t;
	struct dmar_table dt;

	tb_full(&t);
	t.b[0x4a] = 0;					/* second DRHD length 0 */
	fix_checksum(t.b, t.n);
	CHECK_EQ_U64(parse_msgs(&dt, t.b, t.n), (uint64_t)DMAR_ELENGTH);
	CHECK_EQ_U64(dt.first_error_offset, 0x48);
	CHECK(strstr(out, "DRHD at offset 0x48 (type 0): length 0") != NULL);
	/* Iteration stops at the broken record instead of looping on it. */
	{
		struct dmar_iter it;
		struct dmar_struct s;
		int n = 0;

		dmar_iter_start(&it, &dt);
		while (dmar_iter_next(&it, &s) && n < 100)
			n++;
		CHECK_EQ_U64(n, 1);
	}

	tb_full(&t);
	t.b[0x41] = 7;					/* half a path entry */
	fix_checksum(t.b, t.n);
	CHECK_EQ_U64(parse_msgs(&dt, t.b, t.n), (uint64_t)DMAR_ELENGTH);
	CHECK(strstr(out, "entry length 7 ends in half a path entry") != NULL);
}

static void test_header_errors(void)
{
	struct tb t;
	struct dmar_table dt;
	struct dmar_iter it;
	struct dmar_struct s;

	tb_full(&t);
	CHECK_EQ_U64(parse_msgs(&dt, t.b, 47), (uint64_t)DMAR_ESHORT);
	CHECK_STR_EQ(out, "dmar: error: table is 47 bytes, shorter than the 48-byte DMAR header\n");
	CHECK_EQ_U64(parse_msgs(&dt, t.b, t.n - 1), (uint64_t)DMAR_ESHORT);
	dmar_iter_start(&it, &dt);
	CHECK(!dmar_iter_next(&it, &s));		/* nothing to walk */
	CHECK_EQ_U64(parse_msgs(&dt, NULL, 100), (uint64_t)DMAR_EINVAL);
	t.b[3] = 'X';
	CHECK_EQ_U64(parse_msgs(&dt, t.b, t.n), (uint64_t)DMAR_ESIG);

	tb_full(&t);
	t.b[9] ^= 0x55;
	CHECK_EQ_U64(parse_msgs(&dt, t.b, t.n), 0);	/* only a warning */
	CHECK(!dt.checksum_ok);
	CHECK_EQ_U64(dt.warnings, 1);
	CHECK(strstr(out, "dmar: warning: checksum") == out);
}

static void test_unknown_type_skipped(void)
{
	struct tb t;
	struct dmar_table dt;
	struct dmar_iter it;
	struct dmar_struct s;

	tb_full(&t);
	t.b[0x92] = 0x42;				/* the ATSR becomes type 0x42 */
	fix_checksum(t.b, t.n);
	CHECK_EQ_U64(parse_msgs(&dt, t.b, t.n), 0);
	CHECK_STR_EQ(out, "dmar: warning: unknown remapping structure type 66 at offset "
		     "0x92, length 8: skipped\n");
	CHECK_EQ_U64(dt.count[DMAR_NTYPES], 1);
	CHECK_EQ_U64(dt.count[DMAR_TYPE_ATSR], 0);
	dmar_iter_start(&it, &dt);
	for (int i = 0; i < 4; i++)
		CHECK(dmar_iter_next(&it, &s));
	CHECK_EQ_U64(s.type, 0x42);
	CHECK(dmar_iter_next(&it, &s));			/* walk goes on past it */
	CHECK_EQ_U64(s.type, DMAR_TYPE_RHSA);
}

/* Fields the spec bounds: path hops, the host address width and what must
 * fit in it, the DRHD size byte's reserved bits. Each is an error naming
 * the structure; the table stays walkable, so one run lists them all. */
static void test_impossible_values(void)
{
	struct tb t;
	struct dmar_table dt;

	tb_full(&t);
	t.b[0x46] = 32;					/* first DRHD's endpoint, device 32 */
	fix_checksum(t.b, t.n);
	CHECK_EQ_U64(parse_msgs(&dt, t.b, t.n), (uint64_t)DMAR_EFIELD);
	CHECK_EQ_U64(dt.first_error_offset, 0x30);
	CHECK_STR_EQ(out, "dmar: error: DRHD at offset 0x30: device scope at offset 0x40: "
		     "path entry 20,00 at offset 0x46 is not a PCI device and function "
		     "(device 0-31, function 0-7)\n");

	tb_full(&t);
	t.b[0x91] = 8;					/* RMRR's second hop, function 8 */
	fix_checksum(t.b, t.n);
	CHECK_EQ_U64(parse_msgs(&dt, t.b, t.n), (uint64_t)DMAR_EFIELD);
	CHECK_EQ_U64(dt.first_error_offset, 0x70);
	CHECK(strstr(out, "RMRR at offset 0x70: device scope at offset 0x88: path entry "
		      "00,08 at offset 0x90") != NULL);
	tb_full(&t);
	t.b[0x90] = 31; t.b[0x91] = 7;			/* the largest legal hop */
	fix_checksum(t.b, t.n);
	CHECK_EQ_U64(parse_msgs(&dt, t.b, t.n), 0);

	/* Width 32 bits is the narrowest accepted; the checks of addresses
	 * against a width below it would only repeat the one error. */
	for (unsigned haw = 0; haw < 40; haw++) {
		tb_full(&t);
		t.b[36] = (uint8_t)haw;
		fix_checksum(t.b, t.n);
		if (haw + 1 < 32) {
			CHECK_EQ_U64(parse_msgs(&dt, t.b, t.n), (uint64_t)DMAR_EFIELD);
			CHECK_EQ_U64(dt.errors, 1);
			CHECK_EQ_U64(dt.first_error_offset, 36);
		} else if (haw + 1 < 39) {
			/* The RMRR ends at 0x7fffffff; the units sit below 4 GiB. */
			CHECK_EQ_U64(parse_msgs(&dt, t.b, t.n), 0);
		}
	}
	tb_full(&t);
	t.b[36] = 0;
	fix_checksum(t.b, t.n);
	parse_msgs(&dt, t.b, t.n);
	CHECK_STR_EQ(out, "dmar: error: host address width 1 bit (byte 36 = 0x00) is below "
		     "the 32 bits every VT-d platform has\n");

	tb_full(&t);					/* 39 bits: last address 0x7fffffffff */
	memcpy(t.b + 0x78, "\x00\x00\x00\x00\x7f\x00\x00\x00", 8);
	memcpy(t.b + 0x80, "\xff\xff\xff\xff\x7f\x00\x00\x00", 8);
	fix_checksum(t.b, t.n);
	CHECK_EQ_U64(parse_msgs(&dt, t.b, t.n), 0);
	t.b[0x84] = 0x80;				/* limit 0x80ffffffff */
	fix_checksum(t.b, t.n);
	CHECK_EQ_U64(parse_msgs(&dt, t.b, t.n), (uint64_t)DMAR_EFIELD);
	CHECK_STR_EQ(out, "dmar: error: RMRR at offset 0x70: region 0x7f00000000-0x80ffffffff "
		     "reaches beyond the 39-bit host address width\n");

	tb_full(&t);
	memcpy(t.b + 0x38, "\x00\x00\xff\xff\x7f\x00\x00\x00", 8);	/* 64 KiB set ends at the top */
	fix_checksum(t.b, t.n);
	CHECK_EQ_U64(parse_msgs(&dt, t.b, t.n), 0);
	t.b[0x35] = 5;					/* 128 KiB: one page too far */
	fix_checksum(t.b, t.n);
	CHECK_EQ_U64(parse_msgs(&dt, t.b, t.n), (uint64_t)DMAR_EFIELD);
	CHECK_STR_EQ(out, "dmar: error: DRHD at offset 0x30: register set 0x7fffff0000-"
		     "0x800000ffff lies beyond the 39-bit host address width\n");
	memset(t.b + 0x38, 0xff, 8);
	t.b[0x38] = 0; t.b[0x39] &= 0xf0;		/* wraps past 2^64 */
	t.b[36] = 63;
	fix_checksum(t.b, t.n);
	CHECK_EQ_U64(parse_msgs(&dt, t.b, t.n), (uint64_t)DMAR_EFIELD);
	CHECK(strstr(out, "lies beyond the 64-bit host address width") != NULL);

	tb_full(&t);
	t.b[0x35] = 0x0f;				/* the largest legal size */
	fix_checksum(t.b, t.n);
	CHECK_EQ_U64(parse_msgs(&dt, t.b, t.n), 0);
	t.b[0x35] = 0xff;
	fix_checksum(t.b, t.n);
	CHECK_EQ_U64(parse_msgs(&dt, t.b, t.n), (uint64_t)DMAR_EFIELD);
	CHECK_STR_EQ(out, "dmar: error: DRHD at offset 0x30: size byte 0xff sets reserved "
		     "bits 7:4 (the register set size is bits 3:0)\n");
}

/* Quirks a kernel can live with: warnings, and the table stays valid. */
static void test_odd_but_usable(void)
{
	struct tb t;
	struct dmar_table dt;

	tb_full(&t);
	t.b[0x58] = DMAR_SCOPE_ENDPOINT;		/* the catch-all unit's IOAPIC */
	fix_checksum(t.b, t.n);
	CHECK_EQ_U64(parse_msgs(&dt, t.b, t.n), 0);
	CHECK_EQ_U64(dt.warnings, 1);
	CHECK_STR_EQ(out, "dmar: warning: DRHD at offset 0x48: device scope at offset 0x58 is "
		     "a PCI Endpoint Device, which INCLUDE_PCI_ALL already covers\n");
	t.b[0x58] = DMAR_SCOPE_BRIDGE;
	fix_checksum(t.b, t.n);
	CHECK_EQ_U64(parse_msgs(&dt, t.b, t.n), 0);
	CHECK(strstr(out, "is a PCI Bridge Device, which INCLUDE_PCI_ALL") != NULL);

	/* An RHSA grown by 4 bytes: the ANDD after it moves along. */
	tb_full(&t);
	memmove(t.b + 0xb2, t.b + 0xae, t.n - 0xae);
	memset(t.b + 0xae, 0, 4);
	t.n += 4;
	t.b[0x9c] = 24;
	t.b[4] = (uint8_t)t.n;
	fix_checksum(t.b, t.n);
	CHECK_EQ_U64(parse_msgs(&dt, t.b, t.n), 0);
	CHECK_EQ_U64(dt.count[DMAR_TYPE_RHSA], 1);
	CHECK_EQ_U64(dt.count[DMAR_TYPE_ANDD], 1);
	CHECK_STR_EQ(out, "dmar: warning: RHSA at offset 0x9a: length 24 is longer than its "
		     "20-byte fixed size; the 4 bytes after it are ignored\n");
}

/* A table of n DRHDs with an endpoint each, segments 0-3 in turn and
 * distinct bases, except that unit `all` and the last are both the
 * INCLUDE_PCI_ALL unit of segment 4 and the last repeats the base of the
 * first; then an RHSA names a unit in the middle. Returns the malloc'ed
 * bytes. */
static uint8_t *many_units(uint32_t n, uint32_t all, uint32_t *len)
{
	const uint32_t unit = 24, rhsa = 20;
	uint32_t size = DMAR_HEADER_LEN + n * unit + rhsa;
	uint8_t *b = calloc(1, size), *p;
	uint8_t sum = 0;

	memcpy(b, "DMAR", 4);
	b[8] = 1;
	b[36] = 38;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t base = 0x100000000ull + (uint64_t)(i == n - 1 ? 0 : i) * 0x1000;
		uint16_t seg = i == all || i == n - 1 ? 4 : (uint16_t)(i % 4);

		p = b + DMAR_HEADER_LEN + i * unit;
		p[2] = (uint8_t)unit;
		p[4] = i == all || i == n - 1 ? DMAR_DRHD_INCLUDE_PCI_ALL : 0;
		p[6] = (uint8_t)seg;
		for (int k = 0; k < 8; k++)
			p[8 + k] = (uint8_t)(base >> (8 * k));
		p[16] = DMAR_SCOPE_ENDPOINT;
		p[17] = 8;
		p[21] = (uint8_t)(i / 256);		/* bus */
		p[22] = (uint8_t)(i % 32);		/* device */
		p[23] = (uint8_t)(i / 32 % 8);		/* function */
	}
	p = b + DMAR_HEADER_LEN + n * unit;
	p[0] = DMAR_TYPE_RHSA;
	p[2] = (uint8_t)rhsa;
	for (int k = 0; k < 8; k++)
		p[8 + k] = (uint8_t)((0x100000000ull + (uint64_t)(n / 2) * 0x1000) >> (8 * k));
	for (int k = 0; k < 4; k++)
		b[4 + k] = (uint8_t)(size >> (8 * k));
	for (uint32_t i = 0; i < size; i++)
		sum = (uint8_t)(sum + b[i]);
	b[9] = (uint8_t)-sum;
	*len = size;
	return b;
}

static unsigned log2_ceil(uint32_t n)
{
	unsigned l = 0;

	while ((1u << l) < n)
		l++;
	return l;
}

/* The checks between structures sort instead of comparing all pairs: the
 * comparisons stay within a small multiple of n log n, and the repeated
 * base and the second catch-all unit are still found. */
static void test_cross_checks_scale(void)
{
	static const uint32_t sizes[] = { 16, 1000, 16000 };

	for (unsigned k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		uint32_t n = sizes[k], len, all = n / 3;
		uint32_t first = DMAR_HEADER_LEN, last = DMAR_HEADER_LEN + (n - 1) * 24;
		uint8_t *b = many_units(n, all, &len);
		uint32_t *slot = calloc(2 * n, sizeof(*slot));
		struct dmar_scratch scratch = { .slot = slot, .nslots = 2 * n };
		struct dmar_table dt;
		char want[200];

		reset_out();
		CHECK_EQ_U64(dmar_parse_scratch(&dt, b, len, capture, NULL, &scratch),
			     (uint64_t)DMAR_EFIELD);
		CHECK_EQ_U64(dt.count[DMAR_TYPE_DRHD], n);
		CHECK_EQ_U64(dt.errors, 1);
		CHECK_EQ_U64(dt.first_error_offset, last);
		snprintf(want, sizeof(want), "dmar: error: DRHD at offset 0x%x: a second "
			 "INCLUDE_PCI_ALL unit for segment 4 (the first is the DRHD at offset "
			 "0x%x)\n", last, DMAR_HEADER_LEN + all * 24);
		CHECK(strstr(out, want) != NULL);
		snprintf(want, sizeof(want), "dmar: warning: DRHD at offset 0x%x: register base "
			 "0x100000000 is also the DRHD at offset 0x%x\n", last, first);
		CHECK(strstr(out, want) != NULL);
		CHECK(strstr(out, "matches no DRHD") == NULL);	/* the RHSA found its unit */
		/* And warnings: the repeated base, the endpoints the two
		 * catch-all units list. */
		CHECK_EQ_U64(dt.warnings, 3);
		CHECK(scratch.comparisons > 0);
		CHECK(scratch.comparisons <= 4ull * n * log2_ceil(n));
		free(slot);
		free(b);
	}
}

/* dmar_parse() has room for DMAR_PARSE_MAX_DRHD units; past it the error
 * names the first one it could not take. */
static void test_drhd_limit(void)
{
	uint32_t len, n = DMAR_PARSE_MAX_DRHD;
	uint8_t *b = many_units(n, 0, &len);
	struct dmar_table dt;
	char want[160];

	CHECK_EQ_U64(dmar_parse(&dt, b, len, NULL, NULL), (uint64_t)DMAR_EFIELD);
	CHECK_EQ_U64(dt.errors, 1);			/* the repeated catch-all unit */
	free(b);

	b = many_units(n + 1, 0, &len);
	reset_out();
	CHECK_EQ_U64(dmar_parse(&dt, b, len, capture, NULL), (uint64_t)DMAR_ELIMIT);
	CHECK_EQ_U64(dt.first_error_offset, DMAR_HEADER_LEN + n * 24);
	snprintf(want, sizeof(want), "dmar: error: DRHD at offset 0x%x: more than %u DRHDs, "
		 "more than the checks between structures have room for\n",
		 DMAR_HEADER_LEN + n * 24, n);
	CHECK(strstr(out, want) != NULL);
	CHECK_EQ_U64(dt.errors, 1);
	free(b);
}

/* Walks everything the parser let through, as the kernel would. */
static unsigned walk_all(const struct dmar_table *dt)
{
	struct dmar_iter it;
	struct dmar_struct s;
	struct dmar_scope_iter si;
	struct dmar_scope sc;
	unsigned sum = 0, steps = 0;

	dmar_iter_start(&it, dt);
	while (dmar_iter_next(&it, &s) && steps++ < 1000) {
		dmar_scope_start(&si, dt, &s);
		while (dmar_scope_next(&si, &sc) && steps++ < 1000)
			for (uint32_t i = 0; i < sc.path_len; i++)
				sum += sc.path[i].device;
	}
	CHECK(steps < 1000);
	return sum;
}

/* Every prefix, claimed by the header or not, and every value of every
 * byte: the parser must answer, never read outside the copy (ASan watches
 * the exact-size heap copy) and never loop. */
static void test_truncations_and_corruptions(void)
{
	struct tb t;
	struct dmar_table dt;
	unsigned accepted = 0;

	tb_full(&t);
	for (uint32_t n = 0; n <= t.n; n++) {
		uint8_t *copy = malloc(n ? n : 1);

		memcpy(copy, t.b, n);
		if (n >= 8) {
			copy[4] = (uint8_t)n;
			copy[5] = 0;
		}
		if (n >= 10)
			fix_checksum(copy, n);
		if (dmar_parse(&dt, copy, n, NULL, NULL) == 0)
			accepted++;
		walk_all(&dt);
		free(copy);
	}
	/* Only the whole table and cuts at structure boundaries are valid. */
	CHECK_EQ_U64(accepted, 9);

	for (uint32_t pos = 0; pos < t.n; pos++)
		for (unsigned v = 0; v < 256; v++) {
			uint8_t *copy = malloc(t.n);

			memcpy(copy, t.b, t.n);
			copy[pos] = (uint8_t)v;
			dmar_parse(&dt, copy, t.n, NULL, NULL);
			walk_all(&dt);
			free(copy);
		}
}

int main(void)
{
	RUN_TEST("dmar", test_full_table_decodes);
	RUN_TEST("dmar", test_summary_text);
	RUN_TEST("dmar", test_decoded_text);
	RUN_TEST("dmar", test_layouts_tile_every_record);
	RUN_TEST("dmar", test_value_errors_name_offsets);
	RUN_TEST("dmar", test_length_errors);
	RUN_TEST("dmar", test_header_errors);
	RUN_TEST("dmar", test_unknown_type_skipped);
	RUN_TEST("dmar", test_impossible_values);
	RUN_TEST("dmar", test_odd_but_usable);
	RUN_TEST("dmar", test_cross_checks_scale);
	RUN_TEST("dmar", test_drhd_limit);
	RUN_TEST("dmar", test_truncations_and_corruptions);
	return CHECK_EXIT_STATUS();
}

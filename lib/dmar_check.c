/* dmar_parse(): checks a DMAR table against the VT-d spec (chapter 8) before
 * anyone trusts it, and says exactly what is wrong and where.
 *
 * Rules of this file:
 *  - Every length is checked against what is left of its parent (table,
 *    structure) before a single byte behind it is read.
 *  - A record whose length is zero, too short or overrunning stops the walk
 *    at that level: nothing after it can be located.
 *  - Problems that leave the layout walkable (a bad field value) are reported
 *    and the walk goes on, so one run lists them all.
 *  - Errors name the structure and its table offset; firmware quirks that a
 *    kernel can live with are warnings. */
#include "lib/dmar.h"
#include "lib/dmar_acpi.h"
#include "lib/string.h"

struct check {
	struct dmar_table *t;
	dmar_print_fn diag;
	void *ctx;
	int first_error;
	bool walk_broken;	/* a length error hid part of the table */
};

static void note_error(struct check *c, int code, uint32_t off)
{
	if (!c->t->errors++) {
		c->first_error = code;
		c->t->first_error_offset = off;
	}
}

/* Macros, not functions: the callback has no va_list form, so each message
 * is one printf call built from a literal. */
#define ERR(c, code, off, fmt, ...)						\
	do {									\
		note_error((c), (code), (off));					\
		if ((c)->diag)							\
			(c)->diag((c)->ctx, "dmar: error: " fmt "\n", ##__VA_ARGS__); \
	} while (0)

#define WARN(c, fmt, ...)							\
	do {									\
		(c)->t->warnings++;						\
		if ((c)->diag)							\
			(c)->diag((c)->ctx, "dmar: warning: " fmt "\n", ##__VA_ARGS__); \
	} while (0)

static const char *label(uint16_t type)
{
	const char *n = dmar_type_name(type);

	return n ? n : "structure";
}

/* ACPI header and DMAR fields. VT-d spec 8.1 */
static bool check_header(struct check *c, const uint8_t *buf, size_t buflen)
{
	struct dmar_table *t = c->t;
	uint32_t len;
	uint8_t sum = 0;

	if (buflen < DMAR_HEADER_LEN) {
		ERR(c, DMAR_ESHORT, 0,
		    "table is %zu bytes, shorter than the %u-byte DMAR header",
		    buflen, DMAR_HEADER_LEN);
		return false;
	}
	if (memcmp(buf, "DMAR", 4) != 0) {
		ERR(c, DMAR_ESIG, 0,
		    "signature is %02x %02x %02x %02x, not \"DMAR\"",
		    buf[0], buf[1], buf[2], buf[3]);
		return false;
	}
	len = dmar_rd32(buf + offsetof(struct acpi_dmar_header, length));
	if (len < DMAR_HEADER_LEN) {
		ERR(c, DMAR_ESHORT, 0,
		    "header length %u is shorter than the %u-byte DMAR header",
		    len, DMAR_HEADER_LEN);
		return false;
	}
	if (len > buflen) {
		ERR(c, DMAR_ESHORT, 0,
		    "header length %u (0x%x) is larger than the %zu bytes supplied",
		    len, len, buflen);
		return false;
	}

	if (len < buflen)
		WARN(c, "%zu bytes after the %u-byte table are ignored", buflen - len, len);
	t->length = len;
	t->revision = buf[offsetof(struct acpi_dmar_header, revision)];
	t->checksum = buf[offsetof(struct acpi_dmar_header, checksum)];
	t->haw = buf[offsetof(struct acpi_dmar_header, host_addr_width)];
	t->flags = buf[offsetof(struct acpi_dmar_header, flags)];
	t->oem_revision = dmar_rd32(buf + offsetof(struct acpi_dmar_header, oem_revision));
	t->creator_revision =
		dmar_rd32(buf + offsetof(struct acpi_dmar_header, creator_revision));

	/* Firmware with wrong checksums ships; the layout checks below are
	 * what protect us, so this is only a warning. */
	for (uint32_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + buf[i]);
	t->checksum_ok = sum == 0;
	if (!t->checksum_ok)
		WARN(c, "checksum 0x%02x is wrong: the %u bytes sum to 0x%02x, not 0 "
		     "(decoding anyway)", t->checksum, len, sum);

	if (dmar_haw_bits(t) > 64)
		WARN(c, "host address width %u bits is more than 64", dmar_haw_bits(t));
	if (t->flags & ~(DMAR_INTR_REMAP | DMAR_X2APIC_OPT_OUT |
			 DMAR_DMA_CTRL_PLATFORM_OPT_IN))
		WARN(c, "header flags 0x%02x set reserved bits", t->flags);
	return true;
}

/* Which scope types may appear under which structure. IOAPIC and HPET are
 * only meaningful under a DRHD (VT-d spec 8.3.1.1, 8.3.1.2); ATSR lists root
 * ports, i.e. bridges (8.5); SATC lists SoC endpoints (8.8). */
static void check_scope_placement(struct check *c, const struct dmar_struct *s,
				  const struct dmar_scope *sc)
{
	const char *tn = dmar_scope_type_name(sc->type);

	if (!tn) {
		WARN(c, "%s at offset 0x%x: device scope at offset 0x%x has reserved "
		     "type %u; it is ignored", label(s->type), s->offset, sc->offset,
		     sc->type);
		return;
	}
	if (s->type != DMAR_TYPE_DRHD &&
	    (sc->type == DMAR_SCOPE_IOAPIC || sc->type == DMAR_SCOPE_HPET))
		WARN(c, "%s at offset 0x%x: device scope at offset 0x%x is an %s, "
		     "which only a DRHD can list", label(s->type), s->offset,
		     sc->offset, tn);
	if (s->type == DMAR_TYPE_ATSR && sc->type != DMAR_SCOPE_BRIDGE)
		WARN(c, "ATSR at offset 0x%x: device scope at offset 0x%x is a %s, "
		     "not a root port bridge", s->offset, sc->offset, tn);
	if (s->type == DMAR_TYPE_SATC && sc->type != DMAR_SCOPE_ENDPOINT)
		WARN(c, "SATC at offset 0x%x: device scope at offset 0x%x is a %s, "
		     "not an endpoint", s->offset, sc->offset, tn);
}

/* The device scope list of one structure. VT-d spec 8.3.1. Returns the
 * number of scopes found. */
static uint32_t check_scopes(struct check *c, const struct dmar_struct *s)
{
	const uint8_t *d = c->t->data;
	uint32_t pos = s->scope_offset, end = s->scope_offset + s->scope_length;
	uint32_t n = 0;
	struct dmar_scope sc;

	while (pos < end) {
		uint32_t left = end - pos;
		uint8_t len;

		if (left < 2) {
			ERR(c, DMAR_ELENGTH, s->offset,
			    "%s at offset 0x%x: %u trailing byte at offset 0x%x is too "
			    "short for a device scope", label(s->type), s->offset, left, pos);
			return n;
		}
		len = d[pos + offsetof(struct acpi_dmar_scope, length)];
		if (len < DMAR_SCOPE_HDR_LEN) {
			ERR(c, DMAR_ELENGTH, s->offset,
			    "%s at offset 0x%x: device scope at offset 0x%x: entry length "
			    "%u is shorter than the %u-byte scope header", label(s->type),
			    s->offset, pos, len, DMAR_SCOPE_HDR_LEN);
			return n;
		}
		if (len > left) {
			ERR(c, DMAR_ELENGTH, s->offset,
			    "%s at offset 0x%x: device scope at offset 0x%x: entry length "
			    "%u runs past the end of its %s (0x%x + 0x%x > 0x%x)",
			    label(s->type), s->offset, pos, len, label(s->type), pos, len, end);
			return n;
		}
		if (!dmar_scope_at(c->t, pos, end, &sc))
			return n;	/* unreachable: same checks as above */
		n++;
		if ((len - DMAR_SCOPE_HDR_LEN) % sizeof(struct acpi_dmar_path))
			ERR(c, DMAR_ELENGTH, s->offset,
			    "%s at offset 0x%x: device scope at offset 0x%x: entry length "
			    "%u ends in half a path entry", label(s->type), s->offset, pos, len);
		if (sc.path_len == 0)
			WARN(c, "%s at offset 0x%x: device scope at offset 0x%x has no path "
			     "entry, so it names no device", label(s->type), s->offset, pos);
		check_scope_placement(c, s, &sc);
		pos += len;
	}
	return n;
}

static void check_drhd(struct check *c, const struct dmar_struct *s, uint32_t nscopes)
{
	/* The register set is page-granular. VT-d spec 8.3 */
	if (s->drhd.reg_base == 0 || (s->drhd.reg_base & 0xfff))
		ERR(c, DMAR_EFIELD, s->offset,
		    "DRHD at offset 0x%x: register base 0x%llx is not a valid 4 KiB-aligned "
		    "address", s->offset, (unsigned long long)s->drhd.reg_base);
	if (!(s->drhd.flags & DMAR_DRHD_INCLUDE_PCI_ALL) && nscopes == 0)
		WARN(c, "DRHD at offset 0x%x: no device scopes and no INCLUDE_PCI_ALL, "
		     "so it remaps nothing", s->offset);
}

static void check_rmrr(struct check *c, const struct dmar_struct *s, uint32_t nscopes)
{
	if (s->rmrr.limit < s->rmrr.base) {
		ERR(c, DMAR_EFIELD, s->offset,
		    "RMRR at offset 0x%x: end address 0x%llx is below base address 0x%llx",
		    s->offset, (unsigned long long)s->rmrr.limit,
		    (unsigned long long)s->rmrr.base);
		return;
	}
	/* Base 4 KiB aligned, limit the last byte of a page. VT-d spec 8.4 */
	if ((s->rmrr.base & 0xfff) || ((s->rmrr.limit + 1) & 0xfff))
		WARN(c, "RMRR at offset 0x%x: region 0x%llx-0x%llx is not 4 KiB aligned",
		     s->offset, (unsigned long long)s->rmrr.base,
		     (unsigned long long)s->rmrr.limit);
	if (nscopes == 0)
		WARN(c, "RMRR at offset 0x%x: no device scopes, so no device uses the "
		     "region", s->offset);
}

static void check_andd(struct check *c, const struct dmar_struct *s)
{
	uint32_t room = s->length - (uint32_t)sizeof(struct acpi_dmar_andd);

	if (s->andd.name_len == 0)
		WARN(c, "ANDD at offset 0x%x: empty device name", s->offset);
	else if (s->andd.name_len == room)
		WARN(c, "ANDD at offset 0x%x: device name is not NUL-terminated within "
		     "the structure", s->offset);
}

/* One structure whose length is already known to be sound. */
static void check_struct(struct check *c, const struct dmar_struct *s)
{
	uint32_t nscopes = 0;

	if (s->scope_length)
		nscopes = check_scopes(c, s);
	switch (s->type) {
	case DMAR_TYPE_DRHD:
		check_drhd(c, s, nscopes);
		break;
	case DMAR_TYPE_RMRR:
		check_rmrr(c, s, nscopes);
		break;
	case DMAR_TYPE_ATSR:
		if (nscopes == 0 && !(s->atsr.flags & DMAR_ATSR_ALL_PORTS))
			WARN(c, "ATSR at offset 0x%x: no root ports listed and ALL_PORTS "
			     "clear", s->offset);
		break;
	case DMAR_TYPE_ANDD:
		check_andd(c, s);
		break;
	default:
		break;
	}
}

/* Walks the remapping structures. VT-d spec 8.2 */
static void check_structures(struct check *c)
{
	struct dmar_table *t = c->t;
	uint32_t pos = DMAR_HEADER_LEN;
	int prev_type = -1;
	struct dmar_struct s;

	while (pos < t->length) {
		uint32_t left = t->length - pos;
		uint16_t type, len;

		if (left < sizeof(struct acpi_dmar_struct_header)) {
			ERR(c, DMAR_ELENGTH, pos,
			    "%u trailing bytes at offset 0x%x are too short for a "
			    "remapping structure header", left, pos);
			c->walk_broken = true;
			return;
		}
		type = dmar_rd16(t->data + pos);
		len = dmar_rd16(t->data + pos + offsetof(struct acpi_dmar_struct_header, length));
		if (len == 0) {
			ERR(c, DMAR_ELENGTH, pos,
			    "%s at offset 0x%x (type %u): length 0, the walk cannot go on",
			    label(type), pos, type);
			c->walk_broken = true;
			return;
		}
		if (len < dmar_struct_min_len(type)) {
			ERR(c, DMAR_ELENGTH, pos,
			    "%s at offset 0x%x (type %u): length %u is shorter than its "
			    "%u-byte fixed part", label(type), pos, type, len,
			    dmar_struct_min_len(type));
			c->walk_broken = true;
			return;
		}
		if (len > left) {
			ERR(c, DMAR_ELENGTH, pos,
			    "%s at offset 0x%x (type %u): length %u runs past the end of "
			    "the table (0x%x + 0x%x > 0x%x)", label(type), pos, type, len,
			    pos, len, t->length);
			c->walk_broken = true;
			return;
		}

		if (type >= DMAR_NTYPES) {
			/* Newer spec revisions add types; skipping them by length
			 * is what the spec's type/length framing is for. */
			WARN(c, "unknown remapping structure type %u at offset 0x%x, "
			     "length %u: skipped", type, pos, len);
			t->count[DMAR_NTYPES]++;
		} else {
			/* BIOS reports structures in type order. VT-d spec 8.2 */
			if ((int)type < prev_type)
				WARN(c, "%s at offset 0x%x follows a %s: structures are "
				     "not in type order", label(type), pos,
				     label((uint16_t)prev_type));
			prev_type = type;
			t->count[type]++;
			if (dmar_struct_at(t, pos, &s))
				check_struct(c, &s);
		}
		pos += len;
	}
}

/* An INCLUDE_PCI_ALL DRHD of `segment` before table offset `before`;
 * returns its offset or 0. */
static uint32_t include_all_before(const struct dmar_table *t, uint16_t segment,
				   uint32_t before)
{
	struct dmar_iter it;
	struct dmar_struct s;

	dmar_iter_start(&it, t);
	while (dmar_iter_next(&it, &s) && s.offset < before)
		if (s.type == DMAR_TYPE_DRHD && s.drhd.segment == segment &&
		    (s.drhd.flags & DMAR_DRHD_INCLUDE_PCI_ALL))
			return s.offset;
	return 0;
}

static bool drhd_with_base(const struct dmar_table *t, uint64_t base, uint32_t before,
			   uint32_t *found)
{
	struct dmar_iter it;
	struct dmar_struct s;

	dmar_iter_start(&it, t);
	while (dmar_iter_next(&it, &s) && s.offset < before)
		if (s.type == DMAR_TYPE_DRHD && s.drhd.reg_base == base) {
			*found = s.offset;
			return true;
		}
	return false;
}

static bool andd_numbered(const struct dmar_table *t, uint8_t number)
{
	struct dmar_iter it;
	struct dmar_struct s;

	dmar_iter_start(&it, t);
	while (dmar_iter_next(&it, &s))
		if (s.type == DMAR_TYPE_ANDD && s.andd.device_number == number)
			return true;
	return false;
}

/* Offset of a scope of `type` and enumeration id `id` before table offset
 * `before`, in any structure; 0 if none. */
static uint32_t scope_before(const struct dmar_table *t, uint8_t type, uint8_t id,
			     uint32_t before)
{
	struct dmar_iter it;
	struct dmar_scope_iter si;
	struct dmar_struct s;
	struct dmar_scope sc;

	dmar_iter_start(&it, t);
	while (dmar_iter_next(&it, &s) && s.offset < before) {
		dmar_scope_start(&si, t, &s);
		while (dmar_scope_next(&si, &sc) && sc.offset < before)
			if (sc.type == type && sc.enumeration_id == id)
				return sc.offset;
	}
	return 0;
}

static void check_scope_refs(struct check *c, const struct dmar_struct *s)
{
	struct dmar_scope_iter si;
	struct dmar_scope sc;
	uint32_t other;

	dmar_scope_start(&si, c->t, s);
	while (dmar_scope_next(&si, &sc)) {
		/* A namespace scope names its device through an ANDD. VT-d spec 8.3.1.3 */
		if (sc.type == DMAR_SCOPE_NAMESPACE && !andd_numbered(c->t, sc.enumeration_id))
			WARN(c, "%s at offset 0x%x: namespace device scope at offset 0x%x "
			     "refers to ACPI device number %u, which no ANDD declares",
			     label(s->type), s->offset, sc.offset, sc.enumeration_id);
		/* Interrupt remapping finds an I/OxAPIC or HPET by this number, so a
		 * repeat leaves all but one unreachable. VT-d spec 8.3.1.1, 8.3.1.2 */
		if (sc.type != DMAR_SCOPE_IOAPIC && sc.type != DMAR_SCOPE_HPET)
			continue;
		other = scope_before(c->t, sc.type, sc.enumeration_id, sc.offset);
		if (other)
			WARN(c, "%s at offset 0x%x: %s number %u at offset 0x%x is already "
			     "listed at offset 0x%x", label(s->type), s->offset,
			     sc.type == DMAR_SCOPE_IOAPIC ? "IOAPIC" : "HPET",
			     sc.enumeration_id, sc.offset, other);
	}
}

/* Rules between structures; runs only over a fully walkable table, whose
 * iterators then visit every structure. Quadratic, but tables are small. */
static void check_cross(struct check *c)
{
	struct dmar_table *t = c->t;
	struct dmar_iter it;
	struct dmar_struct s;
	uint32_t other;

	dmar_iter_start(&it, t);
	while (dmar_iter_next(&it, &s)) {
		if (s.type == DMAR_TYPE_DRHD) {
			other = include_all_before(t, s.drhd.segment, s.offset);
			/* At most one catch-all unit per segment, and it comes after
			 * the segment's other units. VT-d spec 8.3 */
			if (other && (s.drhd.flags & DMAR_DRHD_INCLUDE_PCI_ALL))
				ERR(c, DMAR_EFIELD, s.offset,
				    "DRHD at offset 0x%x: a second INCLUDE_PCI_ALL unit for "
				    "segment %u (the first is the DRHD at offset 0x%x)",
				    s.offset, s.drhd.segment, other);
			else if (other)
				WARN(c, "DRHD at offset 0x%x: listed after the INCLUDE_PCI_ALL "
				     "unit of segment %u at offset 0x%x, which should come last",
				     s.offset, s.drhd.segment, other);
			if (s.drhd.reg_base && drhd_with_base(t, s.drhd.reg_base, s.offset, &other))
				WARN(c, "DRHD at offset 0x%x: register base 0x%llx is also the "
				     "DRHD at offset 0x%x", s.offset,
				     (unsigned long long)s.drhd.reg_base, other);
		}
		/* RHSA gives the affinity of a unit a DRHD declares. VT-d spec 8.6 */
		if (s.type == DMAR_TYPE_RHSA &&
		    !drhd_with_base(t, s.rhsa.reg_base, t->length, &other))
			WARN(c, "RHSA at offset 0x%x: register base 0x%llx matches no DRHD",
			     s.offset, (unsigned long long)s.rhsa.reg_base);
		if (s.scope_length)
			check_scope_refs(c, &s);
	}
}

int dmar_parse(struct dmar_table *t, const void *buf, size_t buflen,
	       dmar_print_fn diag, void *ctx)
{
	struct check c = { .t = t, .diag = diag, .ctx = ctx };

	if (!t)
		return DMAR_EINVAL;
	memset(t, 0, sizeof(*t));
	if (!buf) {
		ERR(&c, DMAR_EINVAL, 0, "no table (NULL buffer)");
		return DMAR_EINVAL;
	}
	t->data = buf;
	/* t->length stays 0 until the header holds, so iterators over a
	 * table that failed here find nothing. */
	if (!check_header(&c, buf, buflen))
		return c.first_error;
	check_structures(&c);
	if (!c.walk_broken) {
		/* At least one unit per PCI segment. VT-d spec 8.3 */
		if (!t->count[DMAR_TYPE_DRHD])
			WARN(&c, "no DRHD: the table declares no remapping hardware");
		check_cross(&c);
	}
	return c.t->errors ? c.first_error : 0;
}

/* dmar_parse(): checks a DMAR table against the VT-d spec (chapter 8) before
 * anyone trusts it, and says exactly what is wrong and where. This half does
 * the header, every length and each structure alone; dmar_cross.c the rules
 * between structures.
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
#include "lib/dmar/dmar.h"
#include "lib/dmar/dmar_acpi.h"
#include "lib/dmar/dmar_check_internal.h"
#include "lib/dmar/dmar_layout.h"
#include "lib/pci_id.h"
#include "lib/string.h"

/* The narrowest host address width a VT-d platform can have. Every remapping
 * unit decodes interrupt requests as DMA writes to 0xFEEx_xxxx (VT-d spec
 * 5.1) and firmware puts the units' registers in the same 4 GiB hole, so a
 * platform whose DMA reaches less than 4 GiB cannot exist; a byte below 31
 * is a table bug, and holding addresses to such a width would only bury the
 * real message under one error per structure. VT-d spec 8.1 */
#define DMAR_HAW_MIN_BITS 32

/* ACPI header and DMAR fields. VT-d spec 8.1 */
static bool check_header(struct dmar_check *c, const uint8_t *buf, size_t buflen)
{
	struct dmar_table *t = c->t;
	uint32_t len;
	uint8_t sum = 0;

	if (buflen < DMAR_HEADER_LEN) {
		DMAR_ERR(c, DMAR_ESHORT, 0,
		    "table is %zu bytes, shorter than the %u-byte DMAR header",
		    buflen, DMAR_HEADER_LEN);
		return false;
	}
	if (memcmp(buf, "DMAR", 4) != 0) {
		DMAR_ERR(c, DMAR_ESIG, 0,
		    "signature is %02x %02x %02x %02x, not \"DMAR\"",
		    buf[0], buf[1], buf[2], buf[3]);
		return false;
	}
	len = dmar_rd32(buf + offsetof(struct acpi_dmar_header, length));
	if (len < DMAR_HEADER_LEN) {
		DMAR_ERR(c, DMAR_ESHORT, 0,
		    "header length %u is shorter than the %u-byte DMAR header",
		    len, DMAR_HEADER_LEN);
		return false;
	}
	if (len > buflen) {
		DMAR_ERR(c, DMAR_ESHORT, 0,
		    "header length %u (0x%x) is larger than the %zu bytes supplied",
		    len, len, buflen);
		return false;
	}

	if (len < buflen)
		DMAR_WARN(c, "%zu bytes after the %u-byte table are ignored", buflen - len, len);
	dmar_layout_decode(&dmar_layout_acpi_header, buf, t);
	dmar_layout_decode(&dmar_layout_dmar_header, buf, t);

	/* Firmware with wrong checksums ships; the layout checks below are
	 * what protect us, so this is only a warning. */
	for (uint32_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + buf[i]);
	t->checksum_ok = sum == 0;
	if (!t->checksum_ok)
		DMAR_WARN(c, "checksum 0x%02x is wrong: the %u bytes sum to 0x%02x, not 0 "
		     "(decoding anyway)", t->checksum, len, sum);

	if (dmar_haw_bits(t) > 64)
		DMAR_WARN(c, "host address width %u bits is more than 64", dmar_haw_bits(t));
	if (dmar_haw_bits(t) < DMAR_HAW_MIN_BITS)
		DMAR_ERR(c, DMAR_EFIELD, offsetof(struct acpi_dmar_header, host_addr_width),
		    "host address width %u bit%s (byte %u = 0x%02x) is below the %u bits "
		    "every VT-d platform has", dmar_haw_bits(t), dmar_haw_bits(t) == 1 ? "" : "s",
		    (unsigned)offsetof(struct acpi_dmar_header, host_addr_width), t->haw,
		    DMAR_HAW_MIN_BITS);
	else
		c->haw_plausible = true;
	if (t->flags & ~(DMAR_INTR_REMAP | DMAR_X2APIC_OPT_OUT |
			 DMAR_DMA_CTRL_PLATFORM_OPT_IN))
		DMAR_WARN(c, "header flags 0x%02x set reserved bits", t->flags);
	return true;
}

/* Which scope types may appear under which structure. IOAPIC and HPET are
 * only meaningful under a DRHD (VT-d spec 8.3.1.1, 8.3.1.2); ATSR lists root
 * ports, i.e. bridges (8.5); SATC lists SoC endpoints (8.8). */
static void check_scope_placement(struct dmar_check *c, const struct dmar_struct *s,
				  const struct dmar_scope *sc)
{
	const char *tn = dmar_scope_type_name(sc->type);

	if (!tn) {
		DMAR_WARN(c, "%s at offset 0x%x: device scope at offset 0x%x has reserved "
		     "type %u; it is ignored", dmar_label(s->type), s->offset, sc->offset,
		     sc->type);
		return;
	}
	if (s->type != DMAR_TYPE_DRHD &&
	    (sc->type == DMAR_SCOPE_IOAPIC || sc->type == DMAR_SCOPE_HPET))
		DMAR_WARN(c, "%s at offset 0x%x: device scope at offset 0x%x is an %s, "
		     "which only a DRHD can list", dmar_label(s->type), s->offset,
		     sc->offset, tn);
	/* The flag already covers every PCI device of the segment; the spec
	 * lets such a unit list only its I/OxAPICs and HPETs. VT-d spec 8.3 */
	if (s->type == DMAR_TYPE_DRHD && (s->drhd.flags & DMAR_DRHD_INCLUDE_PCI_ALL) &&
	    (sc->type == DMAR_SCOPE_ENDPOINT || sc->type == DMAR_SCOPE_BRIDGE))
		DMAR_WARN(c, "DRHD at offset 0x%x: device scope at offset 0x%x is a %s, which "
		     "INCLUDE_PCI_ALL already covers", s->offset, sc->offset, tn);
	if (s->type == DMAR_TYPE_ATSR && sc->type != DMAR_SCOPE_BRIDGE)
		DMAR_WARN(c, "ATSR at offset 0x%x: device scope at offset 0x%x is a %s, "
		     "not a root port bridge", s->offset, sc->offset, tn);
	if (s->type == DMAR_TYPE_SATC && sc->type != DMAR_SCOPE_ENDPOINT)
		DMAR_WARN(c, "SATC at offset 0x%x: device scope at offset 0x%x is a %s, "
		     "not an endpoint", s->offset, sc->offset, tn);
}

/* A path hop names a device (0-31) and function (0-7) on a bus: what does
 * not survive packing into a devfn would be folded into another device by
 * whoever packs it. VT-d spec 8.3.1.1; PCI local bus spec 3.2.2.3.1 */
static void check_path(struct dmar_check *c, const struct dmar_struct *s,
		       const struct dmar_scope *sc)
{
	for (uint32_t i = 0; i < sc->path_len; i++) {
		const struct dmar_pci_path *hop = &sc->path[i];
		uint8_t devfn = PCI_DEVFN(hop->device, hop->function);

		if (PCI_SLOT(devfn) == hop->device && PCI_FUNC(devfn) == hop->function)
			continue;
		DMAR_ERR(c, DMAR_EFIELD, s->offset,
		    "%s at offset 0x%x: device scope at offset 0x%x: path entry %02x,%02x at "
		    "offset 0x%x is not a PCI device and function (device 0-31, function 0-7)",
		    dmar_label(s->type), s->offset, sc->offset, hop->device, hop->function,
		    sc->offset + DMAR_SCOPE_HDR_LEN + i * (uint32_t)sizeof(*hop));
	}
}

/* The device scope list of one structure. VT-d spec 8.3.1. Returns the
 * number of scopes found. */
static uint32_t check_scopes(struct dmar_check *c, const struct dmar_struct *s)
{
	const uint8_t *d = c->t->data;
	const uint32_t hdr = dmar_layout_scope.min_len, hop = dmar_layout_path.min_len;
	uint32_t pos = s->scope_offset, end = s->scope_offset + s->scope_length;
	uint32_t n = 0;
	struct dmar_scope sc;

	while (pos < end) {
		uint32_t left = end - pos;
		uint8_t len;

		if (left < 2) {
			DMAR_ERR(c, DMAR_ELENGTH, s->offset,
			    "%s at offset 0x%x: %u trailing byte at offset 0x%x is too "
			    "short for a device scope", dmar_label(s->type), s->offset, left, pos);
			return n;
		}
		len = d[pos + offsetof(struct acpi_dmar_scope, length)];
		if (len < hdr) {
			DMAR_ERR(c, DMAR_ELENGTH, s->offset,
			    "%s at offset 0x%x: device scope at offset 0x%x: entry length "
			    "%u is shorter than the %u-byte scope header", dmar_label(s->type),
			    s->offset, pos, len, hdr);
			return n;
		}
		if (len > left) {
			DMAR_ERR(c, DMAR_ELENGTH, s->offset,
			    "%s at offset 0x%x: device scope at offset 0x%x: entry length "
			    "%u runs past the end of its %s (0x%x + 0x%x > 0x%x)",
			    dmar_label(s->type), s->offset, pos, len, dmar_label(s->type), pos, len, end);
			return n;
		}
		if (!dmar_scope_at(c->t, pos, end, &sc))
			return n;	/* unreachable: same checks as above */
		n++;
		if ((len - hdr) % hop)
			DMAR_ERR(c, DMAR_ELENGTH, s->offset,
			    "%s at offset 0x%x: device scope at offset 0x%x: entry length "
			    "%u ends in half a path entry", dmar_label(s->type), s->offset, pos, len);
		if (sc.path_len == 0)
			DMAR_WARN(c, "%s at offset 0x%x: device scope at offset 0x%x has no path "
			     "entry, so it names no device", dmar_label(s->type), s->offset, pos);
		check_path(c, s, &sc);
		check_scope_placement(c, s, &sc);
		pos += len;
	}
	return n;
}

/* True when an address range ending at `last` (inclusive) reaches past the
 * host address width, which bounds the platform's address map. VT-d spec 8.1 */
static bool beyond_haw(const struct dmar_check *c, uint64_t last)
{
	unsigned bits = dmar_haw_bits(c->t);

	return c->haw_plausible && bits < 64 && (last >> bits) != 0;
}

static void check_drhd(struct dmar_check *c, const struct dmar_struct *s, uint32_t nscopes)
{
	uint64_t base = s->drhd.reg_base, last = base + (dmar_drhd_reg_size(s) - 1);

	/* Size bits 7:4 are reserved. VT-d spec 8.3 */
	if (s->drhd.size & ~DMAR_DRHD_SIZE_MASK)
		DMAR_ERR(c, DMAR_EFIELD, s->offset,
		    "DRHD at offset 0x%x: size byte 0x%02x sets reserved bits 7:4 (the "
		    "register set size is bits 3:0)", s->offset, s->drhd.size);
	if (base && (last < base || beyond_haw(c, last)))
		DMAR_ERR(c, DMAR_EFIELD, s->offset,
		    "DRHD at offset 0x%x: register set 0x%llx-0x%llx lies beyond the %u-bit "
		    "host address width", s->offset, (unsigned long long)base,
		    (unsigned long long)last, dmar_haw_bits(c->t));
	/* The register set is page-granular. VT-d spec 8.3 */
	if (s->drhd.reg_base == 0 || (s->drhd.reg_base & 0xfff))
		DMAR_ERR(c, DMAR_EFIELD, s->offset,
		    "DRHD at offset 0x%x: register base 0x%llx is not a valid 4 KiB-aligned "
		    "address", s->offset, (unsigned long long)s->drhd.reg_base);
	if (!(s->drhd.flags & DMAR_DRHD_INCLUDE_PCI_ALL) && nscopes == 0)
		DMAR_WARN(c, "DRHD at offset 0x%x: no device scopes and no INCLUDE_PCI_ALL, "
		     "so it remaps nothing", s->offset);
}

static void check_rmrr(struct dmar_check *c, const struct dmar_struct *s, uint32_t nscopes)
{
	if (s->rmrr.limit < s->rmrr.base) {
		DMAR_ERR(c, DMAR_EFIELD, s->offset,
		    "RMRR at offset 0x%x: end address 0x%llx is below base address 0x%llx",
		    s->offset, (unsigned long long)s->rmrr.limit,
		    (unsigned long long)s->rmrr.base);
		return;
	}
	/* DMA cannot reach past the host address width. VT-d spec 8.1, 8.4 */
	if (beyond_haw(c, s->rmrr.limit))
		DMAR_ERR(c, DMAR_EFIELD, s->offset,
		    "RMRR at offset 0x%x: region 0x%llx-0x%llx reaches beyond the %u-bit host "
		    "address width", s->offset, (unsigned long long)s->rmrr.base,
		    (unsigned long long)s->rmrr.limit, dmar_haw_bits(c->t));
	/* Base 4 KiB aligned, limit the last byte of a page. VT-d spec 8.4 */
	if ((s->rmrr.base & 0xfff) || ((s->rmrr.limit + 1) & 0xfff))
		DMAR_WARN(c, "RMRR at offset 0x%x: region 0x%llx-0x%llx is not 4 KiB aligned",
		     s->offset, (unsigned long long)s->rmrr.base,
		     (unsigned long long)s->rmrr.limit);
	if (nscopes == 0)
		DMAR_WARN(c, "RMRR at offset 0x%x: no device scopes, so no device uses the "
		     "region", s->offset);
}

static void check_andd(struct dmar_check *c, const struct dmar_struct *s)
{
	uint32_t room = s->length - dmar_struct_min_len(DMAR_TYPE_ANDD);

	if (s->andd.name_len == 0)
		DMAR_WARN(c, "ANDD at offset 0x%x: empty device name", s->offset);
	else if (s->andd.name_len == room)
		DMAR_WARN(c, "ANDD at offset 0x%x: device name is not NUL-terminated within "
		     "the structure", s->offset);
}

/* One structure whose length is already known to be sound. */
static void check_struct(struct dmar_check *c, const struct dmar_struct *s)
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
			DMAR_WARN(c, "ATSR at offset 0x%x: no root ports listed and ALL_PORTS "
			     "clear", s->offset);
		break;
	case DMAR_TYPE_RHSA:
		/* The spec gives RHSA one length, 20, not "varies" like the
		 * structures with a tail; the type/length framing still skips
		 * what follows, and a later revision may add fields there, so a
		 * longer one is read and only reported. VT-d spec 8.2, 8.6 */
		if (s->length > dmar_struct_min_len(DMAR_TYPE_RHSA))
			DMAR_WARN(c, "RHSA at offset 0x%x: length %u is longer than its %u-byte "
			     "fixed size; the %u bytes after it are ignored", s->offset, s->length,
			     dmar_struct_min_len(DMAR_TYPE_RHSA),
			     s->length - dmar_struct_min_len(DMAR_TYPE_RHSA));
		break;
	case DMAR_TYPE_ANDD:
		check_andd(c, s);
		break;
	default:
		break;
	}
}

/* Walks the remapping structures. VT-d spec 8.2 */
static void check_structures(struct dmar_check *c)
{
	struct dmar_table *t = c->t;
	uint32_t pos = DMAR_HEADER_LEN;
	int prev_type = -1;
	struct dmar_struct s;

	while (pos < t->length) {
		uint32_t left = t->length - pos;
		uint16_t type, len;

		if (left < dmar_layout_struct_header.min_len) {
			DMAR_ERR(c, DMAR_ELENGTH, pos,
			    "%u trailing bytes at offset 0x%x are too short for a "
			    "remapping structure header", left, pos);
			c->walk_broken = true;
			return;
		}
		type = dmar_rd16(t->data + pos);
		len = dmar_rd16(t->data + pos + offsetof(struct acpi_dmar_struct_header, length));
		if (len == 0) {
			DMAR_ERR(c, DMAR_ELENGTH, pos,
			    "%s at offset 0x%x (type %u): length 0, the walk cannot go on",
			    dmar_label(type), pos, type);
			c->walk_broken = true;
			return;
		}
		if (len < dmar_struct_min_len(type)) {
			DMAR_ERR(c, DMAR_ELENGTH, pos,
			    "%s at offset 0x%x (type %u): length %u is shorter than its "
			    "%u-byte fixed part", dmar_label(type), pos, type, len,
			    dmar_struct_min_len(type));
			c->walk_broken = true;
			return;
		}
		if (len > left) {
			DMAR_ERR(c, DMAR_ELENGTH, pos,
			    "%s at offset 0x%x (type %u): length %u runs past the end of "
			    "the table (0x%x + 0x%x > 0x%x)", dmar_label(type), pos, type, len,
			    pos, len, t->length);
			c->walk_broken = true;
			return;
		}

		if (type >= DMAR_NTYPES) {
			/* Newer spec revisions add types; skipping them by length
			 * is what the spec's type/length framing is for. */
			DMAR_WARN(c, "unknown remapping structure type %u at offset 0x%x, "
			     "length %u: skipped", type, pos, len);
			t->count[DMAR_NTYPES]++;
		} else {
			/* BIOS reports structures in type order. VT-d spec 8.2 */
			if ((int)type < prev_type)
				DMAR_WARN(c, "%s at offset 0x%x follows a %s: structures are "
				     "not in type order", dmar_label(type), pos,
				     dmar_label((uint16_t)prev_type));
			prev_type = type;
			t->count[type]++;
			if (dmar_struct_at(t, pos, &s))
				check_struct(c, &s);
		}
		pos += len;
	}
}

int dmar_parse_scratch(struct dmar_table *t, const void *buf, size_t buflen,
		       dmar_print_fn diag, void *ctx, struct dmar_scratch *scratch)
{
	struct dmar_check c = { .t = t, .diag = diag, .ctx = ctx, .scratch = scratch };

	if (!t)
		return DMAR_EINVAL;
	memset(t, 0, sizeof(*t));
	if (!buf) {
		DMAR_ERR(&c, DMAR_EINVAL, 0, "no table (NULL buffer)");
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
			DMAR_WARN(&c, "no DRHD: the table declares no remapping hardware");
		dmar_check_cross(&c);
	}
	return c.t->errors ? c.first_error : 0;
}

int dmar_parse(struct dmar_table *t, const void *buf, size_t buflen,
	       dmar_print_fn diag, void *ctx)
{
	uint32_t slot[2 * DMAR_PARSE_MAX_DRHD];
	struct dmar_scratch scratch = { .slot = slot, .nslots = 2 * DMAR_PARSE_MAX_DRHD };

	return dmar_parse_scratch(t, buf, buflen, diag, ctx, &scratch);
}

/* Human-readable DMAR output through a printf-like callback: a short summary
 * for the boot log and a full decoding laid out like `iasl -d`, so a reader
 * can hold the two side by side. Uses only the table iterators, so it is
 * safe on any table dmar_parse() accepted (and stops early on others). */
#include "lib/dmar/dmar.h"
#include "lib/dmar/dmar_acpi.h"

struct out {
	dmar_print_fn pr;
	void *ctx;
};

/* "[OFFh DEC  LEN]                     Label : " as iasl prints it. */
static void lead(const struct out *o, uint32_t off, unsigned width, const char *lbl)
{
	o->pr(o->ctx, "[%03Xh %04u %3u] %28s : ", off, off, width, lbl);
}

static void hex_field(const struct out *o, uint32_t off, unsigned width,
		      const char *lbl, uint64_t v)
{
	lead(o, off, width, lbl);
	o->pr(o->ctx, "%0*llX", (int)width * 2, (unsigned long long)v);
}

static void end_line(const struct out *o, const char *note)
{
	if (note)
		o->pr(o->ctx, " [%s]\n", note);
	else
		o->pr(o->ctx, "\n");
}

static bool printable(uint8_t ch)
{
	return ch >= 0x20 && ch < 0x7f;
}

/* Quoted text up to a NUL or n bytes; unprintable bytes and quotes as
 * \xNN. Backslashes stay: ACPI paths start with one. */
static void text(const struct out *o, const uint8_t *p, uint32_t n)
{
	uint32_t len = 0;
	bool plain = true;

	while (len < n && p[len]) {
		plain = plain && printable(p[len]) && p[len] != '"';
		len++;
	}
	if (plain) {
		o->pr(o->ctx, "\"%.*s\"", (int)len, (const char *)p);
		return;
	}
	o->pr(o->ctx, "\"");
	for (uint32_t i = 0; i < len; i++) {
		if (printable(p[i]) && p[i] != '"')
			o->pr(o->ctx, "%c", p[i]);
		else
			o->pr(o->ctx, "\\x%02x", p[i]);
	}
	o->pr(o->ctx, "\"");
}

static void text_field(const struct out *o, uint32_t off, unsigned width,
		       const char *lbl, const uint8_t *p)
{
	lead(o, off, width, lbl);
	text(o, p, width);
	o->pr(o->ctx, "\n");
}

static void flag_names(const struct out *o, uint8_t flags)
{
	static const char *const names[] = {
		"INTR_REMAP", "X2APIC_OPT_OUT", "DMA_CTRL_PLATFORM_OPT_IN",
	};
	const char *sep = "";

	for (unsigned i = 0; i < 3; i++)
		if (flags & (1u << i)) {
			o->pr(o->ctx, "%s%s", sep, names[i]);
			sep = " ";
		}
	if (flags & ~7u)
		o->pr(o->ctx, "%sreserved 0x%02x", sep, flags & ~7u);
}

static void print_header(const struct out *o, const struct dmar_table *t)
{
	const uint8_t *d = t->data;

	lead(o, 0, 4, "Signature");
	o->pr(o->ctx, "\"DMAR\"    [DMA Remapping table]\n");
	hex_field(o, 4, 4, "Table Length", t->length);
	end_line(o, NULL);
	hex_field(o, 8, 1, "Revision", t->revision);
	end_line(o, NULL);
	hex_field(o, 9, 1, "Checksum", t->checksum);
	end_line(o, t->checksum_ok ? NULL : "incorrect");
	text_field(o, 10, 6, "Oem ID", d + offsetof(struct acpi_dmar_header, oem_id));
	text_field(o, 16, 8, "Oem Table ID", d + offsetof(struct acpi_dmar_header, oem_table_id));
	hex_field(o, 24, 4, "Oem Revision", t->oem_revision);
	end_line(o, NULL);
	text_field(o, 28, 4, "Asl Compiler ID", d + offsetof(struct acpi_dmar_header, creator_id));
	hex_field(o, 32, 4, "Asl Compiler Revision", t->creator_revision);
	end_line(o, NULL);
	o->pr(o->ctx, "\n");
	hex_field(o, 36, 1, "Host Address Width", t->haw);
	o->pr(o->ctx, " [%u bits]\n", dmar_haw_bits(t));
	hex_field(o, 37, 1, "Flags", t->flags);
	if (t->flags) {
		o->pr(o->ctx, " [");
		flag_names(o, t->flags);
		o->pr(o->ctx, "]");
	}
	o->pr(o->ctx, "\n");
	lead(o, 38, 10, "Reserved");
	for (unsigned i = 0; i < 10; i++)
		o->pr(o->ctx, i ? " %02X" : "%02X",
		      d[offsetof(struct acpi_dmar_header, reserved) + i]);
	o->pr(o->ctx, "\n\n");
}

static void print_scope(const struct out *o, const struct dmar_scope *sc)
{
	uint32_t off = sc->offset;
	const char *tn = dmar_scope_type_name(sc->type);

	hex_field(o, off, 1, "Device Scope Type", sc->type);
	end_line(o, tn ? tn : "Reserved");
	hex_field(o, off + 1, 1, "Entry Length", sc->length);
	end_line(o, NULL);
	hex_field(o, off + 2, 1, "Flags", sc->flags);
	end_line(o, NULL);
	hex_field(o, off + 3, 1, "Reserved", sc->reserved);
	end_line(o, NULL);
	hex_field(o, off + 4, 1, "Enumeration ID", sc->enumeration_id);
	end_line(o, NULL);
	hex_field(o, off + 5, 1, "PCI Bus Number", sc->start_bus);
	o->pr(o->ctx, "\n\n");
	for (uint32_t i = 0; i < sc->path_len; i++) {
		lead(o, off + DMAR_SCOPE_HDR_LEN + 2 * i, 2, "PCI Path");
		o->pr(o->ctx, "%02X,%02X\n\n", sc->path[i].device, sc->path[i].function);
	}
	o->pr(o->ctx, "\n");
}

static void print_scopes(const struct out *o, const struct dmar_table *t,
			 const struct dmar_struct *s)
{
	struct dmar_scope_iter si;
	struct dmar_scope sc;

	dmar_scope_start(&si, t, s);
	while (dmar_scope_next(&si, &sc))
		print_scope(o, &sc);
}

/* The type-specific fixed part; `b` is the structure's table offset. */
static void print_body(const struct out *o, const struct dmar_struct *s)
{
	uint32_t b = s->offset;

	switch (s->type) {
	case DMAR_TYPE_DRHD:
		hex_field(o, b + 4, 1, "Flags", s->drhd.flags);
		end_line(o, s->drhd.flags & DMAR_DRHD_INCLUDE_PCI_ALL ?
			 "INCLUDE_PCI_ALL" : NULL);
		hex_field(o, b + 5, 1, "Size", s->drhd.size);
		o->pr(o->ctx, " [%llu KiB register set]\n",
		      (unsigned long long)(dmar_drhd_reg_size(s) >> 10));
		hex_field(o, b + 6, 2, "PCI Segment Number", s->drhd.segment);
		end_line(o, NULL);
		hex_field(o, b + 8, 8, "Register Base Address", s->drhd.reg_base);
		end_line(o, NULL);
		break;
	case DMAR_TYPE_RMRR:
		hex_field(o, b + 4, 2, "Reserved", s->rmrr.reserved);
		end_line(o, NULL);
		hex_field(o, b + 6, 2, "PCI Segment Number", s->rmrr.segment);
		end_line(o, NULL);
		hex_field(o, b + 8, 8, "Base Address", s->rmrr.base);
		end_line(o, NULL);
		hex_field(o, b + 16, 8, "End Address (limit)", s->rmrr.limit);
		end_line(o, NULL);
		break;
	case DMAR_TYPE_ATSR:
	case DMAR_TYPE_SATC:
		/* Same fixed layout; only the flag's meaning differs. */
		hex_field(o, b + 4, 1, "Flags", s->atsr.flags);
		end_line(o, !(s->atsr.flags & 1) ? NULL :
			 s->type == DMAR_TYPE_ATSR ? "ALL_PORTS" : "ATC_REQUIRED");
		hex_field(o, b + 5, 1, "Reserved", s->atsr.reserved);
		end_line(o, NULL);
		hex_field(o, b + 6, 2, "PCI Segment Number", s->atsr.segment);
		end_line(o, NULL);
		break;
	case DMAR_TYPE_RHSA:
		hex_field(o, b + 4, 4, "Reserved", s->rhsa.reserved);
		end_line(o, NULL);
		hex_field(o, b + 8, 8, "Base Address", s->rhsa.reg_base);
		end_line(o, NULL);
		hex_field(o, b + 16, 4, "Proximity Domain", s->rhsa.proximity_domain);
		end_line(o, NULL);
		break;
	case DMAR_TYPE_ANDD:
		lead(o, b + 4, 3, "Reserved");
		o->pr(o->ctx, "%02X%02X%02X\n", s->andd.reserved[0], s->andd.reserved[1],
		      s->andd.reserved[2]);
		hex_field(o, b + 7, 1, "Device Number", s->andd.device_number);
		end_line(o, NULL);
		lead(o, b + 8, s->length - 8u, "Device Name");
		text(o, (const uint8_t *)s->andd.name, s->andd.name_len);
		o->pr(o->ctx, "\n");
		break;
	case DMAR_TYPE_SIDP:
		hex_field(o, b + 4, 2, "Reserved", s->sidp.reserved);
		end_line(o, NULL);
		hex_field(o, b + 6, 2, "PCI Segment Number", s->sidp.segment);
		end_line(o, NULL);
		break;
	default:
		o->pr(o->ctx, "**** Unknown DMAR subtable type 0x%X, %u bytes skipped\n",
		      s->type, s->length);
		break;
	}
}

void dmar_print_decoded(const struct dmar_table *t, dmar_print_fn pr, void *ctx)
{
	const struct out o = { pr, ctx };
	struct dmar_iter it;
	struct dmar_struct s;
	const char *title;

	if (!t->data || t->length < DMAR_HEADER_LEN)
		return;
	print_header(&o, t);
	dmar_iter_start(&it, t);
	while (dmar_iter_next(&it, &s)) {
		title = dmar_type_title(s.type);
		hex_field(&o, s.offset, 2, "Subtable Type", s.type);
		end_line(&o, title ? title : "Unknown Subtable Type");
		hex_field(&o, s.offset + 2, 2, "Length", s.length);
		pr(ctx, "\n\n");
		print_body(&o, &s);
		pr(ctx, "\n");
		print_scopes(&o, t, &s);
	}
}

/* Scope in the boot log: "IOAPIC 2 f0:1f.0" or a multi-hop "00:1c.4/00.0". */
static void short_scope(const struct out *o, const struct dmar_scope *sc)
{
	static const char *const kind[] = {
		"reserved", "endpoint", "bridge", "ioapic", "hpet", "acpi",
	};

	o->pr(o->ctx, "%s", sc->type <= DMAR_SCOPE_NAMESPACE ? kind[sc->type] : "reserved");
	if (sc->type >= DMAR_SCOPE_IOAPIC && sc->type <= DMAR_SCOPE_NAMESPACE)
		o->pr(o->ctx, " %u", sc->enumeration_id);
	for (uint32_t i = 0; i < sc->path_len; i++) {
		if (i == 0)
			o->pr(o->ctx, " %02x:", sc->start_bus);
		else
			o->pr(o->ctx, "/");
		o->pr(o->ctx, "%02x.%x", sc->path[i].device, sc->path[i].function);
	}
}

#define SUMMARY_SCOPES 4	/* keep boot-log lines short */

static void short_scopes(const struct out *o, const struct dmar_table *t,
			 const struct dmar_struct *s)
{
	struct dmar_scope_iter si;
	struct dmar_scope sc;
	uint32_t n = 0;

	dmar_scope_start(&si, t, s);
	while (dmar_scope_next(&si, &sc)) {
		if (n < SUMMARY_SCOPES) {
			o->pr(o->ctx, n ? ", " : ": ");
			short_scope(o, &sc);
		}
		n++;
	}
	if (n > SUMMARY_SCOPES)
		o->pr(o->ctx, " and %u more", n - SUMMARY_SCOPES);
	o->pr(o->ctx, "\n");
}

void dmar_print_summary(const struct dmar_table *t, dmar_print_fn pr, void *ctx)
{
	const struct out o = { pr, ctx };
	struct dmar_iter it;
	struct dmar_struct s;
	const char *sep = ": ";

	if (!t->data || t->length < DMAR_HEADER_LEN)
		return;
	pr(ctx, "dmar: rev %u, %u bytes%s, host address width %u, flags 0x%x",
	   t->revision, t->length, t->checksum_ok ? "" : " (bad checksum)",
	   dmar_haw_bits(t), t->flags);
	if (t->flags) {
		pr(ctx, " (");
		flag_names(&o, t->flags);
		pr(ctx, ")");
	}
	pr(ctx, "\ndmar: structures");
	for (uint16_t i = 0; i <= DMAR_NTYPES; i++)
		if (t->count[i]) {
			pr(ctx, "%s%u %s", sep, t->count[i],
			   i < DMAR_NTYPES ? dmar_type_name(i) : "unknown");
			sep = ", ";
		}
	pr(ctx, "%s\n", *sep == ':' ? ": none" : "");

	dmar_iter_start(&it, t);
	while (dmar_iter_next(&it, &s)) {
		if (s.type == DMAR_TYPE_DRHD) {
			pr(ctx, "dmar: DRHD seg %u base 0x%llx (%llu KiB)%s",
			   s.drhd.segment, (unsigned long long)s.drhd.reg_base,
			   (unsigned long long)(dmar_drhd_reg_size(&s) >> 10),
			   s.drhd.flags & DMAR_DRHD_INCLUDE_PCI_ALL ? " INCLUDE_PCI_ALL" : "");
			short_scopes(&o, t, &s);
		} else if (s.type == DMAR_TYPE_RMRR) {
			pr(ctx, "dmar: RMRR seg %u 0x%llx-0x%llx", s.rmrr.segment,
			   (unsigned long long)s.rmrr.base, (unsigned long long)s.rmrr.limit);
			short_scopes(&o, t, &s);
		}
	}
}

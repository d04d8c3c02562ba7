/* Human-readable DMAR output through a printf-like callback: a short summary
 * for the boot log and a full decoding laid out like `iasl -d`, so a reader
 * can hold the two side by side. The decoding prints every record from its
 * layout (dmar_layout.c) and walks the table with the iterators only, so it
 * is safe on any table dmar_parse() accepted (and stops early on others). */
#include "lib/dmar/dmar.h"
#include "lib/dmar/dmar_layout.h"

struct out {
	dmar_print_fn pr;
	void *ctx;
};

/* "[OFFh DEC  LEN]                     Label : " as iasl prints it. */
static void lead(const struct out *o, uint32_t off, unsigned width, const char *lbl)
{
	o->pr(o->ctx, "[%03Xh %04u %3u] %28s : ", off, off, width, lbl);
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

/* The names of the set bits, space-separated, and the set reserved bits
 * if the names say to show them. */
static void flag_names(const struct out *o, const struct dmar_flag_names *n, uint8_t flags)
{
	const char *sep = "";
	uint8_t reserved = 0;

	for (unsigned i = 0; i < 8; i++) {
		if (!(flags & (1u << i)))
			continue;
		if (n->bit[i]) {
			o->pr(o->ctx, "%s%s", sep, n->bit[i]);
			sep = " ";
		} else {
			reserved |= (uint8_t)(1u << i);
		}
	}
	if (reserved && n->show_reserved)
		o->pr(o->ctx, "%sreserved 0x%02x", sep, reserved);
}

/* Would flag_names() print anything? */
static bool any_flag_named(const struct dmar_flag_names *n, uint8_t flags)
{
	for (unsigned i = 0; i < 8; i++)
		if ((flags & (1u << i)) && (n->bit[i] || n->show_reserved))
			return true;
	return false;
}

/* The bracketed note after a field's value v (0 unless a number): computed
 * from v, the table (the checksum) or the name lists, as f->note says. */
static void note(const struct out *o, const struct dmar_table *t,
		 const struct dmar_field *f, uint64_t v)
{
	const char *s;

	switch (f->note) {
	case DMAR_NOTE_SIGNATURE:
		o->pr(o->ctx, "    [DMA Remapping table]");
		break;
	case DMAR_NOTE_CHECKSUM:
		if (!t->checksum_ok)
			o->pr(o->ctx, " [incorrect]");
		break;
	case DMAR_NOTE_HAW:
		o->pr(o->ctx, " [%u bits]", (unsigned)v + 1u);
		break;
	case DMAR_NOTE_FLAGS:
		if (any_flag_named(f->flags, (uint8_t)v)) {
			o->pr(o->ctx, " [");
			flag_names(o, f->flags, (uint8_t)v);
			o->pr(o->ctx, "]");
		}
		break;
	case DMAR_NOTE_REG_SIZE:
		o->pr(o->ctx, " [%llu KiB register set]",
		      (unsigned long long)(dmar_reg_set_size((uint8_t)v) >> 10));
		break;
	case DMAR_NOTE_STRUCT_TYPE:
		s = dmar_type_title((uint16_t)v);
		o->pr(o->ctx, " [%s]", s ? s : "Unknown Subtable Type");
		break;
	case DMAR_NOTE_SCOPE_TYPE:
		s = dmar_scope_type_name((uint8_t)v);
		o->pr(o->ctx, " [%s]", s ? s : "Reserved");
		break;
	default:
		break;
	}
}

/* One line per field of the record of rec_len bytes at table offset off,
 * then the blank line iasl ends each part with. */
static void print_record(const struct out *o, const struct dmar_table *t,
			 const struct dmar_layout *l, uint32_t off, uint32_t rec_len)
{
	const uint8_t *rec = t->data + off;

	for (unsigned i = 0; i < l->nfields; i++) {
		const struct dmar_field *f = &l->fields[i];
		const uint8_t *p = rec + f->offset;
		uint32_t w = dmar_field_width(f, rec_len);
		uint64_t v = 0;

		lead(o, off + f->offset, w, f->label);
		switch (f->kind) {
		case DMAR_FIELD_HEX:
			v = dmar_field_value(f, rec);
			o->pr(o->ctx, "%0*llX", (int)w * 2, (unsigned long long)v);
			break;
		case DMAR_FIELD_HEX_BYTEWISE:
			for (uint32_t k = 0; k < w; k++)
				o->pr(o->ctx, "%02X", p[k]);
			break;
		case DMAR_FIELD_BYTES:
			for (uint32_t k = 0; k < w; k++)
				o->pr(o->ctx, k ? " %02X" : "%02X", p[k]);
			break;
		case DMAR_FIELD_TEXT:
			text(o, p, w);
			break;
		case DMAR_FIELD_PATH:
			o->pr(o->ctx, "%02X,%02X", p[0], p[1]);
			break;
		default:
			break;
		}
		note(o, t, f, v);
		o->pr(o->ctx, "\n");
	}
	o->pr(o->ctx, "\n");
}

void dmar_print_decoded(const struct dmar_table *t, dmar_print_fn pr, void *ctx)
{
	const struct out o = { pr, ctx };
	const uint32_t path_len = dmar_layout_path.min_len;
	struct dmar_iter it;
	struct dmar_scope_iter si;
	struct dmar_struct s;
	struct dmar_scope sc;
	const struct dmar_layout *l;

	if (!t->data || t->length < DMAR_HEADER_LEN)
		return;
	print_record(&o, t, &dmar_layout_acpi_header, 0, DMAR_HEADER_LEN);
	print_record(&o, t, &dmar_layout_dmar_header, 0, DMAR_HEADER_LEN);
	dmar_iter_start(&it, t);
	while (dmar_iter_next(&it, &s)) {
		print_record(&o, t, &dmar_layout_struct_header, s.offset, s.length);
		l = dmar_layout_of(s.type);
		if (l)
			print_record(&o, t, l, s.offset, s.length);
		else
			pr(ctx, "**** Unknown DMAR subtable type 0x%X, %u bytes skipped\n\n",
			   s.type, s.length);
		dmar_scope_start(&si, t, &s);
		while (dmar_scope_next(&si, &sc)) {
			print_record(&o, t, &dmar_layout_scope, sc.offset, sc.length);
			for (uint32_t i = 0; i < sc.path_len; i++)
				print_record(&o, t, &dmar_layout_path,
					     sc.offset + dmar_layout_scope.min_len + path_len * i,
					     path_len);
			pr(ctx, "\n");
		}
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
		flag_names(&o, &dmar_header_flag_names, t->flags);
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

/* DMAR table walking: decodes remapping structures and device scopes out of a
 * table that dmar_parse() has set up. Each step re-checks its own bounds, so
 * a walk over a broken table stops at the first bad record instead of
 * reading past it or looping on a zero length. */
#include "lib/dmar/dmar.h"
#include "lib/dmar/dmar_acpi.h"
#include "lib/dmar/dmar_layout.h"
#include "lib/string.h"

/* Smallest legal length of each structure type, its fixed part. */
uint32_t dmar_struct_min_len(uint16_t type)
{
	const struct dmar_layout *l = dmar_layout_of(type);

	return l ? l->min_len : dmar_layout_struct_header.min_len;
}

bool dmar_struct_at(const struct dmar_table *t, uint32_t off, struct dmar_struct *s)
{
	const struct dmar_layout *l;
	const uint8_t *p;
	uint16_t type, len;

	if (!t->data || off < DMAR_HEADER_LEN || off >= t->length ||
	    t->length - off < dmar_layout_struct_header.min_len)
		return false;
	p = t->data + off;
	type = dmar_rd16(p + offsetof(struct acpi_dmar_struct_header, type));
	len = dmar_rd16(p + offsetof(struct acpi_dmar_struct_header, length));
	if (len < dmar_struct_min_len(type) || len > t->length - off)
		return false;

	memset(s, 0, sizeof(*s));
	s->offset = off;
	s->raw = p;
	dmar_layout_decode(&dmar_layout_struct_header, p, s);
	l = dmar_layout_of(type);
	if (!l)
		return true;		/* newer type: header and raw bytes only */
	dmar_layout_decode(l, p, s);
	if (l->tail == DMAR_TAIL_SCOPES) {
		s->scope_offset = off + l->min_len;
		s->scope_length = len - l->min_len;
	}
	if (type == DMAR_TYPE_ANDD) {
		/* The one decoded value that is not a number: the object path,
		 * which runs to a NUL or to the end of the structure. */
		s->andd.name = (const char *)p + l->min_len;
		s->andd.name_len = (uint32_t)strnlen(s->andd.name, len - l->min_len);
	}
	return true;
}

void dmar_iter_start(struct dmar_iter *it, const struct dmar_table *t)
{
	it->t = t;
	it->pos = DMAR_HEADER_LEN;
}

bool dmar_iter_next(struct dmar_iter *it, struct dmar_struct *s)
{
	if (!dmar_struct_at(it->t, it->pos, s)) {
		it->pos = it->t->length;	/* stay stopped */
		return false;
	}
	it->pos += s->length;
	return true;
}

bool dmar_scope_at(const struct dmar_table *t, uint32_t off, uint32_t end,
		   struct dmar_scope *sc)
{
	const uint32_t hdr = dmar_layout_scope.min_len;
	const uint8_t *p;
	uint8_t len;

	if (!t->data || end > t->length || off >= end || end - off < hdr)
		return false;
	p = t->data + off;
	len = p[offsetof(struct acpi_dmar_scope, length)];
	if (len < hdr || len > end - off)
		return false;

	sc->offset = off;
	dmar_layout_decode(&dmar_layout_scope, p, sc);
	/* An odd trailing byte is not a path entry; dmar_parse reports it. */
	sc->path_len = (len - hdr) / dmar_layout_path.min_len;
	sc->path = (const struct dmar_pci_path *)(p + hdr);
	return true;
}

void dmar_scope_start(struct dmar_scope_iter *si, const struct dmar_table *t,
		      const struct dmar_struct *s)
{
	si->t = t;
	si->pos = s->scope_offset;
	si->end = s->scope_offset + s->scope_length;
}

bool dmar_scope_next(struct dmar_scope_iter *si, struct dmar_scope *sc)
{
	if (!dmar_scope_at(si->t, si->pos, si->end, sc)) {
		si->pos = si->end;
		return false;
	}
	si->pos += sc->length;
	return true;
}

const char *dmar_type_name(uint16_t type)
{
	const struct dmar_layout *l = dmar_layout_of(type);

	return l ? l->name : NULL;
}

/* The titles iasl prints, so the decoding reads like `iasl -d`. */
const char *dmar_type_title(uint16_t type)
{
	const struct dmar_layout *l = dmar_layout_of(type);

	return l ? l->title : NULL;
}

const char *dmar_scope_type_name(uint8_t type)
{
	static const char *const names[] = {
		[DMAR_SCOPE_ENDPOINT] = "PCI Endpoint Device",
		[DMAR_SCOPE_BRIDGE] = "PCI Bridge Device",
		[DMAR_SCOPE_IOAPIC] = "IOAPIC Device",
		[DMAR_SCOPE_HPET] = "Message-capable HPET Device",
		[DMAR_SCOPE_NAMESPACE] = "Namespace Device",
	};

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : NULL;
}

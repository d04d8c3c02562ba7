/* DMAR table walking: decodes remapping structures and device scopes out of a
 * table that dmar_parse() has set up. Each step re-checks its own bounds, so
 * a walk over a broken table stops at the first bad record instead of
 * reading past it or looping on a zero length. */
#include "lib/dmar/dmar.h"
#include "lib/dmar/dmar_acpi.h"
#include "lib/string.h"

/* Smallest legal length of each structure type, its fixed part. */
static uint32_t struct_min_len(uint16_t type)
{
	switch (type) {
	case DMAR_TYPE_DRHD: return sizeof(struct acpi_dmar_drhd);
	case DMAR_TYPE_RMRR: return sizeof(struct acpi_dmar_rmrr);
	case DMAR_TYPE_ATSR: return sizeof(struct acpi_dmar_atsr);
	case DMAR_TYPE_RHSA: return sizeof(struct acpi_dmar_rhsa);
	case DMAR_TYPE_ANDD: return sizeof(struct acpi_dmar_andd);
	case DMAR_TYPE_SATC: return sizeof(struct acpi_dmar_satc);
	case DMAR_TYPE_SIDP: return sizeof(struct acpi_dmar_sidp);
	default: return sizeof(struct acpi_dmar_struct_header);
	}
}

uint32_t dmar_struct_min_len(uint16_t type)
{
	return struct_min_len(type);
}

#define RD8(p, st, f)  ((p)[offsetof(struct st, f)])
#define RD16(p, st, f) dmar_rd16((p) + offsetof(struct st, f))
#define RD32(p, st, f) dmar_rd32((p) + offsetof(struct st, f))
#define RD64(p, st, f) dmar_rd64((p) + offsetof(struct st, f))

/* Device scopes follow the fixed part of these types. VT-d spec 8.3-8.9 */
static void set_scopes(struct dmar_struct *s, uint32_t fixed)
{
	s->scope_offset = s->offset + fixed;
	s->scope_length = s->length - fixed;
}

bool dmar_struct_at(const struct dmar_table *t, uint32_t off, struct dmar_struct *s)
{
	const uint8_t *p;
	uint16_t type, len;

	if (!t->data || off < DMAR_HEADER_LEN || off >= t->length ||
	    t->length - off < sizeof(struct acpi_dmar_struct_header))
		return false;
	p = t->data + off;
	type = RD16(p, acpi_dmar_struct_header, type);
	len = RD16(p, acpi_dmar_struct_header, length);
	if (len < struct_min_len(type) || len > t->length - off)
		return false;

	memset(s, 0, sizeof(*s));
	s->offset = off;
	s->type = type;
	s->length = len;
	s->raw = p;
	switch (type) {
	case DMAR_TYPE_DRHD:
		s->drhd.flags = RD8(p, acpi_dmar_drhd, flags);
		s->drhd.size = RD8(p, acpi_dmar_drhd, size);
		s->drhd.segment = RD16(p, acpi_dmar_drhd, segment);
		s->drhd.reg_base = RD64(p, acpi_dmar_drhd, address);
		set_scopes(s, sizeof(struct acpi_dmar_drhd));
		break;
	case DMAR_TYPE_RMRR:
		s->rmrr.reserved = RD16(p, acpi_dmar_rmrr, reserved);
		s->rmrr.segment = RD16(p, acpi_dmar_rmrr, segment);
		s->rmrr.base = RD64(p, acpi_dmar_rmrr, base);
		s->rmrr.limit = RD64(p, acpi_dmar_rmrr, limit);
		set_scopes(s, sizeof(struct acpi_dmar_rmrr));
		break;
	case DMAR_TYPE_ATSR:
		s->atsr.flags = RD8(p, acpi_dmar_atsr, flags);
		s->atsr.reserved = RD8(p, acpi_dmar_atsr, reserved);
		s->atsr.segment = RD16(p, acpi_dmar_atsr, segment);
		set_scopes(s, sizeof(struct acpi_dmar_atsr));
		break;
	case DMAR_TYPE_RHSA:
		s->rhsa.reserved = RD32(p, acpi_dmar_rhsa, reserved);
		s->rhsa.reg_base = RD64(p, acpi_dmar_rhsa, address);
		s->rhsa.proximity_domain = RD32(p, acpi_dmar_rhsa, proximity_domain);
		break;
	case DMAR_TYPE_ANDD:
		memcpy(s->andd.reserved, p + offsetof(struct acpi_dmar_andd, reserved), 3);
		s->andd.device_number = RD8(p, acpi_dmar_andd, device_number);
		/* The object path runs to a NUL or to the end of the structure. */
		s->andd.name = (const char *)p + sizeof(struct acpi_dmar_andd);
		s->andd.name_len = (uint32_t)strnlen(s->andd.name,
						     len - sizeof(struct acpi_dmar_andd));
		break;
	case DMAR_TYPE_SATC:
		s->satc.flags = RD8(p, acpi_dmar_satc, flags);
		s->satc.reserved = RD8(p, acpi_dmar_satc, reserved);
		s->satc.segment = RD16(p, acpi_dmar_satc, segment);
		set_scopes(s, sizeof(struct acpi_dmar_satc));
		break;
	case DMAR_TYPE_SIDP:
		s->sidp.reserved = RD16(p, acpi_dmar_sidp, reserved);
		s->sidp.segment = RD16(p, acpi_dmar_sidp, segment);
		set_scopes(s, sizeof(struct acpi_dmar_sidp));
		break;
	default:
		break;		/* newer type: header and raw bytes only */
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
	const uint8_t *p;
	uint8_t len;

	if (!t->data || end > t->length || off >= end ||
	    end - off < sizeof(struct acpi_dmar_scope))
		return false;
	p = t->data + off;
	len = RD8(p, acpi_dmar_scope, length);
	if (len < sizeof(struct acpi_dmar_scope) || len > end - off)
		return false;

	sc->offset = off;
	sc->type = RD8(p, acpi_dmar_scope, type);
	sc->length = len;
	sc->flags = RD8(p, acpi_dmar_scope, flags);
	sc->reserved = RD8(p, acpi_dmar_scope, reserved);
	sc->enumeration_id = RD8(p, acpi_dmar_scope, enumeration_id);
	sc->start_bus = RD8(p, acpi_dmar_scope, start_bus);
	/* An odd trailing byte is not a path entry; dmar_parse reports it. */
	sc->path_len = (len - sizeof(struct acpi_dmar_scope)) / sizeof(struct acpi_dmar_path);
	sc->path = (const struct dmar_pci_path *)(p + sizeof(struct acpi_dmar_scope));
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
	static const char *const names[DMAR_NTYPES] = {
		"DRHD", "RMRR", "ATSR", "RHSA", "ANDD", "SATC", "SIDP",
	};

	return type < DMAR_NTYPES ? names[type] : NULL;
}

/* The titles iasl prints, so the decoding reads like `iasl -d`. */
const char *dmar_type_title(uint16_t type)
{
	static const char *const titles[DMAR_NTYPES] = {
		"Hardware Unit Definition",
		"Reserved Memory Region",
		"Root Port ATS Capability",
		"Remapping Hardware Static Affinity",
		"ACPI Namespace Device Declaration",
		"SoC Integrated Address Translation Cache",
		"SoC Integrated Device Property",
	};

	return type < DMAR_NTYPES ? titles[type] : NULL;
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

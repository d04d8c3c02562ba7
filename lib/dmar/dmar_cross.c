/* dmar_parse(), second half: rules that relate structures to each other
 * (one catch-all unit per segment, RHSA and namespace references, repeated
 * IOAPIC/HPET numbers). Runs only once every length has checked out, so
 * the plain iterators visit the whole table. Quadratic, but real tables
 * hold a few dozen structures. */
#include "lib/dmar/dmar.h"
#include "lib/dmar/dmar_check_internal.h"

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

static void check_scope_refs(struct dmar_check *c, const struct dmar_struct *s)
{
	struct dmar_scope_iter si;
	struct dmar_scope sc;
	uint32_t other;

	dmar_scope_start(&si, c->t, s);
	while (dmar_scope_next(&si, &sc)) {
		/* A namespace scope names its device through an ANDD. VT-d spec 8.3.1.3 */
		if (sc.type == DMAR_SCOPE_NAMESPACE && !andd_numbered(c->t, sc.enumeration_id))
			DMAR_WARN(c, "%s at offset 0x%x: namespace device scope at offset 0x%x "
			     "refers to ACPI device number %u, which no ANDD declares",
			     dmar_label(s->type), s->offset, sc.offset, sc.enumeration_id);
		/* Interrupt remapping finds an I/OxAPIC or HPET by this number, so a
		 * repeat leaves all but one unreachable. VT-d spec 8.3.1.1, 8.3.1.2 */
		if (sc.type != DMAR_SCOPE_IOAPIC && sc.type != DMAR_SCOPE_HPET)
			continue;
		other = scope_before(c->t, sc.type, sc.enumeration_id, sc.offset);
		if (other)
			DMAR_WARN(c, "%s at offset 0x%x: %s number %u at offset 0x%x is already "
			     "listed at offset 0x%x", dmar_label(s->type), s->offset,
			     sc.type == DMAR_SCOPE_IOAPIC ? "IOAPIC" : "HPET",
			     sc.enumeration_id, sc.offset, other);
	}
}

/* Rules between structures; runs only over a fully walkable table, whose
 * iterators then visit every structure. Quadratic, but tables are small. */
void dmar_check_cross(struct dmar_check *c)
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
				DMAR_ERR(c, DMAR_EFIELD, s.offset,
				    "DRHD at offset 0x%x: a second INCLUDE_PCI_ALL unit for "
				    "segment %u (the first is the DRHD at offset 0x%x)",
				    s.offset, s.drhd.segment, other);
			else if (other)
				DMAR_WARN(c, "DRHD at offset 0x%x: listed after the INCLUDE_PCI_ALL "
				     "unit of segment %u at offset 0x%x, which should come last",
				     s.offset, s.drhd.segment, other);
			if (s.drhd.reg_base && drhd_with_base(t, s.drhd.reg_base, s.offset, &other))
				DMAR_WARN(c, "DRHD at offset 0x%x: register base 0x%llx is also the "
				     "DRHD at offset 0x%x", s.offset,
				     (unsigned long long)s.drhd.reg_base, other);
		}
		/* RHSA gives the affinity of a unit a DRHD declares. VT-d spec 8.6 */
		if (s.type == DMAR_TYPE_RHSA &&
		    !drhd_with_base(t, s.rhsa.reg_base, t->length, &other))
			DMAR_WARN(c, "RHSA at offset 0x%x: register base 0x%llx matches no DRHD",
			     s.offset, (unsigned long long)s.rhsa.reg_base);
		if (s.scope_length)
			check_scope_refs(c, &s);
	}
}

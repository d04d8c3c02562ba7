/* dmar_parse(), second half: rules that relate structures to each other
 * (one catch-all unit per segment and last in it, repeated register bases,
 * RHSA and namespace references, repeated IOAPIC/HPET numbers). Runs only
 * once every length has checked out, so the plain iterators visit the whole
 * table.
 *
 * A table may hold as many structures as its 32-bit length allows, and this
 * runs at boot, so no rule compares each structure with every other: the
 * DRHDs are sorted into two index arrays of table offsets in the caller's
 * scratch (by segment for the catch-all units, by register base for all of
 * them) and looked up by binary search; the 8-bit IOAPIC, HPET and ANDD
 * numbers go into small tables. One pass over the table then reports, in
 * table order, what the quadratic walk reported. */
#include "lib/dmar/dmar.h"
#include "lib/dmar/dmar_acpi.h"
#include "lib/dmar/dmar_check_internal.h"
#include "lib/string.h"

/* What an index array is sorted by: a key read from the DRHD at each
 * offset, then the offset itself, so equal keys stay in table order and the
 * first entry of a run is the earliest structure. */
enum drhd_key { BY_SEGMENT, BY_BASE };

struct drhd_index {
	const struct dmar_table *t;
	uint32_t *off;		/* table offsets of DRHDs */
	uint32_t n;
	enum drhd_key key;
	uint64_t *comparisons;
};

static uint64_t key_of(const struct drhd_index *ix, uint32_t off)
{
	const uint8_t *p = ix->t->data + off;

	if (ix->key == BY_SEGMENT)
		return dmar_rd16(p + offsetof(struct acpi_dmar_drhd, segment));
	return dmar_rd64(p + offsetof(struct acpi_dmar_drhd, address));
}

static bool entry_less(const struct drhd_index *ix, uint32_t a, uint32_t b)
{
	uint64_t ka = key_of(ix, a), kb = key_of(ix, b);

	++*ix->comparisons;
	return ka < kb || (ka == kb && a < b);
}

/* Heapsort: O(n log n) comparisons in the worst case, no recursion and no
 * memory beyond the array, which suits a kernel without malloc. */
static void sift_down(struct drhd_index *ix, uint32_t root, uint32_t n)
{
	uint32_t *a = ix->off;

	for (;;) {
		uint32_t child = 2 * root + 1, tmp;

		if (child >= n)
			return;
		if (child + 1 < n && entry_less(ix, a[child], a[child + 1]))
			child++;
		if (!entry_less(ix, a[root], a[child]))
			return;
		tmp = a[root];
		a[root] = a[child];
		a[child] = tmp;
		root = child;
	}
}

static void index_sort(struct drhd_index *ix)
{
	uint32_t *a = ix->off, tmp;

	for (uint32_t i = ix->n / 2; i-- > 0;)
		sift_down(ix, i, ix->n);
	for (uint32_t end = ix->n; end > 1; end--) {
		tmp = a[0];
		a[0] = a[end - 1];
		a[end - 1] = tmp;
		sift_down(ix, 0, end - 1);
	}
}

/* Offset of the earliest DRHD in the index whose key is `key`; 0 if none. */
static uint32_t index_first(const struct drhd_index *ix, uint64_t key)
{
	uint32_t lo = 0, hi = ix->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		++*ix->comparisons;
		if (key_of(ix, ix->off[mid]) < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ix->n && key_of(ix, ix->off[lo]) == key ? ix->off[lo] : 0;
}

/* Fills the two indexes from the table and sorts them; false (after the
 * error) when the scratch has no room for them. */
static bool build_indexes(struct dmar_check *c, struct drhd_index *by_base,
			  struct drhd_index *catch_all)
{
	struct dmar_scratch *sc = c->scratch;
	const uint32_t room = sc->nslots / 2;
	struct dmar_iter it;
	struct dmar_struct s;
	uint32_t n = 0;

	*by_base = (struct drhd_index){ .t = c->t, .off = sc->slot, .key = BY_BASE,
					.comparisons = &sc->comparisons };
	*catch_all = (struct drhd_index){ .t = c->t, .off = sc->slot + room,
					  .key = BY_SEGMENT, .comparisons = &sc->comparisons };
	dmar_iter_start(&it, c->t);
	while (dmar_iter_next(&it, &s)) {
		if (s.type != DMAR_TYPE_DRHD)
			continue;
		if (++n > room) {
			DMAR_ERR(c, DMAR_ELIMIT, s.offset,
			    "DRHD at offset 0x%x: more than %u DRHDs, more than the checks "
			    "between structures have room for", s.offset, room);
			return false;
		}
		by_base->off[by_base->n++] = s.offset;
		if (s.drhd.flags & DMAR_DRHD_INCLUDE_PCI_ALL)
			catch_all->off[catch_all->n++] = s.offset;
	}
	index_sort(by_base);
	index_sort(catch_all);
	return true;
}

static void check_drhd_against_others(struct dmar_check *c, const struct dmar_struct *s,
				      const struct drhd_index *by_base,
				      const struct drhd_index *catch_all)
{
	uint32_t other = index_first(catch_all, s->drhd.segment);

	/* At most one catch-all unit per segment, and it comes after the
	 * segment's other units. VT-d spec 8.3 */
	if (other && other < s->offset && (s->drhd.flags & DMAR_DRHD_INCLUDE_PCI_ALL))
		DMAR_ERR(c, DMAR_EFIELD, s->offset,
		    "DRHD at offset 0x%x: a second INCLUDE_PCI_ALL unit for segment %u (the "
		    "first is the DRHD at offset 0x%x)", s->offset, s->drhd.segment, other);
	else if (other && other < s->offset)
		DMAR_WARN(c, "DRHD at offset 0x%x: listed after the INCLUDE_PCI_ALL unit of "
		     "segment %u at offset 0x%x, which should come last", s->offset,
		     s->drhd.segment, other);
	if (!s->drhd.reg_base)
		return;
	other = index_first(by_base, s->drhd.reg_base);
	if (other && other < s->offset)
		DMAR_WARN(c, "DRHD at offset 0x%x: register base 0x%llx is also the DRHD at "
		     "offset 0x%x", s->offset, (unsigned long long)s->drhd.reg_base, other);
}

/* First offset of each IOAPIC and HPET number seen so far (0: none yet;
 * no scope sits at offset 0), and the ANDD numbers the table declares. */
struct scope_numbers {
	uint32_t first_ioapic[256];
	uint32_t first_hpet[256];
	uint8_t andd[256 / 8];
};

static void check_scope_refs(struct dmar_check *c, const struct dmar_struct *s,
			     struct scope_numbers *nums)
{
	struct dmar_scope_iter si;
	struct dmar_scope sc;
	uint32_t *first;

	dmar_scope_start(&si, c->t, s);
	while (dmar_scope_next(&si, &sc)) {
		uint8_t id = sc.enumeration_id;

		/* A namespace scope names its device through an ANDD. VT-d spec 8.3.1.3 */
		if (sc.type == DMAR_SCOPE_NAMESPACE && !(nums->andd[id / 8] & (1u << (id % 8))))
			DMAR_WARN(c, "%s at offset 0x%x: namespace device scope at offset 0x%x "
			     "refers to ACPI device number %u, which no ANDD declares",
			     dmar_label(s->type), s->offset, sc.offset, id);
		/* Interrupt remapping finds an I/OxAPIC or HPET by this number, so a
		 * repeat leaves all but one unreachable. VT-d spec 8.3.1.1, 8.3.1.2 */
		if (sc.type == DMAR_SCOPE_IOAPIC)
			first = &nums->first_ioapic[id];
		else if (sc.type == DMAR_SCOPE_HPET)
			first = &nums->first_hpet[id];
		else
			continue;
		if (*first)
			DMAR_WARN(c, "%s at offset 0x%x: %s number %u at offset 0x%x is already "
			     "listed at offset 0x%x", dmar_label(s->type), s->offset,
			     sc.type == DMAR_SCOPE_IOAPIC ? "IOAPIC" : "HPET", id, sc.offset,
			     *first);
		else
			*first = sc.offset;
	}
}

/* Rules between structures; runs only over a fully walkable table, whose
 * iterators then visit every structure. O(n log n) in the DRHDs, linear in
 * everything else. */
void dmar_check_cross(struct dmar_check *c)
{
	struct dmar_table *t = c->t;
	struct drhd_index by_base, catch_all;
	struct scope_numbers nums;
	struct dmar_iter it;
	struct dmar_struct s;

	if (!build_indexes(c, &by_base, &catch_all))
		return;
	memset(&nums, 0, sizeof(nums));
	dmar_iter_start(&it, t);
	while (dmar_iter_next(&it, &s))
		if (s.type == DMAR_TYPE_ANDD)
			nums.andd[s.andd.device_number / 8] |= (uint8_t)(1u << (s.andd.device_number % 8));

	dmar_iter_start(&it, t);
	while (dmar_iter_next(&it, &s)) {
		if (s.type == DMAR_TYPE_DRHD)
			check_drhd_against_others(c, &s, &by_base, &catch_all);
		/* RHSA gives the affinity of a unit a DRHD declares. VT-d spec 8.6 */
		if (s.type == DMAR_TYPE_RHSA && !index_first(&by_base, s.rhsa.reg_base))
			DMAR_WARN(c, "RHSA at offset 0x%x: register base 0x%llx matches no DRHD",
			     s.offset, (unsigned long long)s.rhsa.reg_base);
		if (s.scope_length)
			check_scope_refs(c, &s, &nums);
	}
}

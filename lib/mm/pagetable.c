/* 4-level page-table builder. Levels are numbered by what an entry maps:
 * 0 = PTE (4 KiB), 1 = PDE (2 MiB), 2 = PDPTE (1 GiB), 3 = PML4E.
 *
 * pt_map runs in two passes so that running out of memory changes nothing
 * visible: pass 1 creates missing tables and splits large pages (a split
 * table translates exactly like the page it replaces), pass 2 writes the
 * leaves and cannot fail. */
#include "lib/mm/pagetable.h"

#define PT_ENTRIES 512
#define PT_TOP_LEVEL 3
#define PHYS_LIMIT (1ull << 52) /* architectural MAXPHYADDR maximum */

/* Non-leaf entries allow everything; the leaf alone decides access
 * (SDM Vol. 3A 4.6: rights combine across levels, most restrictive wins). */
#define PT_TABLE_FLAGS (PTE_P | PTE_W | PTE_U)

static uint64_t *table_at(uint64_t phys)
{
	return (uint64_t *)(uintptr_t)phys;
}

static uint64_t level_size(int level)
{
	return 1ull << (12 + 9 * level);
}

static unsigned entry_index(uint64_t virt, int level)
{
	return (unsigned)(virt >> (12 + 9 * level)) & (PT_ENTRIES - 1);
}

/* Bits 63:47 all equal (SDM Vol. 1 3.3.7.1). */
static bool canonical(uint64_t v)
{
	uint64_t top = v >> 47;

	return top == 0 || top == 0x1ffff;
}

static bool is_leaf(uint64_t e, int level)
{
	return level == 0 || (level < PT_TOP_LEVEL && (e & PTE_PS));
}

/* Leaf entry at level for flags given in the 4 KiB layout. */
static uint64_t make_leaf(uint64_t phys, uint64_t flags, int level)
{
	uint64_t e = phys | flags | PTE_P;

	if (level > 0) {
		e &= ~PTE_PAT;
		e |= PTE_PS | ((flags & PTE_PAT) ? PTE_PAT_LARGE : 0);
	}
	return e;
}

/* Inverse of make_leaf: the flags back in the 4 KiB layout. */
static uint64_t leaf_flags(uint64_t e, int level)
{
	uint64_t f = e & ~PTE_ADDR_MASK;

	if (level > 0) {
		f &= ~PTE_PS;
		if (e & PTE_PAT_LARGE)
			f |= PTE_PAT;
	}
	return f;
}

static uint64_t leaf_addr(uint64_t e, int level)
{
	return e & PTE_ADDR_MASK & ~(level_size(level) - 1);
}

/* Gets a table page from the caller; rejects an unaligned one, which
 * could not be stored in an entry. */
static int new_table(struct pagetable *pt, uint64_t *phys)
{
	uint64_t p = pt->alloc(pt->alloc_ctx);

	if (p == 0)
		return PT_ERR_NOMEM;
	if (p & (PT_SIZE_4K - 1) || p >= PHYS_LIMIT)
		return PT_ERR_INVAL;
	*phys = p;
	return 0;
}

/* Replaces the large leaf *e at level with a table of the next level
 * down that maps the same addresses with the same flags. The table is
 * filled before it is linked in, so a failure leaves *e untouched. */
static int split(struct pagetable *pt, uint64_t *e, int level)
{
	uint64_t flags = leaf_flags(*e, level), base = leaf_addr(*e, level);
	uint64_t sub = level_size(level - 1), phys;
	uint64_t *t;
	int rc = new_table(pt, &phys);

	if (rc)
		return rc;
	t = table_at(phys);
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		t[i] = make_leaf(base + i * sub, flags, level - 1);
	*e = phys | PT_TABLE_FLAGS;
	return 0;
}

/*
 * Finds the table at `level` that holds virt's entry. With prepare set,
 * missing tables are created and large pages on the way are split;
 * without it, anything but an existing table is an error (pass 2 only
 * walks what pass 1 built).
 */
static int walk(struct pagetable *pt, uint64_t virt, int level, bool prepare,
		uint64_t **out)
{
	uint64_t *t = table_at(pt->root);

	for (int l = PT_TOP_LEVEL; l > level; l--) {
		uint64_t *e = &t[entry_index(virt, l)];
		int rc = 0;

		if (!(*e & PTE_P)) {
			uint64_t phys;

			if (!prepare)
				return PT_ERR_INVAL;
			/* A zeroed table maps nothing: safe to link at once. */
			rc = new_table(pt, &phys);
			if (rc == 0)
				*e = phys | PT_TABLE_FLAGS;
		} else if (is_leaf(*e, l)) {
			if (!prepare)
				return PT_ERR_INVAL;
			rc = split(pt, e, l);
		}
		if (rc)
			return rc;
		t = table_at(*e & PTE_ADDR_MASK);
	}
	*out = t;
	return 0;
}

/* The largest page level that fits at virt/phys with left bytes to go. */
static int chunk_level(const struct pagetable *pt, uint64_t virt, uint64_t phys,
		       uint64_t left)
{
	uint64_t both = virt | phys;

	if (pt->allow_1g && (both & (PT_SIZE_1G - 1)) == 0 && left >= PT_SIZE_1G)
		return 2;
	if ((both & (PT_SIZE_2M - 1)) == 0 && left >= PT_SIZE_2M)
		return 1;
	return 0;
}

int pt_init(struct pagetable *pt, pt_alloc_fn alloc, void *ctx)
{
	pt->alloc = alloc;
	pt->alloc_ctx = ctx;
	pt->allow_1g = false;
	pt->root = 0;
	return new_table(pt, &pt->root);
}

static int check_map_args(uint64_t virt, uint64_t phys, uint64_t len, uint64_t flags)
{
	uint64_t last = virt + len - 1;

	if ((virt | phys | len) & (PT_SIZE_4K - 1))
		return PT_ERR_INVAL;
	if (flags & ~PTE_MAP_FLAGS)
		return PT_ERR_INVAL;
	/* No wrap, both ends canonical and in the same half, so the range
	 * does not straddle the non-canonical hole. */
	if (last < virt || !canonical(virt) || !canonical(last) ||
	    (virt >> 47) != (last >> 47))
		return PT_ERR_INVAL;
	if (phys >= PHYS_LIMIT || len > PHYS_LIMIT - phys)
		return PT_ERR_INVAL;
	return 0;
}

int pt_map(struct pagetable *pt, uint64_t virt, uint64_t phys, uint64_t len,
	   uint64_t flags)
{
	uint64_t *t;
	int rc;

	if (len == 0)
		return (virt | phys) & (PT_SIZE_4K - 1) ? PT_ERR_INVAL : 0;
	rc = check_map_args(virt, phys, len, flags);
	if (rc)
		return rc;

	for (int pass = 1; pass <= 2; pass++) {
		uint64_t v = virt, p = phys, left = len;

		while (left > 0) {
			int level = chunk_level(pt, v, p, left);

			rc = walk(pt, v, level, pass == 1, &t);
			if (rc)
				return rc;
			if (pass == 2)
				t[entry_index(v, level)] = make_leaf(p, flags, level);
			v += level_size(level);
			p += level_size(level);
			left -= level_size(level);
		}
	}
	return 0;
}

bool pt_translate(const struct pagetable *pt, uint64_t virt, uint64_t *phys,
		  uint64_t *flags, uint64_t *page_size)
{
	const uint64_t *t = table_at(pt->root);

	if (!canonical(virt))
		return false;
	for (int l = PT_TOP_LEVEL; l >= 0; l--) {
		uint64_t e = t[entry_index(virt, l)];

		if (!(e & PTE_P))
			return false;
		/* PS is reserved in a PML4E; this file never sets it. */
		if (l == PT_TOP_LEVEL && (e & PTE_PS))
			return false;
		if (is_leaf(e, l)) {
			if (phys)
				*phys = leaf_addr(e, l) | (virt & (level_size(l) - 1));
			if (flags)
				*flags = leaf_flags(e, l);
			if (page_size)
				*page_size = level_size(l);
			return true;
		}
		t = table_at(e & PTE_ADDR_MASK);
	}
	return false; /* not reached: level 0 is always a leaf */
}

/* VT-d second-level page tables. Levels are numbered by what an entry maps:
 * 0 = SL-PTE (4 KiB), 1 = SL-PDE (2 MiB), 2 = SL-PDPE (1 GiB), 3 = SL-PML4E,
 * 4 = SL-PML5E. The top table's entries are at level levels - 1.
 *
 * Rules of this file, because the hardware may walk the tables at any time:
 * - Every entry is written with one 64-bit store, so a walk never sees half.
 * - A new table is flushed whole before the entry linking it is written; a
 *   changed entry is flushed after its write (ops.flush, for ECAP.C=0).
 * - iopt_map and iopt_unmap check the whole range (and, for map, create the
 *   missing tables) before changing any leaf, so a failure changes no
 *   translation. A range that is one leaf is written at the end of that
 *   check, so the per-packet single-page case walks the tables once.
 * - A range inside the 4 KiB-page table the previous call reached (pt->leaf)
 *   does not walk at all: that table cannot have gone away, because tables
 *   are freed only by iopt_destroy and never replaced by a superpage. */
#include "lib/iopt/iopt.h"
#include "lib/page.h"

#define IOPT_ENTRIES    512
#define IOPT_PHYS_LIMIT (1ull << 52) /* address field is bits 51:12 */
#define IOPT_MIN_LEVELS 3            /* CAP.SAGAW: 39-bit, 3 levels */
#define IOPT_MAX_LEVELS 5            /* 57-bit, 5 levels */

/* Non-leaf entries allow both; the leaf alone decides access (VT-d spec
 * 3.7: rights are the AND of R and W along the walk). */
#define IOPT_TABLE_PROT (IOPT_R | IOPT_W)

/* Keeps the compiler from moving the store that links a table above the
 * flush of its contents. */
static inline void barrier(void)
{
	__asm__ __volatile__("" ::: "memory");
}

static uint64_t *table_at(uint64_t phys)
{
	return (uint64_t *)(uintptr_t)phys;
}

static uint64_t level_size(int level)
{
	return 1ull << (12 + 9 * level);
}

static unsigned entry_index(uint64_t iova, int level)
{
	return (unsigned)(iova >> (12 + 9 * level)) & (IOPT_ENTRIES - 1);
}

static int top_level(const struct iopt *pt)
{
	return (int)pt->levels - 1;
}

/* PS exists only in SL-PDEs and SL-PDPEs (VT-d spec 9.8); it is reserved
 * above and ignored in SL-PTEs, and this file never sets it there. */
static bool is_leaf(uint64_t e, int level)
{
	return level == 0 || (level <= 2 && (e & IOPT_PS));
}

static void set_entry(uint64_t *e, uint64_t v)
{
	*(volatile uint64_t *)e = v;
}

static void flush(const struct iopt *pt, const void *p, size_t len)
{
	if (pt->ops.flush)
		pt->ops.flush(pt->ops.ctx, p, len);
}

/* Entries written one after another in memory, flushed as one range. */
struct run {
	uint64_t *start, *end;
};

static void run_flush(const struct iopt *pt, struct run *r)
{
	if (r->start != r->end)
		flush(pt, r->start, (size_t)(r->end - r->start) * sizeof(uint64_t));
	r->start = r->end = NULL;
}

/* Records that *e was just written; flushes the run when e does not
 * extend it. */
static void run_add(const struct iopt *pt, struct run *r, uint64_t *e)
{
	if (e != r->end) {
		run_flush(pt, r);
		r->start = e;
	}
	r->end = e + 1;
}

/* Gets a table page and makes its zeroes visible to the hardware: the
 * allocator cleared it through the CPU's caches, and a walk that does not
 * snoop would otherwise read whatever the memory held before. */
static int new_table(struct iopt *pt, uint64_t *phys)
{
	uint64_t p = pt->ops.alloc_page(pt->ops.ctx);

	if (p == 0)
		return IOPT_ENOMEM;
	if ((p & (IOPT_SIZE_4K - 1)) || p >= IOPT_PHYS_LIMIT) {
		pt->ops.free_page(pt->ops.ctx, p);
		return IOPT_EINVAL;
	}
	flush(pt, table_at(p), IOPT_SIZE_4K);
	pt->tables++;
	*phys = p;
	return 0;
}

/* The largest leaf level that iova/phys alignment, the length left and the
 * unit's superpage support allow. */
static int chunk_level(const struct iopt *pt, uint64_t iova, uint64_t phys,
		       uint64_t left)
{
	uint64_t both = iova | phys;

	if (pt->allow_1g && (both & (IOPT_SIZE_1G - 1)) == 0 && left >= IOPT_SIZE_1G)
		return 2;
	if (pt->allow_2m && (both & (IOPT_SIZE_2M - 1)) == 0 && left >= IOPT_SIZE_2M)
		return 1;
	return 0;
}

/*
 * Finds the empty slot for a leaf mapping iova at level `want` or, where a
 * table already occupies a slot, lower. Missing tables above the slot are
 * created when `create` is set (the check pass); the write pass only walks
 * what the check pass built. IOPT_EEXIST if a leaf already maps iova.
 */
static int map_slot(struct iopt *pt, uint64_t iova, int want, bool create,
		    uint64_t **slot, int *level)
{
	uint64_t *t = table_at(pt->root);

	for (int l = top_level(pt);; l--) {
		uint64_t *e = &t[entry_index(iova, l)];
		uint64_t next;

		if (!iopt_present(*e) && l <= want) {
			*slot = e;
			*level = l;
			return 0;
		}
		if (iopt_present(*e) && is_leaf(*e, l))
			return IOPT_EEXIST;
		if (!iopt_present(*e)) {
			int rc;

			if (!create)
				return IOPT_EINVAL; /* not reached: the check pass made it */
			rc = new_table(pt, &next);
			if (rc)
				return rc;
			barrier();
			set_entry(e, next | IOPT_TABLE_PROT);
			flush(pt, e, sizeof(*e));
		}
		t = table_at(*e & IOPT_ADDR_MASK);
	}
}

/* The leaf that maps iova, IOPT_ENOENT if none does. */
static int find_leaf(const struct iopt *pt, uint64_t iova, uint64_t **slot,
		     int *level)
{
	uint64_t *t = table_at(pt->root);

	for (int l = top_level(pt); l >= 0; l--) {
		uint64_t *e = &t[entry_index(iova, l)];

		if (!iopt_present(*e))
			return IOPT_ENOENT;
		if (is_leaf(*e, l)) {
			*slot = e;
			*level = l;
			return 0;
		}
		t = table_at(*e & IOPT_ADDR_MASK);
	}
	return IOPT_ENOENT; /* not reached: level 0 is always a leaf */
}

/* VT-d spec 9.8: address bits 51:12 (the low ones zero in a superpage),
 * R, W, and PS in SL-PDE/SL-PDPE leaves. */
static uint64_t leaf_entry(uint64_t phys, uint64_t prot, int level)
{
	return phys | prot | (level > 0 ? IOPT_PS : 0);
}

/* Remembers the 4 KiB-page table holding `slot`, the entry for iova. */
static void remember_leaf(struct iopt *pt, uint64_t iova, uint64_t *slot)
{
	pt->leaf = slot - entry_index(iova, 0);
	pt->leaf_tag = iova >> 21;
}

/* [iova, iova + len) lies inside the remembered table. A hit also means the
 * range is below iopt_max_iova(): a table exists there. */
static bool in_leaf(const struct iopt *pt, uint64_t iova, uint64_t len)
{
	return (iova >> 21) == pt->leaf_tag && len != 0 &&
	       ((iova | len) & (IOPT_SIZE_4K - 1)) == 0 &&
	       entry_index(iova, 0) + (len >> PAGE_SHIFT) <= IOPT_ENTRIES;
}

/* The fast path of iopt_map: same checks and all-or-nothing rule, one flush
 * for the entries written. No superpage is possible here: a table holds
 * the slot. */
static int map_in_leaf(struct iopt *pt, uint64_t iova, uint64_t phys,
		       uint64_t len, uint64_t prot)
{
	uint64_t *e = &pt->leaf[entry_index(iova, 0)];
	size_t n = (size_t)(len >> PAGE_SHIFT);

	for (size_t i = 0; i < n; i++)
		if (iopt_present(e[i]))
			return IOPT_EEXIST;
	for (size_t i = 0; i < n; i++)
		set_entry(&e[i], leaf_entry(phys + i * IOPT_SIZE_4K, prot, 0));
	flush(pt, e, n * sizeof(*e));
	return 0;
}

static int unmap_in_leaf(struct iopt *pt, uint64_t iova, uint64_t len)
{
	uint64_t *e = &pt->leaf[entry_index(iova, 0)];
	size_t n = (size_t)(len >> PAGE_SHIFT);

	for (size_t i = 0; i < n; i++)
		if (!iopt_present(e[i]))
			return IOPT_ENOENT;
	for (size_t i = 0; i < n; i++)
		set_entry(&e[i], 0);
	flush(pt, e, n * sizeof(*e));
	return 0;
}

uint64_t iopt_max_iova(const struct iopt *pt)
{
	return level_size((int)pt->levels) - 1;
}

/* 4 KiB aligned, non-empty, no wrap, below the input address width. */
static bool range_ok(const struct iopt *pt, uint64_t iova, uint64_t len)
{
	uint64_t max = iopt_max_iova(pt);

	if (pt->root == 0 || len == 0 || ((iova | len) & (IOPT_SIZE_4K - 1)))
		return false;
	return len - 1 <= max && iova <= max - (len - 1);
}

int iopt_init(struct iopt *pt, unsigned levels, const struct iopt_ops *ops)
{
	pt->root = 0;
	pt->levels = levels;
	pt->allow_2m = false;
	pt->allow_1g = false;
	pt->tables = 0;
	pt->leaf = NULL;
	pt->leaf_tag = IOPT_NO_LEAF;
	if (!ops || !ops->alloc_page || !ops->free_page)
		return IOPT_EINVAL;
	pt->ops = *ops;
	if (levels < IOPT_MIN_LEVELS || levels > IOPT_MAX_LEVELS)
		return IOPT_EINVAL;
	return new_table(pt, &pt->root);
}

/* iopt_map through the walk, arguments but the range checked. Not inlined:
 * its locals would make every call pay for saving registers. */
static __attribute__((noinline)) int map_walk(struct iopt *pt, uint64_t iova, uint64_t phys,
					      uint64_t len, uint64_t prot)
{
	uint64_t *slot, *first = NULL;
	int level, first_level = 0, chunks = 0, rc;
	struct run run = { NULL, NULL };

	if (!range_ok(pt, iova, len))
		return IOPT_EINVAL;

	/* Check pass: every slot empty, every table there. */
	for (uint64_t off = 0; off < len; off += level_size(level)) {
		rc = map_slot(pt, iova + off, chunk_level(pt, iova + off, phys + off, len - off),
			      true, &slot, &level);
		if (rc)
			return rc;
		if (chunks++ == 0) {
			first = slot;
			first_level = level;
		}
	}
	if (first_level == 0)
		remember_leaf(pt, iova, first);
	if (chunks == 1) {
		set_entry(first, leaf_entry(phys, prot, first_level));
		flush(pt, first, sizeof(*first));
		return 0;
	}

	/* Write pass: cannot fail, the check pass saw the same tables. */
	for (uint64_t off = 0; off < len; off += level_size(level)) {
		map_slot(pt, iova + off, chunk_level(pt, iova + off, phys + off, len - off),
			 false, &slot, &level);
		set_entry(slot, leaf_entry(phys + off, prot, level));
		run_add(pt, &run, slot);
	}
	run_flush(pt, &run);
	return 0;
}

int iopt_map(struct iopt *pt, uint64_t iova, uint64_t phys, uint64_t len,
	     uint64_t prot)
{
	if (prot == 0 || (prot & ~(IOPT_R | IOPT_W)) || (phys & (IOPT_SIZE_4K - 1)) ||
	    phys >= IOPT_PHYS_LIMIT || len > IOPT_PHYS_LIMIT - phys)
		return IOPT_EINVAL;
	if (in_leaf(pt, iova, len))
		return map_in_leaf(pt, iova, phys, len, prot);
	return map_walk(pt, iova, phys, len, prot);
}

static __attribute__((noinline)) int unmap_walk(struct iopt *pt, uint64_t iova, uint64_t len)
{
	uint64_t *slot, *first = NULL;
	int level, first_level = 0, chunks = 0, rc;
	struct run run = { NULL, NULL };

	if (!range_ok(pt, iova, len))
		return IOPT_EINVAL;

	/* Check pass: every page mapped, every leaf wholly inside the range. */
	for (uint64_t off = 0; off < len; off += level_size(level)) {
		rc = find_leaf(pt, iova + off, &slot, &level);
		if (rc)
			return rc;
		if (((iova + off) & (level_size(level) - 1)) || level_size(level) > len - off)
			return IOPT_ESPLIT;
		if (chunks++ == 0) {
			first = slot;
			first_level = level;
		}
	}
	if (first_level == 0)
		remember_leaf(pt, iova, first);
	if (chunks == 1) {
		set_entry(first, 0);
		flush(pt, first, sizeof(*first));
		return 0;
	}

	for (uint64_t off = 0; off < len; off += level_size(level)) {
		find_leaf(pt, iova + off, &slot, &level);
		set_entry(slot, 0);
		run_add(pt, &run, slot);
	}
	run_flush(pt, &run);
	return 0;
}

int iopt_unmap(struct iopt *pt, uint64_t iova, uint64_t len)
{
	if (in_leaf(pt, iova, len))
		return unmap_in_leaf(pt, iova, len);
	return unmap_walk(pt, iova, len);
}

bool iopt_translate(const struct iopt *pt, uint64_t iova, uint64_t *phys,
		    uint64_t *prot, uint64_t *page_size)
{
	uint64_t *slot, size;
	int level;

	if (pt->root == 0 || iova > iopt_max_iova(pt) ||
	    find_leaf(pt, iova, &slot, &level))
		return false;
	size = level_size(level);
	if (phys)
		*phys = (*slot & IOPT_ADDR_MASK & ~(size - 1)) | (iova & (size - 1));
	if (prot)
		*prot = *slot & (IOPT_R | IOPT_W);
	if (page_size)
		*page_size = size;
	return true;
}

/* Frees the table at `table` whose entries are at `level`, and below it. */
static void free_tree(struct iopt *pt, uint64_t table, int level)
{
	uint64_t *t = table_at(table);

	for (unsigned i = 0; level > 0 && i < IOPT_ENTRIES; i++)
		if (iopt_present(t[i]) && !is_leaf(t[i], level))
			free_tree(pt, t[i] & IOPT_ADDR_MASK, level - 1);
	pt->ops.free_page(pt->ops.ctx, table);
	pt->tables--;
}

void iopt_destroy(struct iopt *pt)
{
	if (pt->root == 0)
		return;
	free_tree(pt, pt->root, top_level(pt));
	pt->root = 0;
	pt->leaf = NULL;
	pt->leaf_tag = IOPT_NO_LEAF;
}

/* VT-d second-level (legacy mode) I/O page tables: the tables the remapping
 * hardware walks for one DMA domain. Pure logic: tables are reached at their
 * physical address, so the kernel must run identity-mapped. */
#ifndef LIB_IOPT_IOPT_H
#define LIB_IOPT_IOPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Second-level paging entry bits (VT-d spec 9.8). There is no present bit:
 * an entry with R and W both clear is not present. X, EMT, IPAT, A, D, SNP
 * and TM stay zero here; bit 11 (SNP) and bit 62 (TM) are reserved unless
 * ECAP.SC and ECAP.DT say otherwise, and QEMU faults on them.
 */
#define IOPT_R         (1ull << 0)  /* read allowed */
#define IOPT_W         (1ull << 1)  /* write allowed */
#define IOPT_PS        (1ull << 7)  /* page size: SL-PDE/SL-PDPE is a leaf */
#define IOPT_ADDR_MASK 0x000ffffffffff000ull /* bits 51:12 */

#define IOPT_SIZE_4K (1ull << 12)
#define IOPT_SIZE_2M (1ull << 21)
#define IOPT_SIZE_1G (1ull << 30)

#define IOPT_EINVAL (-1) /* bad alignment, range, prot or levels; bad table page */
#define IOPT_ENOMEM (-2) /* alloc_page returned 0 */
#define IOPT_EEXIST (-3) /* iopt_map: a page in the range is already mapped */
#define IOPT_ENOENT (-4) /* iopt_unmap: a page in the range is not mapped */
#define IOPT_ESPLIT (-5) /* iopt_unmap: the range covers part of a superpage */

struct iopt_ops {
	/* A zeroed, 4 KiB-aligned page below 2^52; 0 when out of memory. */
	uint64_t (*alloc_page)(void *ctx);
	void (*free_page)(void *ctx, uint64_t page);
	/*
	 * Called with every range of table bytes this file wrote, after the
	 * write and before the change can matter to the hardware, so the
	 * caller can clflush every line it touches (then fence) when page
	 * walks are not coherent (ECAP.C=0, VT-d spec 10.4.3). A new table is
	 * flushed whole before the entry pointing to it is written. NULL when
	 * walks are coherent.
	 */
	void (*flush)(void *ctx, const void *p, size_t len);
	void *ctx;
};

struct iopt {
	uint64_t root;     /* top table's physical address, for the context entry */
	unsigned levels;   /* 3: 39-bit, 4: 48-bit, 5: 57-bit (CAP.SAGAW) */
	bool allow_2m;     /* CAP.SLLPS bit 0, VT-d spec 10.4.2; starts false */
	bool allow_1g;     /* CAP.SLLPS bit 1; starts false */
	struct iopt_ops ops;
	uint64_t tables;   /* table pages held, root included */
	/* The last 4 KiB-page table a map or unmap reached, and iova >> 21 of
	 * the 2 MiB it covers (IOPT_NO_LEAF when none): a single page under it
	 * skips the walk. Tables are freed only by iopt_destroy, which forgets
	 * it, so it never points at a freed page. */
	uint64_t *leaf;
	uint64_t leaf_tag;
};

#define IOPT_NO_LEAF (~0ull) /* iova >> 21 never reaches it */

/* Allocates an empty top table for a levels-deep walk (3, 4 or 5). */
int iopt_init(struct iopt *pt, unsigned levels, const struct iopt_ops *ops);

/*
 * Maps [iova, iova + len) to [phys, phys + len) with prot (a non-zero subset
 * of IOPT_R | IOPT_W). All three 4 KiB aligned, len > 0, the range below
 * iopt_max_iova() + 1 and phys + len <= 2^52 (the unit itself may reserve
 * address bits above its host address width: QEMU's default is 39).
 * Uses 1 GiB and 2 MiB leaves where allowed and aligned, except where a
 * table already sits in the slot (left by earlier smaller mappings): that
 * range is mapped with smaller pages through the table, because replacing a
 * table with a leaf would need a paging-structure cache invalidation.
 * Refuses with IOPT_EEXIST if any page in the range is mapped. All or
 * nothing: on an error every iova translates as before; empty tables
 * allocated on the way may stay. A single page costs one table walk and
 * no allocation once its tables exist, and no walk at all when it lies
 * under the same 4 KiB-page table as the previous map or unmap.
 */
int iopt_map(struct iopt *pt, uint64_t iova, uint64_t phys, uint64_t len,
	     uint64_t prot);

/*
 * Clears the leaves that map [iova, iova + len) (same alignment rules).
 * IOPT_ENOENT if some page is not mapped, IOPT_ESPLIT if a superpage lies
 * partly outside the range; the first such problem in address order is
 * reported and nothing changes. Tables stay for the next map. The caller
 * invalidates the IOTLB afterwards.
 */
int iopt_unmap(struct iopt *pt, uint64_t iova, uint64_t len);

/*
 * For the per-packet path of lib/dma/dma.c, inline because that path's budget
 * is counted in instructions. iopt_leaf_has says whether the 4 KiB page at
 * iova lies under the remembered table; if so iopt_leaf_entry is its entry,
 * and if not, iopt_map/iopt_unmap must do the job. iopt_leaf_write checks
 * nothing: the caller passes a 4 KiB-aligned phys below 2^52 ORed with
 * valid rights, or 0; it stores the entry in one 64-bit write and then
 * flushes it, as lib/iopt/iopt.c does everywhere.
 */
static inline bool iopt_leaf_has(const struct iopt *pt, uint64_t iova)
{
	return (iova >> 21) == pt->leaf_tag;
}

static inline uint64_t *iopt_leaf_entry(const struct iopt *pt, uint64_t iova)
{
	return &pt->leaf[(iova >> 12) & 511];
}

/* VT-d spec 9.8: no present bit; R = W = 0 means not present. */
static inline bool iopt_present(uint64_t e)
{
	return (e & (IOPT_R | IOPT_W)) != 0;
}

static inline void iopt_leaf_write(const struct iopt *pt, uint64_t *e, uint64_t v)
{
	*(volatile uint64_t *)e = v;
	if (pt->ops.flush)
		pt->ops.flush(pt->ops.ctx, e, sizeof(*e));
}

/* Looks up iova. On success fills the non-NULL outputs: the physical
 * address of iova itself, the leaf's IOPT_R/IOPT_W and the page size. */
bool iopt_translate(const struct iopt *pt, uint64_t iova, uint64_t *phys,
		    uint64_t *prot, uint64_t *page_size);

/* Frees every table page, root included; pt->root becomes 0. The caller
 * must first detach the domain and invalidate the unit's caches. */
void iopt_destroy(struct iopt *pt);

/* The last iova the tables can map: 2^(12 + 9 * levels) - 1. */
uint64_t iopt_max_iova(const struct iopt *pt);

#endif

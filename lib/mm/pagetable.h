/* x86-64 4-level CPU page tables (not VT-d): build mappings with 1 GiB,
 * 2 MiB or 4 KiB pages and look them up. Tables are reached at their
 * physical address, so the kernel must run identity-mapped. */
#ifndef LIB_MM_PAGETABLE_H
#define LIB_MM_PAGETABLE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Entry bits, Intel SDM Vol. 3A 4.5 (the "Format of a PML4 Entry ...",
 * "... PDPTE that Maps a 1-GByte Page", "... PDE that Maps a 2-MByte Page"
 * and "... PTE that Maps a 4-KByte Page" tables).
 * pt_map and pt_translate speak in the 4 KiB PTE layout: bit 7 is PAT.
 * In 1 GiB and 2 MiB leaves bit 7 is PS and PAT moves to bit 12; this
 * file does that translation.
 */
#define PTE_P         (1ull << 0)  /* present */
#define PTE_W         (1ull << 1)  /* writable */
#define PTE_U         (1ull << 2)  /* user accessible */
#define PTE_PWT       (1ull << 3)  /* page-level write-through */
#define PTE_PCD       (1ull << 4)  /* page-level cache disable */
#define PTE_A         (1ull << 5)  /* accessed */
#define PTE_D         (1ull << 6)  /* dirty (leaves only) */
#define PTE_PAT       (1ull << 7)  /* PAT index bit, 4 KiB PTE */
#define PTE_PS        (1ull << 7)  /* page size: PDPTE/PDE is a leaf */
#define PTE_G         (1ull << 8)  /* global, with CR4.PGE (leaves only) */
#define PTE_PAT_LARGE (1ull << 12) /* PAT index bit, 1 GiB/2 MiB leaf */
#define PTE_NX        (1ull << 63) /* execute disable, with EFER.NXE */
#define PTE_ADDR_MASK 0x000ffffffffff000ull /* bits 51:12, MAXPHYADDR <= 52 */

/* Flags pt_map accepts; anything else is rejected. */
#define PTE_MAP_FLAGS (PTE_P | PTE_W | PTE_U | PTE_PWT | PTE_PCD | PTE_A | \
		       PTE_D | PTE_PAT | PTE_G | PTE_NX)

#define PT_SIZE_4K (1ull << 12)
#define PT_SIZE_2M (1ull << 21)
#define PT_SIZE_1G (1ull << 30)

#define PT_ERR_INVAL (-1) /* bad address, length or flags */
#define PT_ERR_NOMEM (-2) /* the allocator returned 0 */

/* Returns the address of a zeroed, 4 KiB-aligned page, 0 when out of memory. */
typedef uint64_t (*pt_alloc_fn)(void *ctx);

struct pagetable {
	uint64_t root;     /* PML4 physical address, for CR3 */
	pt_alloc_fn alloc;
	void *alloc_ctx;
	bool allow_1g;     /* set only if CPUID.80000001H:EDX.Page1GB[26] */
};

/* Allocates an empty PML4. allow_1g starts false. */
int pt_init(struct pagetable *pt, pt_alloc_fn alloc, void *ctx);

/*
 * Maps [virt, virt + len) to [phys, phys + len) with flags (PTE_P is
 * implied). All three must be 4 KiB multiples and the virtual range
 * canonical. The largest page that alignment allows is used; remapping
 * part of a large page splits it, keeping the rest's mapping and flags.
 * All or nothing: on PT_ERR_NOMEM every address still translates as
 * before (tables allocated on the way stay, empty or equivalent).
 * A large page written over a split region orphans the old table page.
 * The caller flushes the TLB when changing live tables.
 */
int pt_map(struct pagetable *pt, uint64_t virt, uint64_t phys, uint64_t len,
	   uint64_t flags);

/* Looks up virt. On success fills the non-NULL outputs: the physical
 * address of virt itself, the leaf's flags in 4 KiB PTE layout (PTE_P
 * included, PS dropped) and the page size. */
bool pt_translate(const struct pagetable *pt, uint64_t virt, uint64_t *phys,
		  uint64_t *flags, uint64_t *page_size);

#endif

/* Physical page allocator: one bit per 4 KiB page (1 = used) in storage the
 * caller supplies, so it works before any other allocator exists. */
#ifndef LIB_MM_PMM_H
#define LIB_MM_PMM_H

#include <stdint.h>
#include <stddef.h>
#include "lib/page.h"


/* Errors from pmm_free; each means the caller broke an invariant. */
#define PMM_ERR_ALIGN  (-1) /* address not page aligned */
#define PMM_ERR_RANGE  (-2) /* beyond the bitmap, wraps, or includes page 0 */
#define PMM_ERR_FREE   (-3) /* some page in the range is already free */

struct pmm {
	uint64_t *bitmap;  /* bit (i % 64) of word i / 64 is page i */
	uint64_t npages;   /* pages the bitmap covers, from address 0 */
	uint64_t nfree;
	uint64_t low_word; /* no free page lies in a word below this one */
};

/* Bytes of bitmap storage needed for npages pages (whole 64-bit words). */
size_t pmm_bitmap_bytes(uint64_t npages);

/* Starts with every page used; bitmap must hold pmm_bitmap_bytes(npages). */
void pmm_init(struct pmm *p, uint64_t *bitmap, uint64_t npages);

/* Marks the whole pages inside [addr, addr + npages * 4 KiB) free, clamped
 * to the bitmap. Page 0 stays used: address 0 is the failure value. */
void pmm_add_free(struct pmm *p, uint64_t addr, uint64_t npages);

/* Marks every page touching [addr, addr + npages * 4 KiB) used, clamped. */
void pmm_reserve(struct pmm *p, uint64_t addr, uint64_t npages);

/*
 * Allocates npages contiguous pages, the first page number a multiple of
 * align_pages (0 or 1: any; otherwise a power of two), the whole range
 * below max_addr (0: no limit). Returns the physical address, or 0 when
 * nothing fits or the arguments are invalid. Lowest address first.
 */
uint64_t pmm_alloc(struct pmm *p, uint64_t npages, uint64_t align_pages,
		   uint64_t max_addr);

/* Returns pages to the pool: 0, or a PMM_ERR_* and nothing changed. The
 * bitmap cannot tell an allocated page from a reserved one, so freeing
 * reserved memory is not detected. */
int pmm_free(struct pmm *p, uint64_t addr, uint64_t npages);

uint64_t pmm_free_pages(const struct pmm *p);

#endif

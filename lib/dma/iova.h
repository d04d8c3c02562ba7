/* IOVA allocator for one DMA domain: blocks of 2^k pages, naturally
 * aligned, from [base, limit). Allocation and free are O(1): a per-size
 * LIFO free list, then a bump pointer, then splitting a larger free block
 * (bounded by the number of sizes). Only when all three fail does it merge
 * free neighbours, in one pass over the range, before giving up.
 *
 * Storage comes from the caller: 5 bytes per page of the range. On the
 * first page of a block, `link` is IOVA_USED | its exact page count while
 * it is allocated, and the next free block of its size while it is free;
 * `meta` holds its size class, which is set when the block is made and
 * never changes (so allocation and free do not touch it). No other page
 * ever has IOVA_USED in `link`, so one comparison tells whether an address
 * and length are exactly what iova_alloc returned, without a search. */
#ifndef LIB_DMA_IOVA_H
#define LIB_DMA_IOVA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/page.h"

#define IOVA_CLASSES    31          /* blocks of 2^0 .. 2^30 pages */
#define IOVA_USED       0x80000000u /* link[] of an allocated block */
#define IOVA_NONE       0x7fffffffu /* end of a free list */
#define IOVA_MAX_PAGES  0x7ffffffeu /* page indices stay below IOVA_NONE */

#define IOVA_EINVAL (-1) /* bad range or size; free of what is not allocated */
#define IOVA_ENOSPC (-2) /* no free run of the size asked for */


struct iova_space {
	uint64_t base;                   /* address of page 0 */
	uint32_t pages;                  /* pages in the range */
	uint32_t bump;                   /* pages [bump, pages) never carved */
	uint32_t head[IOVA_CLASSES];     /* free blocks by class, IOVA_NONE if none */
	uint32_t *link;                  /* per page, see above */
	uint8_t *meta;                   /* per page, see above */
};

/* Bytes of storage for a range of `pages` pages (a multiple of 8). */
size_t iova_storage_bytes(uint64_t pages);
/* [base, limit) 4 KiB aligned, non-empty, at most IOVA_MAX_PAGES pages;
 * storage 4-byte aligned, iova_storage_bytes() long. */
int iova_init(struct iova_space *s, uint64_t base, uint64_t limit, void *storage,
	      size_t storage_bytes);
/* iova_alloc when the free list of its size is empty. */
int iova_alloc_slow(struct iova_space *s, uint32_t npages, uint64_t *iova);
/* Free pages, counted block by block (tests and error messages). */
uint64_t iova_pages_free(const struct iova_space *s);

/* Size class of a block holding npages (>= 1): ceil(log2(npages)). */
static inline unsigned iova_class(uint32_t npages)
{
	return npages <= 1 ? 0 : 32 - (unsigned)__builtin_clz(npages - 1);
}

/* The per-packet paths are inline: the DMA layer's budget is counted in
 * instructions, and a call costs a good part of it. */

/* Takes the first block of its size off the free list, false when there
 * is none; npages from 1 to 2^30. */
static inline bool iova_pop(struct iova_space *s, uint32_t npages, uint64_t *iova)
{
	unsigned c = iova_class(npages);
	uint32_t i = s->head[c];

	if (i == IOVA_NONE)
		return false;
	s->head[c] = s->link[i];
	s->link[i] = IOVA_USED | npages;
	*iova = s->base + ((uint64_t)i << PAGE_SHIFT);
	return true;
}

/* Allocates a block for npages pages (>= 1); *iova gets its address. */
static inline int iova_alloc(struct iova_space *s, uint32_t npages, uint64_t *iova)
{
	if (npages - 1 < 1u << (IOVA_CLASSES - 1) && iova_pop(s, npages, iova))
		return 0;
	return iova_alloc_slow(s, npages, iova);
}

/* Whether [iova, iova + npages pages) is exactly an allocated block. An
 * iova below base wraps to an index far above s->pages. */
static inline bool iova_owned(const struct iova_space *s, uint64_t iova, uint32_t npages)
{
	uint64_t i = (iova - s->base) >> PAGE_SHIFT;

	return (iova & ((1u << PAGE_SHIFT) - 1)) == 0 && i < s->pages &&
	       s->link[i] == (IOVA_USED | npages);
}

/* Frees a block iova_owned() vouched for, without checking again. */
static inline void iova_put(struct iova_space *s, uint64_t iova, uint32_t npages)
{
	uint32_t i = (uint32_t)((iova - s->base) >> PAGE_SHIFT);
	unsigned c = iova_class(npages);

	s->link[i] = s->head[c];
	s->head[c] = i;
}

/* Frees what iova_alloc returned; IOVA_EINVAL (and nothing changes) for
 * anything else. */
static inline int iova_free(struct iova_space *s, uint64_t iova, uint32_t npages)
{
	if (!iova_owned(s, iova, npages))
		return IOVA_EINVAL;
	iova_put(s, iova, npages);
	return 0;
}

#endif

/* IOVA allocator (see iova.h). Every block is naturally aligned in the
 * address space, its first page number a multiple of its size, so that the
 * page-selective invalidation of one block needs no wider mask than the
 * block itself (VT-d spec 6.5.2.3: 2^AM pages, naturally aligned).
 * Free blocks are not merged on free: a steady stream reuses the same sizes,
 * and merging at every free would undo the split at the next allocation. */
#include "lib/dma/iova.h"
#include "lib/string.h"
#include "lib/page.h"


size_t iova_storage_bytes(uint64_t pages)
{
	if (pages > IOVA_MAX_PAGES)
		return 0;
	return (size_t)((pages * (sizeof(uint32_t) + sizeof(uint8_t)) + 7) & ~7ull);
}

int iova_init(struct iova_space *s, uint64_t base, uint64_t limit, void *storage,
	      size_t storage_bytes)
{
	uint64_t pages = (limit - base) >> PAGE_SHIFT;

	if (((base | limit) & PAGE_MASK) || limit <= base || pages > IOVA_MAX_PAGES ||
	    !storage || ((uintptr_t)storage & 3) || storage_bytes < iova_storage_bytes(pages))
		return IOVA_EINVAL;
	s->base = base;
	s->pages = (uint32_t)pages;
	s->bump = 0;
	for (unsigned c = 0; c < IOVA_CLASSES; c++)
		s->head[c] = IOVA_NONE;
	s->link = storage;
	s->meta = (uint8_t *)storage + pages * sizeof(uint32_t);
	/* No IOVA_USED anywhere: nothing is allocated. */
	memset(storage, 0, (size_t)pages * (sizeof(uint32_t) + sizeof(uint8_t)));
	return 0;
}

/* A new free block of class c at page i. */
static void push(struct iova_space *s, uint32_t i, unsigned c)
{
	s->meta[i] = (uint8_t)c;
	s->link[i] = s->head[c];
	s->head[c] = i;
}

static int claim(struct iova_space *s, uint32_t i, uint32_t npages, uint64_t *iova)
{
	s->meta[i] = (uint8_t)iova_class(npages);
	s->link[i] = IOVA_USED | npages;
	*iova = s->base + ((uint64_t)i << PAGE_SHIFT);
	return 0;
}

/* Page number in the address space, for alignment. */
static uint64_t pfn(const struct iova_space *s, uint32_t i)
{
	return (s->base >> PAGE_SHIFT) + i;
}

/* Covers [start, end) with free blocks, each the largest that is aligned
 * where it starts and fits in what is left. */
static void carve(struct iova_space *s, uint32_t start, uint32_t end)
{
	while (start < end) {
		uint64_t p = pfn(s, start);
		unsigned fit = 31 - (unsigned)__builtin_clz(end - start);
		unsigned align = p ? (unsigned)__builtin_ctzll(p) : 63;
		unsigned c = align < fit ? align : fit;

		if (c >= IOVA_CLASSES)
			c = IOVA_CLASSES - 1;
		push(s, start, c);
		start += 1u << c;
	}
}

/* A never-used block of class c above the bump pointer; the unaligned gap
 * below it becomes smaller free blocks. */
static bool from_bump(struct iova_space *s, unsigned c, uint32_t *i)
{
	uint64_t size = 1ull << c, p = pfn(s, s->bump);
	uint64_t at = s->bump + (((p + size - 1) & ~(size - 1)) - p);

	if (at + size > s->pages)
		return false;
	carve(s, s->bump, (uint32_t)at);
	s->bump = (uint32_t)(at + size);
	*i = (uint32_t)at;
	return true;
}

/* A free block of class c made by halving the smallest larger one; the
 * upper halves go to their free lists. */
static bool from_split(struct iova_space *s, unsigned c, uint32_t *i)
{
	for (unsigned k = c + 1; k < IOVA_CLASSES; k++) {
		uint32_t b = s->head[k];

		if (b == IOVA_NONE)
			continue;
		s->head[k] = s->link[b];
		while (k-- > c)
			push(s, b + (1u << k), k);
		*i = b;
		return true;
	}
	return false;
}

/* Rebuilds the free lists from runs of adjacent free blocks, each run
 * carved anew into the largest aligned blocks; a run that ends at the bump
 * pointer goes back to it. O(blocks): only when an allocation would fail. */
static void merge(struct iova_space *s)
{
	uint32_t i = 0, new_bump = 0;

	for (unsigned c = 0; c < IOVA_CLASSES; c++)
		s->head[c] = IOVA_NONE;
	while (i < s->bump) {
		uint32_t start = i;

		if (s->link[i] & IOVA_USED) {
			i += 1u << s->meta[i];
			new_bump = i;
			continue;
		}
		/* Every page here starts a free block. The old starts keep a
		 * stale link, harmless without IOVA_USED. */
		while (i < s->bump && !(s->link[i] & IOVA_USED)) {
			uint32_t size = 1u << s->meta[i];

			s->meta[i] = 0;
			i += size;
		}
		if (i < s->bump)
			carve(s, start, i);
	}
	s->bump = new_bump;
}

int iova_alloc_slow(struct iova_space *s, uint32_t npages, uint64_t *iova)
{
	unsigned c = iova_class(npages);
	uint32_t i;

	if (npages == 0)
		return IOVA_EINVAL;
	if (npages > 1u << (IOVA_CLASSES - 1) || (1ull << c) > s->pages)
		return IOVA_ENOSPC;
	for (int pass = 0; pass < 2; pass++) {
		if (s->head[c] != IOVA_NONE) {
			i = s->head[c];
			s->head[c] = s->link[i];
			return claim(s, i, npages, iova);
		}
		if (from_bump(s, c, &i) || from_split(s, c, &i))
			return claim(s, i, npages, iova);
		if (pass == 0)
			merge(s);
	}
	return IOVA_ENOSPC;
}

uint64_t iova_pages_free(const struct iova_space *s)
{
	uint64_t n = s->pages - s->bump;

	for (uint32_t i = 0; i < s->bump;) {
		uint32_t size = 1u << s->meta[i];

		if (!(s->link[i] & IOVA_USED))
			n += size;
		i += size;
	}
	return n;
}

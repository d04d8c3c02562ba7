/* Bitmap physical page allocator. Every scan works a 64-bit word at a time;
 * low_word lets the common single-page allocation skip the full words at
 * the bottom instead of rescanning them for every DMA buffer. */
#include <stdbool.h>

#include "lib/mm/pmm.h"
#include "lib/string.h"

#define WORD_BITS 64

/* Written out because __builtin_popcountll may call libgcc, which the
 * kernel does not link (no -mpopcnt). */
static unsigned popcount64(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ull);
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (unsigned)((x * 0x0101010101010101ull) >> 56);
}

static uint64_t nwords(uint64_t npages)
{
	return npages / WORD_BITS + (npages % WORD_BITS != 0);
}

/* Bits of word w that belong to pages [s, e); the caller keeps s < e. */
static uint64_t range_mask(uint64_t s, uint64_t e, uint64_t w)
{
	uint64_t lo = w * WORD_BITS;
	uint64_t a = s > lo ? s - lo : 0;
	uint64_t b = e - lo < WORD_BITS ? e - lo : WORD_BITS;
	uint64_t upto_b = b == WORD_BITS ? ~0ull : (1ull << b) - 1;

	return upto_b & (~0ull << a);
}

/* First page in [s, e) whose bit equals want_used, or e if none. */
static uint64_t find_bit(const struct pmm *p, uint64_t s, uint64_t e, bool want_used)
{
	if (s >= e)
		return e;
	for (uint64_t w = s / WORD_BITS; w <= (e - 1) / WORD_BITS; w++) {
		uint64_t bits = want_used ? p->bitmap[w] : ~p->bitmap[w];

		bits &= range_mask(s, e, w);
		if (bits)
			return w * WORD_BITS + (uint64_t)__builtin_ctzll(bits);
	}
	return e;
}

/* Sets or clears pages [s, e) and returns how many bits changed. */
static uint64_t set_bits(struct pmm *p, uint64_t s, uint64_t e, bool used)
{
	uint64_t changed = 0;

	if (s >= e)
		return 0;
	for (uint64_t w = s / WORD_BITS; w <= (e - 1) / WORD_BITS; w++) {
		uint64_t m = range_mask(s, e, w);
		uint64_t old = p->bitmap[w];

		p->bitmap[w] = used ? old | m : old & ~m;
		changed += popcount64(old ^ p->bitmap[w]);
	}
	return changed;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* a + b, or UINT64_MAX instead of wrapping. */
static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

size_t pmm_bitmap_bytes(uint64_t npages)
{
	return (size_t)(nwords(npages) * sizeof(uint64_t));
}

void pmm_init(struct pmm *p, uint64_t *bitmap, uint64_t npages)
{
	p->bitmap = bitmap;
	p->npages = npages;
	p->nfree = 0;
	p->low_word = 0;
	/* The tail bits past npages stay set forever, so scans never need to
	 * special-case the last word. */
	memset(bitmap, 0xff, pmm_bitmap_bytes(npages));
}

void pmm_add_free(struct pmm *p, uint64_t addr, uint64_t npages)
{
	uint64_t first = (addr >> PAGE_SHIFT) + ((addr & (PAGE_SIZE - 1)) != 0);
	uint64_t end = add_sat(addr >> PAGE_SHIFT, npages);

	end = min_u64(end, p->npages);
	if (first == 0)
		first = 1;
	if (first >= end)
		return;
	p->nfree += set_bits(p, first, end, false);
	p->low_word = min_u64(p->low_word, first / WORD_BITS);
}

void pmm_reserve(struct pmm *p, uint64_t addr, uint64_t npages)
{
	uint64_t first = addr >> PAGE_SHIFT;
	uint64_t end;

	if (npages == 0)
		return;
	/* An unaligned start means the range reaches into one more page. */
	end = add_sat(first, npages);
	end = add_sat(end, (addr & (PAGE_SIZE - 1)) != 0);
	end = min_u64(end, p->npages);
	if (first >= end)
		return;
	p->nfree -= set_bits(p, first, end, true);
}

static uint64_t align_up(uint64_t x, uint64_t align)
{
	return (x + align - 1) & ~(align - 1);
}

/* Moves low_word up past words that have just become full. */
static void advance_low_word(struct pmm *p)
{
	uint64_t n = nwords(p->npages);

	while (p->low_word < n && p->bitmap[p->low_word] == ~0ull)
		p->low_word++;
}

uint64_t pmm_alloc(struct pmm *p, uint64_t npages, uint64_t align_pages,
		   uint64_t max_addr)
{
	uint64_t limit = p->npages, page;

	if (align_pages == 0)
		align_pages = 1;
	if (npages == 0 || (align_pages & (align_pages - 1)) != 0)
		return 0;
	if (max_addr != 0)
		limit = min_u64(limit, max_addr >> PAGE_SHIFT);
	/* Bounding npages and the alignment by limit (at most 2^52) keeps
	 * every sum below from overflowing. */
	if (npages > limit || align_pages > limit)
		return 0;

	page = p->low_word * WORD_BITS;
	if (page == 0)
		page = 1;
	page = align_up(page, align_pages);
	/* First fit: jump to the next free page, then past the first used
	 * page inside the candidate run, so each step moves forward. */
	while (page < limit && limit - page >= npages) {
		uint64_t used;

		page = find_bit(p, page, limit, false);
		page = align_up(page, align_pages);
		if (page >= limit || limit - page < npages)
			return 0;
		used = find_bit(p, page, page + npages, true);
		if (used == page + npages) {
			set_bits(p, page, page + npages, true);
			p->nfree -= npages;
			advance_low_word(p);
			return page << PAGE_SHIFT;
		}
		page = align_up(used + 1, align_pages);
	}
	return 0;
}

int pmm_free(struct pmm *p, uint64_t addr, uint64_t npages)
{
	uint64_t first = addr >> PAGE_SHIFT;

	if (addr & (PAGE_SIZE - 1))
		return PMM_ERR_ALIGN;
	if (npages == 0)
		return 0;
	if (first == 0 || npages > p->npages || first > p->npages - npages)
		return PMM_ERR_RANGE;
	if (find_bit(p, first, first + npages, false) != first + npages)
		return PMM_ERR_FREE;
	set_bits(p, first, first + npages, false);
	p->nfree += npages;
	p->low_word = min_u64(p->low_word, first / WORD_BITS);
	return 0;
}

uint64_t pmm_free_pages(const struct pmm *p)
{
	return p->nfree;
}

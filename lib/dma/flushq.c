/* The FIFO of IOVA blocks (see flushq.h): a ring, so that entries can be
 * taken off the front one by one while new ones go on the back. */
#include "lib/dma/flushq.h"
#include "lib/page.h"

size_t flushq_storage_bytes(uint32_t cap)
{
	return (size_t)cap * sizeof(struct flushq_entry);
}

int flushq_init(struct flushq *q, uint32_t cap, void *storage, size_t storage_bytes)
{
	if (cap == 0 || !storage || ((uintptr_t)storage & 7) ||
	    storage_bytes < flushq_storage_bytes(cap))
		return -1;
	*q = (struct flushq){ .e = storage, .cap = cap };
	return 0;
}

/* Pages in the smallest naturally aligned power-of-two block that holds
 * pages [lo, hi): the reach of one VT-d page-selective invalidation (VT-d
 * spec 6.5.2.3, address mask). */
static uint64_t cover(uint64_t lo, uint64_t hi)
{
	uint64_t diff = lo ^ (hi - 1);

	return diff ? 2ull << (63 - __builtin_clzll(diff)) : 1;
}

int flushq_ranges(const struct flushq *q, int (*fn)(void *ctx, uint64_t iova, uint64_t npages),
		  void *ctx)
{
	uint64_t lo = 0, hi = 0; /* page numbers of the range being built */
	struct flushq_entry *e;
	uint32_t n;
	int rc;

	for (uint32_t k = 0; (n = flushq_run(q, k, &e)) != 0; k += n) {
		for (uint32_t i = 0; i < n; i++) {
			uint64_t a = e[i].iova >> PAGE_SHIFT, b = a + e[i].npages;
			uint64_t nlo = a == hi ? lo : a, nhi = b == lo ? hi : b;

			/* Merge when the entry touches either end, unless that
			 * would make the hardware invalidate more than twice
			 * what was asked. */
			if (hi != lo && (a == hi || b == lo) && cover(nlo, nhi) <= 2 * (nhi - nlo)) {
				lo = nlo;
				hi = nhi;
				continue;
			}
			if (hi != lo && (rc = fn(ctx, lo << PAGE_SHIFT, hi - lo)) != 0)
				return rc;
			lo = a;
			hi = b;
		}
	}
	return hi != lo ? fn(ctx, lo << PAGE_SHIFT, hi - lo) : 0;
}

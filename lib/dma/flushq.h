/* The deferred-invalidation queue of the batched policy: IOVAs whose PTEs
 * are cleared but whose translations may still sit in the IOTLB. They wait
 * here for the one invalidation that will cover them all. lib/dma/dma.c queues
 * them and decides when; this file keeps them in unmap order, turns them
 * into invalidation requests and, once those completed, retires them.
 * dma_poll, dma_flush and dma_deadline (lib/dma/dma.h) are here too. Storage
 * comes from the caller. */
#ifndef LIB_DMA_FLUSHQ_H
#define LIB_DMA_FLUSHQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dma_domain;

struct flushq_entry {
	uint64_t iova;    /* first page of the block */
	uint64_t npages;
	uint64_t cookie;  /* for ops.release */
	uint64_t time;    /* ops.now just after the PTEs were cleared (timing only) */
	uint64_t seq;     /* the domain's unmap count just after this unmap */
};

struct flushq {
	struct flushq_entry *e;
	uint32_t cap, count;
	uint64_t oldest;  /* ops.now when the queue last became non-empty */
};

size_t flushq_storage_bytes(uint32_t cap);
/* cap >= 1; storage 8-byte aligned, flushq_storage_bytes(cap) long. */
int flushq_init(struct flushq *q, uint32_t cap, void *storage, size_t storage_bytes);

/* Calls fn(ctx, iova, npages) once per invalidation range, in queue order:
 * entries whose pages touch are merged while the naturally aligned block
 * covering the merged range (what a VT-d address mask can express) stays
 * within twice its size. Stops at the first non-zero return and passes it
 * up. */
int flushq_ranges(const struct flushq *q, int (*fn)(void *ctx, uint64_t iova, uint64_t npages),
		  void *ctx);

/* One invalidation for everything queued in d (DMA_GRAN_PAGES: one request
 * per range, one wait), then the window statistics, the IOVAs back to the
 * allocator and the buffers back through ops.release; counts *reason. On
 * failure (DMA_EIO) everything stays queued for the next attempt. */
int flushq_flush(struct dma_domain *d, uint64_t *reason);

/* Whether the oldest entry is at least max_age old at `now` (wrap-safe). */
static inline bool flushq_due(const struct flushq *q, uint64_t now, uint64_t max_age)
{
	return q->count != 0 && now - q->oldest >= max_age;
}

/* The slot for a new entry at the tail, NULL when full; the caller fills
 * it, and sets q->oldest first when the queue was empty. */
static inline struct flushq_entry *flushq_push(struct flushq *q)
{
	if (q->count == q->cap)
		return NULL;
	return &q->e[q->count++];
}

#endif

/* Deferred-invalidation queue (see flushq.h). A flush always takes the
 * whole queue, so a plain array filled from index 0 is enough: no ring.
 * Rule, as in lib/dma/dma.c: an entry's IOVA is freed and its buffer released
 * only after inval_wait returned 0 for an invalidation covering it. */
#include "lib/dma/dma.h"
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
	q->e = storage;
	q->cap = cap;
	q->count = 0;
	q->oldest = 0;
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
	int rc;

	for (uint32_t k = 0; k < q->count; k++) {
		uint64_t a = q->e[k].iova >> PAGE_SHIFT, b = a + q->e[k].npages;
		uint64_t nlo = a == hi ? lo : a, nhi = b == lo ? hi : b;

		/* Merge when the entry touches either end, unless that would
		 * make the hardware invalidate more than twice what was asked. */
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
	return hi != lo ? fn(ctx, lo << PAGE_SHIFT, hi - lo) : 0;
}

static int submit_range(void *ctx, uint64_t iova, uint64_t npages)
{
	struct dma_domain *d = ctx;

	d->stats.inval_submits++;
	return d->ops.inval_submit(d->ops.ctx, DMA_GRAN_PAGES, iova, npages) ? DMA_EIO : 0;
}

/* After the invalidation completed at `done`: window statistics, then the
 * IOVAs go back, then the buffers. */
static void retire(struct dma_domain *d, uint64_t done, bool timing)
{
	struct dma_stats *st = &d->stats;
	struct flushq *q = &d->q;
	uint64_t t = done;

	for (uint32_t k = 0; k < q->count; k++) {
		const struct flushq_entry *e = &q->e[k];
		uint64_t between = st->unmaps - e->seq;

		st->window_count++;
		st->window_unmaps_sum += between;
		if (between > st->window_unmaps_max)
			st->window_unmaps_max = between;
		if (timing) {
			st->window_sum += done - e->time;
			if (done - e->time > st->window_max)
				st->window_max = done - e->time;
		}
		/* Checked by iova_owned at its unmap, and queued once. */
		iova_put(&d->iova, e->iova, (uint32_t)e->npages);
	}
	dma_lap(d, timing, &t, DMA_PHASE_IOVA);
	for (uint32_t k = 0; k < q->count; k++)
		dma_release(d, q->e[k].cookie);
	q->count = 0;
}

int flushq_flush(struct dma_domain *d, uint64_t *reason)
{
	bool timing = d->cfg.timing;
	uint64_t t = 0;
	int rc;

	if (d->q.count == 0)
		return 0;
	if (timing)
		t = dma_now(d);
	if (d->cfg.batch_gran == DMA_GRAN_PAGES) {
		rc = flushq_ranges(&d->q, submit_range, d);
	} else {
		d->stats.inval_submits++;
		rc = d->ops.inval_submit(d->ops.ctx, d->cfg.batch_gran, 0, 0);
	}
	dma_lap(d, timing, &t, DMA_PHASE_SUBMIT);
	if (rc)
		return DMA_EIO;
	d->stats.inval_waits++;
	rc = d->ops.inval_wait(d->ops.ctx);
	dma_lap(d, timing, &t, DMA_PHASE_WAIT);
	if (rc)
		return DMA_EIO;
	retire(d, t, timing);
	(*reason)++;
	return 0;
}

/* The batched policy's entry points in lib/dma/dma.h. */

int dma_poll(struct dma_domain *d)
{
	if (d->cfg.policy != DMA_POLICY_BATCHED || d->cfg.flush_deadline == 0 || d->q.count == 0)
		return 0;
	if (!flushq_due(&d->q, dma_now(d), d->cfg.flush_deadline))
		return 0;
	return flushq_flush(d, &d->stats.flushes_deadline);
}

int dma_flush(struct dma_domain *d)
{
	if (d->cfg.policy != DMA_POLICY_BATCHED)
		return 0;
	return flushq_flush(d, &d->stats.flushes_forced);
}

uint64_t dma_deadline(const struct dma_domain *d)
{
	if (d->cfg.policy != DMA_POLICY_BATCHED || d->cfg.flush_deadline == 0 || d->q.count == 0)
		return 0;
	return d->q.oldest + d->cfg.flush_deadline;
}

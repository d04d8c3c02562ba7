/* Policy batched across CPUs: the lanes of a group (dma_group_init) share
 * ONE list of unmapped blocks under one ticket lock, as the 2008 design
 * did. An unmap clears its PTEs and queues the block; the CPU whose unmap
 * fills the list to hwm (or CPU 0's dma_poll past the deadline, or any
 * dma_flush) invalidates once, through its own ops, with the lock held, so
 * that no one queues behind a flush in progress. Then it hands each block
 * to the inbox of the lane that owns it (the lane whose slice holds the
 * IOVA), under that lane's lock; the owner frees the IOVAs and releases the
 * buffers at its next call. So a lane's allocator and its buffers are only
 * ever touched on its own CPU, and only after the invalidation completed.
 *
 * A lane's inbox has room for hwm blocks, and a lane never has more than
 * hwm blocks on the list and in its inbox together (`outstanding`): with
 * its inbox taken, its blocks are all on the list, so at hwm the list is
 * full and is flushed before another block is queued.
 *
 * Lock order: the list, then an inbox; an inbox's owner takes its inbox
 * alone. */
#include "lib/dma/dma_core.h"
#include "lib/dma/flushq.h"

static DMA_ALWAYS_INLINE bool inbox_pending(const struct dma_domain *d)
{
	return __atomic_load_n(&d->inbox_n, __ATOMIC_RELAXED) != 0;
}

/* ---- the owner's side ------------------------------------------------------ */

/* Takes the inbox: window statistics (the flusher stored each block's
 * window in its entry), IOVAs back to the allocator, buffers released.
 * Returns how many blocks came back, or DMA_EIO (the lock was not
 * obtained; nothing changed). */
static DMA_COLD int take_inbox(struct dma_domain *d)
{
	bool timing = d->cfg.timing;
	struct dma_stats *st = &d->stats;
	struct flushq_entry *e;
	uint64_t t = timing ? dma_now(d) : 0;
	uint32_t n, got;

	if (!dma_lock(d, &d->inbox_lock, timing, &t))
		return DMA_EIO;
	got = flushq_count(&d->q);
	for (uint32_t k = 0; (n = flushq_run(&d->q, k, &e)) != 0; k += n) {
		for (uint32_t i = 0; i < n; i++) {
			st->window_count++;
			st->window_unmaps_sum += e[i].seq;
			if (e[i].seq > st->window_unmaps_max)
				st->window_unmaps_max = e[i].seq;
			st->window_sum += e[i].time;
			if (e[i].time > st->window_max)
				st->window_max = e[i].time;
			iova_put(&d->iova, e[i].iova, (uint32_t)e[i].npages);
		}
	}
	dma_lap(d, timing, &t, DMA_PHASE_IOVA);
	/* Released under the inbox lock: the entries' storage is the inbox
	 * itself, and a flusher waits here only if it has blocks for us. */
	for (uint32_t k = 0; (n = flushq_run(&d->q, k, &e)) != 0; k += n)
		for (uint32_t i = 0; i < n; i++)
			dma_release(d, e[i].cookie);
	flushq_clear(&d->q);
	__atomic_store_n(&d->inbox_n, 0, __ATOMIC_RELAXED);
	ticket_lock_release(&d->inbox_lock);
	d->outstanding -= got;
	return (int)got;
}

/* At every entry point: one relaxed load when nothing came back. */
static DMA_ALWAYS_INLINE int take_inbox_if_any(struct dma_domain *d)
{
	int rc = inbox_pending(d) ? take_inbox(d) : 0;

	return rc < 0 ? rc : 0;
}

/* ---- the flush, by whichever lane: the list lock is held ------------------ */

static unsigned owner_of(const struct dma_group *g, uint64_t iova)
{
	return (unsigned)((iova - g->base) / g->lane_bytes);
}

/* Moves the list's blocks into their owners' inboxes, one lock per owner,
 * each entry carrying its window: the time from its unmap to `done` (with
 * timing) and the unmaps queued after it. An inbox whose lock cannot be
 * had (its CPU stopped holding it) keeps nothing: those blocks are leaked,
 * never freed early. */
static void hand_out(struct dma_domain *d, uint64_t done, bool timing, uint64_t *t)
{
	struct dma_group *g = d->group;
	uint32_t per_lane[CPUS_MAX] = { 0 };
	struct flushq_entry *e;
	uint32_t n;

	for (uint32_t k = 0; (n = flushq_run(&g->q, k, &e)) != 0; k += n)
		for (uint32_t i = 0; i < n; i++)
			per_lane[owner_of(g, e[i].iova)]++;
	for (unsigned j = 0; j < g->n; j++) {
		struct dma_domain *o = &g->lanes[j];

		if (per_lane[j] == 0)
			continue;
		if (!dma_lock(d, &o->inbox_lock, timing, t)) {
			d->stats.leaked += per_lane[j];
			continue;
		}
		for (uint32_t k = 0; (n = flushq_run(&g->q, k, &e)) != 0; k += n) {
			for (uint32_t i = 0; i < n; i++) {
				struct flushq_entry *x;

				if (owner_of(g, e[i].iova) != j)
					continue;
				if ((x = flushq_push(&o->q)) == NULL) {
					d->stats.leaked++; /* cannot happen: see above */
					continue;
				}
				*x = e[i];
				x->time = timing ? done - e[i].time : 0;
				x->seq = g->unmaps - e[i].seq;
			}
		}
		__atomic_store_n(&o->inbox_n, flushq_count(&o->q), __ATOMIC_RELAXED);
		ticket_lock_release(&o->inbox_lock);
	}
	flushq_clear(&g->q);
	__atomic_store_n(&g->deadline_at, 0, __ATOMIC_RELAXED);
}

/* One invalidation for the whole list through this lane's ops, then the
 * hand-out; counts *reason. On failure everything stays listed. *t is the
 * running phase's start (timing only). */
static int flush_list(struct dma_domain *d, uint64_t *reason, bool timing, uint64_t *t)
{
	struct dma_group *g = d->group;

	if (flushq_count(&g->q) == 0)
		return 0;
	if (dma_batched_invalidate(d, &g->q, timing, t))
		return DMA_EIO;
	hand_out(d, *t, timing, t);
	dma_lap(d, timing, t, DMA_PHASE_IOVA);
	(*reason)++;
	return 0;
}

/* Takes the list lock and flushes it (dma_poll, dma_flush, reclaim), then
 * this lane's own inbox. */
static int flush_locked(struct dma_domain *d, uint64_t *reason, bool only_if_due)
{
	struct dma_group *g = d->group;
	bool timing = d->cfg.timing;
	uint64_t t = timing ? dma_now(d) : 0;
	int rc = 0;

	if (!dma_lock(d, &g->lock, timing, &t))
		return DMA_EIO;
	if (!only_if_due || (flushq_count(&g->q) && dma_now(d) - g->q_since >= d->cfg.flush_deadline))
		rc = flush_list(d, reason, timing, &t);
	ticket_lock_release(&g->lock);
	return rc ? rc : take_inbox_if_any(d);
}

/* ---- unmap ------------------------------------------------------------------ */

static DMA_ALWAYS_INLINE int unmap_pages(struct dma_domain *d, uint64_t iova, size_t len,
					 enum dma_dir dir, uint64_t cookie, bool timing)
{
	struct dma_group *g = d->group;
	struct flushq_entry *e;
	uint64_t page, t = 0;
	uint32_t npages;
	bool no_room = false, flushed = false;
	int rc;

	if ((rc = dma_unmap_block(d, iova, len, dir, &page, &npages)) != 0)
		return rc;
	/* An owned block is mapped whole or not at all: an unmap that is
	 * going to fail must not flush or queue as a side effect. */
	if (!iopt_translate(d->pt, page, NULL, NULL, NULL))
		return DMA_EINVAL;
	if ((rc = take_inbox_if_any(d)) != 0)
		return rc;
	if (timing)
		t = dma_now(d);
	if (!dma_lock(d, &g->lock, timing, &t))
		return DMA_EIO;
	if (flushq_full(&g->q)) {
		/* Only after a failed flush: retry it first. */
		no_room = flush_list(d, &d->stats.flushes_hwm, timing, &t) != 0;
		if (!no_room && inbox_pending(d))
			no_room = take_inbox(d) < 0;
	}
	/* The list (or, failing that, this lane's inbox) has no room for
	 * this lane's next block: invalidate it alone, as strict does. */
	no_room = no_room || d->outstanding >= d->cfg.hwm;
	iopt_unmap(d->pt, page, (uint64_t)npages << PAGE_SHIFT);
	dma_lap(d, timing, &t, DMA_PHASE_PTE);
	d->stats.unmaps++;
	if (no_room) {
		ticket_lock_release(&g->lock);
		return dma_inval_and_free(d, page, npages, cookie, t, timing);
	}
	if (flushq_count(&g->q) == 0) {
		g->q_since = timing ? t : d->cfg.flush_deadline ? dma_now(d) : 0;
		if (d->cfg.flush_deadline) {
			uint64_t at = g->q_since + d->cfg.flush_deadline;

			/* 0 means "empty": a deadline that wraps to it
			 * comes a tick late. */
			__atomic_store_n(&g->deadline_at, at ? at : 1, __ATOMIC_RELAXED);
		}
	}
	e = flushq_push(&g->q);
	*e = (struct flushq_entry){ .iova = page, .npages = npages, .cookie = cookie, .time = t,
				    .seq = ++g->unmaps };
	d->outstanding++;
	if (flushq_count(&g->q) > d->stats.queued_max)
		d->stats.queued_max = flushq_count(&g->q);
	if (flushq_count(&g->q) >= d->cfg.hwm) {
		rc = flush_list(d, &d->stats.flushes_hwm, timing, &t);
		flushed = rc == 0;
	}
	ticket_lock_release(&g->lock);
	if (flushed)
		return take_inbox_if_any(d);
	return rc;
}

static DMA_COLD int unmap_timed(struct dma_domain *d, uint64_t iova, size_t len, enum dma_dir dir,
				uint64_t cookie)
{
	return unmap_pages(d, iova, len, dir, cookie, true);
}

static int lanes_unmap(struct dma_domain *d, uint64_t iova, size_t len, enum dma_dir dir,
		       uint64_t cookie)
{
	if (d->cfg.timing)
		return unmap_timed(d, iova, len, dir, cookie);
	return unmap_pages(d, iova, len, dir, cookie, false);
}

/* ---- the other entry points ------------------------------------------------ */

static int lanes_map(struct dma_domain *d, uint64_t phys, size_t len, enum dma_dir dir,
		     uint64_t *iova)
{
	int rc = take_inbox_if_any(d);

	return rc ? rc : dma_map_remapped(d, phys, len, dir, iova);
}

/* The slice is exhausted: what this lane has on the list comes back after
 * a flush. */
static int lanes_reclaim(struct dma_domain *d)
{
	uint32_t before;
	int rc = inbox_pending(d) ? take_inbox(d) : 0;

	if (rc > 0)
		return 0;
	if (rc < 0)
		return rc;
	if (d->outstanding == 0)
		return DMA_ENOSPC;
	before = d->outstanding;
	if ((rc = flush_locked(d, &d->stats.flushes_nospace, false)) != 0)
		return rc;
	return d->outstanding < before ? 0 : DMA_ENOSPC;
}

/* Every lane takes its inbox; lane 0 also serves the list's deadline. */
static int lanes_poll(struct dma_domain *d)
{
	uint64_t at;
	int rc = take_inbox_if_any(d);

	if (rc || d->lane != 0 || d->cfg.flush_deadline == 0)
		return rc;
	at = __atomic_load_n(&d->group->deadline_at, __ATOMIC_RELAXED);
	if (at == 0 || (int64_t)(dma_now(d) - at) < 0)
		return 0;
	return flush_locked(d, &d->stats.flushes_deadline, true);
}

static int lanes_flush(struct dma_domain *d)
{
	return flush_locked(d, &d->stats.flushes_forced, false);
}

static uint64_t lanes_deadline(const struct dma_domain *d)
{
	if (d->lane != 0 || d->cfg.flush_deadline == 0)
		return 0;
	return __atomic_load_n(&d->group->deadline_at, __ATOMIC_RELAXED);
}

const struct dma_policy_ops dma_batched_lanes_policy = {
	.remaps = true,
	.map = lanes_map,
	.unmap = lanes_unmap,
	.reclaim = lanes_reclaim,
	.poll = lanes_poll,
	.flush = lanes_flush,
	.deadline = lanes_deadline,
};

/* Policy batched: an unmap clears the PTEs and queues the block
 * (lib/dma/flushq.h); one invalidation covers the whole queue when it
 * holds `hwm` entries, when its oldest entry is `flush_deadline` old
 * (dma_poll), when the range runs out, or at dma_flush. Only once that
 * invalidation completed do the IOVAs go back to the allocator and the
 * buffers to their owner; in between, the device may still reach them
 * (the protection window, which this file measures). */
#include "lib/dma/dma_core.h"
#include "lib/dma/flushq.h"

static size_t batched_storage_bytes(const struct dma_config *cfg)
{
	return flushq_storage_bytes(dma_hwm(cfg));
}

int dma_batched_init_queue(struct dma_domain *d, void *storage, size_t storage_bytes)
{
	const struct dma_config *cfg = &d->cfg;

	if (cfg->flush_deadline && !d->ops.now)
		return DMA_EINVAL;
	if (cfg->batch_gran != DMA_GRAN_PAGES && cfg->batch_gran != DMA_GRAN_DOMAIN &&
	    cfg->batch_gran != DMA_GRAN_GLOBAL)
		return DMA_EINVAL;
	return flushq_init(&d->q, cfg->hwm, storage, storage_bytes) ? DMA_EINVAL : 0;
}

/* ---- the flush ------------------------------------------------------------ */

int dma_batched_submit_range(void *ctx, uint64_t iova, uint64_t npages)
{
	struct dma_domain *d = ctx;

	d->stats.inval_submits++;
	return d->ops.inval_submit(d->ops.ctx, DMA_GRAN_PAGES, iova, npages) ? DMA_EIO : 0;
}

/* The `count` oldest entries, once an invalidation covering them completed
 * at `done`: window statistics, then the IOVAs go back, then the buffers
 * (so that the allocator's phase does not include the owner's time). The
 * queue is walked run by run: per entry this is the per-packet path. */
static void retire(struct dma_domain *d, uint32_t count, uint64_t done, bool timing)
{
	struct dma_stats *st = &d->stats;
	struct flushq *q = &d->q;
	struct flushq_entry *e;
	uint64_t t = done;
	uint32_t n;

	for (uint32_t k = 0; k < count && (n = flushq_run(q, k, &e)) != 0; k += n) {
		if (n > count - k)
			n = count - k;
		for (uint32_t i = 0; i < n; i++) {
			uint64_t between = st->unmaps - e[i].seq;

			st->window_count++;
			st->window_unmaps_sum += between;
			if (between > st->window_unmaps_max)
				st->window_unmaps_max = between;
			if (timing) {
				st->window_sum += done - e[i].time;
				if (done - e[i].time > st->window_max)
					st->window_max = done - e[i].time;
			}
			/* Checked by iova_owned at its unmap, and queued once. */
			iova_put(&d->iova, e[i].iova, (uint32_t)e[i].npages);
		}
	}
	dma_lap(d, timing, &t, DMA_PHASE_IOVA);
	for (uint32_t k = 0; k < count && (n = flushq_run(q, k, &e)) != 0; k += n) {
		if (n > count - k)
			n = count - k;
		for (uint32_t i = 0; i < n; i++)
			dma_release(d, e[i].cookie);
	}
	flushq_drop(q, count);
}

/* ---- fq's flush counters (struct dma_fq_counters) ------------------------ */

/* The tag of an entry whose PTEs were just cleared. Another lane's flush
 * may only count for it if that flush's invalidation reaches the unit
 * after the cleared PTEs are visible: a full barrier orders the PTE stores
 * before the load (x86 may otherwise satisfy the load first), as Linux's
 * smp_mb() in queue_iova does. The barrier is a locked add of 0 to fq_own,
 * which a lane of a group does not use otherwise (Linux's smp_mb() is a
 * locked add to the stack on x86; ThreadSanitizer takes no bare fence). A
 * lone domain's flushes are its own, in program order. */
static DMA_ALWAYS_INLINE uint64_t fq_tag(struct dma_domain *d)
{
	if (d->fq_counters != &d->fq_own)
		__atomic_fetch_add(&d->fq_own.started, 0, __ATOMIC_SEQ_CST);
	return __atomic_load_n(&d->fq_counters->started, __ATOMIC_RELAXED);
}

/* Retires the oldest entries that a completed flush, of any lane, covers
 * (tag < finished; tags only grow along the ring). Their window closes
 * now, at the latest: the flush completed before this look. */
static void fq_retire_covered_from(struct dma_domain *d, uint64_t finished, bool timing)
{
	uint32_t n = 1, count = flushq_count(&d->q);

	while (n < count && flushq_at(&d->q, n)->epoch < finished)
		n++;
	d->stats.retired_by_others += n;
	retire(d, n, timing ? dma_now(d) : 0, timing);
}

/* The per-unmap look: one acquire load (pairing with the release of
 * `finished` in flush_queue) and a compare when nothing is covered. */
static DMA_ALWAYS_INLINE void fq_retire_covered(struct dma_domain *d, bool timing)
{
	uint64_t finished = __atomic_load_n(&d->fq_counters->finished, __ATOMIC_ACQUIRE);

	if (flushq_count(&d->q) && flushq_peek(&d->q)->epoch < finished)
		fq_retire_covered_from(d, finished, timing);
}

/* One invalidation for everything queued, then retire; counts *reason. On
 * failure (DMA_EIO) everything stays queued for the next attempt. */
static int flush_queue(struct dma_domain *d, uint64_t *reason)
{
	struct dma_fq_counters *c = d->fq_counters;
	bool timing = d->cfg.timing;
	uint64_t t = 0;

	if (flushq_count(&d->q) == 0)
		return 0;
	if (timing)
		t = dma_now(d);
	/* fq: counted as started before the submission (a lane's entry
	 * tagged after this cannot count on it) and as finished only when
	 * it completed; a failed one never finishes, which only makes the
	 * other lanes wait for a later flush. */
	if (c)
		__atomic_fetch_add(&c->started, 1, __ATOMIC_SEQ_CST);
	if (dma_batched_invalidate(d, &d->q, timing, &t))
		return DMA_EIO;
	if (c)
		__atomic_fetch_add(&c->finished, 1, __ATOMIC_RELEASE);
	retire(d, flushq_count(&d->q), t, timing);
	(*reason)++;
	return 0;
}

/* ---- unmap ------------------------------------------------------------------ */

/* Queues a block whose PTEs were cleared at time t (timing only); room was
 * made before the PTEs changed. fq (a constant in each caller) tags the
 * entry and first retires what other lanes' flushes covered, as Linux's
 * queue_iova does, so that its ring fills only with what no flush has
 * reached yet. */
static DMA_ALWAYS_INLINE int defer(struct dma_domain *d, uint64_t page, uint32_t npages,
				   uint64_t cookie, uint64_t t, bool timing, bool fq)
{
	struct flushq_entry *e;

	/* The deadline needs the age of the oldest entry only, so without
	 * timing the clock is read once per batch. */
	if (flushq_count(&d->q) == 0)
		d->q_since = timing ? t : d->cfg.flush_deadline ? dma_now(d) : 0;
	e = flushq_push(&d->q);
	e->iova = page;
	e->npages = npages;
	e->cookie = cookie;
	e->time = t;
	e->seq = d->stats.unmaps;
	if (fq) {
		/* The new entry's tag is at least every finished count, so it
		 * is never among what this retires. */
		e->epoch = fq_tag(d);
		fq_retire_covered(d, timing);
	}
	if (flushq_count(&d->q) > d->stats.queued_max)
		d->stats.queued_max = flushq_count(&d->q);
	if (flushq_count(&d->q) >= d->cfg.hwm)
		return flush_queue(d, &d->stats.flushes_hwm);
	return 0;
}

/* The queue is full, which happens only after a failed flush: the unmap
 * retries that flush before touching anything. */
static DMA_COLD int make_room(struct dma_domain *d)
{
	return flush_queue(d, &d->stats.flushes_hwm);
}

static DMA_ALWAYS_INLINE int unmap_pages(struct dma_domain *d, uint64_t iova, size_t len,
					 enum dma_dir dir, uint64_t cookie, bool timing, bool fq)
{
	uint64_t page, t;
	uint32_t npages;
	bool no_room = false;
	int rc;

	if ((rc = dma_unmap_block(d, iova, len, dir, &page, &npages)) != 0)
		return rc;
	if (flushq_full(&d->q)) {
		/* An owned block is mapped whole or not at all: an unmap that
		 * is going to fail must not flush as a side effect. */
		if (!iopt_translate(d->pt, page, NULL, NULL, NULL))
			return DMA_EINVAL;
		no_room = make_room(d) != 0;
	}
	if ((rc = dma_clear_ptes(d, page, npages, timing, &t)) != 0)
		return rc;
	/* The unmap still happens, so that DMA_EIO always means "done, but an
	 * invalidation failed": this block is invalidated on its own, as in
	 * strict. */
	if (no_room)
		return dma_inval_and_free(d, page, npages, cookie, t, timing);
	return defer(d, page, npages, cookie, t, timing, fq);
}

/* Every case that the per-packet path leaves alone. */
static DMA_COLD int unmap_general(struct dma_domain *d, uint64_t iova, size_t len,
				  enum dma_dir dir, uint64_t cookie, bool fq)
{
	if (d->cfg.timing)
		return fq ? unmap_pages(d, iova, len, dir, cookie, true, true)
			  : unmap_pages(d, iova, len, dir, cookie, true, false);
	return fq ? unmap_pages(d, iova, len, dir, cookie, false, true)
		  : unmap_pages(d, iova, len, dir, cookie, false, false);
}

/* The per-packet case: one page, its entry under the remembered table, a
 * queue neither empty (the first entry may read the clock) nor full. */
static DMA_ALWAYS_INLINE int unmap(struct dma_domain *d, uint64_t iova, size_t len,
				   enum dma_dir dir, uint64_t cookie, bool fq)
{
	uint64_t page = iova & ~PAGE_MASK;
	int rc;

	if (!dma_unmap_is_per_packet(d, iova, len, dir) || flushq_count(&d->q) == 0 ||
	    flushq_full(&d->q))
		return unmap_general(d, iova, len, dir, cookie, fq);
	rc = dma_clear_one_page(d, page);
	if (rc > 0)
		return unmap_general(d, iova, len, dir, cookie, fq);
	if (rc < 0)
		return rc;
	return defer(d, page, 1, cookie, 0, false, fq);
}

int dma_batched_unmap(struct dma_domain *d, uint64_t iova, size_t len, enum dma_dir dir,
		      uint64_t cookie)
{
	return unmap(d, iova, len, dir, cookie, false);
}

int dma_fq_unmap(struct dma_domain *d, uint64_t iova, size_t len, enum dma_dir dir,
		 uint64_t cookie)
{
	return unmap(d, iova, len, dir, cookie, true);
}

/* ---- the other entry points ------------------------------------------------ */

int dma_batched_reclaim(struct dma_domain *d)
{
	if (flushq_count(&d->q) == 0)
		return DMA_ENOSPC;
	return flush_queue(d, &d->stats.flushes_nospace);
}

/* fq: what others' flushes covered first; a flush only if that freed
 * nothing. */
int dma_fq_reclaim(struct dma_domain *d)
{
	uint32_t before = flushq_count(&d->q);

	fq_retire_covered(d, d->cfg.timing);
	if (flushq_count(&d->q) < before)
		return 0;
	return dma_batched_reclaim(d);
}

/* Whether the oldest entry is at least flush_deadline old at `now`: by
 * its age, so that a clock that wrapped in between does not matter. */
static bool due(const struct dma_domain *d, uint64_t now)
{
	return now - d->q_since >= d->cfg.flush_deadline;
}

int dma_batched_poll(struct dma_domain *d)
{
	if (d->cfg.flush_deadline == 0 || flushq_count(&d->q) == 0 || !due(d, dma_now(d)))
		return 0;
	return flush_queue(d, &d->stats.flushes_deadline);
}

int dma_batched_flush(struct dma_domain *d)
{
	return flush_queue(d, &d->stats.flushes_forced);
}

/* fq's timer and end of run: what others' flushes covered needs no flush
 * of its own (the deadline stays the one the ring's first entry set, as
 * Linux's timer is armed by the first entry after the ring was empty). */
int dma_fq_poll(struct dma_domain *d)
{
	fq_retire_covered(d, d->cfg.timing);
	return dma_batched_poll(d);
}

int dma_fq_flush(struct dma_domain *d)
{
	fq_retire_covered(d, d->cfg.timing);
	return dma_batched_flush(d);
}

uint64_t dma_batched_deadline(const struct dma_domain *d)
{
	if (d->cfg.flush_deadline == 0 || flushq_count(&d->q) == 0)
		return 0;
	return d->q_since + d->cfg.flush_deadline;
}

/* Queued entries count the unmaps after theirs from their seq: move it by
 * as much as the unmap count moved, wrapping like the count itself. */
void dma_batched_stats_reset(struct dma_domain *d, uint64_t unmaps)
{
	for (uint32_t k = 0; k < flushq_count(&d->q); k++)
		flushq_at(&d->q, k)->seq -= unmaps;
}

const struct dma_policy_ops dma_batched_policy = {
	.remaps = true,
	.storage_bytes = batched_storage_bytes,
	.init = dma_batched_init_queue,
	.map = dma_map_remapped,
	.unmap = dma_batched_unmap,
	.reclaim = dma_batched_reclaim,
	.poll = dma_batched_poll,
	.flush = dma_batched_flush,
	.deadline = dma_batched_deadline,
	.stats_reset = dma_batched_stats_reset,
};

/* Inside the DMA layer (only the files of lib/dma include it): the table each policy fills in,
 * and the steps lib/dma/dma.c shares with the policies' files.
 *
 * Rules for every policy:
 * - An IOVA is freed, and a buffer released, only after an invalidation that
 *   covers its cleared PTEs has completed (inval_wait returned 0). When an
 *   invalidation fails, what it should have covered stays allocated or
 *   queued: a leak at worst, never a stale translation reused.
 * - Checks that can fail come before the first change of state.
 * - The per-packet case (d->fast, one page) has a short path in the
 *   policy's map and unmap, its budget counted in instructions (`make
 *   bench`): no clock read, and the rare ends out of line (DMA_COLD) so
 *   that it saves as few registers as it can. Anything else it meets goes
 *   by a tail call to a general path that checks everything again and is
 *   compiled twice, with and without timing (a constant there), so that
 *   timing off costs no now() call.
 * - dma.c reaches a policy only through its table; a policy's file holds
 *   everything that policy does beyond the shared steps below. */
#ifndef LIB_DMA_DMA_CORE_H
#define LIB_DMA_DMA_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/dma/dma.h"
#include "lib/page.h"

#define DMA_ALWAYS_INLINE inline __attribute__((always_inline))
/* Out of the per-packet path, so that it needs no registers saved. */
#define DMA_COLD __attribute__((noinline))

/* One policy's behaviour. dma.c calls these from the public entry points
 * of the same name; a NULL hook means the policy has nothing to do there. */
struct dma_policy_ops {
	/* Whether the policy maps through the page tables and the IOVA
	 * allocator (all but off); dma_domain_init checks and sets up both
	 * before init, and dma_storage_bytes counts the allocator's part. */
	bool remaps;
	/* Bookkeeping beyond the allocator's, placed after it in the storage. */
	size_t (*storage_bytes)(const struct dma_config *cfg);
	/* Checks the policy's own fields of d->cfg and sets up its state;
	 * storage is its part of the caller's. 0 or DMA_EINVAL. */
	int (*init)(struct dma_domain *d, void *storage, size_t storage_bytes);
	/* dma_map and dma_unmap themselves, per-packet path included. */
	int (*map)(struct dma_domain *d, uint64_t phys, size_t len, enum dma_dir dir,
		   uint64_t *iova);
	int (*unmap)(struct dma_domain *d, uint64_t iova, size_t len, enum dma_dir dir,
		     uint64_t cookie);
	/* The range is exhausted: gives back IOVAs the policy holds. 0 when
	 * some came back, DMA_ENOSPC when it held none, DMA_EIO. */
	int (*reclaim)(struct dma_domain *d);
	int (*poll)(struct dma_domain *d);
	int (*flush)(struct dma_domain *d);
	uint64_t (*deadline)(const struct dma_domain *d);
	/* The statistics were zeroed; `unmaps` is the unmap count before. */
	void (*stats_reset)(struct dma_domain *d, uint64_t unmaps);
};

#define DMA_POLICY_TABLE(name, word) extern const struct dma_policy_ops dma_##word##_policy;
DMA_POLICIES(DMA_POLICY_TABLE)
#undef DMA_POLICY_TABLE

/* A batched group's lanes (dma_batched_lanes.c): not in DMA_POLICIES, set
 * by dma_group_init over what dma_batched_policy set up. */
extern const struct dma_policy_ops dma_batched_lanes_policy;

/* Batched's entry points, which fq (dma_fq.c) shares: fq is batched's
 * queue per lane, of fq_size entries, flushed domain-wide. */
int dma_batched_init_queue(struct dma_domain *d, void *storage, size_t storage_bytes);
int dma_batched_unmap(struct dma_domain *d, uint64_t iova, size_t len, enum dma_dir dir,
		      uint64_t cookie);
int dma_batched_reclaim(struct dma_domain *d);
int dma_batched_poll(struct dma_domain *d);
int dma_batched_flush(struct dma_domain *d);
uint64_t dma_batched_deadline(const struct dma_domain *d);
void dma_batched_stats_reset(struct dma_domain *d, uint64_t unmaps);
/* fq's own, around the same queue: each retires first what another lane's
 * completed flush covered (dma.h, struct dma_fq_counters). */
int dma_fq_unmap(struct dma_domain *d, uint64_t iova, size_t len, enum dma_dir dir,
		 uint64_t cookie);
int dma_fq_reclaim(struct dma_domain *d);
int dma_fq_poll(struct dma_domain *d);
int dma_fq_flush(struct dma_domain *d);
/* One page-range request of a batched flush (flushq_ranges' callback;
 * ctx is the domain). */
int dma_batched_submit_range(void *ctx, uint64_t iova, uint64_t npages);

/* ---- shared by the policies that do not remap (dma_off.c) ---------------- */

/* The device's address for a buffer is its physical one (off, identity):
 * map and unmap only check their arguments and count. */
int dma_phys_map(struct dma_domain *d, uint64_t phys, size_t len, enum dma_dir dir,
		 uint64_t *iova);
int dma_phys_unmap(struct dma_domain *d, uint64_t iova, size_t len, enum dma_dir dir,
		   uint64_t cookie);

/* ---- shared by the policies that remap (dma.c) -------------------------- */

/* The map of every policy that remaps: IOVA, then page tables (and the
 * caching-mode invalidation); the range exhausted, policy->reclaim. */
int dma_map_remapped(struct dma_domain *d, uint64_t phys, size_t len, enum dma_dir dir,
		     uint64_t *iova);
/* Strict's unmap (dma_strict.c), which pool shares. */
int dma_strict_unmap(struct dma_domain *d, uint64_t iova, size_t len, enum dma_dir dir,
		     uint64_t cookie);
/* hwm as the domain uses it: 0 means DMA_DEFAULT_HWM. */
uint32_t dma_hwm(const struct dma_config *cfg);

static inline uint64_t dma_now(const struct dma_domain *d)
{
	return d->ops.now(d->ops.ctx);
}

/* Charges the time since *t to phase p, and starts the next phase there.
 * With `timing` a constant false it costs nothing. */
static DMA_ALWAYS_INLINE void dma_lap(struct dma_domain *d, bool timing, uint64_t *t,
				      enum dma_phase p)
{
	if (timing) {
		uint64_t n = dma_now(d);

		d->stats.phase[p] += n - *t;
		*t = n;
	}
}

/* Takes a lock other CPUs share, counting the acquisition in stats.lock.
 * With timing, the wait is charged to DMA_PHASE_LOCK and *t (the running
 * phase's start) moves past it, so the phase it interrupted does not hold
 * it. False (the lock not held) after cfg.lock_limit ticks. */
static DMA_ALWAYS_INLINE bool dma_lock(struct dma_domain *d, struct ticket_lock *l, bool timing,
				       uint64_t *t)
{
	uint64_t before = d->stats.lock.cycles;
	bool ok = ticket_lock_acquire(l, d->cfg.lock_limit, &d->stats.lock);

	if (timing) {
		uint64_t waited = d->stats.lock.cycles - before;

		d->stats.phase[DMA_PHASE_LOCK] += waited;
		*t += waited;
	}
	return ok;
}

static inline void dma_release(const struct dma_domain *d, uint64_t cookie)
{
	if (d->ops.release)
		d->ops.release(d->ops.ctx, cookie);
}

/* The largest block the allocator has. */
#define DMA_MAX_LEN (1ull << (PAGE_SHIFT + IOVA_CLASSES - 1))

/* len - 1 wraps for 0, so one comparison rejects both 0 and too much. */
static DMA_ALWAYS_INLINE bool dma_args_ok(size_t len, enum dma_dir dir)
{
	return (uint64_t)len - 1 < DMA_MAX_LEN && (unsigned)dir - 1 < 3;
}

/* Pages spanned by [addr, addr + len), len checked by dma_args_ok. */
static DMA_ALWAYS_INLINE uint32_t dma_span(uint64_t addr, size_t len)
{
	return (uint32_t)(((addr & PAGE_MASK) + len + PAGE_MASK) >> PAGE_SHIFT);
}

/* With timing, records one wait's latency: from `submitted`, the clock
 * read that started the submit phase, to *t, the one that ended the wait
 * phase (no clock read of its own). */
static DMA_ALWAYS_INLINE void dma_note_latency(struct dma_domain *d, bool timing, enum dma_gran g,
					       uint64_t submitted, const uint64_t *t)
{
	if (timing)
		log2_hist_add(&d->stats.inval_latency[g], *t - submitted);
}

/* After the submissions that started at `submitted` (timed up to *t): the
 * one wait that covers them, timed, and its latency noted under g. 0, or
 * DMA_EIO. */
static DMA_ALWAYS_INLINE int dma_wait_noted(struct dma_domain *d, bool timing, uint64_t *t,
					    enum dma_gran g, uint64_t submitted)
{
	int rc;

	d->stats.inval_waits++;
	rc = d->ops.inval_wait(d->ops.ctx);
	dma_lap(d, timing, t, DMA_PHASE_WAIT);
	if (rc)
		return DMA_EIO;
	dma_note_latency(d, timing, g, submitted, t);
	return 0;
}

/* One invalidation covering every entry of q, through d's ops, waited for
 * (batch_gran; DMA_GRAN_PAGES: one request per range, one wait), timed
 * from *t on with the wait's latency noted: the flush of a domain's own
 * queue and of a group's global list alike. 0, or DMA_EIO with nothing
 * retired. Inline: it runs once per batch, within the per-packet budget. */
static DMA_ALWAYS_INLINE int dma_batched_invalidate(struct dma_domain *d, const struct flushq *q,
						    bool timing, uint64_t *t)
{
	uint64_t submitted = *t;
	int rc;

	if (d->cfg.batch_gran == DMA_GRAN_PAGES) {
		rc = flushq_ranges(q, dma_batched_submit_range, d);
	} else {
		d->stats.inval_submits++;
		rc = d->ops.inval_submit(d->ops.ctx, d->cfg.batch_gran, 0, 0);
	}
	dma_lap(d, timing, t, DMA_PHASE_SUBMIT);
	if (rc)
		return DMA_EIO;
	return dma_wait_noted(d, timing, t, d->cfg.batch_gran, submitted);
}

/* Page-selective invalidation of one range, waited for; *t is the time the
 * submission starts at (timing only). */
static DMA_ALWAYS_INLINE int dma_inval_sync(struct dma_domain *d, bool timing, uint64_t *t,
					    uint64_t iova, uint64_t npages)
{
	uint64_t submitted = *t;
	int rc;

	d->stats.inval_submits++;
	rc = d->ops.inval_submit(d->ops.ctx, DMA_GRAN_PAGES, iova, npages);
	dma_lap(d, timing, t, DMA_PHASE_SUBMIT);
	if (rc)
		return DMA_EIO;
	return dma_wait_noted(d, timing, t, DMA_GRAN_PAGES, submitted);
}

/* After a PTE clear at time t (timing only): invalidate and wait, then free
 * the IOVA and release the buffer. When the invalidation fails, both stay
 * taken for good. */
static DMA_ALWAYS_INLINE int dma_inval_and_free(struct dma_domain *d, uint64_t page,
						uint32_t npages, uint64_t cookie, uint64_t t,
						bool timing)
{
	int rc = dma_inval_sync(d, timing, &t, page, npages);

	if (rc) {
		d->stats.leaked++;
		return rc;
	}
	iova_put(&d->iova, page, npages);
	dma_lap(d, timing, &t, DMA_PHASE_IOVA);
	dma_release(d, cookie);
	return 0;
}

/* ---- the per-packet unmap ------------------------------------------------- */

/* Whether dma_unmap's arguments are the per-packet case: the fast path is
 * open and the buffer lies within one page. */
static DMA_ALWAYS_INLINE bool dma_unmap_is_per_packet(const struct dma_domain *d, uint64_t iova,
						      size_t len, enum dma_dir dir)
{
	return d->fast && (uint64_t)len - 1 < PAGE_SIZE - (iova & PAGE_MASK) &&
	       (unsigned)dir - 1 < 3;
}

/* Clears the PTE of the one-page block at `page` and counts the unmap: 0.
 * DMA_EINVAL (nothing done) when the block is not one dma_map handed out;
 * 1 (nothing done) when its entry is not under iopt's remembered table or
 * not present: the general path decides then. */
static DMA_ALWAYS_INLINE int dma_clear_one_page(struct dma_domain *d, uint64_t page)
{
	uint64_t *e;

	if (!iova_owned(&d->iova, page, 1))
		return DMA_EINVAL;
	if (!iopt_leaf_has(d->pt, page) || !iopt_present(*(e = iopt_leaf_entry(d->pt, page))))
		return 1;
	iopt_leaf_write(d->pt, e, 0);
	d->stats.unmaps++;
	return 0;
}

/* ---- the general unmap's steps --------------------------------------------- */

/* Checks the arguments and that [iova, iova + len) is exactly a block dma_map
 * handed out: 0 (with its first page and page count) or DMA_EINVAL. */
static DMA_ALWAYS_INLINE int dma_unmap_block(const struct dma_domain *d, uint64_t iova,
					     size_t len, enum dma_dir dir, uint64_t *page,
					     uint32_t *npages)
{
	if (!dma_args_ok(len, dir))
		return DMA_EINVAL;
	*page = iova & ~PAGE_MASK;
	*npages = dma_span(iova, len);
	return iova_owned(&d->iova, *page, *npages) ? 0 : DMA_EINVAL;
}

/* Clears the block's PTEs, timed from *t on (set here when timing), and
 * counts the unmap. DMA_EINVAL when they were not mapped: the block was
 * unmapped already and is still waiting for its invalidation. */
static DMA_ALWAYS_INLINE int dma_clear_ptes(struct dma_domain *d, uint64_t page, uint32_t npages,
					    bool timing, uint64_t *t)
{
	*t = timing ? dma_now(d) : 0;
	if (iopt_unmap(d->pt, page, (uint64_t)npages << PAGE_SHIFT))
		return DMA_EINVAL;
	dma_lap(d, timing, t, DMA_PHASE_PTE);
	d->stats.unmaps++;
	return 0;
}

#endif

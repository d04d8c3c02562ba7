/* The DMA mapping layer (see dma.h): domain set-up, dma_map and dma_unmap
 * under each policy, over lib/iova (device addresses), lib/iopt (page
 * tables) and lib/flushq (the batched policy's queue and flush).
 *
 * Rules of this file:
 * - An IOVA is freed, and a buffer released, only after an invalidation that
 *   covers its cleared PTEs has completed (inval_wait returned 0). When an
 *   invalidation fails, what it should have covered stays allocated (strict)
 *   or queued (batched): a leak at worst, never a stale translation reused.
 * - Checks that can fail come before the first change of state.
 * - The per-packet case (one page, no timing, no caching mode) has a short
 *   path in dma_map/dma_unmap. Anything else it meets goes by a tail call
 *   to map_pages/unmap_pages, which check everything again and are compiled
 *   twice, with and without timing (a constant there), so timing off costs
 *   no now() call. */
#include "lib/dma/dma.h"
#include "lib/string.h"
#include "lib/page.h"

const char *const dma_policy_names[DMA_POLICY_COUNT + 1] = {
	[DMA_POLICY_OFF] = "off", [DMA_POLICY_STRICT] = "strict",
	[DMA_POLICY_BATCHED] = "batched", [DMA_POLICY_POOL] = "pool", NULL
};

const char *const dma_gran_names[DMA_GRAN_COUNT + 1] = {
	[DMA_GRAN_PAGES] = "pages", [DMA_GRAN_DOMAIN] = "domain", [DMA_GRAN_GLOBAL] = "global", NULL
};

const char *dma_policy_name(enum dma_policy p)
{
	return (unsigned)p < DMA_POLICY_COUNT ? dma_policy_names[p] : "?";
}

const char *dma_gran_name(enum dma_gran g)
{
	return (unsigned)g < DMA_GRAN_COUNT ? dma_gran_names[g] : "?";
}

/* The largest block the allocator has. */
#define MAX_LEN    (1ull << (PAGE_SHIFT + IOVA_CLASSES - 1))

#define ALWAYS_INLINE inline __attribute__((always_inline))

/* d->fast: which per-packet path dma_map/dma_unmap may take. */
enum { FAST_NONE, FAST_STRICT, FAST_BATCHED };

/* dir doubles as the leaf's rights: the device reads memory for
 * DMA_TO_DEVICE and writes it for DMA_FROM_DEVICE. */
_Static_assert(DMA_TO_DEVICE == IOPT_R && DMA_FROM_DEVICE == IOPT_W &&
	       DMA_BIDIRECTIONAL == (IOPT_R | IOPT_W), "dma_dir is not iopt prot");

static uint64_t range_pages(const struct dma_config *cfg)
{
	if (((cfg->iova_base | cfg->iova_limit) & PAGE_MASK) || cfg->iova_limit <= cfg->iova_base)
		return 0;
	return (cfg->iova_limit - cfg->iova_base) >> PAGE_SHIFT;
}

static uint32_t hwm_of(const struct dma_config *cfg)
{
	return cfg->hwm ? cfg->hwm : DMA_DEFAULT_HWM;
}

/* Storage layout: the allocator's per-page arrays, then the queue (the
 * allocator's part is a multiple of 8 bytes, so the queue stays aligned). */
size_t dma_storage_bytes(const struct dma_config *cfg)
{
	size_t n;

	if (!cfg || cfg->policy == DMA_POLICY_OFF)
		return 0;
	n = iova_storage_bytes(range_pages(cfg));
	if (cfg->policy == DMA_POLICY_BATCHED)
		n += flushq_storage_bytes(hwm_of(cfg));
	return n;
}

int dma_domain_init(struct dma_domain *d, struct iopt *pt, const struct dma_config *cfg,
		    const struct dma_ops *ops, void *storage, size_t storage_bytes)
{
	uint64_t pages;
	size_t ibytes;
	bool batched;

	if (!d || !cfg || !ops)
		return DMA_EINVAL;
	memset(d, 0, sizeof(*d));
	d->cfg = *cfg;
	d->cfg.hwm = hwm_of(cfg);
	d->ops = *ops;
	d->pt = pt;
	if (cfg->policy == DMA_POLICY_OFF)
		return 0;
	if (cfg->policy != DMA_POLICY_STRICT && cfg->policy != DMA_POLICY_BATCHED &&
	    cfg->policy != DMA_POLICY_POOL)
		return DMA_EINVAL;
	batched = cfg->policy == DMA_POLICY_BATCHED;
	if (!pt || pt->root == 0 || !ops->inval_submit || !ops->inval_wait)
		return DMA_EINVAL;
	if ((cfg->timing || (batched && cfg->flush_deadline)) && !ops->now)
		return DMA_EINVAL;
	if (batched && cfg->batch_gran != DMA_GRAN_PAGES && cfg->batch_gran != DMA_GRAN_DOMAIN &&
	    cfg->batch_gran != DMA_GRAN_GLOBAL)
		return DMA_EINVAL;
	pages = range_pages(cfg);
	if (pages == 0 || pages > IOVA_MAX_PAGES || cfg->iova_limit - 1 > iopt_max_iova(pt))
		return DMA_EINVAL;
	if (!storage || ((uintptr_t)storage & 7) || storage_bytes < dma_storage_bytes(cfg))
		return DMA_EINVAL;
	ibytes = iova_storage_bytes(pages);
	if (iova_init(&d->iova, cfg->iova_base, cfg->iova_limit, storage, ibytes))
		return DMA_EINVAL;
	if (batched && flushq_init(&d->q, d->cfg.hwm, (char *)storage + ibytes,
				   storage_bytes - ibytes))
		return DMA_EINVAL;
	if (!cfg->timing && !cfg->caching_mode)
		d->fast = batched ? FAST_BATCHED : FAST_STRICT;
	return 0;
}

/* Page-selective invalidation of one range, waited for. */
static ALWAYS_INLINE int inval_sync(struct dma_domain *d, bool timing, uint64_t *t,
				    uint64_t iova, uint64_t npages)
{
	int rc;

	d->stats.inval_submits++;
	rc = d->ops.inval_submit(d->ops.ctx, DMA_GRAN_PAGES, iova, npages);
	dma_lap(d, timing, t, DMA_PHASE_SUBMIT);
	if (rc)
		return DMA_EIO;
	d->stats.inval_waits++;
	rc = d->ops.inval_wait(d->ops.ctx);
	dma_lap(d, timing, t, DMA_PHASE_WAIT);
	return rc ? DMA_EIO : 0;
}

/* len - 1 wraps for 0, so one comparison rejects both 0 and too much. */
static ALWAYS_INLINE bool args_ok(size_t len, enum dma_dir dir)
{
	return (uint64_t)len - 1 < MAX_LEN && (unsigned)dir - 1 < 3;
}

/* Pages spanned by [addr, addr + len), len checked by args_ok. */
static ALWAYS_INLINE uint32_t span(uint64_t addr, size_t len)
{
	return (uint32_t)(((addr & PAGE_MASK) + len + PAGE_MASK) >> PAGE_SHIFT);
}

/* The range is exhausted but the batched queue holds IOVAs: flushing it
 * gives them back. IOVA_ENOSPC if that is not enough, DMA_EIO if the
 * invalidation failed. */
static __attribute__((noinline)) int alloc_after_flush(struct dma_domain *d, uint32_t npages,
						       uint64_t *a)
{
	int rc = flushq_flush(d, &d->stats.flushes_nospace);

	return rc ? rc : iova_alloc(&d->iova, npages, a);
}

/* The rare ends of dma_map, out of line so that the per-packet path needs
 * no registers saved. */
static __attribute__((noinline)) int map_failed(struct dma_domain *d, uint64_t a,
						uint32_t npages, int rc)
{
	/* Nothing was mapped, so nothing can be cached: free at once. */
	iova_free(&d->iova, a, npages);
	return rc == IOPT_ENOMEM ? DMA_ENOMEM : DMA_EINVAL;
}

/* Caching mode (CAP.CM, VT-d spec 6.1): the unit may cache not-present
 * entries, so a new mapping needs an invalidation too. */
static __attribute__((noinline)) int map_inval(struct dma_domain *d, uint64_t a, uint32_t npages,
					       uint64_t *t)
{
	int rc;

	d->stats.inval_map++;
	rc = inval_sync(d, d->cfg.timing, t, a, npages);
	if (rc) {
		/* Take the mapping away again but keep the IOVA: what the
		 * unit holds for it is unknown now. */
		iopt_unmap(d->pt, a, (uint64_t)npages << PAGE_SHIFT);
		d->stats.leaked++;
	}
	return rc;
}

static ALWAYS_INLINE int map_pages(struct dma_domain *d, uint64_t phys, size_t len,
				   enum dma_dir dir, uint64_t *iova, bool timing)
{
	uint64_t off = phys & PAGE_MASK, a, t = 0;
	uint32_t npages;
	int rc;

	if (!args_ok(len, dir) || !iova)
		return DMA_EINVAL;
	npages = span(phys, len);
	if (timing)
		t = dma_now(d);
	rc = iova_alloc(&d->iova, npages, &a);
	dma_lap(d, timing, &t, DMA_PHASE_IOVA);
	if (rc == IOVA_ENOSPC && d->q.count != 0)
		rc = alloc_after_flush(d, npages, &a);
	if (rc)
		return rc == IOVA_ENOSPC ? DMA_ENOSPC : rc == DMA_EIO ? DMA_EIO : DMA_EINVAL;
	rc = iopt_map(d->pt, a, phys - off, (uint64_t)npages << PAGE_SHIFT, (uint64_t)dir);
	dma_lap(d, timing, &t, DMA_PHASE_PTE);
	if (rc)
		return map_failed(d, a, npages, rc);
	if (d->cfg.caching_mode && (rc = map_inval(d, a, npages, &t)) != 0)
		return rc;
	d->stats.maps++;
	*iova = a + off;
	return 0;
}

/* Every case that dma_map's fast path leaves alone: off, timing, caching
 * mode, more than a page, an empty free list, and every error. */
static __attribute__((noinline)) int map_general(struct dma_domain *d, uint64_t phys, size_t len,
						 enum dma_dir dir, uint64_t *iova)
{
	if (d->cfg.policy == DMA_POLICY_OFF) {
		if (!args_ok(len, dir) || !iova)
			return DMA_EINVAL;
		d->stats.maps++;
		*iova = phys;
		return 0;
	}
	if (d->cfg.timing)
		return map_pages(d, phys, len, dir, iova, true);
	return map_pages(d, phys, len, dir, iova, false);
}

/* The fast path took IOVA a for one page whose PTE is not under iopt's
 * remembered table (or is present, which iopt_map reports). */
static __attribute__((noinline)) int map_walk(struct dma_domain *d, uint64_t a, uint64_t phys,
					      enum dma_dir dir, uint64_t *iova)
{
	uint64_t off = phys & PAGE_MASK;
	int rc = iopt_map(d->pt, a, phys - off, PAGE_SIZE, (uint64_t)dir);

	if (rc)
		return map_failed(d, a, 1, rc);
	d->stats.maps++;
	*iova = a + off;
	return 0;
}

/*
 * The per-packet case, a buffer within one page, in the fewest instructions:
 * a free IOVA from the list, its entry under iopt's remembered table. Every
 * other case leaves by a tail call, and the only call left (ops.flush, for
 * units whose walks do not snoop) comes last, so no register needs saving.
 */
int dma_map(struct dma_domain *d, uint64_t phys, size_t len, enum dma_dir dir, uint64_t *iova)
{
	uint64_t off = phys & PAGE_MASK, a, *e;

	if (d->fast == FAST_NONE || (uint64_t)len - 1 >= PAGE_SIZE - off || (unsigned)dir - 1 >= 3 ||
	    !iova || ((phys - off) & ~IOPT_ADDR_MASK))
		return map_general(d, phys, len, dir, iova);
	if (!iova_pop(&d->iova, 1, &a))
		return map_general(d, phys, len, dir, iova);
	if (!iopt_leaf_has(d->pt, a) || iopt_present(*(e = iopt_leaf_entry(d->pt, a))))
		return map_walk(d, a, phys, dir, iova);
	d->stats.maps++;
	*iova = a + off;
	iopt_leaf_write(d->pt, e, (phys - off) | (uint64_t)dir);
	return 0;
}

/* Batched unmap, PTEs already cleared at time t (timing only). */
static ALWAYS_INLINE int defer(struct dma_domain *d, uint64_t page, uint32_t npages,
			       uint64_t cookie, uint64_t t, bool timing)
{
	struct flushq_entry *e;

	/* The deadline needs the age of the oldest entry only, so without
	 * timing the clock is read once per batch. */
	if (d->q.count == 0)
		d->q.oldest = timing ? t : d->cfg.flush_deadline ? dma_now(d) : 0;
	e = flushq_push(&d->q); /* room was made before the PTEs changed */
	e->iova = page;
	e->npages = npages;
	e->cookie = cookie;
	e->time = t;
	e->seq = d->stats.unmaps;
	if (d->q.count > d->stats.queued_max)
		d->stats.queued_max = d->q.count;
	if (d->q.count >= d->cfg.hwm)
		return flushq_flush(d, &d->stats.flushes_hwm);
	return 0;
}

/* Strict after the PTE clear: invalidate and wait, then free. */
static ALWAYS_INLINE int unmap_sync(struct dma_domain *d, uint64_t page, uint32_t npages,
				    uint64_t cookie, uint64_t t, bool timing)
{
	int rc = inval_sync(d, timing, &t, page, npages);

	if (rc) {
		d->stats.leaked++; /* IOVA and buffer stay taken: see the rules above */
		return rc;
	}
	iova_put(&d->iova, page, npages);
	dma_lap(d, timing, &t, DMA_PHASE_IOVA);
	dma_release(d, cookie);
	return 0;
}

/* What follows the PTE clear: queue it, or invalidate it now. */
static ALWAYS_INLINE int after_unmap(struct dma_domain *d, uint64_t page, uint32_t npages,
				     uint64_t cookie, uint64_t t, bool timing)
{
	d->stats.unmaps++;
	if (d->cfg.policy == DMA_POLICY_BATCHED)
		return defer(d, page, npages, cookie, t, timing);
	return unmap_sync(d, page, npages, cookie, t, timing);
}

/* dma_unmap found the queue full, which happens only after a failed flush:
 * it retries that flush before touching anything. */
static __attribute__((noinline)) int make_room(struct dma_domain *d)
{
	return flushq_flush(d, &d->stats.flushes_hwm);
}

static ALWAYS_INLINE int unmap_pages(struct dma_domain *d, uint64_t iova, size_t len,
				     enum dma_dir dir, uint64_t cookie, bool timing)
{
	uint64_t page = iova & ~PAGE_MASK, t = 0;
	uint32_t npages;
	bool no_room = false;

	if (!args_ok(len, dir))
		return DMA_EINVAL;
	npages = span(iova, len);
	/* Exactly a block dma_map handed out, or nothing changes. */
	if (!iova_owned(&d->iova, page, npages))
		return DMA_EINVAL;
	if (d->cfg.policy == DMA_POLICY_BATCHED && d->q.count == d->q.cap) {
		/* An owned block is mapped whole or not at all: an unmap that
		 * is going to fail must not flush as a side effect. */
		if (!iopt_translate(d->pt, page, NULL, NULL, NULL))
			return DMA_EINVAL;
		no_room = make_room(d) != 0;
	}
	if (timing)
		t = dma_now(d);
	/* Not mapped: the block was unmapped already and is still queued. */
	if (iopt_unmap(d->pt, page, (uint64_t)npages << PAGE_SHIFT))
		return DMA_EINVAL;
	dma_lap(d, timing, &t, DMA_PHASE_PTE);
	if (no_room) {
		/* The unmap still happens, so that DMA_EIO always means "done,
		 * but an invalidation failed": this block is invalidated on
		 * its own, as in strict. */
		d->stats.unmaps++;
		return unmap_sync(d, page, npages, cookie, t, timing);
	}
	return after_unmap(d, page, npages, cookie, t, timing);
}

/* Every case that dma_unmap's fast path leaves alone (see dma_map). */
static __attribute__((noinline)) int unmap_general(struct dma_domain *d, uint64_t iova, size_t len,
						   enum dma_dir dir, uint64_t cookie)
{
	if (d->cfg.policy == DMA_POLICY_OFF) {
		if (!args_ok(len, dir))
			return DMA_EINVAL;
		d->stats.unmaps++;
		dma_release(d, cookie);
		return 0;
	}
	if (d->cfg.timing)
		return unmap_pages(d, iova, len, dir, cookie, true);
	return unmap_pages(d, iova, len, dir, cookie, false);
}

/* The per-packet case again: one page, its entry under the remembered
 * table; for batched, a queue neither empty (the first entry may read the
 * clock) nor full. */
int dma_unmap(struct dma_domain *d, uint64_t iova, size_t len, enum dma_dir dir, uint64_t cookie)
{
	uint64_t page = iova & ~PAGE_MASK, *e;

	if (d->fast == FAST_NONE || (uint64_t)len - 1 >= PAGE_SIZE - (iova & PAGE_MASK) ||
	    (unsigned)dir - 1 >= 3 ||
	    (d->fast == FAST_BATCHED && (d->q.count == 0 || d->q.count == d->q.cap)))
		return unmap_general(d, iova, len, dir, cookie);
	if (!iova_owned(&d->iova, page, 1))
		return DMA_EINVAL;
	if (!iopt_leaf_has(d->pt, page) || !iopt_present(*(e = iopt_leaf_entry(d->pt, page))))
		return unmap_general(d, iova, len, dir, cookie);
	iopt_leaf_write(d->pt, e, 0);
	d->stats.unmaps++;
	if (d->fast == FAST_BATCHED)
		return defer(d, page, 1, cookie, 0, false);
	return unmap_sync(d, page, 1, cookie, 0, false);
}

const struct dma_stats *dma_get_stats(const struct dma_domain *d)
{
	return &d->stats;
}

/* The DMA mapping layer's common core (see dma.h): the policy table, domain
 * set-up, the map shared by every policy that remaps (over lib/dma/iova.h
 * for device addresses and lib/iopt for page tables), and the public entry
 * points, which hand each call to the domain's policy (lib/dma/dma_*.c).
 * The rules every policy follows are in dma_core.h. */
#include "lib/dma/dma_core.h"
#include "lib/string.h"

#define DMA_POLICY_ENTRY(name, word) [DMA_POLICY_##name] = &dma_##word##_policy,
static const struct dma_policy_ops *const policies[DMA_POLICY_COUNT] = {
	DMA_POLICIES(DMA_POLICY_ENTRY)
};
#undef DMA_POLICY_ENTRY

#define DMA_POLICY_WORD(name, word) [DMA_POLICY_##name] = #word,
const char *const dma_policy_names[DMA_POLICY_COUNT + 1] = {
	DMA_POLICIES(DMA_POLICY_WORD) NULL
};
#undef DMA_POLICY_WORD

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

static const struct dma_policy_ops *policy_of(const struct dma_config *cfg)
{
	return (unsigned)cfg->policy < DMA_POLICY_COUNT ? policies[cfg->policy] : NULL;
}

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

uint32_t dma_hwm(const struct dma_config *cfg)
{
	return cfg->hwm ? cfg->hwm : DMA_DEFAULT_HWM;
}

/* Storage layout: the allocator's per-page arrays, then the policy's part
 * (the allocator's is a multiple of 8 bytes, so the policy's stays
 * aligned). */
size_t dma_storage_bytes(const struct dma_config *cfg)
{
	const struct dma_policy_ops *pol = cfg ? policy_of(cfg) : NULL;
	size_t n;

	if (!pol || !pol->remaps)
		return 0;
	n = iova_storage_bytes(range_pages(cfg));
	if (pol->storage_bytes)
		n += pol->storage_bytes(cfg);
	return n;
}

int dma_domain_init(struct dma_domain *d, struct iopt *pt, const struct dma_config *cfg,
		    const struct dma_ops *ops, void *storage, size_t storage_bytes)
{
	const struct dma_policy_ops *pol;
	uint64_t pages;
	size_t ibytes;

	if (!d || !cfg || !ops)
		return DMA_EINVAL;
	memset(d, 0, sizeof(*d));
	d->cfg = *cfg;
	d->cfg.hwm = dma_hwm(cfg);
	if (!d->cfg.lock_limit)
		d->cfg.lock_limit = DMA_DEFAULT_LOCK_LIMIT;
	d->ops = *ops;
	d->pt = pt;
	pol = policy_of(cfg);
	if (!pol)
		return DMA_EINVAL;
	if (!pol->remaps)
		goto done;
	if (!pt || pt->root == 0 || !ops->inval_submit || !ops->inval_wait)
		return DMA_EINVAL;
	if ((cfg->timing && !ops->now) || (cfg->write_buffer_flush && !ops->write_buffer_flush))
		return DMA_EINVAL;
	pages = range_pages(cfg);
	if (pages == 0 || pages > IOVA_MAX_PAGES || cfg->iova_limit - 1 > iopt_max_iova(pt))
		return DMA_EINVAL;
	if (!storage || ((uintptr_t)storage & 7) || storage_bytes < dma_storage_bytes(cfg))
		return DMA_EINVAL;
	ibytes = iova_storage_bytes(pages);
	if (iova_init(&d->iova, cfg->iova_base, cfg->iova_limit, storage, ibytes))
		return DMA_EINVAL;
	if (pol->init && pol->init(d, (char *)storage + ibytes, storage_bytes - ibytes))
		return DMA_EINVAL;
	d->fast = !cfg->timing && !cfg->caching_mode && !cfg->write_buffer_flush;
done:
	d->policy = pol;
	return 0;
}

/* ---- the map of the policies that remap --------------------------------- */

/* The range is exhausted: the policy may hold IOVAs it can give back.
 * DMA_ENOSPC if that is not enough, DMA_EIO if it failed. */
static DMA_COLD int alloc_after_reclaim(struct dma_domain *d, uint32_t npages, uint64_t *a)
{
	int rc = d->policy->reclaim(d);

	return rc ? rc : iova_alloc(&d->iova, npages, a);
}

/* The rare ends of the map, out of line so that the per-packet path needs
 * no registers saved. */
static DMA_COLD int map_failed(struct dma_domain *d, uint64_t a, uint32_t npages, int rc)
{
	/* Nothing was mapped, so nothing can be cached: free at once. */
	iova_free(&d->iova, a, npages);
	return rc == IOPT_ENOMEM ? DMA_ENOMEM : DMA_EINVAL;
}

/* Caching mode (CAP.CM, VT-d spec 6.1): the unit may cache not-present
 * entries, so a new mapping needs an invalidation too. */
static DMA_COLD int map_inval(struct dma_domain *d, uint64_t a, uint32_t npages, uint64_t *t)
{
	int rc;

	d->stats.inval_map++;
	/* Timing as a constant in each branch, so that timing off pays no
	 * test of it per step. */
	if (d->cfg.timing)
		rc = dma_inval_sync(d, true, t, a, npages);
	else
		rc = dma_inval_sync(d, false, t, a, npages);
	if (rc) {
		/* Take the mapping away again but keep the IOVA: what the
		 * unit holds for it is unknown now. */
		iopt_unmap(d->pt, a, (uint64_t)npages << PAGE_SHIFT);
		d->stats.leaked++;
	}
	return rc;
}

/* CAP.RWBF (VT-d spec 6.8): the unit may hold page-table writes in a write
 * buffer, so a new mapping is flushed to it before the device gets the
 * address. On failure as map_inval: the mapping goes, the IOVA stays. */
static DMA_COLD int map_flush_write_buffer(struct dma_domain *d, uint64_t a, uint32_t npages)
{
	d->stats.write_buffer_flushes++;
	if (d->ops.write_buffer_flush(d->ops.ctx) == 0)
		return 0;
	iopt_unmap(d->pt, a, (uint64_t)npages << PAGE_SHIFT);
	d->stats.leaked++;
	return DMA_EIO;
}

static DMA_ALWAYS_INLINE int map_pages(struct dma_domain *d, uint64_t phys, size_t len,
				       enum dma_dir dir, uint64_t *iova, bool timing)
{
	uint64_t off = phys & PAGE_MASK, a, t = 0;
	uint32_t npages;
	int rc;

	if (!dma_args_ok(len, dir) || !iova)
		return DMA_EINVAL;
	npages = dma_span(phys, len);
	if (timing)
		t = dma_now(d);
	rc = iova_alloc(&d->iova, npages, &a);
	dma_lap(d, timing, &t, DMA_PHASE_IOVA);
	if (rc == IOVA_ENOSPC && d->policy->reclaim)
		rc = alloc_after_reclaim(d, npages, &a);
	if (rc)
		return rc == IOVA_ENOSPC ? DMA_ENOSPC : rc == DMA_EIO ? DMA_EIO : DMA_EINVAL;
	rc = iopt_map(d->pt, a, phys - off, (uint64_t)npages << PAGE_SHIFT, (uint64_t)dir);
	dma_lap(d, timing, &t, DMA_PHASE_PTE);
	if (rc)
		return map_failed(d, a, npages, rc);
	/* Caching mode's invalidation flushes the write buffer too (6.8). */
	if (d->cfg.caching_mode) {
		if ((rc = map_inval(d, a, npages, &t)) != 0)
			return rc;
	} else if (d->cfg.write_buffer_flush && (rc = map_flush_write_buffer(d, a, npages)) != 0) {
		return rc;
	}
	d->stats.maps++;
	*iova = a + off;
	return 0;
}

/* Every case that the per-packet path leaves alone: timing, caching mode,
 * a write-buffer flush, more than a page, an empty free list, and every
 * error. */
static DMA_COLD int map_general(struct dma_domain *d, uint64_t phys, size_t len, enum dma_dir dir,
				uint64_t *iova)
{
	if (d->cfg.timing)
		return map_pages(d, phys, len, dir, iova, true);
	return map_pages(d, phys, len, dir, iova, false);
}

/* The per-packet path took IOVA a for one page whose PTE is not under
 * iopt's remembered table (or is present, which iopt_map reports). */
static DMA_COLD int map_walk(struct dma_domain *d, uint64_t a, uint64_t phys, enum dma_dir dir,
			     uint64_t *iova)
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
int dma_map_remapped(struct dma_domain *d, uint64_t phys, size_t len, enum dma_dir dir,
		     uint64_t *iova)
{
	uint64_t off = phys & PAGE_MASK, a, *e;

	if (!d->fast || (uint64_t)len - 1 >= PAGE_SIZE - off || (unsigned)dir - 1 >= 3 || !iova ||
	    ((phys - off) & ~IOPT_ADDR_MASK))
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

/* ---- the public entry points -------------------------------------------- */

int dma_map(struct dma_domain *d, uint64_t phys, size_t len, enum dma_dir dir, uint64_t *iova)
{
	return d->policy->map(d, phys, len, dir, iova);
}

/* Every policy that remaps maps shared memory through its page tables as
 * dma_map_remapped does (bounce too, instead of through a slot); the others
 * hand out the physical address as dma_map does. */
int dma_map_coherent(struct dma_domain *d, uint64_t phys, size_t len, enum dma_dir dir,
		     uint64_t *iova)
{
	if (d->policy->remaps)
		return dma_map_remapped(d, phys, len, dir, iova);
	return d->policy->map(d, phys, len, dir, iova);
}

int dma_unmap(struct dma_domain *d, uint64_t iova, size_t len, enum dma_dir dir, uint64_t cookie)
{
	return d->policy->unmap(d, iova, len, dir, cookie);
}

int dma_poll(struct dma_domain *d)
{
	return d->policy && d->policy->poll ? d->policy->poll(d) : 0;
}

int dma_flush(struct dma_domain *d)
{
	return d->policy && d->policy->flush ? d->policy->flush(d) : 0;
}

uint64_t dma_deadline(const struct dma_domain *d)
{
	return d->policy && d->policy->deadline ? d->policy->deadline(d) : 0;
}

const struct dma_stats *dma_get_stats(const struct dma_domain *d)
{
	return &d->stats;
}

void dma_reset_stats(struct dma_domain *d)
{
	uint64_t unmaps = d->stats.unmaps;

	memset(&d->stats, 0, sizeof(d->stats));
	if (d->policy && d->policy->stats_reset)
		d->policy->stats_reset(d, unmaps);
}

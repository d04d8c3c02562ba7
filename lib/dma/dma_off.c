/* Policy off: no remapping. The device is in pass-through (or, on a unit
 * without it, the identity domain), so its address for a buffer is the
 * physical one; there are no page tables, no IOVAs and nothing to
 * invalidate, and a buffer is released as soon as it is unmapped. The
 * identity policy (dma_identity.c) makes the same calls. */
#include "lib/dma/dma_core.h"

int dma_phys_map(struct dma_domain *d, uint64_t phys, size_t len, enum dma_dir dir,
		 uint64_t *iova)
{
	if (!dma_args_ok(len, dir) || !iova)
		return DMA_EINVAL;
	d->stats.maps++;
	*iova = phys;
	return 0;
}

/* Nothing to check against: any unmap with sane arguments succeeds. */
int dma_phys_unmap(struct dma_domain *d, uint64_t iova, size_t len, enum dma_dir dir,
		   uint64_t cookie)
{
	(void)iova;
	if (!dma_args_ok(len, dir))
		return DMA_EINVAL;
	d->stats.unmaps++;
	dma_release(d, cookie);
	return 0;
}

const struct dma_policy_ops dma_off_policy = {
	.remaps = false,
	.map = dma_phys_map,
	.unmap = dma_phys_unmap,
};

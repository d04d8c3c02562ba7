/* Policy strict: an unmap clears the PTEs, invalidates exactly that range
 * and waits for it, and only then frees the IOVA and releases the buffer:
 * one invalidation per unmap, and no window in which the device can still
 * reach an unmapped buffer. */
#include "lib/dma/dma_core.h"

static DMA_ALWAYS_INLINE int unmap_pages(struct dma_domain *d, uint64_t iova, size_t len,
					 enum dma_dir dir, uint64_t cookie, bool timing)
{
	uint64_t page, t;
	uint32_t npages;
	int rc;

	if ((rc = dma_unmap_block(d, iova, len, dir, &page, &npages)) != 0 ||
	    (rc = dma_clear_ptes(d, page, npages, timing, &t)) != 0)
		return rc;
	return dma_inval_and_free(d, page, npages, cookie, t, timing);
}

/* Every case that the per-packet path leaves alone. */
static DMA_COLD int unmap_general(struct dma_domain *d, uint64_t iova, size_t len,
				  enum dma_dir dir, uint64_t cookie)
{
	if (d->cfg.timing)
		return unmap_pages(d, iova, len, dir, cookie, true);
	return unmap_pages(d, iova, len, dir, cookie, false);
}

/* The per-packet case: one page, its entry under the remembered table. */
int dma_strict_unmap(struct dma_domain *d, uint64_t iova, size_t len, enum dma_dir dir,
		     uint64_t cookie)
{
	uint64_t page = iova & ~PAGE_MASK;
	int rc;

	if (!dma_unmap_is_per_packet(d, iova, len, dir))
		return unmap_general(d, iova, len, dir, cookie);
	rc = dma_clear_one_page(d, page);
	if (rc > 0)
		return unmap_general(d, iova, len, dir, cookie);
	if (rc < 0)
		return rc;
	return dma_inval_and_free(d, page, 1, cookie, 0, false);
}

const struct dma_policy_ops dma_strict_policy = {
	.remaps = true,
	.map = dma_map_remapped,
	.unmap = dma_strict_unmap,
};

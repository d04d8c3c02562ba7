/* Policy identity: the device is translated, through a 1:1 domain the
 * kernel set up once (drivers/vtd: the unit's identity domain), so its
 * address for a buffer is still the physical one. Map and unmap do what
 * they do under off: no page-table work, no IOVA, no invalidation. Against
 * off, the row measures translation itself: the IOTLB misses and page
 * walks of every DMA the device makes. */
#include "lib/dma/dma_core.h"

const struct dma_policy_ops dma_identity_policy = {
	.remaps = false,
	.map = dma_phys_map,
	.unmap = dma_phys_unmap,
};

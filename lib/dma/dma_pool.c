/* Policy pool: the driver maps its buffers once at start-up and reuses
 * them, so it makes no per-packet calls. The few maps and unmaps it makes
 * behave as in strict; what sets pool apart is the caller's. */
#include "lib/dma/dma_core.h"

const struct dma_policy_ops dma_pool_policy = {
	.remaps = true,
	.map = dma_map_remapped,
	.unmap = dma_strict_unmap,
};

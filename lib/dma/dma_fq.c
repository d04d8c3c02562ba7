/* Policy fq: Linux's flush queue (drivers/iommu/dma-iommu.c since 2017):
 * every CPU keeps its own ring of unmapped IOVAs, with no lock; when the
 * ring is full, one domain-selective invalidation is submitted and waited
 * for, and only then are the ring's IOVAs freed and their buffers
 * released; a ring whose oldest entry is `flush_deadline` old is flushed
 * the same way from that CPU's own timer (dma_poll on its lane; the
 * kernel's default is Linux's 10 ms).
 *
 * Per lane this is batched's queue with hwm = fq_size and a domain-wide
 * flush, so the ring, the flush and the window statistics are batched's
 * (dma_batched.c); where batched's lanes share one global list under a
 * lock, fq's lanes share only two counters (struct dma_fq_counters, in the
 * group): every flush counts itself started and finished, every entry
 * carries the started count of its unmap, and a lane retires, without a
 * flush of its own, the entries that any lane's completed flush covered,
 * as Linux's fq_ring_free does. So N CPUs unmapping at the same rate flush
 * between unmaps / (N * fq_size) and unmaps / fq_size times in all. */
#include "lib/dma/dma_core.h"
#include "lib/dma/flushq.h"

static uint32_t fq_size(const struct dma_config *cfg)
{
	return cfg->fq_size ? cfg->fq_size : DMA_DEFAULT_FQ_SIZE;
}

static size_t fq_storage_bytes(const struct dma_config *cfg)
{
	return flushq_storage_bytes(fq_size(cfg));
}

/* The ring is batched's queue: full at fq_size, flushed domain-wide. */
static int fq_init(struct dma_domain *d, void *storage, size_t storage_bytes)
{
	d->cfg.hwm = fq_size(&d->cfg);
	d->cfg.fq_size = d->cfg.hwm;
	d->cfg.batch_gran = DMA_GRAN_DOMAIN;
	d->fq_counters = &d->fq_own; /* dma_group_init shares the group's */
	return dma_batched_init_queue(d, storage, storage_bytes);
}

const struct dma_policy_ops dma_fq_policy = {
	.remaps = true,
	.storage_bytes = fq_storage_bytes,
	.init = fq_init,
	.map = dma_map_remapped,
	.unmap = dma_fq_unmap,
	.reclaim = dma_fq_reclaim,
	.poll = dma_fq_poll,
	.flush = dma_fq_flush,
	.deadline = dma_batched_deadline,
	.stats_reset = dma_batched_stats_reset,
};

/* Policy bounce: shadow buffers (Markuze et al., ASPLOS'16; Linux's swiotlb
 * for untrusted devices). A pool of slots, one page each, is mapped once
 * into the device's page tables when the domain is set up, and those
 * mappings never change. dma_map takes a free slot, copies the buffer into
 * it when the device is to read it, and hands out the slot's IOVA;
 * dma_unmap copies the slot back when the device wrote it, frees the slot
 * and releases the buffer at once: the device never had a translation to
 * the buffer, so nothing needs invalidating. The cost moves from the IOMMU
 * to the copies (DMA_PHASE_COPY).
 *
 * A slot freed at unmap is handed out again by the next map without any
 * invalidation; the device can still reach it (by design), but it holds
 * another buffer's data then, never the kernel's own memory.
 *
 * Copies go only the way the data moves. (Linux's swiotlb since 2022 also
 * fills the slot on a FROM_DEVICE map, so that bytes the device leaves
 * unwritten do not carry an earlier buffer's data back at unmap; that
 * extra copy is not made here.) */
#include "lib/dma/dma_core.h"
#include "lib/string.h"

struct dma_bounce_slot {
	uint8_t *page;               /* where the CPU reaches the slot */
	uint64_t phys;               /* the buffer it shadows */
	uint32_t len;
	uint16_t off;                /* of the data in the slot (and in the IOVA) */
	uint8_t dir;                 /* 0 while the slot is free */
	uint32_t next;               /* next free slot, while free */
};

static size_t bounce_storage_bytes(const struct dma_config *cfg)
{
	return (size_t)cfg->bounce_slots * sizeof(struct dma_bounce_slot);
}

/* The slots' pages are one block of IOVAs, first in the (fresh) range, so
 * unmap finds a slot from its IOVA by a subtraction. */
static int bounce_init(struct dma_domain *d, void *storage, size_t storage_bytes)
{
	const struct dma_config *c = &d->cfg;
	uint32_t n = c->bounce_slots;
	uint64_t a, t = 0;

	if (n == 0 || n > d->iova.pages || !c->bounce_phys || (c->bounce_phys & PAGE_MASK) ||
	    !d->ops.phys_to_ptr || storage_bytes < bounce_storage_bytes(c))
		return DMA_EINVAL;
	if (iova_alloc(&d->iova, n, &a) ||
	    iopt_map(d->pt, a, c->bounce_phys, (uint64_t)n << PAGE_SHIFT, IOPT_R | IOPT_W))
		return DMA_EINVAL;
	/* A unit that caches not-present entries, or buffers page-table
	 * writes, needs to hear of the new mappings once. */
	if (c->caching_mode) {
		if (dma_inval_sync(d, c->timing, &t, a, n))
			return DMA_EINVAL;
	} else if (c->write_buffer_flush && d->ops.write_buffer_flush(d->ops.ctx)) {
		return DMA_EINVAL;
	}
	d->bounce.slot = storage;
	d->bounce.count = n;
	d->bounce.iova = a;
	d->bounce.free = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t phys = c->bounce_phys + ((uint64_t)i << PAGE_SHIFT);

		d->bounce.slot[i] = (struct dma_bounce_slot){
			.page = d->ops.phys_to_ptr(d->ops.ctx, phys), .next = i + 1 };
	}
	return 0;
}

static DMA_ALWAYS_INLINE void *buffer(const struct dma_domain *d, uint64_t phys)
{
	return d->ops.phys_to_ptr(d->ops.ctx, phys);
}

/* Data keeps its offset within the page when it fits there (so the device
 * sees the same alignment), else starts the slot. */
static DMA_ALWAYS_INLINE int map_slot(struct dma_domain *d, uint64_t phys, size_t len,
				      enum dma_dir dir, uint64_t *iova, bool timing)
{
	uint64_t off = phys & PAGE_MASK, t = 0;
	struct dma_bounce_slot *s;
	uint32_t i;

	if (!dma_args_ok(len, dir) || len > PAGE_SIZE || !iova)
		return DMA_EINVAL;
	if (timing)
		t = dma_now(d);
	i = d->bounce.free;
	if (i == d->bounce.count)
		return DMA_ENOSPC;
	s = &d->bounce.slot[i];
	d->bounce.free = s->next;
	if (off + len > PAGE_SIZE)
		off = 0;
	s->phys = phys;
	s->len = (uint32_t)len;
	s->off = (uint16_t)off;
	s->dir = (uint8_t)dir;
	dma_lap(d, timing, &t, DMA_PHASE_IOVA);
	if (dir & DMA_TO_DEVICE)
		memcpy(s->page + off, buffer(d, phys), len);
	dma_lap(d, timing, &t, DMA_PHASE_COPY);
	d->stats.maps++;
	*iova = d->bounce.iova + ((uint64_t)i << PAGE_SHIFT) + off;
	return 0;
}

/* Misuse (not a slot's IOVA, a free slot, another length or direction
 * than the map's) is refused before anything changes. */
static DMA_ALWAYS_INLINE int unmap_slot(struct dma_domain *d, uint64_t iova, size_t len,
					enum dma_dir dir, uint64_t cookie, bool timing)
{
	uint64_t i = (iova - d->bounce.iova) >> PAGE_SHIFT, t = 0;
	struct dma_bounce_slot *s;

	if (i >= d->bounce.count)
		return DMA_EINVAL; /* an iova below the slots wraps above them */
	s = &d->bounce.slot[i];
	if (!s->dir || s->dir != dir || s->len != len ||
	    iova != d->bounce.iova + (i << PAGE_SHIFT) + s->off)
		return DMA_EINVAL;
	if (timing)
		t = dma_now(d);
	if (dir & DMA_FROM_DEVICE)
		memcpy(buffer(d, s->phys), s->page + s->off, len);
	dma_lap(d, timing, &t, DMA_PHASE_COPY);
	s->dir = 0;
	s->next = d->bounce.free;
	d->bounce.free = (uint32_t)i;
	dma_lap(d, timing, &t, DMA_PHASE_IOVA);
	d->stats.unmaps++;
	dma_release(d, cookie);
	return 0;
}

/* Timing is a constant in each copy of the path, so with it off the
 * per-packet path makes no now() call. */
static DMA_COLD int map_timed(struct dma_domain *d, uint64_t phys, size_t len, enum dma_dir dir,
			      uint64_t *iova)
{
	return map_slot(d, phys, len, dir, iova, true);
}

static DMA_COLD int unmap_timed(struct dma_domain *d, uint64_t iova, size_t len, enum dma_dir dir,
				uint64_t cookie)
{
	return unmap_slot(d, iova, len, dir, cookie, true);
}

static int bounce_map(struct dma_domain *d, uint64_t phys, size_t len, enum dma_dir dir,
		      uint64_t *iova)
{
	if (d->cfg.timing)
		return map_timed(d, phys, len, dir, iova);
	return map_slot(d, phys, len, dir, iova, false);
}

static int bounce_unmap(struct dma_domain *d, uint64_t iova, size_t len, enum dma_dir dir,
			uint64_t cookie)
{
	if (d->cfg.timing)
		return unmap_timed(d, iova, len, dir, cookie);
	return unmap_slot(d, iova, len, dir, cookie, false);
}

const struct dma_policy_ops dma_bounce_policy = {
	.remaps = true,
	.storage_bytes = bounce_storage_bytes,
	.init = bounce_init,
	.map = bounce_map,
	.unmap = bounce_unmap,
};

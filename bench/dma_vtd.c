/* Glue between the DMA layer (lib/dma, policy logic) and the VT-d driver
 * (drivers/vtd, hardware): the DMA layer's invalidation requests become
 * vtd_inval_submit/vtd_inval_wait on the device's unit and domain id, and
 * its write-buffer flushes (CAP.RWBF units) vtd_write_buffer_flush. */
#include "bench/dma_vtd.h"
#include "drivers/pci/pci.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/mem.h"

static int submit(void *ctx, enum dma_gran g, uint64_t iova, uint64_t npages)
{
	struct dma_vtd *v = ctx;
	int rc = vtd_inval_submit(v->unit, g, (uint16_t)v->did, iova, npages);

	if (rc)
		v->inval_failures++;
	return rc;
}

static int wait(void *ctx)
{
	struct dma_vtd *v = ctx;
	int rc = vtd_inval_wait(v->unit);

	if (!rc && v->fail_waits) {
		/* The test hook: the unit really finished, the DMA layer is
		 * told it did not, as after a timed-out wait. */
		v->fail_waits--;
		kprintf("dma: invalidation wait reported as failed on purpose (test)\n");
		rc = -1;
	}
	if (rc)
		v->inval_failures++;
	return rc;
}

static int write_buffer_flush(void *ctx)
{
	struct dma_vtd *v = ctx;

	return vtd_write_buffer_flush(v->unit);
}

static uint64_t now(void *ctx)
{
	struct dma_vtd *v = ctx;

	v->now_calls++;
	return rdtsc_ordered();
}

static void release(void *ctx, uint64_t cookie)
{
	struct dma_vtd *v = ctx;

	if (v->release)
		v->release(v->release_ctx, cookie);
}

int dma_vtd_attach(struct dma_vtd *v, struct vtd_unit *u, uint8_t bus, uint8_t devfn,
		   const struct dma_config *cfg, void (*rel)(void *, uint64_t), void *ctx)
{
	struct dma_config c = *cfg;
	struct dma_ops ops = { .inval_submit = submit, .inval_wait = wait, .now = now,
			       .release = release, .write_buffer_flush = write_buffer_flush,
			       .ctx = v };

	*v = (struct dma_vtd){ .unit = u, .bus = bus, .devfn = devfn, .release = rel,
			       .release_ctx = ctx };
	c.caching_mode = u && vtd_caching_mode(u);
	c.write_buffer_flush = u && vtd_needs_write_buffer_flush(u);
	if (u && vtd_iopt_init(u, &v->pt))
		return -1;
	if (u && c.policy != DMA_POLICY_OFF) {
		v->did = vtd_attach(u, bus, devfn, &v->pt);
		if (v->did < 0)
			return -1;
	}
	/* policy=off keeps the device where it was: in the identity (or
	 * pass-through) domain, so its bus addresses are physical ones. */
	size_t bytes = dma_storage_bytes(&c);
	v->storage_pages = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
	v->storage = v->storage_pages ? (void *)page_alloc(v->storage_pages) : NULL;
	if (v->storage_pages && !v->storage) {
		kprintf("dma: no memory for %lu KiB of DMA bookkeeping\n", bytes / 1024);
		return -1;
	}
	int rc = dma_domain_init(&v->dom, c.policy == DMA_POLICY_OFF ? NULL : &v->pt, &c, &ops,
				 v->storage, bytes);
	if (rc < 0) {
		kprintf("dma: cannot set up the DMA layer (%d)\n", rc);
		return -1;
	}
	return 0;
}

void dma_vtd_reset_stats(struct dma_vtd *v)
{
	dma_reset_stats(&v->dom);
	v->now_calls = 0;
}

int dma_vtd_detach(struct dma_vtd *v)
{
	v->master_at_detach = pci_bus_master(v->bus, PCI_SLOT(v->devfn), PCI_FUNC(v->devfn));
	if (dma_flush(&v->dom) < 0)
		v->inval_failures++;
	if (v->unit && v->did > 0 && vtd_detach(v->unit, v->bus, v->devfn) < 0)
		v->inval_failures++;
	/* After a failed invalidation the unit may still cache entries of
	 * these tables (and the context entry pointing at them): freed and
	 * reused, they would steer the device's DMA anywhere. */
	bool keep_tables = v->unit && v->inval_failures;
	if (keep_tables)
		kprintf("dma: %lu invalidation%s of domain %d failed: its page tables stay "
			"allocated for good\n", v->inval_failures, v->inval_failures == 1 ? "" : "s",
			v->did);
	else if (v->unit)
		iopt_destroy(&v->pt);
	if (v->storage)
		page_free((uint64_t)v->storage, v->storage_pages);
	return keep_tables ? 1 : 0;
}

/* Glue between the DMA layer (lib/dma, policy logic) and the VT-d driver
 * (drivers/vtd, hardware): the DMA layer's invalidation requests become
 * vtd_inval_submit/vtd_inval_wait on the device's unit and domain id, and
 * its write-buffer flushes (CAP.RWBF units) vtd_write_buffer_flush. Where
 * the device goes follows the policy: pass-through for off, a 1:1
 * translated domain for identity, a domain of its own for the others. */
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

/* The kernel maps RAM one-to-one. */
static void *phys_to_ptr(void *ctx, uint64_t phys)
{
	(void)ctx;
	return (void *)phys;
}

/* Where the device goes for the policy; v->did 0 when it stays where it
 * was (VT-d off). */
static int place_device(struct dma_vtd *v, struct vtd_unit *u, enum dma_policy policy)
{
	if (!u) {
		v->translation = "none";
		return 0;
	}
	if (policy == DMA_POLICY_OFF && vtd_has_passthrough(u)) {
		v->translation = "passthrough";
		v->did = vtd_attach_passthrough(u, v->bus, v->devfn);
	} else if (policy == DMA_POLICY_OFF || policy == DMA_POLICY_IDENTITY) {
		if (policy == DMA_POLICY_OFF)
			kprintf("dma: vtd%u has no pass-through (ECAP.PT=0): policy off runs in the "
				"identity domain\n", vtd_unit_index(u));
		v->translation = "identity";
		v->did = vtd_attach_identity(u, v->bus, v->devfn);
	} else {
		v->translation = "remapped";
		v->did = vtd_attach(u, v->bus, v->devfn, &v->pt);
	}
	return v->did < 0 ? -1 : 0;
}

static bool remaps(enum dma_policy p)
{
	return p != DMA_POLICY_OFF && p != DMA_POLICY_IDENTITY;
}

int dma_vtd_attach(struct dma_vtd *v, struct vtd_unit *u, uint8_t bus, uint8_t devfn,
		   const struct dma_config *cfg, void (*rel)(void *, uint64_t), void *ctx)
{
	struct dma_config c = *cfg;
	struct dma_ops ops = { .inval_submit = submit, .inval_wait = wait, .now = now,
			       .release = release, .write_buffer_flush = write_buffer_flush,
			       .phys_to_ptr = phys_to_ptr, .ctx = v };

	*v = (struct dma_vtd){ .unit = u, .bus = bus, .devfn = devfn, .release = rel,
			       .release_ctx = ctx };
	c.caching_mode = u && vtd_caching_mode(u);
	c.write_buffer_flush = u && vtd_needs_write_buffer_flush(u);
	if (u && vtd_iopt_init(u, &v->pt))
		return -1;
	if (place_device(v, u, c.policy))
		return -1;
	if (c.policy == DMA_POLICY_BOUNCE) {
		v->bounce_pages = c.bounce_slots;
		v->bounce_phys = c.bounce_slots ? page_alloc(c.bounce_slots) : 0;
		if (!v->bounce_phys) {
			kprintf("dma: no memory for %u bounce slots\n", c.bounce_slots);
			return -1;
		}
		c.bounce_phys = v->bounce_phys;
	}
	size_t bytes = dma_storage_bytes(&c);
	v->storage_pages = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
	v->storage = v->storage_pages ? (void *)page_alloc(v->storage_pages) : NULL;
	if (v->storage_pages && !v->storage) {
		kprintf("dma: no memory for %lu KiB of DMA bookkeeping\n", bytes / 1024);
		return -1;
	}
	int rc = dma_domain_init(&v->dom, remaps(c.policy) ? &v->pt : NULL, &c, &ops, v->storage,
				 bytes);
	if (rc < 0) {
		kprintf("dma: cannot set up the DMA layer (%d)\n", rc);
		return -1;
	}
	return 0;
}

const char *dma_vtd_translation(const struct dma_vtd *v)
{
	return v->translation ? v->translation : "none";
}

void dma_vtd_reset_stats(struct dma_vtd *v)
{
	dma_reset_stats(&v->dom);
	v->now_calls = 0;
}

uint64_t dma_vtd_phase_sum(const struct dma_vtd *v)
{
	const struct dma_stats *d = dma_get_stats(&v->dom);
	uint64_t sum = 0;

	for (int i = 0; i < DMA_PHASE_COUNT; i++)
		sum += d->phase[i];
	return sum;
}

void dma_vtd_stream_counts(struct dma_vtd *v, uint64_t *mmio_reads, uint64_t *mmio_writes,
			   uint64_t *faults)
{
	*mmio_reads = *mmio_writes = *faults = 0;
	if (!v->unit)
		return;
	*mmio_reads = vtd_get_stats(v->unit)->mmio_reads;
	*mmio_writes = vtd_get_stats(v->unit)->mmio_writes;
	vtd_fault_poll(v->unit);
	*faults = vtd_get_stats(v->unit)->faults;
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
	/* The slots are reachable through the tables as long as they are. */
	if (v->bounce_phys && !keep_tables)
		page_free(v->bounce_phys, v->bounce_pages);
	return keep_tables ? 1 : 0;
}

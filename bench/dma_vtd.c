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
	struct dma_vtd_lane *l = ctx;
	struct dma_vtd *v = l->v;
	int rc = vtd_inval_submit_on(v->unit, l->cpu, g, (uint16_t)v->did, iova, npages);

	if (rc)
		l->inval_failures++;
	return rc;
}

static int wait(void *ctx)
{
	struct dma_vtd_lane *l = ctx;
	struct dma_vtd *v = l->v;
	int rc = vtd_inval_wait_on(v->unit, l->cpu);

	if (!rc && l->cpu == 0 && v->fail_waits) {
		/* The test hook: the unit really finished, the DMA layer is
		 * told it did not, as after a timed-out wait. */
		v->fail_waits--;
		kprintf("dma: invalidation wait reported as failed on purpose (test)\n");
		rc = -1;
	}
	if (rc)
		l->inval_failures++;
	return rc;
}

static int write_buffer_flush(void *ctx)
{
	struct dma_vtd_lane *l = ctx;

	return vtd_write_buffer_flush(l->v->unit);
}

static uint64_t now(void *ctx)
{
	struct dma_vtd_lane *l = ctx;

	l->now_calls++;
	return rdtsc_ordered();
}

static void release(void *ctx, uint64_t cookie)
{
	struct dma_vtd_lane *l = ctx;

	if (l->release)
		l->release(l->release_ctx, cookie);
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

/* The DMA layer's bookkeeping, and with several lanes their states. */
static int alloc_storage(struct dma_vtd *v, const struct dma_config *c, unsigned lanes,
			 size_t *bytes)
{
	*bytes = lanes > 1 ? dma_group_storage_bytes(c, lanes) : dma_storage_bytes(c);
	v->storage_pages = (*bytes + PAGE_SIZE - 1) / PAGE_SIZE;
	v->storage = v->storage_pages ? (void *)page_alloc(v->storage_pages) : NULL;
	if (v->storage_pages && !v->storage) {
		kprintf("dma: no memory for %lu KiB of DMA bookkeeping\n", *bytes / 1024);
		return -1;
	}
	if (lanes > 1) {
		v->lane_dom_pages = (lanes * sizeof(struct dma_domain) + PAGE_SIZE - 1) / PAGE_SIZE;
		v->lane_dom = (struct dma_domain *)page_alloc(v->lane_dom_pages);
		if (!v->lane_dom) {
			kprintf("dma: no memory for %u lanes\n", lanes);
			return -1;
		}
	}
	return 0;
}

int dma_vtd_attach_cpus(struct dma_vtd *v, struct vtd_unit *u, uint8_t bus, uint8_t devfn,
			const struct dma_config *cfg, unsigned lanes,
			void (*rel)(void *, uint64_t), void *const *ctx)
{
	struct dma_config c = *cfg;
	static struct dma_ops ops[CPUS_MAX];

	if (lanes < 1 || lanes > CPUS_MAX)
		return -1;
	*v = (struct dma_vtd){ .unit = u, .bus = bus, .devfn = devfn, .lanes = lanes };
	for (unsigned i = 0; i < lanes; i++) {
		v->lane[i] = (struct dma_vtd_lane){ .v = v, .cpu = i, .release = rel,
						    .release_ctx = ctx[i] };
		ops[i] = (struct dma_ops){ .inval_submit = submit, .inval_wait = wait, .now = now,
					   .release = release,
					   .write_buffer_flush = write_buffer_flush,
					   .phys_to_ptr = phys_to_ptr, .ctx = &v->lane[i] };
	}
	c.caching_mode = u && vtd_caching_mode(u);
	c.write_buffer_flush = u && vtd_needs_write_buffer_flush(u);
	if (u && vtd_iopt_init(u, &v->pt))
		return -1;
	if (place_device(v, u, c.policy))
		return -1;
	if (c.policy == DMA_POLICY_BOUNCE) {
		v->bounce_pages = c.bounce_slots * lanes;
		v->bounce_phys = v->bounce_pages ? page_alloc(v->bounce_pages) : 0;
		if (!v->bounce_phys) {
			kprintf("dma: no memory for %u bounce slots\n", v->bounce_pages);
			return -1;
		}
		c.bounce_phys = v->bounce_phys;
		c.bounce_slots = v->bounce_pages; /* lib/dma shares them out among the lanes */
	}
	size_t bytes;
	if (alloc_storage(v, &c, lanes, &bytes))
		return -1;
	struct iopt *pt = remaps(c.policy) ? &v->pt : NULL;
	int rc = lanes > 1 ? dma_group_init(&v->group, v->lane_dom, lanes, pt, &c, ops, v->storage,
					    bytes)
			   : dma_domain_init(&v->dom, pt, &c, ops, v->storage, bytes);
	if (rc < 0) {
		kprintf("dma: cannot set up the DMA layer (%d)\n", rc);
		return -1;
	}
	return 0;
}

int dma_vtd_attach(struct dma_vtd *v, struct vtd_unit *u, uint8_t bus, uint8_t devfn,
		   const struct dma_config *cfg, void (*rel)(void *, uint64_t), void *ctx)
{
	return dma_vtd_attach_cpus(v, u, bus, devfn, cfg, 1, rel, &ctx);
}

struct dma_domain *dma_vtd_domain(struct dma_vtd *v, unsigned lane)
{
	return v->lanes > 1 ? &v->lane_dom[lane] : &v->dom;
}

struct dma_stats dma_vtd_lane_stats(struct dma_vtd *v, unsigned lane)
{
	struct dma_stats d = *dma_get_stats(dma_vtd_domain(v, lane));

	if (v->unit && d.phase[DMA_PHASE_WAIT]) {
		uint64_t q = vtd_queue_lock_wait(v->unit, v->lane[lane].cpu).cycles;
		if (q > d.phase[DMA_PHASE_WAIT])
			q = d.phase[DMA_PHASE_WAIT];
		d.phase[DMA_PHASE_WAIT] -= q;
		d.phase[DMA_PHASE_LOCK] += q;
	}
	return d;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

void dma_stats_add(struct dma_stats *sum, const struct dma_stats *d)
{
	sum->maps += d->maps;
	sum->unmaps += d->unmaps;
	sum->inval_submits += d->inval_submits;
	sum->inval_waits += d->inval_waits;
	sum->inval_map += d->inval_map;
	sum->write_buffer_flushes += d->write_buffer_flushes;
	sum->flushes_hwm += d->flushes_hwm;
	sum->flushes_deadline += d->flushes_deadline;
	sum->flushes_forced += d->flushes_forced;
	sum->flushes_nospace += d->flushes_nospace;
	sum->retired_by_others += d->retired_by_others;
	sum->queued_max = max_u64(sum->queued_max, d->queued_max);
	sum->leaked += d->leaked;
	sum->window_count += d->window_count;
	sum->window_sum += d->window_sum;
	sum->window_max = max_u64(sum->window_max, d->window_max);
	sum->window_unmaps_sum += d->window_unmaps_sum;
	sum->window_unmaps_max = max_u64(sum->window_unmaps_max, d->window_unmaps_max);
	for (int i = 0; i < DMA_PHASE_COUNT; i++)
		sum->phase[i] += d->phase[i];
	sum->lock.acquired += d->lock.acquired;
	sum->lock.contended += d->lock.contended;
	sum->lock.cycles += d->lock.cycles;
	for (int g = 0; g < DMA_GRAN_COUNT; g++)
		log2_hist_merge(&sum->inval_latency[g], &d->inval_latency[g]);
}

const char *dma_vtd_translation(const struct dma_vtd *v)
{
	return v->translation ? v->translation : "none";
}

void dma_vtd_reset_stats(struct dma_vtd *v)
{
	for (unsigned i = 0; i < v->lanes; i++) {
		dma_reset_stats(dma_vtd_domain(v, i));
		v->lane[i].now_calls = 0;
	}
}

uint64_t dma_vtd_phase_sum(const struct dma_vtd *v, unsigned lane)
{
	const struct dma_stats *d = dma_get_stats(dma_vtd_domain((struct dma_vtd *)v, lane));
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
	/* Every CPU's job has ended: the lanes are CPU 0's to flush now. */
	for (unsigned i = 0; i < v->lanes; i++) {
		if (dma_flush(dma_vtd_domain(v, i)) < 0)
			v->inval_failures++;
		v->inval_failures += v->lane[i].inval_failures;
	}
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
	if (v->lane_dom)
		page_free((uint64_t)v->lane_dom, v->lane_dom_pages);
	/* The slots are reachable through the tables as long as they are. */
	if (v->bounce_phys && !keep_tables)
		page_free(v->bounce_phys, v->bounce_pages);
	return keep_tables ? 1 : 0;
}

/* Result lines and count checks of the measured streams (row_checks.h). */
#include "bench/row_checks.h"
#include "kernel/console.h"
#include "kernel/mem.h"

static int check(int ok, const char *workload, const char *policy, const char *what)
{
	kprintf("%s: %s: %s: %s\n", ok ? "PASS" : "FAIL", workload, policy, what);
	return !ok;
}

/* What the policy promises about invalidations, checked against what the
 * DMA layer counted: strict one per unmap, batched one per flush (or one
 * per queued entry when flushing page ranges), pool, off, identity and
 * bounce none per packet. Caching mode adds one per map (bounce's slots
 * are mapped before the stream). `unmaps` is what the stream must have
 * unmapped at least (strict, bounce). */
static int check_policy(const char *work, enum dma_policy policy, const struct dma_stats *d,
			uint64_t unmaps, unsigned hwm, unsigned fq_size, enum dma_gran gran, bool cm)
{
	const char *name = dma_policy_name(policy);
	uint64_t map_invals = cm ? d->maps : 0;
	uint64_t flushes = d->flushes_hwm + d->flushes_deadline + d->flushes_forced;

	switch (policy) {
	case DMA_POLICY_STRICT:
		return check(d->inval_submits == d->unmaps + map_invals && d->unmaps >= unmaps, work,
			     name, "one invalidation per unmap");
	case DMA_POLICY_BATCHED:
		return check(d->flushes_hwm <= d->unmaps / hwm &&
			     flushes >= (d->unmaps + hwm - 1) / hwm &&
			     (gran == DMA_GRAN_PAGES || d->inval_submits == flushes + map_invals),
			     work, name,
			     "one invalidation per flush; flushes at the high-water mark or the deadline");
	case DMA_POLICY_FQ:
		/* Each CPU's ring flushes when it holds fq_size entries no flush
		 * covered, or at its deadline (or when its IOVAs ran out), one
		 * domain-selective invalidation each, retiring at most fq_size
		 * entries; the rest were retired by other CPUs' flushes. Over
		 * the CPUs the sums keep both bounds. */
		return check(d->flushes_hwm <= d->unmaps / fq_size &&
			     (flushes + d->flushes_nospace) * fq_size + d->retired_by_others >=
				     d->unmaps &&
			     d->inval_submits == flushes + d->flushes_nospace + map_invals,
			     work, name,
			     "one domain invalidation per flush; flushes when a CPU's ring is full "
			     "or at its deadline");
	case DMA_POLICY_POOL:
		return check(d->maps == 0 && d->unmaps == 0 && d->inval_submits == 0, work, name,
			     "no per-packet map, unmap or invalidation");
	case DMA_POLICY_OFF:
	case DMA_POLICY_IDENTITY:
		/* The driver still calls map/unmap; without remapping they cost
		 * nothing and never invalidate. */
		return check(d->inval_submits == 0 && d->maps == d->unmaps, work, name,
			     "no invalidation");
	case DMA_POLICY_BOUNCE:
		/* The slots stay mapped: copies, never an invalidation. */
		return check(d->maps == d->unmaps && d->unmaps >= unmaps && d->inval_submits == 0,
			     work, name, "a copy per map and unmap, no invalidation");
	}
	return 0;
}

int check_net_counts(const struct stream_config *cfg, const struct stream_result *r, bool cm)
{
	const char *name = dma_policy_name(cfg->policy);
	int failed = 0;

	failed += check(r->sent == cfg->packets && r->received == cfg->packets && !r->lost &&
			!r->duplicated && !r->corrupted,
			"stream", name, "every frame came back intact (none lost, duplicated or corrupted)");
	failed += check(r->faults == 0, "stream", name, "no DMA fault");
	failed += check_policy("stream", cfg->policy, &r->dma, 2 * cfg->packets, cfg->hwm,
			       cfg->fq_size, cfg->batch_gran, cm);
	return failed;
}

/* NVMe: every read of every CPU completed and checked, and the unmaps
 * exact: strict one invalidation per data unmap plus one per PRP-list
 * unmap; bounce maps the data page by page. */
int check_nvme_counts(const struct nvme_stream_config *cfg, const struct nvme_stream_result *r,
		      bool cm)
{
	const struct stream_result *s = &r->res;
	const char *name = dma_policy_name(cfg->policy);
	uint64_t pages = (cfg->io_bytes + PAGE_SIZE - 1) / PAGE_SIZE;
	uint64_t ios = cfg->ios * (cfg->cpus ? cfg->cpus : 1);
	uint64_t data_unmaps = cfg->policy == DMA_POLICY_BOUNCE ? ios * pages : ios;
	uint64_t unmaps = data_unmaps + r->prp_lists;
	int failed = 0;

	failed += check(s->sent == ios && s->received == ios && !s->lost && !s->corrupted,
			"nvme", name, "every read completed and every block in it checked (none lost "
			"or mismatched)");
	failed += check(r->command_errors == 0, "nvme", name, "no command error");
	failed += check(s->faults == 0, "nvme", name, "no DMA fault");
	failed += check(r->prp_lists == (pages > 2 ? ios : 0), "nvme", name,
			"a PRP list for every read over two pages, none otherwise");
	if (cfg->policy == DMA_POLICY_STRICT || cfg->policy == DMA_POLICY_BOUNCE)
		failed += check(s->dma.unmaps == unmaps, "nvme", name,
				"one unmap per data buffer and per PRP list");
	failed += check_policy("nvme", cfg->policy, &s->dma, unmaps, cfg->hwm, cfg->fq_size,
			       cfg->batch_gran, cm);
	return failed;
}

void print_net_result(const struct stream_config *cfg, const struct stream_result *r)
{
	const struct dma_stats *d = &r->dma;
	uint64_t per_packet = r->sent ? r->tsc_cycles / r->sent : 0;

	kprintf("result: policy=%s packets=%lu size=%u received=%lu lost=%lu duplicated=%lu "
		"corrupted=%lu faults=%lu cycles_per_packet=%lu maps=%lu unmaps=%lu "
		"invalidations=%lu waits=%lu flushes_hwm=%lu flushes_deadline=%lu flushes_forced=%lu "
		"timer_interrupts=%lu mmio_reads=%lu mmio_writes=%lu retired_by_others=%lu\n",
		dma_policy_name(cfg->policy), r->sent, cfg->size, r->received, r->lost, r->duplicated,
		r->corrupted, r->faults, per_packet, d->maps, d->unmaps, d->inval_submits,
		d->inval_waits, d->flushes_hwm, d->flushes_deadline, d->flushes_forced,
		r->timer_interrupts, r->mmio_reads, r->mmio_writes, d->retired_by_others);
}

void print_nvme_result(const struct nvme_stream_config *cfg, const struct nvme_stream_result *nr)
{
	const struct stream_result *r = &nr->res;
	const struct dma_stats *d = &r->dma;
	uint64_t per_io = r->sent ? r->tsc_cycles / r->sent : 0;

	kprintf("result: workload=nvme policy=%s ios=%lu qd=%u io_bytes=%u pattern=%s "
		"received=%lu lost=%lu mismatches=%lu command_errors=%lu faults=%lu prp_lists=%lu "
		"blocks_checked=%lu cycles_per_io=%lu maps=%lu unmaps=%lu invalidations=%lu "
		"waits=%lu flushes_hwm=%lu flushes_deadline=%lu flushes_forced=%lu "
		"timer_interrupts=%lu mmio_reads=%lu mmio_writes=%lu cpus=%u retired_by_others=%lu\n",
		dma_policy_name(cfg->policy), r->sent, cfg->qd, cfg->io_bytes,
		nvme_pattern_names[cfg->pattern], r->received, r->lost, r->corrupted,
		nr->command_errors, r->faults, nr->prp_lists, nr->blocks_checked, per_io, d->maps,
		d->unmaps, d->inval_submits, d->inval_waits, d->flushes_hwm, d->flushes_deadline,
		d->flushes_forced, r->timer_interrupts, r->mmio_reads, r->mmio_writes, cfg->cpus,
		d->retired_by_others);
}

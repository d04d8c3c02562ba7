/* Runs the loopback stream for every row (a policy, or a point of a
 * sweep), `rounds` times in a rotated order, and prints what each cost and
 * how many invalidations it issued. */
#include "bench/experiment.h"
#include "drivers/e1000/e1000.h"
#include "drivers/vtd/vtd.h"
#include "kernel/console.h"
#include "kernel/exit.h"
#include "bench/microbench.h"
#include "bench/report/report.h"
#include "bench/net/stale.h"
#include "bench/net/stream.h"
#include "bench/net/teardown.h"
#include "kernel/tsc.h"

static int check(int ok, const char *policy, const char *what)
{
	kprintf("%s: stream: %s: %s\n", ok ? "PASS" : "FAIL", policy, what);
	return !ok;
}

/* What the policy promises about invalidations, checked against what the
 * DMA layer counted: strict one per unmap, batched one per flush (or one
 * per queued entry when flushing page ranges), pool, off, identity and
 * bounce none per packet. Caching mode adds one per map (bounce's slots
 * are mapped before the stream). */
static int check_counts(const struct stream_config *cfg, const struct stream_result *r, bool cm)
{
	const struct dma_stats *d = &r->dma;
	const char *name = dma_policy_name(cfg->policy);
	uint64_t map_invals = cm ? d->maps : 0;
	uint64_t flushes = d->flushes_hwm + d->flushes_deadline + d->flushes_forced;
	int failed = 0;

	failed += check(r->sent == cfg->packets && r->received == cfg->packets && !r->lost &&
			!r->duplicated && !r->corrupted,
			name, "every frame came back intact (none lost, duplicated or corrupted)");
	failed += check(r->faults == 0, name, "no DMA fault");
	switch (cfg->policy) {
	case DMA_POLICY_STRICT:
		failed += check(d->inval_submits == d->unmaps + map_invals && d->unmaps >= 2 * cfg->packets,
				name, "one invalidation per unmap");
		break;
	case DMA_POLICY_BATCHED:
		failed += check(d->flushes_hwm <= d->unmaps / cfg->hwm &&
				flushes >= (d->unmaps + cfg->hwm - 1) / cfg->hwm &&
				(cfg->batch_gran == DMA_GRAN_PAGES ||
				 d->inval_submits == flushes + map_invals),
				name, "one invalidation per flush; flushes at the high-water mark or the deadline");
		break;
	case DMA_POLICY_POOL:
		failed += check(d->maps == 0 && d->unmaps == 0 && d->inval_submits == 0, name,
				"no per-packet map, unmap or invalidation");
		break;
	case DMA_POLICY_OFF:
	case DMA_POLICY_IDENTITY:
		/* The driver still calls map/unmap; without remapping they cost
		 * nothing and never invalidate. */
		failed += check(d->inval_submits == 0 && d->maps == d->unmaps, name,
				"no invalidation");
		break;
	case DMA_POLICY_BOUNCE:
		/* The slots stay mapped: copies, never an invalidation. */
		failed += check(d->maps == d->unmaps && d->unmaps >= 2 * cfg->packets &&
					d->inval_submits == 0,
				name, "a copy per map and unmap, no invalidation");
		break;
	}
	return failed;
}

static void print_result(const struct stream_config *cfg, const struct stream_result *r)
{
	const struct dma_stats *d = &r->dma;
	uint64_t per_packet = r->sent ? r->tsc_cycles / r->sent : 0;

	kprintf("result: policy=%s packets=%lu size=%u received=%lu lost=%lu duplicated=%lu "
		"corrupted=%lu faults=%lu cycles_per_packet=%lu maps=%lu unmaps=%lu "
		"invalidations=%lu waits=%lu flushes_hwm=%lu flushes_deadline=%lu flushes_forced=%lu "
		"timer_interrupts=%lu mmio_reads=%lu mmio_writes=%lu\n",
		dma_policy_name(cfg->policy), r->sent, cfg->size, r->received, r->lost, r->duplicated,
		r->corrupted, r->faults, per_packet, d->maps, d->unmaps, d->inval_submits,
		d->inval_waits, d->flushes_hwm, d->flushes_deadline, d->flushes_forced,
		r->timer_interrupts, r->mmio_reads, r->mmio_writes);
}

#define MAX_ROWS 64

static struct report_row rows[MAX_ROWS];
static unsigned nrows;

static bool wanted(const struct kernel_options *opt, enum dma_policy p)
{
	for (unsigned i = 0; i < opt->policies; i++)
		if (opt->policy[i] == p)
			return true;
	return false;
}

static void add_row(const struct kernel_options *opt, const char *sweep, enum dma_policy p,
		    enum vtd_inval_mode inval, unsigned hwm, enum dma_gran gran, unsigned size)
{
	if (nrows == MAX_ROWS) {
		kprintf("experiment: more than %d rows asked for; the rest are skipped\n", MAX_ROWS);
		return;
	}
	struct report_row *r = &rows[nrows++];
	*r = (struct report_row){ .sweep = sweep, .inval = inval };
	r->cfg = (struct stream_config){
		.policy = p, .packets = opt->packets, .size = size, .hwm = hwm,
		.flush_ms = opt->flush_ms, .batch_gran = gran,
		.mac_loopback = opt->mac_loopback, .timing = true,
	};
}

/* One row per policy with the first value of every option; then, for each
 * option given as a list, one row per value (batched for hwm and the flush
 * granularity, the invalidating policies asked for for the interface, every
 * policy for the frame size). */
static void plan_rows(const struct kernel_options *opt, bool has_qi)
{
	enum vtd_inval_mode inval0 = opt->inval_list.v[0];
	unsigned hwm0 = opt->hwm_list.v[0], size0 = opt->size_list.v[0];
	enum dma_gran gran0 = opt->batch_inval_list.v[0];

	nrows = 0;
	for (unsigned i = 0; i < opt->policies; i++)
		add_row(opt, "policy", opt->policy[i], inval0, hwm0, gran0, size0);
	if (opt->inval_list.count > 1)
		for (unsigned v = 0; v < opt->inval_list.count; v++) {
			if (opt->inval_list.v[v] == VTD_INVAL_QI && !has_qi)
				continue;
			for (int p = DMA_POLICY_STRICT; p <= DMA_POLICY_BATCHED; p++)
				if (wanted(opt, (enum dma_policy)p))
					add_row(opt, "inval", (enum dma_policy)p, opt->inval_list.v[v],
						hwm0, gran0, size0);
		}
	if (opt->hwm_list.count > 1)
		for (unsigned v = 0; v < opt->hwm_list.count; v++)
			add_row(opt, "hwm", DMA_POLICY_BATCHED, inval0, opt->hwm_list.v[v], gran0,
				size0);
	if (opt->batch_inval_list.count > 1)
		for (unsigned v = 0; v < opt->batch_inval_list.count; v++)
			add_row(opt, "batch_inval", DMA_POLICY_BATCHED, inval0, hwm0,
				opt->batch_inval_list.v[v], size0);
	if (opt->size_list.count > 1)
		for (unsigned v = 0; v < opt->size_list.count; v++)
			for (unsigned i = 0; i < opt->policies; i++)
				add_row(opt, "size", opt->policy[i], inval0, hwm0, gran0,
					opt->size_list.v[v]);
}

/* Runs one row once: the interface it asks for, the NIC up under its
 * policy, a warm-up that is not counted, then the measured stream. The
 * stale-translation test runs in the first round only. */
static int run_row(const struct kernel_options *opt, struct e1000 *nic, struct vtd_unit *u,
		   struct report_row *row, unsigned round, bool check_streams, bool stale,
		   int *failed)
{
	struct stream_config *cfg = &row->cfg;

	if (u && vtd_get_inval_mode(u) != row->inval &&
	    vtd_set_inval_mode(u, row->inval))
		return EXIT_IOMMU_ERROR;
	kprintf("stream: row %u (%s), round %u of %u: policy %s, %s invalidation, %lu frames of %u "
		"bytes after %lu to warm up\n", (unsigned)(row - rows), row->sweep, round + 1,
		opt->rounds, dma_policy_name(cfg->policy), vtd_inval_mode_name(row->inval),
		cfg->packets, cfg->size, opt->warmup);
	struct stream *s = stream_open(nic, u, cfg);
	if (!s) {
		kprintf("stream: cannot start the NIC under policy %s\n", dma_policy_name(cfg->policy));
		return EXIT_NO_HARDWARE;
	}
	int rc = 0;
	if (opt->warmup) {
		struct stream_result warm;
		stream_set_quiet(s, true);
		rc = stream_run(s, opt->warmup, &warm);
		stream_set_quiet(s, false);
	}
	if (rc == 0)
		rc = stream_run(s, cfg->packets, &row->res);
	print_result(cfg, &row->res);
	if (check_streams)
		*failed += check_counts(cfg, &row->res, u && vtd_caching_mode(u));
	if (stale && u && round == 0)
		*failed += stream_stale_test(s);
	stream_close(s);
	if (rc < 0) {
		kprintf("stream: the %s stream stopped on an error (see above)\n",
			dma_policy_name(cfg->policy));
		return EXIT_NO_HARDWARE;
	}
	return EXIT_OK;
}

/* Without a supported NIC the invalidation micro-benchmarks still make a
 * report; the verdict still says the NIC is missing. */
static int micro_only(const struct kernel_options *opt)
{
	struct vtd_unit *u = opt->vtd ? vtd_unit(0) : NULL;

	if (!u || !vtd_translating(u))
		return EXIT_NO_NIC;
	report_context(opt, NULL);
	int n = microbench_run(u, rows, MAX_ROWS);
	if (n < 0)
		return EXIT_IOMMU_ERROR;
	for (int i = 0; i < n; i++)
		report_row((unsigned)i, &rows[i], 0, (unsigned)i);
	microbench_costs(u);
	report_finish(rows, (unsigned)n, 1, EXIT_NO_NIC);
	return EXIT_NO_NIC;
}

int experiment_run(const struct kernel_options *opt, bool check_streams, bool stale)
{
	struct e1000 nic;
	int failed = 0, verdict = EXIT_OK;

	if (e1000_probe(&nic) < 0)
		return micro_only(opt);
	struct vtd_unit *u = opt->vtd ? vtd_unit_for(nic.bus, PCI_DEVFN(nic.dev, nic.fn)) : NULL;
	if (opt->vtd && !u) {
		kprintf("stream: no VT-d unit covers the NIC %02x:%02x.%u\n", nic.bus, nic.dev, nic.fn);
		return EXIT_IOMMU_ERROR;
	}
	plan_rows(opt, u && vtd_has_qi(u));
	report_context(opt, &nic);
	unsigned round = 0;
	for (; round < opt->rounds && verdict == EXIT_OK; round++) {
		kprintf("stream: round %u of %u\n", round + 1, opt->rounds);
		for (unsigned pos = 0; pos < nrows && verdict == EXIT_OK; pos++) {
			unsigned i = rounds_row_at(nrows, round, pos);
			verdict = run_row(opt, &nic, u, &rows[i], round, check_streams, stale, &failed);
			if (verdict == EXIT_OK)
				report_row(i, &rows[i], round, pos);
		}
	}
	if (u && vtd_get_inval_mode(u) != opt->inval)
		vtd_set_inval_mode(u, opt->inval);
	if (u && verdict == EXIT_OK && microbench_costs(u))
		verdict = EXIT_IOMMU_ERROR;
	/* The stream's edges, after the rows (their report is complete). */
	if (check_streams && u && verdict == EXIT_OK && nrows) {
		failed += stream_lost_frames_test(&nic, u, &rows[0].cfg);
		failed += stream_teardown_test(&nic, u, &rows[0].cfg);
	}
	if (verdict == EXIT_OK && failed)
		verdict = EXIT_TEST_FAILED;
	/* A row that stopped on an error has no figures of that round; the
	 * summaries cover the rounds each row completed. */
	report_finish(rows, nrows, round, verdict);
	return verdict;
}

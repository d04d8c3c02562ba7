/* Runs each workload's streams (the NIC's packet stream, NVMe reads) for
 * every row (a policy, or a point of a sweep), `rounds` times in a rotated
 * order over the rows of every workload, and prints what each cost and how
 * many invalidations it issued. */
#include "bench/experiment.h"
#include "drivers/e1000/e1000.h"
#include "drivers/nvme/nvme.h"
#include "drivers/pci/pci.h"
#include "drivers/vtd/vtd.h"
#include "kernel/console.h"
#include "kernel/exit.h"
#include "bench/microbench.h"
#include "bench/plan.h"
#include "bench/report/report.h"
#include "bench/row_checks.h"
#include "bench/net/stale.h"
#include "bench/net/stream.h"
#include "bench/net/teardown.h"
#include "bench/nvme/nvme_stream.h"
#include "kernel/tsc.h"

#define MAX_ROWS 64

static struct report_row rows[MAX_ROWS];
static unsigned nrows;

/* The devices the workloads run on, and their VT-d units. */
struct devices {
	bool run[WORKLOAD_COUNT];
	struct e1000 nic;
	struct vtd_unit *nic_unit;
	struct nvme_ctrl *nvme;
	struct vtd_unit *nvme_unit;
};

/* Runs one row once: the interface it asks for, the NIC up under its
 * policy, a warm-up that is not counted, then the measured stream. The
 * stale-translation test runs in the first round only. */
static int run_net_row(const struct kernel_options *opt, struct e1000 *nic, struct vtd_unit *u,
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
	print_net_result(cfg, &row->res);
	if (check_streams)
		*failed += check_net_counts(cfg, &row->res, u && vtd_caching_mode(u));
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

/* The warm-up of an NVMe row: as many reads as the packet stream's
 * warm-up has frames, at most a tenth of the measured reads. */
static uint64_t nvme_warmup(const struct kernel_options *opt, const struct nvme_stream_config *c)
{
	return opt->warmup < c->ios / 10 ? opt->warmup : c->ios / 10;
}

/* One NVMe row once, as run_net_row does for the NIC. */
static int run_nvme_row(const struct kernel_options *opt, struct devices *dev,
			struct report_row *row, unsigned round, bool check_streams, bool stale,
			int *failed)
{
	struct nvme_stream_config *cfg = &row->nvme;
	struct vtd_unit *u = dev->nvme_unit;
	struct nvme_stream_result r;
	bool bad_option;

	if (u && vtd_get_inval_mode(u) != row->inval && vtd_set_inval_mode(u, row->inval))
		return EXIT_IOMMU_ERROR;
	kprintf("nvme: row %u (%s), round %u of %u: policy %s, %s invalidation, %lu %s reads of %u "
		"bytes at qd %u on %u CPU%s (each) after %lu to warm up\n", (unsigned)(row - rows),
		row->sweep, round + 1, opt->rounds, dma_policy_name(cfg->policy),
		vtd_inval_mode_name(row->inval), cfg->ios, nvme_pattern_names[cfg->pattern],
		cfg->io_bytes, cfg->qd, cfg->cpus, cfg->cpus == 1 ? "" : "s", nvme_warmup(opt, cfg));
	struct nvme_stream *s = nvme_stream_open(dev->nvme, u, cfg, &bad_option);
	if (!s) {
		kprintf("nvme: cannot start the reads under policy %s\n", dma_policy_name(cfg->policy));
		return bad_option ? EXIT_BAD_OPTION : EXIT_NO_HARDWARE;
	}
	int rc = 0;
	if (nvme_warmup(opt, cfg)) {
		nvme_stream_set_quiet(s, true);
		rc = nvme_stream_run(s, nvme_warmup(opt, cfg), &r);
		nvme_stream_set_quiet(s, false);
	}
	if (rc == 0)
		rc = nvme_stream_run(s, cfg->ios, &r);
	if (rc == -2) {
		/* A CPU still reading: its buffers and the domain stay as they are. */
		kprintf("nvme: the stream stays open for good; the run ends here\n");
		return EXIT_NO_HARDWARE;
	}
	row->res = r.res;
	for (unsigned i = 0; i < cfg->cpus; i++)
		row->cpu[i] = *nvme_stream_cpu(s, i);
	row->command_errors = r.command_errors;
	row->prp_lists = r.prp_lists;
	print_nvme_result(cfg, &r);
	if (check_streams)
		*failed += check_nvme_counts(cfg, &r, u && vtd_caching_mode(u));
	if (stale && u && round == 0 && rc == 0)
		*failed += nvme_stream_stale_test(s);
	nvme_stream_close(s);
	if (rc < 0) {
		kprintf("nvme: the %s stream stopped on an error (see above)\n",
			dma_policy_name(cfg->policy));
		return EXIT_NO_HARDWARE;
	}
	return EXIT_OK;
}

static int run_row(const struct kernel_options *opt, struct devices *dev, struct report_row *row,
		   unsigned round, bool check_streams, bool stale, int *failed)
{
	if (row->workload == WORKLOAD_NVME)
		return run_nvme_row(opt, dev, row, round, check_streams, stale, failed);
	return run_net_row(opt, &dev->nic, dev->nic_unit, row, round, check_streams, stale, failed);
}

/* Without a supported NIC or NVMe controller the invalidation
 * micro-benchmarks still make a report; the verdict still says the NIC is
 * missing. */
static int micro_only(const struct kernel_options *opt)
{
	struct vtd_unit *u = opt->vtd ? vtd_unit(0) : NULL;

	if (!u || !vtd_translating(u))
		return EXIT_NO_NIC;
	report_context(opt, NULL, NULL);
	int n = microbench_run(u, rows, MAX_ROWS);
	if (n < 0)
		return EXIT_IOMMU_ERROR;
	for (int i = 0; i < n; i++)
		report_row((unsigned)i, &rows[i], 0, (unsigned)i);
	microbench_costs(u);
	report_finish(rows, (unsigned)n, 1, EXIT_NO_NIC);
	return EXIT_NO_NIC;
}

/* The unit covering a device, or NULL without VT-d; -1 when VT-d is on
 * and none covers it. */
static int unit_for(const struct kernel_options *opt, const char *what, uint8_t bus, uint8_t dev,
		    uint8_t fn, struct vtd_unit **u)
{
	*u = opt->vtd ? vtd_unit_for(bus, PCI_DEVFN(dev, fn)) : NULL;
	if (opt->vtd && !*u) {
		kprintf("experiment: no VT-d unit covers the %s %02x:%02x.%u\n", what, bus, dev, fn);
		return -1;
	}
	return 0;
}

/* Which workloads run: those asked for (each needs its device), or by
 * default every one whose device is present. Returns EXIT_OK, or the
 * verdict when a device asked for is missing or has no unit. */
static int find_devices(const struct kernel_options *opt, struct devices *dev)
{
	bool want_net = !opt->workload_given || opt->workload[WORKLOAD_NET];
	bool want_nvme = !opt->workload_given || opt->workload[WORKLOAD_NVME];

	dev->run[WORKLOAD_NET] = want_net && e1000_probe(&dev->nic) == 0;
	dev->run[WORKLOAD_NVME] = want_nvme && nvme_probe(&dev->nvme) == 0;
	if (opt->workload_given && want_net && !dev->run[WORKLOAD_NET]) {
		kprintf("experiment: workload=net needs a supported NIC (see above)\n");
		return EXIT_NO_NIC;
	}
	if (opt->workload_given && want_nvme && !dev->run[WORKLOAD_NVME]) {
		kprintf("experiment: workload=nvme needs an NVMe controller (see above)\n");
		return EXIT_NO_HARDWARE;
	}
	if (dev->run[WORKLOAD_NET] &&
	    unit_for(opt, "NIC", dev->nic.bus, dev->nic.dev, dev->nic.fn, &dev->nic_unit))
		return EXIT_IOMMU_ERROR;
	if (dev->run[WORKLOAD_NVME]) {
		const struct nvme_info *in = nvme_get_info(dev->nvme);
		if (unit_for(opt, "NVMe controller", in->bus, in->dev, in->fn, &dev->nvme_unit))
			return EXIT_IOMMU_ERROR;
	}
	return EXIT_OK;
}

/* The controller started once before the rows, so that the report's
 * context names the drive and every nvme_io value is checked against its
 * block size and MDTS before anything is measured (EXIT_BAD_OPTION). */
static int nvme_preflight(const struct kernel_options *opt, struct devices *dev)
{
	const struct report_row *first = NULL;
	bool bad_option;

	/* The row with the most CPUs: its queue pairs and CPUs are checked too. */
	for (unsigned i = 0; i < nrows; i++)
		if (rows[i].workload == WORKLOAD_NVME && (!first || rows[i].nvme.cpus > first->nvme.cpus))
			first = &rows[i];
	if (!first)
		return EXIT_OK;
	struct nvme_stream *s = nvme_stream_open(dev->nvme, dev->nvme_unit, &first->nvme,
						 &bad_option);
	if (!s) {
		kprintf("nvme: the controller could not be started for the reads\n");
		return bad_option ? EXIT_BAD_OPTION : EXIT_NO_HARDWARE;
	}
	nvme_stream_close(s);
	const struct nvme_info *in = nvme_get_info(dev->nvme);
	int verdict = EXIT_OK;
	for (unsigned i = 0; i < opt->nvme_io_list.count; i++) {
		unsigned io = opt->nvme_io_list.v[i];
		if (io % in->block_size || (in->max_transfer && io > in->max_transfer)) {
			kprintf("options: nvme_io=%u does not fit the drive: reads are multiples of its "
				"%u-byte blocks, at most %u bytes (MDTS)\n", io, in->block_size,
				in->max_transfer);
			verdict = EXIT_BAD_OPTION;
		}
	}
	return verdict;
}

int experiment_run(const struct kernel_options *opt, bool check_streams, bool stale)
{
	static struct devices dev;
	int failed = 0, verdict = find_devices(opt, &dev);

	if (verdict != EXIT_OK)
		return verdict;
	if (!dev.run[WORKLOAD_NET] && !dev.run[WORKLOAD_NVME])
		return micro_only(opt);
	struct vtd_unit *u = dev.run[WORKLOAD_NET] ? dev.nic_unit : dev.nvme_unit;
	nrows = plan_rows(opt, dev.run, u && vtd_has_qi(u), rows, MAX_ROWS);
	if (dev.run[WORKLOAD_NVME] && (verdict = nvme_preflight(opt, &dev)) != EXIT_OK)
		return verdict;
	report_context(opt, dev.run[WORKLOAD_NET] ? &dev.nic : NULL,
		       dev.run[WORKLOAD_NVME] ? nvme_get_info(dev.nvme) : NULL);
	unsigned round = 0;
	for (; round < opt->rounds && verdict == EXIT_OK; round++) {
		kprintf("stream: round %u of %u\n", round + 1, opt->rounds);
		for (unsigned pos = 0; pos < nrows && verdict == EXIT_OK; pos++) {
			unsigned i = rounds_row_at(nrows, round, pos);
			verdict = run_row(opt, &dev, &rows[i], round, check_streams, stale, &failed);
			if (verdict == EXIT_OK)
				report_row(i, &rows[i], round, pos);
		}
	}
	for (int w = 0; w < WORKLOAD_COUNT; w++) {
		struct vtd_unit *wu = w == WORKLOAD_NET ? dev.nic_unit : dev.nvme_unit;
		if (dev.run[w] && wu && vtd_get_inval_mode(wu) != opt->inval)
			vtd_set_inval_mode(wu, opt->inval);
	}
	if (u && verdict == EXIT_OK && microbench_costs(u))
		verdict = EXIT_IOMMU_ERROR;
	/* The packet stream's edges, after the rows (their report is complete). */
	if (check_streams && dev.nic_unit && verdict == EXIT_OK && nrows &&
	    rows[0].workload == WORKLOAD_NET) {
		failed += stream_lost_frames_test(&dev.nic, dev.nic_unit, &rows[0].cfg);
		failed += stream_teardown_test(&dev.nic, dev.nic_unit, &rows[0].cfg);
	}
	if (verdict == EXIT_OK && failed)
		verdict = EXIT_TEST_FAILED;
	/* A row that stopped on an error has no figures of that round; the
	 * summaries cover the rounds each row completed. */
	report_finish(rows, nrows, round, verdict);
	return verdict;
}

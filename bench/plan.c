/* Planning the rows (see plan.h). Sweeps: the invalidation interface (the
 * invalidating policies asked for), hwm and the flush granularity
 * (batched) for every workload; the frame size for the packet stream, the
 * queue depth, the read size and the CPUs reading at once for NVMe (every
 * policy). */
#include "bench/plan.h"
#include "kernel/console.h"
#include "kernel/smp.h"

struct planner {
	const struct kernel_options *opt;
	struct report_row *rows;
	unsigned n, max;
	bool warned;
};

/* One point: everything at its first value but what the sweep varies. */
struct point {
	enum workload w;
	const char *sweep;
	enum dma_policy p;
	enum vtd_inval_mode inval;
	unsigned hwm;
	enum dma_gran gran;
	unsigned size;               /* net: frame bytes; nvme: bytes per read */
	unsigned qd;
	unsigned cpus;               /* nvme: CPUs reading at once */
};

/* The NVMe rows' CPU counts: cpus= as given, or else 1, 2, 4, ... up to
 * every CPU running, that count included (just 1 on one CPU). */
static struct uint_list cpu_counts(const struct kernel_options *opt)
{
	struct uint_list l = { 0 };
	unsigned most = smp_cpus();

	if (opt->cpus_given)
		return opt->cpus_list;
	for (unsigned c = 1; c < most && l.count < OPT_MAX_LIST - 1; c *= 2)
		l.v[l.count++] = c;
	l.v[l.count++] = most;
	return l;
}

static bool wanted(const struct kernel_options *opt, enum dma_policy p)
{
	for (unsigned i = 0; i < opt->policies; i++)
		if (opt->policy[i] == p)
			return true;
	return false;
}

static void add(struct planner *pl, const struct point *pt)
{
	const struct kernel_options *opt = pl->opt;

	if (pl->n == pl->max) {
		if (!pl->warned)
			kprintf("experiment: more than %u rows asked for; the rest are skipped\n",
				pl->max);
		pl->warned = true;
		return;
	}
	struct report_row *r = &pl->rows[pl->n++];
	*r = (struct report_row){ .workload = pt->w, .sweep = pt->sweep, .inval = pt->inval };
	r->cfg = (struct stream_config){
		.policy = pt->p, .packets = pt->w == WORKLOAD_NVME ? opt->ios * pt->cpus : opt->packets,
		.size = pt->size, .hwm = pt->hwm, .fq_size = opt->fq_size, .flush_ms = opt->flush_ms,
		.batch_gran = pt->gran, .mac_loopback = opt->mac_loopback, .timing = true,
	};
	if (pt->w == WORKLOAD_NVME)
		r->nvme = (struct nvme_stream_config){
			.policy = pt->p, .ios = opt->ios, .cpus = pt->cpus, .qd = pt->qd,
			.io_bytes = pt->size, .pattern = opt->nvme_pattern, .hwm = pt->hwm,
			.fq_size = opt->fq_size, .flush_ms = opt->flush_ms, .batch_gran = pt->gran,
			.timing = true,
		};
}

/* Every policy asked for at the point. */
static void add_policies(struct planner *pl, struct point pt)
{
	for (unsigned i = 0; i < pl->opt->policies; i++) {
		pt.p = pl->opt->policy[i];
		add(pl, &pt);
	}
}

static void plan_workload(struct planner *pl, enum workload w, bool has_qi)
{
	const struct kernel_options *opt = pl->opt;
	const struct uint_list *sizes = w == WORKLOAD_NVME ? &opt->nvme_io_list : &opt->size_list;
	const struct uint_list cpus = cpu_counts(opt);
	const struct point first = {
		.w = w, .sweep = "policy", .inval = opt->inval_list.v[0], .hwm = opt->hwm_list.v[0],
		.gran = opt->batch_inval_list.v[0], .size = sizes->v[0],
		.qd = w == WORKLOAD_NVME ? opt->nvme_qd_list.v[0] : 0,
		.cpus = w == WORKLOAD_NVME ? cpus.v[0] : 1,
	};
	struct point pt = first;

	add_policies(pl, pt);
	pt.sweep = "inval";
	for (unsigned v = 0; opt->inval_list.count > 1 && v < opt->inval_list.count; v++) {
		pt.inval = opt->inval_list.v[v];
		if (pt.inval == VTD_INVAL_QI && !has_qi)
			continue;
		for (int p = DMA_POLICY_STRICT; p <= DMA_POLICY_BATCHED; p++) {
			pt.p = (enum dma_policy)p;
			if (wanted(opt, pt.p))
				add(pl, &pt);
		}
	}
	pt = first;
	pt.sweep = "hwm";
	pt.p = DMA_POLICY_BATCHED;
	for (unsigned v = 0; opt->hwm_list.count > 1 && v < opt->hwm_list.count; v++) {
		pt.hwm = opt->hwm_list.v[v];
		add(pl, &pt);
	}
	pt = first;
	pt.sweep = "batch_inval";
	pt.p = DMA_POLICY_BATCHED;
	for (unsigned v = 0; opt->batch_inval_list.count > 1 && v < opt->batch_inval_list.count; v++) {
		pt.gran = opt->batch_inval_list.v[v];
		add(pl, &pt);
	}
	pt = first;
	pt.sweep = w == WORKLOAD_NVME ? "io_bytes" : "size";
	for (unsigned v = 0; sizes->count > 1 && v < sizes->count; v++) {
		pt.size = sizes->v[v];
		add_policies(pl, pt);
	}
	pt = first;
	pt.sweep = "qd";
	for (unsigned v = 0; w == WORKLOAD_NVME && opt->nvme_qd_list.count > 1 &&
			     v < opt->nvme_qd_list.count; v++) {
		pt.qd = opt->nvme_qd_list.v[v];
		add_policies(pl, pt);
	}
	pt = first;
	pt.sweep = "cpus";
	for (unsigned v = 0; w == WORKLOAD_NVME && cpus.count > 1 && v < cpus.count; v++) {
		pt.cpus = cpus.v[v];
		add_policies(pl, pt);
	}
}

unsigned plan_rows(const struct kernel_options *opt, const bool run[WORKLOAD_COUNT], bool has_qi,
		   struct report_row *rows, unsigned max)
{
	struct planner pl = { .opt = opt, .rows = rows, .max = max };

	for (int w = 0; w < WORKLOAD_COUNT; w++)
		if (run[w])
			plan_workload(&pl, (enum workload)w, has_qi);
	return pl.n;
}

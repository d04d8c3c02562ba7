/* What the invalidation machinery's pieces cost on this unit, in every
 * report: one register read, one register write, an empty queued wait, and
 * an IOTLB invalidation with its wait per interface and granularity, each
 * timed alone COST_ITERATIONS times in a domain no device uses. Then a
 * page invalidation's mean is split into its register accesses (counted by
 * the driver, priced at the probes' means) and the rest: descriptor writes,
 * polling, and the hardware's or the emulator's own work. */
#include "bench/microbench.h"
#include "bench/report/report.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/tsc.h"
#include "lib/stats.h"

/* Small enough that all of it takes well under 2 s under TCG. */
#define COST_ITERATIONS 2000
#define COST_WARMUP 50
#define COST_IOVA 0x100000ull

enum cost_what { COST_MMIO_READ, COST_MMIO_WRITE, COST_WAIT, COST_INVAL, COST_WHAT_COUNT };

/* The JSON words of enum cost_what. */
static const char *const what_words[COST_WHAT_COUNT] = {
	[COST_MMIO_READ] = "mmio_read", [COST_MMIO_WRITE] = "mmio_write",
	[COST_WAIT] = "wait", [COST_INVAL] = "inval",
};

/* Said after the unit in the human line. */
static const char *const what_labels[COST_WHAT_COUNT] = {
	[COST_MMIO_READ] = "mmio_read (VER register)",
	[COST_MMIO_WRITE] = "mmio_write (FEDATA, its own value)",
	[COST_WAIT] = "wait (empty: status write, nothing before it)",
	[COST_INVAL] = "invalidation+wait",
};

struct cost_probe {
	struct vtd_unit *u;
	enum cost_what what;
	enum vtd_inval_mode inval;
	enum dma_gran gran;         /* COST_INVAL only */
	uint16_t did;
	uint32_t fedata;            /* what FEDATA holds, written back */
};

struct cost_result {
	struct stats_summary s;
	/* Register accesses during the measured runs (not the warm-up). */
	uint64_t reads, writes;
};

static uint32_t samples[COST_ITERATIONS];

/* One operation. With `what` a constant (cost_loop is inlined into each
 * case of measure) the switch folds away, so the timed interval holds the
 * operation alone. */
static inline __attribute__((always_inline)) int cost_step(const struct cost_probe *p,
							   enum cost_what what)
{
	switch (what) {
	case COST_MMIO_READ:
		(void)vtd_probe_read(p->u);
		return 0;
	case COST_MMIO_WRITE:
		vtd_probe_write(p->u, p->fedata);
		return 0;
	case COST_WAIT:
		return vtd_qi_empty_wait(p->u);
	case COST_INVAL:
		if (vtd_inval_submit(p->u, p->gran, p->did, COST_IOVA, 1))
			return -1;
		return vtd_inval_wait(p->u);
	case COST_WHAT_COUNT:
		break;
	}
	return -1;
}

static inline __attribute__((always_inline)) int cost_loop(const struct cost_probe *p,
							   enum cost_what what,
							   struct cost_result *r)
{
	uint64_t overhead = tsc_info()->read_overhead;
	const struct vtd_stats *st = vtd_get_stats(p->u);
	uint64_t reads = 0, writes = 0;

	for (unsigned i = 0; i < COST_WARMUP + COST_ITERATIONS; i++) {
		if (i == COST_WARMUP) {
			reads = st->mmio_reads;
			writes = st->mmio_writes;
		}
		uint64_t t0 = rdtsc_ordered();
		int rc = cost_step(p, what);
		uint64_t t1 = rdtsc_ordered();
		if (rc)
			return -1;
		if (i < COST_WARMUP)
			continue;
		uint64_t c = t1 - t0 > overhead ? t1 - t0 - overhead : 0;
		samples[i - COST_WARMUP] = c > UINT32_MAX ? UINT32_MAX : (uint32_t)c;
	}
	r->reads = st->mmio_reads - reads;
	r->writes = st->mmio_writes - writes;
	stats_summarize(samples, COST_ITERATIONS, &r->s);
	return 0;
}

static int measure(const struct cost_probe *p, struct cost_result *r)
{
	switch (p->what) {
	case COST_MMIO_READ:
		return cost_loop(p, COST_MMIO_READ, r);
	case COST_MMIO_WRITE:
		return cost_loop(p, COST_MMIO_WRITE, r);
	case COST_WAIT:
		return cost_loop(p, COST_WAIT, r);
	case COST_INVAL:
		return cost_loop(p, COST_INVAL, r);
	case COST_WHAT_COUNT:
		break;
	}
	return -1;
}

static void print_cost(const struct cost_probe *p, const struct cost_result *r)
{
	const struct stats_summary *s = &r->s;
	const char *inval = vtd_inval_mode_words[p->inval];
	const char *gran = p->what == COST_INVAL ? dma_gran_name(p->gran) : "";

	kprintf("REPORT {\"type\":\"cost\",\"schema\":%d,\"unit\":%u,\"what\":\"%s\",\"inval\":\"%s\","
		"\"gran\":\"%s\",\"iterations\":%u,\"mean\":%lu,\"p50\":%lu,\"p99\":%lu,\"min\":%lu,"
		"\"max\":%lu}\n", REPORT_SCHEMA, vtd_unit_index(p->u), what_words[p->what], inval,
		gran, COST_ITERATIONS, s->mean, s->p50, s->p99, s->min, s->max);
	if (p->what == COST_INVAL || p->what == COST_WAIT)
		kprintf("cost: vtd%u %s%s%s %s: ", vtd_unit_index(p->u), inval, *gran ? " " : "",
			gran, what_labels[p->what]);
	else
		kprintf("cost: vtd%u %s: ", vtd_unit_index(p->u), what_labels[p->what]);
	kprintf("p50 %lu p99 %lu mean %lu cycles (%u runs)\n", s->p50, s->p99, s->mean,
		COST_ITERATIONS);
}

/* Accesses per run, with two decimals (a register poll may take more
 * reads on some runs than on others). */
static void print_per_run(uint64_t total, const char *what)
{
	uint64_t hundredths = total * 100 / COST_ITERATIONS;

	kprintf("%lu.%02lu register %s", hundredths / 100, hundredths % 100, what);
}

/* A page invalidation + wait = its register accesses at the probes' mean
 * prices + the rest. */
static void print_split(const struct cost_probe *p, const struct cost_result *inval,
			const struct cost_result *rd, const struct cost_result *wr)
{
	uint64_t n = COST_ITERATIONS;
	uint64_t reg = (inval->reads * rd->s.mean + inval->writes * wr->s.mean) / n;
	uint64_t rest = inval->s.mean > reg ? inval->s.mean - reg : 0;

	kprintf("cost: vtd%u a %s page invalidation + wait (mean %lu cycles) = ",
		vtd_unit_index(p->u), vtd_inval_mode_name(p->inval), inval->s.mean);
	print_per_run(inval->writes, "writes");
	kprintf(" (%lu cycles each) + ", wr->s.mean);
	print_per_run(inval->reads, "reads");
	kprintf(" (%lu cycles each) + %lu cycles of the rest (descriptors, polling, the "
		"hardware's or emulator's own work)\n", rd->s.mean, rest);
}

/* Both interfaces the unit has, each at every granularity; the queued one
 * also with an empty wait. Leaves the unit in the interface it found. */
static int measure_invalidations(struct cost_probe *p, const struct cost_result *rd,
				 const struct cost_result *wr)
{
	struct cost_result r;

	for (int mode = VTD_INVAL_REG; mode <= VTD_INVAL_QI; mode++) {
		if (mode == VTD_INVAL_QI && !vtd_has_qi(p->u))
			continue;
		p->inval = (enum vtd_inval_mode)mode;
		if (vtd_get_inval_mode(p->u) != p->inval && vtd_set_inval_mode(p->u, p->inval))
			return -1;
		if (mode == VTD_INVAL_QI) {
			p->what = COST_WAIT;
			if (measure(p, &r))
				return -1;
			print_cost(p, &r);
		}
		p->what = COST_INVAL;
		for (p->gran = 0; p->gran < DMA_GRAN_COUNT; p->gran++) {
			if (measure(p, &r))
				return -1;
			print_cost(p, &r);
			if (p->gran == DMA_GRAN_PAGES)
				print_split(p, &r, rd, wr);
		}
	}
	return 0;
}

int microbench_costs(struct vtd_unit *u)
{
	enum vtd_inval_mode configured = vtd_get_inval_mode(u);
	int did = vtd_reserve_did(u);
	struct cost_result rd, wr;
	int rc;

	if (did < 0) {
		kprintf("cost: vtd%u: no free domain id for the cost micro-benchmarks\n",
			vtd_unit_index(u));
		return -1;
	}
	kprintf("cost: vtd%u: each piece alone, %u runs after %u to warm up, in domain %d (no "
		"device); cycles with a TSC read's cost removed\n", vtd_unit_index(u),
		COST_ITERATIONS, COST_WARMUP, did);
	struct cost_probe p = { .u = u, .inval = configured, .did = (uint16_t)did,
				.fedata = vtd_probe_fedata(u) };
	p.what = COST_MMIO_READ;
	rc = measure(&p, &rd);
	if (rc == 0) {
		print_cost(&p, &rd);
		p.what = COST_MMIO_WRITE;
		rc = measure(&p, &wr);
	}
	if (rc == 0) {
		print_cost(&p, &wr);
		rc = measure_invalidations(&p, &rd, &wr);
	}
	if (rc)
		kprintf("cost: vtd%u: the %s %s benchmark failed (see above)\n", vtd_unit_index(u),
			vtd_inval_mode_words[p.inval], what_words[p.what]);
	if (vtd_get_inval_mode(u) != configured && vtd_set_inval_mode(u, configured))
		rc = -1;
	/* The streams count from their own reset on; the totals keep these. */
	vtd_reset_stats(u);
	return rc;
}

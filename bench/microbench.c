/* The cost of the invalidation machinery alone, per interface and
 * granularity: a page is mapped and unmapped in a domain no device uses,
 * then the IOTLB is invalidated and the wait completes, as strict unmapping
 * does, without the NIC. Each iteration is timed in phases like a packet. */
#include "bench/microbench.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/mem.h"
#include "kernel/tsc.h"

#define ITERATIONS 20000
#define WARMUP 200
#define IOVA 0x100000ull

static int bench_one(struct vtd_unit *u, struct iopt *pt, uint16_t did, uint64_t page,
		     enum dma_gran g, uint32_t *samples, struct report_row *row)
{
	struct stream_result *r = &row->res;
	uint64_t overhead = tsc_info()->read_overhead;

	for (unsigned i = 0; i < WARMUP + ITERATIONS; i++) {
		uint64_t t0 = rdtsc_ordered();
		if (iopt_map(pt, IOVA, page, PAGE_SIZE, IOPT_R | IOPT_W))
			return -1;
		if (iopt_unmap(pt, IOVA, PAGE_SIZE))
			return -1;
		uint64_t t1 = rdtsc_ordered();
		if (vtd_inval_submit(u, g, did, IOVA, 1))
			return -1;
		uint64_t t2 = rdtsc_ordered();
		if (vtd_inval_wait(u))
			return -1;
		uint64_t t3 = rdtsc_ordered();
		if (i < WARMUP)
			continue;
		/* Each of the three intervals includes one TSC read's cost. */
		uint64_t pte = t1 - t0 > overhead ? t1 - t0 - overhead : 0;
		uint64_t submit = t2 - t1 > overhead ? t2 - t1 - overhead : 0;
		uint64_t wait = t3 - t2 > overhead ? t3 - t2 - overhead : 0;
		r->phase[PHASE_PTE] += pte;
		r->phase[PHASE_INVAL_SUBMIT] += submit;
		r->phase[PHASE_INVAL_WAIT] += wait;
		samples[i - WARMUP] = (uint32_t)(pte + submit + wait);
	}
	r->sent = r->received = ITERATIONS;
	r->translation = "remapped"; /* a domain of its own, no device in it */
	r->tsc_cycles = r->phase[PHASE_PTE] + r->phase[PHASE_INVAL_SUBMIT] + r->phase[PHASE_INVAL_WAIT];
	r->dma.maps = r->dma.unmaps = r->dma.inval_submits = r->dma.inval_waits = ITERATIONS;
	stats_summarize(samples, ITERATIONS, &r->per_packet);
	return 0;
}

int microbench_run(struct vtd_unit *u, struct report_row *rows_out, unsigned max)
{
	uint64_t sample_pages = (ITERATIONS * 4 + PAGE_SIZE - 1) / PAGE_SIZE;
	uint32_t *samples = (uint32_t *)page_alloc(sample_pages);
	uint64_t page = page_alloc(1);
	struct iopt pt;
	int did = vtd_reserve_did(u);
	unsigned rows = 0;

	if (!samples || !page || did < 0 || vtd_iopt_init(u, &pt)) {
		kprintf("micro: cannot set up the micro-benchmarks (memory or domain ids)\n");
		return -1;
	}
	kprintf("micro: invalidation micro-benchmarks on vtd%u: map, unmap, invalidate and wait, "
		"%u times per interface and granularity, no device DMA\n", vtd_unit_index(u), ITERATIONS);
	enum vtd_inval_mode configured = vtd_get_inval_mode(u);
	for (int mode = VTD_INVAL_REG; mode <= VTD_INVAL_QI; mode++) {
		if (mode == VTD_INVAL_QI && !vtd_has_qi(u))
			continue;
		if (vtd_set_inval_mode(u, (enum vtd_inval_mode)mode))
			return -1;
		for (enum dma_gran g = 0; g < DMA_GRAN_COUNT && rows < max; g++) {
			struct report_row *row = &rows_out[rows];
			*row = (struct report_row){ .sweep = "micro", .inval = mode };
			row->cfg = (struct stream_config){ .policy = DMA_POLICY_STRICT, .size = PAGE_SIZE,
							  .hwm = 1, .batch_gran = g,
							  .packets = ITERATIONS };
			if (bench_one(u, &pt, (uint16_t)did, page, g, samples, row)) {
				kprintf("micro: the %s %s benchmark failed\n",
					vtd_inval_mode_name((enum vtd_inval_mode)mode), dma_gran_name(g));
				return -1;
			}
			rows++;
		}
	}
	vtd_set_inval_mode(u, configured);
	iopt_destroy(&pt);
	page_free(page, 1);
	page_free((uint64_t)samples, sample_pages);
	return (int)rows;
}

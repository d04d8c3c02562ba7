/* One policy's NVMe read stream: the measured loop. Reads are queued until
 * qd are in flight, the doorbell is rung once for the batch, and each
 * completion is taken (unmap, check every block, count) and replaced.
 *
 * With timing on, the clock is read once at each completion taken: a
 * read's cycles are the interval since the previous one (at qd 1 its whole
 * path; deeper, what each read costs the stream), so their mean is the
 * stream's cycles per read. The DMA layer times its own phases; "device"
 * is the time spent waiting for the controller to post a completion (from
 * the doorbell, or the previous completion, on), less the DMA layer's work
 * done meanwhile (deadline flushes); "other" is the rest: queueing
 * commands, checking blocks, bookkeeping. Every ordered TSC read costs
 * `overhead` cycles; those are taken out.
 *
 * On several CPUs each runs this loop on its own queue pair and lane at
 * once, started together; CPU 0 then adds their figures up. A CPU's
 * cycles are its own span, so the sums are CPU cycles, and the wall time
 * from the first start to the last end gives the reads per second. */
#include "bench/nvme/nvme_stream_state.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/lapic.h"
#include "kernel/mem.h"
#include "kernel/smp.h"
#include "kernel/tsc.h"
#include "lib/string.h"

struct run_clock {
	bool timing;
	uint64_t overhead;
	uint64_t device;             /* waiting for completions, summed */
	uint64_t reads;              /* TSC reads made for the timing */
	uint64_t last, last_reads;   /* the previous completion's mark */
	uint32_t *samples;           /* cycles of each read */
	uint64_t nsamples, capacity;
};

/* A CPU waits this long for the others to be started with it. */
#define START_TIMEOUT_US 10000000
/* CPU 0 waits for another CPU's reads at most this long, beyond the time
 * each of its reads may take. */
#define FINISH_SLACK_US 60000000

/* The clock of one CPU's loop; its samples are its slice of the run's. */
static void clock_init(struct run_clock *c, const struct nvme_stream *s, uint64_t ios)
{
	*c = (struct run_clock){ .timing = s->cfg.timing, .overhead = tsc_info()->read_overhead,
				 .capacity = s->samples ? ios : 0, .samples = s->samples };
}

/* A read's cycles: since the previous mark, less the TSC reads' cost in
 * between (this one's and the DMA layer's). */
static void mark_read(const struct nvme_stream *s, struct run_clock *c)
{
	uint64_t t = rdtsc_ordered();

	c->reads++;
	uint64_t n_reads = c->reads + s->dv->lane[s->cpu].now_calls - c->last_reads;
	uint64_t cycles = t - c->last, cost = n_reads * c->overhead;
	cycles = cycles > cost ? cycles - cost : 0;
	if (c->nsamples < c->capacity)
		c->samples[c->nsamples++] = cycles > 0xffffffffull ? 0xffffffffu : (uint32_t)cycles;
	c->last = t;
	c->last_reads = c->reads + s->dv->lane[s->cpu].now_calls;
}

/* Queues reads until qd are in flight (or every read of the stream was
 * queued), then rings once. Each read's submission time (for its time-out)
 * is a TSC read inside the timed intervals: counted, so its cost is taken
 * out like the timing's own. */
static int fill_queue(struct nvme_stream *s, uint64_t ios, struct run_clock *c)
{
	unsigned queued = 0;

	while (s->inflight < s->cfg.qd && s->r->res.sent < ios) {
		if (nvme_queue_read(s, nvme_next_lba(s), rdtsc_ordered()))
			return -1;
		c->reads++;
		queued++;
	}
	if (queued)
		nvme_q_ring(s->q);
	return 0;
}

/* Waits for one completion (timed as the device's), then takes it and
 * every other already posted; the head doorbell once for them. */
static int take_completions(struct nvme_stream *s, struct run_clock *c)
{
	uint16_t tag, status;
	uint64_t tw0 = 0, d0 = 0;

	if (c->timing) {
		d0 = dma_vtd_phase_sum(s->dv, s->cpu);
		tw0 = rdtsc_ordered();
		c->reads++;
	}
	if (nvme_poll_wait(s, &tag, &status))
		return -1;
	if (c->timing) {
		uint64_t span = rdtsc_ordered() - tw0, inner = dma_vtd_phase_sum(s->dv, s->cpu) - d0;
		c->reads++;
		c->device += span > inner ? span - inner : 0;
	}
	int n = 0;
	do {
		if (nvme_complete(s, tag, status))
			return -1;
		if (c->timing)
			mark_read(s, c);
		n++;
	} while (nvme_q_poll(s->q, &tag, &status));
	nvme_q_cq_done(s->q);
	return nvme_service_deadline(s) < 0 ? -1 : n;
}

/* One CPU's cycles less every TSC read made for the timing, and its
 * phases, which add up to them. */
static void finish_part(struct nvme_stream *s, struct run_clock *c, uint64_t elapsed)
{
	struct stream_result *res = &s->part.res;

	res->dma = dma_vtd_lane_stats(s->dv, s->cpu);
	res->tsc_reads = c->reads + s->dv->lane[s->cpu].now_calls;
	uint64_t cost = res->tsc_reads * c->overhead;
	res->tsc_cycles = elapsed > cost ? elapsed - cost : 0;
	stream_split_phases(res, c->device);
	s->nsamples = c->nsamples;
	s->fig = (struct nvme_cpu_figures){
		.ios = res->received, .tsc_cycles = res->tsc_cycles,
		.lock_cycles = res->phase[PHASE_LOCK], .invalidations = res->dma.inval_submits,
		.pps = elapsed ? mul_div_u64(res->received, tsc_hz(), elapsed) : 0,
	};
}

static volatile bool go;

/* One CPU's measured loop; the counters were reset by CPU 0. */
static int run_loop(struct nvme_stream *s, uint64_t ios)
{
	struct nvme_stream_result *r = &s->part;
	uint64_t progress_every = ios / 10 ? ios / 10 : 1, next_progress = progress_every;
	struct run_clock clock;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	clock_init(&clock, s, ios);
	s->r = r;
	nvme_stream_arm_timer(s);
	uint64_t give_up = rdtsc_ordered() + tsc_from_us(START_TIMEOUT_US);
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		if (rdtsc_ordered() > give_up) {
			kprintf("nvme: CPU %u: the other CPUs were not started within %u s\n",
				s->cpu, START_TIMEOUT_US / 1000000);
			return -1;
		}
	uint64_t timer0 = lapic_timer_count();
	s->t_start = rdtsc_ordered();
	clock.last = s->t_start;
	cpu_sti();
	while (rc == 0 && (r->res.sent < ios || s->inflight)) {
		rc = fill_queue(s, ios, &clock);
		if (rc == 0 && take_completions(s, &clock) < 0)
			rc = -1;
		uint64_t done = r->res.sent - s->inflight;
		if (!s->cfg.quiet && s->cpu == 0 && done >= next_progress) {
			kprintf("nvme: %s: %lu of %lu reads%s\n", dma_policy_name(s->cfg.policy), done,
				ios, s->cfg.cpus > 1 ? " on CPU 0" : "");
			next_progress += progress_every;
		}
	}
	cpu_cli();
	lapic_timer_cancel();
	s->deadline.armed = false;
	/* The final flush belongs to the run. */
	if (deferred_policy(s->cfg.policy) && dma_flush(s->dom) < 0)
		rc = -1;
	s->t_end = rdtsc_ordered();
	finish_part(s, &clock, s->t_end - s->t_start);
	r->res.timer_interrupts = lapic_timer_count() - timer0;
	return rc;
}

static void run_job(void *arg)
{
	struct nvme_stream *s = arg;

	s->rc = run_loop(s, s->job_ios);
}

/* The run's per-read samples, one slice per CPU (timing only). */
static uint32_t *samples;
static uint64_t sample_pages;

static int alloc_samples(struct nvme_stream *lead, uint64_t ios)
{
	unsigned n = lead->cfg.cpus;

	sample_pages = lead->cfg.timing ? (n * ios * 4 + PAGE_SIZE - 1) / PAGE_SIZE : 0;
	samples = sample_pages ? (uint32_t *)page_alloc(sample_pages) : NULL;
	if (sample_pages && !samples) {
		kprintf("nvme: no memory for %lu per-read samples\n", n * ios);
		return -1;
	}
	for (unsigned i = 0; i < n; i++)
		nvme_stream_of_cpu(i)->samples = samples ? samples + i * ios : NULL;
	return 0;
}

/* CPU 0's sums of every CPU's part. */
static void add_parts(struct nvme_stream *lead, struct nvme_stream_result *r)
{
	struct stream_result *res = &r->res;
	uint64_t first = ~0ull, last = 0, nsamples = 0;

	for (unsigned i = 0; i < lead->cfg.cpus; i++) {
		const struct nvme_stream *s = nvme_stream_of_cpu(i);
		const struct stream_result *p = &s->part.res;
		res->sent += p->sent;
		res->received += p->received;
		res->lost += p->lost;
		res->corrupted += p->corrupted;
		res->timer_interrupts += p->timer_interrupts;
		res->deadlines_in_wait += p->deadlines_in_wait;
		res->tsc_cycles += p->tsc_cycles;
		res->tsc_reads += p->tsc_reads;
		for (int k = 0; k < PHASE_COUNT; k++)
			res->phase[k] += p->phase[k];
		dma_stats_add(&res->dma, &p->dma);
		r->command_errors += s->part.command_errors;
		r->prp_lists += s->part.prp_lists;
		r->blocks_checked += s->part.blocks_checked;
		r->bad_blocks += s->part.bad_blocks;
		first = s->t_start < first ? s->t_start : first;
		last = s->t_end > last ? s->t_end : last;
		/* The slices are moved together, so one summary covers them. */
		if (samples && s->nsamples && s->samples != samples + nsamples)
			memmove(samples + nsamples, s->samples, s->nsamples * sizeof(uint32_t));
		nsamples += s->nsamples;
	}
	res->wall_tsc = last > first ? last - first : 0;
	if (lead->cfg.cpus == 1)
		res->wall_tsc = res->tsc_cycles;
	res->translation = dma_vtd_translation(lead->dv);
	if (samples)
		stats_summarize(samples, nsamples, &res->per_packet);
}

int nvme_stream_run(struct nvme_stream *lead, uint64_t ios, struct nvme_stream_result *r)
{
	unsigned n = lead->cfg.cpus;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	if (alloc_samples(lead, ios))
		return -1;
	dma_vtd_reset_stats(lead->dv);
	if (lead->unit)
		vtd_reset_stats(lead->unit);
	__atomic_store_n(&go, false, __ATOMIC_RELEASE);
	unsigned started = 1;
	for (; started < n; started++) {
		struct nvme_stream *s = nvme_stream_of_cpu(started);
		s->job_ios = ios;
		s->rc = 0;
		s->cfg.quiet = lead->cfg.quiet;
		if (smp_start_on(started, run_job, s)) {
			kprintf("nvme: CPU %u could not be given its reads\n", started);
			rc = -1;
			break;
		}
	}
	__atomic_store_n(&go, true, __ATOMIC_RELEASE);
	if (rc == 0)
		rc = run_loop(lead, ios);
	uint64_t bound = FINISH_SLACK_US + ios * NVME_READ_TIMEOUT_US;
	for (unsigned i = 1; i < started; i++) {
		if (smp_wait_for(i, bound)) {
			/* It may still be reading into its buffers: nothing of
			 * the stream may be freed (the caller keeps it). */
			kprintf("nvme: CPU %u did not finish its reads\n", i);
			return -2;
		}
		if (nvme_stream_of_cpu(i)->rc)
			rc = -1;
	}
	add_parts(lead, r);
	dma_vtd_stream_counts(lead->dv, &r->res.mmio_reads, &r->res.mmio_writes, &r->res.faults);
	if (samples)
		page_free((uint64_t)samples, sample_pages);
	samples = NULL;
	return rc;
}

const struct nvme_cpu_figures *nvme_stream_cpu(const struct nvme_stream *s, unsigned i)
{
	(void)s;
	return &nvme_stream_of_cpu(i)->fig;
}

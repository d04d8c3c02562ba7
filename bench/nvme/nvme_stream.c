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
 * `overhead` cycles; those are taken out. */
#include "bench/nvme/nvme_stream_state.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/lapic.h"
#include "kernel/mem.h"
#include "kernel/tsc.h"
#include "lib/string.h"

struct run_clock {
	bool timing;
	uint64_t overhead;
	uint64_t device;             /* waiting for completions, summed */
	uint64_t reads;              /* TSC reads made for the timing */
	uint64_t last, last_reads;   /* the previous completion's mark */
	uint32_t *samples;           /* cycles of each read */
	uint64_t nsamples, capacity, sample_pages;
};

static int clock_init(struct run_clock *c, bool timing, uint64_t ios)
{
	*c = (struct run_clock){ .timing = timing, .overhead = tsc_info()->read_overhead,
				 .capacity = ios };
	c->sample_pages = timing ? (ios * 4 + PAGE_SIZE - 1) / PAGE_SIZE : 0;
	c->samples = c->sample_pages ? (uint32_t *)page_alloc(c->sample_pages) : NULL;
	if (c->sample_pages && !c->samples) {
		kprintf("nvme: no memory for %lu per-read samples\n", ios);
		return -1;
	}
	return 0;
}

/* A read's cycles: since the previous mark, less the TSC reads' cost in
 * between (this one's and the DMA layer's). */
static void mark_read(const struct nvme_stream *s, struct run_clock *c)
{
	uint64_t t = rdtsc_ordered();

	c->reads++;
	uint64_t n_reads = c->reads + s->dv.now_calls - c->last_reads;
	uint64_t cycles = t - c->last, cost = n_reads * c->overhead;
	cycles = cycles > cost ? cycles - cost : 0;
	if (c->nsamples < c->capacity)
		c->samples[c->nsamples++] = cycles > 0xffffffffull ? 0xffffffffu : (uint32_t)cycles;
	c->last = t;
	c->last_reads = c->reads + s->dv.now_calls;
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
		nvme_ring(s->ctrl);
	return 0;
}

/* Waits for one completion (timed as the device's), then takes it and
 * every other already posted; the head doorbell once for them. */
static int take_completions(struct nvme_stream *s, struct run_clock *c)
{
	uint16_t tag, status;
	uint64_t tw0 = 0, d0 = 0;

	if (c->timing) {
		d0 = dma_vtd_phase_sum(&s->dv);
		tw0 = rdtsc_ordered();
		c->reads++;
	}
	if (nvme_poll_wait(s, &tag, &status))
		return -1;
	if (c->timing) {
		uint64_t span = rdtsc_ordered() - tw0, inner = dma_vtd_phase_sum(&s->dv) - d0;
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
	} while (nvme_poll(s->ctrl, &tag, &status));
	nvme_cq_done(s->ctrl);
	return nvme_service_deadline(s) < 0 ? -1 : n;
}

/* The whole run's cycles less every TSC read made for the timing, and the
 * phases, which add up to it. */
static void finish_result(struct nvme_stream *s, struct nvme_stream_result *nr,
			  struct run_clock *c, uint64_t elapsed)
{
	struct stream_result *res = &nr->res;

	res->dma = *dma_get_stats(&s->dv.dom);
	res->translation = dma_vtd_translation(&s->dv);
	res->tsc_reads = c->reads + s->dv.now_calls;
	uint64_t cost = res->tsc_reads * c->overhead;
	res->tsc_cycles = elapsed > cost ? elapsed - cost : 0;
	stream_split_phases(res, c->device);
	if (c->samples) {
		stats_summarize(c->samples, c->nsamples, &res->per_packet);
		page_free((uint64_t)c->samples, c->sample_pages);
	}
	dma_vtd_stream_counts(&s->dv, &res->mmio_reads, &res->mmio_writes, &res->faults);
}

int nvme_stream_run(struct nvme_stream *s, uint64_t ios, struct nvme_stream_result *r)
{
	uint64_t timer0 = lapic_timer_count();
	uint64_t progress_every = ios / 10 ? ios / 10 : 1, next_progress = progress_every;
	struct run_clock clock;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	if (clock_init(&clock, s->cfg.timing, ios))
		return -1;
	s->r = r;
	dma_vtd_reset_stats(&s->dv);
	if (s->unit)
		vtd_reset_stats(s->unit);
	uint64_t t_start = rdtsc_ordered();
	clock.last = t_start;
	cpu_sti();
	while (rc == 0 && (r->res.sent < ios || s->inflight)) {
		rc = fill_queue(s, ios, &clock);
		if (rc == 0 && take_completions(s, &clock) < 0)
			rc = -1;
		uint64_t done = r->res.sent - s->inflight;
		if (!s->cfg.quiet && done >= next_progress) {
			kprintf("nvme: %s: %lu of %lu reads\n", dma_policy_name(s->cfg.policy), done, ios);
			next_progress += progress_every;
		}
	}
	cpu_cli();
	lapic_timer_cancel();
	s->deadline.armed = false;
	/* The final flush belongs to the run. */
	if (s->cfg.policy == DMA_POLICY_BATCHED && dma_flush(&s->dv.dom) < 0)
		rc = -1;
	finish_result(s, r, &clock, rdtsc_ordered() - t_start);
	r->res.timer_interrupts = lapic_timer_count() - timer0;
	return rc;
}

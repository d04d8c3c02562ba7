/* One policy's packet stream through the loopback NIC: the path a frame
 * takes and the measured loop. Per frame, as a 2008 network driver did with
 * the streaming DMA API: the transmit buffer is mapped before the
 * descriptor is posted and unmapped when it completes; each receive buffer
 * is mapped when posted and unmapped when a frame lands in it. Under `pool`
 * every buffer is mapped once when the stream opens (stream_setup.c).
 * Buffers go back to the free list only through the DMA layer's release
 * callback, so none is reused while a stale translation may reach it. */
#include "bench/net/stream_state.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/lapic.h"
#include "kernel/mem.h"
#include "kernel/tsc.h"
#include "lib/string.h"

#define ETHERTYPE_TEST 0x88b5        /* IEEE local experimental */
#define HEADER_BYTES 18              /* MAC header + sequence number */
#define READS_PER_PACKET 4           /* ordered TSC reads of a timed packet */

const char *const stream_phase_names[PHASE_COUNT] = {
	"iova", "pte", "inval_submit", "inval_wait", "copy", "lock", "device", "other",
};

void stream_buf_release(void *stream, uint64_t idx)
{
	struct stream *s = stream;

	s->free_list[s->nfree++] = (unsigned)idx;
	s->bufs[idx].released = true;
	s->bufs[idx].held_after_failure = false;
}

int stream_buf_get(struct stream *s, unsigned *idx)
{
	if (!s->nfree && deferred_policy(s->cfg.policy))
		dma_flush(&s->dv.dom); /* queued buffers come back after the flush */
	if (!s->nfree) {
		kprintf("stream: out of packet buffers (%u in use)\n", s->nbufs);
		return -1;
	}
	*idx = s->free_list[--s->nfree];
	s->bufs[*idx].released = false;
	return 0;
}

/* Only pool skips the per-packet calls; off and identity make them too
 * (they hand back the physical address), and bounce copies in them. */
static bool pooled(const struct stream *s)
{
	return s->cfg.policy == DMA_POLICY_POOL;
}

int stream_map_buf(struct stream *s, unsigned idx, size_t len, enum dma_dir dir, uint64_t *dev)
{
	if (pooled(s)) {
		*dev = s->bufs[idx].iova;
		return 0;
	}
	int rc = dma_map(&s->dv.dom, s->bufs[idx].phys, len, dir, dev);
	if (rc < 0)
		kprintf("stream: dma_map failed (%d)%s\n", rc,
			rc == DMA_ENOSPC ? ": the IOVA range is exhausted" : "");
	s->bufs[idx].iova = *dev;
	return rc;
}

int stream_unmap_buf(struct stream *s, unsigned idx, size_t len, enum dma_dir dir)
{
	if (pooled(s)) {
		stream_buf_release(s, idx);
		return 0;
	}
	int rc = dma_unmap(&s->dv.dom, s->bufs[idx].iova, len, dir, idx);
	if (rc < 0)
		kprintf("stream: dma_unmap failed (%d)\n", rc);
	if (rc == DMA_EIO && !s->bufs[idx].released)
		s->bufs[idx].held_after_failure = true; /* the device may still reach it */
	return rc;
}

/* The timer interrupt only flags the deadline (stream_setup.c); the flush
 * is done here, from the main loop. */
int stream_service_deadline(struct stream *s)
{
	return flush_deadline_serve(&s->deadline, &s->dv.dom);
}

void stream_fill_frame(const struct stream *s, uint8_t *f, uint32_t seq)
{
	memcpy(f, s->nic->mac, 6);
	memcpy(f + 6, s->nic->mac, 6);
	f[12] = ETHERTYPE_TEST >> 8;
	f[13] = ETHERTYPE_TEST & 0xff;
	memcpy(f + 14, &seq, 4);
	for (unsigned i = HEADER_BYTES; i < s->cfg.size; i++)
		f[i] = (uint8_t)(seq * 31 + i);
}

/* Checks a received frame; returns its sequence number, or -1 if it is
 * not one of ours or its contents are wrong. */
static int64_t check_frame(const struct stream *s, const uint8_t *f, uint16_t len)
{
	uint32_t seq;

	if (len < HEADER_BYTES || memcmp(f, s->nic->mac, 6) != 0 ||
	    f[12] != (ETHERTYPE_TEST >> 8) || f[13] != (ETHERTYPE_TEST & 0xff))
		return -1;
	memcpy(&seq, f + 14, 4);
	if (seq == PROBE_SEQ)
		return seq;
	if (len != s->cfg.size)
		return -1;
	for (unsigned i = HEADER_BYTES; i < len; i++)
		if (f[i] != (uint8_t)(seq * 31 + i))
			return -1;
	return seq;
}

int stream_post_rx(struct stream *s)
{
	unsigned idx;
	uint64_t dev;

	if (stream_buf_get(s, &idx) || stream_map_buf(s, idx, E1000_BUF_SIZE, DMA_FROM_DEVICE, &dev))
		return -1;
	int slot = e1000_rx_post(s->nic, dev);
	if (slot < 0)
		return -1;
	s->rx_buf[slot] = idx;
	return 0;
}

/* Counts one received frame by its sequence number; true when it was a
 * frame of the stream or a probe. */
static bool count_frame(struct stream *s, int64_t seq)
{
	struct stream_result *res = s->res;

	s->last_seq = seq;
	s->frames_seen++;
	if (seq == PROBE_SEQ)
		return true; /* a receive-readiness probe: not part of the stream */
	if (seq < 0) {
		res->corrupted++;
	} else if ((uint64_t)seq < s->next_seq) {
		res->duplicated++;
	} else {
		res->lost += (uint64_t)seq - s->next_seq;
		s->next_seq = (uint64_t)seq + 1;
		res->received++;
		return true;
	}
	return false;
}

int stream_receive(struct stream *s, bool *got_data)
{
	unsigned slot;
	uint16_t len;
	uint8_t errors;

	while (e1000_rx_poll(s->nic, &slot, &len, &errors)) {
		unsigned idx = s->rx_buf[slot];
		if (stream_unmap_buf(s, idx, E1000_BUF_SIZE, DMA_FROM_DEVICE) < 0)
			return -1;
		int64_t seq = errors ? -1 : check_frame(s, (const uint8_t *)s->bufs[idx].phys, len);
		if (count_frame(s, seq) && got_data)
			*got_data = true;
		if (stream_post_rx(s))
			return -1;
	}
	return 0;
}

int stream_reap_tx(struct stream *s)
{
	unsigned slot;

	while (e1000_tx_reap(s->nic, &slot))
		if (s->tx_buf[slot] != s->probe_buf &&
		    stream_unmap_buf(s, s->tx_buf[slot], s->cfg.size, DMA_TO_DEVICE) < 0)
			return -1;
	return 0;
}

/* The measured run's clock. With timing on, each packet is timed by
 * ordered TSC reads at its start and end and around the NIC's part
 * (posting and waiting for the frame to come back); the DMA layer times its
 * own phases. What is left is "other": buffer management, writing and
 * checking the frame. Every ordered TSC read costs `overhead` cycles; those
 * are taken out of the packet's total and out of "other", so the phases add
 * up to the total. */
struct run_clock {
	uint64_t overhead;
	uint64_t nic;                /* the NIC's part, summed over the packets */
	uint64_t reads;              /* TSC reads made inside packets */
	uint32_t *samples;           /* cycles of each packet */
	uint64_t sample_pages;
};

/* A packet that stopped before its frame was sent ends the run at once;
 * one that failed later is still timed and counted. */
enum packet_outcome { PACKET_DONE = 0, PACKET_FAILED = -1, PACKET_NOT_SENT = -2 };

static int post_frame(struct stream *s, unsigned idx, uint64_t dev)
{
	int slot = e1000_tx_post(s->nic, dev, (uint16_t)s->cfg.size);

	if (slot < 0) {
		kprintf("stream: transmit ring full\n");
		return -1;
	}
	s->tx_buf[slot] = idx;
	s->res->sent++;
	return 0;
}

/* One frame in flight: waits until it was sent and came back (or the
 * timeout; a frame that never comes is counted as lost at the end). */
static int await_frame(struct stream *s, uint64_t seq)
{
	uint64_t end = rdtsc_ordered() + tsc_from_us(FRAME_TIMEOUT_US);

	/* The flush deadline is served inside the wait: a lost frame must
	 * not hold a queued unmap past flush_ms. */
	while (s->next_seq <= seq && rdtsc_ordered() < end) {
		if (stream_reap_tx(s) || stream_receive(s, NULL))
			return PACKET_FAILED;
		int served = stream_service_deadline(s);
		if (served < 0)
			return PACKET_FAILED;
		s->res->deadlines_in_wait += (unsigned)served;
	}
	return PACKET_DONE;
}

/* The NIC's part, from tn0, less the unmaps and maps done inside it. */
static void charge_nic(const struct stream *s, struct run_clock *c, uint64_t tn0, uint64_t d0)
{
	uint64_t tn1 = rdtsc_ordered();
	uint64_t d1 = dma_vtd_phase_sum(&s->dv, 0);
	uint64_t span = tn1 - tn0, inner = d1 - d0;

	c->nic += span > inner ? span - inner : 0;
}

/* The packet's cycles from t0, less its TSC reads' cost (its own four and
 * the DMA layer's since calls0). */
static void record_packet(const struct stream *s, struct run_clock *c, uint64_t seq, uint64_t t0,
			  uint64_t calls0)
{
	uint64_t t1 = rdtsc_ordered();
	uint64_t n_reads = READS_PER_PACKET + (s->dv.lane[0].now_calls - calls0);
	uint64_t cycles = t1 - t0, cost = n_reads * c->overhead;

	cycles = cycles > cost ? cycles - cost : 0;
	c->samples[seq] = cycles > 0xffffffffull ? 0xffffffffu : (uint32_t)cycles;
	c->reads += n_reads;
}

/* One packet: a buffer, the frame written into it and mapped, sent, back;
 * then completed transmits are reaped and the flush deadline served. */
static int run_packet(struct stream *s, uint64_t seq, struct run_clock *c)
{
	unsigned idx;
	uint64_t dev, t0 = 0, tn0 = 0, d0 = 0, calls0 = 0;

	if (s->cfg.timing) {
		t0 = rdtsc_ordered();
		calls0 = s->dv.lane[0].now_calls;
	}
	if (stream_buf_get(s, &idx))
		return PACKET_NOT_SENT;
	stream_fill_frame(s, (uint8_t *)s->bufs[idx].phys, (uint32_t)seq);
	if (stream_map_buf(s, idx, s->cfg.size, DMA_TO_DEVICE, &dev))
		return PACKET_NOT_SENT;
	if (s->cfg.timing) {
		d0 = dma_vtd_phase_sum(&s->dv, 0);
		tn0 = rdtsc_ordered();
	}
	if (post_frame(s, idx, dev))
		return PACKET_NOT_SENT;
	int rc = await_frame(s, seq);
	if (s->cfg.timing)
		charge_nic(s, c, tn0, d0);
	if (stream_reap_tx(s) || stream_service_deadline(s) < 0)
		rc = PACKET_FAILED;
	if (s->cfg.timing)
		record_packet(s, c, seq, t0, calls0);
	return rc;
}

static int clock_init(struct run_clock *c, bool timing, uint64_t packets)
{
	*c = (struct run_clock){ .overhead = tsc_info()->read_overhead };
	c->sample_pages = timing ? (packets * 4 + PAGE_SIZE - 1) / PAGE_SIZE : 0;
	c->samples = c->sample_pages ? (uint32_t *)page_alloc(c->sample_pages) : NULL;
	if (c->sample_pages && !c->samples) {
		kprintf("stream: no memory for %lu per-packet samples\n", packets);
		return -1;
	}
	return 0;
}

/* The whole run's cycles, less the cost of every TSC read made for the
 * timing: those inside packets were counted per packet; the DMA layer's
 * reads outside them (the final flush) are added. */
static void account_cycles(struct stream_result *res, const struct run_clock *c, uint64_t elapsed,
			   uint64_t dma_reads)
{
	uint64_t in_packets = c->reads >= READS_PER_PACKET * res->sent ?
				      c->reads - READS_PER_PACKET * res->sent : 0;

	res->tsc_reads = c->reads + (dma_reads > in_packets ? dma_reads - in_packets : 0);
	uint64_t cost = res->tsc_reads * c->overhead;
	res->tsc_cycles = elapsed > cost ? elapsed - cost : 0;
}

void stream_split_phases(struct stream_result *res, uint64_t device)
{
	res->phase[PHASE_IOVA] = res->dma.phase[DMA_PHASE_IOVA];
	res->phase[PHASE_PTE] = res->dma.phase[DMA_PHASE_PTE];
	res->phase[PHASE_INVAL_SUBMIT] = res->dma.phase[DMA_PHASE_SUBMIT];
	res->phase[PHASE_INVAL_WAIT] = res->dma.phase[DMA_PHASE_WAIT];
	res->phase[PHASE_COPY] = res->dma.phase[DMA_PHASE_COPY];
	res->phase[PHASE_LOCK] = res->dma.phase[DMA_PHASE_LOCK];
	res->phase[PHASE_DEVICE] = device;
	uint64_t known = 0;
	for (int i = 0; i < PHASE_OTHER; i++)
		known += res->phase[i];
	res->phase[PHASE_OTHER] = res->tsc_cycles > known ? res->tsc_cycles - known : 0;
	if (known > res->tsc_cycles)
		res->tsc_cycles = known; /* keep the phases summing to the total */
}

/* The run's totals, once the counters were reset at its start: the DMA
 * layer's, the cycles and phases, the per-packet summary, the faults. */
static void finish_result(struct stream *s, struct stream_result *res, struct run_clock *c,
			  uint64_t elapsed)
{
	res->dma = dma_vtd_lane_stats(&s->dv, 0);
	res->translation = dma_vtd_translation(&s->dv);
	account_cycles(res, c, elapsed, s->dv.lane[0].now_calls);
	res->wall_tsc = res->tsc_cycles;
	stream_split_phases(res, c->nic);
	if (c->samples) {
		stats_summarize(c->samples, res->sent, &res->per_packet);
		page_free((uint64_t)c->samples, c->sample_pages);
	}
	dma_vtd_stream_counts(&s->dv, &res->mmio_reads, &res->mmio_writes, &res->faults);
}

int stream_run(struct stream *s, uint64_t packets, struct stream_result *res)
{
	uint64_t timer0 = lapic_timer_count();
	uint64_t progress_every = packets / 10 ? packets / 10 : 1;
	struct run_clock clock;
	int rc = PACKET_DONE;

	if (clock_init(&clock, s->cfg.timing, packets))
		return -1;
	memset(res, 0, sizeof(*res));
	s->res = res;
	s->next_seq = 0;
	dma_vtd_reset_stats(&s->dv);
	if (s->unit)
		vtd_reset_stats(s->unit);
	uint64_t t_start = rdtsc_ordered();
	cpu_sti();
	for (uint64_t seq = 0; seq < packets && rc == PACKET_DONE; seq++) {
		rc = run_packet(s, seq, &clock);
		if (rc == PACKET_NOT_SENT)
			break;
		if (!s->cfg.quiet && (seq + 1) % progress_every == 0)
			kprintf("stream: %s: %lu of %lu packets\n", dma_policy_name(s->cfg.policy),
				seq + 1, packets);
	}
	rc = rc == PACKET_DONE ? 0 : -1;
	/* Frames still missing at the end count as lost. */
	if (s->next_seq < res->sent)
		res->lost += res->sent - s->next_seq;
	cpu_cli();
	lapic_timer_cancel();
	s->deadline.armed = false;
	/* The final flush belongs to the run: its invalidation is counted in
	 * the phases and in the total. */
	if (deferred_policy(s->cfg.policy) && dma_flush(&s->dv.dom) < 0)
		rc = -1;
	finish_result(s, res, &clock, rdtsc_ordered() - t_start);
	res->timer_interrupts = lapic_timer_count() - timer0;
	return rc;
}

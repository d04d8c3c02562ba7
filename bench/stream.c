/* One policy's packet stream through the loopback NIC. Per frame, as a
 * 2008 network driver did with the streaming DMA API: the transmit buffer
 * is mapped before the descriptor is posted and unmapped when it completes;
 * each receive buffer is mapped when posted and unmapped when a frame lands
 * in it. Under `pool` every buffer is mapped once when the stream opens.
 * Buffers go back to the free list only through the DMA layer's release
 * callback, so none is reused while a stale translation may reach it. */
#include "bench/stream.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "bench/dma_vtd.h"
#include "kernel/lapic.h"
#include "kernel/mem.h"
#include "kernel/tsc.h"
#include "lib/string.h"

#define ETHERTYPE_TEST 0x88b5        /* IEEE local experimental */
#define HEADER_BYTES 18              /* MAC header + sequence number */
#define PROBE_SEQ 0xffffffffu
#define FRAME_TIMEOUT_US 100000
#define RECEIVE_READY_TIMEOUT_US 5000000
#define PROBE_INTERVAL_US 20000
#define EXTRA_BUFFERS 64
/* IOVAs live between 1 MiB and 1 GiB of the device's address space. */
#define IOVA_BASE (1ull << 20)
#define IOVA_LIMIT (1ull << 30)

struct pkt_buf {
	uint64_t phys;
	uint64_t iova;               /* pool: mapped once; else the current mapping */
};

struct stream {
	struct e1000 *nic;
	struct vtd_unit *unit;
	struct stream_config cfg;
	struct dma_vtd dv;
	struct pkt_buf *bufs;
	unsigned nbufs;
	unsigned *free_list;
	unsigned nfree;
	unsigned tx_buf[E1000_RING_SIZE];
	unsigned rx_buf[E1000_RING_SIZE];
	uint64_t tx_ring_dev, rx_ring_dev;
	unsigned probe_buf;
	uint64_t probe_dev;
	volatile bool deadline_hit;
	bool timer_armed;
	uint64_t next_seq;            /* expected on receive */
	int64_t last_seq;             /* the latest frame's, -1 when it was wrong */
	uint64_t frames_seen;         /* every frame received, probes included */
	uint64_t meta_pages;
	struct stream_result *res;
};

static struct stream the_stream;

const char *const stream_phase_names[PHASE_COUNT] = {
	"iova", "pte", "inval_submit", "inval_wait", "nic", "other",
};

static uint64_t dma_phase_sum(const struct stream *s)
{
	const struct dma_stats *d = dma_get_stats(&s->dv.dom);
	uint64_t sum = 0;

	for (int i = 0; i < DMA_PHASE_COUNT; i++)
		sum += d->phase[i];
	return sum;
}

static void buf_release(void *ctx, uint64_t cookie)
{
	struct stream *s = ctx;

	s->free_list[s->nfree++] = (unsigned)cookie;
}

static int buf_get(struct stream *s, unsigned *idx)
{
	if (!s->nfree && s->cfg.policy == DMA_POLICY_BATCHED)
		dma_flush(&s->dv.dom); /* queued buffers come back after the flush */
	if (!s->nfree) {
		kprintf("stream: out of packet buffers (%u in use)\n", s->nbufs);
		return -1;
	}
	*idx = s->free_list[--s->nfree];
	return 0;
}

static bool pooled(const struct stream *s)
{
	return s->cfg.policy == DMA_POLICY_POOL;
}

static int map_buf(struct stream *s, unsigned idx, size_t len, enum dma_dir dir, uint64_t *dev)
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

static int unmap_buf(struct stream *s, unsigned idx, size_t len, enum dma_dir dir)
{
	if (pooled(s)) {
		buf_release(s, idx);
		return 0;
	}
	int rc = dma_unmap(&s->dv.dom, s->bufs[idx].iova, len, dir, idx);
	if (rc < 0)
		kprintf("stream: dma_unmap failed (%d)\n", rc);
	return rc;
}

static void deadline_timer(uint64_t now)
{
	(void)now;
	the_stream.deadline_hit = true;
}

/* Batched: keeps the LAPIC timer armed for the queue's oldest entry, and
 * flushes from the main loop once it fired (the interrupt only flags it). */
static int service_deadline(struct stream *s)
{
	if (s->cfg.policy != DMA_POLICY_BATCHED)
		return 0;
	if (s->deadline_hit) {
		s->deadline_hit = false;
		s->timer_armed = false;
		if (dma_poll(&s->dv.dom) < 0)
			return -1;
	}
	uint64_t when = dma_deadline(&s->dv.dom);
	if (when && !s->timer_armed) {
		lapic_timer_arm(lapic_has_tsc_deadline() ? LAPIC_TIMER_TSC_DEADLINE : LAPIC_TIMER_ONESHOT,
				when);
		s->timer_armed = true;
	}
	return 0;
}

static void fill_frame(const struct stream *s, uint8_t *f, uint32_t seq)
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

static int post_rx(struct stream *s)
{
	unsigned idx;
	uint64_t dev;

	if (buf_get(s, &idx) || map_buf(s, idx, E1000_BUF_SIZE, DMA_FROM_DEVICE, &dev))
		return -1;
	int slot = e1000_rx_post(s->nic, dev);
	if (slot < 0)
		return -1;
	s->rx_buf[slot] = idx;
	return 0;
}

/* Takes every frame that arrived: unmap, check, post a fresh buffer. */
static int receive(struct stream *s, bool *got_data)
{
	unsigned slot;
	uint16_t len;
	uint8_t errors;

	while (e1000_rx_poll(s->nic, &slot, &len, &errors)) {
		unsigned idx = s->rx_buf[slot];
		if (unmap_buf(s, idx, E1000_BUF_SIZE, DMA_FROM_DEVICE) < 0)
			return -1;
		int64_t seq = errors ? -1 : check_frame(s, (const uint8_t *)s->bufs[idx].phys, len);
		s->last_seq = seq;
		s->frames_seen++;
		if (seq == PROBE_SEQ) {
			/* a receive-readiness probe: not part of the stream */
		} else if (seq < 0) {
			s->res->corrupted++;
		} else if ((uint64_t)seq < s->next_seq) {
			s->res->duplicated++;
		} else {
			s->res->lost += (uint64_t)seq - s->next_seq;
			s->next_seq = (uint64_t)seq + 1;
			s->res->received++;
			if (got_data)
				*got_data = true;
		}
		if (seq == PROBE_SEQ && got_data)
			*got_data = true;
		if (post_rx(s))
			return -1;
	}
	return 0;
}

static int reap_tx(struct stream *s)
{
	unsigned slot;

	while (e1000_tx_reap(s->nic, &slot))
		if (s->tx_buf[slot] != s->probe_buf &&
		    unmap_buf(s, s->tx_buf[slot], s->cfg.size, DMA_TO_DEVICE) < 0)
			return -1;
	return 0;
}

/* QEMU's e1000 drops frames for about a second after RCTL is written, and
 * real PHYs need a moment too: probe until a frame comes back. */
static int wait_receive_ready(struct stream *s)
{
	uint64_t start = rdtsc_ordered(), end = start + tsc_from_us(RECEIVE_READY_TIMEOUT_US);

	e1000_enable_rx(s->nic);
	while (rdtsc_ordered() < end) {
		int slot = e1000_tx_post(s->nic, s->probe_dev, (uint16_t)s->cfg.size);
		if (slot >= 0)
			s->tx_buf[slot] = s->probe_buf;
		uint64_t next = rdtsc_ordered() + tsc_from_us(PROBE_INTERVAL_US);
		bool got = false;
		while (rdtsc_ordered() < next && !got) {
			if (reap_tx(s) || receive(s, &got))
				return -1;
			cpu_pause();
		}
		if (got) {
			if (!s->cfg.quiet)
				kprintf("stream: receive works after %lu ms\n",
					tsc_to_us(rdtsc_ordered() - start) / 1000);
			return 0;
		}
	}
	kprintf("stream: no frame came back through the loopback within %u s (%s)\n",
		RECEIVE_READY_TIMEOUT_US / 1000000, e1000_describe(s->nic));
	return -1;
}

struct stream *stream_open(struct e1000 *nic, struct vtd_unit *u, const struct stream_config *cfg)
{
	struct stream *s = &the_stream;
	struct dma_config dc = {
		.policy = cfg->policy, .iova_base = IOVA_BASE, .iova_limit = IOVA_LIMIT,
		.hwm = cfg->hwm, .flush_deadline = tsc_from_us((uint64_t)cfg->flush_ms * 1000),
		.batch_gran = cfg->batch_gran, .timing = cfg->timing,
	};

	memset(s, 0, sizeof(*s));
	s->nic = nic;
	s->unit = u;
	s->cfg = *cfg;
	if (cfg->policy != DMA_POLICY_OFF && !u) {
		kprintf("stream: policy %s needs VT-d\n", dma_policy_name(cfg->policy));
		return NULL;
	}
	s->nbufs = 2 * E1000_RING_SIZE + EXTRA_BUFFERS +
		   (cfg->policy == DMA_POLICY_BATCHED ? cfg->hwm : 0);
	uint64_t meta_pages = s->meta_pages = (s->nbufs * (sizeof(struct pkt_buf) + sizeof(unsigned)) + PAGE_SIZE - 1) /
			      PAGE_SIZE;
	s->bufs = (struct pkt_buf *)page_alloc(meta_pages);
	if (!s->bufs)
		return NULL;
	s->free_list = (unsigned *)(s->bufs + s->nbufs);
	for (unsigned i = 0; i < s->nbufs; i++) {
		s->bufs[i].phys = page_alloc(1);
		if (!s->bufs[i].phys) {
			kprintf("stream: out of memory for %u packet buffers\n", s->nbufs);
			return NULL;
		}
	}
	if (dma_vtd_attach(&s->dv, u, nic->bus, PCI_DEVFN(nic->dev, nic->fn), &dc,
			   buf_release, s))
		return NULL;
	/* Rings and the probe buffer are mapped once for the stream's life. */
	s->probe_buf = s->nbufs - 1;
	if (dma_map(&s->dv.dom, (uint64_t)nic->tx_ring, PAGE_SIZE, DMA_BIDIRECTIONAL, &s->tx_ring_dev) ||
	    dma_map(&s->dv.dom, (uint64_t)nic->rx_ring, PAGE_SIZE, DMA_BIDIRECTIONAL, &s->rx_ring_dev) ||
	    dma_map(&s->dv.dom, s->bufs[s->probe_buf].phys, PAGE_SIZE, DMA_TO_DEVICE, &s->probe_dev))
		return NULL;
	for (unsigned i = 0; i + 1 < s->nbufs; i++) {
		if (pooled(s) && dma_map(&s->dv.dom, s->bufs[i].phys, PAGE_SIZE, DMA_BIDIRECTIONAL,
					 &s->bufs[i].iova))
			return NULL;
		buf_release(s, i);
	}
	lapic_timer_set_callback(deadline_timer);
	if (e1000_start(nic, s->tx_ring_dev, s->rx_ring_dev, cfg->mac_loopback))
		return NULL;
	fill_frame(s, (uint8_t *)s->bufs[s->probe_buf].phys, PROBE_SEQ); /* needs the MAC */
	while (e1000_rx_free_slots(nic))
		if (post_rx(s))
			return NULL;
	struct stream_result probe_res = { 0 };
	s->res = &probe_res;
	cpu_sti();
	int rc = wait_receive_ready(s);
	cpu_cli();
	return rc ? NULL : s;
}

/* Per packet, with timing on: the TSC at the start and the end, and
 * around the NIC's part (posting and waiting for the frame to come back);
 * the DMA layer times its own phases. What is left is "other": buffer
 * management, writing and checking the frame. Every ordered TSC read costs
 * tsc_info()->read_overhead cycles; those are taken out of the packet's
 * total and out of "other", so the phases add up to the total. */
int stream_run(struct stream *s, uint64_t packets, struct stream_result *res)
{
	uint64_t faults0 = s->unit ? s->unit->stats.faults : 0;
	uint64_t timer0 = lapic_timer_count();
	uint64_t progress_every = packets / 10 ? packets / 10 : 1;
	uint64_t overhead = tsc_info()->read_overhead;
	uint64_t sample_pages = s->cfg.timing ? (packets * 4 + PAGE_SIZE - 1) / PAGE_SIZE : 0;
	uint32_t *samples = sample_pages ? (uint32_t *)page_alloc(sample_pages) : NULL;
	uint64_t nic = 0, reads = 0;
	int rc = 0;

	if (sample_pages && !samples) {
		kprintf("stream: no memory for %lu per-packet samples\n", packets);
		return -1;
	}
	memset(res, 0, sizeof(*res));
	s->res = res;
	s->next_seq = 0;
	struct dma_stats before = *dma_get_stats(&s->dv.dom);
	uint64_t now_calls0 = s->dv.now_calls;
	uint64_t t_start = rdtsc_ordered();
	cpu_sti();
	for (uint64_t seq = 0; seq < packets && rc == 0; seq++) {
		unsigned idx;
		uint64_t dev, t0 = 0, tn0 = 0, tn1 = 0, d0 = 0, d1 = 0, calls0 = 0;
		if (s->cfg.timing) {
			t0 = rdtsc_ordered();
			calls0 = s->dv.now_calls;
		}
		if (buf_get(s, &idx)) {
			rc = -1;
			break;
		}
		fill_frame(s, (uint8_t *)s->bufs[idx].phys, (uint32_t)seq);
		if (map_buf(s, idx, s->cfg.size, DMA_TO_DEVICE, &dev)) {
			rc = -1;
			break;
		}
		if (s->cfg.timing) {
			d0 = dma_phase_sum(s);
			tn0 = rdtsc_ordered();
		}
		int slot = e1000_tx_post(s->nic, dev, (uint16_t)s->cfg.size);
		if (slot < 0) {
			kprintf("stream: transmit ring full\n");
			rc = -1;
			break;
		}
		s->tx_buf[slot] = idx;
		res->sent++;
		/* One frame in flight: wait until it was sent and came back. */
		uint64_t end = rdtsc_ordered() + tsc_from_us(FRAME_TIMEOUT_US);
		while (s->next_seq <= seq && rdtsc_ordered() < end) {
			if (reap_tx(s) || receive(s, NULL)) {
				rc = -1;
				break;
			}
		}
		if (s->cfg.timing) {
			tn1 = rdtsc_ordered();
			d1 = dma_phase_sum(s);
			/* The NIC's part, less the unmaps and maps done inside it. */
			uint64_t span = tn1 - tn0, inner = d1 - d0;
			nic += span > inner ? span - inner : 0;
		}
		if (reap_tx(s) || service_deadline(s))
			rc = -1;
		if (s->cfg.timing) {
			uint64_t t1 = rdtsc_ordered();
			uint64_t n_reads = 4 + (s->dv.now_calls - calls0);
			uint64_t cycles = t1 - t0, cost = n_reads * overhead;
			cycles = cycles > cost ? cycles - cost : 0;
			samples[seq] = cycles > 0xffffffffull ? 0xffffffffu : (uint32_t)cycles;
			reads += n_reads;
		}
		if (!s->cfg.quiet && (seq + 1) % progress_every == 0)
			kprintf("stream: %s: %lu of %lu packets\n", dma_policy_name(s->cfg.policy),
				seq + 1, packets);
	}
	/* Frames still missing at the end count as lost. */
	if (s->next_seq < res->sent)
		res->lost += res->sent - s->next_seq;
	cpu_cli();
	lapic_timer_cancel();
	s->timer_armed = false;
	/* The final flush belongs to the run: its invalidation is counted in
	 * the phases and in the total. */
	if (s->cfg.policy == DMA_POLICY_BATCHED && dma_flush(&s->dv.dom) < 0)
		rc = -1;
	uint64_t elapsed = rdtsc_ordered() - t_start;
	res->dma = *dma_get_stats(&s->dv.dom);
	res->dma.maps -= before.maps;
	res->dma.unmaps -= before.unmaps;
	res->dma.inval_submits -= before.inval_submits;
	res->dma.inval_waits -= before.inval_waits;
	res->dma.flushes_hwm -= before.flushes_hwm;
	res->dma.flushes_deadline -= before.flushes_deadline;
	res->dma.flushes_forced -= before.flushes_forced;
	for (int i = 0; i < DMA_PHASE_COUNT; i++)
		res->dma.phase[i] -= before.phase[i];
	/* Reads inside packets were counted per packet; add the DMA layer's
	 * reads outside them (the final flush). */
	uint64_t dma_reads = s->dv.now_calls - now_calls0;
	uint64_t in_packets = reads >= 4 * res->sent ? reads - 4 * res->sent : 0;
	res->tsc_reads = reads + (dma_reads > in_packets ? dma_reads - in_packets : 0);
	uint64_t cost = res->tsc_reads * overhead;
	res->tsc_cycles = elapsed > cost ? elapsed - cost : 0;
	res->phase[PHASE_IOVA] = res->dma.phase[DMA_PHASE_IOVA];
	res->phase[PHASE_PTE] = res->dma.phase[DMA_PHASE_PTE];
	res->phase[PHASE_INVAL_SUBMIT] = res->dma.phase[DMA_PHASE_SUBMIT];
	res->phase[PHASE_INVAL_WAIT] = res->dma.phase[DMA_PHASE_WAIT];
	res->phase[PHASE_NIC] = nic;
	uint64_t known = 0;
	for (int i = 0; i < PHASE_OTHER; i++)
		known += res->phase[i];
	res->phase[PHASE_OTHER] = res->tsc_cycles > known ? res->tsc_cycles - known : 0;
	if (known > res->tsc_cycles)
		res->tsc_cycles = known; /* keep the phases summing to the total */
	if (samples) {
		stats_summarize(samples, res->sent, &res->per_packet);
		page_free((uint64_t)samples, sample_pages);
	}
	if (s->unit) {
		vtd_fault_poll(s->unit);
		res->faults = s->unit->stats.faults - faults0;
	}
	res->timer_interrupts = lapic_timer_count() - timer0;
	return rc;
}

void stream_close(struct stream *s)
{
	if (!s)
		return;
	e1000_stop(s->nic);
	dma_vtd_detach(&s->dv);
	for (unsigned i = 0; i < s->nbufs; i++)
		if (s->bufs[i].phys)
			page_free(s->bufs[i].phys, 1);
	page_free((uint64_t)s->bufs, s->meta_pages);
	lapic_timer_set_callback(NULL);
}

/* Sends one frame from a device address outside the normal flow (the
 * probe slot marker keeps reap_tx from unmapping it) and waits until it
 * went out and came back. Returns the DMA faults it caused, or -1. */
static int64_t send_raw(struct stream *s, uint64_t dev)
{
	uint64_t faults = s->unit->stats.faults, seen = s->frames_seen;
	int slot = e1000_tx_post(s->nic, dev, (uint16_t)s->cfg.size);

	if (slot < 0)
		return -1;
	s->tx_buf[slot] = s->probe_buf;
	uint64_t end = rdtsc_ordered() + tsc_from_us(FRAME_TIMEOUT_US);
	while (s->frames_seen == seen && rdtsc_ordered() < end)
		if (reap_tx(s) || receive(s, NULL))
			return -1;
	reap_tx(s);
	vtd_fault_poll(s->unit);
	return (int64_t)(s->unit->stats.faults - faults);
}

static int stale_check(int ok, const char *policy, const char *what)
{
	kprintf("%s: dma: %s: %s\n", ok ? "PASS" : "FAIL", policy, what);
	return !ok;
}

/* Transmits from dev and waits until the descriptor is done (receive is
 * off, so nothing comes back); returns the faults it caused, or -1. */
static int64_t send_tx_only(struct stream *s, uint64_t dev)
{
	uint64_t faults = s->unit->stats.faults;
	int slot = e1000_tx_post(s->nic, dev, (uint16_t)s->cfg.size);

	if (slot < 0)
		return -1;
	s->tx_buf[slot] = s->probe_buf;
	uint64_t end = rdtsc_ordered() + tsc_from_us(FRAME_TIMEOUT_US);
	while (s->nic->tx_clean != s->nic->tx_tail && rdtsc_ordered() < end)
		if (reap_tx(s))
			return -1;
	vtd_fault_poll(s->unit);
	return (int64_t)(s->unit->stats.faults - faults);
}

/* The protection window measured from the device's side: after an unmap,
 * the NIC transmits from the stale IOVA again and again until it faults.
 * The time from the unmap to the first fault must agree with what the
 * flush queue's own timestamps recorded for that entry: no shorter, and
 * longer by at most one probe interval plus the unmap itself. Receive is
 * off so the queue holds this one entry and its deadline flush ends it. */
static int window_probe(struct stream *s)
{
	const char *name = dma_policy_name(s->cfg.policy);
	unsigned idx;
	uint64_t dev;

	e1000_disable_rx(s->nic);
	if (dma_flush(&s->dv.dom) < 0) /* the queue must hold only the probed entry */
		return stale_check(0, name, "window probe: flush before");
	if (buf_get(s, &idx) || map_buf(s, idx, s->cfg.size, DMA_TO_DEVICE, &dev) ||
	    send_tx_only(s, dev) != 0)
		return stale_check(0, name, "window probe: set-up transmit");
	struct dma_stats before = *dma_get_stats(&s->dv.dom);
	uint64_t t0 = rdtsc_ordered();
	if (unmap_buf(s, idx, s->cfg.size, DMA_TO_DEVICE))
		return stale_check(0, name, "window probe: unmap");
	uint64_t t_unmapped = rdtsc_ordered();
	uint64_t limit = t0 + tsc_from_us((uint64_t)s->cfg.flush_ms * 3000 + 100000);
	uint64_t last = t_unmapped, gap_max = 0, t_fault = 0, probes = 0;
	cpu_sti();
	while (rdtsc_ordered() < limit) {
		int64_t f = send_tx_only(s, dev);
		uint64_t now = rdtsc_ordered();
		probes++;
		if (now - last > gap_max)
			gap_max = now - last;
		last = now;
		if (f != 0) {
			t_fault = now;
			break;
		}
		if (service_deadline(s))
			break;
	}
	cpu_cli();
	const struct dma_stats *after = dma_get_stats(&s->dv.dom);
	uint64_t entries = after->window_count - before.window_count;
	uint64_t recorded = after->window_sum - before.window_sum;
	uint64_t probed = t_fault ? t_fault - t0 : 0;
	kprintf("dma: %s: window probe: %lu probes; reachable for %lu cycles (%lu us) by probing, "
		"%lu cycles (%lu us) by the queue's timestamps; largest probe gap %lu cycles\n", name,
		probes, probed, tsc_to_us(probed), recorded, tsc_to_us(recorded), gap_max);
	return stale_check(t_fault && entries == 1 && probed >= recorded &&
				   probed <= recorded + gap_max + (t_unmapped - t0),
			   name, "the window probed with the NIC agrees with the queue's timestamps");
}

int stream_stale_test(struct stream *s)
{
	const char *name = dma_policy_name(s->cfg.policy);
	struct stream_result scratch = { 0 };
	unsigned idx;
	uint64_t dev;
	int failed = 0;

	if (s->cfg.policy != DMA_POLICY_STRICT && s->cfg.policy != DMA_POLICY_BATCHED)
		return 0;
	s->res = &scratch;
	const uint32_t seq = 0x7ffffff0u;
	if (buf_get(s, &idx))
		return 1;
	fill_frame(s, (uint8_t *)s->bufs[idx].phys, seq);
	if (map_buf(s, idx, s->cfg.size, DMA_TO_DEVICE, &dev))
		return 1;
	int64_t f = send_raw(s, dev);
	failed += stale_check(f == 0 && s->last_seq == seq, name,
			      "a frame from a mapped buffer goes through without a fault");
	if (unmap_buf(s, idx, s->cfg.size, DMA_TO_DEVICE))
		return failed + 1;
	kprintf("dma: %s: transmitting again from IOVA 0x%lx, unmapped just now, on purpose\n",
		name, dev);
	f = send_raw(s, dev);
	if (s->cfg.policy == DMA_POLICY_STRICT) {
		failed += stale_check(f == 1 && s->unit->last_fault.addr == (dev & ~0xffful) &&
					      s->unit->last_fault.read,
				      name, "a transmit from a just-unmapped buffer faults at once");
		return failed;
	}
	failed += stale_check(f == 0 && s->last_seq == seq, name,
			      "before the batch is flushed the stale translation still works");
	if (dma_flush(&s->dv.dom) < 0)
		return failed + 1;
	f = send_raw(s, dev);
	failed += stale_check(f == 1 && s->unit->last_fault.addr == (dev & ~0xffful), name,
			      "after the batch's flush the same transmit faults");
	failed += window_probe(s);
	return failed;
}

void stream_set_quiet(struct stream *s, bool quiet)
{
	s->cfg.quiet = quiet;
}

/* The stale-translation test (selftest=stale): on an open stream, the NIC
 * transmits on purpose from a buffer that was just unmapped. Under strict
 * the unit must block it at once; under batched and fq the translation
 * cached by the IOTLB must still work until the batch (fq: the CPU's ring)
 * is flushed, and the window the NIC finds by probing must agree with the
 * flush queue's own timestamps.
 * Under bounce the just-unmapped IOVA is a bounce slot, mapped by design:
 * the transmit must go through, but with the slot's old copy, never the
 * buffer's later contents. Under identity nothing is ever unmapped. */
#include "bench/net/stale.h"
#include "bench/net/stream_state.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/tsc.h"
#include "bench/check.h"

#define STALE_SEQ 0x7ffffff0u        /* far from the stream's own numbers */

static int stale_check(int ok, const char *policy, const char *what)
{
	return check_line(ok, "dma: %s: %s", policy, what);
}

/* The faults the unit recorded since `before` (a count of its stats). */
static int64_t faults_since(struct stream *s, uint64_t before)
{
	vtd_fault_poll(s->unit);
	return (int64_t)(vtd_get_stats(s->unit)->faults - before);
}

/* Sends one frame from a device address outside the normal flow (the
 * probe slot marker keeps the reaping from unmapping it) and waits until it
 * went out and came back. Returns the DMA faults it caused, or -1. */
static int64_t send_raw(struct stream *s, uint64_t dev)
{
	uint64_t faults = vtd_get_stats(s->unit)->faults, seen = s->frames_seen;
	int slot = e1000_tx_post(s->nic, dev, (uint16_t)s->cfg.size);

	if (slot < 0)
		return -1;
	s->tx_buf[slot] = s->probe_buf;
	uint64_t end = rdtsc_ordered() + tsc_from_us(FRAME_TIMEOUT_US);
	while (s->frames_seen == seen && rdtsc_ordered() < end)
		if (stream_reap_tx(s) || stream_receive(s, NULL))
			return -1;
	stream_reap_tx(s);
	return faults_since(s, faults);
}

/* Transmits from dev and waits until the descriptor is done (receive is
 * off, so nothing comes back); returns the faults it caused, or -1. */
static int64_t send_tx_only(struct stream *s, uint64_t dev)
{
	uint64_t faults = vtd_get_stats(s->unit)->faults;
	int slot = e1000_tx_post(s->nic, dev, (uint16_t)s->cfg.size);

	if (slot < 0)
		return -1;
	s->tx_buf[slot] = s->probe_buf;
	uint64_t end = rdtsc_ordered() + tsc_from_us(FRAME_TIMEOUT_US);
	while (!e1000_tx_idle(s->nic) && rdtsc_ordered() < end)
		if (stream_reap_tx(s))
			return -1;
	return faults_since(s, faults);
}

struct probe_result {
	uint64_t probes;
	uint64_t t_fault;            /* when the first transmit faulted, 0: none did */
	uint64_t gap_max;            /* longest time between two probes */
};

/* Transmits from the stale dev until it faults or `limit` passes, serving
 * the flush deadline in between (its flush is what ends the window). */
static void probe_until_fault(struct stream *s, uint64_t dev, uint64_t from, uint64_t limit,
			      struct probe_result *p)
{
	uint64_t last = from;

	*p = (struct probe_result){ 0 };
	cpu_sti();
	while (rdtsc_ordered() < limit) {
		int64_t f = send_tx_only(s, dev);
		uint64_t now = rdtsc_ordered();
		p->probes++;
		if (now - last > p->gap_max)
			p->gap_max = now - last;
		last = now;
		if (f != 0) {
			p->t_fault = now;
			break;
		}
		if (stream_service_deadline(s) < 0)
			break;
	}
	cpu_cli();
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
	struct probe_result p;
	unsigned idx;
	uint64_t dev;

	e1000_disable_rx(s->nic);
	if (dma_flush(&s->dv.dom) < 0) /* the queue must hold only the probed entry */
		return stale_check(0, name, "window probe: flush before");
	if (stream_buf_get(s, &idx) || stream_map_buf(s, idx, s->cfg.size, DMA_TO_DEVICE, &dev) ||
	    send_tx_only(s, dev) != 0)
		return stale_check(0, name, "window probe: set-up transmit");
	dma_vtd_reset_stats(&s->dv); /* the window counters then hold this entry alone */
	uint64_t t0 = rdtsc_ordered();
	if (stream_unmap_buf(s, idx, s->cfg.size, DMA_TO_DEVICE))
		return stale_check(0, name, "window probe: unmap");
	uint64_t t_unmapped = rdtsc_ordered();
	probe_until_fault(s, dev, t_unmapped,
			  t0 + tsc_from_us((uint64_t)s->cfg.flush_ms * 3000 + 100000), &p);
	const struct dma_stats *d = dma_get_stats(&s->dv.dom);
	uint64_t recorded = d->window_sum;
	uint64_t probed = p.t_fault ? p.t_fault - t0 : 0;
	kprintf("dma: %s: window probe: %lu probes; reachable for %lu cycles (%lu us) by probing, "
		"%lu cycles (%lu us) by the queue's timestamps; largest probe gap %lu cycles\n", name,
		p.probes, probed, tsc_to_us(probed), recorded, tsc_to_us(recorded), p.gap_max);
	return stale_check(p.t_fault && d->window_count == 1 && probed >= recorded &&
				   probed <= recorded + p.gap_max + (t_unmapped - t0),
			   name, "the window probed with the NIC agrees with the queue's timestamps");
}

/* The fault a stale transmit from dev must have left: its page, a read. */
static bool faulted_at(const struct stream *s, uint64_t dev)
{
	const struct vtd_fault_record *f = vtd_last_fault(s->unit);

	return f->addr == (dev & ~0xffful) && f->read;
}

/* The slot stays mapped after the unmap; the buffer is the kernel's again
 * and gets new contents, which the device must not see through the slot. */
static int bounce_stale(struct stream *s, unsigned idx, uint64_t dev)
{
	const char *name = dma_policy_name(s->cfg.policy);

	stream_fill_frame(s, (uint8_t *)s->bufs[idx].phys, STALE_SEQ + 1);
	int64_t f = send_raw(s, dev);
	return stale_check(f == 0 && s->last_seq == STALE_SEQ, name,
			   "a transmit from the just-unmapped slot sends the slot's old copy, not "
			   "the buffer's new contents");
}

int stream_stale_test(struct stream *s)
{
	const char *name = dma_policy_name(s->cfg.policy);
	struct stream_result scratch = { 0 };
	unsigned idx;
	uint64_t dev;
	int failed = 0;

	if (s->cfg.policy == DMA_POLICY_IDENTITY) {
		kprintf("dma: identity: SKIP: nothing is ever unmapped (the 1:1 domain maps all of "
			"RAM), so no stale translation can be tested\n");
		return 0;
	}
	if (s->cfg.policy != DMA_POLICY_STRICT && s->cfg.policy != DMA_POLICY_BATCHED &&
	    s->cfg.policy != DMA_POLICY_FQ && s->cfg.policy != DMA_POLICY_BOUNCE)
		return 0;
	s->res = &scratch;
	if (stream_buf_get(s, &idx))
		return 1;
	stream_fill_frame(s, (uint8_t *)s->bufs[idx].phys, STALE_SEQ);
	if (stream_map_buf(s, idx, s->cfg.size, DMA_TO_DEVICE, &dev))
		return 1;
	int64_t f = send_raw(s, dev);
	failed += stale_check(f == 0 && s->last_seq == STALE_SEQ, name,
			      "a frame from a mapped buffer goes through without a fault");
	if (stream_unmap_buf(s, idx, s->cfg.size, DMA_TO_DEVICE))
		return failed + 1;
	kprintf("dma: %s: transmitting again from IOVA 0x%lx, unmapped just now, on purpose\n",
		name, dev);
	if (s->cfg.policy == DMA_POLICY_BOUNCE)
		return failed + bounce_stale(s, idx, dev);
	f = send_raw(s, dev);
	if (s->cfg.policy == DMA_POLICY_STRICT)
		return failed + stale_check(f == 1 && faulted_at(s, dev), name,
					    "a transmit from a just-unmapped buffer faults at once");
	failed += stale_check(f == 0 && s->last_seq == STALE_SEQ, name,
			      "before the batch is flushed the stale translation still works");
	if (dma_flush(&s->dv.dom) < 0)
		return failed + 1;
	f = send_raw(s, dev);
	failed += stale_check(f == 1 && vtd_last_fault(s->unit)->addr == (dev & ~0xffful), name,
			      "after the batch's flush the same transmit faults");
	failed += window_probe(s);
	return failed;
}

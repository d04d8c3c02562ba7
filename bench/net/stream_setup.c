/* Bringing a stream up and down: packet buffers, the device's domain under
 * the policy, the mappings that live as long as the stream (rings, the
 * probe buffer, and every buffer under pool), the NIC, and a loopback that
 * really returns frames before the first measured one is sent. */
#include "bench/net/stream_state.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/lapic.h"
#include "kernel/mem.h"
#include "kernel/tsc.h"
#include "lib/string.h"

#define RECEIVE_READY_TIMEOUT_US 5000000
#define PROBE_INTERVAL_US 20000
#define EXTRA_BUFFERS 64
/* IOVAs live between 1 MiB and 1 GiB of the device's address space. */
#define IOVA_BASE (1ull << 20)
#define IOVA_LIMIT (1ull << 30)

/* One stream at a time: the LAPIC timer's callback has no context. */
static struct stream the_stream;

static void deadline_timer(uint64_t now)
{
	(void)now;
	the_stream.deadline.fired = true;
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
			if (stream_reap_tx(s) || stream_receive(s, &got))
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

/* Both rings in flight, the spare buffers, and under batched a full queue
 * of buffers waiting for their flush; the bookkeeping in its own pages. */
static int alloc_buffers(struct stream *s)
{
	s->nbufs = 2 * E1000_RING_SIZE + EXTRA_BUFFERS +
		   deferred_buffers(s->cfg.policy, s->cfg.hwm, s->cfg.fq_size);
	s->meta_pages = (s->nbufs * (sizeof(struct pkt_buf) + sizeof(unsigned)) + PAGE_SIZE - 1) /
			PAGE_SIZE;
	s->bufs = (struct pkt_buf *)page_alloc(s->meta_pages);
	if (!s->bufs)
		return -1;
	s->free_list = (unsigned *)(s->bufs + s->nbufs);
	for (unsigned i = 0; i < s->nbufs; i++) {
		s->bufs[i].phys = page_alloc(1);
		if (!s->bufs[i].phys) {
			kprintf("stream: out of memory for %u packet buffers\n", s->nbufs);
			return -1;
		}
	}
	return 0;
}

/* Rings and the probe buffer (the last one) are mapped once for the
 * stream's life, and so is every buffer under pool; the others go to the
 * free list unmapped. Rings and probe are memory the CPU writes while the
 * device may read it (the probe frame is written after the mapping): under
 * bounce they are mapped straight, not through a slot. */
static int map_for_life(struct stream *s)
{
	struct dma_domain *d = &s->dv.dom;

	s->probe_buf = s->nbufs - 1;
	if (dma_map_coherent(d, (uint64_t)s->nic->tx_ring, PAGE_SIZE, DMA_BIDIRECTIONAL,
			     &s->tx_ring_dev) ||
	    dma_map_coherent(d, (uint64_t)s->nic->rx_ring, PAGE_SIZE, DMA_BIDIRECTIONAL,
			     &s->rx_ring_dev) ||
	    dma_map_coherent(d, s->bufs[s->probe_buf].phys, PAGE_SIZE, DMA_TO_DEVICE,
			     &s->probe_dev))
		return -1;
	for (unsigned i = 0; i + 1 < s->nbufs; i++) {
		if (s->cfg.policy == DMA_POLICY_POOL &&
		    dma_map(d, s->bufs[i].phys, PAGE_SIZE, DMA_BIDIRECTIONAL, &s->bufs[i].iova))
			return -1;
		stream_buf_release(s, i);
	}
	return 0;
}

/* The NIC started on the mapped rings, every receive slot filled, and
 * frames coming back. */
static int start_nic(struct stream *s)
{
	if (e1000_start(s->nic, s->tx_ring_dev, s->rx_ring_dev, s->cfg.mac_loopback))
		return -1;
	stream_fill_frame(s, (uint8_t *)s->bufs[s->probe_buf].phys, PROBE_SEQ); /* needs the MAC */
	while (e1000_rx_free_slots(s->nic))
		if (stream_post_rx(s))
			return -1;
	struct stream_result probe_res = { 0 };
	s->res = &probe_res;
	cpu_sti();
	int rc = wait_receive_ready(s);
	cpu_cli();
	s->res = NULL; /* probe_res ends here; stream_run points it at its result */
	return rc;
}

struct stream *stream_open(struct e1000 *nic, struct vtd_unit *u, const struct stream_config *cfg)
{
	struct stream *s = &the_stream;
	struct dma_config dc = {
		.policy = cfg->policy, .iova_base = IOVA_BASE, .iova_limit = IOVA_LIMIT,
		.hwm = cfg->hwm, .fq_size = cfg->fq_size, .flush_deadline = tsc_from_us((uint64_t)cfg->flush_ms * 1000),
		.batch_gran = cfg->batch_gran, .timing = cfg->timing,
	};
	/* Bounce: a slot for every buffer that can be mapped at once (both
	 * rings in flight and the spares); set once the buffers are counted. */

	memset(s, 0, sizeof(*s));
	s->nic = nic;
	s->unit = u;
	s->cfg = *cfg;
	if (cfg->policy != DMA_POLICY_OFF && !u) {
		kprintf("stream: policy %s needs VT-d\n", dma_policy_name(cfg->policy));
		return NULL;
	}
	if (alloc_buffers(s))
		return NULL;
	dc.bounce_slots = s->nbufs;
	if (dma_vtd_attach(&s->dv, u, nic->bus, PCI_DEVFN(nic->dev, nic->fn), &dc,
			   stream_buf_release, s) ||
	    map_for_life(s))
		return NULL;
	lapic_timer_set_callback(deadline_timer);
	return start_nic(s) ? NULL : s;
}

/* Whether buffer i may go back to the page allocator. After a clean
 * teardown every one may: the NIC is stopped and the domain, with every
 * translation into it, is gone. After a failed invalidation only those the
 * DMA layer gave back (their own invalidation completed), and under pool
 * none, since pool buffers stay mapped on the free list. */
static bool may_free(const struct stream *s, unsigned i, bool tables_kept)
{
	return !tables_kept || (s->bufs[i].released && s->cfg.policy != DMA_POLICY_POOL);
}

/* The order matters: the NIC stops (bus mastering off) before the flush,
 * and the domain goes only after both; what a failed invalidation still
 * protects is never freed. */
void stream_close_checked(struct stream *s, struct stream_teardown *td)
{
	struct stream_teardown t = { 0 };

	if (!s)
		return;
	t.nic_stopped = e1000_stop(s->nic) == 0;
	t.tables_kept = dma_vtd_detach(&s->dv) != 0;
	t.master_at_detach = s->dv.master_at_detach;
	for (unsigned i = 0; i < s->nbufs; i++) {
		if (!s->bufs[i].phys)
			continue;
		if (s->bufs[i].held_after_failure)
			t.held_after_failure++;
		if (!may_free(s, i, t.tables_kept)) {
			t.buffers_kept++;
			t.held_after_failure_kept += s->bufs[i].held_after_failure;
			continue;
		}
		page_free(s->bufs[i].phys, 1);
		t.buffers_freed++;
	}
	if (t.buffers_kept)
		kprintf("stream: %u packet buffer%s the DMA layer did not give back stay allocated "
			"for good\n", t.buffers_kept, t.buffers_kept == 1 ? "" : "s");
	page_free((uint64_t)s->bufs, s->meta_pages);
	lapic_timer_set_callback(NULL);
	if (td)
		*td = t;
}

void stream_close(struct stream *s)
{
	stream_close_checked(s, NULL);
}

void stream_set_quiet(struct stream *s, bool quiet)
{
	s->cfg.quiet = quiet;
}

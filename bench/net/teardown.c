/* The stream's edges: what closing it keeps after a failed invalidation,
 * and the flush deadline when frames do not come back. */
#include "bench/net/teardown.h"
#include "bench/net/stream_state.h"
#include "kernel/console.h"
#include "kernel/tsc.h"
#include "bench/check.h"

#define TEARDOWN_PACKETS 20
#define LOST_PACKETS 5
#define LOST_FLUSH_MS 1
#define TEARDOWN "teardown"
#define LOST "lost frames"

static int edge_check(const char *edge, int ok, const char *what)
{
	return check_line(ok, "stream: %s: %s", edge, what);
}

int stream_teardown_test(struct e1000 *nic, struct vtd_unit *u, const struct stream_config *base)
{
	struct stream_config cfg = *base;
	struct stream_result res;
	struct stream_teardown td;
	int failed = 0;

	cfg.policy = DMA_POLICY_STRICT;
	cfg.packets = TEARDOWN_PACKETS;
	cfg.quiet = true;
	kprintf("stream: teardown: a strict stream whose first invalidation wait fails\n");
	struct stream *s = stream_open(nic, u, &cfg);
	if (!s)
		return edge_check(TEARDOWN, 0, "the stream opens");
	s->dv.fail_waits = 1;
	int rc = stream_run(s, cfg.packets, &res);
	failed += edge_check(TEARDOWN, rc < 0 && res.dma.leaked >= 1,
			     "the failed invalidation stops the stream and its buffer is held (dma leaked)");
	stream_close_checked(s, &td);
	failed += edge_check(TEARDOWN, td.nic_stopped && !td.master_at_detach,
			     "the NIC is stopped, bus mastering off, before its domain goes");
	failed += edge_check(TEARDOWN, td.tables_kept, "the domain's page tables are kept, not freed");
	/* Under caching mode the first wait is a map's (CAP.CM: maps
	 * invalidate too): that map is undone before the device sees it, so
	 * no buffer is left for the failure to protect, only its IOVA. */
	bool at_unmap = !vtd_caching_mode(u);
	failed += edge_check(TEARDOWN, (!at_unmap || td.held_after_failure >= 1) &&
			     td.held_after_failure_kept == td.held_after_failure,
			     "every buffer the failed invalidation protects is kept, not freed");
	kprintf("stream: teardown: %u buffers freed, %u kept (%u held after the failure)\n",
		td.buffers_freed, td.buffers_kept, td.held_after_failure);
	return failed;
}

int stream_lost_frames_test(struct e1000 *nic, struct vtd_unit *u, const struct stream_config *base)
{
	struct stream_config cfg = *base;
	struct stream_result res;
	int failed = 0;

	cfg.policy = DMA_POLICY_BATCHED;
	cfg.packets = LOST_PACKETS;
	cfg.flush_ms = LOST_FLUSH_MS;
	cfg.timing = true;
	cfg.quiet = true;
	kprintf("stream: lost frames: a batched stream, %u ms deadline, receive off\n", LOST_FLUSH_MS);
	struct stream *s = stream_open(nic, u, &cfg);
	if (!s)
		return edge_check(LOST, 0, "the stream opens");
	e1000_disable_rx(nic); /* every frame sent from now on is dropped */
	/* What the probes unmapped goes now, so the window is the run's own. */
	int rc = dma_flush(&s->dv.dom);
	if (rc == 0)
		rc = stream_run(s, cfg.packets, &res);
	stream_close(s);
	if (rc == 0 && res.lost != res.sent) {
		kprintf("SKIP: stream: lost frames: the NIC still returned %lu of %lu frames\n",
			res.received, res.sent);
		return 0;
	}
	/* A deadline that is only served after a lost frame's wait holds its
	 * queued unmaps for the whole frame timeout: every frame here is lost,
	 * so some deadline must come due, and be served, inside a wait. */
	kprintf("stream: lost frames: %lu of %lu lost, %lu deadline flushes (%lu during a frame's "
		"wait), window max %lu us\n", res.lost, res.sent, res.dma.flushes_deadline,
		res.deadlines_in_wait, tsc_to_us(res.dma.window_max));
	failed += edge_check(LOST, rc == 0 && res.dma.flushes_deadline > 0,
			     "with frames lost the deadline still flushes");
	failed += edge_check(LOST, res.deadlines_in_wait > 0,
			     "the deadline is served while a lost frame is awaited, not after its "
			     "timeout");
	return failed;
}

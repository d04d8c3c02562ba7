/* The stream's state and the steps one frame goes through, shared by the
 * three files of the stream: the measured loop (stream.c), bringing the
 * NIC up and down (stream_setup.c) and the stale-translation test
 * (stale.c). Not for the rest of the benchmark: it uses bench/net/stream.h. */
#ifndef BENCH_NET_STREAM_STATE_H
#define BENCH_NET_STREAM_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bench/dma_vtd.h"
#include "bench/flush_deadline.h"
#include "bench/net/stream.h"

#define PROBE_SEQ 0xffffffffu   /* sequence number of a receive-readiness probe */
#define FRAME_TIMEOUT_US 100000 /* for one frame to go out and come back */

struct pkt_buf {
	uint64_t phys;
	uint64_t iova;               /* pool: mapped once; else the current mapping */
	bool released;               /* on the free list, given back by the DMA layer */
	bool held_after_failure;     /* its unmap's invalidation failed; not given back since */
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
	struct flush_deadline deadline; /* batched's flush timer */
	uint64_t next_seq;            /* expected on receive */
	int64_t last_seq;             /* the latest frame's, -1 when it was wrong */
	uint64_t frames_seen;         /* every frame received, probes included */
	uint64_t meta_pages;
	struct stream_result *res;    /* where receive() counts */
};

/* What closing a stream did, for the teardown test. */
struct stream_teardown {
	bool nic_stopped;             /* e1000_stop confirmed receive, transmit, bus mastering off */
	bool master_at_detach;        /* bus mastering was still on when the domain went */
	bool tables_kept;             /* an invalidation failed: page tables kept for good */
	unsigned buffers_freed, buffers_kept;
	unsigned held_after_failure;      /* buffers whose unmap's invalidation failed... */
	unsigned held_after_failure_kept; /* ... and of those, the ones kept */
};
/* stream_close, telling what it did. */
void stream_close_checked(struct stream *s, struct stream_teardown *td);

/* Packet buffers. A buffer returns to the free list only through the DMA
 * layer's release callback (stream_buf_release), or at once under pool. */
void stream_buf_release(void *stream, uint64_t idx);
int stream_buf_get(struct stream *s, unsigned *idx);
int stream_map_buf(struct stream *s, unsigned idx, size_t len, enum dma_dir dir, uint64_t *dev);
int stream_unmap_buf(struct stream *s, unsigned idx, size_t len, enum dma_dir dir);

/* Writes a test frame (to ourselves, with seq and a pattern from it). */
void stream_fill_frame(const struct stream *s, uint8_t *f, uint32_t seq);
/* Maps a fresh buffer and posts it for receive. */
int stream_post_rx(struct stream *s);
/* Takes every frame that arrived: unmap, check, count, post a fresh
 * buffer. *got_data (if given) is set when a stream frame or a probe came. */
int stream_receive(struct stream *s, bool *got_data);
/* Unmaps the buffers of every completed transmit (never the probe's). */
int stream_reap_tx(struct stream *s);
/* Batched: flushes once the deadline timer fired and keeps the timer
 * armed for the queue's oldest entry. Returns 1 when it served a deadline
 * that had fired, 0 when there was none, or a negative error. */
int stream_service_deadline(struct stream *s);

#endif

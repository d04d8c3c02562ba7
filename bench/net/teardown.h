/* Checks of the stream's own edges, run with selftest=stream after the
 * measured rows: the teardown after a failed invalidation, and the flush
 * deadline while frames are lost. */
#ifndef BENCH_NET_TEARDOWN_H
#define BENCH_NET_TEARDOWN_H

#include "bench/net/stream.h"

/* Opens a strict stream whose glue reports one invalidation wait as
 * failed, then closes it: the NIC must be stopped (bus mastering off)
 * before its domain goes, the page tables and every buffer the failed
 * invalidation protects must stay allocated. Prints PASS:/FAIL: lines;
 * returns the failures. */
int stream_teardown_test(struct e1000 *nic, struct vtd_unit *u, const struct stream_config *base);

/* A batched stream with a 1 ms deadline whose frames are all lost
 * (receive off): the deadline must flush while each frame is awaited, so
 * no unmap waits in the queue for a frame's whole timeout. Prints
 * PASS:/FAIL:/SKIP: lines; returns the failures. */
int stream_lost_frames_test(struct e1000 *nic, struct vtd_unit *u, const struct stream_config *base);

#endif

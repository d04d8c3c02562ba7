/* The protection window shown with the NIC itself, on an open stream. */
#ifndef BENCH_NET_STALE_H
#define BENCH_NET_STALE_H

#include "bench/net/stream.h"

/* Transmits from a buffer right after it was unmapped. Strict must fault
 * at once; batched must go through the stale translation until the batch
 * is flushed, then fault, and the window the NIC probes must agree with the
 * flush queue's timestamps. Prints PASS:/FAIL: lines; returns the failures
 * (0 for the other policies, which have nothing to show). */
int stream_stale_test(struct stream *s);

#endif

/* The flush deadline of the policies that defer invalidations (batched,
 * fq) on the local APIC timer of the CPU a stream runs on, served from
 * the stream's main loop: the timer's interrupt only marks it fired (from
 * an interrupt nothing else may run), the loop flushes and keeps the timer
 * armed for the queue's oldest entry. One owner for both workloads'
 * streams. */
#ifndef BENCH_FLUSH_DEADLINE_H
#define BENCH_FLUSH_DEADLINE_H

#include <stdbool.h>
#include "lib/dma/dma.h"

/* Whether the policy keeps unmapped buffers until a later flush. */
bool deferred_policy(enum dma_policy p);
/* How many buffers it may keep so at most: what a stream adds to the
 * buffers it has in flight (batched: hwm, fq: fq_size; 0 for the others). */
unsigned deferred_buffers(enum dma_policy p, unsigned hwm, unsigned fq_size);

struct flush_deadline {
	volatile bool fired;        /* set by the timer's callback */
	bool armed;                 /* the timer is set for the queue's oldest entry */
};

/* Flushes once the deadline fired and re-arms the timer for what is
 * queued. 1 when it served a deadline that had fired, 0 when there was
 * none (or the policy defers nothing), negative when the flush failed. */
int flush_deadline_serve(struct flush_deadline *fd, struct dma_domain *d);

#endif

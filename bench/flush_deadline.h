/* Batched's flush deadline on the local APIC timer, served from a stream's
 * main loop: the timer's interrupt only marks it fired (from an interrupt
 * nothing else may run), the loop flushes and keeps the timer armed for
 * the queue's oldest entry. One owner for both workloads' streams. */
#ifndef BENCH_FLUSH_DEADLINE_H
#define BENCH_FLUSH_DEADLINE_H

#include <stdbool.h>
#include "lib/dma/dma.h"

struct flush_deadline {
	volatile bool fired;        /* set by the timer's callback */
	bool armed;                 /* the timer is set for the queue's oldest entry */
};

/* Flushes once the deadline fired and re-arms the timer for what is
 * queued. 1 when it served a deadline that had fired, 0 when there was
 * none (or the domain is not batched), negative when the flush failed. */
int flush_deadline_serve(struct flush_deadline *fd, struct dma_domain *d);

#endif

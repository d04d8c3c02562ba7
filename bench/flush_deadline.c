/* Batched's flush deadline, served from the main loop (flush_deadline.h). */
#include "bench/flush_deadline.h"
#include "kernel/lapic.h"

int flush_deadline_serve(struct flush_deadline *fd, struct dma_domain *d)
{
	int served = 0;

	if (d->cfg.policy != DMA_POLICY_BATCHED)
		return 0;
	if (fd->fired) {
		fd->fired = false;
		fd->armed = false;
		if (dma_poll(d) < 0)
			return -1;
		served = 1;
	}
	uint64_t when = dma_deadline(d);
	if (when && !fd->armed) {
		lapic_timer_arm(lapic_has_tsc_deadline() ? LAPIC_TIMER_TSC_DEADLINE : LAPIC_TIMER_ONESHOT,
				when);
		fd->armed = true;
	}
	return served;
}

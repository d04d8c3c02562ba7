/* The deferring policies' flush deadline, served from the main loop
 * (flush_deadline.h). */
#include "bench/flush_deadline.h"
#include "kernel/lapic.h"

bool deferred_policy(enum dma_policy p)
{
	return p == DMA_POLICY_BATCHED || p == DMA_POLICY_FQ;
}

unsigned deferred_buffers(enum dma_policy p, unsigned hwm, unsigned fq_size)
{
	if (p == DMA_POLICY_BATCHED)
		return hwm ? hwm : DMA_DEFAULT_HWM;
	if (p == DMA_POLICY_FQ)
		return fq_size ? fq_size : DMA_DEFAULT_FQ_SIZE;
	return 0;
}

int flush_deadline_serve(struct flush_deadline *fd, struct dma_domain *d)
{
	int served = 0;

	if (!deferred_policy(d->cfg.policy))
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

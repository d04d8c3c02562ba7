/* What kernel/smp.c and kernel/smp_skew.c share: the per-CPU block. */
#ifndef KERNEL_SMP_INTERNAL_H
#define KERNEL_SMP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/smp.h"
#include "lib/cpu_mailbox.h"

/* One per CPU, a cache line of its own; the GS base points at it. */
struct smp_percpu {
	struct smp_percpu *self;
	uint32_t cpu;             /* at SMP_GS_CPU_OFFSET */
	uint32_t apic_id;
	volatile uint32_t running; /* set by the CPU once it idles */
	uint32_t pad;
	struct cpu_mailbox job;    /* posted by CPU 0, run by this CPU */
	int64_t tsc_skew;
	uint64_t skew_uncertainty;
	unsigned skew_rounds;       /* ping-pong rounds measured */
} __attribute__((aligned(64)));

extern struct smp_percpu smp_percpu[CPUS_MAX];

/* Measures CPU cpu's TSC against CPU 0's (run on CPU 0, cpu idle); 0, or
 * -1 after printing that it did not answer. */
int smp_measure_skew(unsigned cpu);

#endif

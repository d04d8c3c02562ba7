/* Each other CPU's TSC against CPU 0's, measured once at start-up with the
 * ping-pong of lib/tsc_pingpong.h: CPU 0 asks, the other CPU answers as
 * its job. */
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/smp_internal.h"
#include "kernel/tsc.h"
#include "lib/tsc_pingpong.h"

#define SKEW_ROUNDS      1000
/* Each side's wait for the other in one round: long, because under an
 * emulator a virtual CPU's host thread may be descheduled for a while. */
#define ROUND_TIMEOUT_US 500000
#define BUDGET_US        200000 /* no more rounds after this */
#define JOB_TIMEOUT_US   (ROUND_TIMEOUT_US + 100000)

static struct tsc_pingpong line;

static void answer(void *arg)
{
	(void)arg;
	tsc_pingpong_answer(&line, SKEW_ROUNDS, tsc_from_us(ROUND_TIMEOUT_US));
}

int smp_measure_skew(unsigned cpu)
{
	struct smp_percpu *pc = &smp_percpu[cpu];
	uint64_t limit = tsc_from_us(ROUND_TIMEOUT_US), budget = tsc_from_us(BUDGET_US);
	struct tsc_skew best;

	tsc_pingpong_reset(&line, &best);
	if (smp_start_on(cpu, answer, NULL)) {
		kprintf("smp: CPU %u: could not start the TSC ping-pong\n", cpu);
		return -1;
	}
	uint64_t start = rdtsc_ordered();
	for (uint64_t r = 0; r < SKEW_ROUNDS; r++) {
		if (!tsc_pingpong_ask(&line, &best, r, limit)) {
			tsc_pingpong_stop(&line);
			kprintf("smp: CPU %u (APIC id %u) did not answer round %lu of the TSC ping-pong "
				"within %u us\n", cpu, pc->apic_id, r + 1, ROUND_TIMEOUT_US);
			smp_wait_for(cpu, JOB_TIMEOUT_US);
			return -1;
		}
		if (rdtsc_ordered() - start > budget)
			break;
	}
	tsc_pingpong_stop(&line); /* enough rounds: the other CPU returns */
	pc->skew_rounds = best.rounds;
	pc->tsc_skew = best.skew;
	pc->skew_uncertainty = tsc_skew_uncertainty(&best);
	return smp_wait_for(cpu, JOB_TIMEOUT_US);
}

/* How far another CPU's TSC is from CPU 0's: a ping-pong through one
 * shared cache line. In each round CPU 0 reads its TSC (t0) and writes an
 * odd sequence number; the other CPU, spinning on the line, reads its TSC
 * (t) and answers with the next even number; CPU 0 reads its TSC again
 * (t1). t was read somewhere between t0 and t1 on CPU 0's clock, so the
 * skew is t - (t0 + t1) / 2 within half the round trip. The round with the
 * shortest round trip is kept: it bounds the skew most tightly. */
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/smp_internal.h"
#include "kernel/tsc.h"

#define SKEW_ROUNDS      1000
/* Each side's wait for the other in one round: long, because under an
 * emulator a virtual CPU's host thread may be descheduled for a while. */
#define ROUND_TIMEOUT_US 500000
#define BUDGET_US        200000 /* no more rounds after this */
#define JOB_TIMEOUT_US   (ROUND_TIMEOUT_US + 100000)

struct pingpong {
	volatile uint64_t seq;   /* odd: CPU 0 asks; even: the other CPU answered */
	volatile uint64_t t_cpu; /* the other CPU's TSC, written before its answer */
	volatile uint32_t stop;  /* CPU 0 gave up: the other CPU returns */
} __attribute__((aligned(64)));

static struct pingpong line;

static bool wait_seq(uint64_t want, uint64_t limit)
{
	uint64_t start = rdtsc_ordered();

	while (__atomic_load_n(&line.seq, __ATOMIC_ACQUIRE) != want) {
		if (line.stop || rdtsc_ordered() - start > limit)
			return false;
		cpu_pause();
	}
	return true;
}

/* The other CPU's side, run as its job. */
static void answer(void *arg)
{
	uint64_t limit = tsc_from_us(ROUND_TIMEOUT_US);

	(void)arg;
	for (uint64_t r = 0; r < SKEW_ROUNDS; r++) {
		if (!wait_seq(2 * r + 1, limit))
			return;
		line.t_cpu = rdtsc_ordered();
		__atomic_store_n(&line.seq, 2 * r + 2, __ATOMIC_RELEASE);
	}
}

int smp_measure_skew(unsigned cpu)
{
	struct smp_percpu *pc = &smp_percpu[cpu];
	uint64_t limit = tsc_from_us(ROUND_TIMEOUT_US);
	uint64_t best_trip = UINT64_MAX;
	int64_t best_skew = 0;
	uint64_t start = rdtsc_ordered(), budget = tsc_from_us(BUDGET_US);
	unsigned r_done = 0;

	line.seq = 0;
	line.stop = 0;
	if (smp_start_on(cpu, answer, NULL)) {
		kprintf("smp: CPU %u: could not start the TSC ping-pong\n", cpu);
		return -1;
	}
	for (uint64_t r = 0; r < SKEW_ROUNDS; r++) {
		uint64_t t0 = rdtsc_ordered();
		__atomic_store_n(&line.seq, 2 * r + 1, __ATOMIC_RELEASE);
		if (!wait_seq(2 * r + 2, limit)) {
			line.stop = 1;
			kprintf("smp: CPU %u (APIC id %u) did not answer round %lu of the TSC ping-pong "
				"within %u us\n", cpu, pc->apic_id, r + 1, ROUND_TIMEOUT_US);
			smp_wait_for(cpu, JOB_TIMEOUT_US);
			return -1;
		}
		uint64_t t1 = rdtsc_ordered();
		uint64_t t = line.t_cpu;
		r_done++;
		if (t1 - t0 < best_trip) {
			best_trip = t1 - t0;
			best_skew = (int64_t)(t - t0) - (int64_t)(best_trip / 2);
		}
		if (t1 - start > budget) {
			line.stop = 1; /* enough rounds: the other CPU returns */
			break;
		}
	}
	pc->skew_rounds = r_done;
	pc->tsc_skew = best_skew;
	pc->skew_uncertainty = (best_trip + 1) / 2;
	return smp_wait_for(cpu, JOB_TIMEOUT_US);
}

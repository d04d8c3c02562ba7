/* selftest=smp: every CPU the kernel started does real work. Each one runs
 * a job (on the CPU it was sent to), takes one shared ticket lock many
 * times to increment one shared counter (the total must be exact), fires
 * its own LAPIC timer (the interrupt comes on that CPU), and answers an
 * IPI from CPU 0 (counted by the CPU that took it). With one CPU the
 * cross-CPU checks say SKIP and the rest run on CPU 0 alone. */
#include "bench/check.h"
#include "bench/selftest/selftest.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/lapic.h"
#include "kernel/smp.h"
#include "kernel/trap.h"
#include "kernel/tsc.h"
#include "lib/ticket_lock.h"

#define LOCK_ROUNDS      5000
#define LOCK_LIMIT_US    2000000 /* a holder descheduled by the host, at worst */
#define JOB_TIMEOUT_US   20000000
#define IPI_TIMEOUT_US   1000000
/* Used by nothing else; a class above the devices' and the timer's. */
#define SMP_TEST_VECTOR  0xc0

struct cpu_result {
	volatile uint32_t ran_on;   /* smp_this_cpu() + 1 inside its job */
	volatile uint32_t lock_failed;
	volatile uint32_t timer_fired;
	volatile uint64_t timer_seen; /* the callback ran on this CPU */
	volatile uint64_t ipi_seen;
} __attribute__((aligned(64)));

static struct cpu_result result[CPUS_MAX];
static struct ticket_lock lock = TICKET_LOCK_INIT;
static volatile uint64_t counter;

static void timer_seen(uint64_t now)
{
	(void)now;
	result[smp_this_cpu()].timer_seen++;
}

static void ipi_interrupt(struct trap_frame *tf)
{
	(void)tf;
	result[smp_this_cpu()].ipi_seen++;
	lapic_eoi();
}

static void work(void *arg)
{
	unsigned cpu = smp_this_cpu();
	struct cpu_result *r = &result[cpu];
	struct lock_wait w = { 0, 0, 0 };
	uint64_t limit = tsc_from_us(LOCK_LIMIT_US), armed, deadline;

	(void)arg;
	r->ran_on = cpu + 1;
	for (unsigned i = 0; i < LOCK_ROUNDS; i++) {
		if (!ticket_lock_acquire(&lock, limit, &w)) {
			r->lock_failed = 1;
			break;
		}
		counter = counter + 1; /* a plain read-modify-write: only the lock makes it exact */
		ticket_lock_release(&lock);
	}
	lapic_timer_set_callback(timer_seen);
	r->timer_fired = selftest_timer_fires(LAPIC_TIMER_ONESHOT, &armed, &deadline);
	lapic_timer_set_callback(NULL);
}

static int run_jobs(unsigned cpus)
{
	int failed = 0;
	unsigned started = 0;

	for (unsigned cpu = 1; cpu < cpus; cpu++)
		started += smp_start_on(cpu, work, NULL) == 0;
	failed += check_line(started == cpus - 1, "smp: a job started on each of the %u other CPUs",
			     cpus - 1);
	work(NULL); /* CPU 0 takes its share meanwhile */
	for (unsigned cpu = 1; cpu < cpus; cpu++)
		failed += smp_wait_for(cpu, JOB_TIMEOUT_US) != 0;
	return failed;
}

static int check_ipis(unsigned cpus)
{
	int failed = 0;

	irq_set_handler(SMP_TEST_VECTOR, ipi_interrupt);
	for (unsigned cpu = 1; cpu < cpus; cpu++) {
		uint64_t before = result[cpu].ipi_seen;
		bool sent = smp_send_ipi(cpu, SMP_TEST_VECTOR) == 0;
		uint64_t start = rdtsc_ordered(), limit = tsc_from_us(IPI_TIMEOUT_US);
		while (sent && result[cpu].ipi_seen == before && rdtsc_ordered() - start < limit)
			cpu_pause();
		failed += check_line(sent && result[cpu].ipi_seen == before + 1,
				     "smp: CPU %u (APIC id %u) took the IPI on vector 0x%x once", cpu,
				     smp_apic_id_of(cpu), SMP_TEST_VECTOR);
	}
	failed += check_line(result[0].ipi_seen == 0, "smp: no IPI landed on CPU 0");
	irq_set_handler(SMP_TEST_VECTOR, NULL);
	return failed;
}

int selftest_smp(void)
{
	unsigned cpus = smp_cpus();
	int failed = 0;

	kprintf("selftest: smp: %u of %u listed CPUs running\n", cpus, smp_listed());
	failed += check_line(smp_this_cpu() == 0, "smp: the boot CPU is CPU 0 (GS-based number)");
	if (cpus > 1)
		failed += run_jobs(cpus);
	else {
		kprintf("SKIP: smp: jobs on other CPUs (one CPU running)\n");
		work(NULL);
	}
	unsigned ran_right = 0, lock_ok = 0, timers = 0;
	for (unsigned cpu = 0; cpu < cpus; cpu++) {
		ran_right += result[cpu].ran_on == cpu + 1;
		lock_ok += !result[cpu].lock_failed;
		bool fired = result[cpu].timer_fired && lapic_timer_count_of(cpu) > 0 &&
			     result[cpu].timer_seen == 1;
		timers += fired;
		if (!fired)
			kprintf("selftest: smp: CPU %u timer: fired %u, count %lu, callbacks on it %lu\n",
				cpu, result[cpu].timer_fired, lapic_timer_count_of(cpu),
				result[cpu].timer_seen);
	}
	failed += check_line(ran_right == cpus, "smp: each job ran on the CPU it was sent to "
			     "(%u of %u)", ran_right, cpus);
	failed += check_line(lock_ok == cpus && counter == (uint64_t)cpus * LOCK_ROUNDS,
			     "smp: %u CPUs x %u ticket-lock increments = %lu (counted %lu)", cpus,
			     LOCK_ROUNDS, (uint64_t)cpus * LOCK_ROUNDS, counter);
	failed += check_line(timers == cpus, "smp: each CPU's own LAPIC timer fired on it "
			     "(%u of %u)", timers, cpus);
	if (cpus > 1)
		failed += check_ipis(cpus);
	else
		kprintf("SKIP: smp: IPIs to other CPUs (one CPU running)\n");
	return failed;
}

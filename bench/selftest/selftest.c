/* The kernel's own checks of its foundation, run inside the VM where the
 * hardware is real enough to test: clocks, interrupts, exceptions. */
#include "bench/selftest/selftest.h"
#include "drivers/vtd/vtd.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/lapic.h"
#include "kernel/mem.h"
#include "kernel/tsc.h"
#include "lib/fmt.h"
#include "bench/check.h"

#define TSC_AGREEMENT_PPM 20000 /* 2% */
#define TIMER_DELAY_US    10000
#define TIMER_WAIT_US     2000000
/* Canonical, far above any RAM, never mapped: a load from it must fault. */
#define UNMAPPED_ADDRESS  0x00007ff000000000ull
/* More than the console capture (1 MiB) and the hand-over (128000 bytes)
 * hold: what a storm of DMA fault messages does to a report. */
#define FLOOD_LINES       12000

static int report(int ok, const char *name)
{
	return check_line(ok, "%s", name);
}

static int test_tsc(void)
{
	const struct tsc_calibration *c = tsc_info();

	if (!c->hpet_hz || !c->pmtimer_hz) {
		kprintf("SKIP: tsc: HPET and PM timer agree (need both; HPET %lu Hz, PM timer %lu Hz)\n",
			c->hpet_hz, c->pmtimer_hz);
		return 0;
	}
	uint64_t diff = c->hpet_hz > c->pmtimer_hz ? c->hpet_hz - c->pmtimer_hz
						   : c->pmtimer_hz - c->hpet_hz;
	uint64_t ppm = mul_div_u64(diff, 1000000, c->pmtimer_hz);
	kprintf("selftest: TSC against HPET %lu Hz, against PM timer %lu Hz: %lu ppm apart\n",
		c->hpet_hz, c->pmtimer_hz, ppm);
	return report(ppm <= TSC_AGREEMENT_PPM, "tsc: HPET and PM timer calibrations agree within 2%");
}

bool selftest_timer_fires(enum lapic_timer_mode mode, uint64_t *armed, uint64_t *deadline)
{
	uint64_t before = lapic_timer_count();

	*armed = rdtsc_ordered();
	*deadline = *armed + tsc_from_us(TIMER_DELAY_US);
	uint64_t give_up = *armed + tsc_from_us(TIMER_WAIT_US);
	lapic_timer_arm(mode, *deadline);
	/* Polled with interrupts on rather than sleeping in hlt: a hlt whose
	 * only wakeup is the interrupt under test would never end if that
	 * interrupt never came, and the bound would never be checked. */
	cpu_sti();
	while (lapic_timer_count() == before && rdtsc_ordered() < give_up)
		cpu_pause();
	cpu_cli();
	lapic_timer_cancel();
	return lapic_timer_count() == before + 1;
}

/* Arms the timer and waits for its interrupt, bounded by the TSC. */
static int test_timer_mode(enum lapic_timer_mode mode, const char *name)
{
	char line[96];
	uint64_t armed, deadline;
	int fired = selftest_timer_fires(mode, &armed, &deadline);
	uint64_t at = lapic_timer_last_tsc();
	if (fired)
		kprintf("selftest: %s timer asked for %u us, interrupt after %lu us\n", name,
			TIMER_DELAY_US, tsc_to_us(at - armed));
	else
		kprintf("selftest: %s timer: no interrupt within %u us\n", name, TIMER_WAIT_US);
	int failed = report(fired, (fmt_snprintf(line, sizeof(line),
				     "timer: %s interrupt fires once", name), line));
	if (mode == LAPIC_TIMER_TSC_DEADLINE && fired)
		failed += report(at >= deadline, "timer: tsc-deadline interrupt not before its deadline");
	return failed;
}

static int test_timer(void)
{
	int failed = test_timer_mode(LAPIC_TIMER_ONESHOT, "one-shot");

	if (lapic_has_tsc_deadline())
		failed += test_timer_mode(LAPIC_TIMER_TSC_DEADLINE, "tsc-deadline");
	else
		kprintf("SKIP: timer: tsc-deadline mode (the CPU does not offer it)\n");
	return failed;
}

/* The timer checks with the timer's interrupt held back by the task
 * priority, so that it never arrives: each check must end within its bound
 * and fail, not wait for ever. Once the priority is lowered the held-back
 * interrupt comes, which shows the timer itself did fire. */
static int test_timer_blocked(void)
{
	uint64_t before = lapic_timer_count();

	kprintf("selftest: task priority 0x%x holds the timer interrupt back; "
		"expect its checks to FAIL\n", LAPIC_TIMER_VECTOR & 0xf0);
	lapic_set_task_priority(LAPIC_TIMER_VECTOR & 0xf0);
	int failed = test_timer();
	lapic_set_task_priority(0);
	uint64_t end = rdtsc_ordered() + tsc_from_us(TIMER_WAIT_US);
	cpu_sti();
	while (lapic_timer_count() == before && rdtsc_ordered() < end)
		cpu_pause();
	cpu_cli();
	report(lapic_timer_count() == before + 1,
	       "timer: the held-back interrupt arrives once the priority is lowered");
	return failed;
}

/* Lines the report keeps ("selftest:"), each the same length, so the
 * screen redraws only the changing digits. */
static void flood(void)
{
	for (unsigned i = 1; i <= FLOOD_LINES; i++)
		kprintf("selftest: flood line %05u of %u, filler that stands for one of many fault "
			"messages\n", i, FLOOD_LINES);
}

int selftest_run(const struct kernel_options *opt, const struct boot_info *bi)
{
	int failed = 0;

	if (opt->selftest[SELFTEST_BOOT])
		failed += mem_selftest(bi);
	if (opt->selftest[SELFTEST_TSC])
		failed += test_tsc();
	if (opt->selftest[SELFTEST_TIMER])
		failed += test_timer();
	if (opt->selftest[SELFTEST_TIMER_BLOCKED])
		failed += test_timer_blocked();
	if (opt->selftest[SELFTEST_SMP])
		failed += selftest_smp();
	if (opt->selftest[SELFTEST_IRQ])
		failed += selftest_irq();
	if (opt->selftest[SELFTEST_CONSOLE])
		failed += selftest_console();
	if (opt->selftest[SELFTEST_VTD])
		failed += selftest_vtd(&(struct vtd_options){ opt->inval,
							      opt->passthrough });
	if (opt->selftest[SELFTEST_NVME])
		failed += selftest_nvme();
	if (opt->selftest[SELFTEST_FLOOD])
		flood();
	if (opt->selftest[SELFTEST_UD2]) {
		kprintf("selftest: executing ud2 on purpose; expect an EXCEPTION dump for vector 6\n");
		__asm__ volatile("ud2");
		failed += report(0, "ud2: execution continued past ud2");
	}
	if (opt->selftest[SELFTEST_PF]) {
		kprintf("selftest: reading 0x%llx on purpose; expect an EXCEPTION dump for vector 14\n",
			UNMAPPED_ADDRESS);
		(void)*(volatile uint64_t *)UNMAPPED_ADDRESS;
		failed += report(0, "pf: a read of an unmapped address did not fault");
	}
	if (opt->selftest[SELFTEST_HANG]) {
		kprintf("selftest: spinning forever with interrupts off, on purpose\n");
		cpu_cli();
		for (;;)
			cpu_pause();
	}
	return failed;
}

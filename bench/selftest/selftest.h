/* In-VM self-tests selected with selftest=. Each check prints one
 * PASS:/FAIL:/SKIP: line, which the test runner reads from serial. */
#ifndef BENCH_SELFTEST_SELFTEST_H
#define BENCH_SELFTEST_SELFTEST_H

#include "boot/boot_info.h"
#include "bench/options.h"
#include "kernel/lapic.h"

/* Runs the selected tests; returns the number of failed checks. The
 * exception tests do not return: the exception ends the run. */
int selftest_run(const struct kernel_options *opt, const struct boot_info *bi);
/* The VT-d checks (bench/selftest/selftest_vtd.c); returns the failed checks. */
struct vtd_options;
int selftest_vtd(const struct vtd_options *opt);
/* The NVMe driver on the first controller (bench/selftest/selftest_nvme.c);
 * returns the failed checks, 0 with a SKIP line when there is none. */
int selftest_nvme(void);
/* Stray interrupt vectors and console output from interrupt context
 * (bench/selftest/selftest_irq.c); each returns the failed checks. */
int selftest_irq(void);
/* Every running CPU: a job, a shared ticket lock, its own timer, an IPI
 * (bench/selftest/selftest_smp.c); returns the failed checks. */
int selftest_smp(void);
int selftest_console(void);
/* Arms the LAPIC timer a short delay ahead (*deadline, TSC) and waits for
 * its interrupt with interrupts on, never past a fixed bound, whether the
 * interrupt comes or not. True if it came exactly once. */
bool selftest_timer_fires(enum lapic_timer_mode mode, uint64_t *armed, uint64_t *deadline);

#endif

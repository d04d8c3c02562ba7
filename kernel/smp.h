/* Every CPU the MADT lists: started with INIT-SIPI-SIPI, each on its own
 * stack, GDT and TSS with the shared IDT and page tables, then idle with
 * interrupts on until the boot CPU hands it a job. CPU 0 is the boot CPU;
 * the others are numbered 1.. in MADT order as they start. */
#ifndef KERNEL_SMP_H
#define KERNEL_SMP_H

#include <stdint.h>

#include "boot/boot_info.h"
#include "lib/cpus.h"

/* The offset of the CPU number in the per-CPU block the GS base points
 * at (kernel/smp.c checks its layout against this). */
#define SMP_GS_CPU_OFFSET 8

/* Records one processor the MADT lists (enabled or online-capable), in
 * table order; called by the MADT parser before smp_init. */
void smp_add_listed(uint32_t apic_id);
/* Starts the listed CPUs, at most max_cpus of them counting the boot CPU
 * (0 = all), measures each one's TSC against CPU 0's and prints one line
 * per CPU left out and a summary. Needs lapic_init. Returns the CPUs
 * running (>= 1). */
int smp_init(const struct boot_info *bi, unsigned max_cpus);
/* CPUs running, CPU 0 (the boot CPU) included. */
unsigned smp_cpus(void);
/* CPUs the MADT lists (enabled or online-capable). */
unsigned smp_listed(void);
/* The calling CPU's number, 0 .. smp_cpus()-1: one load through GS. */
static inline unsigned smp_this_cpu(void)
{
	unsigned cpu;

	__asm__("movl %%gs:%c1, %0" : "=r"(cpu) : "i"(SMP_GS_CPU_OFFSET));
	return cpu;
}
uint32_t smp_apic_id_of(unsigned cpu);
/* Runs fn(arg) on CPU cpu (1..smp_cpus()-1), which spins idle between jobs
 * with interrupts on; returns at once. -1 when the CPU is not running or
 * still busy. */
int smp_start_on(unsigned cpu, void (*fn)(void *arg), void *arg);
/* Waits until CPU cpu returned from its job, at most timeout_us; 0, or -1
 * after printing which CPU did not finish. */
int smp_wait_for(unsigned cpu, uint64_t timeout_us);
/* The TSC skew of CPU cpu against CPU 0 measured at start-up (signed
 * ticks, cpu's TSC minus CPU 0's) and its uncertainty (half the best
 * round trip). */
int64_t smp_tsc_skew(unsigned cpu);
uint64_t smp_tsc_skew_uncertainty(unsigned cpu);
/* Sends CPU cpu (any running one) a fixed interrupt on vector; 0, or -1
 * after printing why not. */
int smp_send_ipi(unsigned cpu, uint8_t vector);
/* Where CPU cpu's per-CPU block is: its GS base (set by gdt_init_cpu). */
uint64_t smp_gs_base(unsigned cpu);

#endif

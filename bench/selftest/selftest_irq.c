/* Interrupts nobody asked for, and output from interrupt context.
 *
 * A vector the local APIC delivers stays in service until its EOI and holds
 * back every vector of its priority class and below (SDM Vol. 3A 11.8.4):
 * one stray interrupt left without an EOI would stop the timer for good.
 * A genuine spurious interrupt, or a software INT, sets no ISR bit, and an
 * EOI for it would retire some other interrupt still in service (11.9).
 * Self-IPIs (11.6.1) stand in for the stray interrupts, software INTs for
 * the entries the APIC did not deliver.
 *
 * The console check prints lines from the timer interrupt while the main
 * loop prints too; a line from the interrupt must never land inside one
 * of the main loop's (the VM test rejects such a line in the log). */
#include "bench/selftest/selftest.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/lapic.h"
#include "kernel/trap.h"
#include "kernel/tsc.h"
#include "lib/fmt.h"
#include "bench/check.h"

/* Unused by any driver; above the timer's priority class, so a stray one
 * left in service would block the timer. */
#define STRAY_VECTOR      0x90
#define SOFT_STRAY_VECTOR 0x91
#define IN_SERVICE_VECTOR 0xa0 /* the test's own handler, for the no-EOI checks */
#define DELIVERY_WAIT_US  100000
#define CONSOLE_IRQ_LINES 40
#define CONSOLE_IRQ_PERIOD_US 300
#define CONSOLE_WAIT_US   10000000

static int report(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int report(int ok, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return check_line(ok, "irq: %s", what);
}

/* Sends a self-IPI on `vector` with interrupts off, then lets it in.
 * Returns how many unexpected interrupts were counted meanwhile. */
static uint64_t deliver_stray(uint8_t vector)
{
	uint64_t before = trap_unexpected_count();

	if (lapic_send_self_ipi(vector))
		return 0;
	uint64_t end = rdtsc_ordered() + tsc_from_us(DELIVERY_WAIT_US);
	cpu_sti();
	while (trap_unexpected_count() == before && rdtsc_ordered() < end)
		cpu_pause();
	cpu_cli();
	return trap_unexpected_count() - before;
}

static int test_delivered_stray(uint8_t vector, const char *kind)
{
	uint64_t armed, deadline;
	int failed = 0;

	kprintf("selftest: sending a self-IPI on %s 0x%x on purpose\n", kind, vector);
	failed += report(deliver_stray(vector) == 1,
			 "a delivered interrupt on unhandled vector 0x%x is counted once", vector);
	failed += report(!lapic_in_service(vector),
			 "the stray interrupt on vector 0x%x got its EOI (ISR bit clear)", vector);
	failed += report(selftest_timer_fires(LAPIC_TIMER_ONESHOT, &armed, &deadline),
			 "the timer still fires after a stray interrupt on vector 0x%x", vector);
	return failed;
}

/* Filled in by in_service_handler: was its own vector still in service
 * after an entry the APIC did not deliver? */
static volatile int in_service_before, in_service_after_spurious, in_service_after_soft;

static void in_service_handler(struct trap_frame *tf)
{
	(void)tf;
	in_service_before = lapic_in_service(IN_SERVICE_VECTOR);
	__asm__ volatile("int $0xff" ::: "memory"); /* LAPIC_SPURIOUS_VECTOR, as a genuine one */
	in_service_after_spurious = lapic_in_service(IN_SERVICE_VECTOR);
	__asm__ volatile("int %0" ::"i"(SOFT_STRAY_VECTOR) : "memory");
	in_service_after_soft = lapic_in_service(IN_SERVICE_VECTOR);
	lapic_eoi();
}

/* An entry on the spurious vector, or on an unhandled one, that set no
 * ISR bit must not send an EOI: it would retire the interrupt in service. */
static int test_undelivered_entries(void)
{
	_Static_assert(LAPIC_SPURIOUS_VECTOR == 0xff, "the int $0xff above");
	uint64_t before = trap_unexpected_count();
	int failed = 0;

	irq_set_handler(IN_SERVICE_VECTOR, in_service_handler);
	in_service_before = in_service_after_spurious = in_service_after_soft = 0;
	lapic_send_self_ipi(IN_SERVICE_VECTOR);
	uint64_t end = rdtsc_ordered() + tsc_from_us(DELIVERY_WAIT_US);
	cpu_sti();
	while (!in_service_before && rdtsc_ordered() < end)
		cpu_pause();
	cpu_cli();
	irq_set_handler(IN_SERVICE_VECTOR, NULL);
	failed += report(in_service_before && trap_unexpected_count() == before + 2,
			 "the test interrupt on vector 0x%x was in service, both entries counted",
			 IN_SERVICE_VECTOR);
	failed += report(in_service_after_spurious,
			 "a spurious-vector entry sends no EOI (vector 0x%x stays in service)",
			 IN_SERVICE_VECTOR);
	failed += report(in_service_after_soft,
			 "a software INT on an unhandled vector sends no EOI (0x%x stays in service)",
			 IN_SERVICE_VECTOR);
	return failed;
}

int selftest_irq(void)
{
	int failed = test_delivered_stray(STRAY_VECTOR, "unhandled vector");

	failed += test_delivered_stray(LAPIC_SPURIOUS_VECTOR, "the spurious vector's number,");
	failed += test_undelivered_entries();
	return failed;
}

static volatile unsigned console_irq_lines;

/* Runs in the timer interrupt: one line, then the next interrupt. */
static void console_irq_print(uint64_t now)
{
	if (console_irq_lines >= CONSOLE_IRQ_LINES)
		return;
	kprintf("console: interrupt line %u\n", ++console_irq_lines);
	lapic_timer_arm(LAPIC_TIMER_ONESHOT, now + tsc_from_us(CONSOLE_IRQ_PERIOD_US));
}

int selftest_console(void)
{
	static const char chunk[] = "abcdefghijklmnop";
	unsigned main_lines = 0;

	kprintf("selftest: printing from the timer interrupt while the main loop prints\n");
	console_irq_lines = 0;
	lapic_timer_set_callback(console_irq_print);
	lapic_timer_arm(LAPIC_TIMER_ONESHOT, rdtsc_ordered() + tsc_from_us(CONSOLE_IRQ_PERIOD_US));
	uint64_t end = rdtsc_ordered() + tsc_from_us(CONSOLE_WAIT_US);
	cpu_sti();
	/* One kprintf per line, formatted in several pieces: the console must
	 * keep the whole line together. */
	while (console_irq_lines < CONSOLE_IRQ_LINES && rdtsc_ordered() < end)
		kprintf("console: main line %u %s%s%s%s%s%s end\n", ++main_lines, chunk, chunk,
			chunk, chunk, chunk, chunk);
	cpu_cli();
	lapic_timer_cancel();
	lapic_timer_set_callback(NULL);
	kprintf("%s: console: %u of %u lines printed from the timer interrupt while the main "
		"loop printed %u\n", console_irq_lines == CONSOLE_IRQ_LINES ? "PASS" : "FAIL",
		console_irq_lines, CONSOLE_IRQ_LINES, main_lines);
	return console_irq_lines != CONSOLE_IRQ_LINES;
}

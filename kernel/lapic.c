/* Local APIC (SDM Vol. 3A chapter 11): enabled through the spurious vector
 * register, every LVT masked but the timer. The timer runs one-shot or in
 * TSC-deadline mode (11.5.4.1); one-shot counts are converted from TSC
 * ticks with a rate calibrated here against the TSC. */
#include "kernel/lapic.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/mem.h"
#include "kernel/smp.h"
#include "kernel/trap.h"
#include "kernel/tsc.h"

#define MSR_IA32_APIC_BASE     0x1b
#define APIC_BASE_ENABLE       (1ull << 11)
#define APIC_BASE_X2APIC       (1ull << 10)
#define APIC_BASE_ADDR_MASK    0x000ffffffffff000ull
#define MSR_IA32_TSC_DEADLINE  0x6e0
#define MSR_X2APIC_BASE        0x800 /* register offset >> 4 added */

#define APIC_ID      0x020
#define APIC_VERSION 0x030
#define APIC_TPR     0x080
#define APIC_EOI     0x0b0
#define APIC_SVR     0x0f0
#define APIC_SVR_ENABLE (1u << 8)
#define APIC_ISR     0x100 /* 8 registers, 0x10 apart: vectors 32 at a time (11.8.4) */
#define APIC_ICR_LO  0x300 /* 11.6.1 */
#define APIC_ICR_HI  0x310 /* xAPIC: destination in bits 31:24 */
#define APIC_X2_ICR  0x300 /* x2APIC: one 64-bit MSR 0x830, destination in 63:32 (11.12.9) */
#define APIC_ICR_FIXED   (0u << 8) /* delivery mode, bits 10:8 */
#define APIC_ICR_INIT    (5u << 8)
#define APIC_ICR_STARTUP (6u << 8)
#define APIC_ICR_SHORTHAND_SELF (1u << 18) /* destination shorthand 01b */
#define APIC_ICR_LEVEL_ASSERT   (1u << 14) /* 1 for every mode but INIT de-assert */
#define APIC_ICR_DELIVERY_PENDING (1u << 12)
#define APIC_X2_SELF_IPI 0x3f0 /* x2APIC only: MSR 0x83f, 11.12.11 */
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_LVT_ERROR 0x370
#define APIC_LVT_MASKED (1u << 16)
#define APIC_LVT_TIMER_TSC_DEADLINE (2u << 17)
#define APIC_TIMER_INITIAL 0x380
#define APIC_TIMER_CURRENT 0x390
#define APIC_TIMER_DIVIDE  0x3e0
#define APIC_TIMER_DIVIDE_BY_1 0xb

#define PIC1_DATA 0x21
#define PIC2_DATA 0xa1
#define CALIBRATION_US 10000
#define ICR_IDLE_TIMEOUT_US 10000

/* Set once by lapic_init on the boot CPU, read-only afterwards: every
 * CPU's local APIC answers at the same address and in the same mode, and
 * all timers run from the same bus clock. */
static volatile uint32_t *lapic_mmio;
static bool x2apic;
static bool tsc_deadline;
static uint64_t timer_hz;

/* Each CPU's own timer state, written only by that CPU (a line each, so
 * no CPU's interrupt touches another's cache line). */
struct timer_state {
	volatile uint64_t count;
	volatile uint64_t last_tsc;
	void (*callback)(uint64_t now);
} __attribute__((aligned(64)));
static struct timer_state timer_state[CPUS_MAX];

static struct timer_state *my_timer(void)
{
	return &timer_state[smp_this_cpu()];
}

static uint32_t lapic_read(uint32_t reg)
{
	if (x2apic)
		return (uint32_t)rdmsr(MSR_X2APIC_BASE + (reg >> 4));
	return lapic_mmio[reg / 4];
}

static void lapic_write(uint32_t reg, uint32_t v)
{
	if (x2apic)
		wrmsr(MSR_X2APIC_BASE + (reg >> 4), v);
	else
		lapic_mmio[reg / 4] = v;
}

static void timer_interrupt(struct trap_frame *tf)
{
	uint64_t now = rdtsc_ordered();
	struct timer_state *t = my_timer();

	(void)tf;
	t->last_tsc = now;
	t->count++;
	lapic_write(APIC_EOI, 0);
	if (t->callback)
		t->callback(now);
}

/* A genuine spurious interrupt sets no ISR bit and must not be given an
 * EOI (SDM 11.9); a fixed interrupt that happens to use vector 0xff does
 * set one and needs it. The stray-vector path tells the two apart. */
static void spurious_interrupt(struct trap_frame *tf)
{
	trap_count_stray((uint8_t)tf->vector);
}

/* Counts the one-shot timer at divide-by-1 over a TSC-timed interval. */
static int calibrate_timer(void)
{
	lapic_write(APIC_TIMER_DIVIDE, APIC_TIMER_DIVIDE_BY_1);
	lapic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | LAPIC_TIMER_VECTOR);
	uint64_t t0 = rdtsc_ordered();
	lapic_write(APIC_TIMER_INITIAL, 0xffffffffu);
	uint64_t end = t0 + tsc_from_us(CALIBRATION_US);
	while (rdtsc_ordered() < end)
		cpu_pause();
	uint32_t left = lapic_read(APIC_TIMER_CURRENT);
	uint64_t t1 = rdtsc_ordered();
	lapic_write(APIC_TIMER_INITIAL, 0);
	uint64_t counted = 0xffffffffull - left;
	if (counted == 0 || left == 0) {
		kprintf("lapic: timer did not count sanely during calibration (current %u)\n", left);
		return -1;
	}
	timer_hz = mul_div_u64(counted, tsc_hz(), t1 - t0);
	return 0;
}

/* What every CPU does to its own local APIC: no task priority, LINT0/1
 * and the error LVT masked, the timer masked until armed, software enable
 * through the spurious vector register (11.4.3, 11.5.1). */
static void enable_local(bool ap)
{
	if (ap) {
		/* An AP's APIC_BASE is its own MSR; after INIT it is in xAPIC
		 * mode, and x2APIC mode is entered from enabled xAPIC (11.12.5). */
		uint64_t base = rdmsr(MSR_IA32_APIC_BASE) | APIC_BASE_ENABLE;
		wrmsr(MSR_IA32_APIC_BASE, base);
		if (x2apic)
			wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_X2APIC);
	}
	lapic_write(APIC_TPR, 0);
	lapic_write(APIC_LVT_LINT0, APIC_LVT_MASKED);
	lapic_write(APIC_LVT_LINT1, APIC_LVT_MASKED);
	lapic_write(APIC_LVT_ERROR, APIC_LVT_MASKED);
	lapic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | LAPIC_TIMER_VECTOR);
	lapic_write(APIC_TIMER_DIVIDE, APIC_TIMER_DIVIDE_BY_1);
	lapic_write(APIC_SVR, APIC_SVR_ENABLE | LAPIC_SPURIOUS_VECTOR);
}

void lapic_init_ap(void)
{
	enable_local(true);
}

int lapic_init(void)
{
	uint32_t a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(d & (1u << 9))) { /* CPUID.1:EDX.APIC */
		kprintf("lapic: this CPU reports no local APIC\n");
		return -1;
	}
	tsc_deadline = (c >> 24) & 1; /* CPUID.1:ECX.TSC_Deadline */

	/* The legacy PIC must stay quiet: its vectors are whatever the firmware
	 * last programmed. */
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);

	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);
	x2apic = (base & APIC_BASE_X2APIC) != 0;
	if (!(base & APIC_BASE_ENABLE))
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_ENABLE);
	if (!x2apic) {
		uint64_t phys = base & APIC_BASE_ADDR_MASK;
		if (map_mmio(phys, PAGE_SIZE))
			return -1;
		lapic_mmio = (volatile uint32_t *)phys;
	}
	if (lapic_read(APIC_VERSION) == 0xffffffffu) {
		kprintf("lapic: registers read all ones; no local APIC answers\n");
		return -1;
	}
	irq_set_handler(LAPIC_TIMER_VECTOR, timer_interrupt);
	irq_set_handler(LAPIC_SPURIOUS_VECTOR, spurious_interrupt);
	enable_local(false);
	if (calibrate_timer())
		return -1;
	kprintf("lapic: %s, id %u, version 0x%x, timer %lu Hz one-shot%s\n",
		x2apic ? "x2APIC" : "xAPIC", x2apic ? lapic_read(APIC_ID) : lapic_read(APIC_ID) >> 24,
		lapic_read(APIC_VERSION) & 0xff, timer_hz,
		tsc_deadline ? ", TSC-deadline mode available" : ", no TSC-deadline mode");
	return 0;
}

bool lapic_has_tsc_deadline(void)
{
	return tsc_deadline;
}

void lapic_timer_arm(enum lapic_timer_mode mode, uint64_t deadline)
{
	if (mode == LAPIC_TIMER_TSC_DEADLINE && tsc_deadline) {
		lapic_write(APIC_LVT_TIMER, APIC_LVT_TIMER_TSC_DEADLINE | LAPIC_TIMER_VECTOR);
		/* SDM 11.5.4.1: the LVT write must be ordered before the MSR. */
		__asm__ volatile("mfence" ::: "memory");
		wrmsr(MSR_IA32_TSC_DEADLINE, deadline);
		return;
	}
	uint64_t now = rdtsc_ordered();
	uint64_t ticks = deadline > now ? mul_div_u64(deadline - now, timer_hz, tsc_hz()) : 1;
	if (ticks == 0)
		ticks = 1;
	if (ticks > 0xffffffffull)
		ticks = 0xffffffffull; /* the callback sees an early wakeup and re-arms */
	lapic_write(APIC_TIMER_DIVIDE, APIC_TIMER_DIVIDE_BY_1);
	lapic_write(APIC_LVT_TIMER, LAPIC_TIMER_VECTOR); /* one-shot, unmasked */
	lapic_write(APIC_TIMER_INITIAL, (uint32_t)ticks);
}

void lapic_timer_cancel(void)
{
	if (tsc_deadline)
		wrmsr(MSR_IA32_TSC_DEADLINE, 0);
	lapic_write(APIC_TIMER_INITIAL, 0);
	lapic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | LAPIC_TIMER_VECTOR);
}

void lapic_timer_set_callback(void (*fn)(uint64_t now))
{
	my_timer()->callback = fn;
}

uint64_t lapic_timer_count(void)
{
	return my_timer()->count;
}

uint64_t lapic_timer_count_of(unsigned cpu)
{
	return timer_state[cpu].count;
}

uint64_t lapic_timer_last_tsc(void)
{
	return my_timer()->last_tsc;
}

uint64_t lapic_timer_hz(void)
{
	return timer_hz;
}

void lapic_eoi(void)
{
	lapic_write(APIC_EOI, 0);
}

bool lapic_in_service(uint8_t vector)
{
	if (!x2apic && !lapic_mmio)
		return false; /* not set up yet: nothing was delivered through it */
	uint32_t isr = lapic_read(APIC_ISR + 0x10 * (vector / 32));
	return (isr >> (vector % 32)) & 1;
}

void lapic_set_task_priority(uint8_t tpr)
{
	lapic_write(APIC_TPR, tpr); /* 11.8.3.1: bits 7:4 are the class */
}

int lapic_send_self_ipi(uint8_t vector)
{
	if (x2apic) {
		lapic_write(APIC_X2_SELF_IPI, vector);
		return 0;
	}
	lapic_write(APIC_ICR_LO, APIC_ICR_SHORTHAND_SELF | APIC_ICR_LEVEL_ASSERT | vector);
	uint64_t end = rdtsc_ordered() + tsc_from_us(ICR_IDLE_TIMEOUT_US);
	while (lapic_read(APIC_ICR_LO) & APIC_ICR_DELIVERY_PENDING) {
		if (rdtsc_ordered() > end) {
			kprintf("lapic: self-IPI on vector 0x%x: ICR delivery status (bit 12) "
				"still pending after %u us\n", vector, ICR_IDLE_TIMEOUT_US);
			return -1;
		}
		cpu_pause();
	}
	return 0;
}

/* Waits until the xAPIC took the last ICR write (delivery status idle);
 * the x2APIC has no such bit, its ICR write is the send (11.12.9). */
static int wait_icr_idle(uint32_t what)
{
	if (x2apic)
		return 0;
	uint64_t end = rdtsc_ordered() + tsc_from_us(ICR_IDLE_TIMEOUT_US);
	while (lapic_read(APIC_ICR_LO) & APIC_ICR_DELIVERY_PENDING) {
		if (rdtsc_ordered() > end) {
			kprintf("lapic: IPI 0x%x: ICR delivery status (bit 12) still pending "
				"after %u us\n", what, ICR_IDLE_TIMEOUT_US);
			return -1;
		}
		cpu_pause();
	}
	return 0;
}

/* One ICR write to one destination, interrupts off so that a handler on
 * this CPU cannot slip its own IPI between the two halves (xAPIC). */
static int send_ipi(uint32_t apic_id, uint32_t icr_lo)
{
	uint64_t flags = cpu_irq_save();
	int rc = wait_icr_idle(icr_lo);

	if (rc == 0) {
		if (x2apic) {
			wrmsr(MSR_X2APIC_BASE + (APIC_X2_ICR >> 4), (uint64_t)apic_id << 32 | icr_lo);
		} else {
			lapic_write(APIC_ICR_HI, apic_id << 24);
			lapic_write(APIC_ICR_LO, icr_lo);
			rc = wait_icr_idle(icr_lo);
		}
	}
	cpu_irq_restore(flags);
	return rc;
}

int lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
	return send_ipi(apic_id, APIC_ICR_FIXED | APIC_ICR_LEVEL_ASSERT | vector);
}

int lapic_send_init(uint32_t apic_id)
{
	return send_ipi(apic_id, APIC_ICR_INIT | APIC_ICR_LEVEL_ASSERT);
}

int lapic_send_startup(uint32_t apic_id, uint8_t page)
{
	return send_ipi(apic_id, APIC_ICR_STARTUP | APIC_ICR_LEVEL_ASSERT | page);
}

bool lapic_x2apic(void)
{
	return x2apic;
}

uint32_t lapic_id(void)
{
	return x2apic ? lapic_read(APIC_ID) : lapic_read(APIC_ID) >> 24;
}

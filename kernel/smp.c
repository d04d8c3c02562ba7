/* Bringing up the other CPUs the MADT lists, one at a time, with the
 * INIT-SIPI-SIPI sequence of SDM Vol. 3A 8.4.4.1: INIT, 10 ms, a start-up
 * IPI, 200 us, a second one. Each CPU runs kernel/ap_start.asm from the
 * page the loader got below 1 MiB into long mode on the kernel's page
 * tables, then ap_entry below: its own GDT, TSS and GS base, the shared
 * IDT, its local APIC, and an idle loop that runs the jobs CPU 0 hands it.
 * Starting them one at a time lets them share that one page (and its
 * parameter block) and names exactly the CPU that did not come. */
#include "kernel/smp.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/gdt.h"
#include "kernel/lapic.h"
#include "kernel/mem.h"
#include "kernel/smp_internal.h"
#include "kernel/trap.h"
#include "kernel/tsc.h"
#include "lib/string.h"

#include <stddef.h>

#define INIT_DELAY_US    10000  /* 8.4.4.1: INIT, then 10 ms */
#define SIPI_DELAY_US    200    /* and 200 us after each start-up IPI */
#define START_TIMEOUT_US 100000 /* from the first start-up IPI to its idle loop */
#define STACK_PAGES      16     /* 64 KiB, as the boot CPU's (kernel/entry.asm) */
#define IST_PAGES        (GDT_IST_STACK_BYTES / PAGE_SIZE)
#define FOUR_GIB         (4ull << 30)
/* Wakes an idle CPU out of hlt to look at its job; the handler only EOIs.
 * Above every device's vector, in a class of its own. */
#define SMP_WAKE_VECTOR  0xe0

#define CR0_PG      (1u << 31) /* SDM Vol. 3A 2.5 */
#define CR0_PE      (1u << 0)
#define CR4_PCIDE   (1u << 17) /* only settable in IA-32e mode (2.5) */
#define CR4_CET     (1u << 23) /* needs CR0.WP, which comes later */
#define EFER_LMA    (1u << 10) /* set by the CPU, not by software */
#define MSR_IA32_PAT  0x277
#define MSR_IA32_EFER 0xc0000080
#define SEL_CODE32  0x08
#define SEL_DATA32  0x10
#define SEL_CODE64  0x18
/* Flat 4 GiB segments, SDM Vol. 3A 3.4.5: G, D/B or L, P, S, type. */
#define DESC_CODE32 0x00cf9a000000ffffull
#define DESC_DATA32 0x00cf92000000ffffull
#define DESC_CODE64 0x00af9a000000ffffull

/* The parameter block at the end of the trampoline; offsets as AP_* in
 * kernel/ap_start.asm. */
struct ap_params {
	uint64_t gdt[4];
	uint16_t gdtr_limit;
	uint32_t gdtr_base;
	uint16_t pad0;
	uint32_t far32_offset;
	uint16_t far32_selector;
	uint16_t pad1;
	uint32_t far64_offset;
	uint16_t far64_selector;
	uint16_t pad2;
	uint32_t cr3_low, cr4, cr0_pm, cr0;
	volatile uint32_t ticket, expected;
	uint64_t pat, efer, cr3, stack, arg, entry;
} __attribute__((packed));
_Static_assert(offsetof(struct ap_params, gdtr_limit) == 32, "AP_GDTR");
_Static_assert(offsetof(struct ap_params, far32_offset) == 40, "AP_FAR32");
_Static_assert(offsetof(struct ap_params, far64_offset) == 48, "AP_FAR64");
_Static_assert(offsetof(struct ap_params, cr3_low) == 56, "AP_CR3_LOW");
_Static_assert(offsetof(struct ap_params, ticket) == 72, "AP_TICKET");
_Static_assert(offsetof(struct ap_params, pat) == 80, "AP_PAT");
_Static_assert(offsetof(struct ap_params, entry) == 120, "AP_ENTRY");
_Static_assert(sizeof(struct ap_params) == 128, "AP_PARAMS_SIZE");
_Static_assert(offsetof(struct smp_percpu, cpu) == SMP_GS_CPU_OFFSET, "smp_this_cpu's load");

extern const uint8_t ap_start_begin[], ap_start_end[], ap_params[];
extern const uint32_t ap_start_pm32_offset, ap_start_lm64_offset;

struct smp_percpu smp_percpu[CPUS_MAX];
static uint64_t ist_top[CPUS_MAX];
static uint32_t listed_id[CPUS_MAX];
static unsigned listed, listed_beyond; /* kept, and listed past CPUS_MAX */
static unsigned running = 1;

void smp_add_listed(uint32_t apic_id)
{
	for (unsigned i = 0; i < listed; i++)
		if (listed_id[i] == apic_id)
			return; /* a type 0 and a type 9 entry for the same CPU */
	if (listed < CPUS_MAX)
		listed_id[listed++] = apic_id;
	else
		listed_beyond++;
}

uint64_t smp_gs_base(unsigned cpu)
{
	struct smp_percpu *pc = &smp_percpu[cpu];

	pc->self = pc;
	pc->cpu = cpu;
	return (uint64_t)pc;
}

unsigned smp_cpus(void)
{
	return running;
}

unsigned smp_listed(void)
{
	return listed + listed_beyond;
}

uint32_t smp_apic_id_of(unsigned cpu)
{
	return cpu < running ? smp_percpu[cpu].apic_id : 0;
}

int64_t smp_tsc_skew(unsigned cpu)
{
	return cpu < running ? smp_percpu[cpu].tsc_skew : 0;
}

uint64_t smp_tsc_skew_uncertainty(unsigned cpu)
{
	return cpu < running ? smp_percpu[cpu].skew_uncertainty : 0;
}

static void wake_interrupt(struct trap_frame *tf)
{
	(void)tf;
	lapic_eoi();
}

int smp_send_ipi(unsigned cpu, uint8_t vector)
{
	if (cpu >= running) {
		kprintf("smp: IPI 0x%x to CPU %u: only %u CPUs are running\n", vector, cpu, running);
		return -1;
	}
	/* A write to the x2APIC's ICR MSR is not serializing (SDM Vol. 3A
	 * 11.12.3): the stores the IPI announces must be visible first. */
	__asm__ volatile("mfence" ::: "memory");
	return lapic_send_ipi(smp_percpu[cpu].apic_id, vector);
}

/* The idle loop: cli, look for a job, and sleep with "sti; hlt", which
 * takes an interrupt only after the hlt (the sti shadow), so a wake-up
 * sent after the look is never lost. */
static __attribute__((noreturn)) void ap_idle(struct smp_percpu *pc)
{
	for (;;) {
		cpu_cli();
		if (!cpu_mailbox_busy(&pc->job)) {
			__asm__ volatile("sti; hlt" ::: "memory");
			continue;
		}
		cpu_sti();
		cpu_mailbox_run(&pc->job);
	}
}

/* The first C an AP runs, on its own stack, with the kernel's CR3. */
static __attribute__((noreturn, used)) void ap_entry(struct smp_percpu *pc)
{
	gdt_init_cpu(pc->cpu, ist_top[pc->cpu], (uint64_t)pc);
	trap_load_idt();
	lapic_init_ap();
	__atomic_store_n(&pc->running, 1, __ATOMIC_RELEASE);
	ap_idle(pc);
}

int smp_start_on(unsigned cpu, void (*fn)(void *arg), void *arg)
{
	if (cpu == 0 || cpu >= running || !fn)
		return -1;
	if (!cpu_mailbox_post(&smp_percpu[cpu].job, fn, arg))
		return -1;
	return smp_send_ipi(cpu, SMP_WAKE_VECTOR) ? -1 : 0;
}

int smp_wait_for(unsigned cpu, uint64_t timeout_us)
{
	if (cpu == 0 || cpu >= running)
		return 0;
	struct smp_percpu *pc = &smp_percpu[cpu];
	uint64_t start = rdtsc_ordered(), limit = tsc_from_us(timeout_us);
	while (cpu_mailbox_busy(&pc->job)) {
		if (rdtsc_ordered() - start > limit) {
			kprintf("smp: CPU %u (APIC id %u) did not finish its job within %lu us\n", cpu,
				pc->apic_id, timeout_us);
			return -1;
		}
		cpu_pause();
	}
	return 0;
}

/* Copies the trampoline into the loader's page and fills what is the same
 * for every AP: the boot CPU's control registers, PAT and EFER, a PML4
 * below 4 GiB for the 32-bit CR3 load (a copy of the kernel's top level:
 * the lower levels are shared), the kernel's own CR3 and the entry. */
static struct ap_params *prepare_trampoline(uint64_t page)
{
	uint64_t cr3 = read_cr3() & ~0xfffull;
	uint64_t low = cr3 < FOUR_GIB ? cr3 : page_alloc_below(1, FOUR_GIB);
	size_t size = (size_t)(ap_start_end - ap_start_begin);

	if (!low) {
		kprintf("smp: no page below 4 GiB for the start-up page table; running on CPU 0 only\n");
		return NULL;
	}
	if (low != cr3)
		memcpy((void *)low, (const void *)cr3, PAGE_SIZE);
	memcpy((void *)page, ap_start_begin, size);
	struct ap_params *p = (struct ap_params *)(page + (uint64_t)(ap_params - ap_start_begin));
	p->gdt[0] = 0;
	p->gdt[SEL_CODE32 / 8] = DESC_CODE32;
	p->gdt[SEL_DATA32 / 8] = DESC_DATA32;
	p->gdt[SEL_CODE64 / 8] = DESC_CODE64;
	p->gdtr_limit = sizeof(p->gdt) - 1;
	p->gdtr_base = (uint32_t)((uint64_t)p->gdt);
	p->far32_offset = (uint32_t)page + ap_start_pm32_offset;
	p->far32_selector = SEL_CODE32;
	p->far64_offset = (uint32_t)page + ap_start_lm64_offset;
	p->far64_selector = SEL_CODE64;
	p->cr3_low = (uint32_t)low;
	p->cr4 = (uint32_t)read_cr4() & ~(CR4_PCIDE | CR4_CET);
	p->cr0 = (uint32_t)read_cr0();
	p->cr0_pm = (p->cr0 & ~CR0_PG) | CR0_PE;
	p->ticket = 0;
	p->expected = 0;
	p->pat = rdmsr(MSR_IA32_PAT);
	p->efer = rdmsr(MSR_IA32_EFER) & ~(uint64_t)EFER_LMA;
	p->cr3 = cr3;
	p->entry = (uint64_t)ap_entry;
	return p;
}

static bool wait_running(struct smp_percpu *pc, uint64_t since, uint64_t limit)
{
	while (!__atomic_load_n(&pc->running, __ATOMIC_ACQUIRE)) {
		if (rdtsc_ordered() - since > limit)
			return false;
		cpu_pause();
	}
	return true;
}

/* Starts the CPU with APIC id apic_id as CPU cpu; true once it idles. */
static bool start_one(struct ap_params *p, uint64_t page, unsigned cpu, uint32_t apic_id)
{
	static uint64_t stack[CPUS_MAX];
	struct smp_percpu *pc = &smp_percpu[cpu];

	if (!stack[cpu])
		stack[cpu] = page_alloc(STACK_PAGES);
	if (!ist_top[cpu]) {
		uint64_t ist = page_alloc(IST_PAGES);
		ist_top[cpu] = ist ? ist + IST_PAGES * PAGE_SIZE : 0;
	}
	if (!stack[cpu] || !ist_top[cpu]) {
		kprintf("smp: CPU %u (APIC id %u): no memory for its stacks; left out\n", cpu, apic_id);
		return false;
	}
	memset(pc, 0, sizeof(*pc));
	smp_gs_base(cpu);
	pc->apic_id = apic_id;
	p->stack = stack[cpu] + STACK_PAGES * PAGE_SIZE;
	p->arg = (uint64_t)pc;
	p->expected = p->ticket; /* the next CPU to arrive is this one */

	uint8_t vector = (uint8_t)(page >> 12);
	uint64_t limit = tsc_from_us(START_TIMEOUT_US);
	__asm__ volatile("mfence" ::: "memory");
	if (lapic_send_init(apic_id))
		return false;
	tsc_delay_us(INIT_DELAY_US);
	uint64_t since = rdtsc_ordered();
	for (int i = 0; i < 2; i++) {
		if (lapic_send_startup(apic_id, vector))
			return false;
		tsc_delay_us(SIPI_DELAY_US);
	}
	if (wait_running(pc, since, limit))
		return true;
	kprintf("smp: CPU %u (APIC id %u) did not start within %u ms; left out\n", cpu, apic_id,
		START_TIMEOUT_US / 1000);
	/* Back to wait-for-SIPI, so that it cannot wake up later on the page
	 * the next CPU uses (the ticket check in the trampoline is the second
	 * guard). */
	lapic_send_init(apic_id);
	return false;
}

static void print_summary(uint64_t ticks)
{
	kprintf("smp: %u of %u CPU%s running (APIC ids", running, smp_listed(),
		smp_listed() == 1 ? "" : "s");
	for (unsigned i = 0; i < running; i++)
		kprintf("%s%u", i ? "," : " ", smp_percpu[i].apic_id);
	kprintf("), started in %lu us\n", tsc_to_us(ticks));
}

static bool left_out(unsigned would_be, uint32_t id, unsigned max_cpus)
{
	if (max_cpus && running >= max_cpus) {
		kprintf("smp: CPU %u (APIC id %u) left out by cpus=%u\n", would_be, id, max_cpus);
		return true;
	}
	if (running >= CPUS_MAX) {
		kprintf("smp: CPU %u (APIC id %u) left out: at most %u CPUs are driven\n", would_be,
			id, CPUS_MAX);
		return true;
	}
	if (!lapic_x2apic() && id > 0xfe) {
		kprintf("smp: CPU %u (APIC id %u) left out: an xAPIC addresses ids up to 254\n",
			would_be, id);
		return true;
	}
	return false;
}

static void measure_skews(void)
{
	for (unsigned cpu = 1; cpu < running; cpu++) {
		if (smp_measure_skew(cpu))
			continue;
		int64_t s = smp_percpu[cpu].tsc_skew;
		kprintf("smp: CPU %u TSC skew %c%lu ticks (+-%lu), best of %u ping-pong rounds\n",
			cpu, s < 0 ? '-' : '+', (uint64_t)(s < 0 ? -s : s),
			smp_percpu[cpu].skew_uncertainty, smp_percpu[cpu].skew_rounds);
	}
}

int smp_init(const struct boot_info *bi, unsigned max_cpus)
{
	uint32_t boot_id = lapic_id();
	uint64_t t0 = rdtsc_ordered();

	smp_gs_base(0);
	smp_percpu[0].apic_id = boot_id;
	smp_percpu[0].running = 1;
	running = 1;
	irq_set_handler(SMP_WAKE_VECTOR, wake_interrupt);

	bool boot_listed = false;
	for (unsigned i = 0; i < listed; i++)
		boot_listed |= listed_id[i] == boot_id;
	if (!boot_listed)
		kprintf("smp: the boot CPU's APIC id %u is not in the MADT; it runs as CPU 0 all the same\n",
			boot_id);
	if (listed_beyond)
		kprintf("smp: the MADT lists %u CPUs; the %u past the first %u are left out\n",
			smp_listed(), listed_beyond, CPUS_MAX);
	struct ap_params *p = NULL;
	if (listed > (boot_listed ? 1u : 0u) && (max_cpus == 0 || max_cpus > 1)) {
		if (!bi->ap_trampoline)
			kprintf("smp: the loader got no page below 1 MiB for the start-up code; "
				"running on CPU 0 only\n");
		else
			p = prepare_trampoline(bi->ap_trampoline);
	}
	unsigned would_be = 1;
	for (unsigned i = 0; i < listed; i++) {
		uint32_t id = listed_id[i];
		if (id == boot_id)
			continue;
		if (left_out(would_be, id, max_cpus)) {
			would_be++;
			continue;
		}
		if (p && start_one(p, bi->ap_trampoline, running, id))
			running++;
		would_be++;
	}
	if (max_cpus > running)
		kprintf("smp: cpus=%u asks for more CPUs than the %u running\n", max_cpus, running);
	print_summary(rdtsc_ordered() - t0);
	measure_skews();
	return (int)running;
}

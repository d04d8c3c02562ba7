/* IDT set-up and the one C entry point of every interrupt and exception.
 * An exception prints a decoded dump and ends the run with a failure
 * verdict: a test OS must say what went wrong, never hang. */
#include "kernel/trap.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/exit.h"
#include "kernel/gdt.h"
#include "kernel/lapic.h"

struct idt_entry {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_entry) == 16, "SDM Vol. 3A 6.14.1");

#define IDT_INTERRUPT_GATE 0x8e /* present, DPL 0, 64-bit interrupt gate */

extern const uint8_t isr_stubs[];
static struct idt_entry idt[256] __attribute__((aligned(16)));
static irq_handler_fn irq_handlers[256];
static exception_hook_fn exception_hook;
static uint64_t unexpected_count;
static uint64_t kernel_base; /* where the loader put the image */

static const char *const exception_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
	"#OF overflow", "#BR bound range", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor segment overrun", "#TS invalid TSS", "#NP segment not present",
	"#SS stack fault", "#GP general protection", "#PF page fault", "reserved (15)",
	"#MF x87 floating point", "#AC alignment check", "#MC machine check", "#XM SIMD floating point",
	"#VE virtualization", "#CP control protection", "reserved (22)", "reserved (23)",
	"reserved (24)", "reserved (25)", "reserved (26)", "reserved (27)",
	"#HV hypervisor injection", "#VC VMM communication", "#SX security", "reserved (31)",
};

static void set_gate(unsigned vector, uint64_t handler, uint8_t ist)
{
	struct idt_entry *e = &idt[vector];

	e->offset_lo = handler & 0xffff;
	e->selector = GDT_KERNEL_CODE;
	e->ist = ist;
	e->type_attr = IDT_INTERRUPT_GATE;
	e->offset_mid = (handler >> 16) & 0xffff;
	e->offset_hi = handler >> 32;
	e->reserved = 0;
}

void trap_load_idt(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint64_t)idt };

	__asm__ volatile("lidt %0" ::"m"(idtr));
}

void trap_init(uint64_t image_base)
{
	kernel_base = image_base;

	for (unsigned v = 0; v < 256; v++) {
		uint8_t ist = (v == 2 || v == 8 || v == 18) ? GDT_IST_CRITICAL : 0;
		set_gate(v, (uint64_t)(isr_stubs + 16 * v), ist);
	}
	trap_load_idt();
}

void irq_set_handler(uint8_t vector, irq_handler_fn fn)
{
	irq_handlers[vector] = fn;
}

void trap_set_exception_hook(exception_hook_fn fn)
{
	exception_hook = fn;
}

uint64_t trap_unexpected_count(void)
{
	return unexpected_count;
}

/* Page-fault error code bits, SDM Vol. 3A 4.7. */
static void print_pf_error(uint64_t ec)
{
	kprintf("  page fault: %s, %s access, %s mode%s%s%s\n",
		ec & 1 ? "protection violation" : "page not present",
		ec & (1 << 4) ? "instruction fetch" : ec & 2 ? "write" : "read",
		ec & 4 ? "user" : "supervisor",
		ec & 8 ? ", reserved bit set in a paging entry" : "",
		ec & (1 << 5) ? ", protection key" : "",
		ec & (1 << 15) ? ", SGX" : "");
}

static void dump_exception(const struct trap_frame *tf)
{
	kprintf("\nEXCEPTION: vector %lu, %s, error code 0x%lx\n", tf->vector,
		exception_names[tf->vector], tf->error_code);
	kprintf("  RIP %016lx  CS %04lx  RFLAGS %016lx\n", tf->rip, tf->cs, tf->rflags);
	kprintf("  RSP %016lx  SS %04lx\n", tf->rsp, tf->ss);
	if (tf->vector == 14) {
		kprintf("  CR2 %016lx (the faulting address)\n", read_cr2());
		print_pf_error(tf->error_code);
	}
	kprintf("  RAX %016lx  RBX %016lx  RCX %016lx\n", tf->rax, tf->rbx, tf->rcx);
	kprintf("  RDX %016lx  RSI %016lx  RDI %016lx\n", tf->rdx, tf->rsi, tf->rdi);
	kprintf("  RBP %016lx  R8  %016lx  R9  %016lx\n", tf->rbp, tf->r8, tf->r9);
	kprintf("  R10 %016lx  R11 %016lx  R12 %016lx\n", tf->r10, tf->r11, tf->r12);
	kprintf("  R13 %016lx  R14 %016lx  R15 %016lx\n", tf->r13, tf->r14, tf->r15);
	kprintf("  CR0 %016lx  CR3 %016lx  CR4 %016lx\n", read_cr0(), read_cr3(), read_cr4());
	kprintf("  kernel loaded at %016lx: RIP is at offset 0x%lx in kernel.elf\n",
		kernel_base, tf->rip - kernel_base);
}

void trap_dispatch(struct trap_frame *tf)
{
	if (tf->vector < 32) {
		if (exception_hook && exception_hook(tf))
			return; /* handled on purpose by a self-test */
		dump_exception(tf);
		kernel_exit(EXIT_EXCEPTION);
	}
	if (irq_handlers[tf->vector]) {
		irq_handlers[tf->vector](tf);
		return;
	}
	trap_count_stray((uint8_t)tf->vector);
}

/* Spurious or stray vectors (a legacy PIC line, a firmware leftover, a
 * misprogrammed MSI): counted and reported at the end rather than silently
 * dropped. One the local APIC delivered holds its ISR bit until an EOI,
 * and until then blocks every vector of its priority class and below --
 * the timer among them (SDM Vol. 3A 11.8.4). A genuine spurious interrupt
 * (11.9) and a software INT n set no ISR bit: an EOI then would retire
 * some other interrupt in service, so the ISR decides. */
void trap_count_stray(uint8_t vector)
{
	unexpected_count++;
	if (lapic_in_service(vector))
		lapic_eoi();
}

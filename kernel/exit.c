/* Ending a run: print the verdict as a line a runner can find, then leave
 * the way the user chose (exit=qemu|halt|reboot). */
#include "kernel/exit.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/efi_runtime.h"
#include "kernel/tsc.h"

#define QEMU_DEBUG_EXIT_PORT 0xf4 /* -device isa-debug-exit,iobase=0xf4 */
#define PCI_RESET_CONTROL    0xcf9 /* ICH/PCH reset control register */
#define KBC_COMMAND          0x64
/* How long one way of resetting gets before the next is tried: a reset
 * that works has taken the machine down well within this. */
#define RESET_TAKES_EFFECT_US 100000

static enum exit_mode exit_mode = EXIT_MODE_HALT;
static int exiting;
static bool handover_wanted;
static bool (*handover)(enum exit_verdict verdict);

static const char *const verdict_names[] = {
	[EXIT_OK] = "ok",
	[EXIT_TEST_FAILED] = "test failed",
	[EXIT_BAD_OPTION] = "bad option",
	[EXIT_EXCEPTION] = "exception",
	[EXIT_PANIC] = "panic",
	[EXIT_BAD_BOOT] = "bad boot hand-over",
	[EXIT_NO_HARDWARE] = "missing hardware",
	[EXIT_BAD_FIRMWARE] = "malformed firmware table",
	[EXIT_NO_IOMMU] = "no VT-d",
	[EXIT_IOMMU_ERROR] = "VT-d unit error",
	[EXIT_NO_NIC] = "no supported NIC",
};

const char *exit_verdict_name(enum exit_verdict verdict)
{
	if ((unsigned)verdict < sizeof(verdict_names) / sizeof(verdict_names[0]) &&
	    verdict_names[verdict])
		return verdict_names[verdict];
	return "unknown";
}

void exit_set_mode(enum exit_mode mode)
{
	exit_mode = mode;
}

void exit_want_handover(bool wanted)
{
	handover_wanted = wanted;
}

void exit_set_handover(bool (*hand_over)(enum exit_verdict verdict))
{
	handover = hand_over;
}

static __attribute__((noreturn)) void reboot(void)
{
	efi_reset(EFI_RESET_COLD); /* returns only without runtime services */
	outb(PCI_RESET_CONTROL, 0x02);
	outb(PCI_RESET_CONTROL, 0x06); /* full reset */
	tsc_delay_us(RESET_TAKES_EFFECT_US);
	outb(KBC_COMMAND, 0xfe); /* pulse the reset line */
	tsc_delay_us(RESET_TAKES_EFFECT_US);
	/* Last resort: a triple fault through an empty IDT. */
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty = { 0, 0 };
	__asm__ volatile("lidt %0; int3" ::"m"(empty));
	cpu_halt_forever();
}

void kernel_exit(enum exit_verdict verdict)
{
	cpu_cli();
	if (exiting++) {
		/* An exception while exiting: no more printing, just leave. */
		outb(QEMU_DEBUG_EXIT_PORT, EXIT_PANIC);
		cpu_halt_forever();
	}
	console_report_serial_loss(); /* before the hand-over, so the saved report has it */
	if (handover_wanted && !(handover && handover(verdict)) && exit_mode == EXIT_MODE_REBOOT) {
		kprintf("report: not handed over, so the machine halts instead of restarting (it "
			"would only run again): read the screen, then switch the machine off\n");
		exit_mode = EXIT_MODE_HALT;
	}
	kprintf("EXIT: %d (%s)\n", verdict, exit_verdict_name(verdict));
	switch (exit_mode) {
	case EXIT_MODE_QEMU:
		outb(QEMU_DEBUG_EXIT_PORT, (uint8_t)verdict);
		kprintf("exit=qemu, but no isa-debug-exit device answered: halting\n");
		break;
	case EXIT_MODE_REBOOT:
		kprintf("rebooting\n");
		reboot();
	case EXIT_MODE_HALT:
		break;
	}
	kprintf("The run is over; it is safe to power the machine off.\n");
	cpu_halt_forever();
}

void panic(const char *fmt, ...)
{
	va_list ap;

	console_set_error_color(1);
	kprintf("\nPANIC: ");
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	kernel_exit(EXIT_PANIC);
}

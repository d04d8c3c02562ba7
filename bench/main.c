/* Kernel bring-up, in dependency order: consoles, CPU tables, options,
 * memory, platform tables, clocks, interrupts; then the requested work. */
#include "boot/boot_info.h"
#include "drivers/acpi/acpi.h"
#include "drivers/acpi/dmar_scan.h"
#include "drivers/acpi/madt.h"
#include "drivers/acpi/mcfg.h"
#include "drivers/clock/clock.h"
#include "drivers/pci/pci.h"
#include "drivers/vtd/vtd.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/cpuinfo.h"
#include "kernel/firmware_info.h"
#include "kernel/efi_runtime.h"
#include "kernel/exit.h"
#include "bench/experiment.h"
#include "kernel/gdt.h"
#include "kernel/lapic.h"
#include "kernel/mem.h"
#include "kernel/smp.h"
#include "bench/options.h"
#include "bench/report/report_save.h"
#include "bench/selftest/selftest.h"
#include "kernel/trap.h"
#include "kernel/tsc.h"

#ifndef VTDBENCH_VERSION
#define VTDBENCH_VERSION "unknown"
#endif

void kmain(struct boot_info *bi);

static void print_cpu(void)
{
	const struct cpu_info *c = cpu_info();
	uint32_t a = c->signature;

	kprintf("cpu: %s, signature 0x%x (family %u model %u stepping %u), microcode 0x%x%s%s\n",
		c->brand[0] ? c->brand : "(no brand string)", a,
		((a >> 8) & 0xf) + ((a >> 20) & 0xff), ((a >> 4) & 0xf) | ((a >> 12) & 0xf0), a & 0xf,
		c->microcode, c->hypervisor[0] ? ", hypervisor " : "", c->hypervisor);
}

static void check_boot_info(const struct boot_info *bi)
{
	if (bi->magic != BOOT_INFO_MAGIC || bi->version != BOOT_INFO_VERSION ||
	    bi->size != sizeof(*bi)) {
		kprintf("boot: the loader's hand-over is version %u (size %u); this kernel needs "
			"version %u (size %zu): copy BOOTX64.EFI and KERNEL.ELF from the same build\n",
			bi->version, bi->size, BOOT_INFO_VERSION, sizeof(*bi));
		kernel_exit(EXIT_BAD_BOOT);
	}
}

/* With save=uefi everything printed is kept from the first line on, so
 * the report handed to the loader holds the machine's description and,
 * when the run fails, what went wrong. */
static char capture[1 << 20];

static bool hand_over_report(enum exit_verdict verdict)
{
	kprintf("run: verdict %d (%s)\n", verdict, exit_verdict_name(verdict));
	return report_save_uefi(capture, console_capture_stop()) == 0;
}

static void start_vtd(const struct kernel_options *opt)
{
	const struct dmar_table *dmar = dmar_scan_table();
	struct vtd_options vopt = { opt->inval, opt->passthrough };

	if (!dmar) {
		console_set_error_color(1);
		kprintf("vtd: no DMAR table was found, so there is no VT-d unit to measure. Enable "
			"VT-d (\"Intel Virtualization Technology for Directed I/O\") in the firmware "
			"setup; under QEMU add -device intel-iommu. (vtd=off skips this.)\n");
		console_set_error_color(0);
		kernel_exit(EXIT_NO_IOMMU);
	}
	if (vtd_init(dmar, &vopt) <= 0) {
		kprintf("vtd: not every remapping unit could be started (see above)\n");
		kernel_exit(EXIT_IOMMU_ERROR);
	}
}

/* The largest value of cpus=, or 0 (all) when it is not given. */
static unsigned cpus_to_start(const struct kernel_options *opt)
{
	unsigned most = 0;

	if (!opt->cpus_given)
		return 0;
	for (unsigned i = 0; i < opt->cpus_list.count; i++)
		if (opt->cpus_list.v[i] > most)
			most = opt->cpus_list.v[i];
	return most;
}

void kmain(struct boot_info *bi)
{
	struct kernel_options opt;

	console_init_serial();
	check_boot_info(bi);
	if (options_save_uefi_hint(bi->cmdline)) {
		console_capture_start(capture, sizeof(capture));
		exit_want_handover(true);
	}
	console_init_fb(&bi->fb, options_font_scale_hint(bi->cmdline));
	kprintf("\nvtdbench %s\n", VTDBENCH_VERSION);
	console_describe();
	enum exit_mode early_exit;
	if (options_exit_mode_hint(bi->cmdline, &early_exit))
		exit_set_mode(early_exit);
	gdt_init();
	trap_init(bi->kernel_base);
	kprintf("boot: kernel at 0x%lx (%lu KiB), command line: %s\n", bi->kernel_base,
		bi->kernel_size / 1024, bi->cmdline[0] ? bi->cmdline : "(empty)");
	print_cpu();
	firmware_info_init(bi);

	if (mem_init(bi) < 0 || paging_init(bi) < 0)
		kernel_exit(EXIT_BAD_BOOT);
	/* From here on a failed run can still hand its report over; the
	 * options are read after this so that a bad one is reported too. */
	if (efi_runtime_init(bi->efi_system_table) == 0)
		exit_set_handover(hand_over_report);
	if (options_parse(bi->cmdline, &opt) < 0)
		kernel_exit(EXIT_BAD_OPTION);
	exit_set_mode(opt.exit_mode);
	if (acpi_init(bi->rsdp) < 0)
		kernel_exit(EXIT_NO_HARDWARE);
	struct madt_info madt;
	madt_parse(&madt);
	mcfg_parse();
	pci_enumerate();
	if (dmar_scan(opt.dmar_verbose) < 0)
		kernel_exit(EXIT_BAD_FIRMWARE);
	struct clock_counter hpet, pmtimer;
	bool have_hpet = hpet_probe(&hpet) == 0, have_pmtimer = pmtimer_probe(&pmtimer) == 0;
	if (tsc_calibrate(have_hpet ? &hpet : NULL, have_pmtimer ? &pmtimer : NULL) < 0)
		kernel_exit(EXIT_NO_HARDWARE);
	if (lapic_init() < 0)
		kernel_exit(EXIT_NO_HARDWARE);
	if (smp_init(bi, cpus_to_start(&opt)) > 1)
		console_share();
	if (opt.vtd)
		start_vtd(&opt);

	int verdict = EXIT_OK;
	bool streams = opt.selftest[SELFTEST_STREAM] || opt.selftest[SELFTEST_STALE];
	if (opt.any_selftest) {
		int failed = selftest_run(&opt, bi);
		if (streams) {
			int v = experiment_run(&opt, opt.selftest[SELFTEST_STREAM], opt.selftest[SELFTEST_STALE]);
			failed += v == EXIT_TEST_FAILED;
			if (v != EXIT_OK && v != EXIT_TEST_FAILED)
				verdict = v;
		}
		kprintf("selftest: %d check%s failed\n", failed, failed == 1 ? "" : "s");
		if (failed && verdict == EXIT_OK)
			verdict = EXIT_TEST_FAILED;
	} else {
		verdict = experiment_run(&opt, false, false);
	}
	if (trap_unexpected_count())
		kprintf("boot: %lu unexpected interrupts were ignored\n", trap_unexpected_count());
	for (unsigned i = 0; i < vtd_unit_count(); i++) {
		uint64_t reads, writes;
		vtd_mmio_totals(vtd_unit(i), &reads, &writes);
		kprintf("vtd%u: register accesses over the whole run: %lu reads, %lu writes\n", i,
			reads, writes);
		struct vtd_ring_totals t;
		vtd_get_ring_totals(vtd_unit(i), &t);
		kprintf("vtd%u: IOTLB invalidations over the whole run: %lu pages, %lu domain, "
			"%lu global; %lu waits\n", i, t.iotlb[DMA_GRAN_PAGES],
			t.iotlb[DMA_GRAN_DOMAIN], t.iotlb[DMA_GRAN_GLOBAL], t.waits);
	}
	kernel_exit((enum exit_verdict)verdict);
}

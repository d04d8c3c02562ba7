/* drivers/vtd/vtd_fault.c against a simulated VT-d unit: the fault status
 * register, four fault recording registers with their write-1-to-clear F
 * bits (VT-d spec 10.4.13-10.4.14), and a CPU whose interrupt flag decides
 * when the fault event interrupt runs. The interrupt is raised the moment
 * a record becomes visible and runs at the next register access or print
 * while interrupts are on -- so a main-loop poll with interrupts on is
 * interrupted between reading a record and clearing it, the window in
 * which one fault could be consumed twice. Each fault must be counted and
 * printed exactly once. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "kernel/cpu.h"
#include "drivers/vtd/vtd.h"
#include "drivers/vtd/vtd_regs.h"
#include "kernel/trap.h"

#define SIM_NFR     4
#define SIM_FRO     0x200 /* CAP.FRO is in 16-byte units (VT-d spec 10.4.2) */
#define SIM_CAP     ((uint64_t)(SIM_FRO / 16) << 24 | (uint64_t)(SIM_NFR - 1) << 40)

struct sim {
	uint64_t lo[SIM_NFR], hi[SIM_NFR];
	unsigned fri;         /* FSTS.FRI: the record the next poll starts at */
	bool pfo;
	bool cpu_if;          /* the simulated RFLAGS.IF */
	bool irq_raised;      /* the fault event MSI waits for the CPU */
	bool in_irq;
	unsigned irqs_run, eois, fault_lines;
};

static struct sim sim;
static struct vtd_unit sim_unit;

static void fault_interrupt(struct trap_frame *tf);

/* An instruction boundary: a raised interrupt runs if the flag allows. */
static void boundary(void)
{
	if (!sim.irq_raised || !sim.cpu_if || sim.in_irq)
		return;
	sim.irq_raised = false;
	sim.cpu_if = false;   /* an interrupt gate clears IF */
	sim.in_irq = true;
	sim.irqs_run++;
	fault_interrupt(NULL);
	sim.in_irq = false;
	sim.cpu_if = true;    /* iretq restores it */
}

static bool any_pending(void)
{
	for (unsigned i = 0; i < SIM_NFR; i++)
		if (sim.hi[i] & VTD_FRCD_F)
			return true;
	return false;
}

static uint32_t sim_read32(const struct vtd_unit *u, unsigned off)
{
	(void)u;
	boundary();
	if (off == DMAR_FSTS_REG) /* PPF: some record has F set (10.4.13) */
		return sim.fri << 8 | (any_pending() ? DMA_FSTS_PPF : 0) | (sim.pfo ? DMA_FSTS_PFO : 0);
	return 0;
}

static uint64_t sim_read64(const struct vtd_unit *u, unsigned off)
{
	(void)u;
	boundary();
	if (off < SIM_FRO || off >= SIM_FRO + SIM_NFR * VTD_FRCD_BYTES)
		return 0;
	unsigned i = (off - SIM_FRO) / VTD_FRCD_BYTES;
	if ((off - SIM_FRO) % VTD_FRCD_BYTES == VTD_FRCD_HI) {
		if ((sim.hi[i] & VTD_FRCD_F) && !sim.in_irq)
			sim.irq_raised = true; /* the MSI lands just as the main loop looks */
		return sim.hi[i];
	}
	return sim.lo[i];
}

static void sim_write32(struct vtd_unit *u, unsigned off, uint32_t v)
{
	(void)u;
	boundary();
	if (off == DMAR_FSTS_REG && (v & DMA_FSTS_PFO))
		sim.pfo = false;
	if (off >= SIM_FRO && off < SIM_FRO + SIM_NFR * VTD_FRCD_BYTES &&
	    (off - SIM_FRO) % VTD_FRCD_BYTES == VTD_FRCD_F_DWORD && (v & (1u << 31)))
		sim.hi[(off - SIM_FRO) / VTD_FRCD_BYTES] &= ~VTD_FRCD_F;
}

/* Unused by a driver that never turns interrupts off (the test must still
 * build against it, and fail). */
static __attribute__((unused)) uint64_t sim_irq_save(void)
{
	uint64_t flags = sim.cpu_if ? CPU_RFLAGS_IF : 0;

	sim.cpu_if = false;
	return flags;
}

static __attribute__((unused)) void sim_irq_restore(uint64_t flags)
{
	if (flags & CPU_RFLAGS_IF) {
		sim.cpu_if = true;
		boundary();
	}
}

/* The driver reaches the unit and the CPU only through these. */
#define vtd_read32 sim_read32
#define vtd_read64 sim_read64
#define vtd_write32 sim_write32
#define cpu_irq_save sim_irq_save
#define cpu_irq_restore sim_irq_restore
#include "drivers/vtd/vtd_fault.c"

int kprintf(const char *fmt, ...)
{
	char line[256];
	va_list ap;

	boundary();
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (strstr(line, "DMA fault"))
		sim.fault_lines++;
	return n;
}

void lapic_eoi(void) { sim.eois++; }
uint32_t lapic_id(void) { return 0; }
void irq_set_handler(uint8_t vector, irq_handler_fn fn) { (void)vector; (void)fn; }
unsigned vtd_unit_count(void) { return 1; }
struct vtd_unit *vtd_unit(unsigned i) { return i == 0 ? &sim_unit : NULL; }

static void reset(void)
{
	memset(&sim, 0, sizeof(sim));
	memset(&sim_unit, 0, sizeof(sim_unit));
	sim_unit.cap = SIM_CAP;
}

/* A write fault from 00:03.0 at `addr` in record i (reason 5). */
static void record_fault(unsigned i, uint64_t addr)
{
	sim.lo[i] = addr;
	sim.hi[i] = VTD_FRCD_F | (uint64_t)5 << 32 | PCI_BDF(0, PCI_DEVFN(3, 0));
}

/* The main loop polls with interrupts on; the fault's interrupt comes in
 * while the poll holds the record. */
static void test_main_loop_poll_interrupted_counts_once(void)
{
	reset();
	sim.cpu_if = true;
	record_fault(0, 0x300000);
	unsigned found = vtd_fault_poll(&sim_unit);
	boundary();
	CHECK_EQ_U64(sim_unit.stats.faults, 1);
	CHECK_EQ_U64(sim.fault_lines, 1);
	CHECK_EQ_U64(found, 1);
	CHECK_EQ_U64(sim.irqs_run, 1);
	CHECK_EQ_U64(sim.eois, 1);
	CHECK(sim.cpu_if); /* the poll gave the flag back */
	CHECK_EQ_U64(sim_unit.last_fault.addr, 0x300000);
	CHECK(!any_pending());
}

/* Three records from FRI on, wrapping around the end of the registers. */
static void test_wrapping_records_each_once(void)
{
	reset();
	sim.cpu_if = true;
	sim.fri = 3;
	record_fault(3, 0x1000);
	record_fault(0, 0x2000);
	record_fault(1, 0x3000);
	vtd_fault_poll(&sim_unit);
	boundary();
	CHECK_EQ_U64(sim_unit.stats.faults, 3);
	CHECK_EQ_U64(sim.fault_lines, 3);
	CHECK_EQ_U64(sim_unit.last_fault.addr, 0x3000);
	CHECK(!any_pending());
}

/* The interrupt alone takes the record; a later poll finds nothing. */
static void test_interrupt_then_poll(void)
{
	reset();
	record_fault(0, 0x5000);
	sim.in_irq = true;
	fault_interrupt(NULL);
	sim.in_irq = false;
	sim.cpu_if = true;
	CHECK_EQ_U64(vtd_fault_poll(&sim_unit), 0);
	CHECK_EQ_U64(sim_unit.stats.faults, 1);
	CHECK_EQ_U64(sim_unit.stats.fault_interrupts, 1);
	CHECK_EQ_U64(sim.fault_lines, 1);
}

/* A poll entered with interrupts off leaves them off. */
static void test_poll_keeps_interrupts_off(void)
{
	reset();
	record_fault(2, 0x6000);
	sim.fri = 2;
	CHECK_EQ_U64(vtd_fault_poll(&sim_unit), 1);
	CHECK(!sim.cpu_if);
	CHECK_EQ_U64(sim.irqs_run, 0);
}

/* FSTS.PFO: counted once, and cleared. */
static void test_overflow_counted_once(void)
{
	reset();
	sim.cpu_if = true;
	record_fault(0, 0x7000);
	sim.pfo = true;
	vtd_fault_poll(&sim_unit);
	boundary();
	CHECK_EQ_U64(sim_unit.stats.fault_overflows, 1);
	CHECK_EQ_U64(sim_unit.stats.faults, 1);
	CHECK(!sim.pfo);
}

int main(void)
{
	RUN_TEST("vtd_fault", test_main_loop_poll_interrupted_counts_once);
	RUN_TEST("vtd_fault", test_wrapping_records_each_once);
	RUN_TEST("vtd_fault", test_interrupt_then_poll);
	RUN_TEST("vtd_fault", test_poll_keeps_interrupts_off);
	RUN_TEST("vtd_fault", test_overflow_counted_once);
	return check_tests_failed != 0;
}

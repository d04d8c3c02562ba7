/* Bounded register waits and the global command protocol: the two things
 * every VT-d operation is built from. */
#include "drivers/vtd/vtd.h"
#include "drivers/vtd/vtd_regs.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/tsc.h"
#include "lib/fmt.h"

/* Hardware completes these in microseconds; a second means it is stuck. */
#define VTD_TIMEOUT_US 1000000

static int timed_out(struct vtd_unit *u, unsigned off, uint64_t mask, uint64_t want,
		     uint64_t last, const char *what)
{
	console_set_error_color(1);
	kprintf("vtd%u: timeout: %s (register 0x%x, mask 0x%lx, waiting for 0x%lx, reads 0x%lx) "
		"after %u ms; the unit stopped answering\n",
		u->index, what, off, mask, want, last, VTD_TIMEOUT_US / 1000);
	console_set_error_color(0);
	return -1;
}

/* The register at `off` is `bytes` wide; a 32-bit one is read as a dword
 * so the poll never touches the register beside it. */
static uint64_t read_reg(struct vtd_unit *u, unsigned off, unsigned bytes)
{
	return bytes == sizeof(uint64_t) ? vtd_read64(u, off) : vtd_read32(u, off);
}

/* The one bounded poll behind every wait: until (register & mask) ==
 * want (0), or until a bit of stop_mask shows in the 32-bit register at
 * stop_off (1; stop_mask 0: never), or the timeout (-1, printed). */
static int wait_reg(struct vtd_unit *u, unsigned off, unsigned bytes, uint64_t mask, uint64_t want,
		    unsigned stop_off, uint32_t stop_mask, const char *what, uint64_t *last)
{
	uint64_t end = rdtsc_ordered() + tsc_from_us(VTD_TIMEOUT_US);
	uint64_t v;

	while (((v = read_reg(u, off, bytes)) & mask) != want) {
		if (stop_mask && (vtd_read32(u, stop_off) & stop_mask))
			return 1;
		if (rdtsc_ordered() > end)
			return timed_out(u, off, mask, want, v, what);
		cpu_pause();
	}
	if (last)
		*last = v;
	return 0;
}

int vtd_wait32(struct vtd_unit *u, unsigned off, uint32_t mask, uint32_t want, const char *what)
{
	return wait_reg(u, off, sizeof(uint32_t), mask, want, 0, 0, what, NULL);
}

int vtd_wait64_read(struct vtd_unit *u, unsigned off, uint64_t mask, uint64_t want,
		    const char *what, uint64_t *last)
{
	return wait_reg(u, off, sizeof(uint64_t), mask, want, 0, 0, what, last);
}

int vtd_wait64_unless(struct vtd_unit *u, unsigned off, uint64_t mask, uint64_t want,
		      unsigned stop_off, uint32_t stop_mask, const char *what)
{
	return wait_reg(u, off, sizeof(uint64_t), mask, want, stop_off, stop_mask, what, NULL);
}

/* VT-d spec 10.4.4: software reads GSTS, keeps the persistent state,
 * drops the one-shot bits and flips exactly one command bit. QEMU compares
 * the written value with GSTS to find the command, so copying a one-shot
 * status bit back would be read as a second command. */
int vtd_gcmd(struct vtd_unit *u, uint32_t bit, bool set, const char *name)
{
	uint32_t status = vtd_read32(u, DMAR_GSTS_REG) & ~DMA_GCMD_ONE_SHOT;
	uint32_t cmd = set ? (status | bit) : (status & ~bit);
	/* A state bit reads as it was set; the one-shot commands report
	 * completion by setting their status bit, except the write-buffer
	 * flush, whose WBFS is 1 while the flush runs and 0 once it is done
	 * (10.4.5): a fast flush never shows it set at all. */
	bool done_when_set = set && bit != DMA_GCMD_WBF;
	char what[48];

	vtd_write32(u, DMAR_GCMD_REG, cmd);
	fmt_snprintf(what, sizeof(what), "GSTS.%s to become %d", name, done_when_set);
	return vtd_wait32(u, DMAR_GSTS_REG, bit, done_when_set ? bit : 0, what);
}

/* VT-d spec 6.8 and 10.4.4 (GCMD.WBF): only units with CAP.RWBF need it. */
int vtd_write_buffer_flush(struct vtd_unit *u)
{
	if (!cap_rwbf(u->cap))
		return 0;
	return vtd_gcmd(u, DMA_GCMD_WBF, true, "WBFS");
}

void vtd_flush_cache(const struct vtd_unit *u, const void *p, unsigned long len)
{
	if (!u->coherent)
		clflush_range(p, len);
}

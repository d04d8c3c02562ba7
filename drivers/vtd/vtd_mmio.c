/* The VT-d register block as memory-mapped I/O (VT-d spec 10.4): the only
 * file that dereferences u->regs. Kept apart so that host tests link a
 * simulated register file in its place. Every access is counted in the
 * unit's stats. Several CPUs reach the registers (the queue under its
 * lock, the fault interrupt without it), so the count is an atomic add:
 * a few cycles beside an uncached access of hundreds, and exact. */
#include "drivers/vtd/vtd.h"

uint32_t vtd_read32(struct vtd_unit *u, unsigned off)
{
	__atomic_fetch_add(&u->stats.mmio_reads, 1, __ATOMIC_RELAXED);
	return *(volatile uint32_t *)(u->regs + off);
}

uint64_t vtd_read64(struct vtd_unit *u, unsigned off)
{
	__atomic_fetch_add(&u->stats.mmio_reads, 1, __ATOMIC_RELAXED);
	return *(volatile uint64_t *)(u->regs + off);
}

void vtd_write32(struct vtd_unit *u, unsigned off, uint32_t v)
{
	__atomic_fetch_add(&u->stats.mmio_writes, 1, __ATOMIC_RELAXED);
	*(volatile uint32_t *)(u->regs + off) = v;
}

void vtd_write64(struct vtd_unit *u, unsigned off, uint64_t v)
{
	__atomic_fetch_add(&u->stats.mmio_writes, 1, __ATOMIC_RELAXED);
	*(volatile uint64_t *)(u->regs + off) = v;
}

/* The VT-d register block as memory-mapped I/O (VT-d spec 10.4): the only
 * file that dereferences u->regs. Kept apart so that host tests link a
 * simulated register file in its place. */
#include "drivers/vtd/vtd.h"

uint32_t vtd_read32(const struct vtd_unit *u, unsigned off)
{
	return *(volatile uint32_t *)(u->regs + off);
}

uint64_t vtd_read64(const struct vtd_unit *u, unsigned off)
{
	return *(volatile uint64_t *)(u->regs + off);
}

void vtd_write32(struct vtd_unit *u, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(u->regs + off) = v;
}

void vtd_write64(struct vtd_unit *u, unsigned off, uint64_t v)
{
	*(volatile uint64_t *)(u->regs + off) = v;
}

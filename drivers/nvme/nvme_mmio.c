/* The NVMe driver's reach into the machine: register accesses (1.4 3.1:
 * 32- and 64-bit registers, accessed at their natural size), the clock
 * every wait is bounded by, and bus mastering. Kept in one file so that
 * the host test of the start-up protocol (tests/host/nvme_sim.c) links a
 * simulated controller and a simulated clock in its place. */
#include "drivers/nvme/nvme_internal.h"
#include "drivers/pci/pci.h"
#include "kernel/cpu.h"

uint32_t nvme_rd32(struct nvme_ctrl *c, unsigned reg)
{
	return *(volatile uint32_t *)(c->regs + reg);
}

uint64_t nvme_rd64(struct nvme_ctrl *c, unsigned reg)
{
	return *(volatile uint64_t *)(c->regs + reg);
}

void nvme_wr32(struct nvme_ctrl *c, unsigned reg, uint32_t v)
{
	*(volatile uint32_t *)(c->regs + reg) = v;
}

void nvme_wr64(struct nvme_ctrl *c, unsigned reg, uint64_t v)
{
	*(volatile uint64_t *)(c->regs + reg) = v;
}

uint64_t nvme_now(void)
{
	return rdtsc_ordered();
}

void nvme_relax(void)
{
	cpu_pause();
}

void nvme_bus_master(struct nvme_ctrl *c, bool on)
{
	pci_set_bus_master(c->info.bus, c->info.dev, c->info.fn, on);
}

bool nvme_bus_master_on(struct nvme_ctrl *c)
{
	return pci_bus_master(c->info.bus, c->info.dev, c->info.fn);
}

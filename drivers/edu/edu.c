/* QEMU's edu device (PCI 1234:11e8, docs/specs/edu.rst in QEMU): BAR0 holds
 * a DMA engine that copies between bus addresses and a 4 KiB buffer inside
 * the device. Its DMA goes through the IOMMU like any PCI master's, which
 * makes it a simple, honest probe of translations and faults. */
#include "drivers/edu/edu.h"
#include "drivers/pci/pci.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/mem.h"
#include "kernel/tsc.h"

#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_COUNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_DMA_START (1u << 0)
#define EDU_DMA_FROM_DEVICE (1u << 1) /* buffer -> bus address */
/* The engine runs from a 100 ms timer in QEMU; allow plenty. */
#define EDU_DMA_TIMEOUT_US 3000000

int edu_probe(struct edu_dev *e)
{
	for (unsigned i = 0; i < pci_device_count(); i++) {
		const struct pci_dev *d = pci_device(i);
		if (d->vendor != EDU_VENDOR || d->device != EDU_DEVICE)
			continue;
		uint32_t bar = pci_read32(d->bus, d->dev, d->fn, PCI_BAR0);
		uint64_t base = bar & ~0xfull;
		if ((bar & 1) || !base) {
			kprintf("edu: %02x:%02x.%u has no usable memory BAR\n", d->bus, d->dev, d->fn);
			return -1;
		}
		if (map_mmio(base, 1 << 20))
			return -1;
		uint16_t cmd = pci_read16(d->bus, d->dev, d->fn, PCI_COMMAND);
		pci_write16(d->bus, d->dev, d->fn, PCI_COMMAND,
			    cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
		e->bus = d->bus;
		e->dev = d->dev;
		e->fn = d->fn;
		e->mmio = (volatile uint8_t *)base;
		kprintf("edu: %02x:%02x.%u, registers at 0x%lx\n", d->bus, d->dev, d->fn, base);
		return 0;
	}
	return -1;
}

static int edu_dma(struct edu_dev *e, uint64_t src, uint64_t dst, uint32_t len, uint32_t dir)
{
	volatile uint64_t *r = (volatile uint64_t *)e->mmio;

	r[EDU_DMA_SRC / 8] = src;
	r[EDU_DMA_DST / 8] = dst;
	r[EDU_DMA_COUNT / 8] = len;
	r[EDU_DMA_CMD / 8] = EDU_DMA_START | dir;
	uint64_t end = rdtsc_ordered() + tsc_from_us(EDU_DMA_TIMEOUT_US);
	while (r[EDU_DMA_CMD / 8] & EDU_DMA_START) {
		if (rdtsc_ordered() > end) {
			kprintf("edu: timeout: the DMA engine stayed busy (DMA command register 0x98, "
				"bit 0)\n");
			return -1;
		}
		cpu_pause();
	}
	return 0;
}

int edu_dma_to_device(struct edu_dev *e, uint64_t bus_addr, uint32_t len)
{
	return edu_dma(e, bus_addr, EDU_BUFFER_ADDR, len, 0);
}

int edu_dma_from_device(struct edu_dev *e, uint64_t bus_addr, uint32_t len)
{
	return edu_dma(e, EDU_BUFFER_ADDR, bus_addr, len, EDU_DMA_FROM_DEVICE);
}

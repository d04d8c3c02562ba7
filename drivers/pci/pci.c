/* PCI configuration space through ECAM (PCIe base spec 7.2.2) or, without
 * an MCFG, configuration mechanism #1 at ports 0xcf8/0xcfc (PCI local bus
 * spec 3.2.2.3.2). Enumeration walks bus 0 and every bridge's secondary
 * bus, each bus at most once, so a firmware loop cannot trap it. */
#include "drivers/pci/pci.h"
#include "drivers/acpi/mcfg.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/mem.h"

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA    0xcfc

static const struct mcfg_region *ecam;
static struct pci_dev devices[PCI_MAX_DEVICES];
static unsigned device_count;
static uint8_t bus_seen[256 / 8];

static volatile void *ecam_addr(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t reg)
{
	return (volatile uint8_t *)(ecam->base + ((uint64_t)bus << 20) + ((uint64_t)dev << 15) +
				    ((uint64_t)fn << 12) + reg);
}

static int use_ecam(uint8_t bus)
{
	return ecam && bus >= ecam->start_bus && bus <= ecam->end_bus;
}

static void port_select(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t reg)
{
	outl(PCI_CONFIG_ADDRESS, 0x80000000u | (uint32_t)bus << 16 | (uint32_t)dev << 11 |
				 (uint32_t)fn << 8 | (reg & 0xfc));
}

uint32_t pci_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t reg)
{
	if (use_ecam(bus))
		return *(volatile uint32_t *)ecam_addr(bus, dev, fn, reg);
	if (reg >= 256)
		return 0xffffffffu;
	port_select(bus, dev, fn, reg);
	return inl(PCI_CONFIG_DATA);
}

uint16_t pci_read16(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t reg)
{
	return (uint16_t)(pci_read32(bus, dev, fn, reg & ~3) >> ((reg & 2) * 8));
}

uint8_t pci_read8(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t reg)
{
	return (uint8_t)(pci_read32(bus, dev, fn, reg & ~3) >> ((reg & 3) * 8));
}

void pci_write32(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t reg, uint32_t v)
{
	if (use_ecam(bus)) {
		*(volatile uint32_t *)ecam_addr(bus, dev, fn, reg) = v;
		return;
	}
	port_select(bus, dev, fn, reg);
	outl(PCI_CONFIG_DATA, v);
}

void pci_write16(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t reg, uint16_t v)
{
	if (use_ecam(bus)) {
		*(volatile uint16_t *)ecam_addr(bus, dev, fn, reg) = v;
		return;
	}
	port_select(bus, dev, fn, reg);
	outw(PCI_CONFIG_DATA + (reg & 2), v);
}

void pci_set_bus_master(uint8_t bus, uint8_t dev, uint8_t fn, bool on)
{
	uint16_t cmd = pci_read16(bus, dev, fn, PCI_COMMAND);

	cmd = on ? (uint16_t)(cmd | PCI_COMMAND_MASTER) : (uint16_t)(cmd & ~PCI_COMMAND_MASTER);
	pci_write16(bus, dev, fn, PCI_COMMAND, cmd);
}

bool pci_bus_master(uint8_t bus, uint8_t dev, uint8_t fn)
{
	return (pci_read16(bus, dev, fn, PCI_COMMAND) & PCI_COMMAND_MASTER) != 0;
}

const char *pci_class_name(uint32_t class_rev)
{
	switch (class_rev >> 16) {
	case 0x0100: return "SCSI storage";
	case 0x0101: return "IDE storage";
	case 0x0106: return "SATA storage";
	case 0x0108: return "NVMe storage";
	case 0x0200: return "Ethernet";
	case 0x0280: return "network";
	case 0x0300: return "VGA display";
	case 0x0380: return "display";
	case 0x0403: return "audio";
	case 0x0600: return "host bridge";
	case 0x0601: return "ISA bridge";
	case 0x0604: return "PCI bridge";
	case 0x0805: return "SD host";
	case 0x0880: return "system peripheral";
	case 0x0c03: return "USB";
	case 0x0c05: return "SMBus";
	}
	switch (class_rev >> 24) {
	case 0x01: return "storage";
	case 0x02: return "network";
	case 0x03: return "display";
	case 0x06: return "bridge";
	case 0x08: return "system peripheral";
	case 0x0c: return "serial bus";
	default: return "other";
	}
}

static void scan_bus(uint8_t bus);

static void scan_function(uint8_t bus, uint8_t dev, uint8_t fn)
{
	uint32_t id = pci_read32(bus, dev, fn, PCI_VENDOR_ID);

	if ((id & 0xffff) == 0xffff || device_count >= PCI_MAX_DEVICES)
		return;
	struct pci_dev *d = &devices[device_count++];
	d->bus = bus;
	d->dev = dev;
	d->fn = fn;
	d->vendor = id & 0xffff;
	d->device = id >> 16;
	d->class_rev = pci_read32(bus, dev, fn, PCI_CLASS_REV);
	d->header_type = pci_read8(bus, dev, fn, PCI_HEADER_TYPE) & ~PCI_HEADER_MULTIFUNCTION;
	if (d->header_type == 1) {
		d->secondary_bus = pci_read8(bus, dev, fn, PCI_SECONDARY_BUS);
		if (d->secondary_bus > bus)
			scan_bus(d->secondary_bus);
	}
}

static void scan_bus(uint8_t bus)
{
	if (bus_seen[bus / 8] & (1u << (bus % 8)))
		return;
	bus_seen[bus / 8] |= 1u << (bus % 8);
	for (uint8_t dev = 0; dev < 32; dev++) {
		if ((pci_read32(bus, dev, 0, PCI_VENDOR_ID) & 0xffff) == 0xffff)
			continue;
		int multi = pci_read8(bus, dev, 0, PCI_HEADER_TYPE) & PCI_HEADER_MULTIFUNCTION;
		for (uint8_t fn = 0; fn < (multi ? 8 : 1); fn++)
			scan_function(bus, dev, fn);
	}
}

int pci_enumerate(void)
{
	ecam = mcfg_find(0, 0);
	if (ecam && map_mmio(ecam->base + ((uint64_t)ecam->start_bus << 20),
			     ((uint64_t)ecam->end_bus - ecam->start_bus + 1) << 20))
		ecam = NULL;
	device_count = 0;
	for (unsigned i = 0; i < sizeof(bus_seen); i++)
		bus_seen[i] = 0;
	scan_bus(0);
	kprintf("pci: %u function%s on segment 0 (%s)\n", device_count, device_count == 1 ? "" : "s",
		ecam ? "ECAM" : "ports 0xcf8/0xcfc");
	for (unsigned i = 0; i < device_count; i++) {
		const struct pci_dev *d = &devices[i];
		kprintf("pci: %02x:%02x.%u %04x:%04x class %02x.%02x.%02x %s\n", d->bus, d->dev, d->fn,
			d->vendor, d->device, d->class_rev >> 24, (d->class_rev >> 16) & 0xff,
			(d->class_rev >> 8) & 0xff, pci_class_name(d->class_rev));
	}
	return (int)device_count;
}

unsigned pci_device_count(void)
{
	return device_count;
}

const struct pci_dev *pci_device(unsigned i)
{
	return i < device_count ? &devices[i] : NULL;
}

const struct pci_dev *pci_find(uint8_t bus, uint8_t dev, uint8_t fn)
{
	for (unsigned i = 0; i < device_count; i++)
		if (devices[i].bus == bus && devices[i].dev == dev && devices[i].fn == fn)
			return &devices[i];
	return NULL;
}

int pci_resolve_path(uint8_t start_bus, const uint8_t (*path)[2], unsigned hops, uint8_t *bus)
{
	uint8_t b = start_bus;

	for (unsigned i = 0; i + 1 < hops; i++) {
		uint8_t hdr = pci_read8(b, path[i][0], path[i][1], PCI_HEADER_TYPE) & ~PCI_HEADER_MULTIFUNCTION;
		if (hdr != 1)
			return -1;
		b = pci_read8(b, path[i][0], path[i][1], PCI_SECONDARY_BUS);
	}
	*bus = b;
	return 0;
}

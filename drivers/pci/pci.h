/* PCI configuration access and the device list of segment 0. */
#ifndef DRIVERS_PCI_PCI_H
#define DRIVERS_PCI_PCI_H

#include <stdbool.h>
#include <stdint.h>
#include "lib/pci_id.h"

#define PCI_VENDOR_ID   0x00
#define PCI_DEVICE_ID   0x02
#define PCI_COMMAND     0x04
#define PCI_COMMAND_IO     (1u << 0)
#define PCI_COMMAND_MEMORY (1u << 1)
#define PCI_COMMAND_MASTER (1u << 2) /* PCI Local Bus spec 6.2.2 */
#define PCI_CLASS_REV   0x08 /* revision, prog-if, subclass, class */
#define PCI_HEADER_TYPE 0x0e
#define PCI_HEADER_MULTIFUNCTION 0x80
#define PCI_BAR0        0x10
#define PCI_SECONDARY_BUS   0x19 /* type 1 header */
#define PCI_SUBORDINATE_BUS 0x1a

#define PCI_MAX_DEVICES 256

struct pci_dev {
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint32_t class_rev;      /* class << 24 | subclass << 16 | prog-if << 8 | rev */
	uint8_t header_type;     /* without the multifunction bit */
	uint8_t secondary_bus;   /* bridges only */
};

uint32_t pci_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t reg);
uint16_t pci_read16(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t reg);
uint8_t pci_read8(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t reg);
void pci_write32(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t reg, uint32_t v);
void pci_write16(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t reg, uint16_t v);
/* Turns the function's bus mastering on or off (PCI Local Bus spec 6.2.2,
 * Command register bit 2): off, the function issues no memory or I/O
 * request of its own, so no DMA. */
void pci_set_bus_master(uint8_t bus, uint8_t dev, uint8_t fn, bool on);
bool pci_bus_master(uint8_t bus, uint8_t dev, uint8_t fn);

/* Enumerates segment 0 from bus 0, following bridges, and prints the list.
 * Uses ECAM when the MCFG describes it, ports 0xcf8/0xcfc otherwise. */
int pci_enumerate(void);
unsigned pci_device_count(void);
const struct pci_dev *pci_device(unsigned i);
const struct pci_dev *pci_find(uint8_t bus, uint8_t dev, uint8_t fn);
const char *pci_class_name(uint32_t class_rev);
/* Follows a DMAR device-scope path (VT-d spec 8.3.1): the first (dev, fn)
 * is on start_bus, each further one on the secondary bus of the bridge
 * before it. Returns 0 and the final bus, or -1 if a hop is not a bridge. */
int pci_resolve_path(uint8_t start_bus, const uint8_t (*path)[2], unsigned hops, uint8_t *bus);

#endif

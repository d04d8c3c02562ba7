/* Finding the NVMe controller: the first PCI function of class 01:08:02
 * (mass storage, non-volatile memory, NVM Express I/O controller), its
 * 64-bit memory BAR0 mapped uncached, and the pages the driver owns
 * allocated once. No DMA and no register write here. */
#include "drivers/nvme/nvme_internal.h"
#include "drivers/nvme/nvme_regs.h"
#include "drivers/pci/pci.h"
#include "kernel/console.h"
#include "kernel/mem.h"

#define NVME_CLASS       0x010802u /* class, subclass, prog-if */
#define PCI_CLASS_STORAGE 0x01
#define PCI_STORAGE_RAID 0x0104
#define INTEL_VENDOR     0x8086
/* Registers up to and including the doorbells of the admin queue and
 * NVME_MAX_PAIRS I/O queue pairs: CAP.DSTRD decides how far those reach. */
#define REGS_FIRST_MAP   0x2000

static struct nvme_ctrl the_ctrl;

/* Intel Volume Management Device functions (class 01:04 on most parts):
 * the NVMe drives behind one are not on the PCI bus the firmware shows. */
static bool is_intel_vmd(const struct pci_dev *d)
{
	static const uint16_t ids[] = { 0x201d, 0x28c0, 0x467f, 0x4c3d, 0x7d0b, 0x9a0b, 0xa77f,
					0xad0b };

	if (d->vendor != INTEL_VENDOR)
		return false;
	for (unsigned i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (d->device == ids[i])
			return true;
	return false;
}

static void list_storage(void)
{
	unsigned found = 0;

	for (unsigned i = 0; i < pci_device_count(); i++) {
		const struct pci_dev *d = pci_device(i);
		if ((d->class_rev >> 24) != PCI_CLASS_STORAGE)
			continue;
		found++;
		kprintf("nvme: found storage controller %02x:%02x.%u %04x:%04x class %02x:%02x:%02x (%s)%s\n",
			d->bus, d->dev, d->fn, d->vendor, d->device, d->class_rev >> 24,
			(d->class_rev >> 16) & 0xff, (d->class_rev >> 8) & 0xff,
			pci_class_name(d->class_rev),
			is_intel_vmd(d) ? ": an Intel VMD, which hides the NVMe drives behind it "
					  "(turn VMD off in the firmware setup)"
			: (d->class_rev >> 16) == PCI_STORAGE_RAID
				? ": RAID mode may hide NVMe drives (choose AHCI/NVMe in the firmware setup)"
				: "");
	}
	if (!found)
		kprintf("nvme: found no storage controller at all (under QEMU: -device nvme)\n");
}

static int alloc_pages(struct nvme_ctrl *c)
{
	if (c->admin_sq)
		return 0; /* probed before: the pages stay the driver's */
	c->admin_sq = page_alloc(1);
	c->admin_cq = page_alloc(1);
	c->identify = page_alloc(1);
	if (!c->admin_sq || !c->admin_cq || !c->identify) {
		kprintf("nvme: out of memory for the queues\n");
		return -1;
	}
	return 0;
}

int nvme_probe(struct nvme_ctrl **out)
{
	for (unsigned i = 0; i < pci_device_count(); i++) {
		const struct pci_dev *d = pci_device(i);
		if ((d->class_rev >> 8) != NVME_CLASS)
			continue;
		struct nvme_ctrl *c = &the_ctrl;
		uint32_t bar = pci_read32(d->bus, d->dev, d->fn, PCI_BAR0);
		uint64_t base = bar & ~0xfull;
		if ((bar & 6) == 4) /* 64-bit BAR (PCI Local Bus spec 6.2.5.1) */
			base |= (uint64_t)pci_read32(d->bus, d->dev, d->fn, PCI_BAR0 + 4) << 32;
		if ((bar & 1) || !base || map_mmio(base, REGS_FIRST_MAP)) {
			kprintf("nvme: %02x:%02x.%u has no usable memory BAR0 (0x%x)\n", d->bus,
				d->dev, d->fn, bar);
			return -1;
		}
		uint16_t cmd = pci_read16(d->bus, d->dev, d->fn, PCI_COMMAND);
		pci_write16(d->bus, d->dev, d->fn, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY);
		c->info = (struct nvme_info){ .bus = d->bus, .dev = d->dev, .fn = d->fn,
					      .vendor_id = d->vendor, .device_id = d->device };
		c->regs = (volatile uint8_t *)base;
		c->info.cap = nvme_rd64(c, NVME_REG_CAP);
		uint32_t vs = nvme_rd32(c, NVME_REG_VS);
		c->info.ver_major = (uint8_t)NVME_VS_MAJOR(vs);
		c->info.ver_minor = (uint8_t)NVME_VS_MINOR(vs);
		c->db_stride = 4u << NVME_CAP_DSTRD(c->info.cap);
		uint64_t reach = NVME_CQ_HEAD_DB(NVME_IOQ_ID(NVME_MAX_PAIRS - 1), c->db_stride) + 4;
		if (reach > REGS_FIRST_MAP && map_mmio(base, reach)) {
			kprintf("nvme: cannot map the doorbells (stride %u bytes)\n", c->db_stride);
			return -1;
		}
		if (alloc_pages(c))
			return -1;
		kprintf("nvme: using %02x:%02x.%u %04x:%04x, registers at 0x%lx, NVMe %u.%u, "
			"CAP 0x%lx\n", d->bus, d->dev, d->fn, d->vendor, d->device, base,
			c->info.ver_major, c->info.ver_minor, c->info.cap);
		*out = c;
		return 0;
	}
	kprintf("nvme: no NVMe controller (PCI class 01:08:02)\n");
	list_storage();
	return -1;
}

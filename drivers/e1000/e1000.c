/* Intel 8254x and 82574L, legacy descriptors, polled, in loopback so no
 * network is needed: the PHY's loopback bit (through MDIC) on every model,
 * or RCTL's MAC loopback on the 82574L. Follows the manuals (8254x SDM
 * 14.3 - 14.5 for initialisation), with QEMU's known quirks handled: its
 * 82540EM ignores CTRL.RST and implements only PHY loopback. */
#include "drivers/e1000/e1000.h"
#include "drivers/e1000/e1000_regs.h"
#include "drivers/pci/pci.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/mem.h"
#include "kernel/tsc.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define INTEL_VENDOR 0x8086
#define RESET_TIMEOUT_US 100000
/* After setting CTRL.RST, software must wait before it reads CTRL or any
 * other register (8254x SDM 13.4.1, CTRL.RST; 82574 datasheet 10.2.2.1,
 * CTRL.RST: about 1 ms); 1 ms covers every supported model. */
#define RESET_SETTLE_US  1000
#define MDIC_TIMEOUT_US  10000
#define LINK_TIMEOUT_US  3000000
#define STOP_TIMEOUT_US  10000

static const struct {
	uint16_t id;
	const char *model;
	bool pcie;
} supported[] = {
	{ 0x100e, "82540EM", false },  /* QEMU e1000 */
	{ 0x100c, "82544GC", false },  /* QEMU e1000-82544gc */
	{ 0x100f, "82545EM", false },  /* QEMU e1000-82545em */
	{ 0x10d3, "82574L", true },    /* QEMU e1000e; common desktop adapters */
};
#define NSUPPORTED (sizeof(supported) / sizeof(supported[0]))

static uint32_t rd(const struct e1000 *n, unsigned reg)
{
	return *(volatile uint32_t *)(n->mmio + reg);
}

static void wr(struct e1000 *n, unsigned reg, uint32_t v)
{
	*(volatile uint32_t *)(n->mmio + reg) = v;
}

static int wait_reg(struct e1000 *n, unsigned reg, uint32_t mask, uint32_t want, uint64_t us,
		    const char *what)
{
	uint64_t end = rdtsc_ordered() + tsc_from_us(us);

	while ((rd(n, reg) & mask) != want) {
		if (rdtsc_ordered() > end) {
			kprintf("e1000: timeout after %lu ms waiting for %s (register 0x%x reads 0x%x)\n",
				us / 1000, what, reg, rd(n, reg));
			return -1;
		}
		cpu_pause();
	}
	return 0;
}

static int phy_write(struct e1000 *n, unsigned reg, uint16_t v)
{
	wr(n, E1000_MDIC, v | E1000_MDIC_REG(reg) | E1000_MDIC_PHY(PHY_ADDR) | E1000_MDIC_OP_WRITE);
	if (wait_reg(n, E1000_MDIC, E1000_MDIC_READY, E1000_MDIC_READY, MDIC_TIMEOUT_US,
		     "MDIC.R (PHY write done)"))
		return -1;
	return (rd(n, E1000_MDIC) & E1000_MDIC_ERROR) ? -1 : 0;
}

int e1000_probe(struct e1000 *nic)
{
	for (unsigned i = 0; i < pci_device_count(); i++) {
		const struct pci_dev *d = pci_device(i);
		if (d->vendor != INTEL_VENDOR)
			continue;
		for (unsigned s = 0; s < NSUPPORTED; s++) {
			if (d->device != supported[s].id)
				continue;
			uint32_t bar = pci_read32(d->bus, d->dev, d->fn, PCI_BAR0);
			uint64_t base = bar & ~0xfull;
			if ((bar & 6) == 4) /* 64-bit BAR */
				base |= (uint64_t)pci_read32(d->bus, d->dev, d->fn, PCI_BAR0 + 4) << 32;
			if ((bar & 1) || !base || map_mmio(base, 128 << 10)) {
				kprintf("e1000: %02x:%02x.%u has no usable memory BAR\n", d->bus, d->dev, d->fn);
				return -1;
			}
			uint16_t cmd = pci_read16(d->bus, d->dev, d->fn, PCI_COMMAND);
			pci_write16(d->bus, d->dev, d->fn, PCI_COMMAND,
				    cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
			*nic = (struct e1000){ .bus = d->bus, .dev = d->dev, .fn = d->fn,
					       .device_id = d->device, .model = supported[s].model,
					       .pcie = supported[s].pcie,
					       .mmio = (volatile uint8_t *)base };
			nic->tx_ring = (struct e1000_tx_desc *)page_alloc(1);
			nic->rx_ring = (struct e1000_rx_desc *)page_alloc(1);
			if (!nic->tx_ring || !nic->rx_ring)
				return -1;
			kprintf("e1000: using %02x:%02x.%u %04x:%04x (Intel %s), registers at 0x%lx\n",
				d->bus, d->dev, d->fn, d->vendor, d->device, nic->model, base);
			return 0;
		}
	}
	kprintf("e1000: no supported Intel NIC. Supported (vendor 8086):");
	for (unsigned s = 0; s < NSUPPORTED; s++)
		kprintf(" %04x %s%s", supported[s].id, supported[s].model, s + 1 < NSUPPORTED ? "," : "\n");
	unsigned nets = 0;
	for (unsigned i = 0; i < pci_device_count(); i++) {
		const struct pci_dev *d = pci_device(i);
		if ((d->class_rev >> 24) == 0x02) {
			kprintf("e1000: found network device %02x:%02x.%u %04x:%04x, not supported\n",
				d->bus, d->dev, d->fn, d->vendor, d->device);
			nets++;
		}
	}
	if (!nets)
		kprintf("e1000: found no network device at all (under QEMU: NIC=e1000 or NIC=e1000e)\n");
	return -1;
}

static void read_mac(struct e1000 *n)
{
	uint32_t lo = rd(n, E1000_RAL0), hi = rd(n, E1000_RAH0);

	if (!(hi & E1000_RAH_AV) || (lo == 0 && (hi & 0xffff) == 0)) {
		/* No address loaded: a locally administered one will do for loopback. */
		lo = 0x56341202;
		hi = 0x9a78 | E1000_RAH_AV;
		wr(n, E1000_RAL0, lo);
		wr(n, E1000_RAH0, hi);
	}
	for (int i = 0; i < 4; i++)
		n->mac[i] = (uint8_t)(lo >> (8 * i));
	n->mac[4] = (uint8_t)hi;
	n->mac[5] = (uint8_t)(hi >> 8);
}

int e1000_start(struct e1000 *n, uint64_t tx_ring_dev, uint64_t rx_ring_dev, bool mac_loopback)
{
	pci_set_bus_master(n->bus, n->dev, n->fn, true); /* e1000_stop turned it off */
	wr(n, E1000_IMC, 0xffffffffu); /* polled: no interrupts */
	wr(n, E1000_RCTL, 0);
	wr(n, E1000_TCTL, 0);
	wr(n, E1000_CTRL, rd(n, E1000_CTRL) | E1000_CTRL_RST);
	tsc_delay_us(RESET_SETTLE_US);
	if (wait_reg(n, E1000_CTRL, E1000_CTRL_RST, 0, RESET_TIMEOUT_US, "CTRL.RST to clear"))
		return -1;
	wr(n, E1000_IMC, 0xffffffffu);
	(void)rd(n, E1000_ICR);
	read_mac(n);
	for (unsigned i = 0; i < 128; i++)
		wr(n, E1000_MTA + 4 * i, 0);

	memset(n->tx_ring, 0, PAGE_SIZE);
	memset(n->rx_ring, 0, PAGE_SIZE);
	n->tx_tail = n->tx_clean = n->rx_tail = n->rx_next = 0;
	wr(n, E1000_TDBAL, (uint32_t)tx_ring_dev);
	wr(n, E1000_TDBAH, (uint32_t)(tx_ring_dev >> 32));
	wr(n, E1000_TDLEN, E1000_RING_SIZE * sizeof(struct e1000_tx_desc));
	wr(n, E1000_TDH, 0);
	wr(n, E1000_TDT, 0);
	wr(n, E1000_RDBAL, (uint32_t)rx_ring_dev);
	wr(n, E1000_RDBAH, (uint32_t)(rx_ring_dev >> 32));
	wr(n, E1000_RDLEN, E1000_RING_SIZE * sizeof(struct e1000_rx_desc));
	wr(n, E1000_RDH, 0);
	wr(n, E1000_RDT, 0);
	wr(n, E1000_RDTR, 0);
	wr(n, E1000_TIPG, E1000_TIPG_DEFAULT);
	wr(n, E1000_TCTL, E1000_TCTL_EN | E1000_TCTL_PSP | E1000_TCTL_CT(0x0f) | E1000_TCTL_COLD(0x40));

	/* Loopback at 1000 Mb/s full duplex in the PHY: the path every model
	 * (and QEMU's 82540EM, which lacks MAC loopback) implements. */
	wr(n, E1000_CTRL, (rd(n, E1000_CTRL) | E1000_CTRL_SLU | E1000_CTRL_FD) & ~E1000_CTRL_PHY_RST);
	if (phy_write(n, PHY_CTRL, PHY_CTRL_LOOPBACK | PHY_CTRL_SPEED_1000 | PHY_CTRL_FULL_DUPLEX)) {
		kprintf("e1000: the PHY did not accept loopback mode (MDIC error)\n");
		return -1;
	}
	if (mac_loopback && !n->pcie) {
		kprintf("e1000: MAC loopback is an 82574L feature; using PHY loopback\n");
		mac_loopback = false;
	}
	n->mac_loopback = mac_loopback;
	if (wait_reg(n, E1000_STATUS, E1000_STATUS_LU, E1000_STATUS_LU, LINK_TIMEOUT_US,
		     "STATUS.LU (link up)"))
		return -1;
	kprintf("e1000: MAC %02x:%02x:%02x:%02x:%02x:%02x, link up, %s loopback\n", n->mac[0],
		n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5], mac_loopback ? "MAC" : "PHY");
	return 0;
}

void e1000_enable_rx(struct e1000 *n)
{
	uint32_t rctl = E1000_RCTL_EN | E1000_RCTL_UPE | E1000_RCTL_MPE | E1000_RCTL_BAM |
			E1000_RCTL_BSIZE_2048 | E1000_RCTL_SECRC;

	if (n->mac_loopback)
		rctl |= E1000_RCTL_LBM_MAC;
	wr(n, E1000_RCTL, rctl);
}

void e1000_disable_rx(struct e1000 *n)
{
	wr(n, E1000_RCTL, 0);
}

/* Receive and transmit off, confirmed by the enable bits reading back
 * clear (8254x SDM 13.4.22 RCTL.EN, 13.4.33 TCTL.EN), then bus mastering
 * off so that nothing the NIC still holds can reach memory. */
int e1000_stop(struct e1000 *n)
{
	int rc = 0;

	wr(n, E1000_RCTL, 0);
	wr(n, E1000_TCTL, 0);
	if (wait_reg(n, E1000_RCTL, E1000_RCTL_EN, 0, STOP_TIMEOUT_US, "RCTL.EN to clear (receive off)"))
		rc = -1;
	if (wait_reg(n, E1000_TCTL, E1000_TCTL_EN, 0, STOP_TIMEOUT_US, "TCTL.EN to clear (transmit off)"))
		rc = -1;
	pci_set_bus_master(n->bus, n->dev, n->fn, false);
	if (pci_bus_master(n->bus, n->dev, n->fn)) {
		kprintf("e1000: bus mastering stays on (PCI command register bit 2 reads 1)\n");
		rc = -1;
	}
	return rc;
}

unsigned e1000_tx_free_slots(const struct e1000 *n)
{
	return E1000_RING_SIZE - 1 - ((n->tx_tail - n->tx_clean) % E1000_RING_SIZE);
}

bool e1000_tx_idle(const struct e1000 *n)
{
	return n->tx_clean == n->tx_tail;
}

unsigned e1000_rx_free_slots(const struct e1000 *n)
{
	return E1000_RING_SIZE - 1 - ((n->rx_tail - n->rx_next) % E1000_RING_SIZE);
}

int e1000_tx_post(struct e1000 *n, uint64_t dev_addr, uint16_t len)
{
	if (!e1000_tx_free_slots(n))
		return -1;
	unsigned slot = n->tx_tail;
	volatile struct e1000_tx_desc *d = &n->tx_ring[slot];
	d->addr = dev_addr;
	d->length = len;
	d->cso = 0;
	d->css = 0;
	d->special = 0;
	d->status = 0;
	d->cmd = E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS;
	n->tx_tail = (slot + 1) % E1000_RING_SIZE;
	/* The descriptor must be in memory before the NIC sees the new tail. */
	__asm__ volatile("sfence" ::: "memory");
	wr(n, E1000_TDT, n->tx_tail);
	return (int)slot;
}

bool e1000_tx_reap(struct e1000 *n, unsigned *slot)
{
	if (n->tx_clean == n->tx_tail)
		return false;
	volatile struct e1000_tx_desc *d = &n->tx_ring[n->tx_clean];
	if (!(d->status & E1000_TXD_STAT_DD))
		return false;
	*slot = n->tx_clean;
	n->tx_clean = (n->tx_clean + 1) % E1000_RING_SIZE;
	return true;
}

int e1000_rx_post(struct e1000 *n, uint64_t dev_addr)
{
	if (!e1000_rx_free_slots(n))
		return -1;
	unsigned slot = n->rx_tail;
	volatile struct e1000_rx_desc *d = &n->rx_ring[slot];
	d->addr = dev_addr;
	d->status = 0;
	d->errors = 0;
	d->length = 0;
	n->rx_tail = (slot + 1) % E1000_RING_SIZE;
	__asm__ volatile("sfence" ::: "memory");
	wr(n, E1000_RDT, n->rx_tail);
	return (int)slot;
}

bool e1000_rx_poll(struct e1000 *n, unsigned *slot, uint16_t *len, uint8_t *errors)
{
	if (n->rx_next == n->rx_tail)
		return false;
	volatile struct e1000_rx_desc *d = &n->rx_ring[n->rx_next];
	if (!(d->status & E1000_RXD_STAT_DD))
		return false;
	__asm__ volatile("lfence" ::: "memory"); /* read the length after DD */
	*slot = n->rx_next;
	*len = d->length;
	*errors = d->errors;
	n->rx_next = (n->rx_next + 1) % E1000_RING_SIZE;
	return true;
}

const char *e1000_describe(const struct e1000 *n)
{
	static char text[160];

	fmt_snprintf(text, sizeof(text),
		     "STATUS 0x%x RCTL 0x%x TDH %u TDT %u RDH %u RDT %u, receive slot %u status 0x%x addr 0x%lx",
		     rd(n, E1000_STATUS), rd(n, E1000_RCTL), rd(n, E1000_TDH), rd(n, E1000_TDT),
		     rd(n, E1000_RDH), rd(n, E1000_RDT), n->rx_next, n->rx_ring[n->rx_next].status,
		     n->rx_ring[n->rx_next].addr);
	return text;
}

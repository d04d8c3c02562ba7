/* Intel 8254x / 82574L NIC in loopback, driven by polling. The driver owns
 * the descriptor rings; the caller maps rings and buffers (through the DMA
 * layer) and hands the driver device addresses. */
#ifndef DRIVERS_E1000_E1000_H
#define DRIVERS_E1000_E1000_H

#include <stdbool.h>
#include <stdint.h>

#define E1000_RING_SIZE 64   /* descriptors per ring: 1 KiB, a multiple of 128 bytes */
#define E1000_BUF_SIZE  2048 /* RCTL.BSIZE */

/* The descriptor layouts are the driver's (e1000_regs.h); users of the
 * driver only hold pointers to the rings to map them. */
struct e1000_tx_desc;
struct e1000_rx_desc;

struct e1000 {
	uint8_t bus, dev, fn;
	uint16_t device_id;
	const char *model;
	bool pcie;               /* 82574L: MAC loopback and a working CTRL.RST */
	volatile uint8_t *mmio;
	uint8_t mac[6];
	struct e1000_tx_desc *tx_ring;   /* one page each, from page_alloc */
	struct e1000_rx_desc *rx_ring;
	unsigned tx_tail, tx_clean;      /* next slot to fill; next slot to reap */
	unsigned rx_tail, rx_next;       /* next slot to post; next slot to receive */
	bool mac_loopback;               /* RCTL.LBM instead of the PHY */
};

/* Finds the first supported NIC and maps its registers. With none, prints
 * what was found and which ids are supported, and returns -1. */
int e1000_probe(struct e1000 *nic);
/* Resets the NIC, programs the rings at the given device addresses (the
 * caller mapped nic->tx_ring/rx_ring there), turns loopback on and waits
 * for the link. Receive is not enabled yet. */
int e1000_start(struct e1000 *nic, uint64_t tx_ring_dev, uint64_t rx_ring_dev, bool mac_loopback);
/* Enables receive. QEMU's e1000 drops frames for about a second after
 * RCTL is written, so this is done once per run, before the stream. */
void e1000_enable_rx(struct e1000 *nic);
/* Quiesces the NIC before its DMA domain goes: receive and transmit off
 * (waiting, within a bound, for the enable bits to clear) and PCI bus
 * mastering off. Returns 0, or -1 after printing what did not stop. The
 * next e1000_start turns bus mastering back on. */
int e1000_stop(struct e1000 *nic);
/* Stops receiving (frames sent afterwards are dropped by the NIC). */
void e1000_disable_rx(struct e1000 *nic);

/* Queues one frame; returns its slot or -1 when the ring is full. */
int e1000_tx_post(struct e1000 *nic, uint64_t dev_addr, uint16_t len);
/* True when the oldest posted frame is sent; its slot in *slot. */
bool e1000_tx_reap(struct e1000 *nic, unsigned *slot);
/* Posts an empty receive buffer; returns its slot or -1 when full. */
int e1000_rx_post(struct e1000 *nic, uint64_t dev_addr);
/* True when the oldest posted buffer holds a frame. */
bool e1000_rx_poll(struct e1000 *nic, unsigned *slot, uint16_t *len, uint8_t *errors);
unsigned e1000_tx_free_slots(const struct e1000 *nic);
/* True when every frame posted for transmit was reaped. */
bool e1000_tx_idle(const struct e1000 *nic);
/* The NIC's state in a few words, for error messages. */
const char *e1000_describe(const struct e1000 *nic);
unsigned e1000_rx_free_slots(const struct e1000 *nic);

#endif

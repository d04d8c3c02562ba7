/* Intel 8254x (PCI/PCI-X family SDM, rev. 4.0) and 82574L (datasheet rev.
 * 3.4) registers and legacy descriptors; section numbers of the 8254x
 * manual beside each group, where both parts agree. */
#ifndef DRIVERS_E1000_E1000_REGS_H
#define DRIVERS_E1000_E1000_REGS_H

#include <stdint.h>

/* 13.4.1 Device Control */
#define E1000_CTRL        0x0000
#define E1000_CTRL_FD     (1u << 0)  /* full duplex */
#define E1000_CTRL_ASDE   (1u << 5)  /* auto-speed detection */
#define E1000_CTRL_SLU    (1u << 6)  /* set link up */
#define E1000_CTRL_RST    (1u << 26) /* device reset (self-clearing) */
#define E1000_CTRL_PHY_RST (1u << 31)
/* 13.4.2 Device Status */
#define E1000_STATUS      0x0008
#define E1000_STATUS_LU   (1u << 1)  /* link up */
/* 13.4.7 MDI Control: PHY register access */
#define E1000_MDIC        0x0020
#define E1000_MDIC_REG(r)   ((uint32_t)(r) << 16)
#define E1000_MDIC_PHY(p)   ((uint32_t)(p) << 21)
#define E1000_MDIC_OP_WRITE (1u << 26)
#define E1000_MDIC_OP_READ  (2u << 26)
#define E1000_MDIC_READY    (1u << 28)
#define E1000_MDIC_ERROR    (1u << 30)
/* 13.4.17 - 13.4.21 Interrupt cause / mask */
#define E1000_ICR         0x00c0
#define E1000_IMC         0x00d8
/* 13.4.22 Receive Control */
#define E1000_RCTL        0x0100
#define E1000_RCTL_EN     (1u << 1)
#define E1000_RCTL_UPE    (1u << 3)  /* unicast promiscuous */
#define E1000_RCTL_MPE    (1u << 4)  /* multicast promiscuous */
#define E1000_RCTL_LBM_MAC (1u << 6) /* MAC loopback (82574L; not in QEMU's e1000) */
#define E1000_RCTL_BAM    (1u << 15) /* accept broadcast */
#define E1000_RCTL_BSIZE_2048 (0u << 16)
#define E1000_RCTL_SECRC  (1u << 26) /* strip the Ethernet CRC */
/* 13.4.33 Transmit Control, 13.4.34 inter-packet gap */
#define E1000_TCTL        0x0400
#define E1000_TCTL_EN     (1u << 1)
#define E1000_TCTL_PSP    (1u << 3)  /* pad short packets */
#define E1000_TCTL_CT(v)  ((uint32_t)(v) << 4)
#define E1000_TCTL_COLD(v) ((uint32_t)(v) << 12)
#define E1000_TIPG        0x0410
#define E1000_TIPG_DEFAULT 0x0060200a /* IPGT 10, IPGR1 8, IPGR2 6 (13.4.34) */
/* 13.4.27 - 13.4.31 Receive descriptor ring */
#define E1000_RDBAL       0x2800
#define E1000_RDBAH       0x2804
#define E1000_RDLEN       0x2808
#define E1000_RDH         0x2810
#define E1000_RDT         0x2818
#define E1000_RDTR        0x2820
/* 13.4.38 - 13.4.42 Transmit descriptor ring */
#define E1000_TDBAL       0x3800
#define E1000_TDBAH       0x3804
#define E1000_TDLEN       0x3808
#define E1000_TDH         0x3810
#define E1000_TDT         0x3818
/* 13.5.1 Multicast table, 13.5.2 Receive address */
#define E1000_MTA         0x5200
#define E1000_RAL0        0x5400
#define E1000_RAH0        0x5404
#define E1000_RAH_AV      (1u << 31)

/* PHY registers (IEEE 802.3 clause 22; 8254x SDM 13.5.x / 82574L 10.x) */
#define PHY_ADDR          1
#define PHY_CTRL          0
#define PHY_CTRL_LOOPBACK (1u << 14)
#define PHY_CTRL_SPEED_1000 (1u << 6)
#define PHY_CTRL_FULL_DUPLEX (1u << 8)

/* 3.3.3 Legacy transmit descriptor */
struct e1000_tx_desc {
	uint64_t addr;
	uint16_t length;
	uint8_t cso;
	uint8_t cmd;
	uint8_t status;
	uint8_t css;
	uint16_t special;
} __attribute__((packed));
_Static_assert(sizeof(struct e1000_tx_desc) == 16, "8254x SDM 3.3.3");
#define E1000_TXD_CMD_EOP  (1u << 0)
#define E1000_TXD_CMD_IFCS (1u << 1) /* insert FCS */
#define E1000_TXD_CMD_RS   (1u << 3) /* report status (DD) */
#define E1000_TXD_STAT_DD  (1u << 0)

/* 3.2.3 Legacy receive descriptor */
struct e1000_rx_desc {
	uint64_t addr;
	uint16_t length;
	uint16_t checksum;
	uint8_t status;
	uint8_t errors;
	uint16_t special;
} __attribute__((packed));
_Static_assert(sizeof(struct e1000_rx_desc) == 16, "8254x SDM 3.2.3");
#define E1000_RXD_STAT_DD  (1u << 0)
#define E1000_RXD_STAT_EOP (1u << 1)

#endif

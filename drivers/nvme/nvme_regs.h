/* NVMe controller registers (NVM Express Base Specification 1.4, 3.1
 * Register Definition, Figure 78): the ones a polled, read-only driver
 * touches. Private to drivers/nvme. */
#ifndef DRIVERS_NVME_NVME_REGS_H
#define DRIVERS_NVME_NVME_REGS_H

#include <stdint.h>

/* 3.1.1 Controller Capabilities (64-bit) */
#define NVME_REG_CAP          0x00
#define NVME_CAP_MQES(c)      ((unsigned)((c) & 0xffff))        /* max queue entries, zero's based */
#define NVME_CAP_CQR(c)       ((unsigned)((c) >> 16) & 1)       /* contiguous queues required */
#define NVME_CAP_TO(c)        ((unsigned)((c) >> 24) & 0xff)    /* ready time-out, 500 ms units */
#define NVME_CAP_DSTRD(c)     ((unsigned)((c) >> 32) & 0xf)     /* doorbell stride: 4 << DSTRD bytes */
#define NVME_CAP_CSS_NVM(c)   ((unsigned)((c) >> 37) & 1)       /* CSS bit 0: NVM command set */
#define NVME_CAP_MPSMIN(c)    ((unsigned)((c) >> 48) & 0xf)     /* min page 2^(12 + MPSMIN) */
#define NVME_CAP_MPSMAX(c)    ((unsigned)((c) >> 52) & 0xf)
/* 3.1.2 Version */
#define NVME_REG_VS           0x08
#define NVME_VS_MAJOR(v)      ((unsigned)((v) >> 16) & 0xffff)
#define NVME_VS_MINOR(v)      ((unsigned)((v) >> 8) & 0xff)
/* 3.1.3 Interrupt Mask Set: every vector masked, the driver polls */
#define NVME_REG_INTMS        0x0c
/* 3.1.5 Controller Configuration */
#define NVME_REG_CC           0x14
#define NVME_CC_EN            (1u << 0)
#define NVME_CC_CSS_NVM       (0u << 4)                         /* 6:4 command set: NVM */
#define NVME_CC_MPS(m)        ((uint32_t)(m) << 7)              /* 10:7 page 2^(12 + MPS) */
#define NVME_CC_AMS_RR        (0u << 11)                        /* 13:11 round robin */
#define NVME_CC_SHN_MASK      (3u << 14)                        /* 15:14 shutdown notification */
#define NVME_CC_IOSQES(n)     ((uint32_t)(n) << 16)             /* 19:16 SQ entry 2^n bytes */
#define NVME_CC_IOCQES(n)     ((uint32_t)(n) << 20)             /* 23:20 CQ entry 2^n bytes */
/* 3.1.6 Controller Status */
#define NVME_REG_CSTS         0x1c
#define NVME_CSTS_RDY         (1u << 0)
#define NVME_CSTS_CFS         (1u << 1)                         /* controller fatal status */
#define NVME_CSTS_SHST(s)     (((s) >> 2) & 3u)
/* 3.1.8 Admin Queue Attributes: sizes zero's based, SQ 11:0, CQ 27:16 */
#define NVME_REG_AQA          0x24
#define NVME_AQA(sq, cq)      ((uint32_t)((sq) - 1) | ((uint32_t)((cq) - 1) << 16))
/* 3.1.9 / 3.1.10 Admin Submission / Completion Queue Base Address (64-bit) */
#define NVME_REG_ASQ          0x28
#define NVME_REG_ACQ          0x30
/* 3.1.24 / 3.1.25 Submission Queue y Tail and Completion Queue y Head
 * Doorbells: from 0x1000, (2y) and (2y + 1) strides of 4 << CAP.DSTRD. */
#define NVME_REG_DOORBELLS    0x1000
#define NVME_SQ_TAIL_DB(y, stride) (NVME_REG_DOORBELLS + (2u * (y)) * (stride))
#define NVME_CQ_HEAD_DB(y, stride) (NVME_REG_DOORBELLS + (2u * (y) + 1) * (stride))

/* Identify data (1.4 5.15.2, Figure 247: controller; Figure 245: namespace),
 * byte offsets into the 4 KiB structure. */
#define NVME_ID_CTRL_SN       4    /* 23:04 serial number, ASCII, space padded */
#define NVME_ID_CTRL_MN       24   /* 63:24 model number */
#define NVME_ID_CTRL_FR       64   /* 71:64 firmware revision */
#define NVME_ID_CTRL_MDTS     77   /* max data transfer, 2^n min pages; 0 = no limit */
#define NVME_ID_CTRL_SQES     512  /* 3:0 required, 7:4 max SQ entry size, log2 */
#define NVME_ID_CTRL_CQES     513
#define NVME_ID_CTRL_NN       516  /* 519:516 number of namespaces */
#define NVME_ID_NS_NSZE       0    /* 7:0 size in logical blocks */
#define NVME_ID_NS_NLBAF      25   /* number of LBA formats, zero's based */
#define NVME_ID_NS_FLBAS      26   /* 3:0 the format in use */
#define NVME_ID_NS_LBAF       128  /* LBA format n at 128 + 4n: MS 15:0, LBADS 23:16 */

#endif

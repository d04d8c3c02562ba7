/* Intel VT-d remapping hardware: register offsets, bits and in-memory
 * layouts, with the specification's names (Intel VT-d Architecture
 * Specification; section numbers of revision 3.x beside each group). */
#ifndef DRIVERS_VTD_VTD_REGS_H
#define DRIVERS_VTD_VTD_REGS_H

#include <stdint.h>

/* 10.4.1 Version Register */
#define DMAR_VER_REG     0x00
/* 10.4.2 Capability Register */
#define DMAR_CAP_REG     0x08
/* 10.4.3 Extended Capability Register */
#define DMAR_ECAP_REG    0x10

/* 10.4.4 Global Command / 10.4.5 Global Status (same bit positions) */
#define DMAR_GCMD_REG    0x18
#define DMAR_GSTS_REG    0x1c
#define DMA_GCMD_TE      (1u << 31) /* translation enable */
#define DMA_GCMD_SRTP    (1u << 30) /* set root table pointer (one-shot) */
#define DMA_GCMD_SFL     (1u << 29) /* set fault log (one-shot) */
#define DMA_GCMD_EAFL    (1u << 28)
#define DMA_GCMD_WBF     (1u << 27) /* write buffer flush (one-shot) */
#define DMA_GCMD_QIE     (1u << 26) /* queued invalidation enable */
#define DMA_GCMD_IRE     (1u << 25) /* interrupt remapping enable */
#define DMA_GCMD_SIRTP   (1u << 24) /* set interrupt remap table pointer (one-shot) */
#define DMA_GCMD_CFI     (1u << 23) /* compatibility format interrupts */
/* Bits of GCMD that are commands, not state: never copied from GSTS. */
#define DMA_GCMD_ONE_SHOT (DMA_GCMD_SRTP | DMA_GCMD_SFL | DMA_GCMD_WBF | DMA_GCMD_SIRTP)
#define DMA_GSTS_TES     DMA_GCMD_TE
#define DMA_GSTS_RTPS    DMA_GCMD_SRTP
#define DMA_GSTS_WBFS    DMA_GCMD_WBF
#define DMA_GSTS_QIES    DMA_GCMD_QIE
#define DMA_GSTS_IRES    DMA_GCMD_IRE

/* 10.4.6 Root Table Address */
#define DMAR_RTADDR_REG  0x20
#define DMA_RTADDR_TTM_LEGACY (0ull << 10)

/* 10.4.7 Context Command */
#define DMAR_CCMD_REG    0x28
#define DMA_CCMD_ICC     (1ull << 63) /* invalidate context-cache (cleared when done) */
#define DMA_CCMD_GLOBAL  (1ull << 61) /* CIRG = 01 */
#define DMA_CCMD_DOMAIN  (2ull << 61) /* CIRG = 10 */
#define DMA_CCMD_DEVICE  (3ull << 61)
#define DMA_CCMD_CAIG(v) (((v) >> 59) & 3) /* granularity performed */
#define DMA_CCMD_DID(d)  ((uint64_t)(d) & 0xffff)
#define DMA_CCMD_CIRG(v) (((v) >> 61) & 3) /* granularity asked for */

/* How the granularity performed (CAIG) compares with the one asked for
 * (CIRG): both 1 global, 2 domain, 3 device, so a smaller number is wider;
 * CAIG 0 means the request was not performed (10.4.7). */
enum vtd_caig_verdict { VTD_CAIG_AS_ASKED, VTD_CAIG_WIDER, VTD_CAIG_NOT_AS_ASKED };
static inline enum vtd_caig_verdict vtd_caig_verdict(unsigned asked, unsigned done)
{
	if (done == 0 || done > asked)
		return VTD_CAIG_NOT_AS_ASKED;
	return done < asked ? VTD_CAIG_WIDER : VTD_CAIG_AS_ASKED;
}

/* 10.4.9 Fault Status */
#define DMAR_FSTS_REG    0x34
#define DMA_FSTS_PFO     (1u << 0) /* primary fault overflow */
#define DMA_FSTS_PPF     (1u << 1) /* primary pending fault (read-only) */
#define DMA_FSTS_IQE     (1u << 4) /* invalidation queue error */
#define DMA_FSTS_ICE     (1u << 5) /* invalidation completion error */
#define DMA_FSTS_ITE     (1u << 6) /* invalidation time-out error */
#define DMA_FSTS_FRI(v)  (((v) >> 8) & 0xff) /* fault record index */
#define DMA_FSTS_RW1C    (DMA_FSTS_PFO | DMA_FSTS_IQE | DMA_FSTS_ICE | DMA_FSTS_ITE)
/* 10.4.10 - 10.4.13 Fault Event Control, Data, Address, Upper Address */
#define DMAR_FECTL_REG   0x38
#define DMA_FECTL_IM     (1u << 31) /* interrupt mask */
#define DMA_FECTL_IP     (1u << 30) /* interrupt pending */
#define DMAR_FEDATA_REG  0x3c
#define DMAR_FEADDR_REG  0x40
#define DMAR_FEUADDR_REG 0x44

/* 10.4.16 Protected Memory Enable */
#define DMAR_PMEN_REG    0x64
#define DMA_PMEN_EPM     (1u << 31)
#define DMA_PMEN_PRS     (1u << 0)

/* 10.4.22 - 10.4.25 Invalidation queue: head, tail, address, completion status */
#define DMAR_IQH_REG     0x80
#define DMAR_IQT_REG     0x88
#define DMAR_IQA_REG     0x90
#define DMA_IQA_DW_256   (1ull << 11) /* 256-bit descriptors (scalable mode) */
#define DMAR_ICS_REG     0x9c
#define DMA_ICS_IWC      (1u << 0)
#define DMA_IQ_SHIFT     4 /* IQH/IQT hold a descriptor's byte offset: index << 4 */

/* 10.4.8 IOTLB registers, at ECAP.IRO * 16 */
#define DMAR_IVA_OFF     0x0 /* invalidate address */
#define DMAR_IOTLB_OFF   0x8
#define DMA_TLB_IVT      (1ull << 63) /* invalidate (cleared when done) */
#define DMA_TLB_GLOBAL   (1ull << 60) /* IIRG = 01 */
#define DMA_TLB_DOMAIN   (2ull << 60) /* IIRG = 10 */
#define DMA_TLB_PAGE     (3ull << 60) /* IIRG = 11 */
#define DMA_TLB_IAIG(v)  (((v) >> 57) & 3) /* granularity performed, 0 = error */
#define DMA_TLB_DR       (1ull << 49) /* drain reads */
#define DMA_TLB_DW       (1ull << 48) /* drain writes */
#define DMA_TLB_DID(d)   (((uint64_t)(d) & 0xffff) << 32)
#define DMA_IVA_IH       (1ull << 6) /* invalidation hint: leaf entries only */

/* CAP.FRO and ECAP.IRO give register offsets in 16-byte units (10.4.2, 10.4.3). */
#define VTD_REG_OFFSET_UNIT 16

/* Capability decoders (10.4.2). */
static inline unsigned cap_nd(uint64_t c) { return c & 7; }
static inline unsigned cap_rwbf(uint64_t c) { return (c >> 4) & 1; }
static inline unsigned cap_plmr(uint64_t c) { return (c >> 5) & 1; }
static inline unsigned cap_phmr(uint64_t c) { return (c >> 6) & 1; }
static inline unsigned cap_cm(uint64_t c) { return (c >> 7) & 1; }
static inline unsigned cap_sagaw(uint64_t c) { return (c >> 8) & 0x1f; }
static inline unsigned cap_mgaw(uint64_t c) { return ((c >> 16) & 0x3f) + 1; }
static inline unsigned cap_fro(uint64_t c) { return ((c >> 24) & 0x3ff) * VTD_REG_OFFSET_UNIT; }
static inline unsigned cap_sllps(uint64_t c) { return (c >> 34) & 0xf; }
static inline unsigned cap_psi(uint64_t c) { return (c >> 39) & 1; }
static inline unsigned cap_nfr(uint64_t c) { return ((c >> 40) & 0xff) + 1; }
static inline unsigned cap_mamv(uint64_t c) { return (c >> 48) & 0x3f; }
static inline unsigned cap_dwd(uint64_t c) { return (c >> 54) & 1; }
static inline unsigned cap_drd(uint64_t c) { return (c >> 55) & 1; }
static inline unsigned cap_esrtps(uint64_t c) { return (c >> 63) & 1; }
/* Number of domain ids the unit supports: 2^(4 + 2 * ND). */
static inline unsigned cap_ndoms(uint64_t c) { return 1u << (4 + 2 * cap_nd(c)); }

/* Extended capability decoders (10.4.3). */
static inline unsigned ecap_c(uint64_t e) { return e & 1; }
static inline unsigned ecap_qi(uint64_t e) { return (e >> 1) & 1; }
static inline unsigned ecap_dt(uint64_t e) { return (e >> 2) & 1; }
static inline unsigned ecap_ir(uint64_t e) { return (e >> 3) & 1; }
static inline unsigned ecap_eim(uint64_t e) { return (e >> 4) & 1; }
static inline unsigned ecap_pt(uint64_t e) { return (e >> 6) & 1; }
static inline unsigned ecap_sc(uint64_t e) { return (e >> 7) & 1; }
static inline unsigned ecap_iro(uint64_t e) { return ((e >> 8) & 0x3ff) * VTD_REG_OFFSET_UNIT; }
static inline unsigned ecap_mhmv(uint64_t e) { return (e >> 20) & 0xf; }
static inline unsigned ecap_nest(uint64_t e) { return (e >> 26) & 1; }
static inline unsigned ecap_smts(uint64_t e) { return (e >> 43) & 1; }
static inline unsigned ecap_slts(uint64_t e) { return (e >> 46) & 1; }
static inline unsigned ecap_flts(uint64_t e) { return (e >> 47) & 1; }

/* 9.1 Root entry (legacy mode): 128 bits, 256 per 4 KiB table. */
#define VTD_ROOT_P       (1ull << 0)
/* 9.3 Context entry (legacy mode): 128 bits, 256 per table, indexed by devfn. */
#define VTD_CTX_P        (1ull << 0)
#define VTD_CTX_FPD      (1ull << 1) /* fault processing disable */
#define VTD_CTX_TT_UNTRANSLATED (0ull << 2)
#define VTD_CTX_TT_PASSTHROUGH  (2ull << 2)
#define VTD_CTX_AW(aw)   ((uint64_t)(aw) & 7)   /* high word: 1 = 39-bit, 2 = 48-bit */
#define VTD_CTX_DID(d)   (((uint64_t)(d) & 0xffff) << 8) /* high word */
#define VTD_CTX_DID_OF(hi) ((unsigned)((hi) >> 8) & 0xffff)

struct vtd_entry128 {
	uint64_t lo, hi;
};
_Static_assert(sizeof(struct vtd_entry128) == 16, "root/context entry");

/* 9.8 Second-level paging entries */
#define VTD_PTE_R        (1ull << 0)
#define VTD_PTE_W        (1ull << 1)
#define VTD_PTE_PS       (1ull << 7) /* large page (PDE/PDPE) */
#define VTD_PTE_SNP      (1ull << 11)
#define VTD_PTE_ADDR     0x000ffffffffff000ull

/* 6.5.2 Invalidation descriptors (128-bit form, IQA.DW = 0): 16 bytes each,
 * and the head and tail registers count in them. */
#define VTD_QI_DESC_BYTES 16
_Static_assert(VTD_QI_DESC_BYTES == 1 << DMA_IQ_SHIFT, "IQH/IQT step one descriptor");
#define QI_CC_TYPE       0x1ull  /* context-cache invalidate */
#define QI_IOTLB_TYPE    0x2ull  /* IOTLB invalidate */
#define QI_IWD_TYPE      0x5ull  /* invalidation wait */
#define QI_GRAN_GLOBAL   (1ull << 4)
#define QI_GRAN_DOMAIN   (2ull << 4)
#define QI_GRAN_DEVICE_OR_PAGE (3ull << 4)
#define QI_IOTLB_DW      (1ull << 6)
#define QI_IOTLB_DR      (1ull << 7)
#define QI_DID(d)        (((uint64_t)(d) & 0xffff) << 16)
#define QI_IOTLB_AM(am)  ((uint64_t)(am) & 0x3f) /* high word */
#define QI_IOTLB_IH      (1ull << 6)             /* high word */
#define QI_IWD_SW        (1ull << 5) /* status write */
#define QI_IWD_FN        (1ull << 6) /* fence */
#define QI_IWD_DATA(v)   ((uint64_t)(v) << 32)

/* 10.4.14 Fault recording registers, 128 bits each at CAP.FRO */
#define VTD_FRCD_BYTES   16
#define VTD_FRCD_LO      0x0 /* fault info */
#define VTD_FRCD_HI      0x8 /* source id, reason, type, F */
#define VTD_FRCD_F_DWORD 0xc /* bits 127:96, the dword F is cleared through */
#define VTD_FRCD_FI(lo)  ((lo) & ~(uint64_t)0xfff) /* low word: faulting page address (63:12) */
#define VTD_FRCD_F       (1ull << 63) /* high word: fault */
#define VTD_FRCD_T       (1ull << 62) /* high word: 1 = read, 0 = write (legacy) */
#define VTD_FRCD_FR(hi)  (((hi) >> 32) & 0xff) /* fault reason */
#define VTD_FRCD_SID(hi) ((hi) & 0xffff)

#endif

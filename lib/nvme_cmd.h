/* NVMe submission and completion queue entries and the builders of the
 * only commands vtdbench issues: Read (I/O) and Identify, Create/Delete
 * I/O Completion/Submission Queue, Set Features Number of Queues (admin).
 * There is no builder for any command that writes or changes the medium
 * (Write, Write Zeroes, Flush, Dataset Management, Format NVM, Sanitize,
 * firmware commands...), and Set Features can be built for one feature
 * only, the number of I/O queues, which the controller forgets at reset:
 * the driver cannot issue anything else. Section numbers are those of the NVM Express
 * Base Specification 1.4. Plain C, no hardware. */
#ifndef LIB_NVME_CMD_H
#define LIB_NVME_CMD_H

#include <stddef.h>
#include <stdint.h>

/* Admin command opcodes (1.4 5, Figure 139). Kept apart from the I/O
 * ones: Delete I/O SQ shares its value 0x00 with the I/O Flush command. */
enum nvme_admin_opcode {
	NVME_ADMIN_DELETE_SQ = 0x00, /* 5.6 Delete I/O Submission Queue */
	NVME_ADMIN_CREATE_SQ = 0x01, /* 5.4 Create I/O Submission Queue */
	NVME_ADMIN_DELETE_CQ = 0x04, /* 5.5 Delete I/O Completion Queue */
	NVME_ADMIN_CREATE_CQ = 0x05, /* 5.3 Create I/O Completion Queue */
	NVME_ADMIN_IDENTIFY  = 0x06, /* 5.15 Identify */
	NVME_ADMIN_SET_FEATURES = 0x09, /* 5.21 Set Features: Number of Queues only */
};

/* Feature identifiers (1.4 5.21.1): the one Set Features may
 * name. It changes no media and is not saved (SV 0): 5.21.1.7. */
enum nvme_feature_id {
	NVME_FEAT_NUM_QUEUES = 0x07, /* 5.21.1.7 Number of Queues */
};

/* NVM command set I/O opcodes (1.4 6, Figure 346): Read only. */
enum nvme_io_opcode {
	NVME_IO_READ = 0x02,         /* 6.9 Read */
};

/* Identify CNS values (1.4 5.15.1, Figure 244). */
enum nvme_identify_cns {
	NVME_CNS_NAMESPACE   = 0x00, /* Identify Namespace data structure */
	NVME_CNS_CONTROLLER  = 0x01, /* Identify Controller data structure */
	NVME_CNS_ACTIVE_NSID = 0x02, /* active namespace ID list */
};

/* Submission queue entry (1.4 4.2, Figure 105: common command format). */
struct nvme_sqe {
	uint8_t opc;                 /* CDW0 7:0 opcode */
	uint8_t flags;               /* CDW0 15:8 FUSE (9:8), PSDT (15:14): 0 = PRPs */
	uint16_t cid;                /* CDW0 31:16 command identifier */
	uint32_t nsid;               /* CDW1 */
	uint32_t cdw2, cdw3;
	uint64_t mptr;               /* CDW4-5 metadata pointer */
	uint64_t prp1, prp2;         /* CDW6-9 data pointer (4.3 PRPs) */
	uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};
_Static_assert(sizeof(struct nvme_sqe) == 64, "NVMe 1.4 4.2: 64-byte submission queue entry");
_Static_assert(offsetof(struct nvme_sqe, prp1) == 24 && offsetof(struct nvme_sqe, cdw10) == 40,
	       "NVMe 1.4 Figure 105: PRP1 at byte 24, CDW10 at byte 40");

/* Completion queue entry (1.4 4.6, Figure 123). */
struct nvme_cqe {
	uint32_t dw0;                /* command specific */
	uint32_t dw1;
	uint16_t sqhd;               /* DW2 15:0 submission queue head pointer */
	uint16_t sqid;               /* DW2 31:16 */
	uint16_t cid;                /* DW3 15:0 */
	uint16_t status;             /* DW3 31:16: phase tag (bit 0) and status field */
};
_Static_assert(sizeof(struct nvme_cqe) == 16, "NVMe 1.4 4.6: 16-byte completion queue entry");

/* The status half of DW3 (1.4 4.6.1, Figure 125 and 4.6.1.1 Figure 126). */
#define NVME_CQE_PHASE        (1u << 0)
#define NVME_CQE_SC(st)       (((unsigned)(st) >> 1) & 0xffu)  /* status code */
#define NVME_CQE_SCT(st)      (((unsigned)(st) >> 9) & 0x7u)   /* status code type */
#define NVME_CQE_DNR          (1u << 15)                       /* do not retry */
/* A status as the driver hands it out: SCT << 8 | SC, 0 = success. */
#define NVME_STATUS(st)       ((uint16_t)(NVME_CQE_SCT(st) << 8 | NVME_CQE_SC(st)))

/* Status code types (1.4 4.6.1.1, Figure 127). */
#define NVME_SCT_GENERIC      0
#define NVME_SCT_COMMAND      1
#define NVME_SCT_MEDIA        2
#define NVME_SCT_PATH         3

/* Builders: each clears the whole entry and fills in what its command
 * needs; cid is the caller's. */
/* 5.15: CNS 1 (controller, nsid 0), 0 (namespace nsid), 2 (active
 * namespace IDs above nsid). buf: the device address of a 4 KiB buffer
 * (page aligned: PRP1 alone covers it). */
void nvme_cmd_identify(struct nvme_sqe *e, uint16_t cid, enum nvme_identify_cns cns,
		       uint32_t nsid, uint64_t buf);
/* 5.3: a physically contiguous completion queue of `entries` entries at
 * device address `base`, interrupts disabled (polled). */
void nvme_cmd_create_cq(struct nvme_sqe *e, uint16_t cid, uint16_t qid, uint32_t entries,
			uint64_t base);
/* 5.4: a physically contiguous submission queue completing on cqid. */
void nvme_cmd_create_sq(struct nvme_sqe *e, uint16_t cid, uint16_t qid, uint32_t entries,
			uint64_t base, uint16_t cqid);
/* 5.21.1.7 Set Features, Number of Queues: asks for `sq` I/O submission
 * and `cq` I/O completion queues (1..65535 each). Completion DW0 says
 * what was granted: NVME_NUMQ_NSQA / NVME_NUMQ_NCQA, zero's based. */
void nvme_cmd_set_num_queues(struct nvme_sqe *e, uint16_t cid, uint32_t sq, uint32_t cq);
#define NVME_NUMQ_NSQA(dw0)   ((unsigned)((dw0) & 0xffffu) + 1)   /* 5.21.1.7: completion DW0 */
#define NVME_NUMQ_NCQA(dw0)   ((unsigned)((dw0) >> 16) + 1)
/* 5.6 and 5.5. */
void nvme_cmd_delete_sq(struct nvme_sqe *e, uint16_t cid, uint16_t qid);
void nvme_cmd_delete_cq(struct nvme_sqe *e, uint16_t cid, uint16_t qid);
/* 6.9: `blocks` (1..65536) logical blocks from `lba` of namespace nsid
 * into the PRP pair. */
void nvme_cmd_read(struct nvme_sqe *e, uint16_t cid, uint32_t nsid, uint64_t lba,
		   uint32_t blocks, uint64_t prp1, uint64_t prp2);

/* "Generic: LBA Out of Range" for a status (SCT << 8 | SC); "SCT x SC y"
 * for codes not named here. The text is static or, for unnamed codes, in
 * a buffer the next call overwrites. */
const char *nvme_status_string(uint16_t status);

#endif

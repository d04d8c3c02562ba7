/* The NVMe command builders and the status decoder (lib/nvme_cmd.h).
 * Section and figure numbers: NVM Express Base Specification 1.4. */
#include "lib/nvme_cmd.h"
#include "lib/fmt.h"
#include "lib/string.h"

/* Create I/O CQ/SQ CDW11 (5.3 Figure 149, 5.4 Figure 153). */
#define QUEUE_PC             (1u << 0)  /* physically contiguous */
#define CQ_IEN               (1u << 1)  /* interrupts enabled: never set here */
#define SQ_CQID(q)           ((uint32_t)(q) << 16)
/* CDW10 of the queue commands: QID 15:0, QSIZE 31:16, zero's based. */
#define QUEUE_CDW10(qid, entries) ((uint32_t)(qid) | ((uint32_t)((entries) - 1) << 16))

static void clear(struct nvme_sqe *e, uint16_t cid)
{
	memset(e, 0, sizeof(*e)); /* FUSE 0 (normal), PSDT 0 (PRPs) */
	e->cid = cid;
}

void nvme_cmd_identify(struct nvme_sqe *e, uint16_t cid, enum nvme_identify_cns cns,
		       uint32_t nsid, uint64_t buf)
{
	clear(e, cid);
	e->opc = NVME_ADMIN_IDENTIFY;
	e->nsid = nsid;
	e->prp1 = buf;
	e->cdw10 = (uint32_t)cns;      /* 5.15.1 Figure 241: CNS 7:0, CNTID 31:16 = 0 */
}

void nvme_cmd_create_cq(struct nvme_sqe *e, uint16_t cid, uint16_t qid, uint32_t entries,
			uint64_t base)
{
	clear(e, cid);
	e->opc = NVME_ADMIN_CREATE_CQ;
	e->prp1 = base;
	e->cdw10 = QUEUE_CDW10(qid, entries);
	e->cdw11 = QUEUE_PC;           /* IEN 0, IV 0: polled */
}

void nvme_cmd_create_sq(struct nvme_sqe *e, uint16_t cid, uint16_t qid, uint32_t entries,
			uint64_t base, uint16_t cqid)
{
	clear(e, cid);
	e->opc = NVME_ADMIN_CREATE_SQ;
	e->prp1 = base;
	e->cdw10 = QUEUE_CDW10(qid, entries);
	e->cdw11 = QUEUE_PC | SQ_CQID(cqid); /* QPRIO 0: round robin ignores it */
}

/* CDW10 (5.21): FID 7:0, SV bit 31 clear; CDW11 (5.21.1.7):
 * NSQR 15:0, NCQR 31:16, both zero's based. */
void nvme_cmd_set_num_queues(struct nvme_sqe *e, uint16_t cid, uint32_t sq, uint32_t cq)
{
	clear(e, cid);
	e->opc = NVME_ADMIN_SET_FEATURES;
	e->cdw10 = NVME_FEAT_NUM_QUEUES;
	e->cdw11 = ((sq - 1) & 0xffffu) | ((cq - 1) & 0xffffu) << 16;
}

void nvme_cmd_delete_sq(struct nvme_sqe *e, uint16_t cid, uint16_t qid)
{
	clear(e, cid);
	e->opc = NVME_ADMIN_DELETE_SQ;
	e->cdw10 = qid;                /* 5.6 Figure 160 */
}

void nvme_cmd_delete_cq(struct nvme_sqe *e, uint16_t cid, uint16_t qid)
{
	clear(e, cid);
	e->opc = NVME_ADMIN_DELETE_CQ;
	e->cdw10 = qid;                /* 5.5 Figure 157 */
}

void nvme_cmd_read(struct nvme_sqe *e, uint16_t cid, uint32_t nsid, uint64_t lba,
		   uint32_t blocks, uint64_t prp1, uint64_t prp2)
{
	clear(e, cid);
	e->opc = NVME_IO_READ;
	e->nsid = nsid;
	e->prp1 = prp1;
	e->prp2 = prp2;
	e->cdw10 = (uint32_t)lba;      /* 6.9 Figure 372: SLBA 31:0 */
	e->cdw11 = (uint32_t)(lba >> 32);
	e->cdw12 = (blocks - 1) & 0xffffu; /* NLB, zero's based; LR, FUA, PRINFO 0 */
}

/* Generic command status (1.4 4.6.1.2.1, Figure 128), 0x00-0x16, and the
 * NVM command set's generic codes 0x80-0x84. */
static const char *const generic[] = {
	[0x00] = "Successful Completion",
	[0x01] = "Invalid Command Opcode",
	[0x02] = "Invalid Field in Command",
	[0x03] = "Command ID Conflict",
	[0x04] = "Data Transfer Error",
	[0x05] = "Commands Aborted due to Power Loss Notification",
	[0x06] = "Internal Error",
	[0x07] = "Command Abort Requested",
	[0x08] = "Command Aborted due to SQ Deletion",
	[0x09] = "Command Aborted due to Failed Fused Command",
	[0x0a] = "Command Aborted due to Missing Fused Command",
	[0x0b] = "Invalid Namespace or Format",
	[0x0c] = "Command Sequence Error",
	[0x0d] = "Invalid SGL Segment Descriptor",
	[0x0e] = "Invalid Number of SGL Descriptors",
	[0x0f] = "Data SGL Length Invalid",
	[0x10] = "Metadata SGL Length Invalid",
	[0x11] = "SGL Descriptor Type Invalid",
	[0x12] = "Invalid Use of Controller Memory Buffer",
	[0x13] = "PRP Offset Invalid",
	[0x14] = "Atomic Write Unit Exceeded",
	[0x15] = "Operation Denied",
	[0x16] = "SGL Offset Invalid",
};
static const char *const generic_nvm[] = {
	[0x00] = "LBA Out of Range",            /* 0x80 */
	[0x01] = "Capacity Exceeded",
	[0x02] = "Namespace Not Ready",
	[0x03] = "Reservation Conflict",
	[0x04] = "Format In Progress",
};
/* Command specific status (4.6.1.2.2, Figure 129), those of the queue
 * commands the driver issues. */
static const char *const command[] = {
	[0x00] = "Completion Queue Invalid",
	[0x01] = "Invalid Queue Identifier",
	[0x02] = "Invalid Queue Size",
	[0x08] = "Invalid Interrupt Vector",
	[0x0c] = "Invalid Queue Deletion",
};
/* Media and data integrity errors (4.6.1.2.3, Figure 131). */
static const char *const media[] = {
	[0x00] = "Write Fault",                 /* 0x80 */
	[0x01] = "Unrecovered Read Error",
	[0x02] = "End-to-end Guard Check Error",
	[0x03] = "End-to-end Application Tag Check Error",
	[0x04] = "End-to-end Reference Tag Check Error",
	[0x05] = "Compare Failure",
	[0x06] = "Access Denied",
	[0x07] = "Deallocated or Unwritten Logical Block",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *lookup(const char *const *table, unsigned n, unsigned i)
{
	return i < n ? table[i] : NULL;
}

const char *nvme_status_string(uint16_t status)
{
	static char text[64];
	static char unnamed[24];
	unsigned sct = status >> 8, sc = status & 0xffu;
	const char *kind = NULL, *name = NULL;

	switch (sct) {
	case NVME_SCT_GENERIC:
		kind = "Generic";
		name = sc >= 0x80 ? lookup(generic_nvm, COUNT(generic_nvm), sc - 0x80)
				  : lookup(generic, COUNT(generic), sc);
		break;
	case NVME_SCT_COMMAND:
		kind = "Command Specific";
		name = lookup(command, COUNT(command), sc);
		break;
	case NVME_SCT_MEDIA:
		kind = "Media Error";
		name = sc >= 0x80 ? lookup(media, COUNT(media), sc - 0x80) : NULL;
		break;
	default:
		break;
	}
	if (!name) {
		fmt_snprintf(unnamed, sizeof(unnamed), "SCT %u SC 0x%02x", sct, sc);
		return unnamed;
	}
	fmt_snprintf(text, sizeof(text), "%s: %s", kind, name);
	return text;
}

/* One submission/completion queue pair (NVMe 1.4 4.1 Submission Queue
 * and Completion Queue Definition): the tail the host fills, the head it
 * consumes, the phase tag that tells a new completion from an old one,
 * and the doorbells that tell the controller. */
#include "drivers/nvme/nvme_internal.h"
#include "drivers/nvme/nvme_regs.h"
#include "lib/string.h"

void nvme_queue_reset(struct nvme_ctrl *c, struct nvme_queue *q, unsigned qid, uint64_t sq,
		      uint64_t cq, uint64_t sq_dev, uint64_t cq_dev, uint32_t entries)
{
	memset((void *)sq, 0, entries * sizeof(struct nvme_sqe));
	memset((void *)cq, 0, entries * sizeof(struct nvme_cqe));
	*q = (struct nvme_queue){
		.sq = (struct nvme_sqe *)sq, .cq = (volatile struct nvme_cqe *)cq,
		.sq_dev = sq_dev, .cq_dev = cq_dev, .entries = entries, .phase = 1,
		.sq_db = NVME_SQ_TAIL_DB(qid, c->db_stride),
		.cq_db = NVME_CQ_HEAD_DB(qid, c->db_stride),
		.ctrl = c, .nsid = c->info.nsid,
	};
}

void nvme_queue_advance(struct nvme_queue *q)
{
	q->sq_tail = q->sq_tail + 1 == q->entries ? 0 : q->sq_tail + 1;
}

bool nvme_queue_take(struct nvme_queue *q, struct nvme_cqe *out)
{
	volatile struct nvme_cqe *e = &q->cq[q->cq_head];
	uint16_t status = e->status;

	if ((status & NVME_CQE_PHASE) != q->phase)
		return false;
	/* The rest of the entry is read after the phase tag said it is new. */
	__asm__ volatile("lfence" ::: "memory");
	out->dw0 = e->dw0;
	out->dw1 = 0; /* reserved (4.6, Figure 123): not read */
	out->sqhd = e->sqhd;
	out->sqid = e->sqid;
	out->cid = e->cid;
	out->status = status;
	if (++q->cq_head == q->entries) {
		q->cq_head = 0;
		q->phase ^= 1; /* 4.6: the controller inverts the tag on each pass */
	}
	return true;
}

void nvme_queue_ring_sq(struct nvme_ctrl *c, struct nvme_queue *q)
{
	if (q->sq_tail == q->sq_tail_rung)
		return;
	/* The entries must be in memory before the controller sees the tail. */
	__asm__ volatile("sfence" ::: "memory");
	nvme_wr32(c, q->sq_db, q->sq_tail);
	q->sq_tail_rung = q->sq_tail;
}

void nvme_queue_ring_cq(struct nvme_ctrl *c, struct nvme_queue *q)
{
	if (q->cq_head == q->cq_head_rung)
		return;
	nvme_wr32(c, q->cq_db, q->cq_head);
	q->cq_head_rung = q->cq_head;
}

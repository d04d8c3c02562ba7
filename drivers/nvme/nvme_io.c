/* Reads on an I/O queue pair: the measured path. Each call touches its
 * pair's state and memory only, except nvme_q_ring and nvme_q_cq_done,
 * which write one doorbell each for everything since their last call. */
#include "drivers/nvme/nvme_internal.h"

struct nvme_queue *nvme_queue(struct nvme_ctrl *c, unsigned i)
{
	return i < c->pairs ? &c->io[i] : NULL;
}

int nvme_q_submit_read(struct nvme_queue *q, uint64_t lba, uint32_t blocks, uint64_t prp1,
		       uint64_t prp2, uint16_t tag)
{
	if (q->inflight >= q->qd)
		return -1;
	nvme_cmd_read(nvme_queue_slot(q), tag, q->nsid, lba, blocks, prp1, prp2);
	nvme_queue_advance(q);
	q->inflight++;
	return 0;
}

void nvme_q_ring(struct nvme_queue *q)
{
	nvme_queue_ring_sq(q->ctrl, q);
}

int nvme_q_poll(struct nvme_queue *q, uint16_t *tag, uint16_t *status)
{
	struct nvme_cqe done;

	if (!nvme_queue_take(q, &done))
		return 0;
	q->inflight--;
	*tag = done.cid;
	*status = NVME_STATUS(done.status);
	return 1;
}

void nvme_q_cq_done(struct nvme_queue *q)
{
	nvme_queue_ring_cq(q->ctrl, q);
}

int nvme_submit_read(struct nvme_ctrl *c, uint64_t lba, uint32_t blocks, uint64_t prp1,
		     uint64_t prp2, uint16_t tag)
{
	return nvme_q_submit_read(&c->io[0], lba, blocks, prp1, prp2, tag);
}

void nvme_ring(struct nvme_ctrl *c)
{
	nvme_q_ring(&c->io[0]);
}

int nvme_poll(struct nvme_ctrl *c, uint16_t *tag, uint16_t *status)
{
	return nvme_q_poll(&c->io[0], tag, status);
}

void nvme_cq_done(struct nvme_ctrl *c)
{
	nvme_q_cq_done(&c->io[0]);
}

const char *nvme_status_text(uint16_t status)
{
	return nvme_status_string(status);
}

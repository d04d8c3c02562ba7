/* Reads on the one I/O queue pair: the measured path. Each call touches
 * queue memory only, except nvme_ring and nvme_cq_done, which write one
 * doorbell each for everything since their last call. */
#include "drivers/nvme/nvme_internal.h"

int nvme_submit_read(struct nvme_ctrl *c, uint64_t lba, uint32_t blocks, uint64_t prp1,
		     uint64_t prp2, uint16_t tag)
{
	if (c->inflight >= c->qd || !c->io_queues)
		return -1;
	nvme_cmd_read(nvme_queue_slot(&c->io), tag, c->info.nsid, lba, blocks, prp1, prp2);
	nvme_queue_advance(&c->io);
	c->inflight++;
	return 0;
}

void nvme_ring(struct nvme_ctrl *c)
{
	nvme_queue_ring_sq(c, &c->io);
}

int nvme_poll(struct nvme_ctrl *c, uint16_t *tag, uint16_t *status)
{
	struct nvme_cqe done;

	if (!nvme_queue_take(&c->io, &done))
		return 0;
	c->inflight--;
	*tag = done.cid;
	*status = NVME_STATUS(done.status);
	return 1;
}

void nvme_cq_done(struct nvme_ctrl *c)
{
	nvme_queue_ring_cq(c, &c->io);
}

const char *nvme_status_text(uint16_t status)
{
	return nvme_status_string(status);
}

/* Admin commands, one at a time: the command goes into the admin
 * submission queue, the doorbell is rung, and its completion is awaited
 * within a bound that names the command when it passes. */
#include "drivers/nvme/nvme_internal.h"
#include "drivers/nvme/nvme_regs.h"
#include "kernel/console.h"
#include "kernel/tsc.h"

int nvme_admin_run(struct nvme_ctrl *c, struct nvme_sqe *cmd, uint64_t timeout_us,
		   const char *what, uint32_t *dw0)
{
	struct nvme_queue *q = &c->admin;
	struct nvme_cqe done;

	cmd->cid = ++c->admin_cid;
	*nvme_queue_slot(q) = *cmd;
	nvme_queue_advance(q);
	nvme_queue_ring_sq(c, q);
	uint64_t end = nvme_now() + tsc_from_us(timeout_us);
	for (;;) {
		if (nvme_queue_take(q, &done)) {
			nvme_queue_ring_cq(c, q);
			if (done.cid != cmd->cid) {
				kprintf("nvme: %s: a completion for command %u came instead of %u\n",
					what, done.cid, cmd->cid);
				continue; /* a stale one: this command's may still come */
			}
			uint16_t status = NVME_STATUS(done.status);
			if (dw0)
				*dw0 = done.dw0;
			if (status)
				kprintf("nvme: %s failed: %s (status 0x%03x)\n", what,
					nvme_status_string(status), status);
			return status;
		}
		if (nvme_now() > end)
			break;
		nvme_relax();
	}
	uint32_t csts = nvme_rd32(c, NVME_REG_CSTS);
	kprintf("nvme: no completion of %s within %lu ms (CSTS 0x%x%s)\n", what,
		timeout_us / 1000, csts,
		(csts & NVME_CSTS_CFS) ? ": controller fatal status (CSTS.CFS) is set" : "");
	return -1;
}

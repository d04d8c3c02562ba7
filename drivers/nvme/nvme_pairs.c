/* The I/O queue pairs (NVMe 1.4 7.6.1 step 7 and 8): how many the
 * controller grants (5.21.1.7 Number of Queues), each one's memory mapped
 * for the device and its completion queue created before the submission
 * queue that completes on it (5.3, 5.4); at the end each submission queue
 * deleted before its completion queue (5.6, 5.5). Pair i has queue id
 * i + 1 and its own doorbells (3.1.24, 3.1.25: CAP.DSTRD apart). */
#include "drivers/nvme/nvme_internal.h"
#include "kernel/console.h"
#include "kernel/mem.h"
#include "lib/fmt.h"
#include "lib/page.h"

#define WHAT_LEN 48

/* How many pairs to create: one needs no asking (every controller has at
 * least one I/O queue pair, 5.21.1.7), more are asked for once after the
 * reset. The controller may grant fewer or more than asked (zero's based
 * NSQA/NCQA in DW0): fewer is used and said, more is not used. 0 when
 * the controller did not answer. */
static unsigned granted_pairs(struct nvme_ctrl *c, unsigned asked)
{
	struct nvme_sqe cmd;
	uint32_t dw0 = 0;

	if (asked == 1)
		return 1;
	nvme_cmd_set_num_queues(&cmd, 0, asked, asked);
	int st = nvme_admin_run(c, &cmd, NVME_CMD_TIMEOUT_US,
				"Set Features Number of Queues (FID 07h)", &dw0);
	if (st < 0)
		return 0;
	if (st > 0) {
		kprintf("nvme: asked for %u I/O queue pairs and was refused: using one\n", asked);
		return 1;
	}
	unsigned sq = NVME_NUMQ_NSQA(dw0), cq = NVME_NUMQ_NCQA(dw0);
	unsigned granted = sq < cq ? sq : cq;
	if (granted >= asked)
		return asked;
	kprintf("nvme: asked for %u I/O queue pairs, the controller grants %u (NSQA %u, NCQA %u, "
		"zero's based): using %u\n", asked, granted, sq - 1, cq - 1, granted);
	return granted;
}

/* The pair's pages, allocated the first time it is made and kept (the
 * controller may still hold their addresses after a failed stop), and
 * mapped for the device. */
static int pair_memory(struct nvme_ctrl *c, const struct nvme_dma *dma, unsigned i,
		       uint64_t *sq_dev, uint64_t *cq_dev)
{
	if (!c->io_mem[i] && !(c->io_mem[i] = page_alloc(NVME_IOQ_PAGES))) {
		kprintf("nvme: out of memory for I/O queue pair %u\n", NVME_IOQ_ID(i));
		return -1;
	}
	uint64_t sq = c->io_mem[i], cq = sq + NVME_IOQ_SQ_PAGES * PAGE_SIZE;
	if (dma->map(dma->ctx, sq, NVME_IOQ_SQ_PAGES * PAGE_SIZE, sq_dev) ||
	    dma->map(dma->ctx, cq, PAGE_SIZE, cq_dev)) {
		kprintf("nvme: I/O queue pair %u could not be mapped for the device\n",
			NVME_IOQ_ID(i));
		return -1;
	}
	return 0;
}

/* Runs a queue command whose message names its queue id. */
static int queue_cmd(struct nvme_ctrl *c, struct nvme_sqe *cmd, const char *verb, unsigned qid)
{
	char what[WHAT_LEN];

	fmt_snprintf(what, sizeof(what), "%s (queue id %u)", verb, qid);
	return nvme_admin_run(c, cmd, NVME_CMD_TIMEOUT_US, what, NULL);
}

static int create_pair(struct nvme_ctrl *c, const struct nvme_dma *dma, unsigned i, unsigned qd)
{
	struct nvme_queue *q = &c->io[i];
	unsigned qid = NVME_IOQ_ID(i);
	uint32_t entries = qd + 1;
	uint64_t sq_dev, cq_dev;
	struct nvme_sqe cmd;

	if (pair_memory(c, dma, i, &sq_dev, &cq_dev))
		return -1;
	nvme_queue_reset(c, q, qid, c->io_mem[i], c->io_mem[i] + NVME_IOQ_SQ_PAGES * PAGE_SIZE,
			 sq_dev, cq_dev, entries);
	nvme_cmd_create_cq(&cmd, 0, (uint16_t)qid, entries, cq_dev);
	if (queue_cmd(c, &cmd, "Create I/O Completion Queue", qid))
		return -1;
	nvme_cmd_create_sq(&cmd, 0, (uint16_t)qid, entries, sq_dev, (uint16_t)qid);
	if (queue_cmd(c, &cmd, "Create I/O Submission Queue", qid)) {
		nvme_cmd_delete_cq(&cmd, 0, (uint16_t)qid);
		(void)queue_cmd(c, &cmd, "Delete I/O Completion Queue", qid);
		return -1;
	}
	q->qd = qd;
	return 0;
}

int nvme_pairs_create(struct nvme_ctrl *c, const struct nvme_dma *dma, unsigned qd,
		      unsigned asked)
{
	unsigned n = granted_pairs(c, asked);

	if (!n)
		return -1;
	for (c->pairs = 0; c->pairs < n; c->pairs++)
		if (create_pair(c, dma, c->pairs, qd)) {
			(void)nvme_pairs_delete(c);
			return -1;
		}
	c->info.max_queue_pairs = n;
	return 0;
}

int nvme_pairs_delete(struct nvme_ctrl *c)
{
	struct nvme_sqe cmd;
	int rc = 0;

	while (c->pairs) {
		unsigned qid = NVME_IOQ_ID(--c->pairs);
		c->io[c->pairs].qd = 0; /* no read goes to a queue being deleted */
		nvme_cmd_delete_sq(&cmd, 0, (uint16_t)qid);
		if (queue_cmd(c, &cmd, "Delete I/O Submission Queue", qid))
			rc = -1;
		nvme_cmd_delete_cq(&cmd, 0, (uint16_t)qid);
		if (queue_cmd(c, &cmd, "Delete I/O Completion Queue", qid))
			rc = -1;
	}
	return rc;
}

/* The NVMe driver's start-up protocol and queues on a simulated
 * controller (tests/host/nvme_sim.h): reset, admin queue, enable within
 * CAP.TO, Identify, the I/O pairs (one without asking; several after Set
 * Features Number of Queues, as many as granted, each with its own
 * doorbells), reads with the phase tag wrapping, and stop; a controller
 * that never gets ready or reports a fatal status makes nvme_start fail
 * within its bound, saying what it waited for; a failed queue creation
 * names the queue. */
#include <stdlib.h>
#include "check.h"
#include "drivers/nvme/nvme_internal.h"
#include "drivers/nvme/nvme_regs.h"
#include "lib/block_pattern.h"
#include "tests/host/nvme_sim.h"

/* CAP (3.1.1): MQES 0x7ff, CQR, TO 2 (1 s), DSTRD 0, CSS NVM, MPSMIN 0. */
#define SIM_CAP ((uint64_t)0x7ff | 1ull << 16 | 2ull << 24 | 1ull << 37)
#define TIMEOUT_TICKS 1000000000ull /* CAP.TO 2 = 1 s at the simulated 1 GHz */

static struct nvme_ctrl ctrl;
static unsigned maps;

static int map_identity(void *ctx, uint64_t phys, size_t len, uint64_t *dev)
{
	(void)ctx;
	(void)len;
	maps++;
	*dev = phys;
	return 0;
}

static const struct nvme_dma dma = { map_identity, NULL };

static uint64_t pages(unsigned n)
{
	void *p = aligned_alloc(4096, n * 4096);

	memset(p, 0x5a, n * 4096); /* stale content the driver must clear */
	return (uint64_t)(uintptr_t)p;
}

/* What nvme_probe sets up on real hardware. */
static struct nvme_ctrl *sim_ctrl(uint64_t cap)
{
	static bool allocated;
	static uint64_t asq, acq, id;
	uint64_t io_mem[NVME_MAX_PAIRS];

	if (!allocated) {
		asq = pages(1), acq = pages(1), id = pages(1);
		allocated = true;
	}
	nvme_sim_reset(cap);
	maps = 0;
	/* The pairs' pages stay the driver's from one start to the next. */
	memcpy(io_mem, ctrl.io_mem, sizeof(io_mem));
	ctrl = (struct nvme_ctrl){ .info = { .cap = cap }, .db_stride = 4u << NVME_CAP_DSTRD(cap),
				   .admin_sq = asq, .admin_cq = acq, .identify = id };
	memcpy(ctrl.io_mem, io_mem, sizeof(io_mem));
	return &ctrl;
}

/* Every command the controller saw is an allowed one: Read on an I/O
 * queue; Identify, Create/Delete I/O SQ/CQ and Set Features on the admin
 * queue, Set Features for Number of Queues (FID 07h) only. */
static void check_only_allowed_commands(void)
{
	for (unsigned i = 0; i < nvme_sim.nopcodes; i++) {
		uint8_t o = nvme_sim.opcodes[i].opc;
		CHECK(nvme_sim.opcodes[i].admin ? (o <= 1 || (o >= 4 && o <= 6) || o == 9)
						: o == 0x02);
	}
	for (unsigned i = 0; i < nvme_sim.nfeatures; i++)
		CHECK_EQ_U64(nvme_sim.features[i], 0x07);
}

static void test_start_identifies_and_configures(void)
{
	struct nvme_ctrl *c = sim_ctrl(SIM_CAP);

	nvme_sim.rdy_delay = 3;
	CHECK_EQ_U64(nvme_start(c, &dma, 4, 1), 0);
	const struct nvme_info *in = nvme_get_info(c);
	CHECK_STR_EQ(in->model, "Simulated NVMe");
	CHECK_STR_EQ(in->serial, "SIM0001");
	CHECK_STR_EQ(in->firmware, "1.0");
	CHECK_EQ_U64(in->max_transfer, 4096u << 5);
	CHECK_EQ_U64(in->nsid, 1);
	CHECK_EQ_U64(in->blocks, 1000);
	CHECK_EQ_U64(in->block_size, 512);
	CHECK_EQ_U64(in->max_qd, NVME_MAX_QD);
	CHECK_EQ_U64(in->max_queue_pairs, 1);
	CHECK(nvme_queue(c, 0) != NULL);
	CHECK(nvme_queue(c, 1) == NULL);
	/* 3.1.5: IOCQES 4, IOSQES 6, MPS 0 (4 KiB), CSS NVM, EN. */
	CHECK_EQ_U64(nvme_sim.cc, 4u << 20 | 6u << 16 | 1);
	CHECK_EQ_U64(nvme_sim.aqa, (NVME_AQ_ENTRIES - 1) | (NVME_AQ_ENTRIES - 1) << 16);
	CHECK_EQ_U64(nvme_sim.asq, c->admin_sq);
	CHECK_EQ_U64(nvme_sim.acq, c->admin_cq);
	CHECK_EQ_U64(maps, 5);
	CHECK(nvme_sim.bus_master);
	CHECK_EQ_U64(nvme_sim.violations, 0);
	/* Identify controller, active namespaces, namespace; CQ before SQ; one
	 * pair is not asked for (no Set Features). */
	static const uint8_t want[] = { 0x06, 0x06, 0x06, 0x05, 0x01 };
	CHECK_EQ_U64(nvme_sim.nopcodes, sizeof(want));
	for (unsigned i = 0; i < nvme_sim.nopcodes && i < sizeof(want); i++) {
		CHECK(nvme_sim.opcodes[i].admin);
		CHECK_EQ_U64(nvme_sim.opcodes[i].opc, want[i]);
	}
	CHECK_EQ_U64(nvme_sim.nfeatures, 0);
	CHECK_EQ_U64(nvme_sim.ioq[1].sq_entries, 5);  /* qd + 1 */
	CHECK_EQ_U64(nvme_sim.ioq[1].cq_entries, 5);
	CHECK_EQ_U64(nvme_sim.ioq[1].cq_cdw11 & 2, 0); /* IEN clear: polled */
	CHECK(!nvme_sim.ioq[2].cq && !nvme_sim.ioq[2].sq);
	CHECK(nvme_sim_logged("Simulated NVMe, serial SIM0001, firmware 1.0"));
}

/* 7.6.1: a controller that never sets CSTS.RDY ends the start within
 * CAP.TO of the simulated clock, with a message naming the register. */
static void test_never_ready_times_out_named(void)
{
	struct nvme_ctrl *c = sim_ctrl(SIM_CAP);

	nvme_sim.never_ready = true;
	CHECK(nvme_start(c, &dma, 1, 1) < 0);
	CHECK(nvme_sim_logged("timeout after 1000 ms (CAP.TO) waiting for CSTS.RDY=1 (enable)"));
	CHECK(nvme_sim.now >= TIMEOUT_TICKS);
	CHECK(nvme_sim.now < TIMEOUT_TICKS + TIMEOUT_TICKS / 100);
	CHECK_EQ_U64(nvme_sim.doorbell_writes, 0); /* no command to a controller not ready */
	CHECK_EQ_U64(nvme_sim.nopcodes, 0);
}

/* CSTS.CFS during the enable: reported at once, not waited out. */
static void test_fatal_status_reported(void)
{
	struct nvme_ctrl *c = sim_ctrl(SIM_CAP);

	nvme_sim.fatal_on_enable = true;
	CHECK(nvme_start(c, &dma, 1, 1) < 0);
	CHECK(nvme_sim_logged("controller fatal status (CSTS.CFS) while waiting for CSTS.RDY=1"));
	CHECK(nvme_sim.now < TIMEOUT_TICKS / 10);
	CHECK(nvme_fatal(c));
}

/* A controller the firmware left running: disabled first, RDY=0 awaited,
 * only then the admin queue registers written (the simulation counts a
 * write of AQA/ASQ/ACQ while enabled as a violation). */
static void test_reset_of_a_running_controller(void)
{
	struct nvme_ctrl *c = sim_ctrl(SIM_CAP);

	nvme_sim.cc = NVME_CC_EN | NVME_CC_IOSQES(6) | NVME_CC_IOCQES(4);
	nvme_sim.csts = NVME_CSTS_RDY;
	nvme_sim.rdy_delay = 10;
	CHECK_EQ_U64(nvme_start(c, &dma, 1, 1), 0);
	CHECK_EQ_U64(nvme_sim.violations, 0);

	c = sim_ctrl(SIM_CAP);
	nvme_sim.cc = NVME_CC_EN;
	nvme_sim.csts = NVME_CSTS_RDY;
	nvme_sim.never_not_ready = true;
	CHECK(nvme_start(c, &dma, 1, 1) < 0);
	CHECK(nvme_sim_logged("waiting for CSTS.RDY=0 (reset: CC.EN=0)"));
	CHECK_EQ_U64(nvme_sim.violations, 0);
}

static void test_admin_timeout_named(void)
{
	struct nvme_ctrl *c = sim_ctrl(SIM_CAP);

	nvme_sim.admin_silent = true;
	CHECK(nvme_start(c, &dma, 1, 1) < 0);
	CHECK(nvme_sim_logged("no completion of Identify Controller (CNS 1) within 5000 ms"));
	CHECK_EQ_U64(nvme_sim.doorbell_writes, 1);
}

/* An Identify error is decoded; without the namespace list (a 1.0
 * controller), namespace 1 is used. */
static void test_command_error_decoded(void)
{
	struct nvme_ctrl *c = sim_ctrl(SIM_CAP);

	nvme_sim.cns2_status = 0x002;
	CHECK_EQ_U64(nvme_start(c, &dma, 1, 1), 0);
	CHECK(nvme_sim_logged("Identify active namespace list (CNS 2) failed: Generic: Invalid "
			      "Field in Command (status 0x002)"));
	CHECK_EQ_U64(nvme_get_info(c)->nsid, 1);
}

static void test_cap_checks(void)
{
	struct nvme_ctrl *c = sim_ctrl(SIM_CAP | 1ull << 48); /* MPSMIN 1: 8 KiB pages */

	CHECK(nvme_start(c, &dma, 1, 1) < 0);
	CHECK(nvme_sim_logged("smallest page is 8 KiB (CAP.MPSMIN 1)"));
	c = sim_ctrl((SIM_CAP & ~0xffffull) | 7); /* MQES 7: at most 7 in flight */
	CHECK(nvme_start(c, &dma, 8, 1) < 0);
	CHECK(nvme_sim_logged("queue depth 8 outside 1..7"));
	CHECK_EQ_U64(nvme_sim.csts_reads, 0); /* refused before touching the controller */
}

/* Reads at depth 1 (a queue of 2 entries: the phase tag flips every
 * second completion), a full queue refused, the pattern delivered, a read
 * past the end decoded; then stop deletes SQ before CQ and disables. */
static void test_reads_phase_and_stop(void)
{
	struct nvme_ctrl *c = sim_ctrl(SIM_CAP);
	uint8_t *buf = aligned_alloc(4096, 4096);
	uint16_t tag, status;

	CHECK_EQ_U64(nvme_start(c, &dma, 1, 1), 0);
	unsigned doorbells = nvme_sim.doorbell_writes;
	for (unsigned i = 0; i < 7; i++) {
		memset(buf, 0, 4096);
		CHECK_EQ_U64(nvme_submit_read(c, i * 8, 8, (uint64_t)(uintptr_t)buf, 0,
					      (uint16_t)(100 + i)), 0);
		CHECK(nvme_submit_read(c, 0, 1, (uint64_t)(uintptr_t)buf, 0, 999) < 0);
		CHECK_EQ_U64(nvme_poll(c, &tag, &status), 0); /* nothing before the doorbell */
		nvme_ring(c);
		nvme_ring(c); /* nothing new: no second write */
		CHECK_EQ_U64(nvme_poll(c, &tag, &status), 1);
		CHECK_EQ_U64(tag, 100 + i);
		CHECK_EQ_U64(status, 0);
		CHECK_EQ_U64(nvme_poll(c, &tag, &status), 0);
		nvme_cq_done(c);
		for (unsigned b = 0; b < 8; b++)
			CHECK(block_pattern_check(buf + 512 * b, 512, i * 8 + b));
	}
	CHECK_EQ_U64(nvme_sim.reads_done, 7);
	CHECK_EQ_U64(nvme_sim.doorbell_writes - doorbells, 14); /* one SQ tail, one CQ head each */
	CHECK_EQ_U64(nvme_submit_read(c, 1000, 1, (uint64_t)(uintptr_t)buf, 0, 7), 0);
	nvme_ring(c);
	CHECK_EQ_U64(nvme_poll(c, &tag, &status), 1);
	CHECK_EQ_U64(status, 0x080);
	CHECK_STR_EQ(nvme_status_text(status), "Generic: LBA Out of Range");
	nvme_cq_done(c);

	unsigned before = nvme_sim.nopcodes;
	CHECK_EQ_U64(nvme_stop(c), 0);
	CHECK_EQ_U64(nvme_sim.nopcodes - before, 2);
	CHECK_EQ_U64(nvme_sim.opcodes[before].opc, 0x00);     /* Delete I/O SQ */
	CHECK_EQ_U64(nvme_sim.opcodes[before + 1].opc, 0x04); /* Delete I/O CQ */
	CHECK_EQ_U64(nvme_sim.cc & NVME_CC_EN, 0);
	CHECK_EQ_U64(nvme_sim.csts & NVME_CSTS_RDY, 0);
	CHECK(!nvme_sim.bus_master);
	CHECK(nvme_submit_read(c, 0, 1, (uint64_t)(uintptr_t)buf, 0, 1) < 0);
	check_only_allowed_commands();
	CHECK_EQ_U64(nvme_sim.violations, 0);
	free(buf);
}

/* CAP with DSTRD 1: doorbells 8 bytes apart (3.1.1, 3.1.24). */
#define SIM_CAP_STRIDE8 (SIM_CAP | 1ull << 32)
#define PAIRS 4
#define PAIR_QD 3
#define TAG(q, i) ((uint16_t)(1000 * (q) + (i)))

/* Four pairs: asked for with Set Features Number of Queues (FID 07h, 4 SQs
 * and 4 CQs, zero's based) before any is created, each CQ before its SQ,
 * each pair's memory mapped once; reads on each pair ring that pair's own
 * doorbell and complete on that pair's queue with their tags. */
static void test_four_pairs_read_on_their_own_queues(void)
{
	struct nvme_ctrl *c = sim_ctrl(SIM_CAP_STRIDE8);
	uint8_t *buf[PAIRS][PAIR_QD] = { { NULL } };
	uint16_t tag, status;

	CHECK_EQ_U64(nvme_start(c, &dma, PAIR_QD, PAIRS), 0);
	CHECK_EQ_U64(nvme_get_info(c)->max_queue_pairs, PAIRS);
	CHECK_EQ_U64(maps, 3 + 2 * PAIRS); /* admin SQ, CQ, Identify; each pair's SQ and CQ */
	static const uint8_t want[] = { 0x06, 0x06, 0x06, 0x09, 0x05, 0x01, 0x05, 0x01,
					0x05, 0x01, 0x05, 0x01 };
	CHECK_EQ_U64(nvme_sim.nopcodes, sizeof(want));
	for (unsigned i = 0; i < nvme_sim.nopcodes && i < sizeof(want); i++)
		CHECK_EQ_U64(nvme_sim.opcodes[i].opc, want[i]);
	CHECK_EQ_U64(nvme_sim.nfeatures, 1);
	CHECK_EQ_U64(nvme_sim.features[0], 0x07);
	CHECK_EQ_U64(nvme_sim.numq_cdw11, (PAIRS - 1) | (PAIRS - 1) << 16);
	for (unsigned q = 1; q <= PAIRS; q++) {
		CHECK(nvme_sim.ioq[q].cq && nvme_sim.ioq[q].sq);
		CHECK_EQ_U64(nvme_sim.ioq[q].sq_cqid, q);
		CHECK_EQ_U64(nvme_sim.ioq[q].sq_entries, PAIR_QD + 1);
		for (unsigned p = 1; p < q; p++) /* no two pairs share memory */
			CHECK(nvme_sim.ioq[q].sq_base != nvme_sim.ioq[p].sq_base &&
			      nvme_sim.ioq[q].cq_base != nvme_sim.ioq[p].cq_base);
	}
	CHECK(!nvme_sim.ioq[PAIRS + 1].cq);
	CHECK(nvme_queue(c, PAIRS) == NULL);
	unsigned first_io = nvme_sim.nopcodes;

	/* Every pair filled to its depth, all rung, then each polled: a
	 * completion on the wrong queue would show up as a foreign tag. */
	for (unsigned round = 0; round < 3; round++) {
		for (unsigned q = 0; q < PAIRS; q++) {
			struct nvme_queue *io = nvme_queue(c, q);
			CHECK(io != NULL);
			for (unsigned i = 0; i < PAIR_QD; i++) {
				buf[q][i] = buf[q][i] ? buf[q][i] : aligned_alloc(4096, 4096);
				memset(buf[q][i], 0, 4096);
				uint64_t lba = 8 * (q * PAIR_QD + i) + round;
				CHECK_EQ_U64(nvme_q_submit_read(io, lba, 8, (uint64_t)(uintptr_t)buf[q][i],
								0, TAG(q, i)), 0);
			}
			CHECK(nvme_q_submit_read(io, 0, 1, (uint64_t)(uintptr_t)buf[q][0], 0, 1) < 0);
		}
		for (unsigned q = 0; q < PAIRS; q++)
			nvme_q_ring(nvme_queue(c, q));
		for (unsigned q = 0; q < PAIRS; q++) {
			struct nvme_queue *io = nvme_queue(c, q);
			unsigned seen = 0;
			while (nvme_q_poll(io, &tag, &status)) {
				CHECK_EQ_U64(status, 0);
				CHECK(tag >= TAG(q, 0) && tag < TAG(q, PAIR_QD));
				seen |= 1u << (tag - TAG(q, 0));
			}
			CHECK_EQ_U64(seen, (1u << PAIR_QD) - 1); /* each tag once */
			nvme_q_cq_done(io);
			for (unsigned i = 0; i < PAIR_QD; i++)
				for (unsigned b = 0; b < 8; b++)
					CHECK(block_pattern_check(buf[q][i] + 512 * b, 512,
								  8 * (q * PAIR_QD + i) + round + b));
		}
	}
	for (unsigned q = 1; q <= PAIRS; q++) {
		CHECK_EQ_U64(nvme_sim.ioq[q].reads_done, 3 * PAIR_QD);
		CHECK_EQ_U64(nvme_sim.ioq[q].sq_doorbells, 3); /* one tail write per round */
		CHECK_EQ_U64(nvme_sim.ioq[q].cq_doorbells, 3);
	}
	for (unsigned i = first_io; i < nvme_sim.nopcodes; i++) /* each read on its pair's SQ */
		CHECK_EQ_U64(nvme_sim.opcodes[i].sqid, nvme_sim.opcodes[i].cid / 1000 + 1);
	/* Queue 0's calls are pair 0's. */
	CHECK_EQ_U64(nvme_submit_read(c, 0, 1, (uint64_t)(uintptr_t)buf[0][0], 0, 77), 0);
	nvme_ring(c);
	CHECK_EQ_U64(nvme_poll(c, &tag, &status), 1);
	CHECK_EQ_U64(tag, 77);
	nvme_cq_done(c);
	CHECK_EQ_U64(nvme_sim.ioq[1].reads_done, 3 * PAIR_QD + 1);

	/* Stop: the last pair first, each SQ before its CQ. */
	unsigned before = nvme_sim.nopcodes;
	CHECK_EQ_U64(nvme_stop(c), 0);
	CHECK_EQ_U64(nvme_sim.nopcodes - before, 2 * PAIRS);
	for (unsigned k = 0; k < PAIRS && before + 2 * k + 1 < nvme_sim.nopcodes; k++) {
		CHECK_EQ_U64(nvme_sim.opcodes[before + 2 * k].opc, 0x00);
		CHECK_EQ_U64(nvme_sim.opcodes[before + 2 * k + 1].opc, 0x04);
	}
	for (unsigned q = 1; q <= PAIRS; q++)
		CHECK(!nvme_sim.ioq[q].cq && !nvme_sim.ioq[q].sq);
	CHECK(nvme_queue(c, 0) == NULL);
	check_only_allowed_commands();
	CHECK_EQ_U64(nvme_sim.violations, 0);
	for (unsigned q = 0; q < PAIRS; q++)
		for (unsigned i = 0; i < PAIR_QD; i++)
			free(buf[q][i]);
}

/* A controller granting 2 of the 4 pairs asked for: two are made, the
 * count is said and is what nvme_get_info reports. */
static void test_fewer_pairs_granted_are_used_and_said(void)
{
	struct nvme_ctrl *c = sim_ctrl(SIM_CAP);

	nvme_sim.max_pairs = 2;
	CHECK_EQ_U64(nvme_start(c, &dma, 2, 4), 0);
	CHECK_EQ_U64(nvme_get_info(c)->max_queue_pairs, 2);
	CHECK(nvme_sim_logged("asked for 4 I/O queue pairs, the controller grants 2"));
	CHECK(nvme_queue(c, 1) != NULL);
	CHECK(nvme_queue(c, 2) == NULL);
	CHECK(nvme_sim.ioq[1].sq && nvme_sim.ioq[2].sq && !nvme_sim.ioq[3].cq);
	CHECK_EQ_U64(maps, 3 + 2 * 2);
	CHECK_EQ_U64(nvme_stop(c), 0);
	CHECK_EQ_U64(nvme_sim.violations, 0);
}

/* A Create I/O Completion Queue that fails names its queue id and the
 * decoded status; the pairs made before it are deleted again. */
static void test_failed_create_names_queue(void)
{
	struct nvme_ctrl *c = sim_ctrl(SIM_CAP);

	nvme_sim.fail_create_cq = 3;
	CHECK(nvme_start(c, &dma, 1, 4) < 0);
	CHECK(nvme_sim_logged("Create I/O Completion Queue (queue id 3) failed: Command Specific: "
			      "Invalid Queue Size (status 0x102)"));
	for (unsigned q = 1; q <= 4; q++)
		CHECK(!nvme_sim.ioq[q].cq && !nvme_sim.ioq[q].sq);
	CHECK(nvme_queue(c, 0) == NULL);
	CHECK(nvme_submit_read(c, 0, 1, 0x1000, 0, 1) < 0);
	CHECK_EQ_U64(nvme_sim.violations, 0);
}

/* A pair count outside 1..NVME_MAX_PAIRS is refused before the controller
 * is touched. */
static void test_pair_count_checked(void)
{
	struct nvme_ctrl *c = sim_ctrl(SIM_CAP);

	CHECK(nvme_start(c, &dma, 1, 0) < 0);
	CHECK(nvme_start(c, &dma, 1, NVME_MAX_PAIRS + 1) < 0);
	CHECK(nvme_sim_logged("65 I/O queue pairs asked for, outside 1..64"));
	CHECK_EQ_U64(nvme_sim.csts_reads, 0);
	CHECK_EQ_U64(maps, 0);
}

int main(void)
{
	RUN_TEST("nvme_start", test_start_identifies_and_configures);
	RUN_TEST("nvme_start", test_never_ready_times_out_named);
	RUN_TEST("nvme_start", test_fatal_status_reported);
	RUN_TEST("nvme_start", test_reset_of_a_running_controller);
	RUN_TEST("nvme_start", test_admin_timeout_named);
	RUN_TEST("nvme_start", test_command_error_decoded);
	RUN_TEST("nvme_start", test_cap_checks);
	RUN_TEST("nvme_start", test_reads_phase_and_stop);
	RUN_TEST("nvme_start", test_four_pairs_read_on_their_own_queues);
	RUN_TEST("nvme_start", test_fewer_pairs_granted_are_used_and_said);
	RUN_TEST("nvme_start", test_failed_create_names_queue);
	RUN_TEST("nvme_start", test_pair_count_checked);
	return CHECK_EXIT_STATUS();
}

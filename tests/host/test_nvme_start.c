/* The NVMe driver's start-up protocol and queues on a simulated
 * controller (tests/host/nvme_sim.h): reset, admin queue, enable within
 * CAP.TO, Identify, the I/O pair, reads with the phase tag wrapping, and
 * stop; a controller that never gets ready or reports a fatal status
 * makes nvme_start fail within its bound, saying what it waited for. */
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
	static uint64_t asq, acq, iosq, iocq, id;

	if (!allocated) {
		asq = pages(1), acq = pages(1), iosq = pages(NVME_IOQ_SQ_PAGES), iocq = pages(1);
		id = pages(1);
		allocated = true;
	}
	nvme_sim_reset(cap);
	maps = 0;
	ctrl = (struct nvme_ctrl){ .info = { .cap = cap }, .db_stride = 4u << NVME_CAP_DSTRD(cap),
				   .admin_sq = asq, .admin_cq = acq, .io_sq = iosq, .io_cq = iocq,
				   .identify = id };
	return &ctrl;
}

static void test_start_identifies_and_configures(void)
{
	struct nvme_ctrl *c = sim_ctrl(SIM_CAP);

	nvme_sim.rdy_delay = 3;
	CHECK_EQ_U64(nvme_start(c, &dma, 4), 0);
	const struct nvme_info *in = nvme_get_info(c);
	CHECK_STR_EQ(in->model, "Simulated NVMe");
	CHECK_STR_EQ(in->serial, "SIM0001");
	CHECK_STR_EQ(in->firmware, "1.0");
	CHECK_EQ_U64(in->max_transfer, 4096u << 5);
	CHECK_EQ_U64(in->nsid, 1);
	CHECK_EQ_U64(in->blocks, 1000);
	CHECK_EQ_U64(in->block_size, 512);
	CHECK_EQ_U64(in->max_qd, NVME_MAX_QD);
	/* 3.1.5: IOCQES 4, IOSQES 6, MPS 0 (4 KiB), CSS NVM, EN. */
	CHECK_EQ_U64(nvme_sim.cc, 4u << 20 | 6u << 16 | 1);
	CHECK_EQ_U64(nvme_sim.aqa, (NVME_AQ_ENTRIES - 1) | (NVME_AQ_ENTRIES - 1) << 16);
	CHECK_EQ_U64(nvme_sim.asq, c->admin_sq);
	CHECK_EQ_U64(nvme_sim.acq, c->admin_cq);
	CHECK_EQ_U64(maps, 5);
	CHECK(nvme_sim.bus_master);
	CHECK_EQ_U64(nvme_sim.violations, 0);
	/* Identify controller, active namespaces, namespace; CQ before SQ. */
	static const uint8_t want[] = { 0x06, 0x06, 0x06, 0x05, 0x01 };
	CHECK_EQ_U64(nvme_sim.nopcodes, sizeof(want));
	for (unsigned i = 0; i < nvme_sim.nopcodes && i < sizeof(want); i++) {
		CHECK(nvme_sim.opcodes[i].admin);
		CHECK_EQ_U64(nvme_sim.opcodes[i].opc, want[i]);
	}
	CHECK_EQ_U64(nvme_sim.io_entries, 5);      /* qd + 1 */
	CHECK_EQ_U64(nvme_sim.io_cq_cdw11 & 2, 0); /* IEN clear: polled */
	CHECK(nvme_sim_logged("Simulated NVMe, serial SIM0001, firmware 1.0"));
}

/* 7.6.1: a controller that never sets CSTS.RDY ends the start within
 * CAP.TO of the simulated clock, with a message naming the register. */
static void test_never_ready_times_out_named(void)
{
	struct nvme_ctrl *c = sim_ctrl(SIM_CAP);

	nvme_sim.never_ready = true;
	CHECK(nvme_start(c, &dma, 1) < 0);
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
	CHECK(nvme_start(c, &dma, 1) < 0);
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
	CHECK_EQ_U64(nvme_start(c, &dma, 1), 0);
	CHECK_EQ_U64(nvme_sim.violations, 0);

	c = sim_ctrl(SIM_CAP);
	nvme_sim.cc = NVME_CC_EN;
	nvme_sim.csts = NVME_CSTS_RDY;
	nvme_sim.never_not_ready = true;
	CHECK(nvme_start(c, &dma, 1) < 0);
	CHECK(nvme_sim_logged("waiting for CSTS.RDY=0 (reset: CC.EN=0)"));
	CHECK_EQ_U64(nvme_sim.violations, 0);
}

static void test_admin_timeout_named(void)
{
	struct nvme_ctrl *c = sim_ctrl(SIM_CAP);

	nvme_sim.admin_silent = true;
	CHECK(nvme_start(c, &dma, 1) < 0);
	CHECK(nvme_sim_logged("no completion of Identify Controller (CNS 1) within 5000 ms"));
	CHECK_EQ_U64(nvme_sim.doorbell_writes, 1);
}

/* An Identify error is decoded; without the namespace list (a 1.0
 * controller), namespace 1 is used. */
static void test_command_error_decoded(void)
{
	struct nvme_ctrl *c = sim_ctrl(SIM_CAP);

	nvme_sim.cns2_status = 0x002;
	CHECK_EQ_U64(nvme_start(c, &dma, 1), 0);
	CHECK(nvme_sim_logged("Identify active namespace list (CNS 2) failed: Generic: Invalid "
			      "Field in Command (status 0x002)"));
	CHECK_EQ_U64(nvme_get_info(c)->nsid, 1);
}

static void test_cap_checks(void)
{
	struct nvme_ctrl *c = sim_ctrl(SIM_CAP | 1ull << 48); /* MPSMIN 1: 8 KiB pages */

	CHECK(nvme_start(c, &dma, 1) < 0);
	CHECK(nvme_sim_logged("smallest page is 8 KiB (CAP.MPSMIN 1)"));
	c = sim_ctrl((SIM_CAP & ~0xffffull) | 7); /* MQES 7: at most 7 in flight */
	CHECK(nvme_start(c, &dma, 8) < 0);
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

	CHECK_EQ_U64(nvme_start(c, &dma, 1), 0);
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
	/* Every command the controller saw is an allowed one. */
	for (unsigned i = 0; i < nvme_sim.nopcodes; i++) {
		uint8_t o = nvme_sim.opcodes[i].opc;
		CHECK(nvme_sim.opcodes[i].admin ? (o <= 1 || (o >= 4 && o <= 6)) : o == 0x02);
	}
	CHECK_EQ_U64(nvme_sim.violations, 0);
	free(buf);
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
	return CHECK_EXIT_STATUS();
}

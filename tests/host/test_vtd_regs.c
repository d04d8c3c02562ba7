/* The VT-d driver's register protocol on a simulated unit
 * (tests/host/vtd_sim.h), for the cases QEMU's model never shows: a
 * write-buffer flush (QEMU has CAP.RWBF = 0), a take-over of a unit the
 * firmware left with interrupt remapping and a failed invalidation queue,
 * and the context-cache invalidation's reported granularity. */
#include "check.h"
#include "drivers/vtd/vtd.h"
#include "drivers/vtd/vtd_internal.h"
#include "drivers/vtd/vtd_regs.h"
#include "kernel/mem.h"
#include "tests/host/vtd_sim.h"

#define CAP_RWBF (1ull << 4)  /* VT-d spec 10.4.2 */
#define ECAP_QI  (1ull << 1)  /* 10.4.3 */
#define ECAP_IR  (1ull << 3)

/* VT-d spec 10.4.5: WBFS is 1 while the flush runs and 0 once it is done;
 * the flush must be over when the call returns. */
static void test_write_buffer_flush_waits_until_done(void)
{
	struct vtd_unit u;

	vtd_sim_reset(&u, CAP_RWBF, 0);
	vtd_sim.wbf_latency = 5;
	CHECK_EQ_U64(vtd_write_buffer_flush(&u), 0);
	CHECK_EQ_U64(vtd_sim.wbf_started, 1);
	CHECK_EQ_U64(vtd_sim.wbf_completed, 1);
	CHECK(!vtd_sim.wbf_running);
}

/* A flush so fast that WBFS never reads 1 is done, not stuck. */
static void test_fast_write_buffer_flush_is_not_a_timeout(void)
{
	struct vtd_unit u;

	vtd_sim_reset(&u, CAP_RWBF, 0);
	vtd_sim.wbf_latency = 0;
	CHECK_EQ_U64(vtd_write_buffer_flush(&u), 0);
	CHECK_EQ_U64(vtd_sim.wbf_started, 1);
	CHECK(!vtd_sim_logged("timeout"));
}

static void test_no_write_buffer_flush_without_rwbf(void)
{
	struct vtd_unit u;

	vtd_sim_reset(&u, 0, 0);
	CHECK_EQ_U64(vtd_write_buffer_flush(&u), 0);
	CHECK_EQ_U64(vtd_sim.wbf_started, 0);
	CHECK(!vtd_needs_write_buffer_flush(&u));
	vtd_sim_reset(&u, CAP_RWBF, 0);
	CHECK(vtd_needs_write_buffer_flush(&u));
	vtd_sim_reset(&u, CAP_RWBF | (1ull << 7) /* CM */, 0);
	CHECK(!vtd_needs_write_buffer_flush(&u));
}

/* Interrupt remapping invalidates its entry cache through the queue, so
 * it goes off first and the queue after it (VT-d spec 10.4.4). */
static void test_take_over_disables_interrupt_remapping_before_the_queue(void)
{
	struct vtd_unit u;

	vtd_sim_reset(&u, 0, ECAP_QI | ECAP_IR);
	vtd_sim.gsts = DMA_GSTS_TES | DMA_GSTS_QIES | DMA_GSTS_IRES;
	vtd_sim.iqh = vtd_sim.iqt = 0x40;
	CHECK_EQ_U64(vtd_take_over(&u), 0);
	CHECK_STR_EQ(vtd_sim_event_string(), "TE- IRE- QIE-");
	CHECK_EQ_U64(vtd_sim.violations, 0);
	CHECK_EQ_U64(vtd_sim.gsts & (DMA_GSTS_TES | DMA_GSTS_QIES | DMA_GSTS_IRES), 0);
}

/* The firmware's queue stopped at a bad descriptor (FSTS.IQE): it never
 * drains. The error is reported and cleared (write 1, VT-d spec 10.4.9)
 * and the take-over goes on. */
static void test_take_over_clears_a_queue_error_left_behind(void)
{
	struct vtd_unit u;

	vtd_sim_reset(&u, 0, ECAP_QI | ECAP_IR);
	vtd_sim.gsts = DMA_GSTS_QIES | DMA_GSTS_IRES;
	vtd_sim.iqh = 0x20;
	vtd_sim.iqt = 0x60;
	vtd_sim.fsts = DMA_FSTS_IQE;
	vtd_sim.iqe_sticky = true;
	CHECK_EQ_U64(vtd_take_over(&u), 0);
	CHECK(vtd_sim.iqe_clears >= 1);
	CHECK_EQ_U64(vtd_sim.fsts & DMA_FSTS_IQE, 0);
	CHECK_EQ_U64(vtd_sim.gsts & (DMA_GSTS_QIES | DMA_GSTS_IRES), 0);
	CHECK(vtd_sim_logged("IQE"));
	CHECK(!vtd_sim_logged("timeout"));
}

/* A queue the firmware left merely busy still drains first. */
static void test_take_over_drains_a_busy_queue(void)
{
	struct vtd_unit u;

	vtd_sim_reset(&u, 0, ECAP_QI);
	vtd_sim.gsts = DMA_GSTS_QIES;
	vtd_sim.iqh = 0x20;
	vtd_sim.iqt = 0x80;
	CHECK_EQ_U64(vtd_take_over(&u), 0);
	CHECK_EQ_U64(vtd_sim.iqe_clears, 0);
	CHECK_STR_EQ(vtd_sim_event_string(), "QIE-");
	CHECK(!vtd_sim_logged("IQE"));
}

/* VT-d spec 10.4.7: CAIG says how the context cache was invalidated. */
static void test_context_invalidation_records_its_granularity(void)
{
	struct vtd_unit u;

	vtd_sim_reset(&u, 0, 0);
	vtd_sim.caig = 1;
	CHECK_EQ_U64(vtd_context_inval_global(&u), 0);
	CHECK_EQ_U64(vtd_last_caig(&u), 1);
	CHECK_EQ_U64(vtd_sim.ccmd >> 61 & 3, 1); /* asked for global (CIRG) */
}

/* CAIG 0: the request was not performed; narrower than asked is not what
 * was asked either. Both are errors the caller sees. */
static void test_context_invalidation_not_done_is_an_error(void)
{
	struct vtd_unit u;

	vtd_sim_reset(&u, 0, 0);
	vtd_sim.caig = 0;
	CHECK(vtd_context_inval_global(&u) < 0);
	CHECK_EQ_U64(vtd_last_caig(&u), 0);
	CHECK(vtd_sim_logged("CAIG"));
	vtd_sim_reset(&u, 0, 0);
	vtd_sim.caig = 2;
	CHECK(vtd_context_inval_global(&u) < 0);
	CHECK_EQ_U64(vtd_last_caig(&u), 2);
}

/* Wider than asked is correct, only more than needed. */
static void test_caig_verdicts(void)
{
	CHECK_EQ_U64(vtd_caig_verdict(1, 1), VTD_CAIG_AS_ASKED);
	CHECK_EQ_U64(vtd_caig_verdict(2, 2), VTD_CAIG_AS_ASKED);
	CHECK_EQ_U64(vtd_caig_verdict(3, 3), VTD_CAIG_AS_ASKED);
	CHECK_EQ_U64(vtd_caig_verdict(2, 1), VTD_CAIG_WIDER);
	CHECK_EQ_U64(vtd_caig_verdict(3, 1), VTD_CAIG_WIDER);
	CHECK_EQ_U64(vtd_caig_verdict(3, 2), VTD_CAIG_WIDER);
	CHECK_EQ_U64(vtd_caig_verdict(1, 2), VTD_CAIG_NOT_AS_ASKED);
	CHECK_EQ_U64(vtd_caig_verdict(2, 3), VTD_CAIG_NOT_AS_ASKED);
	CHECK_EQ_U64(vtd_caig_verdict(1, 0), VTD_CAIG_NOT_AS_ASKED);
	CHECK_EQ_U64(vtd_caig_verdict(3, 0), VTD_CAIG_NOT_AS_ASKED);
}

/* Puts the simulated unit on queued invalidation and starts counting. */
static void queued_unit(struct vtd_unit *u)
{
	vtd_sim_reset(u, 0, ECAP_QI);
	CHECK_EQ_U64(vtd_set_inval_mode(u, VTD_INVAL_QI), 0);
	vtd_reset_stats(u);
	vtd_sim.reads = vtd_sim.writes = 0;
}

/* Gives back the queue's and the status word's pages. */
static void queued_unit_free(struct vtd_unit *u)
{
	page_free(u->iq_base, 1);
	page_free((uint64_t)(uintptr_t)u->iq_status, 1);
}

/* VT-d spec 6.5.2: the invalidation and its wait go out with one IQT
 * write; with the status write there at once, nothing needs reading (the
 * free space follows from the completed waits, not from IQH). Enough of
 * them to wrap the 256-slot ring several times. */
static void test_queued_invalidation_costs_one_write_and_no_read(void)
{
	struct vtd_unit u;

	queued_unit(&u);
	CHECK_EQ_U64(vtd_inval_sync(&u, DMA_GRAN_DOMAIN, 2, 0, 0), 0);
	CHECK_EQ_U64(vtd_sim.writes, 1);
	CHECK_EQ_U64(vtd_sim.reads, 0);
	CHECK_EQ_U64(vtd_sim.qi_status_writes, 1);
	for (unsigned i = 1; i < 1000; i++)
		if (vtd_inval_sync(&u, i % 2 ? DMA_GRAN_PAGES : DMA_GRAN_DOMAIN, 2, 0x1000 * i, 1))
			break;
	CHECK_EQ_U64(vtd_sim.qi_status_writes, 1000);
	CHECK_EQ_U64(vtd_sim.qi_descriptors_run, 2000);
	CHECK_EQ_U64(vtd_sim.writes, 1000);
	CHECK_EQ_U64(vtd_sim.reads, 0);
	/* The unit's own count says the same as the bus. */
	CHECK_EQ_U64(vtd_get_stats(&u)->mmio_writes, vtd_sim.writes);
	CHECK_EQ_U64(vtd_get_stats(&u)->mmio_reads, vtd_sim.reads);
	CHECK(!vtd_sim_logged("timeout"));
	queued_unit_free(&u);
}

/* A batch shares its wait and its IQT write too. */
static void test_queued_batch_shares_one_write(void)
{
	struct vtd_unit u;

	queued_unit(&u);
	for (unsigned i = 0; i < 10; i++)
		CHECK_EQ_U64(vtd_inval_submit(&u, DMA_GRAN_DOMAIN, 2, 0, 0), 0);
	CHECK_EQ_U64(vtd_inval_wait(&u), 0);
	CHECK_EQ_U64(vtd_sim.writes, 1);
	CHECK_EQ_U64(vtd_sim.reads, 0);
	CHECK_EQ_U64(vtd_sim.qi_descriptors_run, 11);
	queued_unit_free(&u);
}

/* A bad descriptor stops the queue (FSTS.IQE): the status write never
 * comes, so the wait reads FSTS, reports the error and fails; the queue
 * works again afterwards. */
static void test_queue_error_is_still_reported(void)
{
	struct vtd_unit u;

	queued_unit(&u);
	CHECK_EQ_U64(vtd_qi_push_raw(&u, 0xf, 0), 0);
	CHECK(vtd_inval_wait(&u) < 0);
	CHECK(vtd_sim_logged("IQE"));
	CHECK(vtd_sim.iqe_clears >= 1);
	CHECK(!vtd_sim_logged("timeout"));
	CHECK_EQ_U64(vtd_inval_sync(&u, DMA_GRAN_GLOBAL, 0, 0, 0), 0);
	CHECK_EQ_U64(vtd_sim.fsts & DMA_FSTS_IQE, 0);
	queued_unit_free(&u);
}

/* VT-d spec 6.5.1 / 10.4.8: a register-based invalidation writes IOTLB_REG
 * and polls IVT; the read that sees IVT clear carries IAIG, so no second
 * read. (The simulation finishes at once: one poll.) */
static void test_register_invalidation_makes_only_the_required_accesses(void)
{
	struct vtd_unit u;

	vtd_sim_reset(&u, 0, 0);
	vtd_sim.reads = vtd_sim.writes = 0;
	CHECK_EQ_U64(vtd_inval_sync(&u, DMA_GRAN_DOMAIN, 2, 0, 0), 0);
	CHECK_EQ_U64(vtd_sim.writes, 1);
	CHECK_EQ_U64(vtd_sim.reads, 1);
	CHECK_EQ_U64(vtd_last_iaig(&u), 2);
}

/* The cost micro-benchmarks' probes: one access each, and the FEDATA
 * write puts back the value the register holds. */
static void test_register_probes_make_one_access_and_change_nothing(void)
{
	struct vtd_unit u;

	vtd_sim_reset(&u, 0, 0);
	vtd_sim.ver = 0x10;
	vtd_sim.fedata = 0xfe;
	vtd_sim.reads = vtd_sim.writes = 0;
	CHECK_EQ_U64(vtd_probe_read(&u), 0x10);
	CHECK_EQ_U64(vtd_sim.reads, 1);
	CHECK_EQ_U64(vtd_sim.writes, 0);
	uint32_t fedata = vtd_probe_fedata(&u);
	CHECK_EQ_U64(fedata, 0xfe);
	for (unsigned i = 0; i < 5; i++)
		vtd_probe_write(&u, fedata);
	CHECK_EQ_U64(vtd_sim.fedata, 0xfe);
	CHECK_EQ_U64(vtd_sim.fedata_writes, 5);
	CHECK_EQ_U64(vtd_sim.reads, 2);
	CHECK_EQ_U64(vtd_sim.writes, 5);
	CHECK_EQ_U64(vtd_get_stats(&u)->mmio_reads, 2);
	CHECK_EQ_U64(vtd_get_stats(&u)->mmio_writes, 5);
}

/* An empty wait: one descriptor (the wait), one IQT write, no read; not
 * in register mode, and not with a request queued before it. */
static void test_empty_wait_is_one_descriptor(void)
{
	struct vtd_unit u;

	vtd_sim_reset(&u, 0, 0);
	CHECK(vtd_qi_empty_wait(&u) < 0);
	queued_unit(&u);
	CHECK_EQ_U64(vtd_qi_empty_wait(&u), 0);
	CHECK_EQ_U64(vtd_sim.writes, 1);
	CHECK_EQ_U64(vtd_sim.reads, 0);
	CHECK_EQ_U64(vtd_sim.qi_descriptors_run, 1);
	CHECK_EQ_U64(vtd_sim.qi_status_writes, 1);
	CHECK_EQ_U64(vtd_get_stats(&u)->waits, 1);
	CHECK_EQ_U64(vtd_inval_submit(&u, DMA_GRAN_GLOBAL, 0, 0, 0), 0);
	CHECK(vtd_qi_empty_wait(&u) < 0);
	CHECK_EQ_U64(vtd_sim.qi_descriptors_run, 1);
	CHECK_EQ_U64(vtd_inval_wait(&u), 0);
	CHECK_EQ_U64(vtd_qi_empty_wait(&u), 0);
	CHECK_EQ_U64(vtd_sim.qi_descriptors_run, 4);
	queued_unit_free(&u);
}

int main(void)
{
	RUN_TEST("vtd_regs", test_write_buffer_flush_waits_until_done);
	RUN_TEST("vtd_regs", test_fast_write_buffer_flush_is_not_a_timeout);
	RUN_TEST("vtd_regs", test_no_write_buffer_flush_without_rwbf);
	RUN_TEST("vtd_regs", test_take_over_disables_interrupt_remapping_before_the_queue);
	RUN_TEST("vtd_regs", test_take_over_clears_a_queue_error_left_behind);
	RUN_TEST("vtd_regs", test_take_over_drains_a_busy_queue);
	RUN_TEST("vtd_regs", test_context_invalidation_records_its_granularity);
	RUN_TEST("vtd_regs", test_context_invalidation_not_done_is_an_error);
	RUN_TEST("vtd_regs", test_caig_verdicts);
	RUN_TEST("vtd_regs", test_queued_invalidation_costs_one_write_and_no_read);
	RUN_TEST("vtd_regs", test_queued_batch_shares_one_write);
	RUN_TEST("vtd_regs", test_queue_error_is_still_reported);
	RUN_TEST("vtd_regs", test_register_invalidation_makes_only_the_required_accesses);
	RUN_TEST("vtd_regs", test_register_probes_make_one_access_and_change_nothing);
	RUN_TEST("vtd_regs", test_empty_wait_is_one_descriptor);
	return CHECK_EXIT_STATUS();
}

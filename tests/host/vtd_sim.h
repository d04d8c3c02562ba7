/* A simulated VT-d register block for host tests of the driver's register
 * protocol (drivers/vtd/vtd_hw.c, vtd_takeover.c, vtd_inval.c): it stands
 * in for drivers/vtd/vtd_mmio.c, and for the few kernel services those
 * files call (console, TSC rate, pages). One unit, one instance. It models
 * what QEMU does not: a write-buffer flush that takes a number of reads,
 * an invalidation queue stopped by an error the firmware left, a chosen
 * context-cache invalidation granularity.
 *
 * Like the bus, it takes one register access at a time from any number of
 * threads (each under the simulation's own mutex), so host tests can run
 * the driver's queue from several CPUs at once; it records what it ran for
 * whom, so a test can tell a lost, duplicated or early-ended request. */
#ifndef TESTS_HOST_VTD_SIM_H
#define TESTS_HOST_VTD_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include "drivers/vtd/vtd.h"

#define VTD_SIM_IRO 0x500   /* IOTLB registers, as ECAP.IRO gives them */
#define VTD_SIM_EVENTS 16
#define VTD_SIM_DIDS 256    /* domain ids whose page invalidations are followed */

struct vtd_sim {
	uint64_t cap, ecap;
	uint32_t gsts, fsts, pmen;
	uint64_t iqh, iqt, ccmd, iotlb, iva;
	/* Write-buffer flush (GCMD.WBF): GSTS.WBFS reads 1 for the first
	 * `wbf_latency` GSTS reads after the command, then 0. */
	unsigned wbf_latency, wbf_reads_left;
	bool wbf_running;
	unsigned wbf_started, wbf_completed;
	/* Context-cache invalidation: the CAIG reported when ICC clears. */
	unsigned caig;
	/* Queue: IQH moves one descriptor per IQH read while QIE is on and no
	 * IQE is pending; with iqe_sticky, clearing IQE while the head still
	 * points at the bad descriptor makes the unit fetch it again. */
	bool iqe_sticky;
	unsigned iqe_clears;
	/* A queue the driver set up (IQA written): moving IQT runs the
	 * descriptors at once, a wait descriptor's status write included
	 * (VT-d spec 6.5.2.8); a descriptor of an unknown type stops the
	 * queue at it with FSTS.IQE (6.5.2.10), and clearing IQE resumes. */
	uint64_t iqa;
	unsigned qi_descriptors_run, qi_status_writes;
	unsigned qi_wraps;          /* times the head went round the ring */
	/* Page-selective IOTLB invalidations per domain id, by either
	 * interface; each domain's pages must come in the order 0, 1, 2, ...
	 * (a test submits them so): one out of order is counted. */
	unsigned pages_done[VTD_SIM_DIDS];
	unsigned page_order_errors;
	/* Status writes per slot of the driver's status page (its 64-byte
	 * lines: one a CPU). */
	unsigned status_writes_by_slot[CPUS_MAX];
	/* Register-based: an IOTLB_REG write whose IVA another thread wrote
	 * (two CPUs' requests interleaved in the registers). */
	unsigned iva_interleavings;
	/* VER (read-only) and FEDATA (a plain data register), for the
	 * driver's register-access probes. */
	uint32_t ver, fedata;
	unsigned fedata_writes;
	/* Register accesses, as the bus would see them. */
	unsigned reads, writes;
	/* Changes of GCMD's persistent bits, in order: "TE-", "IRE-", "QIE-",
	 * "TE+", ... */
	const char *events[VTD_SIM_EVENTS];
	unsigned nevents;
	/* Protocol rules broken (e.g. QIE cleared while IRE is on). */
	unsigned violations;
	/* What the driver printed, all lines. */
	char log[8192];
	size_t loglen;
};

extern struct vtd_sim vtd_sim;

/* Resets the simulation to an idle unit with these capabilities and a
 * vtd_unit describing it (inval REG, index 0). */
void vtd_sim_reset(struct vtd_unit *u, uint64_t cap, uint64_t ecap);
/* The events joined by spaces, for one comparison. */
const char *vtd_sim_event_string(void);
bool vtd_sim_logged(const char *needle);
/* Read while other threads drive the simulation: pages_done[did]. */
unsigned vtd_sim_pages_done(uint16_t did);

#endif

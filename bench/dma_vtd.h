/* A device's DMA domain on the VT-d driver: its page tables, its DMA-layer
 * state, and the invalidation calls the DMA layer makes. */
#ifndef BENCH_DMA_VTD_H
#define BENCH_DMA_VTD_H

#include <stdbool.h>
#include <stdint.h>
#include "drivers/vtd/vtd.h"
#include "lib/cpus.h"
#include "lib/dma/dma.h"

struct dma_vtd;

/* One CPU's way into the domain: its dma_ops' context. */
struct dma_vtd_lane {
	struct dma_vtd *v;
	unsigned cpu;
	uint64_t now_calls;          /* TSC reads the DMA layer made on this lane (timing) */
	uint64_t inval_failures;     /* failed invalidations this lane saw */
	void (*release)(void *ctx, uint64_t cookie);
	void *release_ctx;
};

struct dma_vtd {
	struct vtd_unit *unit;       /* NULL when VT-d is not in use */
	uint8_t bus, devfn;
	int did;
	struct iopt pt;
	struct dma_domain dom;       /* the DMA layer's state with one lane */
	/* With several lanes (dma_vtd_attach_cpus), lane i's state is
	 * lane_dom[i] and dom is unused. */
	unsigned lanes;
	struct dma_domain *lane_dom;
	uint64_t lane_dom_pages;
	struct dma_group group;
	struct dma_vtd_lane lane[CPUS_MAX];
	void *storage;
	uint64_t storage_pages;
	uint64_t inval_failures;     /* failed invalidations over the domain's life, every lane */
	unsigned fail_waits;         /* test hook: report this many waits as failed */
	bool master_at_detach;       /* the device's bus mastering when detach began */
	const char *translation;     /* what the device's context entry does, see below */
	uint64_t bounce_phys;        /* bounce: the slots' pages */
	uint32_t bounce_pages;
};

/* Puts the device in a fresh domain for this policy (off: pass-through
 * where the unit has ECAP.PT, else the identity domain, with a line saying
 * so; identity: a translated 1:1 domain, whatever default_domain says) and
 * initialises the DMA layer over it; bounce: cfg->bounce_slots pages are
 * allocated here for the slots. Returns 0 or a negative error after
 * printing why. */
int dma_vtd_attach(struct dma_vtd *v, struct vtd_unit *u, uint8_t bus, uint8_t devfn,
		   const struct dma_config *cfg, void (*release)(void *, uint64_t), void *ctx);
/* The same for a device that `lanes` CPUs drive at once (lib/dma's
 * dma_group): lane i is CPU i's, with its own IOVA range, its own release
 * callback (rel[i], ctx[i]: each CPU's buffers go back to that CPU) and
 * its own slot of the unit's invalidation queue. lanes = 1 is
 * dma_vtd_attach. */
int dma_vtd_attach_cpus(struct dma_vtd *v, struct vtd_unit *u, uint8_t bus, uint8_t devfn,
			const struct dma_config *cfg, unsigned lanes,
			void (*rel)(void *, uint64_t), void *const *ctx);
/* Lane i's DMA-layer state (dom itself with one lane). */
struct dma_domain *dma_vtd_domain(struct dma_vtd *v, unsigned lane);
/* Lane i's statistics, with the cycles CPU i waited for the unit's
 * invalidation queue lock moved out of the wait phase into the lock
 * phase (the queue's lock is taken where the wait hands the CPU's
 * descriptors over). */
struct dma_stats dma_vtd_lane_stats(struct dma_vtd *v, unsigned lane);
/* Every lane's statistics added up (the window's and latencies' maxima
 * and histograms merged). */
void dma_stats_add(struct dma_stats *sum, const struct dma_stats *d);

/* What the device's context entry did while attached: "passthrough",
 * "identity" (a 1:1 translated domain), "remapped" (a domain of its own
 * with the DMA layer's page tables) or "none" (VT-d not in use). */
const char *dma_vtd_translation(const struct dma_vtd *v);
/* Zeroes the DMA layer's counters and the count of its TSC reads (every
 * lane's), so a measured stream starts from nothing. */
void dma_vtd_reset_stats(struct dma_vtd *v);
/* The DMA layer's phase times so far on a lane, all phases together:
 * what a stream takes out of a span it times around the device's work. */
uint64_t dma_vtd_phase_sum(const struct dma_vtd *v, unsigned lane);
/* At the end of a measured stream: the unit's register accesses since its
 * counters were reset, then (after a poll of the fault records, which
 * reads registers of its own) the DMA faults it recorded. Zeroes without
 * VT-d. */
void dma_vtd_stream_counts(struct dma_vtd *v, uint64_t *mmio_reads, uint64_t *mmio_writes,
			   uint64_t *faults);
/* Flushes what is queued, gives the device back to the identity domain
 * and frees the domain's page tables and bookkeeping. The caller stops the
 * device (bus mastering off) first. When an invalidation of this domain
 * failed, now or during its life, the unit may still hold translations
 * into the tables: they are kept for good, with a line saying so, and 1 is
 * returned (the caller keeps the buffers the DMA layer did not give back);
 * otherwise 0. */
int dma_vtd_detach(struct dma_vtd *v);

#endif

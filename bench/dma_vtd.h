/* A device's DMA domain on the VT-d driver: its page tables, its DMA-layer
 * state, and the invalidation calls the DMA layer makes. */
#ifndef BENCH_DMA_VTD_H
#define BENCH_DMA_VTD_H

#include <stdbool.h>
#include <stdint.h>
#include "drivers/vtd/vtd.h"
#include "lib/dma/dma.h"

struct dma_vtd {
	struct vtd_unit *unit;       /* NULL when VT-d is not in use */
	uint8_t bus, devfn;
	int did;
	struct iopt pt;
	struct dma_domain dom;
	void *storage;
	uint64_t storage_pages;
	void (*release)(void *ctx, uint64_t cookie);
	void *release_ctx;
	uint64_t now_calls;          /* TSC reads the DMA layer made (timing) */
	uint64_t inval_failures;     /* failed invalidations over the domain's life */
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
/* What the device's context entry did while attached: "passthrough",
 * "identity" (a 1:1 translated domain), "remapped" (a domain of its own
 * with the DMA layer's page tables) or "none" (VT-d not in use). */
const char *dma_vtd_translation(const struct dma_vtd *v);
/* Zeroes the DMA layer's counters and the count of its TSC reads, so a
 * measured stream starts from nothing. */
void dma_vtd_reset_stats(struct dma_vtd *v);
/* The DMA layer's phase times so far, all phases together: what a stream
 * takes out of a span it times around the device's work. */
uint64_t dma_vtd_phase_sum(const struct dma_vtd *v);
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

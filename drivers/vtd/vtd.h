/* The VT-d remapping driver: one object per DRHD unit of the DMAR table.
 * The kernel takes each unit over from the firmware, builds its tables,
 * and offers the DMA layer a small invalidation API that is the same for
 * the register-based and the queued interface. */
#ifndef DRIVERS_VTD_VTD_H
#define DRIVERS_VTD_VTD_H

#include <stdbool.h>
#include <stdint.h>
#include "lib/cpus.h"
#include "lib/dma/dma.h"
#include "lib/dmar/dmar.h"
#include "lib/iopt/iopt.h"
#include "lib/pci_id.h" /* devfn and requester ids, as the API below takes them */
#include "lib/ticket_lock.h"

#define VTD_MAX_UNITS 8
#define VTD_IDENTITY_DID 1  /* every device not under test */
#define VTD_FIRST_TEST_DID 2

/* The invalidation interface; its granularities are lib/dma's enum dma_gran. */
enum vtd_inval_mode { VTD_INVAL_REG, VTD_INVAL_QI };
#define VTD_INVAL_MODE_COUNT (VTD_INVAL_QI + 1)
/* The option words ("reg", "qi"), indexed by enum vtd_inval_mode and ended
 * by NULL, for an option table. */
extern const char *const vtd_inval_mode_words[VTD_INVAL_MODE_COUNT + 1];
/* The interface as the log names it: "register" or "queued". */
const char *vtd_inval_mode_name(enum vtd_inval_mode m);

struct vtd_stats {
	uint64_t iotlb_inval[DMA_GRAN_COUNT]; /* by enum dma_gran, as requested */
	uint64_t psi_fallbacks;     /* page-selective requests done domain-wide */
	uint64_t context_inval;
	uint64_t waits;
	uint64_t faults;            /* fault records read */
	uint64_t fault_overflows;   /* FSTS.PFO seen */
	uint64_t fault_interrupts;
	/* Accesses to the register block (vtd_mmio.c counts each one), so a
	 * stream can say what an invalidation costs on the bus. */
	uint64_t mmio_reads;
	uint64_t mmio_writes;
};

/* What the unit was sent over its life: IOTLB invalidations, through
 * either interface, by the granularity they went out with (a page request
 * the unit cannot take page-selectively goes out domain-wide), and wait
 * descriptors with a status write. Never reset, so that a whole run can
 * be held against an outside count such as QEMU's trace. */
struct vtd_ring_totals {
	uint64_t iotlb[DMA_GRAN_COUNT];
	uint64_t waits;
};

struct vtd_fault_record {
	uint16_t sid;               /* requester id: PCI_BDF(bus, devfn) */
	uint8_t reason;
	bool read;
	uint64_t addr;
};

/* A CPU's side of a unit's invalidation queue, cache-line aligned so no
 * two CPUs write the same line. Up to `seq` only its CPU touches it, and
 * without the lock (vtd_reset_stats aside); seq and what follows are
 * written under the unit's queue lock, and other CPUs read them there. */
#define VTD_STAGED_MAX 16           /* requests a CPU holds back before its wait */
struct vtd_cpu_queue {
	struct lock_wait lock_wait;  /* its acquisitions of the queue lock */
	uint32_t nstaged;
	bool holds_reg_lock;         /* register-based: submitted, not yet waited */
	uint64_t staged[VTD_STAGED_MAX][2]; /* descriptors not yet in the ring */
	/* Requests not yet added to the unit's stats (they are, under the
	 * lock, when the CPU next takes it). */
	uint64_t iotlb_inval[DMA_GRAN_COUNT];
	uint64_t psi_fallbacks;
	uint64_t context_inval;
	uint32_t seq;                /* status value of its last wait descriptor */
	uint32_t wait_end;           /* queue position after that descriptor */
	bool wait_end_unused;        /* ... not yet taken as the known head */
} __attribute__((aligned(64)));

struct vtd_unit {
	unsigned index;
	uint64_t reg_phys;
	volatile uint8_t *regs;
	uint16_t segment;
	bool include_pci_all;
	uint32_t ver;
	uint64_t cap, ecap;
	unsigned levels;            /* second-level paging levels used: 3 or 4 */
	bool coherent;              /* ECAP.C: page walks snoop the CPU caches */
	uint64_t root_table;        /* physical address */
	uint64_t context_table[256];/* per bus, 0 when not allocated */
	enum vtd_inval_mode inval;
	/* Queued invalidation (VT-d spec 6.5.2): one ring per unit, shared by
	 * the CPUs under iq_lock. Positions count descriptors from the queue's
	 * start and wrap at 2^32 (a multiple of the ring), so a position taken
	 * modulo iq_entries is its slot and differences need no wrap test. */
	uint64_t iq_base;
	uint32_t iq_entries;
	uint32_t iq_tail;           /* next free position */
	uint32_t iq_published;      /* the tail as IQT last showed it */
	uint32_t iq_known_head;     /* position the hardware is known to be past */
	unsigned iq_cpu_span;       /* CPUs 0..span-1 have sent wait descriptors */
	volatile uint32_t *iq_status; /* one page: a status slot per CPU */
	/* Held by the queue's users (queued: while a CPU adds its descriptors
	 * and moves IQT; register-based: from a CPU's submit to its wait). */
	/* A line of its own with what is read at acquisition: the CPUs
	 * spinning on it do not slow the fields read without it (inval, cap). */
	struct ticket_lock iq_lock __attribute__((aligned(64)));
	uint64_t iq_lock_limit;     /* TSC ticks a CPU waits for it at most */
	struct vtd_cpu_queue cpu[CPUS_MAX];
	bool reg_pending;           /* a register invalidation may be running */
	unsigned last_iaig;         /* granularity the hardware reported */
	unsigned last_caig;         /* ... for the last context-cache invalidation */
	bool caig_wider_noted;      /* a wider one than asked was logged already */
	bool translating;
	struct vtd_stats stats;
	/* Register accesses counted before the last vtd_reset_stats. */
	uint64_t mmio_reads_earlier, mmio_writes_earlier;
	struct vtd_ring_totals ring_totals; /* under iq_lock (either interface's) */
	struct vtd_fault_record last_fault;
};

struct vtd_options {
	enum vtd_inval_mode inval;
	bool passthrough;           /* other devices in pass-through, not identity */
};

/* Takes over every unit the DMAR table lists: decodes and prints its
 * capabilities, disables what the firmware left on, builds root and context
 * tables (every device in its scope in the identity domain) and enables
 * translation. Returns the number of units running, or a negative error. */
int vtd_init(const struct dmar_table *dmar, const struct vtd_options *opt);
/* Takes a running unit over again from scratch (self-tests use it to
 * exercise the take-over of a unit left translating). */
int vtd_restart(struct vtd_unit *u, const struct dmar_table *dmar, const struct vtd_options *opt);
unsigned vtd_unit_count(void);
struct vtd_unit *vtd_unit(unsigned i);
/* The unit whose scope covers a PCI function, or NULL. */
struct vtd_unit *vtd_unit_for(uint8_t bus, uint8_t devfn);

/* What a unit is and does, for code outside the driver (the benchmark and
 * its report), so that it needs neither the unit's fields nor the register
 * layout: capabilities decoded, current state, counters. */
struct vtd_unit_info {
	unsigned index;
	uint64_t base;              /* register block, physical */
	unsigned ver_major, ver_minor;
	uint64_t cap, ecap;         /* raw, for the record */
	unsigned levels;
	bool coherent;              /* ECAP.C */
	bool caching_mode;          /* CAP.CM */
	enum vtd_inval_mode inval;
};
void vtd_get_info(const struct vtd_unit *u, struct vtd_unit_info *info);
unsigned vtd_unit_index(const struct vtd_unit *u);
/* ECAP.QI: the unit has the invalidation queue. */
bool vtd_has_qi(const struct vtd_unit *u);
/* CAP.CM: not-present entries may be cached, so maps invalidate too. */
bool vtd_caching_mode(const struct vtd_unit *u);
/* CAP.NFR: how many fault recording registers the unit has. */
unsigned vtd_fault_record_count(const struct vtd_unit *u);
enum vtd_inval_mode vtd_get_inval_mode(const struct vtd_unit *u);
/* True once the driver enabled translation on the unit. */
bool vtd_translating(const struct vtd_unit *u);
/* The granularity the hardware reported for the last register-based
 * IOTLB invalidation (IAIG: 1 global, 2 domain, 3 page). */
unsigned vtd_last_iaig(const struct vtd_unit *u);
/* The granularity the hardware reported (CCMD.CAIG: 1 global, 2 domain,
 * 3 device) for the last register-based context-cache invalidation. */
unsigned vtd_last_caig(const struct vtd_unit *u);
/* CAP.RWBF without CAP.CM: page-table writes may sit in the unit's write
 * buffer, so a new mapping needs vtd_write_buffer_flush before the device
 * uses it (with CM the map's invalidation flushes it too). */
bool vtd_needs_write_buffer_flush(const struct vtd_unit *u);
const struct vtd_stats *vtd_get_stats(const struct vtd_unit *u);
/* Zeroes the counters (the CPUs' queue-lock waits too), so a measurement
 * starts from nothing; while no CPU uses the unit. A CPU's requests count
 * once it next takes the queue lock (at its wait at the latest). */
void vtd_reset_stats(struct vtd_unit *u);
/* Register accesses since the unit was found, resets or not (to compare
 * with an outside count such as QEMU's trace of the whole run). */
void vtd_mmio_totals(const struct vtd_unit *u, uint64_t *reads, uint64_t *writes);
/* The ring's totals (struct vtd_ring_totals); call with no other CPU
 * using the unit. */
void vtd_get_ring_totals(const struct vtd_unit *u, struct vtd_ring_totals *t);
/* The fault record read last (valid once stats.faults > 0). */
const struct vtd_fault_record *vtd_last_fault(const struct vtd_unit *u);
/* The hardware's own view (GSTS), not the driver's: the self-tests check
 * with it that a take-over really stopped and restarted the unit. */
struct vtd_global_status {
	uint32_t raw;
	bool translating;           /* GSTS.TES */
	bool queued_inval;          /* GSTS.QIES */
};
struct vtd_global_status vtd_read_global_status(struct vtd_unit *u);

/* Probes for the cost micro-benchmarks: one register access each, through
 * the counting accessors below, that changes nothing on the unit.
 * vtd_probe_read reads VER (read-only, VT-d spec 10.4.1).
 * vtd_probe_fedata reads FEDATA (10.4.11), the value vtd_probe_write then
 * writes back to it: FEDATA only holds the data of the fault-event
 * interrupt message, which the unit reads when it signals a fault, so
 * rewriting the value it holds starts nothing and changes nothing. */
uint32_t vtd_probe_read(struct vtd_unit *u);
uint32_t vtd_probe_fedata(struct vtd_unit *u);
void vtd_probe_write(struct vtd_unit *u, uint32_t fedata);
/* Queued interface only: a wait descriptor with its status write and no
 * request before it, waited for (one IQT write, then the poll of the
 * status word). -1 without printing when the unit is not in queued mode
 * or has descriptors not yet handed over (the wait would carry them);
 * otherwise as vtd_inval_wait. */
int vtd_qi_empty_wait(struct vtd_unit *u);

/* Moves a device into its own domain with the given page tables (DID is
 * chosen by the driver). Returns the domain id or a negative error. */
int vtd_attach(struct vtd_unit *u, uint8_t bus, uint8_t devfn, const struct iopt *pt);
/* ECAP.PT (VT-d spec 10.4.3): context entries may ask for pass-through. */
bool vtd_has_passthrough(const struct vtd_unit *u);
/* Moves a device into pass-through (no translation) under a domain id of
 * its own; -1 on a unit without ECAP.PT. Returns the domain id or a
 * negative error. vtd_detach gives it back. */
int vtd_attach_passthrough(struct vtd_unit *u, uint8_t bus, uint8_t devfn);
/* Moves a device into a translated 1:1 domain: the shared identity domain
 * (DID 1), or, when the other devices are in pass-through, 1:1 tables
 * built for it under a domain id of its own. Prints which. Returns the
 * domain id or a negative error. */
int vtd_attach_identity(struct vtd_unit *u, uint8_t bus, uint8_t devfn);
/* A domain id no device uses, for invalidation micro-benchmarks. */
int vtd_reserve_did(struct vtd_unit *u);
/* Gives the device back to where the devices not under test are: the
 * identity domain, or pass-through. */
int vtd_detach(struct vtd_unit *u, uint8_t bus, uint8_t devfn);
/* Empty page tables shaped for this unit (levels, superpages, cache
 * flushing when its page walks are not coherent). */
int vtd_iopt_init(struct vtd_unit *u, struct iopt *pt);

/* Invalidation, the same for both interfaces. The submit calls return
 * without waiting; vtd_inval_wait waits for everything submitted so far,
 * so a batch shares one wait (queued: the submitted descriptors reach the
 * unit together with the wait, in one IQT write). Each returns 0 or a negative error after
 * printing what timed out or failed. vtd_inval_submit and vtd_inval_wait
 * are the calls of CPU 0. */
int vtd_inval_submit(struct vtd_unit *u, enum dma_gran g, uint16_t did, uint64_t iova,
		     uint64_t npages);
int vtd_inval_wait(struct vtd_unit *u);
/* As vtd_inval_submit / vtd_inval_wait, from CPU `cpu` (0..CPUS_MAX-1), safe
 * to call from several CPUs at once. A CPU's submissions up to its wait go
 * out together (queued: its descriptors and its wait descriptor in one IQT
 * write, under the unit's queue lock); the lock is released before the CPU
 * polls its own status slot, so CPUs overlap their waits. Register-based:
 * the lock is held from a CPU's first submit through its wait, one
 * invalidation at a time, as the registers allow. */
int vtd_inval_submit_on(struct vtd_unit *u, unsigned cpu, enum dma_gran g, uint16_t did,
			uint64_t iova, uint64_t npages);
int vtd_inval_wait_on(struct vtd_unit *u, unsigned cpu);
/* The lock waits CPU cpu's calls made on this unit (reset by vtd_reset_stats). */
struct lock_wait vtd_queue_lock_wait(const struct vtd_unit *u, unsigned cpu);
int vtd_inval_sync(struct vtd_unit *u, enum dma_gran g, uint16_t did, uint64_t iova,
		   uint64_t npages);
int vtd_context_inval_global(struct vtd_unit *u);
/* Queues a raw descriptor (self-tests use it to provoke queue errors). */
int vtd_qi_push_raw(struct vtd_unit *u, uint64_t lo, uint64_t hi);
/* Switches a running unit between the two interfaces (queue on or off),
 * while no other CPU uses the unit. */
int vtd_set_inval_mode(struct vtd_unit *u, enum vtd_inval_mode mode);
/* Flushes the unit's write buffer (GCMD.WBF) and waits until it is done;
 * does nothing on a unit without CAP.RWBF. 0 or a negative error. */
int vtd_write_buffer_flush(struct vtd_unit *u);
/* Makes page-table writes visible to the unit: clflush when ECAP.C=0. */
void vtd_flush_cache(const struct vtd_unit *u, const void *p, unsigned long len);

/* Reads and clears pending fault records, printing one line each; returns
 * how many were found. Also called from the fault interrupt. */
unsigned vtd_fault_poll(struct vtd_unit *u);
/* Routes the fault event interrupt to this CPU's local APIC. */
void vtd_fault_irq_init(struct vtd_unit *u);
void vtd_fault_irq_mask(struct vtd_unit *u, bool masked);
const char *vtd_fault_reason(unsigned reason);

/* Register access (VT-d spec 10.4: 32- and 64-bit registers), in
 * drivers/vtd/vtd_mmio.c: the one place that touches the register block,
 * so that a host test can link a simulated register file instead. Each
 * access counts in u->stats (mmio_reads, mmio_writes). */
uint32_t vtd_read32(struct vtd_unit *u, unsigned off);
uint64_t vtd_read64(struct vtd_unit *u, unsigned off);
void vtd_write32(struct vtd_unit *u, unsigned off, uint32_t v);
void vtd_write64(struct vtd_unit *u, unsigned off, uint64_t v);

/* Waits until (register & mask) == want, bounded by a TSC timeout; on
 * timeout prints the unit, register and bit it waited for. */
int vtd_wait32(struct vtd_unit *u, unsigned off, uint32_t mask, uint32_t want, const char *what);
/* The same, handing back the register's last value read (the one that
 * ended the wait), so status fields beside the bit cost no second read. */
int vtd_wait64_read(struct vtd_unit *u, unsigned off, uint64_t mask, uint64_t want,
		    const char *what, uint64_t *last);
/* The same wait, given up early when a bit of stop_mask shows in the
 * 32-bit register at stop_off (an error that stops the unit's progress):
 * 0 reached, 1 stopped, -1 timed out (printed). */
int vtd_wait64_unless(struct vtd_unit *u, unsigned off, uint64_t mask, uint64_t want,
		      unsigned stop_off, uint32_t stop_mask, const char *what);
/* Issues one GCMD command bit (or clears a persistent one) the way the
 * spec asks: current state from GSTS, one-shot bits cleared, then waits
 * for the status bit to say it is done (for WBF: for WBFS to clear). */
int vtd_gcmd(struct vtd_unit *u, uint32_t bit, bool set, const char *name);

#endif

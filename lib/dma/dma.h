/* The DMA mapping layer: streaming map/unmap of buffers into a device's
 * I/O page tables under one of the invalidation policies under study.
 *
 *   off      no remapping: the device sees physical addresses (the kernel
 *            puts it in pass-through where the unit has it, else in the
 *            identity domain); map returns phys, unmap does nothing.
 *   identity the device is translated, but through a fixed 1:1 domain: map
 *            returns phys and unmap does nothing, as under off, so what
 *            the row adds over off is the cost of translation itself
 *            (IOTLB misses, page walks).
 *   strict   unmap clears the PTEs, invalidates that range and waits, then
 *            frees the IOVA: one invalidation per unmap.
 *   batched  unmap clears the PTEs and queues the IOVA; one invalidation
 *            covers the whole queue when it holds `hwm` entries or when its
 *            oldest entry is `flush_deadline` old; only after that
 *            invalidation completed do the IOVAs return to the allocator.
 *   fq       Linux's flush queue: as batched, but a ring of `fq_size`
 *            entries per lane (no lock), flushed by one domain-selective
 *            invalidation when full or when its oldest entry is
 *            `flush_deadline` old (each CPU's own timer, dma_poll); a
 *            flush by any lane also retires what the other lanes queued
 *            before it began (Linux's shared flush counters).
 *   pool     buffers are mapped once at start-up and reused (the driver
 *            makes no per-packet calls); map/unmap behave as in strict.
 *   bounce   shadow buffers: a pool of bounce slots (one page each) is
 *            mapped once at init; map copies the buffer into a free slot
 *            (when the device reads it) and returns the slot's IOVA, unmap
 *            copies the slot back (when the device wrote it), frees the
 *            slot and releases the buffer at once, since the device never
 *            had a translation to it. No invalidation per packet.
 *
 * Each policy is one file, lib/dma/dma_<name>.c, behind a table of entry
 * points; lib/dma/dma.c holds what they share (set-up, the IOVA and
 * page-table steps, phase timing, statistics) and the functions below,
 * which hand each call to the domain's policy.
 *
 * Invariant: an IOVA is never handed out again, and a buffer is never given
 * back to its owner (ops.release), while a translation for it may still be
 * cached by the IOMMU, i.e. before the invalidation covering its unmap has
 * completed.
 *
 * Plain C, no hardware access: the kernel passes the VT-d invalidation API
 * in dma_ops; the host tests and the benchmark pass counters.
 *
 * Rules for the caller:
 * - One domain is not safe to enter twice at once: no locking here, and
 *   ops.release (called from dma_unmap, dma_map, dma_poll and dma_flush)
 *   must not call back into the same domain. Several CPUs map for one
 *   device through a group of lanes, one domain each (dma_group_init).
 * - ops.now is called when `timing` is on; with timing off only by the
 *   batched and fq policies with a deadline, once per batch (when the
 *   queue becomes non-empty) and in dma_poll. The other policies never
 *   call it then.
 * - Off and identity: nothing is checked on unmap (there is no state to
 *   check against); the buffer is released at once.
 * - Bounce: buffers of at most a page; ops.phys_to_ptr reaches the buffers
 *   and the slots by physical address.
 * - After a failed dma_domain_init only dma_poll, dma_flush, dma_deadline,
 *   dma_get_stats and dma_reset_stats may be called (they do nothing). */
#ifndef LIB_DMA_DMA_H
#define LIB_DMA_DMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/dma/flushq.h"
#include "lib/iopt/iopt.h"
#include "lib/dma/iova.h"
#include "lib/log2_hist.h"
#include "lib/ticket_lock.h"
#include "lib/cpus.h"

/* The policies, in the order of enum dma_policy: X(NAME, word) gives
 * DMA_POLICY_NAME, its word in dma_policy_names and its table of entry
 * points, dma_<word>_policy in lib/dma/dma_<word>.c. A new policy is one
 * line here and that file. */
#define DMA_POLICIES(X)   \
	X(OFF, off)           \
	X(IDENTITY, identity) \
	X(STRICT, strict)     \
	X(BATCHED, batched)   \
	X(FQ, fq)             \
	X(POOL, pool)         \
	X(BOUNCE, bounce)

#define DMA_POLICY_ENUMERATOR(name, word) DMA_POLICY_##name,
enum dma_policy { DMA_POLICIES(DMA_POLICY_ENUMERATOR) };
#undef DMA_POLICY_ENUMERATOR
#define DMA_POLICY_PLUS_ONE(name, word) +1
#define DMA_POLICY_COUNT (0 DMA_POLICIES(DMA_POLICY_PLUS_ONE))
/* The policies' names, indexed by enum dma_policy and ended by NULL (the
 * option parser takes the array as its list of words). */
extern const char *const dma_policy_names[DMA_POLICY_COUNT + 1];
const char *dma_policy_name(enum dma_policy p);

enum dma_dir { DMA_TO_DEVICE = 1, DMA_FROM_DEVICE = 2, DMA_BIDIRECTIONAL = 3 };
/* Granularity of an invalidation request (the batched flush's is chosen by
 * the configuration; strict always asks for pages). */
enum dma_gran { DMA_GRAN_PAGES, DMA_GRAN_DOMAIN, DMA_GRAN_GLOBAL };
#define DMA_GRAN_COUNT (DMA_GRAN_GLOBAL + 1)
/* Indexed by enum dma_gran and ended by NULL, like dma_policy_names. */
extern const char *const dma_gran_names[DMA_GRAN_COUNT + 1];
const char *dma_gran_name(enum dma_gran g);

/* Phases timed with ops.now when the domain's `timing` is on. */
enum dma_phase {
	DMA_PHASE_IOVA,    /* IOVA allocation and free */
	DMA_PHASE_PTE,     /* page-table writes, including cache flushes */
	DMA_PHASE_SUBMIT,  /* invalidation submission */
	DMA_PHASE_WAIT,    /* invalidation wait */
	DMA_PHASE_COPY,    /* bounce: copying into and out of the slots */
	DMA_PHASE_LOCK,    /* waiting for a lock other CPUs share (lanes only) */
	DMA_PHASE_COUNT
};

#define DMA_EINVAL  (-1) /* bad argument: alignment, length, unknown IOVA */
#define DMA_ENOSPC  (-2) /* the IOVA range is exhausted */
#define DMA_ENOMEM  (-3) /* no memory for page tables */
#define DMA_EIO     (-4) /* an invalidation failed or timed out */

#define DMA_DEFAULT_HWM 250 /* batched, when hwm is 0: the 2008 patch's value */
#define DMA_DEFAULT_FQ_SIZE 256 /* fq, when fq_size is 0: Linux's IOVA_FQ_SIZE */
/* When lock_limit is 0: ticks a shared lock may be waited for before the
 * call gives up (DMA_EIO), far beyond any honest wait (seconds at GHz). */
#define DMA_DEFAULT_LOCK_LIMIT 10000000000ull

struct dma_ops {
	/* Submits an invalidation without waiting: iova/npages for
	 * DMA_GRAN_PAGES, ignored otherwise. Returns 0 or negative. */
	int (*inval_submit)(void *ctx, enum dma_gran g, uint64_t iova, uint64_t npages);
	/* Waits for everything submitted so far. */
	int (*inval_wait)(void *ctx);
	/* A monotonic clock (the TSC in the kernel). */
	uint64_t (*now)(void *ctx);
	/* Gives a buffer back to its owner once no cached translation can
	 * reach it (cookie as passed to dma_unmap). May be NULL. */
	void (*release)(void *ctx, uint64_t cookie);
	/* Flushes the IOMMU's write buffer, so that the page-table writes
	 * of a new mapping reach it before the device uses the mapping
	 * (VT-d CAP.RWBF, spec 6.8). Needed only with cfg.write_buffer_flush. */
	int (*write_buffer_flush)(void *ctx);
	/* Where the CPU reaches the memory at a physical address (bounce
	 * only: the copies into and out of the slots). */
	void *(*phys_to_ptr)(void *ctx, uint64_t phys);
	void *ctx;
};

struct dma_config {
	enum dma_policy policy;
	uint64_t iova_base, iova_limit;  /* [base, limit) to allocate from, 4 KiB aligned */
	unsigned hwm;                    /* batched: entries that trigger a flush (0: default) */
	uint64_t flush_deadline;         /* batched, fq: max age of the oldest entry, ops.now
					  * units; 0: no deadline (dma_poll does nothing) */
	enum dma_gran batch_gran;        /* batched: granularity of the flush */
	bool timing;                     /* accumulate phase times (costs now() calls) */
	bool caching_mode;               /* CAP.CM: map must invalidate too (not-present entries cached) */
	bool write_buffer_flush;         /* CAP.RWBF without CM: map flushes the write buffer */
	uint32_t bounce_slots;           /* bounce: slots, one page each, at most in flight
					  * (a group's total, split evenly over its lanes) */
	uint64_t bounce_phys;            /* bounce: the first of bounce_slots contiguous pages */
	uint32_t fq_size;                /* fq: entries of each lane's ring (0: default) */
	uint64_t lock_limit;             /* lanes: TSC ticks (ops.now's units in the kernel)
					  * a shared lock is waited for before the call fails
					  * with DMA_EIO (0: DMA_DEFAULT_LOCK_LIMIT) */
};

struct dma_stats {
	uint64_t maps, unmaps;
	uint64_t inval_submits;          /* invalidation requests issued */
	uint64_t inval_waits;
	uint64_t inval_map;              /* of those submits, caching-mode ones at map */
	uint64_t write_buffer_flushes;   /* ops.write_buffer_flush calls, one per map */
	uint64_t flushes_hwm;            /* batched flushes by high-water mark (fq: ring full) */
	uint64_t flushes_deadline;       /* ... by deadline (dma_poll) */
	uint64_t flushes_forced;         /* ... by dma_flush */
	uint64_t flushes_nospace;        /* ... by dma_map finding the range exhausted */
	uint64_t queued_max;             /* largest queue seen */
	uint64_t retired_by_others;      /* fq: entries retired because another lane's
					  * flush covered them */
	uint64_t leaked;                 /* IOVA blocks (and for unmaps, buffers) kept
					  * for good after a failed invalidation */
	/* The protection window: for each batched entry, the time from its
	 * unmap to the completion of the invalidation that covered it, and the
	 * number of unmaps that happened in between (after its own, up to the
	 * completion). The times need `timing` (0 otherwise); counts do not. */
	uint64_t window_count, window_sum, window_max;
	uint64_t window_unmaps_sum, window_unmaps_max;
	uint64_t phase[DMA_PHASE_COUNT]; /* ops.now units, when timing */
	/* This lane's acquisitions of the locks lanes share (batched's global
	 * list, the inboxes), timing on or off; cycles are TSC ticks. */
	struct lock_wait lock;
	/* One entry per wait, by the granularity of what it waited for
	 * (strict and caching mode: pages; batched: batch_gran): the time
	 * from the first submission the wait covers to the wait's return,
	 * ops.now units. Only with `timing`, from the clock reads the phases
	 * take anyway. */
	struct log2_hist inval_latency[DMA_GRAN_COUNT];
};

/* Memory for the domain's bookkeeping comes from the caller (no malloc):
 * dma_storage_bytes says how much for a given IOVA range and hwm: 5 bytes
 * per page of the range (rounded up to 8), plus 48 per queue entry (hwm)
 * for batched and per ring entry (fq_size) for fq, plus 32 per slot for
 * bounce; 0 for off and identity. A 64
 * MiB range with hwm 250 takes 92 KiB. (The bounce slots' pages themselves
 * are cfg.bounce_phys.) */
size_t dma_storage_bytes(const struct dma_config *cfg);

/* fq: Linux's flush counters (drivers/iommu/dma-iommu.c), shared by a
 * group's lanes (a lone domain has its own). A flush counts `started`
 * before it submits its invalidation and `finished` once its wait returned;
 * an entry is tagged with `started` as read after its PTEs were cleared.
 * Once `finished` exceeds the tag, more flushes have completed than had
 * started by then, so one that started after the unmap has completed: the
 * entry is covered, whichever lane flushed. */
struct dma_fq_counters {
	uint64_t started, finished;      /* atomic */
};

struct dma_policy_ops; /* lib/dma/dma_core.h */
struct dma_bounce_slot; /* lib/dma/dma_bounce.c */
struct dma_group;

/* Public so that callers can place it; its fields are the implementation's. */
struct dma_domain {
	const struct dma_policy_ops *policy; /* cfg.policy's entry points */
	struct iopt *pt;                 /* NULL for off */
	struct dma_config cfg;           /* hwm already defaulted */
	struct dma_ops ops;
	struct iova_space iova;          /* not used by off */
	struct flushq q;                 /* batched: unmapped blocks awaiting invalidation */
	uint64_t q_since;                /* batched: ops.now when q last became non-empty
					  * (read only with timing or a deadline) */
	struct dma_stats stats;
	bool fast;                       /* the per-packet path is open: no timing, no
					  * caching mode, no write-buffer flush */
	/* A lane of a batched group (dma_group_init): the group with the
	 * global list, and this lane's inbox, where other CPUs' flushes
	 * leave this lane's invalidated blocks (in q, capacity hwm). */
	struct dma_group *group;         /* NULL but for a batched group's lanes */
	unsigned lane;                   /* its index in the group */
	uint32_t outstanding;            /* owner only: its blocks on the list or in the inbox */
	struct ticket_lock inbox_lock;   /* guards q (the inbox) */
	uint32_t inbox_n;                /* entries in the inbox, atomic: the owner's
					  * check for work costs one relaxed load */
	/* fq: the group's flush counters, or fq_own for a lone domain. */
	struct dma_fq_counters *fq_counters;
	struct dma_fq_counters fq_own;
	struct {                         /* bounce only */
		struct dma_bounce_slot *slot; /* per slot, in the storage */
		uint32_t free;           /* first free slot; count when none */
		uint32_t count;
		uint64_t iova;           /* slot i is at iova + i pages */
	} bounce;
};

/* ---- lanes: one device mapped from several CPUs -------------------------
 *
 * A group is one device's page tables mapped from `n` CPUs, through one
 * struct dma_domain per CPU (a lane) used with the calls below. Lane i has
 * its own slice of the IOVA range, allocator, statistics and dma_ops (its
 * ctx names the CPU) and is entered only from its CPU: its own path takes
 * no lock. What the lanes share:
 * - the page tables: built up front for every lane's slice (which is a
 *   multiple of 2 MiB, so no two lanes share a leaf table), so no map ever
 *   allocates or writes a table another lane walks; each lane has its own
 *   view (struct iopt) with its own remembered leaf table;
 * - batched only: ONE global list under one ticket lock (the 2008 design).
 *   hwm and the deadline count the whole list; the CPU whose unmap fills
 *   it flushes it (one invalidation of batch_gran through its own ops) and
 *   hands each entry to its owner lane's inbox (under that lane's lock).
 *   The owner takes its inbox at its next dma_map, dma_unmap, dma_poll or
 *   dma_flush (one relaxed load when empty), frees the IOVAs and calls
 *   ops.release itself: a buffer is always released on its own CPU.
 *   dma_deadline(lane 0) is the list's deadline, served by CPU 0's
 *   dma_poll; the other lanes' is 0. At the end of a run, each lane calls
 *   dma_flush on its own CPU (after the others' flushes) to take back what
 *   its inbox holds.
 * Every other policy is per lane: strict and pool invalidate through the
 * lane's ops; fq keeps a ring per lane with its own deadline (each CPU's
 * timer calls dma_poll on its lane) and the group's flush counters, so
 * that a lane retires what any lane's completed flush covered; bounce splits cfg.bounce_slots (and
 * the pages at bounce_phys) evenly over the lanes; off and identity share
 * nothing.
 * The invariant holds across CPUs: no IOVA is handed out and no buffer
 * released, on any CPU, before the invalidation covering its unmap
 * completed.
 * Waiting for a shared lock is its own phase, DMA_PHASE_LOCK (moved out of
 * the phase it interrupted), and stats.lock counts the acquisitions; a
 * lock not obtained within cfg.lock_limit ticks fails the call with
 * DMA_EIO, with nothing changed. */
struct dma_group {
	unsigned n;                      /* lanes */
	struct dma_domain *lanes;
	uint64_t base, lane_bytes;       /* lane i: [base + i * lane_bytes, + lane_bytes) */
	struct iopt pt[CPUS_MAX];        /* each lane's view of the shared tables */
	/* batched only */
	struct ticket_lock lock;         /* guards the fields below */
	struct flushq q;                 /* the global list, capacity hwm */
	uint64_t q_since;                /* ops.now when q last became non-empty */
	uint64_t unmaps;                 /* pushes onto q, for the window counts */
	uint64_t deadline_at;            /* atomic: q_since + flush_deadline, 0 when
					  * q is empty or there is no deadline */
	/* fq only. Every lane reads it per unmap and flushes write it: after
	 * batched's fields, which fq leaves alone, it shares a cache line with
	 * nothing in the group that a lane writes. */
	struct dma_fq_counters fq_counters;
};

/* Storage for a group of `lanes` lanes (8-byte aligned); for one lane,
 * dma_storage_bytes(cfg). */
size_t dma_group_storage_bytes(const struct dma_config *cfg, unsigned lanes);
/* Splits [cfg->iova_base, cfg->iova_limit) into n equal slices, each a
 * multiple of 2 MiB (for n > 1 iova_base must be 2 MiB aligned; what is
 * left over at the top stays unused), builds up front every page table the
 * slices need, and initialises lanes[0..n-1] (n from 1 to CPUS_MAX) with
 * ops[i] as lane i's dma_ops. dma_map_coherent goes to lane 0 (shared for
 * the domain's life, set up single-threaded). n = 1 is dma_domain_init.
 * Errors: DMA_EINVAL, DMA_ENOMEM (no memory for the tables). */
int dma_group_init(struct dma_group *g, struct dma_domain *lanes, unsigned n, struct iopt *pt,
		   const struct dma_config *cfg, const struct dma_ops *ops, void *storage,
		   size_t storage_bytes);

/* storage: 8-byte aligned, at least dma_storage_bytes(cfg) long, owned by
 * the domain from now on (NULL and 0 for off and identity). pt: the
 * device's tables, iova_limit - 1 within iopt_max_iova(pt); NULL for off
 * and identity. Bounce maps its slots into pt here, first in the range
 * (with caching mode, one invalidation covers them). */
int dma_domain_init(struct dma_domain *d, struct iopt *pt, const struct dma_config *cfg,
		    const struct dma_ops *ops, void *storage, size_t storage_bytes);
/* Maps [phys, phys + len) (any alignment; whole pages are mapped) with the
 * rights dir asks for; *iova gets the device address of phys. Batched: when
 * the range is exhausted, flushes the queue and tries again. Errors:
 * DMA_EINVAL, DMA_ENOSPC, DMA_ENOMEM, DMA_EIO (caching mode's invalidation,
 * the write-buffer flush, or the flush above, failed); nothing is mapped
 * then. */
int dma_map(struct dma_domain *d, uint64_t phys, size_t len, enum dma_dir dir, uint64_t *iova);
/* Memory the CPU and the device share for the domain's life (descriptor
 * rings, a buffer the CPU writes after mapping it): mapped as dma_map does
 * for every policy but bounce, which maps it straight through its page
 * tables instead of a slot. Never unmapped (the domain goes as a whole). */
int dma_map_coherent(struct dma_domain *d, uint64_t phys, size_t len, enum dma_dir dir,
		     uint64_t *iova);
/* Unmaps what dma_map returned; the buffer goes back through ops.release
 * (with cookie) when the policy says it is safe. DMA_EINVAL: nothing was
 * done (not mapped, or not what dma_map returned). DMA_EIO: the unmap was
 * done but an invalidation failed; batched: the buffer comes back after a
 * later flush succeeds; strict (or a batched queue left full by an earlier
 * failure): the IOVA and the buffer are kept for good (stats.leaked). */
int dma_unmap(struct dma_domain *d, uint64_t iova, size_t len, enum dma_dir dir, uint64_t cookie);
/* Batched: flushes if the oldest entry passed its deadline; call it from
 * the main loop when the deadline timer fired. Returns 0 or negative. */
int dma_poll(struct dma_domain *d);
/* Batched: flushes whatever is queued now (end of a run). */
int dma_flush(struct dma_domain *d);
/* The ops.now time at which the queue's oldest entry must be flushed, or 0
 * when the queue is empty or there is no deadline (the kernel arms its
 * timer with it). */
uint64_t dma_deadline(const struct dma_domain *d);
const struct dma_stats *dma_get_stats(const struct dma_domain *d);
/* Zeroes the statistics, so that a measured stream counts from here on;
 * the protection window of blocks queued before still counts the unmaps
 * between theirs and their invalidation. */
void dma_reset_stats(struct dma_domain *d);

#endif

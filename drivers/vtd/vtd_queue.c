/* The queued invalidation interface (VT-d spec 6.5.2) shared by several
 * CPUs. A unit has one ring; every CPU stages its requests in its own
 * area (struct vtd_cpu_queue) and hands them over at its wait: under the
 * unit's ticket lock it copies them into the ring behind a wait
 * descriptor that writes the CPU's own status slot, moves IQT once, and
 * lets go of the lock before polling the slot, so the CPUs' waits
 * overlap. The free space comes from completed wait descriptors (each
 * proves the unit fetched the ring up to it), not from IQH: a strict
 * unmap costs one register write and no read when all goes well. */
#include "drivers/vtd/vtd.h"
#include "drivers/vtd/vtd_internal.h"
#include "drivers/vtd/vtd_regs.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/mem.h"
#include "kernel/tsc.h"

#define IQ_PAGES 1          /* 256 descriptors */
#define IQ_STATUS_DONE_TIMEOUT_US 1000000
/* A status write later than this may mean an error stopped the queue:
 * from then on the wait also reads FSTS, once per such period. Before it,
 * the wait touches no register at all. */
#define IQ_STATUS_SPIN_US 20
/* The lock holder may itself wait up to IQ_STATUS_DONE_TIMEOUT_US for
 * the ring to make room, so a waiter gives up only well after that. */
#define IQ_LOCK_TIMEOUT_US 3000000
/* Status slots: one cache line each, so that a CPU polling its own slot
 * does not share the line the unit writes for another CPU. */
#define IQ_STATUS_SLOT_BYTES 64
_Static_assert(CPUS_MAX * IQ_STATUS_SLOT_BYTES <= PAGE_SIZE, "one page of status slots");
/* Positions wrap at 2^32: the ring's size must divide it. */
_Static_assert(((IQ_PAGES * PAGE_SIZE / VTD_QI_DESC_BYTES) &
		(IQ_PAGES * PAGE_SIZE / VTD_QI_DESC_BYTES - 1)) == 0, "a power-of-two ring");

/* ---- the lock and the counts kept without it ---- */

bool vtd_queue_lock(struct vtd_unit *u, unsigned cpu)
{
	uint64_t limit = u->iq_lock_limit ? u->iq_lock_limit : tsc_from_us(IQ_LOCK_TIMEOUT_US);

	if (ticket_lock_acquire(&u->iq_lock, limit, &u->cpu[cpu].lock_wait))
		return true;
	console_set_error_color(1);
	kprintf("vtd%u: cpu %u: timeout: the invalidation queue lock was not released within "
		"%u ms (its holder stopped); the lock is unusable from now on\n", u->index, cpu,
		IQ_LOCK_TIMEOUT_US / 1000);
	console_set_error_color(0);
	return false;
}

void vtd_queue_unlock(struct vtd_unit *u)
{
	ticket_lock_release(&u->iq_lock);
}

void vtd_queue_fold_counts(struct vtd_unit *u, unsigned cpu)
{
	struct vtd_cpu_queue *c = &u->cpu[cpu];

	for (unsigned g = 0; g < DMA_GRAN_COUNT; g++) {
		u->stats.iotlb_inval[g] += c->iotlb_inval[g];
		c->iotlb_inval[g] = 0;
	}
	u->stats.psi_fallbacks += c->psi_fallbacks;
	c->psi_fallbacks = 0;
	u->stats.context_inval += c->context_inval;
	c->context_inval = 0;
}

/* ---- the ring; everything below runs under the queue lock ---- */

static volatile uint32_t *status_slot(const struct vtd_unit *u, unsigned cpu)
{
	return (volatile uint32_t *)((uintptr_t)u->iq_status + cpu * IQ_STATUS_SLOT_BYTES);
}

/* The unit writes the slots behind the CPU's back: atomic loads, so the
 * compiler neither caches nor tears them (a plain load on x86). */
static uint32_t status_read(const struct vtd_unit *u, unsigned cpu)
{
	return __atomic_load_n(status_slot(u, cpu), __ATOMIC_ACQUIRE);
}

/* The ring slot of queue position `pos`. */
static volatile uint64_t *qi_slot(const struct vtd_unit *u, uint32_t pos)
{
	return (volatile uint64_t *)(u->iq_base + (pos % u->iq_entries) * VTD_QI_DESC_BYTES);
}

/* After IQE the unit stops at the bad descriptor (IQH points at it). The
 * recovery VT-d spec 6.5.2.10 allows: overwrite it with a harmless
 * descriptor (a global IOTLB invalidation: QEMU rejects a wait that neither
 * writes status nor interrupts), then clear IQE so fetching resumes; the
 * requests behind it still complete. */
static void qi_recover(struct vtd_unit *u)
{
	uint32_t head = (uint32_t)(vtd_read64(u, DMAR_IQH_REG) >> DMA_IQ_SHIFT);
	volatile uint64_t *d = qi_slot(u, head);

	d[0] = QI_IOTLB_TYPE | QI_GRAN_GLOBAL;
	d[1] = 0;
	vtd_flush_cache(u, (const void *)d, VTD_QI_DESC_BYTES);
}

static int qi_check_errors(struct vtd_unit *u)
{
	uint32_t fsts = vtd_read32(u, DMAR_FSTS_REG);

	if (!(fsts & (DMA_FSTS_IQE | DMA_FSTS_ICE | DMA_FSTS_ITE)))
		return 0;
	if (fsts & DMA_FSTS_IQE)
		qi_recover(u);
	console_set_error_color(1);
	kprintf("vtd%u: invalidation queue error:%s%s%s (FSTS 0x%x, head %lu, tail %u)\n", u->index,
		fsts & DMA_FSTS_IQE ? " IQE (a descriptor was invalid)" : "",
		fsts & DMA_FSTS_ICE ? " ICE (completion error)" : "",
		fsts & DMA_FSTS_ITE ? " ITE (device-TLB time-out)" : "", fsts,
		vtd_read64(u, DMAR_IQH_REG) >> DMA_IQ_SHIFT, u->iq_tail % u->iq_entries);
	console_set_error_color(0);
	vtd_write32(u, DMAR_FSTS_REG, fsts & (DMA_FSTS_IQE | DMA_FSTS_ICE | DMA_FSTS_ITE));
	return -1;
}

/* Free slots behind the tail, counted from the furthest position the
 * hardware is known to have fetched; one slot stays empty, since head ==
 * tail means an empty queue (VT-d spec 6.5.2). */
static uint32_t qi_free_slots(const struct vtd_unit *u)
{
	return u->iq_entries - 1 - (u->iq_tail - u->iq_known_head);
}

/* Moves IQT to the tail: the one register write that hands everything
 * queued since the last one to the unit. */
static void qi_publish(struct vtd_unit *u)
{
	if (u->iq_published == u->iq_tail)
		return;
	/* The descriptors must be in memory before the tail moves past them. */
	__asm__ volatile("sfence" ::: "memory");
	vtd_write64(u, DMAR_IQT_REG, (uint64_t)(u->iq_tail % u->iq_entries) << DMA_IQ_SHIFT);
	u->iq_published = u->iq_tail;
}

/* A completed wait descriptor (its status written, 6.5.2.8) proves the
 * hardware fetched everything before it. Each CPU's last one counts once:
 * a position used up is never taken again, however long its CPU stays
 * idle while the counters wrap. */
static void qi_reclaim_from_waits(struct vtd_unit *u)
{
	for (unsigned cpu = 0; cpu < u->iq_cpu_span; cpu++) {
		struct vtd_cpu_queue *c = &u->cpu[cpu];
		if (!c->wait_end_unused || status_read(u, cpu) != c->seq)
			continue;
		c->wait_end_unused = false;
		if ((int32_t)(c->wait_end - u->iq_known_head) > 0)
			u->iq_known_head = c->wait_end;
	}
}

/* Makes room for n descriptors: from the completed waits first, which
 * costs no register access; only a ring that is full by that count reads
 * IQH, which may be further on. */
static int qi_make_room(struct vtd_unit *u, uint32_t n)
{
	if (qi_free_slots(u) >= n)
		return 0;
	qi_reclaim_from_waits(u);
	if (qi_free_slots(u) >= n)
		return 0;
	/* The unit can only make room by fetching what IQT shows it. */
	qi_publish(u);
	uint64_t end = rdtsc_ordered() + tsc_from_us(IQ_STATUS_DONE_TIMEOUT_US);
	for (;;) {
		uint32_t head = (uint32_t)((vtd_read64(u, DMAR_IQH_REG) >> DMA_IQ_SHIFT) %
					   u->iq_entries);
		u->iq_known_head = u->iq_tail - (u->iq_tail - head) % u->iq_entries;
		if (qi_free_slots(u) >= n)
			return 0;
		if (qi_check_errors(u))
			return -1;
		if (rdtsc_ordered() > end) {
			kprintf("vtd%u: timeout: the invalidation queue stays full (IQH)\n", u->index);
			return -1;
		}
		cpu_pause();
	}
}

/* The ring's totals by descriptor type and granularity (VT-d spec
 * 6.5.2.3: type in bits 3:0, an IOTLB invalidation's granularity in 5:4;
 * 6.5.2.8: a wait's status-write flag). */
static void count_descriptor(struct vtd_unit *u, uint64_t lo)
{
	struct vtd_ring_totals *t = &u->ring_totals;

	if ((lo & 0xf) == QI_IOTLB_TYPE) {
		uint64_t g = lo & (3ull << 4);
		t->iotlb[g == QI_GRAN_GLOBAL ? DMA_GRAN_GLOBAL :
			 g == QI_GRAN_DOMAIN ? DMA_GRAN_DOMAIN : DMA_GRAN_PAGES]++;
	} else if ((lo & 0xf) == QI_IWD_TYPE && (lo & QI_IWD_SW)) {
		t->waits++;
	}
}

/* Puts one descriptor in the ring (room made) without showing it to the
 * unit yet (qi_publish does, with the wait that follows). */
static void qi_put(struct vtd_unit *u, uint64_t lo, uint64_t hi)
{
	volatile uint64_t *d = qi_slot(u, u->iq_tail);

	count_descriptor(u, lo);
	d[0] = lo;
	d[1] = hi;
	vtd_flush_cache(u, (const void *)d, VTD_QI_DESC_BYTES);
	u->iq_tail++;
}

/* Moves CPU cpu's staged descriptors into the ring, plus `extra` more
 * slots made room for; counts them in the unit's stats. */
static int qi_take_staged(struct vtd_unit *u, unsigned cpu, uint32_t extra)
{
	struct vtd_cpu_queue *c = &u->cpu[cpu];

	vtd_queue_fold_counts(u, cpu);
	if (qi_make_room(u, c->nstaged + extra))
		return -1;
	for (uint32_t i = 0; i < c->nstaged; i++)
		qi_put(u, c->staged[i][0], c->staged[i][1]);
	c->nstaged = 0;
	return 0;
}

/* ---- what the rest of the driver calls ---- */

int vtd_qi_stage(struct vtd_unit *u, unsigned cpu, uint64_t lo, uint64_t hi)
{
	struct vtd_cpu_queue *c = &u->cpu[cpu];

	if (c->nstaged == VTD_STAGED_MAX) {
		if (!vtd_queue_lock(u, cpu))
			return -1;
		int rc = qi_take_staged(u, cpu, 0);
		vtd_queue_unlock(u);
		if (rc)
			return -1;
	}
	c->staged[c->nstaged][0] = lo;
	c->staged[c->nstaged][1] = hi;
	c->nstaged++;
	return 0;
}

int vtd_qi_push_raw(struct vtd_unit *u, uint64_t lo, uint64_t hi)
{
	if (u->inval != VTD_INVAL_QI || !vtd_queue_lock(u, 0))
		return -1;
	int rc = qi_take_staged(u, 0, 1);
	if (!rc) {
		qi_put(u, lo, hi);
		qi_publish(u);
	}
	vtd_queue_unlock(u);
	return rc;
}

/* Polls CPU cpu's status slot for `seq`, without the lock. Errors stop
 * the queue before the wait descriptor (IQE at a bad descriptor, ICE/ITE,
 * 6.5.2.10), so a status write that has not come after a short spin sends
 * the poll to FSTS (under the lock: the recovery rewrites the ring). */
static int qi_poll_status(struct vtd_unit *u, unsigned cpu, uint32_t seq)
{
	uint64_t start = rdtsc_ordered();
	uint64_t spin = tsc_from_us(IQ_STATUS_SPIN_US), next_check = start + spin;
	uint64_t end = start + tsc_from_us(IQ_STATUS_DONE_TIMEOUT_US);

	while (status_read(u, cpu) != seq) {
		uint64_t now = rdtsc_ordered();
		if (now > next_check) {
			if (!vtd_queue_lock(u, cpu))
				return -1;
			int err = qi_check_errors(u);
			vtd_queue_unlock(u);
			if (err)
				return -1;
			next_check = now + spin;
		}
		if (now > end) {
			if (!vtd_queue_lock(u, cpu))
				return -1;
			kprintf("vtd%u: cpu %u: timeout: the wait descriptor's status write (0x%x at "
				"0x%lx) never came; queue head %lu, tail %u\n", u->index, cpu, seq,
				(uint64_t)(uintptr_t)status_slot(u, cpu),
				vtd_read64(u, DMAR_IQH_REG) >> DMA_IQ_SHIFT,
				u->iq_tail % u->iq_entries);
			vtd_queue_unlock(u);
			return -1;
		}
		cpu_pause();
	}
	return 0;
}

/* A wait descriptor with a status write (and never the interrupt flag
 * too: QEMU asserts on both), sent with the CPU's staged descriptors. The
 * status address must be 4-byte aligned (6.5.2.8). */
int vtd_qi_wait_on(struct vtd_unit *u, unsigned cpu, bool only_if_empty)
{
	struct vtd_cpu_queue *c = &u->cpu[cpu];

	if (only_if_empty && c->nstaged)
		return -1;
	if (!vtd_queue_lock(u, cpu))
		return -1;
	if (only_if_empty && u->iq_published != u->iq_tail) {
		vtd_queue_unlock(u);
		return -1;
	}
	u->stats.waits++;
	if (qi_take_staged(u, cpu, 1)) {
		vtd_queue_unlock(u);
		return -1;
	}
	uint32_t seq = c->seq + 1;
	qi_put(u, QI_IWD_TYPE | QI_IWD_SW | QI_IWD_FN | QI_IWD_DATA(seq),
	       (uint64_t)(uintptr_t)status_slot(u, cpu));
	c->seq = seq;
	c->wait_end = u->iq_tail;
	c->wait_end_unused = true;
	if (cpu >= u->iq_cpu_span)
		u->iq_cpu_span = cpu + 1;
	qi_publish(u);
	vtd_queue_unlock(u);
	return qi_poll_status(u, cpu, seq);
}

/* Called with no other CPU using the unit. */
int vtd_qi_enable(struct vtd_unit *u)
{
	if (!u->iq_base) {
		u->iq_base = page_alloc(IQ_PAGES);
		uint64_t status_page = page_alloc(1);
		if (!u->iq_base || !status_page) {
			kprintf("vtd%u: out of memory for the invalidation queue\n", u->index);
			return -1;
		}
		u->iq_status = (volatile uint32_t *)status_page;
		u->iq_entries = IQ_PAGES * PAGE_SIZE / VTD_QI_DESC_BYTES;
	}
	u->iq_lock_limit = tsc_from_us(IQ_LOCK_TIMEOUT_US);
	u->iq_tail = u->iq_published = u->iq_known_head = 0;
	for (unsigned cpu = 0; cpu < CPUS_MAX; cpu++) {
		/* no wait outstanding */
		__atomic_store_n(status_slot(u, cpu), u->cpu[cpu].seq, __ATOMIC_RELAXED);
		u->cpu[cpu].wait_end_unused = false;
	}
	vtd_write64(u, DMAR_IQT_REG, 0);
	/* QS = 0: one 4 KiB page; 128-bit descriptors (DW = 0). */
	vtd_write64(u, DMAR_IQA_REG, u->iq_base);
	return vtd_gcmd(u, DMA_GCMD_QIE, true, "QIES");
}

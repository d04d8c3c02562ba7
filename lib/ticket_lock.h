/* A ticket spinlock that counts what waiting for it costs, for state that
 * several CPUs share (the remapping unit's invalidation queue, batched's
 * global list). Pure C with GCC's __atomic builtins, so the host tests run
 * it on real threads under ThreadSanitizer.
 *
 * Tickets are served in the order they were taken: no CPU starves behind
 * faster neighbours, which keeps the lock-wait figures of a row fair.
 * An uncontended acquire reads no clock; a contended one reads the TSC
 * twice, around its wait, so the cost of waiting is its own phase and not
 * hidden in the phase that took the lock.
 *
 * Every wait is bounded: a holder that never lets go (a CPU that stopped)
 * makes ticket_lock_acquire return false after `limit` TSC ticks without
 * the lock. The ticket stays taken, so the lock is unusable from then on:
 * the caller reports which lock and gives up the run. */
#ifndef LIB_TICKET_LOCK_H
#define LIB_TICKET_LOCK_H

#include <stdbool.h>
#include <stdint.h>

struct ticket_lock {
	uint32_t next;    /* the ticket the next acquirer takes */
	uint32_t serving; /* the ticket that holds the lock */
};

/* What a CPU's acquisitions of its locks cost, added up by the acquirer. */
struct lock_wait {
	uint64_t acquired;  /* acquisitions */
	uint64_t contended; /* ... that found the lock taken */
	uint64_t cycles;    /* TSC ticks spent waiting in those */
};

#define TICKET_LOCK_INIT { 0, 0 }

static inline uint64_t ticket_lock_tsc(void)
{
	return __builtin_ia32_rdtsc();
}

/* One turn of a contended wait. On the host, where the tests run more
 * threads than there are cores, a waiter gives up its core so that the
 * holder (or the next ticket) can run: spinning only, a handoff would
 * wait for the scheduler's time slice. */
#ifdef HOST_BUILD
#include <sched.h>
static inline void ticket_lock_spin(void)
{
	sched_yield();
}
#else
static inline void ticket_lock_spin(void)
{
	__builtin_ia32_pause();
}
#endif

/* Takes the lock; true once held. *w counts the acquisition and, when it
 * had to wait, the ticks it waited. False after `limit` ticks of waiting:
 * the lock is not held (and cannot be taken again, see above). */
static inline bool ticket_lock_acquire(struct ticket_lock *l, uint64_t limit, struct lock_wait *w)
{
	uint32_t mine = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
	uint64_t start, now;

	w->acquired++;
	if (__atomic_load_n(&l->serving, __ATOMIC_ACQUIRE) == mine)
		return true;
	w->contended++;
	start = ticket_lock_tsc();
	do {
		ticket_lock_spin();
		now = ticket_lock_tsc();
		if (__atomic_load_n(&l->serving, __ATOMIC_ACQUIRE) == mine) {
			w->cycles += now - start;
			return true;
		}
	} while (now - start < limit);
	w->cycles += now - start;
	return false;
}

/* Hands the lock to the next ticket. Only the holder calls it, so the
 * plain read of `serving` sees its own last value. */
static inline void ticket_lock_release(struct ticket_lock *l)
{
	__atomic_store_n(&l->serving, __atomic_load_n(&l->serving, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELEASE);
}

#endif

/* One job slot per CPU: the boot CPU posts fn(arg), the CPU that owns the
 * slot takes it, runs it and marks it done. One poster and one taker per
 * slot; fn non-null means busy. Pure C with GCC's __atomic builtins, so
 * the host tests run it on real threads under ThreadSanitizer.
 *
 * Ordering: the poster writes arg, then publishes fn with release; the
 * taker reads fn with acquire, then arg; its release of NULL after the run
 * hands the slot (and whatever fn wrote) back to the poster's acquire. */
#ifndef LIB_CPU_MAILBOX_H
#define LIB_CPU_MAILBOX_H

#include <stdbool.h>
#include <stddef.h>

struct cpu_mailbox {
	void (*fn)(void *arg);
	void *arg;
};

static inline bool cpu_mailbox_busy(struct cpu_mailbox *m)
{
	return __atomic_load_n(&m->fn, __ATOMIC_ACQUIRE) != NULL;
}

/* False, and nothing posted, while the last job has not finished. */
static inline bool cpu_mailbox_post(struct cpu_mailbox *m, void (*fn)(void *), void *arg)
{
	if (!fn || cpu_mailbox_busy(m))
		return false;
	m->arg = arg;
	__atomic_store_n(&m->fn, fn, __ATOMIC_RELEASE);
	return true;
}

/* The taker's side: runs the posted job, if any; true when it ran one. */
static inline bool cpu_mailbox_run(struct cpu_mailbox *m)
{
	void (*fn)(void *) = __atomic_load_n(&m->fn, __ATOMIC_ACQUIRE);

	if (!fn)
		return false;
	fn(m->arg);
	__atomic_store_n(&m->fn, NULL, __ATOMIC_RELEASE);
	return true;
}

#endif

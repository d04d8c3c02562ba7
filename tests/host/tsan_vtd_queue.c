/* The remapping unit's one invalidation queue shared by several CPUs
 * (drivers/vtd/vtd_queue.c), on real threads under ThreadSanitizer: each
 * thread is a CPU submitting page invalidations of its own domain and
 * waiting for them through vtd_inval_submit_on / vtd_inval_wait_on, over
 * the simulated unit (tests/host/vtd_sim.c), which runs every IQT write at
 * once as QEMU does. Checked: a wait returns only once the unit ran that
 * CPU's requests, none is lost, duplicated or reordered, the ring wraps
 * many times, the lock is counted, and the register accesses are the
 * floor: one IQT write and no read per wait. */
#include <pthread.h>
#include <stdlib.h>

#include "check.h"
#include "drivers/vtd/vtd.h"
#include "drivers/vtd/vtd_regs.h"
#include "kernel/mem.h"
#include "tests/host/vtd_sim.h"

#define CAP_PSI_MAMV ((1ull << 39) | (9ull << 48)) /* VT-d spec 10.4.2: PSI, MAMV 9 */
#define ECAP_QI (1ull << 1)                         /* 10.4.3 */
#define MAX_THREADS 8
#define FIRST_DID 10
/* Waits per CPU, each after 1 to 16 page requests (a full staging
 * area): 1000 to 2400 waits, 9000 to 20000 pages at each CPU count, so
 * the 256-slot ring wraps 35 times and more. Not more: with more threads
 * than cores, a ticket lock's every hand-over waits for the thread of the
 * next ticket to be scheduled, and the host may have two cores. */
#define BATCH_MAX VTD_STAGED_MAX
#ifndef ROUNDS_2
#define ROUNDS_2 1200
#define ROUNDS_4 400
#define ROUNDS_8 125
#endif

struct cpu_run {
	struct vtd_unit *u;
	pthread_barrier_t *start; /* all CPUs start together, or none overlap */
	unsigned cpu;
	unsigned rounds;
	unsigned batch_max;      /* page requests per wait: 1..batch_max */
	unsigned submitted, waits;
	unsigned failed_calls;   /* a call that returned an error */
	unsigned early_returns;  /* a wait that returned before the unit ran its pages */
};

static void *cpu_main(void *arg)
{
	struct cpu_run *r = arg;
	uint16_t did = (uint16_t)(FIRST_DID + r->cpu);

	if (r->start)
		pthread_barrier_wait(r->start);
	for (unsigned i = 0; i < r->rounds; i++) {
		unsigned batch = 1 + (i + r->cpu) % r->batch_max;
		for (unsigned k = 0; k < batch; k++) {
			if (vtd_inval_submit_on(r->u, r->cpu, DMA_GRAN_PAGES, did,
						(uint64_t)r->submitted << 12, 1))
				r->failed_calls++;
			r->submitted++;
		}
		if (vtd_inval_wait_on(r->u, r->cpu))
			r->failed_calls++;
		r->waits++;
		if (vtd_sim_pages_done(did) != r->submitted)
			r->early_returns++;
	}
	return NULL;
}

static struct vtd_unit *unit_new(enum vtd_inval_mode mode)
{
	struct vtd_unit *u = aligned_alloc(64, sizeof(*u));

	vtd_sim_reset(u, CAP_PSI_MAMV, mode == VTD_INVAL_QI ? ECAP_QI : 0);
	if (mode == VTD_INVAL_QI)
		CHECK_EQ_U64(vtd_set_inval_mode(u, VTD_INVAL_QI), 0);
	vtd_reset_stats(u);
	vtd_sim.reads = vtd_sim.writes = 0;
	return u;
}

static void unit_free(struct vtd_unit *u)
{
	if (u->iq_base) {
		page_free(u->iq_base, 1);
		page_free((uint64_t)(uintptr_t)u->iq_status, 1);
	}
	free(u);
}

/* Runs n CPUs on the unit and checks what every one of them may expect;
 * returns the totals for the caller's own checks. */
static void run_cpus(struct vtd_unit *u, unsigned n, unsigned rounds, unsigned batch_max,
		     unsigned *submitted, unsigned *waits)
{
	struct cpu_run runs[MAX_THREADS];
	pthread_t threads[MAX_THREADS];
	pthread_barrier_t start;

	*submitted = *waits = 0;
	CHECK_EQ_U64(pthread_barrier_init(&start, NULL, n), 0);
	for (unsigned i = 0; i < n; i++) {
		runs[i] = (struct cpu_run){ .u = u, .start = &start, .cpu = i, .rounds = rounds,
					    .batch_max = batch_max };
		CHECK_EQ_U64(pthread_create(&threads[i], NULL, cpu_main, &runs[i]), 0);
	}
	for (unsigned i = 0; i < n; i++) {
		CHECK_EQ_U64(pthread_join(threads[i], NULL), 0);
		CHECK_EQ_U64(runs[i].failed_calls, 0);
		CHECK_EQ_U64(runs[i].early_returns, 0);
		CHECK_EQ_U64(vtd_sim.pages_done[FIRST_DID + i], runs[i].submitted);
		struct lock_wait w = vtd_queue_lock_wait(u, i);
		CHECK(w.contended <= w.acquired);
		*submitted += runs[i].submitted;
		*waits += runs[i].waits;
	}
	pthread_barrier_destroy(&start);
	CHECK_EQ_U64(vtd_sim.page_order_errors, 0);
	CHECK_EQ_U64(vtd_get_stats(u)->iotlb_inval[DMA_GRAN_PAGES], *submitted);
	CHECK_EQ_U64(vtd_get_stats(u)->psi_fallbacks, 0);
	CHECK_EQ_U64(vtd_get_stats(u)->waits, *waits);
	CHECK_EQ_U64(vtd_get_stats(u)->mmio_writes, vtd_sim.writes);
	CHECK_EQ_U64(vtd_get_stats(u)->mmio_reads, vtd_sim.reads);
	CHECK(!vtd_sim_logged("timeout"));
}

static unsigned lock_acquisitions(const struct vtd_unit *u, unsigned n)
{
	unsigned sum = 0, contended = 0;

	for (unsigned i = 0; i < n; i++) {
		sum += (unsigned)vtd_queue_lock_wait(u, i).acquired;
		contended += (unsigned)vtd_queue_lock_wait(u, i).contended;
	}
	/* For the reader, not checked: how often depends on the scheduler. */
	printf("info: %u CPUs: %u of %u queue-lock acquisitions found it taken\n", n, contended,
	       sum);
	return sum;
}

/* Queued: every wait is one lock acquisition and one IQT write, and the
 * unit ran each CPU's pages and one status write into its own slot. */
static void queued_cpus(unsigned n, unsigned rounds)
{
	struct vtd_unit *u = unit_new(VTD_INVAL_QI);
	unsigned submitted, waits;

	run_cpus(u, n, rounds, BATCH_MAX, &submitted, &waits);
	CHECK_EQ_U64(vtd_sim.qi_descriptors_run, submitted + waits);
	CHECK_EQ_U64(vtd_sim.qi_status_writes, waits);
	for (unsigned i = 0; i < n; i++)
		CHECK_EQ_U64(vtd_sim.status_writes_by_slot[i], rounds);
	CHECK(vtd_sim.qi_wraps >= 30);
	CHECK_EQ_U64(vtd_sim.writes, waits);
	CHECK_EQ_U64(vtd_sim.reads, 0);
	CHECK_EQ_U64(lock_acquisitions(u, n), waits);
	unit_free(u);
}

static void test_queue_shared_by_2_cpus(void) { queued_cpus(2, ROUNDS_2); }
static void test_queue_shared_by_4_cpus(void) { queued_cpus(4, ROUNDS_4); }
static void test_queue_shared_by_8_cpus(void) { queued_cpus(8, ROUNDS_8); }

/* A CPU with more requests than its staging area holds puts them in the
 * ring under the lock without moving IQT: still one IQT write per wait. */
static void test_staging_overflow_keeps_one_iqt_write_per_wait(void)
{
	struct vtd_unit *u = unit_new(VTD_INVAL_QI);
	unsigned submitted, waits;

	/* Batches of 1..40: 17..32 requests spill once, 33..40 twice. */
	run_cpus(u, 4, 150, 40, &submitted, &waits);
	CHECK_EQ_U64(vtd_sim.qi_descriptors_run, submitted + waits);
	CHECK_EQ_U64(vtd_sim.writes, waits);
	CHECK_EQ_U64(vtd_sim.reads, 0);
	CHECK(lock_acquisitions(u, 4) > waits);
	CHECK(vtd_sim.qi_wraps >= 40);
	unit_free(u);
}

/* Register-based: one CPU at a time from submit to wait, so no CPU's IVA
 * is ever paired with another's IOTLB_REG write; two writes and one read
 * (the IVT poll that sees it done) per page. */
static void test_register_invalidation_one_cpu_at_a_time(void)
{
	struct vtd_unit *u = unit_new(VTD_INVAL_REG);
	unsigned submitted, waits;

	run_cpus(u, 4, 300, 1, &submitted, &waits);
	CHECK_EQ_U64(vtd_sim.iva_interleavings, 0);
	CHECK_EQ_U64(vtd_sim.writes, 2 * submitted);
	CHECK_EQ_U64(vtd_sim.reads, waits);
	CHECK_EQ_U64(lock_acquisitions(u, 4), waits);
	unit_free(u);
}

/* A CPU that finds the queue lock taken waits for it, and the wait is
 * counted; its IQT write comes only once it holds the lock. */
static void test_a_contended_lock_is_counted(void)
{
	struct vtd_unit *u = unit_new(VTD_INVAL_QI);
	struct lock_wait mine = { 0 };
	struct cpu_run run = { .u = u, .cpu = 1, .rounds = 1, .batch_max = 1 };
	pthread_t thread;

	CHECK(ticket_lock_acquire(&u->iq_lock, ~0ull, &mine));
	CHECK_EQ_U64(pthread_create(&thread, NULL, cpu_main, &run), 0);
	/* Until the CPU has taken its ticket (bounded: its submit is a few
	 * instructions, a minute is a hang). */
	uint64_t end = __builtin_ia32_rdtsc() + 60ull * 4000000000ull;
	while (__atomic_load_n(&u->iq_lock.next, __ATOMIC_ACQUIRE) < 2 &&
	       __builtin_ia32_rdtsc() < end)
		__builtin_ia32_pause();
	CHECK_EQ_U64(__atomic_load_n(&u->iq_lock.next, __ATOMIC_ACQUIRE), 2);
	CHECK_EQ_U64(vtd_sim_pages_done(FIRST_DID + 1), 0);
	ticket_lock_release(&u->iq_lock);
	CHECK_EQ_U64(pthread_join(thread, NULL), 0);
	CHECK_EQ_U64(run.failed_calls, 0);
	CHECK_EQ_U64(run.early_returns, 0);
	CHECK_EQ_U64(vtd_sim_pages_done(FIRST_DID + 1), 1);
	struct lock_wait w = vtd_queue_lock_wait(u, 1);
	CHECK_EQ_U64(w.acquired, 1);
	CHECK_EQ_U64(w.contended, 1);
	CHECK(w.cycles > 0);
	vtd_reset_stats(u);
	CHECK_EQ_U64(vtd_queue_lock_wait(u, 1).acquired, 0);
	unit_free(u);
}

int main(void)
{
	RUN_TEST("vtd_queue", test_queue_shared_by_2_cpus);
	RUN_TEST("vtd_queue", test_queue_shared_by_4_cpus);
	RUN_TEST("vtd_queue", test_queue_shared_by_8_cpus);
	RUN_TEST("vtd_queue", test_staging_overflow_keeps_one_iqt_write_per_wait);
	RUN_TEST("vtd_queue", test_register_invalidation_one_cpu_at_a_time);
	RUN_TEST("vtd_queue", test_a_contended_lock_is_counted);
	return CHECK_EXIT_STATUS();
}

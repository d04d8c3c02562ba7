/* The DMA layer's lanes on real threads, under ThreadSanitizer: N threads
 * (2, 4, 8), each mapping and unmapping thousands of buffers on its own
 * lane of one group, under every policy that remaps.
 *
 * The fake invalidation backend stands for the unit's one queue: every
 * submission takes the next id from one atomic counter; a lane's
 * inval_wait completes what that lane submitted, recording the id as the
 * epoch each covered page (page-selective) or the whole domain reached.
 * Before each unmap the thread notes the id counter (the unmap's epoch):
 * an invalidation covers the unmap if its id is above that and it
 * completed. The invariant, checked where it could break:
 * - dma_map never hands out a page that is live, or whose last unmap no
 *   completed invalidation covers (bounce excepted: its slots stay mapped
 *   by design, so only "never live twice" holds there);
 * - every ops.release comes on the thread that owns the buffer, once, for
 *   a buffer that was unmapped, after an invalidation covering it;
 * - every backend call comes from the lane's own thread.
 * Then the counts must add up: maps = unmaps = releases per lane, and the
 * flushes as each policy promises. A backend that claims to wait but
 * completes nothing must be caught (the checks can fail). */
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "host_pages.h"
#include "lib/dma/dma.h"

#define PAGE       4096ull
#define BASE       0x400000ull        /* 2 MiB aligned, as lanes need */
#define LANE_PAGES 512                /* one 2 MiB slice per lane */
#define MAX_LANES  8
#define RANGE_PAGES (MAX_LANES * LANE_PAGES)
#define BUFS       96                 /* buffers per lane */
#define LIVE_MAX   24                 /* buffers a thread keeps mapped at most */
#define SLOTS      32                 /* bounce slots per lane */
#define PHYS_BASE  0x10000000ull      /* the arena's "physical" address */
#define ARENA_PAGES (MAX_LANES * (BUFS + SLOTS))

enum buf_state { FREE, LIVE, UNMAPPED };

struct buf {
	uint64_t phys, iova;
	uint64_t epoch;                /* the id counter just before its unmap */
	enum dma_dir dir;
	int state;                     /* enum buf_state, atomic */
};

struct submission {
	enum dma_gran g;
	uint64_t iova, npages, id;
};

struct lane {
	unsigned idx;
	pthread_t thread;
	int running;                   /* atomic: thread is set */
	struct submission pending[512]; /* submitted since the last wait */
	unsigned npending;
	struct buf buf[BUFS];
	uint64_t maps, unmaps, releases, submits, waits;
	uint32_t seed;
};

/* One run's configuration. */
struct run {
	enum dma_policy policy;
	unsigned lanes;
	unsigned pairs;                /* map/unmap pairs per thread */
	unsigned hwm;                  /* batched hwm, fq ring */
	uint64_t deadline;             /* ticks of the shared fake clock */
	bool timing;
	bool broken_wait;              /* the backend completes nothing */
};

static struct run cur;
static struct lane lanes_ctx[MAX_LANES];
static struct dma_domain lanes[MAX_LANES];
static struct dma_group group;
static struct iopt pt;
static uint8_t *arena;
static pthread_barrier_t barrier;

/* The backend's state: ids, and the epoch each page and the domain reached. */
static uint64_t submitted;             /* atomic */
static uint64_t domain_done;           /* atomic */
static uint64_t page_done[RANGE_PAGES]; /* atomic */
static uint64_t clock_ticks;           /* atomic: the lanes' shared clock */
static int violations;                 /* atomic */
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;

static void violation(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&report_lock);
	if (__atomic_fetch_add(&violations, 1, __ATOMIC_RELAXED) == 0 && !cur.broken_wait) {
		printf("  invariant: ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
	}
	pthread_mutex_unlock(&report_lock);
}

static void atomic_max(uint64_t *p, uint64_t v)
{
	uint64_t old = __atomic_load_n(p, __ATOMIC_RELAXED);

	while (old < v && !__atomic_compare_exchange_n(p, &old, v, false, __ATOMIC_RELEASE,
						       __ATOMIC_RELAXED))
		;
}

static bool on_own_thread(struct lane *l)
{
	return __atomic_load_n(&l->running, __ATOMIC_ACQUIRE) &&
	       pthread_equal(pthread_self(), l->thread);
}

static int fake_submit(void *ctx, enum dma_gran g, uint64_t iova, uint64_t npages)
{
	struct lane *l = ctx;

	if (!on_own_thread(l))
		violation("lane %u: invalidation submitted from another thread", l->idx);
	if (l->npending == sizeof(l->pending) / sizeof(l->pending[0])) {
		violation("lane %u: too many submissions without a wait", l->idx);
		return -1;
	}
	l->pending[l->npending++] = (struct submission){
		g, iova, npages, __atomic_add_fetch(&submitted, 1, __ATOMIC_SEQ_CST) };
	l->submits++;
	return 0;
}

/* Completes what this lane submitted: the pages (or the domain) reach
 * each submission's id. */
static int fake_wait(void *ctx)
{
	struct lane *l = ctx;

	if (!on_own_thread(l))
		violation("lane %u: invalidation waited for from another thread", l->idx);
	l->waits++;
	if (!cur.broken_wait) {
		for (unsigned i = 0; i < l->npending; i++) {
			struct submission *s = &l->pending[i];

			if (s->g != DMA_GRAN_PAGES) {
				atomic_max(&domain_done, s->id);
				continue;
			}
			for (uint64_t p = 0; p < s->npages; p++) {
				uint64_t k = (s->iova - BASE) / PAGE + p;

				if (k < RANGE_PAGES)
					atomic_max(&page_done[k], s->id);
			}
		}
	}
	l->npending = 0;
	return 0;
}

static uint64_t fake_now(void *ctx)
{
	(void)ctx;
	return __atomic_add_fetch(&clock_ticks, 37, __ATOMIC_RELAXED);
}

static void *phys_to_ptr(void *ctx, uint64_t phys)
{
	(void)ctx;
	return arena + (phys - PHYS_BASE);
}

static uint64_t page_index(uint64_t iova)
{
	return (iova - BASE) / PAGE;
}

/* Whether a completed invalidation submitted after `epoch` covers page k. */
static bool covered(uint64_t k, uint64_t epoch)
{
	return __atomic_load_n(&domain_done, __ATOMIC_ACQUIRE) > epoch ||
	       __atomic_load_n(&page_done[k], __ATOMIC_ACQUIRE) > epoch;
}

/* Per page of the range: the buffer mapped there (index + 1), 0 when none,
 * and the epoch of the last unmap. Only the owning thread should touch a
 * lane's pages; atomics so that a bug shows as a failed check, not only as
 * a race report. */
static uint32_t page_user[RANGE_PAGES];
static uint64_t page_epoch[RANGE_PAGES];
static bool page_used[RANGE_PAGES];

static void fake_release(void *ctx, uint64_t cookie)
{
	struct lane *l = ctx;
	struct buf *b;
	uint64_t k;

	if (!on_own_thread(l))
		violation("lane %u: buffer %" PRIu64 " released on another thread", l->idx, cookie);
	if (cookie >= BUFS) {
		violation("lane %u: release of unknown cookie %" PRIu64, l->idx, cookie);
		return;
	}
	b = &l->buf[cookie];
	if (__atomic_load_n(&b->state, __ATOMIC_RELAXED) != UNMAPPED) {
		violation("lane %u: buffer %" PRIu64 " released while %s", l->idx, cookie,
			  b->state == LIVE ? "mapped" : "free");
		return;
	}
	k = page_index(b->iova);
	if (cur.policy != DMA_POLICY_BOUNCE && !covered(k, b->epoch))
		violation("lane %u: buffer %" PRIu64 " released before the invalidation of 0x%" PRIx64
			  " completed", l->idx, cookie, b->iova);
	l->releases++;
	__atomic_store_n(&b->state, FREE, __ATOMIC_RELAXED);
}

static uint32_t rnd(struct lane *l)
{
	l->seed = l->seed * 1103515245u + 12345u;
	return l->seed >> 8;
}

static void do_map(struct lane *l, unsigned i)
{
	struct buf *b = &l->buf[i];
	enum dma_dir dir = (enum dma_dir)(1 + rnd(l) % 3);
	uint64_t iova = 0, k;
	int rc = dma_map(&lanes[l->idx], b->phys, PAGE, dir, &iova);

	if (rc) {
		violation("lane %u: dma_map failed: %d", l->idx, rc);
		return;
	}
	l->maps++;
	k = page_index(iova);
	if (k / LANE_PAGES != l->idx || k >= RANGE_PAGES) {
		violation("lane %u: iova 0x%" PRIx64 " outside its slice", l->idx, iova);
		return;
	}
	if (__atomic_load_n(&page_user[k], __ATOMIC_RELAXED))
		violation("lane %u: iova 0x%" PRIx64 " live twice", l->idx, iova);
	if (cur.policy != DMA_POLICY_BOUNCE && __atomic_load_n(&page_used[k], __ATOMIC_RELAXED) &&
	    !covered(k, __atomic_load_n(&page_epoch[k], __ATOMIC_RELAXED)))
		violation("lane %u: iova 0x%" PRIx64 " handed out before its invalidation completed",
			  l->idx, iova);
	__atomic_store_n(&page_user[k], i + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&page_used[k], true, __ATOMIC_RELAXED);
	b->iova = iova;
	b->dir = dir;
	__atomic_store_n(&b->state, LIVE, __ATOMIC_RELAXED);
}

static void do_unmap(struct lane *l, unsigned i)
{
	struct buf *b = &l->buf[i];
	uint64_t k = page_index(b->iova);
	int rc;

	/* The epoch before the PTE is cleared: an invalidation that covers
	 * this unmap is submitted after it. */
	b->epoch = __atomic_load_n(&submitted, __ATOMIC_SEQ_CST);
	__atomic_store_n(&page_epoch[k], b->epoch, __ATOMIC_RELAXED);
	__atomic_store_n(&page_user[k], 0, __ATOMIC_RELAXED);
	/* Not live from here on: the release may come before the return. */
	__atomic_store_n(&b->state, UNMAPPED, __ATOMIC_RELAXED);
	rc = dma_unmap(&lanes[l->idx], b->iova, PAGE, b->dir, i);
	if (rc)
		violation("lane %u: dma_unmap failed: %d", l->idx, rc);
	l->unmaps++;
}

static int state_of(struct lane *l, unsigned i)
{
	return __atomic_load_n(&l->buf[i].state, __ATOMIC_RELAXED);
}

static void *lane_thread(void *arg)
{
	struct lane *l = arg;
	struct dma_domain *d = &lanes[l->idx];
	unsigned live[LIVE_MAX], nlive = 0, done = 0, next = 0;

	l->thread = pthread_self();
	__atomic_store_n(&l->running, 1, __ATOMIC_RELEASE);
	pthread_barrier_wait(&barrier);
	while (done < cur.pairs && __atomic_load_n(&violations, __ATOMIC_RELAXED) == 0) {
		bool want_map = nlive == 0 || (nlive < LIVE_MAX && rnd(l) % 2);

		if (want_map) {
			unsigned i = BUFS;

			for (unsigned n = 0; n < BUFS; n++, next = (next + 1) % BUFS) {
				if (state_of(l, next) == FREE) {
					i = next;
					next = (next + 1) % BUFS;
					break;
				}
			}
			if (i == BUFS) {
				/* Every buffer waits for its invalidation:
				 * what the timer would do, now. */
				dma_flush(d);
				continue;
			}
			do_map(l, i);
			live[nlive++] = i;
		} else {
			unsigned j = rnd(l) % nlive;

			do_unmap(l, live[j]);
			live[j] = live[--nlive];
			done++;
		}
		if (rnd(l) % 16 == 0)
			dma_poll(d); /* this CPU's timer */
	}
	while (nlive)
		do_unmap(l, live[--nlive]);
	/* The end of a run: every lane flushes on its own CPU, then takes what
	 * the others' flushes left in its inbox. */
	pthread_barrier_wait(&barrier);
	dma_flush(d);
	pthread_barrier_wait(&barrier);
	dma_poll(d);
	__atomic_store_n(&l->running, 0, __ATOMIC_RELEASE);
	return NULL;
}

static void reset_backend(void)
{
	submitted = domain_done = clock_ticks = 0;
	violations = 0;
	memset(page_done, 0, sizeof(page_done));
	memset(page_user, 0, sizeof(page_user));
	memset(page_epoch, 0, sizeof(page_epoch));
	memset(page_used, 0, sizeof(page_used));
}

static uint64_t sum_stat(size_t off)
{
	uint64_t s = 0;

	for (unsigned i = 0; i < cur.lanes; i++)
		s += *(const uint64_t *)((const char *)dma_get_stats(&lanes[i]) + off);
	return s;
}

#define SUM(field) sum_stat(offsetof(struct dma_stats, field))

static uint64_t flushes_of(const struct dma_stats *s)
{
	return s->flushes_hwm + s->flushes_deadline + s->flushes_forced + s->flushes_nospace;
}

/* The counts each policy promises. */
static void check_counts(void)
{
	uint64_t unmaps = 0, flushes = 0;

	for (unsigned i = 0; i < cur.lanes; i++) {
		const struct dma_stats *s = dma_get_stats(&lanes[i]);
		struct lane *l = &lanes_ctx[i];

		CHECK(s->unmaps >= cur.pairs);
		CHECK_EQ_U64(s->maps, s->unmaps);
		CHECK_EQ_U64(s->maps, l->maps);
		CHECK_EQ_U64(l->maps, l->unmaps);
		CHECK_EQ_U64(l->releases, l->unmaps);
		CHECK_EQ_U64(s->inval_submits, l->submits);
		CHECK_EQ_U64(s->inval_waits, l->waits);
		CHECK_EQ_U64(s->leaked, 0);
		unmaps += s->unmaps;
		flushes += flushes_of(s);
		switch (cur.policy) {
		case DMA_POLICY_STRICT:
		case DMA_POLICY_POOL:
			CHECK_EQ_U64(s->inval_submits, s->unmaps);
			CHECK_EQ_U64(s->lock.acquired, 0);
			break;
		case DMA_POLICY_FQ:
			/* A ring flush retires exactly fq_size unmaps, a deadline
			 * or forced one fewer; one domain invalidation each; what
			 * the lane's own flushes did not retire, other lanes'
			 * flushes covered. Every unmap was retired once. */
			CHECK(s->flushes_hwm <= s->unmaps / cur.hwm);
			CHECK(flushes_of(s) * cur.hwm + s->retired_by_others >= s->unmaps);
			CHECK(s->retired_by_others <= s->unmaps);
			CHECK_EQ_U64(s->window_count, s->unmaps);
			CHECK_EQ_U64(s->inval_submits, flushes_of(s));
			CHECK_EQ_U64(s->lock.acquired, 0);
			break;
		case DMA_POLICY_BATCHED:
			CHECK(s->lock.acquired > 0);
			CHECK(s->lock.contended <= s->lock.acquired);
			CHECK_EQ_U64(dma_deadline(&lanes[i]), 0);
			break;
		case DMA_POLICY_BOUNCE:
			CHECK_EQ_U64(s->inval_submits, 0);
			CHECK_EQ_U64(s->lock.acquired, 0);
			break;
		default:
			break;
		}
		if (!cur.timing)
			CHECK_EQ_U64(s->phase[DMA_PHASE_LOCK], 0);
	}
	if (cur.policy == DMA_POLICY_BATCHED) {
		/* One global list: a hwm flush covers exactly hwm unmaps of any
		 * lane; every unmap is covered by one flush (none fell back to
		 * its own invalidation: the inboxes never filled). */
		CHECK(SUM(flushes_hwm) <= unmaps / cur.hwm);
		CHECK(flushes >= (unmaps + cur.hwm - 1) / cur.hwm);
		CHECK_EQ_U64(SUM(inval_submits), flushes);
		CHECK_EQ_U64(SUM(window_count), unmaps);
	}
}

static void run(const struct run *r)
{
	struct iopt_ops pops = { host_page, host_free, NULL, NULL };
	struct dma_ops ops[MAX_LANES];
	struct dma_config cfg = {
		.policy = r->policy, .iova_base = BASE,
		.iova_limit = BASE + (uint64_t)r->lanes * LANE_PAGES * PAGE,
		.hwm = r->hwm, .fq_size = r->hwm, .flush_deadline = r->deadline,
		.batch_gran = DMA_GRAN_DOMAIN, .timing = r->timing,
		.bounce_slots = SLOTS * r->lanes,
		.bounce_phys = PHYS_BASE + (uint64_t)MAX_LANES * BUFS * PAGE,
	};
	pthread_t th[MAX_LANES];
	size_t bytes;
	void *storage;

	cur = *r;
	reset_backend();
	CHECK_EQ_U64(iopt_init(&pt, 4, &pops), 0);
	bytes = dma_group_storage_bytes(&cfg, r->lanes);
	CHECK(bytes > 0);
	storage = aligned_alloc(8, (bytes + 7) & ~(size_t)7);
	for (unsigned i = 0; i < r->lanes; i++) {
		struct lane *l = &lanes_ctx[i];

		memset(l, 0, sizeof(*l));
		l->idx = i;
		l->seed = 7919 * (i + 1) + r->lanes;
		for (unsigned k = 0; k < BUFS; k++)
			l->buf[k].phys = PHYS_BASE + ((uint64_t)i * BUFS + k) * PAGE;
		ops[i] = (struct dma_ops){ .inval_submit = fake_submit, .inval_wait = fake_wait,
					   .now = fake_now, .release = fake_release,
					   .phys_to_ptr = phys_to_ptr, .ctx = l };
	}
	CHECK_EQ_U64(dma_group_init(&group, lanes, r->lanes, &pt, &cfg, ops, storage, bytes), 0);
	pthread_barrier_init(&barrier, NULL, r->lanes);
	for (unsigned i = 0; i < r->lanes; i++)
		pthread_create(&th[i], NULL, lane_thread, &lanes_ctx[i]);
	for (unsigned i = 0; i < r->lanes; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&barrier);
	if (!r->broken_wait) {
		CHECK_EQ_U64(violations, 0);
		check_counts();
	}
	iopt_destroy(&pt);
	free(storage);
}

static void test_lanes_on_threads(void)
{
	static const enum dma_policy policies[] = { DMA_POLICY_STRICT, DMA_POLICY_BATCHED,
						    DMA_POLICY_FQ, DMA_POLICY_POOL,
						    DMA_POLICY_BOUNCE };
	static const unsigned counts[] = { 2, 4, 8 };

	for (unsigned p = 0; p < sizeof(policies) / sizeof(policies[0]); p++) {
		for (unsigned c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
			int before = check_failed_in_test;
			struct run r = { .policy = policies[p], .lanes = counts[c], .pairs = 3000,
					 .hwm = 16, .deadline = 300, .timing = c == 1 };

			run(&r);
			if (check_failed_in_test != before)
				printf("  in run %s, %u threads\n", dma_policy_name(r.policy), r.lanes);
		}
	}
}

/* The checks can fail: a backend whose wait completes nothing makes every
 * remapping policy reuse or release too early. */
static void test_checks_catch_a_wait_that_does_not_wait(void)
{
	static const enum dma_policy policies[] = { DMA_POLICY_STRICT, DMA_POLICY_BATCHED,
						    DMA_POLICY_FQ };

	for (unsigned p = 0; p < sizeof(policies) / sizeof(policies[0]); p++) {
		struct run r = { .policy = policies[p], .lanes = 2, .pairs = 500, .hwm = 16,
				 .deadline = 5000, .broken_wait = true };

		run(&r);
		CHECK(violations > 0);
	}
}

int main(void)
{
	/* A lost wake-up or a lock never let go ends the program, not the
	 * test run. */
	alarm(120);
	arena = aligned_alloc(PAGE, ARENA_PAGES * PAGE);
	memset(arena, 0, ARENA_PAGES * PAGE);
	RUN_TEST("dma_threads", test_lanes_on_threads);
	RUN_TEST("dma_threads", test_checks_catch_a_wait_that_does_not_wait);
	free(arena);
	return CHECK_EXIT_STATUS();
}

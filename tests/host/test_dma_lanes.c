/* The DMA layer's lanes (dma_group_init) on one thread, under ASan and
 * UBSan: the split of the range, the tables built up front, per-lane
 * policies, batched's global list and inboxes (who flushes, who releases,
 * the deadline on lane 0), fq's shared flush counters, lock accounting and
 * the lock limit. The same
 * under real threads is tests/host/tsan_dma_threads.c. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "host_pages.h"
#include "lib/dma/dma.h"

#define PAGE  4096ull
#define MiB2  0x200000ull
#define BASE  0x400000ull
#define LANES 4

struct lane_ctx {
	unsigned idx;
	uint64_t submits, waits, domain_submits;
	uint64_t released[64];
	unsigned nrel;
	uint64_t clock;
};

struct env {
	struct iopt pt;
	struct dma_group g;
	struct dma_domain d[LANES];
	struct lane_ctx ctx[LANES];
	struct dma_ops ops[LANES];
	struct dma_config cfg;
	void *storage;
	size_t bytes;
	uint8_t *arena;               /* bounce: "physical" memory at ARENA */
};

#define ARENA 0x10000000ull

static uint64_t shared_clock;

static int fake_submit(void *ctx, enum dma_gran g, uint64_t iova, uint64_t npages)
{
	struct lane_ctx *l = ctx;

	(void)iova, (void)npages;
	l->submits++;
	if (g != DMA_GRAN_PAGES)
		l->domain_submits++;
	return 0;
}

/* Called inside a lane's wait, before the wait returns, when set: another
 * CPU acting while that invalidation is in flight. */
static void (*during_wait)(struct lane_ctx *l);

static int fake_wait(void *ctx)
{
	((struct lane_ctx *)ctx)->waits++;
	if (during_wait)
		during_wait(ctx);
	return 0;
}

static uint64_t fake_now(void *ctx)
{
	(void)ctx;
	return shared_clock;
}

static void fake_release(void *ctx, uint64_t cookie)
{
	struct lane_ctx *l = ctx;

	if (l->nrel < 64)
		l->released[l->nrel] = cookie;
	l->nrel++;
}

static void *phys_to_ptr(void *ctx, uint64_t phys)
{
	(void)ctx;
	(void)phys;
	return NULL; /* set per env below */
}

static struct env *cur_env;

static void *arena_ptr(void *ctx, uint64_t phys)
{
	(void)ctx;
	return cur_env->arena + (phys - ARENA);
}

static struct env *env_new(enum dma_policy policy, uint64_t range)
{
	struct env *e = calloc(1, sizeof(*e));
	struct iopt_ops pops = { host_page, host_free, NULL, NULL };

	shared_clock = 0;
	during_wait = NULL;
	e->cfg = (struct dma_config){ .policy = policy, .iova_base = BASE,
				      .iova_limit = BASE + range, .hwm = 8, .fq_size = 4,
				      .batch_gran = DMA_GRAN_DOMAIN };
	CHECK_EQ_U64(iopt_init(&e->pt, 4, &pops), 0);
	for (unsigned i = 0; i < LANES; i++) {
		e->ctx[i].idx = i;
		e->ops[i] = (struct dma_ops){ .inval_submit = fake_submit, .inval_wait = fake_wait,
					      .now = fake_now, .release = fake_release,
					      .phys_to_ptr = phys_to_ptr, .ctx = &e->ctx[i] };
	}
	return e;
}

static int env_init(struct env *e, unsigned n)
{
	e->bytes = dma_group_storage_bytes(&e->cfg, n);
	e->storage = aligned_alloc(8, e->bytes ? (e->bytes + 7) & ~(size_t)7 : 8);
	return dma_group_init(&e->g, e->d, n, &e->pt, &e->cfg, e->ops, e->storage, e->bytes);
}

static void env_free(struct env *e)
{
	iopt_destroy(&e->pt);
	free(e->storage);
	free(e->arena);
	free(e);
}

static void test_group_checks(void)
{
	struct env *e = env_new(DMA_POLICY_STRICT, 4 * MiB2);

	CHECK_EQ_U64(dma_group_storage_bytes(&e->cfg, 0), 0);
	CHECK_EQ_U64(dma_group_storage_bytes(&e->cfg, CPUS_MAX + 1), 0);
	CHECK_EQ_U64(dma_group_storage_bytes(&e->cfg, 1), dma_storage_bytes(&e->cfg));
	/* Two lanes of 4 MiB: 1024 pages' bookkeeping each; three of 2 MiB
	 * (the rest unused). */
	CHECK_EQ_U64(dma_group_storage_bytes(&e->cfg, 2), 2 * 1024 * 5);
	CHECK_EQ_U64(dma_group_storage_bytes(&e->cfg, 3), 3 * 512 * 5);
	/* 8 MiB cannot give 5 lanes whole 2 MiB slices each. */
	CHECK_EQ_U64(dma_group_storage_bytes(&e->cfg, 5), 0);
	CHECK_EQ_U64(dma_group_init(&e->g, e->d, 0, &e->pt, &e->cfg, e->ops, NULL, 0), DMA_EINVAL);
	CHECK_EQ_U64(dma_group_init(&e->g, e->d, 3, &e->pt, &e->cfg, e->ops, NULL, 0), DMA_EINVAL);
	e->cfg.iova_base = BASE + PAGE; /* lanes need a 2 MiB-aligned base */
	CHECK_EQ_U64(dma_group_storage_bytes(&e->cfg, 2), 0);
	e->storage = aligned_alloc(8, 16384);
	CHECK_EQ_U64(dma_group_init(&e->g, e->d, 2, &e->pt, &e->cfg, e->ops, e->storage, 16384),
		     DMA_EINVAL);
	e->cfg.iova_base = BASE;
	CHECK_EQ_U64(dma_group_init(&e->g, e->d, 5, &e->pt, &e->cfg, e->ops, e->storage, 16384),
		     DMA_EINVAL);
	CHECK_EQ_U64(dma_group_init(&e->g, e->d, 2, &e->pt, &e->cfg, e->ops, e->storage,
				    2 * 1024 * 5 - 8), DMA_EINVAL);
	CHECK_EQ_U64(dma_group_init(&e->g, e->d, 2, &e->pt, &e->cfg, e->ops, e->storage, 16384), 0);
	env_free(e);
}

/* One lane is dma_domain_init: same storage, same addresses, no lock. */
static void test_one_lane_is_a_domain(void)
{
	struct env *e = env_new(DMA_POLICY_BATCHED, 4 * MiB2);
	uint64_t iova;

	CHECK_EQ_U64(env_init(e, 1), 0);
	CHECK(e->d[0].group == NULL);
	CHECK_EQ_U64(dma_map(&e->d[0], 0x100000, PAGE, DMA_TO_DEVICE, &iova), 0);
	CHECK_EQ_U64(iova, BASE);
	CHECK_EQ_U64(dma_unmap(&e->d[0], iova, PAGE, DMA_TO_DEVICE, 1), 0);
	CHECK_EQ_U64(dma_flush(&e->d[0]), 0);
	CHECK_EQ_U64(e->ctx[0].nrel, 1);
	CHECK_EQ_U64(dma_get_stats(&e->d[0])->lock.acquired, 0);
	env_free(e);
}

/* Each lane hands out addresses from its own slice only, and the tables
 * are all there before the first map: none is added later. */
static void test_slices_and_tables_up_front(void)
{
	static const enum dma_policy policies[] = { DMA_POLICY_STRICT, DMA_POLICY_BATCHED,
						    DMA_POLICY_FQ, DMA_POLICY_POOL };

	for (unsigned p = 0; p < sizeof(policies) / sizeof(policies[0]); p++) {
		struct env *e = env_new(policies[p], 4 * 2 * MiB2 + 3 * PAGE);
		uint64_t tables, iova[LANES][3];

		CHECK_EQ_U64(env_init(e, LANES), 0);
		/* Root, one table per level down to 2 MiB, and one leaf table
		 * per 2 MiB slice. */
		tables = e->pt.tables;
		CHECK_EQ_U64(tables, 3 + 8);
		for (unsigned k = 0; k < 3; k++)
			for (unsigned i = 0; i < LANES; i++)
				CHECK_EQ_U64(dma_map(&e->d[i], 0x100000 + k * PAGE, k ? PAGE : 3 * PAGE,
						     DMA_FROM_DEVICE, &iova[i][k]), 0);
		for (unsigned i = 0; i < LANES; i++) {
			for (unsigned k = 0; k < 3; k++) {
				CHECK(iova[i][k] >= BASE + i * MiB2 * 2 &&
				      iova[i][k] < BASE + (i + 1) * MiB2 * 2);
				CHECK_EQ_U64(dma_unmap(&e->d[i], iova[i][k], k ? PAGE : 3 * PAGE,
						       DMA_FROM_DEVICE, k), 0);
			}
			CHECK_EQ_U64(dma_flush(&e->d[i]), 0);
		}
		for (unsigned i = 0; i < LANES; i++)
			CHECK_EQ_U64(dma_poll(&e->d[i]), 0);
		CHECK_EQ_U64(e->pt.tables, tables);
		for (unsigned i = 0; i < LANES; i++) {
			CHECK_EQ_U64(e->ctx[i].nrel, 3);
			CHECK_EQ_U64(dma_get_stats(&e->d[i])->unmaps, 3);
		}
		env_free(e);
	}
}

/* Batched across lanes: one list; the lane whose unmap fills it flushes
 * through its own ops; every lane's blocks wait in its inbox until that
 * lane comes by, and are released through its own ops. */
static void test_batched_global_list_and_inboxes(void)
{
	struct env *e = env_new(DMA_POLICY_BATCHED, LANES * MiB2);
	uint64_t iova[8];

	e->cfg.flush_deadline = 100;
	CHECK_EQ_U64(env_init(e, LANES), 0);
	for (unsigned k = 0; k < 8; k++)
		CHECK_EQ_U64(dma_map(&e->d[k % 2], 0x100000 + k * PAGE, PAGE, DMA_TO_DEVICE,
				     &iova[k]), 0);
	shared_clock = 1000;
	for (unsigned k = 0; k < 7; k++)
		CHECK_EQ_U64(dma_unmap(&e->d[k % 2], iova[k], PAGE, DMA_TO_DEVICE, k), 0);
	/* The list's deadline is lane 0's to serve. */
	CHECK_EQ_U64(dma_deadline(&e->d[0]), 1100);
	CHECK_EQ_U64(dma_deadline(&e->d[1]), 0);
	CHECK_EQ_U64(e->ctx[0].submits + e->ctx[1].submits, 0);
	/* The 8th entry (lane 1's) fills the list to hwm: lane 1 flushes. */
	CHECK_EQ_U64(dma_unmap(&e->d[1], iova[7], PAGE, DMA_TO_DEVICE, 7), 0);
	CHECK_EQ_U64(e->ctx[1].domain_submits, 1);
	CHECK_EQ_U64(e->ctx[1].waits, 1);
	CHECK_EQ_U64(e->ctx[0].submits, 0);
	CHECK_EQ_U64(dma_get_stats(&e->d[1])->flushes_hwm, 1);
	CHECK_EQ_U64(dma_deadline(&e->d[0]), 0);
	/* Lane 1 took its own at once; lane 0's wait for lane 0. */
	CHECK_EQ_U64(e->ctx[1].nrel, 4);
	CHECK_EQ_U64(e->ctx[0].nrel, 0);
	CHECK_EQ_U64(dma_poll(&e->d[0]), 0);
	CHECK_EQ_U64(e->ctx[0].nrel, 4);
	for (unsigned k = 0; k < 4; k++) {
		CHECK_EQ_U64(e->ctx[0].released[k] % 2, 0);
		CHECK_EQ_U64(e->ctx[1].released[k] % 2, 1);
	}
	/* Windows: each lane counts its own blocks. */
	CHECK_EQ_U64(dma_get_stats(&e->d[0])->window_count, 4);
	CHECK_EQ_U64(dma_get_stats(&e->d[0])->window_unmaps_max, 7);
	CHECK_EQ_U64(dma_get_stats(&e->d[1])->window_count, 4);
	/* The deadline: lane 2 queues, lane 0's poll flushes it once due. */
	CHECK_EQ_U64(dma_map(&e->d[2], 0x100000, PAGE, DMA_TO_DEVICE, &iova[0]), 0);
	shared_clock = 5000;
	CHECK_EQ_U64(dma_unmap(&e->d[2], iova[0], PAGE, DMA_TO_DEVICE, 9), 0);
	shared_clock = 5099;
	CHECK_EQ_U64(dma_poll(&e->d[0]), 0);
	CHECK_EQ_U64(dma_get_stats(&e->d[0])->flushes_deadline, 0);
	shared_clock = 5101;
	CHECK_EQ_U64(dma_poll(&e->d[1]), 0); /* not lane 1's timer */
	CHECK_EQ_U64(dma_get_stats(&e->d[1])->flushes_deadline, 0);
	CHECK_EQ_U64(dma_poll(&e->d[0]), 0);
	CHECK_EQ_U64(dma_get_stats(&e->d[0])->flushes_deadline, 1);
	CHECK_EQ_U64(e->ctx[0].domain_submits, 1);
	CHECK_EQ_U64(e->ctx[2].nrel, 0);
	CHECK_EQ_U64(dma_map(&e->d[2], 0x100000, PAGE, DMA_TO_DEVICE, &iova[1]), 0);
	CHECK_EQ_U64(e->ctx[2].nrel, 1);
	CHECK_EQ_U64(iova[1], iova[0]); /* back in lane 2's allocator */
	/* Every acquisition counted, timing off; none contended here. */
	CHECK(dma_get_stats(&e->d[0])->lock.acquired >= 5);
	CHECK_EQ_U64(dma_get_stats(&e->d[0])->lock.contended, 0);
	env_free(e);
}

/* fq: a lane's full ring flushes the domain, and the other lanes retire
 * what that flush covered at their next look, without an invalidation of
 * their own; an entry unmapped while that flush was in flight is not
 * covered by it. (fq_size is 4 here.) */
static struct env *fq_env;
static uint64_t fq_iova_in_flight;

static void unmap_on_lane0(struct lane_ctx *l)
{
	if (l->idx == 1)
		CHECK_EQ_U64(dma_unmap(&fq_env->d[0], fq_iova_in_flight, PAGE, DMA_TO_DEVICE, 14),
			     0);
}

static void test_fq_shared_flush_counters(void)
{
	struct env *e = env_new(DMA_POLICY_FQ, 2 * 2 * MiB2);
	uint64_t a[6], b[8];
	const struct dma_stats *s0;

	CHECK_EQ_U64(env_init(e, 2), 0);
	s0 = dma_get_stats(&e->d[0]);
	for (unsigned k = 0; k < 6; k++)
		CHECK_EQ_U64(dma_map(&e->d[0], 0x100000 + k * PAGE, PAGE, DMA_TO_DEVICE, &a[k]), 0);
	for (unsigned k = 0; k < 8; k++)
		CHECK_EQ_U64(dma_map(&e->d[1], 0x200000 + k * PAGE, PAGE, DMA_TO_DEVICE, &b[k]), 0);
	/* Lane 0 queues three; lane 1 fills its ring and flushes. */
	for (unsigned k = 0; k < 3; k++)
		CHECK_EQ_U64(dma_unmap(&e->d[0], a[k], PAGE, DMA_TO_DEVICE, 10 + k), 0);
	for (unsigned k = 0; k < 4; k++)
		CHECK_EQ_U64(dma_unmap(&e->d[1], b[k], PAGE, DMA_TO_DEVICE, 20 + k), 0);
	CHECK_EQ_U64(e->ctx[1].domain_submits, 1);
	CHECK_EQ_U64(e->ctx[1].nrel, 4);
	CHECK_EQ_U64(e->ctx[0].nrel, 0);
	/* Lane 0's next unmap retires its three, with no invalidation. */
	CHECK_EQ_U64(dma_unmap(&e->d[0], a[3], PAGE, DMA_TO_DEVICE, 13), 0);
	CHECK_EQ_U64(e->ctx[0].submits, 0);
	CHECK_EQ_U64(e->ctx[0].nrel, 3);
	for (unsigned k = 0; k < 3; k++)
		CHECK_EQ_U64(e->ctx[0].released[k], 10 + k);
	CHECK_EQ_U64(s0->retired_by_others, 3);
	CHECK_EQ_U64(s0->window_count, 3);
	CHECK_EQ_U64(s0->flushes_hwm + s0->flushes_forced + s0->flushes_deadline, 0);
	/* Lane 1 flushes again; lane 0 unmaps while that is in flight. */
	fq_env = e;
	fq_iova_in_flight = a[4];
	during_wait = unmap_on_lane0;
	for (unsigned k = 4; k < 8; k++)
		CHECK_EQ_U64(dma_unmap(&e->d[1], b[k], PAGE, DMA_TO_DEVICE, 20 + k), 0);
	during_wait = NULL;
	CHECK_EQ_U64(e->ctx[1].domain_submits, 2);
	CHECK_EQ_U64(e->ctx[0].nrel, 3); /* 13 was unmapped after flush 1, before flush 2 */
	/* Its poll retires 13 (covered by flush 2), not 14 (flush 2 was
	 * already submitted when 14 was unmapped). */
	CHECK_EQ_U64(dma_poll(&e->d[0]), 0);
	CHECK_EQ_U64(e->ctx[0].nrel, 4);
	CHECK_EQ_U64(e->ctx[0].released[3], 13);
	CHECK_EQ_U64(s0->retired_by_others, 4);
	CHECK_EQ_U64(e->ctx[0].submits, 0);
	/* 14 needs a flush that started after it: lane 0's own. */
	CHECK_EQ_U64(dma_flush(&e->d[0]), 0);
	CHECK_EQ_U64(e->ctx[0].domain_submits, 1);
	CHECK_EQ_U64(e->ctx[0].nrel, 5);
	CHECK_EQ_U64(e->ctx[0].released[4], 14);
	CHECK_EQ_U64(s0->flushes_forced, 1);
	CHECK_EQ_U64(s0->window_count, 5);
	/* Its IOVAs are back: the next map reuses one of lane 0's. */
	CHECK_EQ_U64(dma_map(&e->d[0], 0x100000, PAGE, DMA_TO_DEVICE, &a[5]), 0);
	CHECK(a[5] >= BASE && a[5] < BASE + 2 * MiB2);
	env_free(e);
}

/* A lone fq domain flushes for itself: nothing is retired by others. */
static void test_fq_one_lane_counts_its_own(void)
{
	struct env *e = env_new(DMA_POLICY_FQ, 4 * MiB2);
	uint64_t iova[9];

	CHECK_EQ_U64(env_init(e, 1), 0);
	for (unsigned k = 0; k < 9; k++)
		CHECK_EQ_U64(dma_map(&e->d[0], 0x100000 + k * PAGE, PAGE, DMA_TO_DEVICE, &iova[k]),
			     0);
	for (unsigned k = 0; k < 9; k++)
		CHECK_EQ_U64(dma_unmap(&e->d[0], iova[k], PAGE, DMA_TO_DEVICE, k), 0);
	CHECK_EQ_U64(dma_get_stats(&e->d[0])->flushes_hwm, 2);
	CHECK_EQ_U64(e->ctx[0].nrel, 8);
	CHECK_EQ_U64(dma_flush(&e->d[0]), 0);
	CHECK_EQ_U64(e->ctx[0].nrel, 9);
	CHECK_EQ_U64(dma_get_stats(&e->d[0])->retired_by_others, 0);
	env_free(e);
}

/* A lane's slice running out: its blocks on the list come back by a
 * flush. */
static void test_batched_lane_exhaustion(void)
{
	struct env *e = env_new(DMA_POLICY_BATCHED, 2 * MiB2);
	uint64_t iova, first = 0;

	e->cfg.hwm = 600; /* more than a lane's 512 pages */
	CHECK_EQ_U64(env_init(e, 2), 0);
	for (unsigned k = 0; k < 512; k++) {
		CHECK_EQ_U64(dma_map(&e->d[1], 0x100000, PAGE, DMA_TO_DEVICE, &iova), 0);
		if (k == 0)
			first = iova;
		CHECK_EQ_U64(dma_unmap(&e->d[1], iova, PAGE, DMA_TO_DEVICE, k), 0);
	}
	CHECK_EQ_U64(e->ctx[1].nrel, 0);
	CHECK_EQ_U64(dma_map(&e->d[1], 0x100000, PAGE, DMA_TO_DEVICE, &iova), 0);
	CHECK_EQ_U64(dma_get_stats(&e->d[1])->flushes_nospace, 1);
	CHECK_EQ_U64(e->ctx[1].nrel, 512);
	CHECK(iova >= first && iova < first + MiB2);
	env_free(e);
}

/* A lock not obtained within lock_limit: DMA_EIO, nothing changed, the
 * wait counted as contended. */
static void test_lock_limit(void)
{
	struct env *e = env_new(DMA_POLICY_BATCHED, 2 * MiB2);
	struct lock_wait w = { 0, 0, 0 };
	uint64_t iova, phys;

	e->cfg.lock_limit = 1000;
	e->cfg.timing = true;
	CHECK_EQ_U64(env_init(e, 2), 0);
	CHECK_EQ_U64(dma_map(&e->d[1], 0x100000, PAGE, DMA_TO_DEVICE, &iova), 0);
	/* Another CPU holds the list and never lets go. */
	CHECK(ticket_lock_acquire(&e->g.lock, 1000, &w));
	CHECK_EQ_U64(dma_unmap(&e->d[1], iova, PAGE, DMA_TO_DEVICE, 1), DMA_EIO);
	CHECK(iopt_translate(&e->pt, iova, &phys, NULL, NULL));
	CHECK_EQ_U64(phys, 0x100000);
	CHECK_EQ_U64(dma_get_stats(&e->d[1])->unmaps, 0);
	CHECK_EQ_U64(dma_get_stats(&e->d[1])->lock.contended, 1);
	CHECK(dma_get_stats(&e->d[1])->lock.cycles >= 1000);
	/* With timing, the wait is the lock phase's, not the one it hit. */
	CHECK_EQ_U64(dma_get_stats(&e->d[1])->phase[DMA_PHASE_LOCK],
		     dma_get_stats(&e->d[1])->lock.cycles);
	env_free(e);
}

/* Bounce: each lane its share of the slots, in its own slice, over its
 * share of the slots' pages. */
static void test_bounce_slots_per_lane(void)
{
	struct env *e = env_new(DMA_POLICY_BOUNCE, 2 * MiB2);
	uint64_t iova[2];

	e->arena = calloc(1, 16 * PAGE + PAGE);
	cur_env = e;
	e->cfg.bounce_slots = 8;
	e->cfg.bounce_phys = ARENA + PAGE;
	for (unsigned i = 0; i < 2; i++)
		e->ops[i].phys_to_ptr = arena_ptr;
	CHECK_EQ_U64(env_init(e, 2), 0);
	for (unsigned i = 0; i < 2; i++) {
		uint64_t phys;

		CHECK_EQ_U64(dma_map(&e->d[i], ARENA, 16, DMA_TO_DEVICE, &iova[i]), 0);
		CHECK(iova[i] >= BASE + i * MiB2 && iova[i] < BASE + (i + 1) * MiB2);
		CHECK(iopt_translate(&e->pt, iova[i], &phys, NULL, NULL));
		CHECK_EQ_U64(phys, ARENA + PAGE + i * 4 * PAGE);
	}
	for (unsigned k = 1; k < 4; k++)
		CHECK_EQ_U64(dma_map(&e->d[0], ARENA, 16, DMA_TO_DEVICE, &iova[1]), 0);
	CHECK_EQ_U64(dma_map(&e->d[0], ARENA, 16, DMA_TO_DEVICE, &iova[1]), DMA_ENOSPC);
	env_free(e);
}

int main(void)
{
	RUN_TEST("dma_lanes", test_group_checks);
	RUN_TEST("dma_lanes", test_one_lane_is_a_domain);
	RUN_TEST("dma_lanes", test_slices_and_tables_up_front);
	RUN_TEST("dma_lanes", test_batched_global_list_and_inboxes);
	RUN_TEST("dma_lanes", test_batched_lane_exhaustion);
	RUN_TEST("dma_lanes", test_fq_shared_flush_counters);
	RUN_TEST("dma_lanes", test_fq_one_lane_counts_its_own);
	RUN_TEST("dma_lanes", test_lock_limit);
	RUN_TEST("dma_lanes", test_bounce_slots_per_lane);
	return CHECK_EXIT_STATUS();
}

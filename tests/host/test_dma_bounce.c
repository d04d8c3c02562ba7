/* The bounce policy (lib/dma/dma_bounce.c) on the host: slots and buffers
 * are real memory (their "physical" address is the pointer), page tables
 * from lib/iopt on host pages, and invalidation ops that only count. The
 * "device" reads and writes a slot through the page tables' translation of
 * the IOVA that dma_map handed out. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "host_pages.h"
#include "lib/dma/dma.h"

#define PAGE  4096ull
#define BASE  0x200000ull
#define RANGE 64           /* pages of IOVA */
#define SLOTS 8

struct env {
	struct iopt pt;
	struct dma_domain d;
	struct dma_config cfg;
	struct dma_ops ops;
	void *storage;
	uint8_t *slots;          /* SLOTS pages */
	uint8_t *buf;            /* 16 pages of buffers */
	uint64_t submits, waits, wbf, now_calls, clock;
	uint64_t released[64];
	unsigned nrel;
};

static int count_submit(void *ctx, enum dma_gran g, uint64_t iova, uint64_t npages)
{
	struct env *e = ctx;

	(void)g, (void)iova, (void)npages;
	e->submits++;
	return 0;
}

static int count_wait(void *ctx)
{
	struct env *e = ctx;

	e->waits++;
	return 0;
}

static int count_wbf(void *ctx)
{
	struct env *e = ctx;

	e->wbf++;
	return 0;
}

static uint64_t tick(void *ctx)
{
	struct env *e = ctx;

	e->now_calls++;
	return e->clock += 10;
}

static void note_release(void *ctx, uint64_t cookie)
{
	struct env *e = ctx;

	if (e->nrel < 64)
		e->released[e->nrel] = cookie;
	e->nrel++;
}

static void *host_ptr(void *ctx, uint64_t phys)
{
	(void)ctx;
	return (void *)(uintptr_t)phys;
}

static uint64_t phys_of(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static void plain(struct dma_config *c)
{
	(void)c;
}

static struct env *env_new(void (*tweak)(struct dma_config *))
{
	struct env *e = calloc(1, sizeof(*e));
	struct iopt_ops pops = { host_page, host_free, NULL, e };

	e->slots = aligned_alloc(4096, SLOTS * PAGE);
	e->buf = aligned_alloc(4096, 16 * PAGE);
	memset(e->slots, 0xee, SLOTS * PAGE);
	memset(e->buf, 0, 16 * PAGE);
	e->cfg = (struct dma_config){ .policy = DMA_POLICY_BOUNCE, .iova_base = BASE,
				      .iova_limit = BASE + RANGE * PAGE, .bounce_slots = SLOTS,
				      .bounce_phys = phys_of(e->slots) };
	tweak(&e->cfg);
	e->ops = (struct dma_ops){ .inval_submit = count_submit, .inval_wait = count_wait,
				   .now = tick, .release = note_release,
				   .write_buffer_flush = count_wbf, .phys_to_ptr = host_ptr,
				   .ctx = e };
	CHECK_EQ_U64(iopt_init(&e->pt, 4, &pops), 0);
	size_t bytes = dma_storage_bytes(&e->cfg);
	e->storage = aligned_alloc(8, bytes ? (bytes + 7) & ~(size_t)7 : 8);
	return e;
}

static int env_init(struct env *e)
{
	return dma_domain_init(&e->d, &e->pt, &e->cfg, &e->ops, e->storage,
			       dma_storage_bytes(&e->cfg));
}

static struct env *env_start(void (*tweak)(struct dma_config *))
{
	struct env *e = env_new(tweak);

	CHECK_EQ_U64(env_init(e), 0);
	return e;
}

static void env_free(struct env *e)
{
	iopt_destroy(&e->pt);
	free(e->storage);
	free(e->slots);
	free(e->buf);
	free(e);
}

/* What the device reaches at iova: the translation must exist, with rights
 * for both directions, and lead into the slots. NULL otherwise. */
static uint8_t *device_view(struct env *e, uint64_t iova)
{
	uint64_t phys, prot;

	if (!iopt_translate(&e->pt, iova & ~(PAGE - 1), &phys, &prot, NULL) ||
	    prot != (IOPT_R | IOPT_W))
		return NULL;
	return (uint8_t *)(uintptr_t)(phys + (iova & (PAGE - 1)));
}

static bool in_slots(const struct env *e, const uint8_t *p, size_t len)
{
	return p >= e->slots && p + len <= e->slots + SLOTS * PAGE;
}

static uint8_t *buffer(struct env *e, unsigned k)
{
	return e->buf + k * PAGE;
}

/* ---- tests --------------------------------------------------------------- */

static void test_storage_and_init_checks(void)
{
	struct env *e = env_new(plain);
	struct dma_ops ops = e->ops;

	/* The allocator's 5 bytes a page, then 32 per slot. */
	CHECK_EQ_U64(dma_storage_bytes(&e->cfg), RANGE * 5 + SLOTS * 32);
	e->ops.phys_to_ptr = NULL;
	CHECK_EQ_U64(env_init(e), DMA_EINVAL);
	e->ops = ops;
	e->cfg.bounce_slots = 0;
	CHECK_EQ_U64(env_init(e), DMA_EINVAL);
	e->cfg.bounce_slots = RANGE + 1; /* more slots than IOVAs */
	CHECK_EQ_U64(env_init(e), DMA_EINVAL);
	e->cfg.bounce_slots = SLOTS;
	e->cfg.bounce_phys = phys_of(e->slots) + 8;
	CHECK_EQ_U64(env_init(e), DMA_EINVAL);
	e->cfg.bounce_phys = 0;
	CHECK_EQ_U64(env_init(e), DMA_EINVAL);
	e->cfg.bounce_phys = phys_of(e->slots);
	CHECK_EQ_U64(dma_domain_init(&e->d, &e->pt, &e->cfg, &e->ops, e->storage,
				     dma_storage_bytes(&e->cfg) - 1), DMA_EINVAL);
	CHECK_EQ_U64(env_init(e), 0);
	/* Every slot is mapped once, read and write, to its own page. */
	for (unsigned i = 0; i < SLOTS; i++)
		CHECK(device_view(e, BASE + i * PAGE) == e->slots + i * PAGE);
	CHECK(device_view(e, BASE + SLOTS * PAGE) == NULL);
	CHECK_EQ_U64(e->submits, 0);
	CHECK_EQ_U64(e->wbf, 0);
	env_free(e);
}

static void test_copy_in_and_out_by_direction(void)
{
	struct env *e = env_start(plain);
	uint64_t tx, rx, bi;
	uint8_t *dev;

	for (unsigned i = 0; i < 1514; i++)
		buffer(e, 0)[i] = (uint8_t)(i * 7);
	memset(buffer(e, 1), 0x11, PAGE);
	memset(buffer(e, 2), 0x22, PAGE);
	CHECK_EQ_U64(dma_map(&e->d, phys_of(buffer(e, 0)), 1514, DMA_TO_DEVICE, &tx), 0);
	CHECK_EQ_U64(dma_map(&e->d, phys_of(buffer(e, 1)), 2048, DMA_FROM_DEVICE, &rx), 0);
	CHECK_EQ_U64(dma_map(&e->d, phys_of(buffer(e, 2)), 100, DMA_BIDIRECTIONAL, &bi), 0);
	/* The device reads the copy through the slot, not the buffer. */
	dev = device_view(e, tx);
	CHECK(dev && in_slots(e, dev, 1514));
	CHECK(dev && memcmp(dev, buffer(e, 0), 1514) == 0);
	/* FROM_DEVICE: nothing copied in. */
	dev = device_view(e, rx);
	CHECK(dev && in_slots(e, dev, 2048) && dev[0] == 0xee);
	dev = device_view(e, bi);
	CHECK(dev && dev[0] == 0x22 && dev[99] == 0x22);
	/* The device writes into every slot; only rx and bi copy back. */
	memset(device_view(e, tx), 0x55, 1514);
	memset(device_view(e, rx), 0x66, 2048);
	memset(device_view(e, bi), 0x77, 100);
	CHECK_EQ_U64(dma_unmap(&e->d, tx, 1514, DMA_TO_DEVICE, 10), 0);
	CHECK_EQ_U64(dma_unmap(&e->d, rx, 2048, DMA_FROM_DEVICE, 11), 0);
	CHECK_EQ_U64(dma_unmap(&e->d, bi, 100, DMA_BIDIRECTIONAL, 12), 0);
	CHECK_EQ_U64(buffer(e, 0)[5], 35);
	CHECK_EQ_U64(buffer(e, 1)[0], 0x66);
	CHECK_EQ_U64(buffer(e, 1)[2047], 0x66);
	CHECK_EQ_U64(buffer(e, 1)[2048], 0x11); /* no more than the mapped length */
	CHECK_EQ_U64(buffer(e, 2)[99], 0x77);
	CHECK_EQ_U64(buffer(e, 2)[100], 0x22);
	/* Released at once, each with its cookie. */
	CHECK_EQ_U64(e->nrel, 3);
	CHECK_EQ_U64(e->released[0], 10);
	CHECK_EQ_U64(e->released[2], 12);
	CHECK_EQ_U64(dma_get_stats(&e->d)->maps, 3);
	CHECK_EQ_U64(dma_get_stats(&e->d)->unmaps, 3);
	env_free(e);
}

static void test_offsets_and_lengths(void)
{
	struct env *e = env_start(plain);
	uint64_t a;

	/* The offset in the page is kept when the data fits after it. */
	buffer(e, 0)[0x300] = 0xab;
	CHECK_EQ_U64(dma_map(&e->d, phys_of(buffer(e, 0)) + 0x300, 64, DMA_TO_DEVICE, &a), 0);
	CHECK_EQ_U64(a & (PAGE - 1), 0x300);
	CHECK(device_view(e, a) && *device_view(e, a) == 0xab);
	CHECK_EQ_U64(dma_unmap(&e->d, a, 64, DMA_TO_DEVICE, 0), 0);
	/* A buffer crossing its page starts the slot. */
	buffer(e, 0)[0xf00] = 0xcd;
	CHECK_EQ_U64(dma_map(&e->d, phys_of(buffer(e, 0)) + 0xf00, 1514, DMA_TO_DEVICE, &a), 0);
	CHECK_EQ_U64(a & (PAGE - 1), 0);
	CHECK(device_view(e, a) && *device_view(e, a) == 0xcd);
	CHECK_EQ_U64(dma_unmap(&e->d, a, 1514, DMA_TO_DEVICE, 0), 0);
	/* More than a slot, or nothing, is refused. */
	CHECK_EQ_U64(dma_map(&e->d, phys_of(buffer(e, 0)), PAGE + 1, DMA_TO_DEVICE, &a), DMA_EINVAL);
	CHECK_EQ_U64(dma_map(&e->d, phys_of(buffer(e, 0)), 0, DMA_TO_DEVICE, &a), DMA_EINVAL);
	CHECK_EQ_U64(dma_map(&e->d, phys_of(buffer(e, 0)), 64, (enum dma_dir)0, &a), DMA_EINVAL);
	CHECK_EQ_U64(dma_map(&e->d, phys_of(buffer(e, 0)), PAGE, DMA_TO_DEVICE, &a), 0);
	CHECK_EQ_U64(dma_get_stats(&e->d)->maps, 3);
	env_free(e);
}

/* Slots come back at unmap and are handed out again (most recent first),
 * the page tables never change, and nothing is ever invalidated. */
static void test_slot_reuse_without_invalidation(void)
{
	struct env *e = env_start(plain);
	uint64_t tables = e->pt.tables, a, first;

	CHECK_EQ_U64(dma_map(&e->d, phys_of(buffer(e, 0)), 64, DMA_TO_DEVICE, &first), 0);
	CHECK_EQ_U64(dma_unmap(&e->d, first, 64, DMA_TO_DEVICE, 0), 0);
	for (unsigned k = 0; k < 5000; k++) {
		unsigned b = k % 16;

		buffer(e, b)[0] = (uint8_t)k;
		CHECK_EQ_U64(dma_map(&e->d, phys_of(buffer(e, b)), 1514, DMA_TO_DEVICE, &a), 0);
		CHECK_EQ_U64(a, first);
		CHECK(device_view(e, a) && *device_view(e, a) == (uint8_t)k);
		CHECK_EQ_U64(dma_unmap(&e->d, a, 1514, DMA_TO_DEVICE, k), 0);
	}
	CHECK_EQ_U64(e->pt.tables, tables);
	CHECK_EQ_U64(e->submits, 0);
	CHECK_EQ_U64(e->waits, 0);
	CHECK_EQ_U64(dma_get_stats(&e->d)->inval_submits, 0);
	CHECK_EQ_U64(e->nrel, 5001);
	CHECK_EQ_U64(e->now_calls, 0); /* timing off: no clock read */
	CHECK_EQ_U64(dma_flush(&e->d), 0);
	CHECK_EQ_U64(e->submits, 0);
	env_free(e);
}

static void test_exhausted_slots(void)
{
	struct env *e = env_start(plain);
	uint64_t a[SLOTS + 1];

	for (unsigned i = 0; i < SLOTS; i++)
		CHECK_EQ_U64(dma_map(&e->d, phys_of(buffer(e, i)), 64, DMA_FROM_DEVICE, &a[i]), 0);
	/* Every slot different. */
	for (unsigned i = 0; i < SLOTS; i++)
		for (unsigned j = i + 1; j < SLOTS; j++)
			CHECK(a[i] != a[j]);
	a[SLOTS] = 0x5a5a;
	CHECK_EQ_U64(dma_map(&e->d, phys_of(buffer(e, 9)), 64, DMA_FROM_DEVICE, &a[SLOTS]),
		     DMA_ENOSPC);
	CHECK_EQ_U64(a[SLOTS], 0x5a5a);
	CHECK_EQ_U64(dma_get_stats(&e->d)->maps, SLOTS);
	CHECK_EQ_U64(dma_unmap(&e->d, a[3], 64, DMA_FROM_DEVICE, 3), 0);
	CHECK_EQ_U64(dma_map(&e->d, phys_of(buffer(e, 9)), 64, DMA_FROM_DEVICE, &a[SLOTS]), 0);
	CHECK_EQ_U64(a[SLOTS], a[3]);
	CHECK_EQ_U64(e->submits, 0);
	env_free(e);
}

/* Every misuse is refused before anything changes: no copy, no release,
 * the slot still taken. */
static void test_unmap_misuse(void)
{
	struct env *e = env_start(plain);
	uint64_t a, b;

	memset(buffer(e, 0), 0x33, PAGE);
	CHECK_EQ_U64(dma_map(&e->d, phys_of(buffer(e, 0)) + 0x10, 200, DMA_FROM_DEVICE, &a), 0);
	memset(device_view(e, a), 0x44, 200);
	CHECK_EQ_U64(dma_unmap(&e->d, a, 199, DMA_FROM_DEVICE, 0), DMA_EINVAL);
	CHECK_EQ_U64(dma_unmap(&e->d, a, 200, DMA_TO_DEVICE, 0), DMA_EINVAL);
	CHECK_EQ_U64(dma_unmap(&e->d, a, 200, DMA_BIDIRECTIONAL, 0), DMA_EINVAL);
	CHECK_EQ_U64(dma_unmap(&e->d, a + 1, 200, DMA_FROM_DEVICE, 0), DMA_EINVAL);
	CHECK_EQ_U64(dma_unmap(&e->d, a - 0x10, 200, DMA_FROM_DEVICE, 0), DMA_EINVAL);
	CHECK_EQ_U64(dma_unmap(&e->d, BASE - PAGE, 200, DMA_FROM_DEVICE, 0), DMA_EINVAL);
	CHECK_EQ_U64(dma_unmap(&e->d, BASE + SLOTS * PAGE, 200, DMA_FROM_DEVICE, 0), DMA_EINVAL);
	CHECK_EQ_U64(dma_unmap(&e->d, a + PAGE, 200, DMA_FROM_DEVICE, 0), DMA_EINVAL); /* free slot */
	CHECK_EQ_U64(buffer(e, 0)[0x10], 0x33);
	CHECK_EQ_U64(e->nrel, 0);
	CHECK_EQ_U64(dma_get_stats(&e->d)->unmaps, 0);
	/* The slot is still taken: the next map gets another one. */
	CHECK_EQ_U64(dma_map(&e->d, phys_of(buffer(e, 1)), 64, DMA_TO_DEVICE, &b), 0);
	CHECK(b != a);
	CHECK_EQ_U64(dma_unmap(&e->d, a, 200, DMA_FROM_DEVICE, 7), 0);
	CHECK_EQ_U64(buffer(e, 0)[0x10], 0x44);
	CHECK_EQ_U64(buffer(e, 0)[0x10 + 200], 0x33);
	/* Twice is misuse too. */
	CHECK_EQ_U64(dma_unmap(&e->d, a, 200, DMA_FROM_DEVICE, 7), DMA_EINVAL);
	CHECK_EQ_U64(e->nrel, 1);
	env_free(e);
}

static void caching_mode(struct dma_config *c)
{
	c->caching_mode = true;
}

static void rwbf(struct dma_config *c)
{
	c->write_buffer_flush = true;
}

/* The slots' mappings are announced once at init; maps and unmaps still
 * never invalidate or flush. */
static void test_caching_mode_and_write_buffer_at_init_only(void)
{
	struct env *e = env_start(caching_mode);
	uint64_t a;

	CHECK_EQ_U64(e->submits, 1);
	CHECK_EQ_U64(e->waits, 1);
	dma_reset_stats(&e->d);
	for (unsigned k = 0; k < 100; k++) {
		CHECK_EQ_U64(dma_map(&e->d, phys_of(buffer(e, 0)), 64, DMA_TO_DEVICE, &a), 0);
		CHECK_EQ_U64(dma_unmap(&e->d, a, 64, DMA_TO_DEVICE, 0), 0);
	}
	CHECK_EQ_U64(e->submits, 1);
	CHECK_EQ_U64(dma_get_stats(&e->d)->inval_submits, 0);
	env_free(e);

	e = env_start(rwbf);
	CHECK_EQ_U64(e->wbf, 1);
	CHECK_EQ_U64(dma_map(&e->d, phys_of(buffer(e, 0)), 64, DMA_TO_DEVICE, &a), 0);
	CHECK_EQ_U64(dma_unmap(&e->d, a, 64, DMA_TO_DEVICE, 0), 0);
	CHECK_EQ_U64(e->wbf, 1);
	CHECK_EQ_U64(e->submits, 0);
	env_free(e);
}

static void timed(struct dma_config *c)
{
	c->timing = true;
}

/* With timing the copies are their own phase; the slot bookkeeping counts
 * as IOVA work; nothing is charged to page tables or invalidation. */
static void test_copy_phase(void)
{
	struct env *e = env_start(timed);
	const struct dma_stats *s = dma_get_stats(&e->d);
	uint64_t a;

	CHECK_EQ_U64(dma_map(&e->d, phys_of(buffer(e, 0)), 1514, DMA_TO_DEVICE, &a), 0);
	CHECK_EQ_U64(dma_unmap(&e->d, a, 1514, DMA_TO_DEVICE, 0), 0);
	CHECK(s->phase[DMA_PHASE_COPY] > 0);
	CHECK(s->phase[DMA_PHASE_IOVA] > 0);
	CHECK_EQ_U64(s->phase[DMA_PHASE_PTE], 0);
	CHECK_EQ_U64(s->phase[DMA_PHASE_SUBMIT] + s->phase[DMA_PHASE_WAIT], 0);
	CHECK_EQ_U64(e->now_calls, 6); /* start, slot, copy; start, copy, slot */
	env_free(e);
}

/* Shared memory (rings) is mapped straight through the tables, not into a
 * slot, and does not take one. */
static void test_coherent_mapping_is_not_bounced(void)
{
	struct env *e = env_start(plain);
	uint64_t a, phys = phys_of(buffer(e, 5)), got, prot;

	CHECK_EQ_U64(dma_map_coherent(&e->d, phys, PAGE, DMA_BIDIRECTIONAL, &a), 0);
	CHECK(a >= BASE + SLOTS * PAGE && a < BASE + RANGE * PAGE);
	CHECK(iopt_translate(&e->pt, a, &got, &prot, NULL) && got == phys);
	for (unsigned i = 0; i < SLOTS; i++)
		CHECK_EQ_U64(dma_map(&e->d, phys_of(buffer(e, i)), 64, DMA_TO_DEVICE, &a), 0);
	env_free(e);
}

int main(void)
{
	RUN_TEST("dma_bounce", test_storage_and_init_checks);
	RUN_TEST("dma_bounce", test_copy_in_and_out_by_direction);
	RUN_TEST("dma_bounce", test_offsets_and_lengths);
	RUN_TEST("dma_bounce", test_slot_reuse_without_invalidation);
	RUN_TEST("dma_bounce", test_exhausted_slots);
	RUN_TEST("dma_bounce", test_unmap_misuse);
	RUN_TEST("dma_bounce", test_caching_mode_and_write_buffer_at_init_only);
	RUN_TEST("dma_bounce", test_copy_phase);
	RUN_TEST("dma_bounce", test_coherent_mapping_is_not_bounced);
	return CHECK_EXIT_STATUS();
}

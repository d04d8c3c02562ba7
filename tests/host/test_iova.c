/* lib/dma/iova.c: blocks inside the range and naturally aligned, never handed
 * out twice (checked against a page-by-page model under random runs),
 * exhaustion, rejected frees, constant-time reuse, splitting and merging. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "lib/dma/iova.h"

#define PAGE 4096ull


struct space {
	struct iova_space s;
	void *mem;
};

static int space_init(struct space *sp, uint64_t base, uint64_t pages)
{
	size_t bytes = iova_storage_bytes(pages);

	sp->mem = malloc(bytes ? bytes : 8);
	return iova_init(&sp->s, base, base + pages * PAGE, sp->mem, bytes);
}

static void space_fini(struct space *sp)
{
	free(sp->mem);
}

static uint64_t alloc_ok(struct space *sp, uint32_t npages)
{
	uint64_t iova = 0;

	CHECK_EQ_U64(iova_alloc(&sp->s, npages, &iova), 0);
	return iova;
}

static void test_init_checks(void)
{
	struct iova_space s;
	uint64_t mem[64];

	CHECK_EQ_U64(iova_storage_bytes(10), 56); /* 5 bytes a page, rounded to 8 */
	CHECK_EQ_U64(iova_init(&s, 0x1000, 0x11000, mem, sizeof(mem)), 0);
	CHECK_EQ_U64(s.pages, 16);
	CHECK_EQ_U64(iova_init(&s, 0x1001, 0x11000, mem, sizeof(mem)), IOVA_EINVAL);
	CHECK_EQ_U64(iova_init(&s, 0x1000, 0x11001, mem, sizeof(mem)), IOVA_EINVAL);
	CHECK_EQ_U64(iova_init(&s, 0x1000, 0x1000, mem, sizeof(mem)), IOVA_EINVAL);
	CHECK_EQ_U64(iova_init(&s, 0x2000, 0x1000, mem, sizeof(mem)), IOVA_EINVAL);
	CHECK_EQ_U64(iova_init(&s, 0x1000, 0x11000, mem, iova_storage_bytes(16) - 1), IOVA_EINVAL);
	CHECK_EQ_U64(iova_init(&s, 0x1000, 0x11000, NULL, sizeof(mem)), IOVA_EINVAL);
	CHECK_EQ_U64(iova_init(&s, 0x1000, 0x11000, (char *)mem + 1, sizeof(mem) - 1), IOVA_EINVAL);
	CHECK_EQ_U64(iova_init(&s, 0, (IOVA_MAX_PAGES + 1ull) * PAGE, mem, SIZE_MAX), IOVA_EINVAL);
	CHECK_EQ_U64(iova_storage_bytes(IOVA_MAX_PAGES + 1ull), 0);
}

/* A freed block is the next one handed out for its size: the list head,
 * without looking at anything else, however many blocks are live. */
static void test_reuse_is_constant_time(void)
{
	struct space sp;

	CHECK_EQ_U64(space_init(&sp, 0x100000, 8192), 0);
	for (uint32_t live = 1; live < 8000; live = live * 3 + 1) {
		uint64_t a, b, bump;

		while (8192 - iova_pages_free(&sp.s) < live)
			alloc_ok(&sp, 1);
		a = alloc_ok(&sp, 1);
		bump = sp.s.bump;
		for (int i = 0; i < 100; i++) {
			CHECK_EQ_U64(iova_free(&sp.s, a, 1), 0);
			b = alloc_ok(&sp, 1);
			CHECK_EQ_U64(b, a);
		}
		/* The steady state never reached the bump pointer again. */
		CHECK_EQ_U64(sp.s.bump, bump);
	}
	space_fini(&sp);
}

static void test_exhaustion(void)
{
	struct space sp;
	uint64_t got[16], iova = 0;

	CHECK_EQ_U64(space_init(&sp, 0x7000, 16), 0);
	for (int i = 0; i < 16; i++)
		got[i] = alloc_ok(&sp, 1);
	CHECK_EQ_U64(iova_alloc(&sp.s, 1, &iova), IOVA_ENOSPC);
	CHECK_EQ_U64(iova_pages_free(&sp.s), 0);
	/* Larger than the range, and absurd sizes, are refused too. */
	CHECK_EQ_U64(iova_alloc(&sp.s, 17, &iova), IOVA_ENOSPC);
	CHECK_EQ_U64(iova_alloc(&sp.s, 0xffffffffu, &iova), IOVA_ENOSPC);
	CHECK_EQ_U64(iova_alloc(&sp.s, 0, &iova), IOVA_EINVAL);
	CHECK_EQ_U64(iova_free(&sp.s, got[5], 1), 0);
	CHECK_EQ_U64(alloc_ok(&sp, 1), got[5]);
	CHECK_EQ_U64(iova_alloc(&sp.s, 1, &iova), IOVA_ENOSPC);
	space_fini(&sp);
}

/* Frees of anything but an allocated block, whole and with its exact
 * length, change nothing. */
static void test_bad_free_rejected(void)
{
	struct space sp;
	uint64_t a, b, iova = 0, before;

	CHECK_EQ_U64(space_init(&sp, 0x100000, 64), 0);
	a = alloc_ok(&sp, 3); /* a 4-page block holding 3 pages */
	b = alloc_ok(&sp, 1);
	before = iova_pages_free(&sp.s);
	CHECK_EQ_U64(iova_free(&sp.s, a, 4), IOVA_EINVAL);      /* wrong length, same block size */
	CHECK_EQ_U64(iova_free(&sp.s, a, 2), IOVA_EINVAL);
	CHECK_EQ_U64(iova_free(&sp.s, a + PAGE, 1), IOVA_EINVAL); /* inside the block */
	CHECK_EQ_U64(iova_free(&sp.s, a + 1, 3), IOVA_EINVAL);    /* not page aligned */
	CHECK_EQ_U64(iova_free(&sp.s, 0x100000 - PAGE, 1), IOVA_EINVAL); /* below base */
	CHECK_EQ_U64(iova_free(&sp.s, 0, 1), IOVA_EINVAL);
	CHECK_EQ_U64(iova_free(&sp.s, 0x100000 + 64 * PAGE, 1), IOVA_EINVAL); /* at limit */
	CHECK_EQ_U64(iova_free(&sp.s, 0x100000 + 40 * PAGE, 1), IOVA_EINVAL); /* never given */
	CHECK_EQ_U64(iova_pages_free(&sp.s), before);
	CHECK(!iova_owned(&sp.s, a, 4));
	CHECK(iova_owned(&sp.s, a, 3));
	CHECK_EQ_U64(iova_free(&sp.s, b, 1), 0);
	CHECK_EQ_U64(iova_free(&sp.s, b, 1), IOVA_EINVAL); /* twice */
	CHECK_EQ_U64(iova_pages_free(&sp.s), before + 1);
	CHECK_EQ_U64(iova_free(&sp.s, a, 3), 0);
	/* Still consistent: everything can be handed out once. */
	for (int i = 0; i < 64; i++)
		alloc_ok(&sp, 1);
	CHECK_EQ_U64(iova_alloc(&sp.s, 1, &iova), IOVA_ENOSPC);
	space_fini(&sp);
}

/* A block of 2^k pages starts on a multiple of 2^k pages in the address
 * space, whatever the base: one VT-d address mask covers it exactly. */
static void test_natural_alignment(void)
{
	struct space sp;

	CHECK_EQ_U64(space_init(&sp, 0x3000, 200), 0);
	for (uint32_t n = 1; n <= 32; n++) {
		uint64_t a = 0, blk = 1ull << iova_class(n);

		if (iova_alloc(&sp.s, n, &a))
			break;
		CHECK_EQ_U64((a / PAGE) % blk, 0);
	}
	space_fini(&sp);
}

/* A large free block is split for smaller requests rather than taking new
 * space; merging puts fragments together again when space runs out. */
static void test_split_and_merge(void)
{
	struct space sp;
	uint64_t big, small[16], iova = 0;

	CHECK_EQ_U64(space_init(&sp, 0x100000, 16), 0);
	big = alloc_ok(&sp, 16);
	CHECK_EQ_U64(iova_free(&sp.s, big, 16), 0);
	for (int i = 0; i < 16; i++) {
		small[i] = alloc_ok(&sp, 1);
		CHECK(small[i] >= big && small[i] < big + 16 * PAGE);
	}
	CHECK_EQ_U64(iova_alloc(&sp.s, 1, &iova), IOVA_ENOSPC);
	/* All free again, as 16 single pages: 16 pages at once needs a merge. */
	for (int i = 0; i < 16; i++)
		CHECK_EQ_U64(iova_free(&sp.s, small[i], 1), 0);
	CHECK_EQ_U64(alloc_ok(&sp, 16), big);
	CHECK_EQ_U64(iova_free(&sp.s, big, 16), 0);
	/* One page kept in the first half: 8 pages come from the second. */
	for (int i = 0; i < 16; i++)
		small[i] = alloc_ok(&sp, 1);
	for (int i = 0; i < 16; i++)
		if (small[i] != big + 3 * PAGE)
			CHECK_EQ_U64(iova_free(&sp.s, small[i], 1), 0);
	CHECK_EQ_U64(alloc_ok(&sp, 8), big + 8 * PAGE);
	CHECK_EQ_U64(iova_alloc(&sp.s, 8, &iova), IOVA_ENOSPC);
	CHECK_EQ_U64(alloc_ok(&sp, 2), big);
	CHECK_EQ_U64(iova_pages_free(&sp.s), 16 - 1 - 8 - 2);
	space_fini(&sp);
}

/* Random sizes against a model of who holds each page: no page is ever in
 * two live blocks, blocks stay in the range, the free count agrees. */
static void test_random_vs_model(void)
{
	enum { PAGES = 300, LIVE = 200 };
	struct space sp;
	struct { uint64_t iova; uint32_t n; } live[LIVE];
	int owner[PAGES], nlive = 0, enospc = 0, bad = 0;
	uint64_t base = 0x5000, held = 0;

	CHECK_EQ_U64(space_init(&sp, base, PAGES), 0);
	for (int p = 0; p < PAGES; p++)
		owner[p] = -1;
	for (int step = 0; step < 200000 && !bad; step++) {
		if (nlive < LIVE && (check_rand() % 100 < 55 || nlive == 0)) {
			uint32_t n = check_rand() % 8 == 0 ? 1 + check_rand() % 40 : 1 + check_rand() % 3;
			uint64_t a = 0, blk = 1ull << iova_class(n);
			int rc = iova_alloc(&sp.s, n, &a);

			if (rc == IOVA_ENOSPC) {
				enospc++;
				continue;
			}
			CHECK_EQ_U64(rc, 0);
			if (a < base || a + blk * PAGE > base + PAGES * PAGE || (a / PAGE) % blk) {
				CHECK(!"block outside the range or misaligned");
				bad = 1;
				break;
			}
			for (uint64_t p = (a - base) / PAGE; p < (a - base) / PAGE + blk; p++) {
				if (owner[p] != -1) {
					CHECK(!"page handed out twice");
					bad = 1;
				}
				owner[p] = nlive;
			}
			live[nlive].iova = a;
			live[nlive].n = n;
			nlive++;
			held += blk;
		} else {
			int k = (int)(check_rand() % (uint64_t)nlive);
			uint64_t a = live[k].iova, blk = 1ull << iova_class(live[k].n);

			CHECK_EQ_U64(iova_free(&sp.s, a, live[k].n), 0);
			CHECK_EQ_U64(iova_free(&sp.s, a, live[k].n), IOVA_EINVAL);
			for (uint64_t p = (a - base) / PAGE; p < (a - base) / PAGE + blk; p++)
				owner[p] = -1;
			held -= blk;
			live[k] = live[--nlive];
			for (uint64_t p = 0; p < PAGES; p++) /* the moved entry's pages */
				if (owner[p] == nlive)
					owner[p] = k;
		}
		if (iova_pages_free(&sp.s) != PAGES - held) {
			CHECK_EQ_U64(iova_pages_free(&sp.s), PAGES - held);
			bad = 1;
		}
	}
	CHECK(enospc > 0); /* the run did reach exhaustion */
	space_fini(&sp);
}

int main(void)
{
	RUN_TEST("iova", test_init_checks);
	RUN_TEST("iova", test_reuse_is_constant_time);
	RUN_TEST("iova", test_exhaustion);
	RUN_TEST("iova", test_bad_free_rejected);
	RUN_TEST("iova", test_natural_alignment);
	RUN_TEST("iova", test_split_and_merge);
	RUN_TEST("iova", test_random_vs_model);
	return CHECK_EXIT_STATUS();
}

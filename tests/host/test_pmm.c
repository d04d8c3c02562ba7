/* lib/mm/pmm.c against a byte-per-page reference model under random
 * allocation, free, add_free and reserve, plus the edge cases. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "lib/mm/pmm.h"

#define PAGE PAGE_SIZE

/* The reference: used[i] is page i's state, checked against the bitmap. */
struct model {
	uint64_t npages;
	bool *used;
};


static uint64_t rnd_below(uint64_t n)
{
	return n ? check_rand() % n : 0;
}

static bool bit_used(const struct pmm *p, uint64_t page)
{
	return (p->bitmap[page / 64] >> (page % 64)) & 1;
}

/* Same state page by page, and the free count agrees. */
static bool same_state(const struct pmm *p, const struct model *m)
{
	uint64_t nfree = 0;

	for (uint64_t i = 0; i < m->npages; i++) {
		if (bit_used(p, i) != m->used[i])
			return false;
		nfree += !m->used[i];
	}
	return nfree == pmm_free_pages(p);
}

/* Lowest fitting range, straight from the definition in pmm.h. */
static uint64_t model_alloc(struct model *m, uint64_t n, uint64_t align, uint64_t max_addr)
{
	uint64_t limit = m->npages;

	if (align == 0)
		align = 1;
	if (n == 0 || (align & (align - 1)))
		return 0;
	if (max_addr && max_addr / PAGE < limit)
		limit = max_addr / PAGE;
	for (uint64_t s = align; s + n <= limit && s >= align; s += align) {
		uint64_t i;

		for (i = 0; i < n && !m->used[s + i]; i++)
			;
		if (i == n) {
			for (i = 0; i < n; i++)
				m->used[s + i] = true;
			return s * PAGE;
		}
	}
	return 0;
}

static void model_set(struct model *m, uint64_t first, uint64_t end, bool used)
{
	for (uint64_t i = first; i < end && i < m->npages; i++)
		if (used || i != 0)
			m->used[i] = used;
}

struct setup {
	struct pmm p;
	uint64_t *bitmap;
	struct model m;
};

static void setup(struct setup *s, uint64_t npages)
{
	/* One spare word after the bitmap must never be touched. */
	size_t bytes = pmm_bitmap_bytes(npages);

	s->bitmap = malloc(bytes + 8);
	s->bitmap[bytes / 8] = 0x1234;
	pmm_init(&s->p, s->bitmap, npages);
	s->m.npages = npages;
	s->m.used = malloc(npages ? npages : 1);
	memset(s->m.used, 1, npages);
}

static void teardown(struct setup *s)
{
	CHECK_EQ_U64(s->bitmap[pmm_bitmap_bytes(s->m.npages) / 8], 0x1234);
	free(s->bitmap);
	free(s->m.used);
}

static void test_bitmap_bytes(void)
{
	CHECK_EQ_U64(pmm_bitmap_bytes(0), 0);
	CHECK_EQ_U64(pmm_bitmap_bytes(1), 8);
	CHECK_EQ_U64(pmm_bitmap_bytes(64), 8);
	CHECK_EQ_U64(pmm_bitmap_bytes(65), 16);
	/* 4 GiB of RAM: 1 Mi pages, 128 KiB of bitmap. */
	CHECK_EQ_U64(pmm_bitmap_bytes(1ull << 20), 128 * 1024);
}

static void test_starts_used_and_page0_never_free(void)
{
	struct setup s;

	setup(&s, 200);
	CHECK_EQ_U64(pmm_free_pages(&s.p), 0);
	CHECK_EQ_U64(pmm_alloc(&s.p, 1, 1, 0), 0);
	pmm_add_free(&s.p, 0, 200);
	CHECK_EQ_U64(pmm_free_pages(&s.p), 199);
	/* Everything is handed out, but never page 0. */
	for (uint64_t i = 1; i < 200; i++)
		CHECK_EQ_U64(pmm_alloc(&s.p, 1, 0, 0), i * PAGE);
	CHECK_EQ_U64(pmm_alloc(&s.p, 1, 0, 0), 0);
	CHECK_EQ_U64(pmm_free_pages(&s.p), 0);
	CHECK_EQ_U64(pmm_free(&s.p, 0, 1), PMM_ERR_RANGE);
	teardown(&s);
}

static void test_add_free_and_reserve_clamp(void)
{
	struct setup s;

	setup(&s, 100);
	/* Beyond the end and wrapping ranges are clamped, not faulted. */
	pmm_add_free(&s.p, 90 * PAGE, 1000);
	CHECK_EQ_U64(pmm_free_pages(&s.p), 10);
	pmm_add_free(&s.p, UINT64_MAX - PAGE, UINT64_MAX);
	pmm_add_free(&s.p, 500 * PAGE, 10);
	CHECK_EQ_U64(pmm_free_pages(&s.p), 10);
	/* Unaligned: only whole pages inside the range become free. */
	pmm_add_free(&s.p, 10 * PAGE + 1, 3);  /* pages 11, 12 */
	CHECK_EQ_U64(pmm_free_pages(&s.p), 12);
	CHECK(!bit_used(&s.p, 11) && !bit_used(&s.p, 12));
	CHECK(bit_used(&s.p, 10) && bit_used(&s.p, 13));
	/* Freeing again does not count twice. */
	pmm_add_free(&s.p, 11 * PAGE, 2);
	CHECK_EQ_U64(pmm_free_pages(&s.p), 12);
	/* Reserve rounds outwards: any touched page is used. */
	pmm_reserve(&s.p, 12 * PAGE + 5, 0);
	CHECK_EQ_U64(pmm_free_pages(&s.p), 12);
	pmm_reserve(&s.p, 92 * PAGE + 5, 1);   /* pages 92, 93 */
	CHECK_EQ_U64(pmm_free_pages(&s.p), 10);
	pmm_reserve(&s.p, 95 * PAGE, UINT64_MAX);  /* pages 95..99 */
	CHECK_EQ_U64(pmm_free_pages(&s.p), 5);
	/* Tail bits past npages stay used. */
	CHECK_EQ_U64(s.bitmap[1] >> (100 - 64), ~0ull >> (100 - 64));
	teardown(&s);
}

static void test_free_errors_change_nothing(void)
{
	struct setup s;
	uint64_t a, snapshot[2];

	setup(&s, 128);
	pmm_add_free(&s.p, 0, 128);
	a = pmm_alloc(&s.p, 4, 4, 0);
	CHECK_EQ_U64(a, 4 * PAGE);
	memcpy(snapshot, s.bitmap, sizeof(snapshot));

	CHECK_EQ_U64(pmm_free(&s.p, a + 8, 1), PMM_ERR_ALIGN);
	CHECK_EQ_U64(pmm_free(&s.p, 0, 5), PMM_ERR_RANGE);
	CHECK_EQ_U64(pmm_free(&s.p, 127 * PAGE, 2), PMM_ERR_RANGE);
	CHECK_EQ_U64(pmm_free(&s.p, 128 * PAGE, 1), PMM_ERR_RANGE);
	CHECK_EQ_U64(pmm_free(&s.p, 4 * PAGE, UINT64_MAX), PMM_ERR_RANGE);
	/* Partly free ranges are double frees: nothing may change. */
	CHECK_EQ_U64(pmm_free(&s.p, 3 * PAGE, 2), PMM_ERR_FREE);
	CHECK_EQ_U64(pmm_free(&s.p, 7 * PAGE, 2), PMM_ERR_FREE);
	CHECK(memcmp(snapshot, s.bitmap, sizeof(snapshot)) == 0);
	CHECK_EQ_U64(pmm_free_pages(&s.p), 127 - 4);

	CHECK_EQ_U64(pmm_free(&s.p, a, 0), 0);
	CHECK_EQ_U64(pmm_free(&s.p, a, 4), 0);
	CHECK_EQ_U64(pmm_free(&s.p, a, 4), PMM_ERR_FREE);
	CHECK_EQ_U64(pmm_free_pages(&s.p), 127);
	teardown(&s);
}

static void test_alignment_and_limit(void)
{
	struct setup s;

	setup(&s, 4096);
	pmm_add_free(&s.p, 0, 4096);
	CHECK_EQ_U64(pmm_alloc(&s.p, 1, 3, 0), 0);             /* not a power of 2 */
	CHECK_EQ_U64(pmm_alloc(&s.p, 0, 1, 0), 0);
	CHECK_EQ_U64(pmm_alloc(&s.p, 1, 8192, 0), 0);           /* only page 0 aligned */
	CHECK_EQ_U64(pmm_alloc(&s.p, 1, 1ull << 63, 0), 0);
	CHECK_EQ_U64(pmm_alloc(&s.p, 4097, 1, 0), 0);
	CHECK_EQ_U64(pmm_alloc(&s.p, UINT64_MAX, 1, 0), 0);
	CHECK_EQ_U64(pmm_alloc(&s.p, 1, 1, PAGE), 0);           /* only page 0 below */
	CHECK_EQ_U64(pmm_alloc(&s.p, 1, 1, 2 * PAGE - 1), 0);   /* page 1 ends above */
	CHECK_EQ_U64(pmm_alloc(&s.p, 1, 1, 2 * PAGE), PAGE);
	CHECK_EQ_U64(pmm_alloc(&s.p, 512, 512, 0), 512 * PAGE); /* a 2 MiB page */
	CHECK_EQ_U64(pmm_alloc(&s.p, 2, 1, 0), 2 * PAGE);
	CHECK_EQ_U64(pmm_alloc(&s.p, 512, 512, 1024 * PAGE), 0);
	CHECK_EQ_U64(pmm_alloc(&s.p, 512, 512, 1536 * PAGE), 1024 * PAGE);
	CHECK_EQ_U64(pmm_free_pages(&s.p), 4095 - 1 - 512 - 2 - 512);
	teardown(&s);
}

/* Random operations on both; every step compares the whole state. */
static void random_stress(uint64_t npages, int steps)
{
	struct setup s;
	struct { uint64_t addr, n; } live[256];
	int nlive = 0;

	setup(&s, npages);
	for (int step = 0; step < steps; step++) {
		uint64_t op = rnd_below(100);

		if (op < 45) {
			static const uint64_t sizes[] = { 1, 1, 1, 2, 3, 8, 64, 65, 300 };
			static const uint64_t aligns[] = { 0, 1, 1, 2, 4, 16, 64, 512, 6 };
			uint64_t n = sizes[rnd_below(9)], al = aligns[rnd_below(9)];
			uint64_t max = rnd_below(3) ? 0 : rnd_below((npages + 10) * PAGE);
			uint64_t want = model_alloc(&s.m, n, al, max);
			uint64_t got = pmm_alloc(&s.p, n, al, max);

			CHECK_EQ_U64(got, want);
			if (got && nlive < 256) {
				live[nlive].addr = got;
				live[nlive++].n = n;
			} else if (got) {
				CHECK_EQ_U64(pmm_free(&s.p, got, n), 0);
				model_set(&s.m, got / PAGE, got / PAGE + n, false);
			}
		} else if (op < 85 && nlive > 0) {
			int i = (int)rnd_below((uint64_t)nlive);

			CHECK_EQ_U64(pmm_free(&s.p, live[i].addr, live[i].n), 0);
			model_set(&s.m, live[i].addr / PAGE, live[i].addr / PAGE + live[i].n, false);
			/* A second free of the same range must be refused. */
			if (rnd_below(4) == 0)
				CHECK_EQ_U64(pmm_free(&s.p, live[i].addr, live[i].n), PMM_ERR_FREE);
			live[i] = live[--nlive];
		} else if (op < 95) {
			uint64_t addr = rnd_below((npages + 20) * PAGE);
			uint64_t n = rnd_below(npages / 4 + 2);
			uint64_t first = addr / PAGE + (addr % PAGE != 0);

			pmm_add_free(&s.p, addr, n);
			model_set(&s.m, first, addr / PAGE + n, false);
			/* Any live allocation overlapping became free: forget it
			 * (the model already agrees with the bitmap). */
			for (int i = 0; i < nlive; i++)
				if (live[i].addr / PAGE < addr / PAGE + n &&
				    first < live[i].addr / PAGE + live[i].n)
					live[i--] = live[--nlive];
		} else {
			uint64_t addr = rnd_below((npages + 20) * PAGE);
			uint64_t n = rnd_below(npages / 8 + 2);

			pmm_reserve(&s.p, addr, n);
			if (n)
				model_set(&s.m, addr / PAGE,
					  addr / PAGE + n + (addr % PAGE != 0), true);
			/* Live ranges stay used; freeing them later is legal. */
		}
		if (!same_state(&s.p, &s.m)) {
			CHECK(same_state(&s.p, &s.m));
			printf("  state differs after step %d\n", step);
			break;
		}
	}
	teardown(&s);
}

static void test_random_vs_model(void)
{
	random_stress(1000, 20000);
	random_stress(64, 5000);
	random_stress(4096 + 37, 20000);
	random_stress(1, 200);
}

/* The per-packet pattern: many single-page alloc/free pairs over a large,
 * mostly used map must stay cheap and consistent. */
static void test_single_page_churn(void)
{
	struct setup s;
	uint64_t held[64];

	setup(&s, 1ull << 20);
	pmm_add_free(&s.p, 0, 1ull << 20);
	/* Use up the bottom 3 GiB so a scan from zero would be slow. */
	CHECK(pmm_alloc(&s.p, 3ull << 18, 1, 0) != 0);
	for (int i = 0; i < 64; i++)
		held[i] = pmm_alloc(&s.p, 1, 1, 0);
	for (int round = 0; round < 1000000; round++) {
		int i = (int)rnd_below(64);

		CHECK_EQ_U64(pmm_free(&s.p, held[i], 1), 0);
		held[i] = pmm_alloc(&s.p, 1, 1, 0);
		CHECK(held[i] >= (3ull << 30));
	}
	CHECK_EQ_U64(pmm_free_pages(&s.p), (1ull << 20) - 1 - (3ull << 18) - 64);
	teardown(&s);
}

int main(void)
{
	RUN_TEST("pmm", test_bitmap_bytes);
	RUN_TEST("pmm", test_starts_used_and_page0_never_free);
	RUN_TEST("pmm", test_add_free_and_reserve_clamp);
	RUN_TEST("pmm", test_free_errors_change_nothing);
	RUN_TEST("pmm", test_alignment_and_limit);
	RUN_TEST("pmm", test_random_vs_model);
	RUN_TEST("pmm", test_single_page_churn);
	return CHECK_EXIT_STATUS();
}

/* lib/mm/pagetable.c: host pointers stand in for physical addresses. Results
 * are checked through pt_translate, through an independent decoder of the
 * raw entries, and against a page-by-page model under random mappings. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "lib/mm/pagetable.h"

#define K4 0x1000ull
#define M2 0x200000ull
#define G1 0x40000000ull

/* Table pages from aligned_alloc; fails once `limit` pages are out. */
struct pool {
	void **pages;
	size_t used, cap, limit;
};

static uint64_t pool_alloc(void *ctx)
{
	struct pool *p = ctx;
	void *pg;

	if (p->used >= p->limit)
		return 0;
	if (p->used == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->pages = realloc(p->pages, p->cap * sizeof(void *));
	}
	pg = aligned_alloc(4096, 4096);
	memset(pg, 0, 4096);
	p->pages[p->used++] = pg;
	return (uint64_t)(uintptr_t)pg;
}

static void pool_free(struct pool *p)
{
	for (size_t i = 0; i < p->used; i++)
		free(p->pages[i]);
	free(p->pages);
	memset(p, 0, sizeof(*p));
}

static void setup(struct pagetable *pt, struct pool *pool, bool allow_1g)
{
	memset(pool, 0, sizeof(*pool));
	pool->limit = SIZE_MAX;
	CHECK_EQ_U64(pt_init(pt, pool_alloc, pool), 0);
	pt->allow_1g = allow_1g;
}

/* The raw decoder: SDM Vol. 3A 4.5 bit positions written out by hand. */
struct raw {
	bool present;
	uint64_t phys, size, entry;
};

static struct raw raw_walk(uint64_t root, uint64_t v)
{
	struct raw r = { false, 0, 0, 0 };
	uint64_t *pml4 = (uint64_t *)(uintptr_t)root;
	uint64_t e = pml4[(v >> 39) & 511];

	if (!(e & 1))
		return r;
	e = ((uint64_t *)(uintptr_t)(e & 0x000ffffffffff000ull))[(v >> 30) & 511];
	if (!(e & 1))
		return r;
	if (e & 0x80) {
		r.phys = (e & 0x000fffffc0000000ull) | (v & 0x3fffffff);
		r.size = G1;
	} else {
		e = ((uint64_t *)(uintptr_t)(e & 0x000ffffffffff000ull))[(v >> 21) & 511];
		if (!(e & 1))
			return r;
		if (e & 0x80) {
			r.phys = (e & 0x000fffffffe00000ull) | (v & 0x1fffff);
			r.size = M2;
		} else {
			e = ((uint64_t *)(uintptr_t)(e & 0x000ffffffffff000ull))[(v >> 12) & 511];
			if (!(e & 1))
				return r;
			r.phys = (e & 0x000ffffffffff000ull) | (v & 0xfff);
			r.size = K4;
		}
	}
	r.present = true;
	r.entry = e;
	return r;
}

/* The flags a leaf should carry, in its own layout (PAT at 7 or 12). */
static uint64_t raw_flags(uint64_t flags4k, uint64_t size)
{
	uint64_t f = flags4k | 1;

	if (size != K4) {
		f &= ~0x80ull;
		f |= 0x80 | ((flags4k & 0x80) ? 0x1000 : 0);
	}
	return f;
}

/* virt must map to phys with flags in a page of `size`: checked through
 * pt_translate and the raw entry. Returns whether all agreed. */
static bool expect_map(const struct pagetable *pt, uint64_t virt, uint64_t phys,
		       uint64_t flags, uint64_t size)
{
	uint64_t p = 0, f = 0, s = 0;
	bool ok = pt_translate(pt, virt, &p, &f, &s);
	struct raw r = raw_walk(pt->root, virt);
	uint64_t want_raw = raw_flags(flags, size);
	uint64_t addr_mask = 0x000ffffffffff000ull & ~(size - 1);

	ok = ok && p == phys && f == (flags | PTE_P) && s == size;
	ok = ok && r.present && r.phys == phys && r.size == size &&
	     (r.entry & ~addr_mask) == want_raw;
	if (!ok)
		printf("  virt 0x%" PRIx64 ": got phys 0x%" PRIx64 " flags 0x%" PRIx64
		       " size 0x%" PRIx64 " raw 0x%" PRIx64 "; want 0x%" PRIx64
		       " 0x%" PRIx64 " 0x%" PRIx64 "\n", virt, p, f, s, r.entry,
		       phys, (uint64_t)(flags | PTE_P), size);
	CHECK(ok);
	return ok;
}

static void expect_unmapped(const struct pagetable *pt, uint64_t virt)
{
	uint64_t p = 0xdead;

	CHECK(!pt_translate(pt, virt, &p, NULL, NULL));
	CHECK_EQ_U64(p, 0xdead);
	CHECK(!raw_walk(pt->root, virt).present);
}

/*
 * Structure rules: PML4Es never have PS; every non-leaf entry is exactly
 * P|W|U plus an address; large leaves have their reserved bits (20:13 or
 * 29:13) clear. Returns the number of tables reachable from the root.
 */
static size_t check_tree(uint64_t table, int level)
{
	uint64_t *t = (uint64_t *)(uintptr_t)table;
	size_t n = 1;

	for (int i = 0; i < 512; i++) {
		uint64_t e = t[i];

		if (!(e & PTE_P))
			continue;
		if (level == 0)
			continue;
		if (level < 3 && (e & PTE_PS)) {
			uint64_t rsvd = level == 1 ? 0x1fe000ull : 0x3fffe000ull;

			CHECK_EQ_U64(e & rsvd, 0);
			continue;
		}
		CHECK_EQ_U64(e & ~PTE_ADDR_MASK, PTE_P | PTE_W | PTE_U);
		n += check_tree(e & PTE_ADDR_MASK, level - 1);
	}
	return n;
}

static void test_empty_and_init_failure(void)
{
	struct pagetable pt;
	struct pool pool;

	setup(&pt, &pool, false);
	expect_unmapped(&pt, 0);
	expect_unmapped(&pt, 0xffffffff80000000ull);
	CHECK_EQ_U64(check_tree(pt.root, 3), 1);
	pool_free(&pool);

	pool.limit = 0;
	CHECK_EQ_U64(pt_init(&pt, pool_alloc, &pool), PT_ERR_NOMEM);
	pool_free(&pool);
}

static void test_4k_boundaries(void)
{
	struct pagetable pt;
	struct pool pool;
	uint64_t virt = 0x7000, phys = 0x123456000ull;

	setup(&pt, &pool, true);
	CHECK_EQ_U64(pt_map(&pt, virt, phys, 3 * K4, PTE_W | PTE_NX), 0);
	expect_unmapped(&pt, virt - 1);
	for (uint64_t off = 0; off < 3 * K4; off += K4) {
		expect_map(&pt, virt + off, phys + off, PTE_W | PTE_NX, K4);
		expect_map(&pt, virt + off + K4 - 1, phys + off + K4 - 1, PTE_W | PTE_NX, K4);
	}
	expect_unmapped(&pt, virt + 3 * K4);
	/* PML4 + PDPT + PD + PT. */
	CHECK_EQ_U64(check_tree(pt.root, 3), 4);
	CHECK_EQ_U64(pool.used, 4);
	pool_free(&pool);
}

/* Page-size choice: 1 GiB only when allowed, 2 MiB when aligned, 4 KiB at
 * the ragged ends, and never larger than both addresses' alignment. */
static void test_page_size_choice(void)
{
	struct pagetable pt;
	struct pool pool;
	uint64_t s = 0x1ff000, e = 0x80201000ull; /* 4K, 2M..., 1G, 2M, 4K */

	setup(&pt, &pool, false);
	CHECK_EQ_U64(pt_map(&pt, 0, 0, 4 * G1, PTE_W | PTE_PCD), 0);
	for (uint64_t v = 0; v < 4 * G1; v += M2)
		expect_map(&pt, v, v, PTE_W | PTE_PCD, M2);
	expect_map(&pt, 4 * G1 - 1, 4 * G1 - 1, PTE_W | PTE_PCD, M2);
	expect_unmapped(&pt, 4 * G1);
	CHECK_EQ_U64(check_tree(pt.root, 3), 6); /* PML4, PDPT, 4 PDs */
	pool_free(&pool);

	setup(&pt, &pool, true);
	CHECK_EQ_U64(pt_map(&pt, s, s, e - s, PTE_W), 0);
	expect_unmapped(&pt, s - 1);
	expect_map(&pt, s, s, PTE_W, K4);
	for (uint64_t v = M2; v < G1; v += M2)
		expect_map(&pt, v, v, PTE_W, M2);
	expect_map(&pt, G1, G1, PTE_W, G1);
	expect_map(&pt, 2 * G1 - 1, 2 * G1 - 1, PTE_W, G1);
	expect_map(&pt, 2 * G1, 2 * G1, PTE_W, M2);
	expect_map(&pt, 2 * G1 + M2, 2 * G1 + M2, PTE_W, K4);
	expect_unmapped(&pt, e);
	pool_free(&pool);

	/* Virtual 1 GiB aligned, physical only 4 KiB aligned: 4 KiB pages. */
	setup(&pt, &pool, true);
	CHECK_EQ_U64(pt_map(&pt, G1, 0x5000, 4 * M2, 0), 0);
	expect_map(&pt, G1, 0x5000, 0, K4);
	expect_map(&pt, G1 + 4 * M2 - K4, 0x5000 + 4 * M2 - K4, 0, K4);
	/* ...but physical 2 MiB aligned gives 2 MiB pages. */
	CHECK_EQ_U64(pt_map(&pt, 3 * G1, 5 * M2, G1, 0), 0);
	expect_map(&pt, 3 * G1 + 7, 5 * M2 + 7, 0, M2);
	pool_free(&pool);
}

/* The kernel's pattern: 0-4 GiB uncached with 1 GiB pages, then RAM
 * write-back over it; the rest of each split page keeps its mapping. */
static void test_split_keeps_the_rest(void)
{
	const uint64_t uc = PTE_W | PTE_PCD | PTE_PWT | PTE_NX | PTE_G;
	const uint64_t ram_s = 0x100000, ram_e = 0x7fe00000ull + 0x3000;
	struct pagetable pt;
	struct pool pool;

	for (int big = 0; big < 2; big++) {
		setup(&pt, &pool, big);
		CHECK_EQ_U64(pt_map(&pt, 0, 0, 4 * G1, uc), 0);
		CHECK_EQ_U64(pt_map(&pt, ram_s, ram_s, ram_e - ram_s, PTE_W), 0);
		/* Every 4 KiB page near each edge, then a coarse sweep. */
		for (uint64_t v = 0; v < 4 * G1; v += (v < 0x400000 ||
			     (v > ram_e - 0x400000 && v < ram_e + 0x400000)) ? K4 : M2 / 2) {
			bool ram = v >= ram_s && v < ram_e;
			uint64_t size;

			if (v < M2 || (v >= 0x7fe00000ull && v < 0x80000000ull))
				size = K4;
			else if (!big || v < 2 * G1) /* both 1 GiB pages split */
				size = M2;
			else
				size = G1;
			if (!expect_map(&pt, v, v, ram ? PTE_W : uc, size))
				break;
		}
		check_tree(pt.root, 3);
		pool_free(&pool);
	}
}

/* A split moves the PAT bit between bit 12 (large) and bit 7 (4 KiB), and
 * remaps to a different physical address keep the old offsets around. */
static void test_split_pat_and_offsets(void)
{
	struct pagetable pt;
	struct pool pool;
	const uint64_t f = PTE_PAT | PTE_PWT | PTE_W, base = 0x3c0000000ull;

	setup(&pt, &pool, true);
	CHECK_EQ_U64(pt_map(&pt, G1, base, G1, f), 0);
	expect_map(&pt, G1 + 0x1234, base + 0x1234, f, G1);
	CHECK_EQ_U64(pt_map(&pt, G1 + 5 * M2 + 3 * K4, 0x9000, K4, PTE_NX), 0);
	expect_map(&pt, G1 + 5 * M2 + 3 * K4, 0x9000, PTE_NX, K4);
	expect_map(&pt, G1 + 5 * M2 + 2 * K4, base + 5 * M2 + 2 * K4, f, K4);
	expect_map(&pt, G1 + 5 * M2 + 4 * K4, base + 5 * M2 + 4 * K4, f, K4);
	expect_map(&pt, G1 + 5 * M2 - 1, base + 5 * M2 - 1, f, M2);
	expect_map(&pt, G1 + 6 * M2, base + 6 * M2, f, M2);
	expect_map(&pt, 2 * G1 - 1, base + G1 - 1, f, M2);
	/* A large page over the split region replaces it whole. */
	CHECK_EQ_U64(pt_map(&pt, G1, 0, G1, 0), 0);
	expect_map(&pt, G1 + 5 * M2 + 3 * K4, 5 * M2 + 3 * K4, 0, G1);
	check_tree(pt.root, 3);
	pool_free(&pool);
}

static void test_upper_half_and_top(void)
{
	struct pagetable pt;
	struct pool pool;
	const uint64_t k = 0xffffffff80000000ull;

	setup(&pt, &pool, true);
	CHECK_EQ_U64(pt_map(&pt, k, 0x200000, 0x400000, PTE_W | PTE_G), 0);
	expect_map(&pt, k, 0x200000, PTE_W | PTE_G, M2);
	expect_map(&pt, k + 0x3fffff, 0x5fffff, PTE_W | PTE_G, M2);
	/* The very last page of the address space. */
	CHECK_EQ_U64(pt_map(&pt, 0xfffffffffffff000ull, 0x1000, K4, 0), 0);
	expect_map(&pt, UINT64_MAX, 0x1fff, 0, K4);
	expect_unmapped(&pt, 0xffff800000000000ull);
	expect_unmapped(&pt, k - 1);
	pool_free(&pool);
}

static void test_bad_arguments(void)
{
	static const struct { uint64_t virt, phys, len, flags; } bad[] = {
		{ 0x1001, 0, K4, 0 },                         /* unaligned virt */
		{ 0x1000, 0x10, K4, 0 },                      /* unaligned phys */
		{ 0x1000, 0, 0x800, 0 },                      /* unaligned length */
		{ 0x1000, 0, K4, 1ull << 9 },                 /* software bit */
		{ 0x1000, 0, K4, 1ull << 52 },
		{ 0x1000, 0, K4, PTE_PAT_LARGE },
		{ 0x0000800000000000ull, 0, K4, 0 },          /* non-canonical */
		{ 0x00007ffffffff000ull, 0, 2 * K4, 0 },      /* runs into the hole */
		{ 0xffff7ffffffff000ull, 0, K4, 0 },
		{ 0xfffffffffffff000ull, 0, 2 * K4, 0 },      /* wraps */
		{ 0x1000, 1ull << 52, K4, 0 },                /* beyond MAXPHYADDR */
		{ 0x1000, (1ull << 52) - K4, 2 * K4, 0 },
		{ 0, 0, UINT64_MAX & ~0xfffull, 0 },          /* crosses the hole */
	};
	struct pagetable pt;
	struct pool pool;

	setup(&pt, &pool, true);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ_U64(pt_map(&pt, bad[i].virt, bad[i].phys, bad[i].len, bad[i].flags),
			     PT_ERR_INVAL);
		if (check_failed_in_test) {
			printf("  case %zu\n", i);
			break;
		}
	}
	CHECK_EQ_U64(pool.used, 1); /* nothing allocated, nothing mapped */
	expect_unmapped(&pt, 0x1000);
	CHECK_EQ_U64(pt_map(&pt, 0x1000, 0, 0, 0), 0);
	CHECK_EQ_U64(pt_map(&pt, 0x1001, 0, 0, 0), PT_ERR_INVAL);
	CHECK_EQ_U64(pt_map(&pt, (1ull << 47) - K4, (1ull << 52) - K4, K4, PTE_MAP_FLAGS), 0);
	expect_map(&pt, (1ull << 47) - 1, (1ull << 52) - 1, PTE_MAP_FLAGS, K4);
	expect_unmapped(&pt, 1ull << 47);
	expect_unmapped(&pt, 0x0000900000000000ull);
	pool_free(&pool);
}

/* Out of memory at every possible point: either the whole new mapping is
 * in place, or every address translates exactly as before. */
static void test_out_of_memory_changes_nothing(void)
{
	const uint64_t s = 0x1ff000, e = G1 + M2 + K4, old_f = PTE_PCD | PTE_W;
	size_t extra;

	for (extra = 0; extra < 16; extra++) {
		struct pagetable pt;
		struct pool pool;
		int rc;

		setup(&pt, &pool, true);
		CHECK_EQ_U64(pt_map(&pt, 0, 0, 4 * G1, old_f), 0);
		pool.limit = pool.used + extra;
		rc = pt_map(&pt, s, s, e - s, PTE_NX);
		if (rc == 0) {
			expect_map(&pt, s, s, PTE_NX, K4);
			expect_map(&pt, G1 + M2, G1 + M2, PTE_NX, K4);
			expect_map(&pt, e, e, old_f, K4);
			pool_free(&pool);
			break;
		}
		CHECK_EQ_U64(rc, PT_ERR_NOMEM);
		for (uint64_t v = 0; v < 2 * G1; v += (v < 0x400000 || (v >= G1 && v < G1 + 0x400000)) ? K4 : M2) {
			uint64_t p, f;

			CHECK(pt_translate(&pt, v, &p, &f, NULL) && p == v && f == (old_f | PTE_P));
			if (check_failed_in_test) {
				printf("  extra %zu, virt 0x%" PRIx64 "\n", extra, v);
				break;
			}
		}
		check_tree(pt.root, 3);
		pool_free(&pool);

		/* Fresh tables for an empty region, failing part way. */
		setup(&pt, &pool, false);
		pool.limit = pool.used + (extra % 3);
		CHECK_EQ_U64(pt_map(&pt, 0x8000000000ull, 0, K4, 0), PT_ERR_NOMEM);
		expect_unmapped(&pt, 0x8000000000ull);
		pool_free(&pool);
	}
	/* Two 1 GiB splits (PD each) and two 2 MiB splits (PT each). */
	CHECK_EQ_U64(extra, 4);
}


/* Random maps over a 4 GiB window checked page by page against a model
 * that records, per 4 KiB page, the physical page and flags. */
static void random_vs_model(uint64_t vbase, bool allow_1g)
{
	const uint64_t npages = 4 * G1 / K4;
	uint64_t *mphys = calloc(npages, sizeof(uint64_t));
	uint64_t *mflags = calloc(npages, sizeof(uint64_t)); /* 0: unmapped */
	struct pagetable pt;
	struct pool pool;

	setup(&pt, &pool, allow_1g);
	for (int op = 0; op < 300 && !check_failed_in_test; op++) {
		static const uint64_t grains[] = { K4, K4, M2, M2, G1 };
		uint64_t g = grains[check_rand() % 5];
		uint64_t start = (check_rand() % (4 * G1 / g)) * g;
		uint64_t len = (1 + check_rand() % (g == G1 ? 2 : 40)) * g;
		uint64_t phys = (check_rand() % 64) * G1 + (check_rand() % 2 ? 0 : (check_rand() % 512) * K4);
		uint64_t flags = check_rand() & PTE_MAP_FLAGS & ~PTE_P;

		/* Ragged ends now and then, so large pages get split. */
		if (check_rand() % 3 == 0)
			start = (start + (check_rand() % 4) * K4) % (4 * G1);
		if (check_rand() % 3 == 0)
			len += (check_rand() % 4) * K4;
		if (len > 4 * G1 - start)
			len = 4 * G1 - start;
		CHECK_EQ_U64(pt_map(&pt, vbase + start, phys, len, flags), 0);
		for (uint64_t i = 0; i < len / K4; i++) {
			mphys[start / K4 + i] = phys + i * K4;
			mflags[start / K4 + i] = flags | PTE_P;
		}
		/* Spot checks: the edges and random pages. */
		for (int k = 0; k < 64; k++) {
			uint64_t pg = k < 4 ? (start / K4 + (k < 2 ? 0 : len / K4) - (k % 2)) :
				     check_rand() % npages;
			uint64_t p, f, sz;

			if (pg >= npages)
				continue;
			if (!mflags[pg]) {
				CHECK(!pt_translate(&pt, vbase + pg * K4, &p, &f, &sz));
				continue;
			}
			CHECK(pt_translate(&pt, vbase + pg * K4 + 0x123, &p, &f, &sz));
			CHECK_EQ_U64(p, mphys[pg] + 0x123);
			CHECK_EQ_U64(f, mflags[pg]);
		}
	}
	/* Full sweep: every page, and each page size is honest (the whole
	 * large page agrees with the model). */
	for (uint64_t pg = 0; pg < npages && !check_failed_in_test; pg++) {
		uint64_t p, f, sz;
		bool ok = pt_translate(&pt, vbase + pg * K4, &p, &f, &sz);

		CHECK_EQ_U64(ok, mflags[pg] != 0);
		if (!ok)
			continue;
		CHECK_EQ_U64(p, mphys[pg]);
		CHECK_EQ_U64(f, mflags[pg]);
		CHECK(sz == K4 || sz == M2 || (sz == G1 && allow_1g));
		if (sz > K4) {
			uint64_t first = pg & ~(sz / K4 - 1);

			CHECK_EQ_U64(mphys[pg] - mphys[first], (pg - first) * K4);
			CHECK_EQ_U64(mflags[first], mflags[pg]);
		}
		if (check_failed_in_test)
			printf("  page 0x%" PRIx64 "\n", pg);
	}
	check_tree(pt.root, 3);
	pool_free(&pool);
	free(mphys);
	free(mflags);
}

static void test_random_vs_model(void)
{
	random_vs_model(0, true);
	random_vs_model(0, false);
	random_vs_model(0xffff800000000000ull, true);
	random_vs_model(0x00007fff00000000ull, true); /* ends at the hole */
}

int main(void)
{
	check_rng_state = 0x6a09e667f3bcc909ull;
	RUN_TEST("pagetable", test_empty_and_init_failure);
	RUN_TEST("pagetable", test_4k_boundaries);
	RUN_TEST("pagetable", test_page_size_choice);
	RUN_TEST("pagetable", test_split_keeps_the_rest);
	RUN_TEST("pagetable", test_split_pat_and_offsets);
	RUN_TEST("pagetable", test_upper_half_and_top);
	RUN_TEST("pagetable", test_bad_arguments);
	RUN_TEST("pagetable", test_out_of_memory_changes_nothing);
	RUN_TEST("pagetable", test_random_vs_model);
	return CHECK_EXIT_STATUS();
}

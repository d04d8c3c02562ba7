/* lib/iopt/iopt.c on the host: pointers stand in for physical addresses.
 * Every table page is watched. The flush callback keeps, per 64-byte line,
 * the bytes a walk that does not snoop is guaranteed to see, so the tests
 * check the flush contract as well as translations, raw entry bits, page
 * counts and a page-by-page model under random map/unmap sequences. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "lib/iopt/iopt.h"

#define K4 UINT64_C(0x1000)
#define M2 UINT64_C(0x200000)
#define G1 UINT64_C(0x40000000)

/* VT-d spec 9.8 bit positions, written out here independently of iopt.h. */
#define E_R    0x1ull
#define E_W    0x2ull
#define E_PS   0x80ull
#define E_ADDR 0x000ffffffffff000ull

#define LINE   64
#define POISON 0xaa /* what the hardware "sees" in a page never flushed */

struct page {
	uint8_t *mem;        /* the table itself; NULL once freed */
	uint8_t snap[4096];  /* contents at the previous flush callback */
	uint8_t hw[4096];    /* each line as it was when last flushed */
	uint64_t flushed;    /* bit n: line n flushed since allocation */
	int level;           /* of its entries; -1 when not reachable */
	unsigned mark;
};

struct env {
	struct iopt pt;
	bool coherent;       /* ops.flush is NULL */
	struct page **pages;
	size_t npages, cap, live;
	size_t limit;        /* alloc_page returns 0 while live >= limit */
	size_t allocs, frees;
	unsigned flushes;    /* flush callbacks */
	uint64_t flushed_bytes;
	const void *last_flush;
	unsigned mark;
	int violations;      /* broken flush or free contract */
	bool quiet;          /* violations expected: do not print them */
	char why[256];
};

static void violation(struct env *env, const char *fmt, ...)
{
	va_list ap;

	if (env->violations++ == 0 && !env->quiet) {
		va_start(ap, fmt);
		vsnprintf(env->why, sizeof(env->why), fmt, ap);
		va_end(ap);
		printf("  contract: %s\n", env->why);
	}
}

/* The live page holding byte a, or NULL. */
static struct page *page_holding(struct env *env, uintptr_t a)
{
	for (size_t i = 0; i < env->npages; i++) {
		struct page *pg = env->pages[i];

		if (pg->mem && a >= (uintptr_t)pg->mem && a < (uintptr_t)pg->mem + 4096)
			return pg;
	}
	return NULL;
}

static struct page *table_page(struct env *env, uint64_t addr)
{
	struct page *pg = page_holding(env, (uintptr_t)addr);

	return pg && (uintptr_t)pg->mem == addr ? pg : NULL;
}

static uint64_t *entries(uint64_t table)
{
	return (uint64_t *)(uintptr_t)table;
}

/* An entry that references a table, by VT-d spec 9.8: present, and either
 * above the levels that can hold superpages or without PS. */
static bool is_link(uint64_t e, int level)
{
	return (e & (E_R | E_W)) && level > 0 && (level > 2 || !(e & E_PS));
}

static void assign_levels_below(struct env *env, uint64_t table, int level)
{
	struct page *pg = table_page(env, table);

	if (!pg || pg->level != -1)
		return;
	pg->level = level;
	for (int i = 0; i < 512; i++)
		if (is_link(entries(table)[i], level))
			assign_levels_below(env, entries(table)[i] & E_ADDR, level - 1);
}

static void assign_levels(struct env *env)
{
	for (size_t i = 0; i < env->npages; i++)
		env->pages[i]->level = -1;
	if (env->pt.root)
		assign_levels_below(env, env->pt.root, (int)env->pt.levels - 1);
}

/*
 * Entries written since the previous callback that link a table: the table
 * must have been flushed whole and not changed since, or a walk following
 * the new link (which may happen as soon as it is written) reads garbage.
 */
static void check_new_links(struct env *env, const char *when)
{
	assign_levels(env);
	for (size_t i = 0; i < env->npages; i++) {
		struct page *pg = env->pages[i];
		uint64_t *now = (uint64_t *)pg->mem, *was = (uint64_t *)pg->snap;

		if (!pg->mem || pg->level <= 0 || memcmp(pg->mem, pg->snap, 4096) == 0)
			continue;
		for (int j = 0; j < 512; j++) {
			struct page *t;

			if (now[j] == was[j] || !is_link(now[j], pg->level))
				continue;
			t = table_page(env, now[j] & E_ADDR);
			if (!t)
				violation(env, "%s: entry 0x%" PRIx64 " links no table page",
					  when, now[j]);
			else if (t->flushed != ~0ull || memcmp(t->mem, t->hw, 4096) != 0)
				violation(env, "%s: table %p linked before it was flushed",
					  when, (void *)t->mem);
		}
	}
}

static void take_snapshot(struct env *env)
{
	for (size_t i = 0; i < env->npages; i++)
		if (env->pages[i]->mem)
			memcpy(env->pages[i]->snap, env->pages[i]->mem, 4096);
}

/* clflush works on whole lines: every line the range touches is now what
 * the hardware sees. */
static void cb_flush(void *ctx, const void *p, size_t len)
{
	struct env *env = ctx;
	uintptr_t a = (uintptr_t)p;

	env->flushes++;
	env->flushed_bytes += len;
	env->last_flush = p;
	check_new_links(env, "flush");
	if (len == 0)
		violation(env, "zero-length flush at %p", p);
	for (uintptr_t line = a & ~(uintptr_t)(LINE - 1); line < a + len; line += LINE) {
		struct page *pg = page_holding(env, line);
		size_t off;

		if (!pg) {
			violation(env, "flush of 0x%" PRIxPTR ", outside every table", line);
			continue;
		}
		off = line - (uintptr_t)pg->mem;
		memcpy(pg->hw + off, pg->mem + off, LINE);
		pg->flushed |= 1ull << (off / LINE);
	}
	take_snapshot(env);
}

static uint64_t cb_alloc(void *ctx)
{
	struct env *env = ctx;
	struct page *pg;

	if (env->live >= env->limit)
		return 0;
	if (env->npages == env->cap) {
		env->cap = env->cap ? env->cap * 2 : 64;
		env->pages = realloc(env->pages, env->cap * sizeof(*env->pages));
	}
	pg = calloc(1, sizeof(*pg));
	pg->mem = aligned_alloc(4096, 4096);
	memset(pg->mem, 0, 4096);
	memset(pg->hw, POISON, 4096);
	pg->level = -1;
	env->pages[env->npages++] = pg;
	env->live++;
	env->allocs++;
	return (uint64_t)(uintptr_t)pg->mem;
}

static void cb_free(void *ctx, uint64_t addr)
{
	struct env *env = ctx;
	struct page *pg = table_page(env, addr);

	if (!pg) {
		violation(env, "free of 0x%" PRIx64 ", not a live table page", addr);
		return;
	}
	free(pg->mem);
	pg->mem = NULL;
	env->live--;
	env->frees++;
}

static int env_init(struct env *env, unsigned levels, bool coherent)
{
	struct iopt_ops ops = { cb_alloc, cb_free, coherent ? NULL : cb_flush, env };

	memset(env, 0, sizeof(*env));
	env->coherent = coherent;
	env->limit = SIZE_MAX;
	return iopt_init(&env->pt, levels, &ops);
}

/* Destroys the tables and checks that exactly the allocated pages came
 * back; frees whatever did not, so a leak is one failed check. */
static void env_fini(struct env *env)
{
	iopt_destroy(&env->pt);
	CHECK_EQ_U64(env->pt.root, 0);
	CHECK_EQ_U64(env->pt.tables, 0);
	CHECK_EQ_U64(env->frees, env->allocs);
	CHECK_EQ_U64(env->live, 0);
	CHECK_EQ_U64(env->violations, 0);
	for (size_t i = 0; i < env->npages; i++) {
		free(env->pages[i]->mem);
		free(env->pages[i]);
	}
	free(env->pages);
}

/*
 * Raw structure rules (VT-d spec 9.8): non-present entries are all zero;
 * links are exactly R|W plus a table page's address; 4 KiB leaves hold
 * only R, W and the address; superpage leaves also PS, with the address
 * bits below their size clear; no reserved bit (11, 62, 63, 51:52+) ever.
 * Returns the number of distinct tables reached.
 */
static size_t check_table(struct env *env, uint64_t table, int level)
{
	struct page *pg = table_page(env, table);
	size_t n = 1;

	if (!pg) {
		CHECK(!"link to something that is not a table page");
		return 0;
	}
	if (pg->mark == env->mark) {
		CHECK(!"table linked twice");
		return 0;
	}
	pg->mark = env->mark;
	for (int i = 0; i < 512; i++) {
		uint64_t e = entries(table)[i];

		if (e == 0)
			continue;
		CHECK(e & (E_R | E_W));
		if (is_link(e, level)) {
			CHECK_EQ_U64(e & ~E_ADDR, E_R | E_W);
			n += check_table(env, e & E_ADDR, level - 1);
		} else if (level == 0) {
			CHECK_EQ_U64(e & ~E_ADDR & ~(E_R | E_W), 0);
		} else {
			uint64_t size = 1ull << (12 + 9 * level);

			CHECK_EQ_U64(e & ~(E_ADDR & ~(size - 1)) & ~(E_R | E_W | E_PS), 0);
		}
	}
	return n;
}

static void check_tree(struct env *env)
{
	size_t n;

	env->mark++;
	n = check_table(env, env->pt.root, (int)env->pt.levels - 1);
	CHECK_EQ_U64(n, env->live);
	CHECK_EQ_U64(env->pt.tables, env->live);
}

/* After an operation: every line whose content changed since it was last
 * flushed is a line written and never flushed since. Returns the number
 * of contract violations so far. */
static int check_flush_contract(struct env *env)
{
	if (env->coherent)
		return env->violations;
	check_new_links(env, "after the operation");
	for (size_t i = 0; i < env->npages; i++) {
		struct page *pg = env->pages[i];

		if (!pg->mem)
			continue;
		for (int l = 0; l < 4096 / LINE; l++)
			if (!(pg->flushed & (1ull << l)) ||
			    memcmp(pg->mem + l * LINE, pg->hw + l * LINE, LINE))
				violation(env, "table %p line %d changed and not flushed",
					  (void *)pg->mem, l);
	}
	take_snapshot(env);
	return env->violations;
}

static void check_after_op(struct env *env)
{
	CHECK_EQ_U64(check_flush_contract(env), 0);
	check_tree(env);
}

static int map(struct env *env, uint64_t iova, uint64_t phys, uint64_t len, uint64_t prot)
{
	int rc = iopt_map(&env->pt, iova, phys, len, prot);

	check_after_op(env);
	return rc;
}

static int unmap(struct env *env, uint64_t iova, uint64_t len)
{
	int rc = iopt_unmap(&env->pt, iova, len);

	check_after_op(env);
	return rc;
}

/* An independent decoder of the raw entries. */
struct raw {
	bool present;
	uint64_t phys, prot, size, entry;
};

static struct raw raw_walk(const struct env *env, uint64_t iova)
{
	struct raw r = { false, 0, 0, 0, 0 };
	uint64_t table = env->pt.root;

	for (int l = (int)env->pt.levels - 1; l >= 0; l--) {
		uint64_t e = entries(table)[(iova >> (12 + 9 * l)) & 511];

		if (!(e & (E_R | E_W)))
			return r;
		if (!is_link(e, l)) {
			r.size = 1ull << (12 + 9 * l);
			r.phys = (e & E_ADDR & ~(r.size - 1)) | (iova & (r.size - 1));
			r.prot = e & (E_R | E_W);
			r.entry = e;
			r.present = true;
			return r;
		}
		table = e & E_ADDR;
	}
	return r;
}

/* iova must translate to phys with prot in a page of size, both through
 * iopt_translate and the raw entries. */
static bool expect_map(struct env *env, uint64_t iova, uint64_t phys, uint64_t prot,
		       uint64_t size)
{
	uint64_t p = 0, f = 0, s = 0;
	bool ok = iopt_translate(&env->pt, iova, &p, &f, &s);
	struct raw r = raw_walk(env, iova);

	ok = ok && p == phys && f == prot && s == size;
	ok = ok && r.present && r.phys == phys && r.prot == prot && r.size == size;
	if (!ok)
		printf("  iova 0x%" PRIx64 ": phys 0x%" PRIx64 " prot %" PRIu64 " size 0x%"
		       PRIx64 " (raw 0x%" PRIx64 "), want 0x%" PRIx64 " %" PRIu64 " 0x%"
		       PRIx64 "\n", iova, p, f, s, r.entry, phys, prot, size);
	CHECK(ok);
	return ok;
}

/* Every leaf of size in [iova, iova + len): its first and last byte. */
static void expect_range(struct env *env, uint64_t iova, uint64_t phys, uint64_t len,
			 uint64_t prot, uint64_t size)
{
	for (uint64_t off = 0; off < len; off += size)
		if (!expect_map(env, iova + off, phys + off, prot, size) ||
		    !expect_map(env, iova + off + size - 1, phys + off + size - 1, prot, size))
			return;
}

static void expect_unmapped(struct env *env, uint64_t iova)
{
	uint64_t p = 0xdead;

	CHECK(!iopt_translate(&env->pt, iova, &p, NULL, NULL));
	CHECK_EQ_U64(p, 0xdead);
	CHECK(!raw_walk(env, iova).present);
}

/* Translations of npages pages from iova, to compare before and after a
 * failed operation. */
struct xl {
	bool ok;
	uint64_t phys, prot, size;
};

static struct xl *xlate_pages(struct env *env, uint64_t iova, size_t npages)
{
	struct xl *x = calloc(npages, sizeof(*x));

	for (size_t i = 0; i < npages; i++)
		x[i].ok = iopt_translate(&env->pt, iova + i * K4, &x[i].phys, &x[i].prot,
					 &x[i].size);
	return x;
}

/* The pages translate as recorded in before (which is freed). */
static void expect_same(struct env *env, uint64_t iova, size_t npages, struct xl *before)
{
	struct xl *now = xlate_pages(env, iova, npages);
	size_t i;

	for (i = 0; i < npages; i++)
		if (now[i].ok != before[i].ok || (now[i].ok &&
		    (now[i].phys != before[i].phys || now[i].prot != before[i].prot ||
		     now[i].size != before[i].size)))
			break;
	if (i < npages)
		printf("  iova 0x%" PRIx64 " changed\n", iova + i * K4);
	CHECK(i == npages);
	free(now);
	free(before);
}

static void test_init_and_limits(void)
{
	struct env env;

	CHECK_EQ_U64(env_init(&env, 2, false), IOPT_EINVAL);
	env_fini(&env);
	CHECK_EQ_U64(env_init(&env, 6, false), IOPT_EINVAL);
	env_fini(&env);

	for (unsigned levels = 3; levels <= 5; levels++) {
		CHECK_EQ_U64(env_init(&env, levels, false), 0);
		CHECK_EQ_U64(env.allocs, 1);
		CHECK_EQ_U64(env.pt.tables, 1);
		CHECK(!env.pt.allow_2m && !env.pt.allow_1g);
		CHECK_EQ_U64(iopt_max_iova(&env.pt), (1ull << (12 + 9 * levels)) - 1);
		/* The empty root was flushed: the hardware may read it at once. */
		check_after_op(&env);
		expect_unmapped(&env, 0);
		expect_unmapped(&env, iopt_max_iova(&env.pt));
		CHECK(!iopt_translate(&env.pt, iopt_max_iova(&env.pt) + 1, NULL, NULL, NULL));
		env_fini(&env);
	}

	memset(&env, 0, sizeof(env));
	env.limit = 0;
	{
		struct iopt_ops ops = { cb_alloc, cb_free, cb_flush, &env };

		CHECK_EQ_U64(iopt_init(&env.pt, 4, &ops), IOPT_ENOMEM);
		CHECK_EQ_U64(env.pt.root, 0);
		ops.alloc_page = NULL;
		CHECK_EQ_U64(iopt_init(&env.pt, 4, &ops), IOPT_EINVAL);
	}
	env_fini(&env);
}

/* An allocator handing out a page no entry can hold gets it back. */
static uint64_t bad_page, returned_page;

static uint64_t alloc_bad(void *ctx)
{
	(void)ctx;
	return bad_page;
}

static void free_bad(void *ctx, uint64_t page)
{
	(void)ctx;
	returned_page = page;
}

static void test_rejects_bad_table_page(void)
{
	struct iopt_ops ops = { alloc_bad, free_bad, NULL, NULL };
	struct iopt pt;
	const uint64_t bad[] = { 0x1008, 0x1800, 1ull << 52, 0xfffffffffffff000ull };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bad_page = bad[i];
		returned_page = 0;
		CHECK_EQ_U64(iopt_init(&pt, 3, &ops), IOPT_EINVAL);
		CHECK_EQ_U64(returned_page, bad[i]);
		CHECK_EQ_U64(pt.root, 0);
		CHECK_EQ_U64(pt.tables, 0);
	}
}

static void test_bad_arguments(void)
{
	struct env env;
	uint64_t top;

	env_init(&env, 3, false);
	top = iopt_max_iova(&env.pt) + 1; /* 2^39 */
	CHECK_EQ_U64(map(&env, 0x1800, 0x5000, K4, IOPT_R), IOPT_EINVAL);
	CHECK_EQ_U64(map(&env, 0x1000, 0x5800, K4, IOPT_R), IOPT_EINVAL);
	CHECK_EQ_U64(map(&env, 0x1000, 0x5000, 0x800, IOPT_R), IOPT_EINVAL);
	CHECK_EQ_U64(map(&env, 0x1000, 0x5000, 0, IOPT_R), IOPT_EINVAL);
	CHECK_EQ_U64(map(&env, 0x1000, 0x5000, K4, 0), IOPT_EINVAL);
	CHECK_EQ_U64(map(&env, 0x1000, 0x5000, K4, 4), IOPT_EINVAL);
	CHECK_EQ_U64(map(&env, 0x1000, 0x5000, K4, IOPT_R | IOPT_PS), IOPT_EINVAL);
	CHECK_EQ_U64(map(&env, top, 0x5000, K4, IOPT_R), IOPT_EINVAL);
	CHECK_EQ_U64(map(&env, top - K4, 0x5000, 2 * K4, IOPT_R), IOPT_EINVAL);
	CHECK_EQ_U64(map(&env, 0xfffffffffffff000ull, 0x5000, K4, IOPT_R), IOPT_EINVAL);
	CHECK_EQ_U64(map(&env, K4, 0x5000, 0 - K4, IOPT_R), IOPT_EINVAL); /* wraps */
	CHECK_EQ_U64(map(&env, 0, 1ull << 52, K4, IOPT_R), IOPT_EINVAL);
	CHECK_EQ_U64(map(&env, 0, (1ull << 52) - K4, 2 * K4, IOPT_R), IOPT_EINVAL);
	CHECK_EQ_U64(unmap(&env, 0x1800, K4), IOPT_EINVAL);
	CHECK_EQ_U64(unmap(&env, 0x1000, 0), IOPT_EINVAL);
	CHECK_EQ_U64(unmap(&env, top, K4), IOPT_EINVAL);
	CHECK_EQ_U64(unmap(&env, top - K4, 2 * K4), IOPT_EINVAL);
	/* Nothing was built on the way. */
	CHECK_EQ_U64(env.allocs, 1);
	CHECK_EQ_U64(env.flushes, 1);

	/* The very ends are fine. */
	CHECK_EQ_U64(map(&env, top - K4, (1ull << 52) - K4, K4, IOPT_W), 0);
	expect_map(&env, top - 1, (1ull << 52) - 1, IOPT_W, K4);
	CHECK_EQ_U64(raw_walk(&env, top - K4).entry, ((1ull << 52) - K4) | E_W);
	env_fini(&env);
}

/* A few pages at both ends of the input space, first and last bytes. */
static void boundaries(unsigned levels)
{
	struct env env;
	uint64_t top, phys = 0x123456000ull;

	env_init(&env, levels, false);
	top = iopt_max_iova(&env.pt) + 1;
	CHECK_EQ_U64(map(&env, 0, phys, 3 * K4, IOPT_R | IOPT_W), 0);
	expect_range(&env, 0, phys, 3 * K4, IOPT_R | IOPT_W, K4);
	expect_unmapped(&env, 3 * K4);
	/* One table per level below the root. */
	CHECK_EQ_U64(env.pt.tables, levels);

	CHECK_EQ_U64(map(&env, top - 2 * K4, 0x7000, 2 * K4, IOPT_R), 0);
	expect_range(&env, top - 2 * K4, 0x7000, 2 * K4, IOPT_R, K4);
	expect_unmapped(&env, top - 3 * K4);
	CHECK(!iopt_translate(&env.pt, top, NULL, NULL, NULL));
	CHECK_EQ_U64(env.pt.tables, 2 * levels - 1);

	/* Across a table boundary at every level: the last page below
	 * 512 GiB (4+ levels) or 1 GiB and the first above. */
	{
		uint64_t edge = levels > 3 ? 512 * G1 : G1;

		CHECK_EQ_U64(map(&env, edge - K4, phys, 2 * K4, IOPT_W), 0);
		expect_map(&env, edge - 1, phys + K4 - 1, IOPT_W, K4);
		expect_map(&env, edge, phys + K4, IOPT_W, K4);
		expect_unmapped(&env, edge - 2 * K4);
		expect_unmapped(&env, edge + K4);
	}
	env_fini(&env);
}

static void test_boundaries_3_levels(void)
{
	boundaries(3);
}

static void test_boundaries_4_levels(void)
{
	boundaries(4);
}

static void test_boundaries_5_levels(void)
{
	boundaries(5);
}

/* A range with a 4 KiB head, a 2 MiB, a 1 GiB, a 2 MiB and a 4 KiB tail,
 * iova and phys equally aligned. */
#define MIX_IOVA (G1 - M2 - K4)
#define MIX_PHYS (5 * G1 - M2 - K4)
#define MIX_LEN  (K4 + M2 + G1 + M2 + K4)

static void test_superpage_choice(void)
{
	struct env env;

	env_init(&env, 3, false);
	env.pt.allow_2m = env.pt.allow_1g = true;
	CHECK_EQ_U64(map(&env, MIX_IOVA, MIX_PHYS, MIX_LEN, IOPT_R | IOPT_W), 0);
	expect_map(&env, MIX_IOVA, MIX_PHYS, IOPT_R | IOPT_W, K4);
	expect_range(&env, G1 - M2, 5 * G1 - M2, M2, IOPT_R | IOPT_W, M2);
	expect_range(&env, G1, 5 * G1, G1, IOPT_R | IOPT_W, G1);
	expect_range(&env, 2 * G1, 6 * G1, M2, IOPT_R | IOPT_W, M2);
	expect_map(&env, 2 * G1 + M2, 6 * G1 + M2, IOPT_R | IOPT_W, K4);
	expect_unmapped(&env, MIX_IOVA - 1);
	expect_unmapped(&env, MIX_IOVA + MIX_LEN);
	/* Root, two SL-PDs, two SL-PTs. */
	CHECK_EQ_U64(env.pt.tables, 5);
	env_fini(&env);

	/* No 1 GiB pages: 512 of 2 MiB instead. */
	env_init(&env, 4, false);
	env.pt.allow_2m = true;
	CHECK_EQ_U64(map(&env, MIX_IOVA, MIX_PHYS, MIX_LEN, IOPT_R), 0);
	expect_range(&env, G1 - M2, 5 * G1 - M2, G1 + 2 * M2, IOPT_R, M2);
	expect_map(&env, MIX_IOVA, MIX_PHYS, IOPT_R, K4);
	expect_map(&env, 2 * G1 + M2, 6 * G1 + M2, IOPT_R, K4);
	env_fini(&env);

	/* 1 GiB without 2 MiB: the 2 MiB pieces become 4 KiB pages. */
	env_init(&env, 4, false);
	env.pt.allow_1g = true;
	CHECK_EQ_U64(map(&env, MIX_IOVA, MIX_PHYS, MIX_LEN, IOPT_W), 0);
	expect_range(&env, MIX_IOVA, MIX_PHYS, K4 + M2, IOPT_W, K4);
	expect_range(&env, G1, 5 * G1, G1, IOPT_W, G1);
	expect_range(&env, 2 * G1, 6 * G1, M2 + K4, IOPT_W, K4);
	env_fini(&env);

	/* Not allowed at all: 4 KiB pages only (a smaller range). */
	env_init(&env, 3, false);
	CHECK_EQ_U64(map(&env, 4 * M2, 8 * M2, 2 * M2, IOPT_R), 0);
	expect_range(&env, 4 * M2, 8 * M2, 2 * M2, IOPT_R, K4);
	env_fini(&env);

	/* Allowed, but phys is aligned differently, or len too short. */
	env_init(&env, 3, false);
	env.pt.allow_2m = env.pt.allow_1g = true;
	CHECK_EQ_U64(map(&env, 4 * M2, 8 * M2 + K4, 2 * M2, IOPT_R), 0);
	expect_range(&env, 4 * M2, 8 * M2 + K4, 2 * M2, IOPT_R, K4);
	CHECK_EQ_U64(map(&env, 8 * M2, 8 * M2, M2 - K4, IOPT_R), 0);
	expect_range(&env, 8 * M2, 8 * M2, M2 - K4, IOPT_R, K4);
	CHECK_EQ_U64(map(&env, G1, 0, G1 - M2, IOPT_R), 0);
	expect_range(&env, G1, 0, G1 - M2, IOPT_R, M2);
	env_fini(&env);
}

/* A superpage slot that already holds a table (left by 4 KiB mappings now
 * gone) is mapped with 4 KiB pages through that table: replacing the table
 * would need a paging-structure cache invalidation. */
static void test_superpage_over_left_table(void)
{
	struct env env;
	size_t tables;

	env_init(&env, 3, false);
	env.pt.allow_2m = true;
	CHECK_EQ_U64(map(&env, 2 * M2 + 5 * K4, 0x9000, K4, IOPT_R), 0);
	CHECK_EQ_U64(unmap(&env, 2 * M2 + 5 * K4, K4), 0);
	tables = env.pt.tables;
	CHECK_EQ_U64(map(&env, M2, 4 * M2, 3 * M2, IOPT_R | IOPT_W), 0);
	CHECK_EQ_U64(env.pt.tables, tables);
	expect_range(&env, M2, 4 * M2, M2, IOPT_R | IOPT_W, M2);
	expect_range(&env, 2 * M2, 5 * M2, M2, IOPT_R | IOPT_W, K4);
	expect_range(&env, 3 * M2, 6 * M2, M2, IOPT_R | IOPT_W, M2);
	CHECK_EQ_U64(unmap(&env, M2, 3 * M2), 0);
	expect_unmapped(&env, M2);
	expect_unmapped(&env, 4 * M2 - 1);
	env_fini(&env);
}

static void test_refuses_to_overwrite(void)
{
	struct env env;
	struct xl *before;
	size_t allocs;

	env_init(&env, 4, false);
	env.pt.allow_2m = true;
	CHECK_EQ_U64(map(&env, 8 * K4, 0x100000, K4, IOPT_R), 0);
	CHECK_EQ_U64(map(&env, 4 * M2, 0, M2, IOPT_R | IOPT_W), 0);

	/* The existing page is last, first, in the middle, or the whole range. */
	before = xlate_pages(&env, 0, 16);
	CHECK_EQ_U64(map(&env, 0, 0x200000, 9 * K4, IOPT_W), IOPT_EEXIST);
	CHECK_EQ_U64(map(&env, 8 * K4, 0x200000, 4 * K4, IOPT_W), IOPT_EEXIST);
	CHECK_EQ_U64(map(&env, 6 * K4, 0x200000, 4 * K4, IOPT_W), IOPT_EEXIST);
	CHECK_EQ_U64(map(&env, 8 * K4, 0x100000, K4, IOPT_R), IOPT_EEXIST);
	expect_same(&env, 0, 16, before);

	/* Inside a superpage, over its edge, or exactly it: the walk meets a
	 * leaf above the level it wanted, or an occupied slot. */
	allocs = env.allocs;
	before = xlate_pages(&env, 4 * M2 - 4 * K4, 520);
	CHECK_EQ_U64(map(&env, 4 * M2 + 3 * K4, 0x300000, K4, IOPT_W), IOPT_EEXIST);
	CHECK_EQ_U64(map(&env, 4 * M2 - 2 * K4, 0x300000, 4 * K4, IOPT_W), IOPT_EEXIST);
	CHECK_EQ_U64(map(&env, 4 * M2, 6 * M2, M2, IOPT_W), IOPT_EEXIST);
	CHECK_EQ_U64(map(&env, 3 * M2, 6 * M2, 2 * M2, IOPT_W), IOPT_EEXIST);
	expect_same(&env, 4 * M2 - 4 * K4, 520, before);
	/* Only the walk to 4 * M2 - 2 * K4 needed a new table. */
	CHECK_EQ_U64(env.allocs, allocs + 1);

	/* A page next to the existing ones is still free. */
	CHECK_EQ_U64(map(&env, 9 * K4, 0x200000, K4, IOPT_W), 0);
	expect_map(&env, 9 * K4, 0x200000, IOPT_W, K4);
	expect_map(&env, 8 * K4, 0x100000, IOPT_R, K4);
	env_fini(&env);
}

/*
 * Out of memory at every point of a map that needs several new tables:
 * nothing translates differently; the tables allocated before the failure
 * stay, and the retry allocates only the rest. The range spans two
 * top-level entries (4 levels: 512 GiB each).
 */
static void test_out_of_memory_changes_nothing(void)
{
	const uint64_t iova = 512 * G1 - M2 - 2 * K4, len = 2 * M2 + 4 * K4;
	const uint64_t phys = G1 - 2 * K4, rw = IOPT_R | IOPT_W;
	const size_t npages = len / K4 + 8;
	const uint64_t probe = iova - 4 * K4;
	/* The head shares the probe's SL-PT; the tail needs an SL-PDPT, an
	 * SL-PD and an SL-PT. */
	const size_t need = 3;

	for (size_t extra = 0; extra <= need + 1; extra++) {
		struct env env;
		struct xl *before;
		size_t allocs;

		env_init(&env, 4, extra % 2);
		env.pt.allow_2m = true;
		CHECK_EQ_U64(map(&env, probe, 0xabc000, K4, IOPT_R), 0);
		before = xlate_pages(&env, probe, npages);
		env.limit = env.live + extra;
		allocs = env.allocs;
		if (extra < need) {
			CHECK_EQ_U64(map(&env, iova, phys, len, rw), IOPT_ENOMEM);
			CHECK_EQ_U64(env.allocs, allocs + extra);
			expect_same(&env, probe, npages, before);
			env.limit = SIZE_MAX;
			CHECK_EQ_U64(map(&env, iova, phys, len, rw), 0);
		} else {
			CHECK_EQ_U64(map(&env, iova, phys, len, rw), 0);
			free(before);
		}
		CHECK_EQ_U64(env.allocs, allocs + need);
		expect_map(&env, probe, 0xabc000, IOPT_R, K4);
		expect_range(&env, iova, phys, 2 * K4, rw, K4);
		expect_range(&env, iova + 2 * K4, phys + 2 * K4, 2 * M2, rw, M2);
		expect_range(&env, iova + 2 * K4 + 2 * M2, phys + 2 * K4 + 2 * M2, 2 * K4, rw, K4);
		env_fini(&env);
	}
}

static void test_unmap_errors_change_nothing(void)
{
	struct env env;
	struct xl *before;
	const uint64_t sp = 4 * M2, rw = IOPT_R | IOPT_W;
	size_t tables;

	env_init(&env, 3, false);
	env.pt.allow_2m = env.pt.allow_1g = true;
	/* A 2 MiB page followed by three 4 KiB pages, and a 1 GiB page. */
	CHECK_EQ_U64(map(&env, sp, 10 * M2, M2 + 3 * K4, rw), 0);
	expect_map(&env, sp, 10 * M2, rw, M2);
	CHECK_EQ_U64(map(&env, G1, 3 * G1, G1, IOPT_R), 0);
	expect_map(&env, G1, 3 * G1, IOPT_R, G1);
	before = xlate_pages(&env, sp - 4 * K4, 520);

	CHECK_EQ_U64(unmap(&env, sp + K4, K4), IOPT_ESPLIT);          /* inside */
	CHECK_EQ_U64(unmap(&env, sp, M2 - K4), IOPT_ESPLIT);          /* head only */
	CHECK_EQ_U64(unmap(&env, sp + K4, M2 + 3 * K4), IOPT_ESPLIT); /* tail only */
	CHECK_EQ_U64(unmap(&env, sp - K4, M2 + K4), IOPT_ENOENT);     /* hole first */
	CHECK_EQ_U64(unmap(&env, sp, M2 + 4 * K4), IOPT_ENOENT);      /* hole last */
	CHECK_EQ_U64(unmap(&env, sp + M2 + 2 * K4, 2 * K4), IOPT_ENOENT);
	CHECK_EQ_U64(unmap(&env, 0, K4), IOPT_ENOENT);                /* no tables */
	CHECK_EQ_U64(unmap(&env, 2 * G1, G1), IOPT_ENOENT);
	/* The first problem in address order decides. */
	CHECK_EQ_U64(unmap(&env, sp - K4, 2 * K4), IOPT_ENOENT);
	CHECK_EQ_U64(unmap(&env, sp + M2 - K4, 5 * K4), IOPT_ESPLIT);
	expect_same(&env, sp - 4 * K4, 520, before);

	before = xlate_pages(&env, G1 - K4, 3);
	CHECK_EQ_U64(unmap(&env, G1, G1 - M2), IOPT_ESPLIT);
	CHECK_EQ_U64(unmap(&env, G1 + M2, M2), IOPT_ESPLIT);
	CHECK_EQ_U64(unmap(&env, G1, G1 + K4), IOPT_ENOENT);
	expect_same(&env, G1 - K4, 3, before);
	expect_map(&env, 2 * G1 - 1, 4 * G1 - 1, IOPT_R, G1);

	/* Exact ranges work, and leave the tables for the next map. */
	tables = env.pt.tables;
	CHECK_EQ_U64(unmap(&env, sp, M2 + 3 * K4), 0);
	CHECK_EQ_U64(unmap(&env, G1, G1), 0);
	CHECK_EQ_U64(env.pt.tables, tables);
	for (uint64_t a = sp - K4; a <= sp + M2 + 3 * K4; a += K4)
		expect_unmapped(&env, a);
	expect_unmapped(&env, G1);
	expect_unmapped(&env, 2 * G1 - 1);
	CHECK_EQ_U64(unmap(&env, sp, K4), IOPT_ENOENT);
	env_fini(&env);
}

/* The exact entry values VT-d spec 9.8 calls for. */
static void test_raw_entries(void)
{
	struct env env;
	uint64_t *root, *pd, *pt;

	env_init(&env, 3, false);
	env.pt.allow_2m = env.pt.allow_1g = true;
	CHECK_EQ_U64(map(&env, 0, 0xfedc1000, K4, IOPT_R | IOPT_W), 0);
	CHECK_EQ_U64(map(&env, K4, 0x000fffffffffe000ull, K4, IOPT_R), 0);
	CHECK_EQ_U64(map(&env, 2 * K4, 0x3000, K4, IOPT_W), 0);
	CHECK_EQ_U64(map(&env, M2, 0x000ffffffe000000ull, M2, IOPT_R | IOPT_W), 0);
	CHECK_EQ_U64(map(&env, G1, 0x000fffffc0000000ull, G1, IOPT_R), 0);

	root = entries(env.pt.root);
	CHECK_EQ_U64(root[0] & ~E_ADDR, E_R | E_W);
	pd = entries(root[0] & E_ADDR);
	CHECK_EQ_U64(pd[0] & ~E_ADDR, E_R | E_W);
	pt = entries(pd[0] & E_ADDR);
	CHECK_EQ_U64(pt[0], 0xfedc1000ull | E_R | E_W);
	CHECK_EQ_U64(pt[1], 0x000fffffffffe000ull | E_R);
	CHECK_EQ_U64(pt[2], 0x3000ull | E_W);
	CHECK_EQ_U64(pt[3], 0);
	CHECK_EQ_U64(pd[1], 0x000ffffffe000000ull | E_R | E_W | E_PS);
	CHECK_EQ_U64(pd[2], 0);
	CHECK_EQ_U64(root[1], 0x000fffffc0000000ull | E_R | E_PS);
	CHECK_EQ_U64(root[2], 0);
	/* Clearing leaves zeroes them entirely. */
	CHECK_EQ_U64(unmap(&env, 0, 2 * K4), 0);
	CHECK_EQ_U64(unmap(&env, M2, M2), 0);
	CHECK_EQ_U64(unmap(&env, G1, G1), 0);
	CHECK_EQ_U64(pt[0] | pt[1] | pd[1] | root[1], 0);
	CHECK_EQ_U64(pt[2], 0x3000ull | E_W);
	env_fini(&env);
}

/* One map and one unmap per packet: once the tables exist, a single page
 * allocates nothing and flushes exactly its own entry. */
static void test_single_page_path(void)
{
	struct env env;
	size_t allocs;
	unsigned flushes;

	env_init(&env, 4, false);
	CHECK_EQ_U64(map(&env, 0x7000, 0x1234000, K4, IOPT_R | IOPT_W), 0);
	/* Root flush, then per new table: its flush and its link's. */
	CHECK_EQ_U64(env.flushes, 1 + 2 * 3 + 1);
	allocs = env.allocs;
	for (int i = 0; i < 100; i++) {
		uint64_t iova = 0x8000 + (uint64_t)(i % 3) * K4;
		uint64_t entry_offset = (iova >> 12 & 511) * 8;

		flushes = env.flushes;
		env.flushed_bytes = 0;
		CHECK_EQ_U64(map(&env, iova, 0x5000 + (uint64_t)i * K4, K4, IOPT_W), 0);
		CHECK_EQ_U64(env.flushes, flushes + 1);
		CHECK_EQ_U64(env.flushed_bytes, 8);
		CHECK_EQ_U64((uintptr_t)env.last_flush & 0xfff, entry_offset);
		expect_map(&env, iova, 0x5000 + (uint64_t)i * K4, IOPT_W, K4);
		CHECK_EQ_U64(unmap(&env, iova, K4), 0);
		CHECK_EQ_U64(env.flushes, flushes + 2);
		CHECK_EQ_U64(env.flushed_bytes, 16);
		CHECK_EQ_U64((uintptr_t)env.last_flush & 0xfff, entry_offset);
		expect_unmapped(&env, iova);
	}
	CHECK_EQ_U64(env.allocs, allocs);
	/* Several pages in one table: one flush for the whole run. */
	flushes = env.flushes;
	CHECK_EQ_U64(map(&env, 0x10000, 0x20000, 16 * K4, IOPT_R), 0);
	CHECK_EQ_U64(env.flushes, flushes + 1);
	CHECK_EQ_U64(unmap(&env, 0x10000, 16 * K4), 0);
	CHECK_EQ_U64(env.flushes, flushes + 2);
	env_fini(&env);
}

/* The flush contract checks catch what they are there for. */
static void test_contract_checks_catch_bad_order(void)
{
	struct env env;
	uint64_t *pd, *pt, t;

	env_init(&env, 3, false);
	CHECK_EQ_U64(map(&env, 0, 0x1000, K4, IOPT_R), 0);
	env.quiet = true;
	pd = entries(entries(env.pt.root)[0] & E_ADDR);
	pt = entries(pd[0] & E_ADDR);

	/* A leaf written and not flushed; then flushed. */
	pt[1] = 0x2000 | E_R;
	CHECK(check_flush_contract(&env) > 0);
	env.violations = 0;
	cb_flush(&env, &pt[1], 8);
	CHECK_EQ_U64(check_flush_contract(&env), 0);

	/* A table linked, then flushed: wrong order. */
	t = cb_alloc(&env);
	pd[1] = t | E_R | E_W;
	cb_flush(&env, entries(t), 4096);
	CHECK(env.violations > 0);
	env.violations = 0;
	cb_flush(&env, &pd[1], 8);

	/* Flushed, then linked: right. */
	t = cb_alloc(&env);
	cb_flush(&env, entries(t), 4096);
	pd[2] = t | E_R | E_W;
	cb_flush(&env, &pd[2], 8);
	CHECK_EQ_U64(check_flush_contract(&env), 0);

	/* Flushed, changed, linked: the change may not be visible. */
	t = cb_alloc(&env);
	cb_flush(&env, entries(t), 4096);
	entries(t)[0] = 0x5000 | E_R;
	pd[3] = t | E_R | E_W;
	cb_flush(&env, &pd[3], 8);
	CHECK(env.violations > 0);
	env.violations = 0;

	/* A flush outside every table. */
	cb_flush(&env, &env, 8);
	CHECK(env.violations > 0);
	env.violations = 0;

	/* Undo behind the library's back so the page counts still add up. */
	for (int i = 1; i <= 3; i++) {
		cb_free(&env, pd[i] & E_ADDR);
		pd[i] = 0;
	}
	pt[1] = 0;
	env_fini(&env);
}

static void test_destroy_frees_every_table(void)
{
	struct env env;

	env_init(&env, 4, false);
	env.pt.allow_2m = true;
	for (uint64_t i = 0; i < 40; i++) {
		uint64_t iova = i * 37 * G1 + i * 3 * M2 + i * K4;

		CHECK_EQ_U64(map(&env, iova, i * K4, K4, IOPT_R), 0);
		if (i % 4 == 0)
			CHECK_EQ_U64(unmap(&env, iova, K4), 0); /* leaves empty tables */
	}
	CHECK_EQ_U64(map(&env, 100 * M2, 0, 4 * M2, IOPT_W), 0);
	CHECK(env.allocs > 40);
	CHECK_EQ_U64(env.pt.tables, env.allocs);
	CHECK_EQ_U64(env.frees, 0);
	iopt_destroy(&env.pt);
	CHECK_EQ_U64(env.frees, env.allocs);
	CHECK_EQ_U64(env.pt.tables, 0);
	CHECK(!iopt_translate(&env.pt, 0, NULL, NULL, NULL));
	CHECK_EQ_U64(iopt_map(&env.pt, 0, 0, K4, IOPT_R), IOPT_EINVAL);
	env_fini(&env); /* destroys again: must free nothing twice */
}

/* Random maps and unmaps in three 8 MiB windows (at 0, across a top-level
 * entry boundary below 1 GiB or 512 GiB, and at the top of the input
 * space), checked against a per-page model. */
#define WIN_PAGES 2048

struct model_page {
	bool mapped;
	uint64_t phys, prot;
};

struct model {
	uint64_t base[3];
	struct model_page p[3][WIN_PAGES];
};

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* What iopt_unmap must return, from the raw entries: the first page that
 * is unmapped or whose leaf sticks out of the range decides. */
static int expected_unmap(struct env *env, uint64_t iova, uint64_t len)
{
	for (uint64_t a = iova; a < iova + len;) {
		struct raw r = raw_walk(env, a);

		if (!r.present)
			return IOPT_ENOENT;
		if ((a & (r.size - 1)) || r.size > iova + len - a)
			return IOPT_ESPLIT;
		a += r.size;
	}
	return 0;
}

/* Pages [from, to) of window w against the model. Counts superpage hits. */
static bool verify(struct env *env, struct model *m, int w, long from, long to,
		   unsigned *superpages)
{
	for (long i = from < 0 ? 0 : from; i < to && i < WIN_PAGES; i++) {
		struct model_page *mp = &m->p[w][i];
		uint64_t iova = m->base[w] + (uint64_t)i * K4, p = 0, f = 0, s = 0;
		bool ok = iopt_translate(&env->pt, iova, &p, &f, &s);
		struct raw r = raw_walk(env, iova);
		bool good = ok == mp->mapped && r.present == ok;

		if (good && ok)
			good = p == mp->phys && f == mp->prot && r.phys == p &&
			       r.prot == f && r.size == s;
		if (!good) {
			printf("  iova 0x%" PRIx64 ": mapped %d phys 0x%" PRIx64 " prot %"
			       PRIu64 " size 0x%" PRIx64 "; model %d 0x%" PRIx64 " %" PRIu64
			       "\n", iova, ok, p, f, s, mp->mapped, mp->phys, mp->prot);
			CHECK(good);
			return false;
		}
		if (ok && s > K4)
			(*superpages)++;
	}
	return true;
}

static void random_run(unsigned levels, bool allow_2m, bool coherent, uint64_t seed,
		       int ops)
{
	struct env env;
	struct model *m = calloc(1, sizeof(*m));
	unsigned superpages = 0, results[6] = { 0 }; /* by -rc */
	bool good = true;

	rng = seed;
	for (int op = 0; op < ops && good; op++) {
		int w = (int)(rnd() % 3), rc, expect = 0;
		uint64_t kind = rnd() % 100, start, n, iova, len;

		/* Epochs on fresh tables: a 2 MiB slot once used by 4 KiB pages
		 * keeps its table, so superpages need fresh ones. */
		if (op % 500 == 0) {
			for (int v = 0; op > 0 && good && v < 3; v++)
				good = verify(&env, m, v, 0, WIN_PAGES, &superpages);
			if (op > 0)
				env_fini(&env);
			env_init(&env, levels, coherent);
			env.pt.allow_2m = allow_2m;
			env.pt.allow_1g = true;
			memset(m, 0, sizeof(*m));
			m->base[0] = 0;
			m->base[1] = (levels > 3 ? 512 * G1 : G1) - 2 * M2;
			m->base[2] = iopt_max_iova(&env.pt) + 1 - 4 * M2;
		}
		/* Small ranges stay in the lower half of a window, leaving the
		 * upper half to the 2 MiB-aligned ones. */
		if (kind < 55) {
			start = rnd() % (WIN_PAGES / 2);
			n = 1;
		} else if (kind < 80) {
			start = rnd() % (WIN_PAGES / 2);
			n = 1 + rnd() % 48;
		} else {
			start = rnd() % (WIN_PAGES / 512) * 512 + (rnd() % 4 == 0 ? rnd() % 3 : 0);
			n = 512 * (1 + rnd() % 2) + (rnd() % 4 == 0 ? rnd() % 3 : 0);
		}
		if (start + n > WIN_PAGES)
			n = WIN_PAGES - start;
		iova = m->base[w] + start * K4;
		len = n * K4;

		if (rnd() % 2) {
			uint64_t prot = 1 + rnd() % 3, phys;
			bool starve = rnd() % 10 == 0;

			if (kind >= 80 && rnd() % 4)
				phys = (rnd() % (1u << 17)) << 21 | (iova & (M2 - 1));
			else
				phys = (rnd() % (1u << 27)) << 12;
			for (uint64_t i = start; i < start + n; i++)
				if (m->p[w][i].mapped)
					expect = IOPT_EEXIST;
			if (starve)
				env.limit = env.live + rnd() % 2;
			rc = map(&env, iova, phys, len, prot);
			env.limit = SIZE_MAX;
			if (!(starve && rc == IOPT_ENOMEM))
				CHECK_EQ_U64(rc, expect);
			for (uint64_t i = start; rc == 0 && i < start + n; i++)
				m->p[w][i] = (struct model_page){ true, phys + (i - start) * K4, prot };
		} else {
			/* Half the time whole leaves from a mapped page on. */
			for (int tries = 0; rnd() % 2 && tries < 16; tries++) {
				uint64_t i = rnd() % WIN_PAGES, k = rnd() % 4;
				struct raw r;

				if (!m->p[w][i].mapped)
					continue;
				r = raw_walk(&env, m->base[w] + i * K4);
				iova = (m->base[w] + i * K4) & ~(r.size - 1);
				len = r.size;
				while (k-- > 0 && iova + len < m->base[w] + WIN_PAGES * K4 &&
				       (r = raw_walk(&env, iova + len)).present)
					len += r.size;
				start = (iova - m->base[w]) / K4;
				n = len / K4;
				break;
			}
			expect = expected_unmap(&env, iova, len);
			rc = unmap(&env, iova, len);
			CHECK_EQ_U64(rc, expect);
			for (uint64_t i = start; rc == 0 && i < start + n; i++)
				m->p[w][i].mapped = false;
		}
		if (rc <= 0 && rc > -6)
			results[-rc]++;
		good = verify(&env, m, w, (long)start - 512, (long)(start + n + 512), &superpages);
		for (int v = 0; good && op % 256 == 0 && v < 3; v++)
			good = verify(&env, m, v, 0, WIN_PAGES, &superpages);
		good = good && env.violations == 0 && !check_failed_in_test;
		if (!good && check_failed_in_test)
			printf("  levels %u seed %" PRIu64 ": stopped at operation %d\n",
			       levels, seed, op);
	}
	for (int v = 0; good && v < 3; v++)
		good = verify(&env, m, v, 0, WIN_PAGES, &superpages);
	/* The run went through every outcome it should. */
	if (getenv("IOPT_TEST_VERBOSE"))
		printf("  levels %u: ok %u eexist %u enoent %u esplit %u enomem %u, "
		       "%u superpage hits\n", levels, results[0], results[-IOPT_EEXIST],
		       results[-IOPT_ENOENT], results[-IOPT_ESPLIT], results[-IOPT_ENOMEM],
		       superpages);
	CHECK(results[0] > (unsigned)ops / 4);
	CHECK(results[-IOPT_EEXIST] > 0 && results[-IOPT_ENOENT] > 0);
	CHECK(coherent || results[-IOPT_ENOMEM] > 0);
	CHECK(allow_2m ? superpages > 0 && results[-IOPT_ESPLIT] > 0 : superpages == 0);
	env_fini(&env);
	free(m);
}

static void test_random_vs_model(void)
{
	random_run(3, true, false, 0x9e3779b97f4a7c15ull, 3000);
	random_run(4, true, false, 0x2545f4914f6cdd1dull, 3000);
	random_run(3, false, false, 0x1234567887654321ull, 2000);
	random_run(4, true, true, 0x0badc0ffee0ddf00ull, 2000);
	random_run(5, true, false, 0x5555aaaa3333ccccull, 1500);
}

int main(void)
{
	RUN_TEST("iopt", test_init_and_limits);
	RUN_TEST("iopt", test_rejects_bad_table_page);
	RUN_TEST("iopt", test_bad_arguments);
	RUN_TEST("iopt", test_boundaries_3_levels);
	RUN_TEST("iopt", test_boundaries_4_levels);
	RUN_TEST("iopt", test_boundaries_5_levels);
	RUN_TEST("iopt", test_superpage_choice);
	RUN_TEST("iopt", test_superpage_over_left_table);
	RUN_TEST("iopt", test_refuses_to_overwrite);
	RUN_TEST("iopt", test_out_of_memory_changes_nothing);
	RUN_TEST("iopt", test_unmap_errors_change_nothing);
	RUN_TEST("iopt", test_raw_entries);
	RUN_TEST("iopt", test_single_page_path);
	RUN_TEST("iopt", test_contract_checks_catch_bad_order);
	RUN_TEST("iopt", test_destroy_frees_every_table);
	RUN_TEST("iopt", test_random_vs_model);
	return CHECK_EXIT_STATUS();
}

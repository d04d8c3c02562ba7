/* The DMA layer (lib/dma: its core and each policy) on the host: page
 * tables from lib/iopt on host pages, and fake invalidation ops that model
 * what the IOMMU may still have cached.
 *
 * The model, per page of the IOVA range: LIVE (mapped by dma_map), STALE
 * (its PTE is cleared but a translation may still be cached), CLEAN. An
 * invalidation covers the pages that were STALE when it was submitted and
 * completes only when a later inval_wait succeeds: a failing wait leaves it
 * pending, to complete late. The invariant under test: dma_map never
 * returns a page that is not CLEAN, and ops.release never sees a buffer
 * whose pages are not CLEAN. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "host_pages.h"
#include "lib/dma/dma.h"

#define PAGE     4096ull
#define BASE     0x200000ull  /* start of the IOVA range: 2 MiB */
#define MAXPAGES 2048         /* model size: the range may cross leaf tables */
#define MAXMAPS  1024
#define MAXLOG   8192

enum { CLEAN, LIVE, STALE };

struct inval {
	enum dma_gran g;
	uint64_t iova, npages;
	uint64_t waits_before;  /* inval_wait calls before this submit */
};

struct mapping {
	uint64_t phys, iova;
	size_t len;
	enum dma_dir dir;
	bool live;               /* dma_map succeeded, dma_unmap not yet */
	bool released;
};

struct env {
	struct iopt pt;
	struct dma_domain d;
	struct dma_config cfg;
	void *storage;
	uint64_t pte_flushes;    /* iopt's flush callback (non-coherent units) */

	uint64_t clock, tick;    /* now() returns clock, then adds tick */
	uint64_t submit_cost, wait_cost, pte_cost;
	uint64_t now_calls;

	struct inval log[MAXLOG];
	unsigned nlog, waits;
	int fail_submits, fail_waits; /* make the next N fail */

	uint64_t released[MAXLOG];
	unsigned nrel;

	uint64_t pages;
	uint8_t state[MAXPAGES];
	bool pending[MAXPAGES];
	struct mapping map[MAXMAPS];

	int violations;
	bool quiet;
};

static void violation(struct env *e, const char *fmt, ...)
{
	va_list ap;

	if (e->violations++ == 0 && !e->quiet) {
		printf("  invariant: ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
	}
}

/* ---- iopt on host pages ------------------------------------------------ */

static void pte_flush(void *ctx, const void *p, size_t len)
{
	struct env *e = ctx;

	(void)p, (void)len;
	e->pte_flushes++;
	e->clock += e->pte_cost;
}

/* ---- fake invalidation ops --------------------------------------------- */

static bool mapped(const struct env *e, uint64_t p)
{
	return iopt_translate(&e->pt, BASE + p * PAGE, NULL, NULL, NULL);
}

static int fake_submit(void *ctx, enum dma_gran g, uint64_t iova, uint64_t npages)
{
	struct env *e = ctx;

	if (e->nlog < MAXLOG)
		e->log[e->nlog] = (struct inval){ g, iova, npages, e->waits };
	e->nlog++;
	e->clock += e->submit_cost;
	if (e->fail_submits > 0) {
		e->fail_submits--;
		return -1;
	}
	if (g == DMA_GRAN_PAGES && (npages == 0 || (iova & (PAGE - 1))))
		violation(e, "page-selective request 0x%" PRIx64 "+%" PRIu64, iova, npages);
	for (uint64_t p = 0; p < e->pages; p++) {
		uint64_t a = BASE + p * PAGE;

		if (e->state[p] == LIVE && !mapped(e, p))
			e->state[p] = STALE;
		if (e->state[p] == STALE &&
		    (g != DMA_GRAN_PAGES || (a >= iova && a < iova + npages * PAGE)))
			e->pending[p] = true;
	}
	return 0;
}

static int fake_wait(void *ctx)
{
	struct env *e = ctx;

	e->waits++;
	e->clock += e->wait_cost;
	if (e->fail_waits > 0) {
		e->fail_waits--;
		return -1; /* what was submitted completes later */
	}
	for (uint64_t p = 0; p < e->pages; p++) {
		if (e->pending[p]) {
			e->pending[p] = false;
			e->state[p] = CLEAN;
		}
	}
	return 0;
}

static uint64_t fake_now(void *ctx)
{
	struct env *e = ctx;
	uint64_t t = e->clock;

	e->now_calls++;
	e->clock += e->tick;
	return t;
}

static uint64_t first_page(uint64_t iova)
{
	return (iova - BASE) / PAGE;
}

static uint64_t npages_of(uint64_t addr, size_t len)
{
	return ((addr & (PAGE - 1)) + len + PAGE - 1) / PAGE;
}

static void fake_release(void *ctx, uint64_t cookie)
{
	struct env *e = ctx;
	struct mapping *m = &e->map[cookie];

	if (e->nrel < MAXLOG)
		e->released[e->nrel] = cookie;
	e->nrel++;
	if (m->live || m->released)
		violation(e, "buffer %" PRIu64 " released while mapped or twice", cookie);
	m->released = true;
	if (e->cfg.policy == DMA_POLICY_OFF || e->cfg.policy == DMA_POLICY_IDENTITY)
		return;
	for (uint64_t p = first_page(m->iova); p < first_page(m->iova) + npages_of(m->iova, m->len);
	     p++)
		if (e->state[p] != CLEAN || e->pending[p])
			violation(e, "buffer %" PRIu64 " released before the invalidation of "
				  "page 0x%" PRIx64 " completed", cookie, BASE + p * PAGE);
}

/* ---- environment --------------------------------------------------------- */

/* Off and identity hand out physical addresses and keep no page tables. */
static bool phys_policy(const struct env *e)
{
	return e->cfg.policy == DMA_POLICY_OFF || e->cfg.policy == DMA_POLICY_IDENTITY;
}

static struct env *env_new(enum dma_policy policy, uint64_t pages, void (*tweak)(struct dma_config *))
{
	struct env *e = calloc(1, sizeof(*e));
	struct iopt_ops pops = { host_page, host_free, NULL, e };
	size_t bytes;

	e->cfg = (struct dma_config){ .policy = policy, .iova_base = BASE,
				      .iova_limit = BASE + pages * PAGE, .hwm = 0,
				      .batch_gran = DMA_GRAN_DOMAIN };
	e->pages = pages;
	if (tweak)
		tweak(&e->cfg);
	CHECK_EQ_U64(iopt_init(&e->pt, 4, &pops), 0);
	bytes = dma_storage_bytes(&e->cfg);
	e->storage = aligned_alloc(8, bytes ? (bytes + 7) & ~(size_t)7 : 8);
	return e;
}

static void env_ops(struct env *e, struct dma_ops *ops)
{
	*ops = (struct dma_ops){ .inval_submit = fake_submit, .inval_wait = fake_wait,
				 .now = fake_now, .release = fake_release, .ctx = e };
}

static int env_init(struct env *e)
{
	struct dma_ops ops;

	env_ops(e, &ops);
	return dma_domain_init(&e->d, &e->pt, &e->cfg, &ops, e->storage,
			       dma_storage_bytes(&e->cfg));
}

static struct env *env_start(enum dma_policy policy, uint64_t pages,
			     void (*tweak)(struct dma_config *))
{
	struct env *e = env_new(policy, pages, tweak);

	CHECK_EQ_U64(env_init(e), 0);
	return e;
}

/* A non-coherent unit: every PTE write goes through ops.flush. */
static struct env *env_start_noncoherent(enum dma_policy policy, uint64_t pages,
					 void (*tweak)(struct dma_config *))
{
	struct env *e = env_new(policy, pages, tweak);

	e->pt.ops.flush = pte_flush;
	CHECK_EQ_U64(env_init(e), 0);
	return e;
}

static void env_free(struct env *e)
{
	iopt_destroy(&e->pt);
	free(e->storage);
	free(e);
}

static const struct dma_stats *stats(const struct env *e)
{
	return dma_get_stats(&e->d);
}

/* dma_map through the model: a successful map must hand out only CLEAN
 * pages, and translate to phys with the rights dir asks for. */
static int map(struct env *e, unsigned k, uint64_t phys, size_t len, enum dma_dir dir)
{
	struct mapping *m = &e->map[k];
	uint64_t iova = 0x5a5a, got, prot;
	int rc = dma_map(&e->d, phys, len, dir, &iova);

	if (rc)
		return rc;
	*m = (struct mapping){ phys, iova, len, dir, true, false };
	if (phys_policy(e)) {
		if (iova != phys)
			violation(e, "off/identity: iova 0x%" PRIx64 " for phys 0x%" PRIx64, iova, phys);
		return 0;
	}
	if ((iova & (PAGE - 1)) != (phys & (PAGE - 1)) || iova < BASE ||
	    first_page(iova) + npages_of(iova, len) > e->pages) {
		violation(e, "iova 0x%" PRIx64 " for phys 0x%" PRIx64, iova, phys);
		return 0;
	}
	for (uint64_t i = 0; i < npages_of(iova, len); i++) {
		uint64_t p = first_page(iova) + i;

		if (e->state[p] != CLEAN || e->pending[p])
			violation(e, "page 0x%" PRIx64 " handed out while %s", BASE + p * PAGE,
				  e->state[p] == LIVE ? "mapped" : "possibly cached");
		e->state[p] = LIVE;
		if (!iopt_translate(&e->pt, (iova & ~(PAGE - 1)) + i * PAGE, &got, &prot, NULL) ||
		    got != (phys & ~(PAGE - 1)) + i * PAGE || prot != (uint64_t)dir)
			violation(e, "page 0x%" PRIx64 " does not translate as mapped", BASE + p * PAGE);
	}
	return 0;
}

static int unmap(struct env *e, unsigned k)
{
	struct mapping *m = &e->map[k];
	bool was_live = m->live;
	int rc;

	/* Not live from here on: the release may come before the return. */
	m->live = false;
	rc = dma_unmap(&e->d, m->iova, m->len, m->dir, k);
	if (rc != 0 && rc != DMA_EIO)
		m->live = was_live;
	if (phys_policy(e))
		return rc;
	for (uint64_t p = first_page(m->iova); p < first_page(m->iova) + npages_of(m->iova, m->len);
	     p++)
		if (e->state[p] == LIVE && !mapped(e, p))
			e->state[p] = STALE;
	return rc;
}

/* ---- tests --------------------------------------------------------------- */

static void test_init_checks(void)
{
	struct dma_config c = { .policy = DMA_POLICY_STRICT, .iova_base = BASE,
				.iova_limit = BASE + 64 * PAGE };
	struct env *e = env_new(DMA_POLICY_STRICT, 64, NULL);
	struct dma_ops ops, none = { 0 };
	size_t bytes = dma_storage_bytes(&c);

	env_ops(e, &ops);
	CHECK_EQ_U64(bytes, 64 * 5);
	c.policy = DMA_POLICY_BATCHED;
	CHECK_EQ_U64(dma_storage_bytes(&c), 64 * 5 + DMA_DEFAULT_HWM * sizeof(struct flushq_entry));
	c.hwm = 10;
	CHECK_EQ_U64(dma_storage_bytes(&c), 64 * 5 + 10 * sizeof(struct flushq_entry));
	c.policy = DMA_POLICY_OFF;
	CHECK_EQ_U64(dma_storage_bytes(&c), 0);
	CHECK_EQ_U64(dma_domain_init(&e->d, NULL, &c, &none, NULL, 0), 0);
	c.policy = DMA_POLICY_STRICT;
	bytes = dma_storage_bytes(&c);

	CHECK_EQ_U64(dma_domain_init(&e->d, &e->pt, &c, &ops, e->storage, bytes), 0);
	CHECK_EQ_U64(dma_domain_init(&e->d, &e->pt, &c, &ops, e->storage, bytes - 1), DMA_EINVAL);
	CHECK_EQ_U64(dma_domain_init(&e->d, &e->pt, &c, &ops, (char *)e->storage + 4, bytes),
		     DMA_EINVAL);
	CHECK_EQ_U64(dma_domain_init(&e->d, NULL, &c, &ops, e->storage, bytes), DMA_EINVAL);
	CHECK_EQ_U64(dma_domain_init(&e->d, &e->pt, &c, &none, e->storage, bytes), DMA_EINVAL);
	c.policy = (enum dma_policy)7;
	CHECK_EQ_U64(dma_domain_init(&e->d, &e->pt, &c, &ops, e->storage, bytes), DMA_EINVAL);
	c.policy = DMA_POLICY_STRICT;
	c.iova_base = BASE + 1;
	CHECK_EQ_U64(dma_domain_init(&e->d, &e->pt, &c, &ops, e->storage, bytes), DMA_EINVAL);
	c.iova_base = BASE + 64 * PAGE;
	CHECK_EQ_U64(dma_domain_init(&e->d, &e->pt, &c, &ops, e->storage, bytes), DMA_EINVAL);
	/* Beyond what 4-level tables translate. */
	c.iova_base = (1ull << 48) - 16 * PAGE;
	c.iova_limit = (1ull << 48) + 16 * PAGE;
	CHECK_EQ_U64(dma_domain_init(&e->d, &e->pt, &c, &ops, e->storage, bytes), DMA_EINVAL);
	c.iova_base = BASE;
	c.iova_limit = BASE + 64 * PAGE;
	/* Timing, and a batched deadline, need a clock. */
	ops.now = NULL;
	c.timing = true;
	CHECK_EQ_U64(dma_domain_init(&e->d, &e->pt, &c, &ops, e->storage, bytes), DMA_EINVAL);
	c.timing = false;
	CHECK_EQ_U64(dma_domain_init(&e->d, &e->pt, &c, &ops, e->storage, bytes), 0);
	c.policy = DMA_POLICY_BATCHED;
	c.flush_deadline = 100;
	bytes = dma_storage_bytes(&c);
	free(e->storage);
	e->storage = aligned_alloc(8, (bytes + 7) & ~(size_t)7);
	CHECK_EQ_U64(dma_domain_init(&e->d, &e->pt, &c, &ops, e->storage, bytes), DMA_EINVAL);
	c.flush_deadline = 0;
	CHECK_EQ_U64(dma_domain_init(&e->d, &e->pt, &c, &ops, e->storage, bytes), 0);
	c.batch_gran = (enum dma_gran)3;
	CHECK_EQ_U64(dma_domain_init(&e->d, &e->pt, &c, &ops, e->storage, bytes), DMA_EINVAL);
	/* hwm 0 means the default. */
	c.batch_gran = DMA_GRAN_GLOBAL;
	c.hwm = 0;
	free(e->storage);
	bytes = dma_storage_bytes(&c);
	e->storage = aligned_alloc(8, (bytes + 7) & ~(size_t)7);
	CHECK_EQ_U64(dma_domain_init(&e->d, &e->pt, &c, &ops, e->storage, bytes), 0);
	CHECK_EQ_U64(e->d.cfg.hwm, 250);
	env_free(e);
}

static void phys_returned(enum dma_policy policy)
{
	struct env *e = env_start(policy, 16, NULL);

	CHECK_EQ_U64(map(e, 0, 0x12345678, 1500, DMA_TO_DEVICE), 0);
	CHECK_EQ_U64(e->map[0].iova, 0x12345678);
	CHECK_EQ_U64(map(e, 1, 0xabc000, 8192, DMA_FROM_DEVICE), 0);
	CHECK_EQ_U64(unmap(e, 0), 0);
	CHECK_EQ_U64(e->nrel, 1); /* released at once */
	CHECK_EQ_U64(e->released[0], 0);
	CHECK_EQ_U64(unmap(e, 1), 0);
	CHECK_EQ_U64(e->nlog, 0);
	CHECK_EQ_U64(e->pt.tables, 1); /* nothing mapped */
	CHECK_EQ_U64(stats(e)->maps, 2);
	CHECK_EQ_U64(stats(e)->unmaps, 2);
	CHECK_EQ_U64(dma_map(&e->d, 0x1000, 0, DMA_TO_DEVICE, &e->map[2].iova), DMA_EINVAL);
	CHECK_EQ_U64(e->violations, 0);
	env_free(e);
}

static void test_off_returns_phys(void)
{
	phys_returned(DMA_POLICY_OFF);
}

/* Identity: the device is translated by a 1:1 domain the kernel built, so
 * the DMA layer does what it does under off: no page-table write, no
 * invalidation. */
static void test_identity_returns_phys(void)
{
	phys_returned(DMA_POLICY_IDENTITY);
}

/* Strict and pool: each unmap is one page-selective invalidation of exactly
 * the unmapped block, waited for before the buffer comes back. */
static void strict_like(enum dma_policy policy, bool noncoherent)
{
	struct env *e = noncoherent ? env_start_noncoherent(policy, 64, NULL)
				    : env_start(policy, 64, NULL);
	static const size_t lens[] = { 4096, 1500, 64, 8192, 4097, 3 * 4096 };

	for (unsigned i = 0; i < 300; i++) {
		uint64_t phys = 0x10000000 + i * 3 * PAGE + (i % 3 == 1 ? 0x7f0 : 0);
		size_t len = lens[i % 6];
		unsigned before = e->nlog;

		CHECK_EQ_U64(map(e, i, phys, len, DMA_BIDIRECTIONAL), 0);
		CHECK_EQ_U64(e->nlog, before);
		CHECK_EQ_U64(unmap(e, i), 0);
		CHECK_EQ_U64(e->nlog, before + 1);
		CHECK_EQ_U64(e->log[before].g, DMA_GRAN_PAGES);
		CHECK_EQ_U64(e->log[before].iova, e->map[i].iova & ~(PAGE - 1));
		CHECK_EQ_U64(e->log[before].npages, npages_of(phys, len));
		CHECK_EQ_U64(e->nrel, i + 1);
		CHECK_EQ_U64(e->released[i], i);
	}
	CHECK_EQ_U64(stats(e)->maps, 300);
	CHECK_EQ_U64(stats(e)->unmaps, 300);
	CHECK_EQ_U64(stats(e)->inval_submits, 300);
	CHECK_EQ_U64(stats(e)->inval_waits, 300);
	CHECK_EQ_U64(e->waits, 300);
	CHECK_EQ_U64(stats(e)->window_count, 0);
	/* One per map and unmap, and for the 3 tables below the root: the
	 * table, then the entry linking it. */
	if (noncoherent)
		CHECK_EQ_U64(e->pte_flushes, 600 + 3 * 2);
	CHECK_EQ_U64(e->violations, 0);
	env_free(e);
}

static void test_strict_one_invalidation_per_unmap(void)
{
	strict_like(DMA_POLICY_STRICT, false);
}

static void test_pool_maps_as_strict(void)
{
	strict_like(DMA_POLICY_POOL, false);
}

static void test_noncoherent_tables_flush_every_pte(void)
{
	strict_like(DMA_POLICY_STRICT, true);
}

/* Offsets are kept, whole pages are mapped, rights follow dir, and a
 * range that crosses leaf tables works on every path. */
static void test_translations_and_rights(void)
{
	struct env *e = env_start(DMA_POLICY_STRICT, 1200, NULL);
	uint64_t prot;

	CHECK_EQ_U64(map(e, 0, 0x40000123, 100, DMA_TO_DEVICE), 0);
	CHECK(iopt_translate(&e->pt, e->map[0].iova, NULL, &prot, NULL));
	CHECK_EQ_U64(prot, IOPT_R);
	CHECK_EQ_U64(map(e, 1, 0x40001ff0, 0x20, DMA_FROM_DEVICE), 0); /* straddles */
	CHECK(iopt_translate(&e->pt, e->map[1].iova + 0x1f, NULL, &prot, NULL));
	CHECK_EQ_U64(prot, IOPT_W);
	CHECK_EQ_U64(map(e, 2, 0x40010000, 5 * PAGE, DMA_BIDIRECTIONAL), 0);
	/* Fill past the first 512 pages so that tables change under the
	 * fast path's remembered one. */
	for (unsigned k = 3; k < 700; k++)
		CHECK_EQ_U64(map(e, k, 0x50000000 + k * PAGE, PAGE, DMA_FROM_DEVICE), 0);
	for (unsigned k = 3; k < 700; k += 2)
		CHECK_EQ_U64(unmap(e, k), 0);
	for (unsigned k = 4; k < 700; k += 2)
		CHECK_EQ_U64(unmap(e, k), 0);
	for (unsigned k = 0; k < 3; k++)
		CHECK_EQ_U64(unmap(e, k), 0);
	for (uint64_t p = 0; p < 1200; p++)
		CHECK(!mapped(e, p));
	CHECK_EQ_U64(e->violations, 0);
	env_free(e);
}

static void test_bad_arguments_and_unknown_iova(void)
{
	struct env *e = env_start(DMA_POLICY_STRICT, 64, NULL);
	uint64_t iova = 0, a, tables;

	CHECK_EQ_U64(dma_map(&e->d, 0x1000, 0, DMA_TO_DEVICE, &iova), DMA_EINVAL);
	CHECK_EQ_U64(dma_map(&e->d, 0x1000, 16, (enum dma_dir)0, &iova), DMA_EINVAL);
	CHECK_EQ_U64(dma_map(&e->d, 0x1000, 16, (enum dma_dir)4, &iova), DMA_EINVAL);
	CHECK_EQ_U64(dma_map(&e->d, 0x1000, 16, DMA_TO_DEVICE, NULL), DMA_EINVAL);
	CHECK_EQ_U64(dma_map(&e->d, 0x1000, SIZE_MAX, DMA_TO_DEVICE, &iova), DMA_EINVAL);
	/* A physical address the tables cannot hold: the IOVA goes back. */
	CHECK_EQ_U64(dma_map(&e->d, 1ull << 52, 16, DMA_TO_DEVICE, &iova), DMA_EINVAL);
	CHECK_EQ_U64(iova_pages_free(&e->d.iova), 64);

	CHECK_EQ_U64(map(e, 0, 0x9000, 2 * PAGE, DMA_TO_DEVICE), 0);
	a = e->map[0].iova;
	tables = e->pt.tables;
	CHECK_EQ_U64(dma_unmap(&e->d, a, PAGE, DMA_TO_DEVICE, 0), DMA_EINVAL);     /* too short */
	CHECK_EQ_U64(dma_unmap(&e->d, a, 3 * PAGE, DMA_TO_DEVICE, 0), DMA_EINVAL); /* too long */
	CHECK_EQ_U64(dma_unmap(&e->d, a + PAGE, PAGE, DMA_TO_DEVICE, 0), DMA_EINVAL); /* inside */
	CHECK_EQ_U64(dma_unmap(&e->d, a + 10 * PAGE, PAGE, DMA_TO_DEVICE, 0), DMA_EINVAL);
	CHECK_EQ_U64(dma_unmap(&e->d, 0x1000, PAGE, DMA_TO_DEVICE, 0), DMA_EINVAL); /* below */
	CHECK_EQ_U64(dma_unmap(&e->d, a, 2 * PAGE, (enum dma_dir)0, 0), DMA_EINVAL);
	CHECK_EQ_U64(dma_unmap(&e->d, a, 0, DMA_TO_DEVICE, 0), DMA_EINVAL);
	/* None of that changed anything. */
	CHECK(mapped(e, first_page(a)) && mapped(e, first_page(a) + 1));
	CHECK_EQ_U64(e->nlog, 0);
	CHECK_EQ_U64(e->nrel, 0);
	CHECK_EQ_U64(stats(e)->unmaps, 0);
	CHECK_EQ_U64(e->pt.tables, tables);
	CHECK_EQ_U64(unmap(e, 0), 0);
	CHECK_EQ_U64(unmap(e, 0), DMA_EINVAL); /* twice */
	CHECK_EQ_U64(e->nlog, 1);
	CHECK_EQ_U64(e->nrel, 1);
	/* The single-page path checks as much. */
	CHECK_EQ_U64(map(e, 1, 0xa000, PAGE, DMA_TO_DEVICE), 0);
	CHECK_EQ_U64(unmap(e, 1), 0);
	CHECK_EQ_U64(unmap(e, 1), DMA_EINVAL);
	CHECK_EQ_U64(dma_unmap(&e->d, e->map[1].iova + PAGE, 16, DMA_TO_DEVICE, 1), DMA_EINVAL);
	CHECK_EQ_U64(e->nrel, 2);
	CHECK_EQ_U64(e->violations, 0);
	env_free(e);

	/* Batched: a second unmap of a block still in the queue. */
	e = env_start(DMA_POLICY_BATCHED, 64, NULL);
	CHECK_EQ_U64(map(e, 0, 0x9000, PAGE, DMA_TO_DEVICE), 0);
	CHECK_EQ_U64(map(e, 1, 0xa000, 3 * PAGE, DMA_TO_DEVICE), 0);
	CHECK_EQ_U64(unmap(e, 0), 0);
	CHECK_EQ_U64(unmap(e, 1), 0);
	CHECK_EQ_U64(unmap(e, 0), DMA_EINVAL);
	CHECK_EQ_U64(unmap(e, 1), DMA_EINVAL);
	CHECK_EQ_U64(e->d.q.count, 2);
	CHECK_EQ_U64(stats(e)->unmaps, 2);
	CHECK_EQ_U64(dma_flush(&e->d), 0);
	CHECK_EQ_U64(e->nrel, 2);
	CHECK_EQ_U64(e->violations, 0);
	env_free(e);
}

static void small_hwm(struct dma_config *c)
{
	c->hwm = 4;
}

static void test_exhaustion(void)
{
	struct env *e = env_start(DMA_POLICY_STRICT, 8, NULL);

	for (unsigned k = 0; k < 8; k++)
		CHECK_EQ_U64(map(e, k, 0x100000 * (k + 1), 100, DMA_TO_DEVICE), 0);
	CHECK_EQ_U64(map(e, 8, 0x9000, 100, DMA_TO_DEVICE), DMA_ENOSPC);
	CHECK_EQ_U64(map(e, 8, 0x9000, 16 * PAGE, DMA_TO_DEVICE), DMA_ENOSPC);
	CHECK_EQ_U64(unmap(e, 3), 0);
	CHECK_EQ_U64(map(e, 8, 0x9000, 100, DMA_TO_DEVICE), 0);
	CHECK_EQ_U64(e->violations, 0);
	env_free(e);

	/* Batched: IOVAs waiting in the queue come back through a flush when
	 * the range runs out, never before. */
	e = env_start(DMA_POLICY_BATCHED, 8, NULL);
	for (unsigned k = 0; k < 8; k++)
		CHECK_EQ_U64(map(e, k, 0x100000 * (k + 1), 100, DMA_TO_DEVICE), 0);
	for (unsigned k = 0; k < 3; k++)
		CHECK_EQ_U64(unmap(e, k), 0);
	CHECK_EQ_U64(e->nlog, 0);
	CHECK_EQ_U64(map(e, 8, 0x9000, 100, DMA_TO_DEVICE), 0);
	CHECK_EQ_U64(stats(e)->flushes_nospace, 1);
	CHECK_EQ_U64(e->nlog, 1);
	CHECK_EQ_U64(e->nrel, 3);
	CHECK_EQ_U64(map(e, 9, 0x9000, 100, DMA_TO_DEVICE), 0);
	CHECK_EQ_U64(map(e, 10, 0x9000, 100, DMA_TO_DEVICE), 0);
	CHECK_EQ_U64(map(e, 11, 0x9000, 100, DMA_TO_DEVICE), DMA_ENOSPC);
	CHECK_EQ_U64(stats(e)->flushes_nospace, 1); /* nothing queued to flush */
	CHECK_EQ_U64(e->violations, 0);
	env_free(e);
}

static void caching_mode(struct dma_config *c)
{
	c->caching_mode = true;
}

/* Caching mode: a map invalidates its new range too (page-selective). */
static void test_caching_mode_invalidates_maps(void)
{
	struct env *e = env_start(DMA_POLICY_STRICT, 64, caching_mode);

	CHECK_EQ_U64(map(e, 0, 0x7000, PAGE, DMA_TO_DEVICE), 0);
	CHECK_EQ_U64(e->nlog, 1);
	CHECK_EQ_U64(e->log[0].g, DMA_GRAN_PAGES);
	CHECK_EQ_U64(e->log[0].iova, e->map[0].iova);
	CHECK_EQ_U64(e->log[0].npages, 1);
	CHECK_EQ_U64(e->waits, 1);
	CHECK_EQ_U64(map(e, 1, 0x8800, PAGE, DMA_TO_DEVICE), 0); /* two pages */
	CHECK_EQ_U64(e->log[1].npages, 2);
	CHECK_EQ_U64(unmap(e, 0), 0);
	CHECK_EQ_U64(unmap(e, 1), 0);
	CHECK_EQ_U64(stats(e)->inval_map, 2);
	CHECK_EQ_U64(stats(e)->inval_submits, 4); /* maps + unmaps */
	CHECK_EQ_U64(stats(e)->inval_waits, 4);
	/* A failed map invalidation leaves no mapping and reports it. */
	e->fail_waits = 1;
	CHECK_EQ_U64(map(e, 2, 0x9000, PAGE, DMA_TO_DEVICE), DMA_EIO);
	for (uint64_t p = 0; p < 64; p++)
		CHECK(!mapped(e, p));
	CHECK_EQ_U64(stats(e)->maps, 2);
	CHECK_EQ_U64(stats(e)->leaked, 1);
	CHECK_EQ_U64(e->violations, 0);
	env_free(e);

	/* Without caching mode, a map invalidates nothing. */
	e = env_start(DMA_POLICY_STRICT, 64, NULL);
	CHECK_EQ_U64(map(e, 0, 0x7000, PAGE, DMA_TO_DEVICE), 0);
	CHECK_EQ_U64(e->nlog, 0);
	CHECK_EQ_U64(stats(e)->inval_map, 0);
	env_free(e);
}

/* ---- write-buffer flush (CAP.RWBF without CM) --------------------------- */

/* What the fake write-buffer flush saw: its calls, and at each the number
 * of pages the tables map (the new mapping must be written before it). */
static struct {
	unsigned calls, fail;
	uint64_t mapped_at[16];
} wbf;

static int fake_write_buffer_flush(void *ctx)
{
	struct env *e = ctx;
	uint64_t n = 0;

	for (uint64_t p = 0; p < e->pages; p++)
		n += mapped(e, p);
	if (wbf.calls < 16)
		wbf.mapped_at[wbf.calls] = n;
	wbf.calls++;
	if (wbf.fail > 0) {
		wbf.fail--;
		return -1;
	}
	return 0;
}

static void rwbf(struct dma_config *c)
{
	c->write_buffer_flush = true;
}

static struct env *env_start_rwbf(enum dma_policy policy)
{
	struct env *e = env_new(policy, 64, rwbf);
	struct dma_ops ops;

	memset(&wbf, 0, sizeof(wbf));
	env_ops(e, &ops);
	ops.write_buffer_flush = fake_write_buffer_flush;
	CHECK_EQ_U64(dma_domain_init(&e->d, &e->pt, &e->cfg, &ops, e->storage,
				     dma_storage_bytes(&e->cfg)), 0);
	return e;
}

/* Every policy that remaps flushes the write buffer after each new mapping
 * is in the tables and before dma_map returns it, the per-packet case
 * (one page) included; the unmap's invalidation flushes it already. */
static void test_write_buffer_flushed_after_each_map(void)
{
	static const enum dma_policy remapping[] = { DMA_POLICY_STRICT, DMA_POLICY_BATCHED,
						     DMA_POLICY_POOL };

	for (unsigned i = 0; i < 3; i++) {
		struct env *e = env_start_rwbf(remapping[i]);

		for (unsigned k = 0; k < 4; k++) {
			CHECK_EQ_U64(map(e, k, 0x100000 + k * PAGE, 1500, DMA_TO_DEVICE), 0);
			CHECK_EQ_U64(wbf.calls, k + 1);
			CHECK_EQ_U64(wbf.mapped_at[k], k + 1);
		}
		CHECK_EQ_U64(map(e, 4, 0x200800, PAGE, DMA_FROM_DEVICE), 0); /* two pages */
		CHECK_EQ_U64(wbf.calls, 5);
		CHECK_EQ_U64(wbf.mapped_at[4], 6);
		for (unsigned k = 0; k < 5; k++)
			CHECK_EQ_U64(unmap(e, k), 0);
		CHECK_EQ_U64(wbf.calls, 5);
		CHECK_EQ_U64(stats(e)->write_buffer_flushes, 5);
		CHECK_EQ_U64(stats(e)->maps, 5);
		CHECK_EQ_U64(stats(e)->inval_map, 0);
		CHECK_EQ_U64(e->violations, 0);
		env_free(e);
	}
}

/* A failed flush: the map fails, nothing stays mapped, the IOVA is kept. */
static void test_failed_write_buffer_flush(void)
{
	struct env *e = env_start_rwbf(DMA_POLICY_STRICT);

	wbf.fail = 1;
	CHECK_EQ_U64(map(e, 0, 0x7000, PAGE, DMA_TO_DEVICE), DMA_EIO);
	for (uint64_t p = 0; p < 64; p++)
		CHECK(!mapped(e, p));
	CHECK_EQ_U64(stats(e)->maps, 0);
	CHECK_EQ_U64(stats(e)->leaked, 1);
	CHECK_EQ_U64(map(e, 1, 0x7000, PAGE, DMA_TO_DEVICE), 0);
	CHECK_EQ_U64(e->violations, 0);
	env_free(e);
}

/* The flag needs the op; without the flag the op is never called, and
 * caching mode's invalidation at map stands in for the flush. */
static void test_write_buffer_flush_configuration(void)
{
	struct env *e = env_new(DMA_POLICY_STRICT, 64, rwbf);
	struct dma_ops ops;

	env_ops(e, &ops);
	CHECK_EQ_U64(dma_domain_init(&e->d, &e->pt, &e->cfg, &ops, e->storage,
				     dma_storage_bytes(&e->cfg)), DMA_EINVAL);
	ops.write_buffer_flush = fake_write_buffer_flush;
	memset(&wbf, 0, sizeof(wbf));
	e->cfg.write_buffer_flush = false;
	CHECK_EQ_U64(dma_domain_init(&e->d, &e->pt, &e->cfg, &ops, e->storage,
				     dma_storage_bytes(&e->cfg)), 0);
	CHECK(e->d.fast);
	CHECK_EQ_U64(map(e, 0, 0x7000, PAGE, DMA_TO_DEVICE), 0);
	CHECK_EQ_U64(wbf.calls, 0);
	env_free(e);
}

/* hwm 4: a flush at every 4th unmap, one request and one wait each; the
 * buffers come back only then; dma_flush takes the rest. */
static void test_batched_hwm_and_forced_flush(void)
{
	struct env *e = env_start(DMA_POLICY_BATCHED, 64, small_hwm);

	for (unsigned k = 0; k < 10; k++)
		CHECK_EQ_U64(map(e, k, 0x100000 + k * PAGE, PAGE, DMA_FROM_DEVICE), 0);
	for (unsigned k = 0; k < 10; k++) {
		CHECK_EQ_U64(unmap(e, k), 0);
		CHECK_EQ_U64(e->nlog, (k + 1) / 4);
		CHECK_EQ_U64(e->nrel, (k + 1) / 4 * 4);
		CHECK_EQ_U64(e->d.q.count, (k + 1) % 4);
	}
	for (unsigned i = 0; i < 8; i++)
		CHECK_EQ_U64(e->released[i], i); /* in unmap order */
	CHECK_EQ_U64(e->log[0].g, DMA_GRAN_DOMAIN);
	CHECK_EQ_U64(stats(e)->flushes_hwm, 2);
	CHECK_EQ_U64(stats(e)->queued_max, 4);
	CHECK_EQ_U64(dma_deadline(&e->d), 0); /* no deadline configured */
	CHECK_EQ_U64(dma_poll(&e->d), 0);
	CHECK_EQ_U64(e->nrel, 8);
	CHECK_EQ_U64(dma_flush(&e->d), 0);
	CHECK_EQ_U64(e->nrel, 10);
	CHECK_EQ_U64(stats(e)->flushes_forced, 1);
	CHECK_EQ_U64(dma_flush(&e->d), 0); /* empty: no invalidation, not counted */
	CHECK_EQ_U64(stats(e)->flushes_forced, 1);
	CHECK_EQ_U64(stats(e)->inval_submits, 3);
	CHECK_EQ_U64(stats(e)->inval_waits, 3);
	CHECK_EQ_U64(e->violations, 0);
	env_free(e);
}

static void gran_global(struct dma_config *c)
{
	c->hwm = 6;
	c->batch_gran = DMA_GRAN_GLOBAL;
}

static void gran_pages(struct dma_config *c)
{
	c->hwm = 6;
	c->batch_gran = DMA_GRAN_PAGES;
}

static void test_batched_granularity(void)
{
	struct env *e = env_start(DMA_POLICY_BATCHED, 64, gran_global);

	for (unsigned k = 0; k < 6; k++)
		CHECK_EQ_U64(map(e, k, 0x100000 + k * PAGE, PAGE, DMA_FROM_DEVICE), 0);
	for (unsigned k = 0; k < 6; k++)
		CHECK_EQ_U64(unmap(e, k), 0);
	CHECK_EQ_U64(e->nlog, 1);
	CHECK_EQ_U64(e->log[0].g, DMA_GRAN_GLOBAL);
	env_free(e);

	/* Pages: one request per range, every queued page covered, one wait. */
	e = env_start(DMA_POLICY_BATCHED, 64, gran_pages);
	for (unsigned k = 0; k < 8; k++)
		CHECK_EQ_U64(map(e, k, 0x100000 + k * PAGE, k == 5 ? 3 * PAGE : PAGE,
				 DMA_FROM_DEVICE), 0);
	/* Unmapped out of order: 0 1 | 3 | 5 (3 pages in a 4-page block) | 6 7 */
	static const unsigned order[] = { 0, 1, 3, 5, 6, 7 };
	for (unsigned i = 0; i < 6; i++)
		CHECK_EQ_U64(unmap(e, order[i]), 0);
	CHECK_EQ_U64(e->waits, 1);
	CHECK(e->nlog >= 3 && e->nlog <= 6);
	for (unsigned i = 0; i < e->nlog; i++)
		CHECK_EQ_U64(e->log[i].g, DMA_GRAN_PAGES);
	CHECK_EQ_U64(stats(e)->inval_submits, e->nlog);
	CHECK_EQ_U64(stats(e)->inval_waits, 1);
	CHECK_EQ_U64(e->nrel, 6);
	CHECK_EQ_U64(e->violations, 0); /* every released page was covered */
	env_free(e);
}

static void deadline_100(struct dma_config *c)
{
	c->flush_deadline = 100;
}

/* The deadline with a fake clock: dma_deadline tells when, dma_poll
 * flushes only from then on. Without timing the clock is read once per
 * batch, not per unmap. */
static void test_batched_deadline(void)
{
	struct env *e = env_start(DMA_POLICY_BATCHED, 64, deadline_100);

	for (unsigned k = 0; k < 5; k++)
		CHECK_EQ_U64(map(e, k, 0x100000 + k * PAGE, PAGE, DMA_FROM_DEVICE), 0);
	CHECK_EQ_U64(e->now_calls, 0);
	e->clock = 1000;
	CHECK_EQ_U64(dma_deadline(&e->d), 0);
	CHECK_EQ_U64(unmap(e, 0), 0);
	CHECK_EQ_U64(dma_deadline(&e->d), 1100);
	e->clock = 1050;
	CHECK_EQ_U64(unmap(e, 1), 0);
	CHECK_EQ_U64(unmap(e, 2), 0);
	CHECK_EQ_U64(e->now_calls, 1);
	CHECK_EQ_U64(dma_deadline(&e->d), 1100); /* the oldest entry's */
	e->clock = 1099;
	CHECK_EQ_U64(dma_poll(&e->d), 0);
	CHECK_EQ_U64(e->nlog, 0);
	e->clock = 1100;
	CHECK_EQ_U64(dma_poll(&e->d), 0);
	CHECK_EQ_U64(e->nlog, 1);
	CHECK_EQ_U64(e->nrel, 3);
	CHECK_EQ_U64(stats(e)->flushes_deadline, 1);
	CHECK_EQ_U64(dma_deadline(&e->d), 0);
	/* A new batch starts a new age. */
	e->clock = 5000;
	CHECK_EQ_U64(unmap(e, 3), 0);
	CHECK_EQ_U64(dma_deadline(&e->d), 5100);
	e->clock = 5000 + 100 + 7;
	CHECK_EQ_U64(dma_poll(&e->d), 0);
	CHECK_EQ_U64(stats(e)->flushes_deadline, 2);
	CHECK_EQ_U64(dma_poll(&e->d), 0); /* empty */
	CHECK_EQ_U64(stats(e)->flushes_deadline, 2);
	CHECK_EQ_U64(e->violations, 0);
	env_free(e);
}

static void fq_4_deadline_100(struct dma_config *c)
{
	c->fq_size = 4;
	c->hwm = 99;                   /* batched's: fq ignores it */
	c->batch_gran = DMA_GRAN_PAGES; /* likewise: fq flushes the domain */
	c->flush_deadline = 100;
}

/* fq: a ring of fq_size entries, flushed by one domain-selective
 * invalidation when full (flushes_hwm) or past its deadline
 * (flushes_deadline); fq_size 0 is Linux's 256. */
static void test_fq_ring_and_deadline(void)
{
	struct env *e = env_start(DMA_POLICY_FQ, 64, fq_4_deadline_100);

	for (unsigned k = 0; k < 10; k++)
		CHECK_EQ_U64(map(e, k, 0x100000 + k * PAGE, PAGE, DMA_FROM_DEVICE), 0);
	e->clock = 1000;
	for (unsigned k = 0; k < 3; k++)
		CHECK_EQ_U64(unmap(e, k), 0);
	CHECK_EQ_U64(e->nlog, 0);
	CHECK_EQ_U64(dma_deadline(&e->d), 1100);
	CHECK_EQ_U64(unmap(e, 3), 0); /* the ring is full */
	CHECK_EQ_U64(e->nlog, 1);
	CHECK_EQ_U64(e->log[0].g, DMA_GRAN_DOMAIN);
	CHECK_EQ_U64(e->nrel, 4);
	CHECK_EQ_U64(stats(e)->flushes_hwm, 1);
	CHECK_EQ_U64(dma_deadline(&e->d), 0);
	e->clock = 2000;
	CHECK_EQ_U64(unmap(e, 4), 0);
	CHECK_EQ_U64(unmap(e, 5), 0);
	e->clock = 2099;
	CHECK_EQ_U64(dma_poll(&e->d), 0);
	CHECK_EQ_U64(e->nlog, 1);
	e->clock = 2100;
	CHECK_EQ_U64(dma_poll(&e->d), 0);
	CHECK_EQ_U64(e->nlog, 2);
	CHECK_EQ_U64(e->nrel, 6);
	CHECK_EQ_U64(stats(e)->flushes_deadline, 1);
	CHECK_EQ_U64(stats(e)->queued_max, 4);
	CHECK_EQ_U64(e->violations, 0);
	env_free(e);

	e = env_start(DMA_POLICY_FQ, 600, NULL);
	for (unsigned k = 0; k < 256; k++)
		CHECK_EQ_U64(map(e, k, 0x100000 + k * PAGE, PAGE, DMA_FROM_DEVICE), 0);
	for (unsigned k = 0; k < 255; k++)
		CHECK_EQ_U64(unmap(e, k), 0);
	CHECK_EQ_U64(e->nlog, 0);
	CHECK_EQ_U64(unmap(e, 255), 0);
	CHECK_EQ_U64(e->nlog, 1);
	CHECK_EQ_U64(stats(e)->flushes_hwm, 1);
	CHECK_EQ_U64(dma_storage_bytes(&e->cfg), 600 * 5 + 256 * sizeof(struct flushq_entry));
	CHECK_EQ_U64(e->violations, 0);
	env_free(e);
}

/* A failed invalidation keeps everything it should have covered: the
 * entries stay queued (batched) or the IOVA and buffer stay taken
 * (strict); the buffers come back once an invalidation completes. */
static void test_failed_invalidation(void)
{
	struct env *e = env_start(DMA_POLICY_BATCHED, 16, small_hwm);

	for (unsigned k = 0; k < 8; k++)
		CHECK_EQ_U64(map(e, k, 0x100000 + k * PAGE, PAGE, DMA_FROM_DEVICE), 0);
	for (unsigned k = 0; k < 3; k++)
		CHECK_EQ_U64(unmap(e, k), 0);
	e->fail_waits = 1;
	CHECK_EQ_U64(unmap(e, 3), DMA_EIO); /* queued; its flush failed */
	CHECK_EQ_U64(e->nrel, 0);
	CHECK_EQ_U64(e->d.q.count, 4);
	CHECK_EQ_U64(unmap(e, 3), DMA_EINVAL); /* and no flush as a side effect */
	CHECK_EQ_U64(e->waits, 1);
	/* The range runs out but the queued IOVAs may still be cached. */
	for (unsigned k = 8; k < 16; k++)
		CHECK_EQ_U64(map(e, k, 0x200000 + k * PAGE, PAGE, DMA_FROM_DEVICE), 0);
	e->fail_submits = 1;
	CHECK_EQ_U64(map(e, 16, 0x9000, PAGE, DMA_FROM_DEVICE), DMA_EIO);
	/* The queue is full: an unmap retries the flush first. When that
	 * fails again, the block is invalidated on its own. */
	e->fail_waits = 1;
	CHECK_EQ_U64(unmap(e, 4), 0);
	CHECK_EQ_U64(e->nrel, 1);
	CHECK_EQ_U64(e->released[0], 4);
	CHECK_EQ_U64(e->d.q.count, 4);
	e->fail_waits = 2;
	CHECK_EQ_U64(unmap(e, 5), DMA_EIO);
	CHECK_EQ_U64(stats(e)->leaked, 1);
	CHECK_EQ_U64(e->nrel, 1);
	/* And when the retry works, everything queued comes back. */
	CHECK_EQ_U64(unmap(e, 6), 0);
	CHECK_EQ_U64(e->nrel, 5);
	CHECK_EQ_U64(e->d.q.count, 1);
	CHECK_EQ_U64(dma_flush(&e->d), 0);
	CHECK_EQ_U64(e->nrel, 6);
	CHECK_EQ_U64(stats(e)->leaked, 1);
	CHECK_EQ_U64(e->violations, 0);
	env_free(e);

	e = env_start(DMA_POLICY_STRICT, 4, NULL);
	for (unsigned k = 0; k < 4; k++)
		CHECK_EQ_U64(map(e, k, 0x100000 + k * PAGE, PAGE, DMA_FROM_DEVICE), 0);
	e->fail_waits = 1;
	CHECK_EQ_U64(unmap(e, 0), DMA_EIO);
	e->fail_submits = 1;
	CHECK_EQ_U64(unmap(e, 1), DMA_EIO);
	CHECK_EQ_U64(e->nrel, 0);
	CHECK_EQ_U64(unmap(e, 2), 0);
	CHECK_EQ_U64(e->nrel, 1);
	/* Only page 2 came back: the other two are lost, not reused. */
	CHECK_EQ_U64(map(e, 4, 0x9000, PAGE, DMA_FROM_DEVICE), 0);
	CHECK_EQ_U64(map(e, 5, 0x9000, PAGE, DMA_FROM_DEVICE), DMA_ENOSPC);
	CHECK_EQ_U64(stats(e)->leaked, 2);
	CHECK_EQ_U64(e->violations, 0);
	env_free(e);
}

static void timed_hwm3(struct dma_config *c)
{
	c->hwm = 3;
	c->timing = true;
}

/* The protection window: from each entry's unmap to the completion of the
 * invalidation that covered it, and the unmaps in between. */
static void test_window_stats(void)
{
	struct env *e = env_start(DMA_POLICY_BATCHED, 64, timed_hwm3);

	for (unsigned k = 0; k < 6; k++)
		CHECK_EQ_U64(map(e, k, 0x100000 + k * PAGE, PAGE, DMA_FROM_DEVICE), 0);
	e->wait_cost = 5;
	e->clock = 10;
	CHECK_EQ_U64(unmap(e, 0), 0);
	e->clock = 20;
	CHECK_EQ_U64(unmap(e, 1), 0);
	e->clock = 30;
	CHECK_EQ_U64(unmap(e, 2), 0); /* flush; done at 35 */
	CHECK_EQ_U64(stats(e)->window_count, 3);
	CHECK_EQ_U64(stats(e)->window_sum, 25 + 15 + 5);
	CHECK_EQ_U64(stats(e)->window_max, 25);
	CHECK_EQ_U64(stats(e)->window_unmaps_sum, 2 + 1 + 0);
	CHECK_EQ_U64(stats(e)->window_unmaps_max, 2);
	e->clock = 100;
	CHECK_EQ_U64(unmap(e, 3), 0);
	e->clock = 200;
	CHECK_EQ_U64(dma_flush(&e->d), 0); /* done at 205 */
	CHECK_EQ_U64(stats(e)->window_count, 4);
	CHECK_EQ_U64(stats(e)->window_sum, 45 + 105);
	CHECK_EQ_U64(stats(e)->window_max, 105);
	CHECK_EQ_U64(stats(e)->window_unmaps_sum, 3);
	env_free(e);

	/* Without timing the counts are kept, the times are not. */
	e = env_start(DMA_POLICY_BATCHED, 64, small_hwm);
	for (unsigned k = 0; k < 4; k++)
		CHECK_EQ_U64(map(e, k, 0x100000 + k * PAGE, PAGE, DMA_FROM_DEVICE), 0);
	for (unsigned k = 0; k < 4; k++)
		CHECK_EQ_U64(unmap(e, k), 0);
	CHECK_EQ_U64(stats(e)->window_count, 4);
	CHECK_EQ_U64(stats(e)->window_unmaps_sum, 3 + 2 + 1);
	CHECK_EQ_U64(stats(e)->window_sum, 0);
	CHECK_EQ_U64(e->now_calls, 0);
	env_free(e);
}

static void timed(struct dma_config *c)
{
	c->timing = true;
}

static void timed_batched(struct dma_config *c)
{
	c->timing = true;
	c->hwm = 4;
	c->batch_gran = DMA_GRAN_PAGES;
}

/* Phase times with a clock that moves only in the fake ops: submit 7,
 * wait 11, each PTE flush 3. */
static void test_phase_times(void)
{
	struct env *e = env_start_noncoherent(DMA_POLICY_STRICT, 64, timed);

	e->submit_cost = 7;
	e->wait_cost = 11;
	e->pte_cost = 3;
	for (unsigned k = 0; k < 10; k++) {
		CHECK_EQ_U64(map(e, k, 0x100000 + k * PAGE, k % 2 ? 2 * PAGE : PAGE, DMA_TO_DEVICE), 0);
		CHECK_EQ_U64(unmap(e, k), 0);
	}
	CHECK_EQ_U64(stats(e)->phase[DMA_PHASE_SUBMIT], 7 * 10);
	CHECK_EQ_U64(stats(e)->phase[DMA_PHASE_WAIT], 11 * 10);
	CHECK_EQ_U64(stats(e)->phase[DMA_PHASE_PTE], 3 * e->pte_flushes);
	CHECK_EQ_U64(stats(e)->phase[DMA_PHASE_IOVA], 0);
	/* A clock that also ticks at every read: the allocator's phase gets
	 * time too, one tick per interval it was charged. */
	e->tick = 1;
	CHECK_EQ_U64(map(e, 10, 0x900000, PAGE, DMA_TO_DEVICE), 0);
	CHECK_EQ_U64(unmap(e, 10), 0);
	CHECK_EQ_U64(stats(e)->phase[DMA_PHASE_IOVA], 2);
	env_free(e);

	/* Batched: one submit per range, one wait, frees charged to IOVA. */
	e = env_start(DMA_POLICY_BATCHED, 64, timed_batched);
	e->submit_cost = 7;
	e->wait_cost = 11;
	for (unsigned k = 0; k < 4; k++)
		CHECK_EQ_U64(map(e, k, 0x100000 + k * 2 * PAGE, PAGE, DMA_TO_DEVICE), 0);
	CHECK_EQ_U64(unmap(e, 0), 0);
	CHECK_EQ_U64(unmap(e, 2), 0);
	CHECK_EQ_U64(unmap(e, 1), 0);
	CHECK_EQ_U64(unmap(e, 3), 0);
	CHECK_EQ_U64(stats(e)->phase[DMA_PHASE_SUBMIT], 7 * stats(e)->inval_submits);
	CHECK_EQ_U64(stats(e)->phase[DMA_PHASE_WAIT], 11);
	CHECK_EQ_U64(stats(e)->phase[DMA_PHASE_PTE], 0);
	CHECK_EQ_U64(e->violations, 0);
	env_free(e);
}

/* Timing off: the map/unmap path never reads the clock. */
static void test_timing_off_never_reads_clock(void)
{
	static const enum dma_policy policies[] = { DMA_POLICY_OFF, DMA_POLICY_IDENTITY,
						    DMA_POLICY_STRICT, DMA_POLICY_POOL,
						    DMA_POLICY_BATCHED };

	/* Bounce's own test checks the same of it. */
	for (unsigned i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		struct env *e = env_start(policies[i], 64, NULL);

		for (unsigned k = 0; k < 600; k++) {
			CHECK_EQ_U64(map(e, k % MAXMAPS, 0x100000 + k * PAGE, k % 7 ? PAGE : 3 * PAGE,
					 DMA_TO_DEVICE), 0);
			CHECK_EQ_U64(unmap(e, k % MAXMAPS), 0);
		}
		CHECK_EQ_U64(dma_flush(&e->d), 0);
		CHECK_EQ_U64(e->now_calls, 0);
		CHECK_EQ_U64(e->violations, 0);
		env_free(e);
	}
}

/* A deadline counted on a clock that wraps between the unmap and the poll:
 * due by the age, not by comparing times. */
static void deadline_10(struct dma_config *c)
{
	c->flush_deadline = 10;
}

static void test_batched_deadline_across_clock_wrap(void)
{
	struct env *e = env_start(DMA_POLICY_BATCHED, 16, deadline_10);

	CHECK_EQ_U64(map(e, 0, 0x100000, PAGE, DMA_FROM_DEVICE), 0);
	e->clock = UINT64_MAX - 3;
	CHECK_EQ_U64(unmap(e, 0), 0);
	CHECK_EQ_U64(dma_deadline(&e->d), 6);
	e->clock = 5;
	CHECK_EQ_U64(dma_poll(&e->d), 0);
	CHECK_EQ_U64(e->nlog, 0); /* 9 old: not due */
	e->clock = 6;
	CHECK_EQ_U64(dma_poll(&e->d), 0);
	CHECK_EQ_U64(e->nlog, 1);
	CHECK_EQ_U64(stats(e)->flushes_deadline, 1);
	CHECK_EQ_U64(e->nrel, 1);
	CHECK_EQ_U64(e->violations, 0);
	env_free(e);
}

static void hwm_8(struct dma_config *c)
{
	c->hwm = 8;
	c->fq_size = 8;
}

/* Each policy's entry points, told apart by what one fixed stream costs:
 * 20 buffers (every third one two pages, so that both the per-packet and
 * the general paths run) mapped, unmapped, then dma_flush. A policy whose
 * table pointed at another's functions would count differently. */
static void test_policy_table_wiring(void)
{
	static const struct {
		enum dma_policy policy;
		const char *name;
		uint64_t storage;              /* for 64 pages, hwm 8 */
		uint64_t submits, waits;       /* after the unmaps */
		uint64_t released;             /* after the unmaps */
		uint64_t flushes_hwm;
		uint64_t submits_after_flush, flushes_forced;
	} want[] = {
		{ DMA_POLICY_OFF, "off", 0, 0, 0, 20, 0, 0, 0 },
		{ DMA_POLICY_IDENTITY, "identity", 0, 0, 0, 20, 0, 0, 0 },
		{ DMA_POLICY_STRICT, "strict", 64 * 5, 20, 20, 20, 0, 20, 0 },
		{ DMA_POLICY_BATCHED, "batched", 64 * 5 + 8 * sizeof(struct flushq_entry),
		  2, 2, 16, 2, 3, 1 },
		{ DMA_POLICY_FQ, "fq", 64 * 5 + 8 * sizeof(struct flushq_entry), 2, 2, 16, 2, 3, 1 },
		{ DMA_POLICY_POOL, "pool", 64 * 5, 20, 20, 20, 0, 20, 0 },
		/* Bounce copies through real memory: its wiring is tested in
		 * test_dma_bounce.c; here only its name is. */
		{ DMA_POLICY_BOUNCE, "bounce", 0, 0, 0, 0, 0, 0, 0 },
	};

	CHECK_EQ_U64(sizeof(want) / sizeof(want[0]), DMA_POLICY_COUNT);
	for (unsigned i = 0; i < DMA_POLICY_COUNT; i++) {
		CHECK_STR_EQ(dma_policy_names[want[i].policy], want[i].name);
		if (want[i].policy == DMA_POLICY_BOUNCE)
			continue;
		struct env *e = env_start(want[i].policy, 64, hwm_8);

		CHECK(strcmp(dma_policy_name(want[i].policy), want[i].name) == 0);
		CHECK_EQ_U64(dma_storage_bytes(&e->cfg), want[i].storage);
		for (unsigned k = 0; k < 20; k++)
			CHECK_EQ_U64(map(e, k, 0x100000 + k * 2 * PAGE, k % 3 ? 64 : 2 * PAGE,
					 DMA_FROM_DEVICE), 0);
		CHECK_EQ_U64(e->nlog, 0);
		for (unsigned k = 0; k < 20; k++)
			CHECK_EQ_U64(unmap(e, k), 0);
		CHECK_EQ_U64(stats(e)->inval_submits, want[i].submits);
		CHECK_EQ_U64(stats(e)->inval_waits, want[i].waits);
		CHECK_EQ_U64(e->nlog, want[i].submits);
		CHECK_EQ_U64(e->nrel, want[i].released);
		CHECK_EQ_U64(stats(e)->flushes_hwm, want[i].flushes_hwm);
		CHECK_EQ_U64(dma_flush(&e->d), 0);
		CHECK_EQ_U64(stats(e)->inval_submits, want[i].submits_after_flush);
		CHECK_EQ_U64(stats(e)->flushes_forced, want[i].flushes_forced);
		CHECK_EQ_U64(e->nrel, 20);
		for (unsigned k = 0; k < e->nlog; k++)
			CHECK_EQ_U64(e->log[k].g, want[i].policy == DMA_POLICY_BATCHED ||
					 want[i].policy == DMA_POLICY_FQ ? DMA_GRAN_DOMAIN : DMA_GRAN_PAGES);
		CHECK_EQ_U64(stats(e)->maps, 20);
		CHECK_EQ_U64(stats(e)->unmaps, 20);
		CHECK_EQ_U64(e->violations, 0);
		env_free(e);
	}
}

/* dma_reset_stats zeroes every counter and the stream counts from there;
 * blocks queued before still get the right window. */
static void timed_cm(struct dma_config *c)
{
	c->timing = true;
	c->caching_mode = true;
}

static void timed_hwm4_domain(struct dma_config *c)
{
	c->timing = true;
	c->hwm = 4;
	c->batch_gran = DMA_GRAN_DOMAIN;
}

/* How many latency entries each granularity holds. */
static void check_latency_counts(const struct env *e, uint64_t pages, uint64_t domain,
				 uint64_t global)
{
	CHECK_EQ_U64(stats(e)->inval_latency[DMA_GRAN_PAGES].count, pages);
	CHECK_EQ_U64(stats(e)->inval_latency[DMA_GRAN_DOMAIN].count, domain);
	CHECK_EQ_U64(stats(e)->inval_latency[DMA_GRAN_GLOBAL].count, global);
}

/* One latency entry per wait, from the first submission it covers to its
 * completion, under the granularity asked for; none without timing. */
static void test_inval_latency(void)
{
	/* Strict: one page entry per unmap, submit + wait cycles each. */
	struct env *e = env_start(DMA_POLICY_STRICT, 64, timed);
	const struct log2_hist *h = &stats(e)->inval_latency[DMA_GRAN_PAGES];

	e->submit_cost = 7;
	for (unsigned k = 0; k < 5; k++) {
		CHECK_EQ_U64(map(e, k, 0x100000 + k * PAGE, PAGE, DMA_TO_DEVICE), 0);
		e->wait_cost = 100 * (k + 1);      /* 107, 207, 307, 407, 507 */
		CHECK_EQ_U64(unmap(e, k), 0);
	}
	check_latency_counts(e, 5, 0, 0);
	CHECK_EQ_U64(h->max, 507);
	CHECK_EQ_U64(h->bucket[6], 1);             /* 107 */
	CHECK_EQ_U64(h->bucket[7], 1);             /* 207 */
	CHECK_EQ_U64(h->bucket[8], 3);             /* 307, 407, 507 */
	CHECK_EQ_U64(log2_hist_percentile(h, 50), 511);
	/* A failed wait is not a latency. */
	CHECK_EQ_U64(map(e, 5, 0x200000, PAGE, DMA_TO_DEVICE), 0);
	e->fail_waits = 1;
	e->quiet = true;
	CHECK_EQ_U64(unmap(e, 5), DMA_EIO);
	check_latency_counts(e, 5, 0, 0);
	dma_reset_stats(&e->d);
	check_latency_counts(e, 0, 0, 0);
	CHECK_EQ_U64(h->max, 0);
	CHECK_EQ_U64(h->bucket[8], 0);
	env_free(e);

	/* Without timing nothing is recorded. */
	e = env_start(DMA_POLICY_STRICT, 64, NULL);
	e->wait_cost = 50;
	for (unsigned k = 0; k < 3; k++) {
		CHECK_EQ_U64(map(e, k, 0x100000 + k * PAGE, PAGE, DMA_TO_DEVICE), 0);
		CHECK_EQ_U64(unmap(e, k), 0);
	}
	check_latency_counts(e, 0, 0, 0);
	env_free(e);

	/* Caching mode: the map's invalidation counts too, as pages. */
	e = env_start(DMA_POLICY_STRICT, 64, timed_cm);
	e->wait_cost = 3;
	for (unsigned k = 0; k < 4; k++) {
		CHECK_EQ_U64(map(e, k, 0x100000 + k * PAGE, PAGE, DMA_TO_DEVICE), 0);
		CHECK_EQ_U64(unmap(e, k), 0);
	}
	check_latency_counts(e, 8, 0, 0);
	CHECK_EQ_U64(stats(e)->inval_latency[DMA_GRAN_PAGES].bucket[1], 8);
	env_free(e);

	/* Batched, domain flushes: one entry per flush, not per unmap. */
	e = env_start(DMA_POLICY_BATCHED, 64, timed_hwm4_domain);
	e->submit_cost = 1;
	e->wait_cost = 1000;
	for (unsigned k = 0; k < 9; k++) {
		CHECK_EQ_U64(map(e, k, 0x100000 + k * PAGE, PAGE, DMA_TO_DEVICE), 0);
		CHECK_EQ_U64(unmap(e, k), 0);
	}
	check_latency_counts(e, 0, 2, 0);
	CHECK_EQ_U64(stats(e)->inval_latency[DMA_GRAN_DOMAIN].max, 1001);
	CHECK_EQ_U64(dma_flush(&e->d), 0);
	check_latency_counts(e, 0, 3, 0);
	env_free(e);

	/* Batched, page-range flushes: several submissions share one wait,
	 * and the entry spans all of them. Non-adjacent buffers: 4 ranges. */
	e = env_start(DMA_POLICY_BATCHED, 64, timed_batched);
	e->submit_cost = 10;
	e->wait_cost = 5;
	for (unsigned k = 0; k < 8; k++)
		CHECK_EQ_U64(map(e, k, 0x100000 + k * PAGE, PAGE, DMA_TO_DEVICE), 0);
	for (unsigned k = 0; k < 8; k += 2)
		CHECK_EQ_U64(unmap(e, k), 0);
	CHECK_EQ_U64(stats(e)->inval_waits, 1);
	check_latency_counts(e, 1, 0, 0);
	CHECK_EQ_U64(stats(e)->inval_latency[DMA_GRAN_PAGES].max,
		     10 * stats(e)->inval_submits + 5);
	CHECK_EQ_U64(e->violations, 0);
	env_free(e);

	/* Batched, global flushes. */
	e = env_start(DMA_POLICY_BATCHED, 64, gran_global);
	e->cfg.timing = true;
	CHECK_EQ_U64(env_init(e), 0);
	for (unsigned k = 0; k < 3; k++)
		CHECK_EQ_U64(map(e, k, 0x100000 + k * PAGE, PAGE, DMA_TO_DEVICE), 0);
	for (unsigned k = 0; k < 3; k++)
		CHECK_EQ_U64(unmap(e, k), 0);
	CHECK_EQ_U64(dma_flush(&e->d), 0);
	check_latency_counts(e, 0, 0, stats(e)->inval_waits);
	CHECK(stats(e)->inval_waits > 0);
	env_free(e);
}

static void test_reset_stats(void)
{
	static const struct dma_stats zero;
	struct env *e = env_start(DMA_POLICY_BATCHED, 64, small_hwm);

	for (unsigned k = 0; k < 6; k++)
		CHECK_EQ_U64(map(e, k, 0x100000 + k * PAGE, PAGE, DMA_FROM_DEVICE), 0);
	for (unsigned k = 0; k < 3; k++)
		CHECK_EQ_U64(unmap(e, k), 0);
	CHECK_EQ_U64(stats(e)->maps, 6);
	CHECK_EQ_U64(stats(e)->queued_max, 3);
	dma_reset_stats(&e->d);
	CHECK(memcmp(stats(e), &zero, sizeof(zero)) == 0);
	CHECK_EQ_U64(e->d.q.count, 3); /* the queue is not the statistics */
	CHECK_EQ_U64(unmap(e, 3), 0); /* the 4th entry: flush */
	CHECK_EQ_U64(stats(e)->maps, 0);
	CHECK_EQ_U64(stats(e)->unmaps, 1);
	CHECK_EQ_U64(stats(e)->inval_submits, 1);
	CHECK_EQ_U64(stats(e)->flushes_hwm, 1);
	CHECK_EQ_U64(stats(e)->window_count, 4);
	/* 3, 2, 1 and 0 unmaps after each entry's own, as without a reset. */
	CHECK_EQ_U64(stats(e)->window_unmaps_sum, 3 + 2 + 1);
	CHECK_EQ_U64(stats(e)->window_unmaps_max, 3);
	CHECK_EQ_U64(e->nrel, 4);
	CHECK_EQ_U64(e->violations, 0);
	env_free(e);

	/* Strict, with timing: the phases start from zero too. */
	e = env_start(DMA_POLICY_STRICT, 64, timed);
	e->submit_cost = 7;
	for (unsigned k = 0; k < 3; k++) {
		CHECK_EQ_U64(map(e, k, 0x100000 + k * PAGE, PAGE, DMA_TO_DEVICE), 0);
		CHECK_EQ_U64(unmap(e, k), 0);
	}
	CHECK_EQ_U64(stats(e)->phase[DMA_PHASE_SUBMIT], 21);
	dma_reset_stats(&e->d);
	CHECK(memcmp(stats(e), &zero, sizeof(zero)) == 0);
	CHECK_EQ_U64(map(e, 3, 0x200000, PAGE, DMA_TO_DEVICE), 0);
	CHECK_EQ_U64(unmap(e, 3), 0);
	CHECK_EQ_U64(stats(e)->maps, 1);
	CHECK_EQ_U64(stats(e)->inval_waits, 1);
	CHECK_EQ_U64(stats(e)->phase[DMA_PHASE_SUBMIT], 7);
	env_free(e);

	/* After a failed set-up there is no policy: these do nothing. */
	e = env_new(DMA_POLICY_STRICT, 64, NULL);
	e->cfg.policy = (enum dma_policy)DMA_POLICY_COUNT;
	CHECK_EQ_U64(env_init(e), DMA_EINVAL);
	dma_reset_stats(&e->d);
	CHECK_EQ_U64(dma_flush(&e->d), 0);
	CHECK_EQ_U64(dma_poll(&e->d), 0);
	CHECK_EQ_U64(dma_deadline(&e->d), 0);
	env_free(e);
}

/* ---- the invariant under random streams -------------------------------- */

struct run_cfg {
	enum dma_policy policy;
	enum dma_gran gran;
	unsigned hwm;
	bool faults;         /* some submits and waits fail */
	bool noncoherent;
};

static struct run_cfg cur;

static void tweak_run(struct dma_config *c)
{
	c->hwm = cur.hwm;
	c->fq_size = cur.hwm;
	c->batch_gran = cur.gran;
	c->flush_deadline = 50;
}


/* A stream of maps, unmaps, polls and flushes over a small range (so that
 * IOVAs are reused all the time, and the range runs out), with buffers of
 * 1 to 3 pages at any offset. */
static void random_run(const struct run_cfg *rc, int steps)
{
	enum { PAGES = 600, SLOTS = 400 };
	struct env *e;
	unsigned live[SLOTS], nlive = 0, next = 0;
	int enospc = 0;

	cur = *rc;
	e = rc->noncoherent ? env_start_noncoherent(rc->policy, PAGES, tweak_run)
			    : env_start(rc->policy, PAGES, tweak_run);
	for (int step = 0; step < steps && !e->violations; step++) {
		uint64_t r = check_rand() % 100;

		e->clock += check_rand() % 4;
		if (rc->faults && check_rand() % 50 == 0)
			e->fail_waits = 1;
		if (rc->faults && check_rand() % 200 == 0)
			e->fail_submits = 1;
		if (r < 50 && nlive < SLOTS) {
			unsigned k = next++ % MAXMAPS;
			uint64_t phys = 0x10000000 + check_rand() % 100000 * 16;
			size_t len = check_rand() % 4 ? 1 + check_rand() % 2048 : 1 + check_rand() % (2 * PAGE + 1);
			int rcode;

			/* The slot's last buffer must have come back (or been
			 * lost for good: then the slot stays taken). */
			if (e->map[k].live || (e->map[k].phys && !e->map[k].released))
				continue;
			rcode = map(e, k, phys, len, (enum dma_dir)(1 + check_rand() % 3));
			if (rcode == 0)
				live[nlive++] = k;
			else if (rcode == DMA_ENOSPC)
				enospc++;
			else
				CHECK(rcode == DMA_EIO && rc->faults);
		} else if (r < 95 && nlive) {
			unsigned i = (unsigned)(check_rand() % nlive), k = live[i];
			int rcode = unmap(e, k);

			CHECK(rcode == 0 || (rcode == DMA_EIO && rc->faults));
			live[i] = live[--nlive];
		} else if (r < 98) {
			int rcode = dma_poll(&e->d);

			CHECK(rcode == 0 || (rcode == DMA_EIO && rc->faults));
		} else {
			int rcode = dma_flush(&e->d);

			CHECK(rcode == 0 || (rcode == DMA_EIO && rc->faults));
		}
	}
	/* Everything unmapped and flushed: every buffer but the ones whose
	 * invalidation failed for good came back, once. */
	e->fail_waits = e->fail_submits = 0;
	while (nlive)
		CHECK_EQ_U64(unmap(e, live[--nlive]), 0);
	CHECK_EQ_U64(dma_flush(&e->d), 0);
	CHECK_EQ_U64(e->nrel + stats(e)->leaked, stats(e)->maps);
	CHECK(stats(e)->leaked == 0 || rc->faults);
	CHECK_EQ_U64(stats(e)->maps, stats(e)->unmaps);
	CHECK(enospc > 0 || rc->policy == DMA_POLICY_OFF);
	for (uint64_t p = 0; p < PAGES; p++)
		CHECK(!mapped(e, p));
	CHECK_EQ_U64(e->violations, 0);
	env_free(e);
}

static void test_invariant_random_streams(void)
{
	static const struct run_cfg runs[] = {
		{ DMA_POLICY_STRICT, DMA_GRAN_PAGES, 0, false, false },
		{ DMA_POLICY_POOL, DMA_GRAN_PAGES, 0, false, true },
		{ DMA_POLICY_BATCHED, DMA_GRAN_DOMAIN, 250, false, false },
		{ DMA_POLICY_BATCHED, DMA_GRAN_GLOBAL, 7, false, true },
		{ DMA_POLICY_BATCHED, DMA_GRAN_PAGES, 32, false, false },
		{ DMA_POLICY_STRICT, DMA_GRAN_PAGES, 0, true, false },
		{ DMA_POLICY_BATCHED, DMA_GRAN_DOMAIN, 16, true, false },
		{ DMA_POLICY_BATCHED, DMA_GRAN_PAGES, 250, true, true },
		{ DMA_POLICY_OFF, DMA_GRAN_PAGES, 0, false, false },
		{ DMA_POLICY_FQ, DMA_GRAN_PAGES, 0, false, false },
		{ DMA_POLICY_FQ, DMA_GRAN_PAGES, 16, true, true },
	};

	for (unsigned i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		int before = check_failed_in_test;

		random_run(&runs[i], 50000);
		if (check_failed_in_test != before)
			printf("  in run %u (policy %d, gran %d, hwm %u, faults %d)\n", i,
			       runs[i].policy, runs[i].gran, runs[i].hwm, runs[i].faults);
	}
}

/* The model itself catches what it is there for: a release or a reuse
 * before the covering invalidation completed. */
static void test_invariant_checks_catch_early_reuse(void)
{
	struct env *e = env_start(DMA_POLICY_BATCHED, 16, NULL);

	e->quiet = true;
	CHECK_EQ_U64(map(e, 0, 0x100000, PAGE, DMA_TO_DEVICE), 0);
	CHECK_EQ_U64(unmap(e, 0), 0);
	/* Released while its entry is still queued. */
	fake_release(e, 0);
	CHECK(e->violations > 0);
	e->violations = 0;
	/* Handed out again before the invalidation: a free behind the
	 * queue's back. */
	CHECK_EQ_U64(iova_free(&e->d.iova, e->map[0].iova, 1), 0);
	CHECK_EQ_U64(map(e, 1, 0x200000, PAGE, DMA_TO_DEVICE), 0);
	CHECK(e->violations > 0);
	e->violations = 0;
	env_free(e);

	/* A page-selective invalidation of another page covers nothing. */
	e = env_start(DMA_POLICY_STRICT, 16, NULL);
	e->quiet = true;
	CHECK_EQ_U64(map(e, 0, 0x100000, PAGE, DMA_TO_DEVICE), 0);
	CHECK_EQ_U64(iopt_unmap(&e->pt, e->map[0].iova, PAGE), 0);
	e->map[0].live = false;
	fake_submit(e, DMA_GRAN_PAGES, e->map[0].iova + PAGE, 1);
	fake_wait(e);
	fake_release(e, 0);
	CHECK(e->violations > 0);
	env_free(e);
}

int main(void)
{
	RUN_TEST("dma", test_init_checks);
	RUN_TEST("dma", test_off_returns_phys);
	RUN_TEST("dma", test_identity_returns_phys);
	RUN_TEST("dma", test_strict_one_invalidation_per_unmap);
	RUN_TEST("dma", test_pool_maps_as_strict);
	RUN_TEST("dma", test_noncoherent_tables_flush_every_pte);
	RUN_TEST("dma", test_translations_and_rights);
	RUN_TEST("dma", test_bad_arguments_and_unknown_iova);
	RUN_TEST("dma", test_exhaustion);
	RUN_TEST("dma", test_caching_mode_invalidates_maps);
	RUN_TEST("dma", test_write_buffer_flushed_after_each_map);
	RUN_TEST("dma", test_failed_write_buffer_flush);
	RUN_TEST("dma", test_write_buffer_flush_configuration);
	RUN_TEST("dma", test_batched_hwm_and_forced_flush);
	RUN_TEST("dma", test_batched_granularity);
	RUN_TEST("dma", test_batched_deadline);
	RUN_TEST("dma", test_fq_ring_and_deadline);
	RUN_TEST("dma", test_failed_invalidation);
	RUN_TEST("dma", test_window_stats);
	RUN_TEST("dma", test_phase_times);
	RUN_TEST("dma", test_timing_off_never_reads_clock);
	RUN_TEST("dma", test_batched_deadline_across_clock_wrap);
	RUN_TEST("dma", test_policy_table_wiring);
	RUN_TEST("dma", test_reset_stats);
	RUN_TEST("dma", test_inval_latency);
	RUN_TEST("dma", test_invariant_random_streams);
	RUN_TEST("dma", test_invariant_checks_catch_early_reuse);
	return CHECK_EXIT_STATUS();
}

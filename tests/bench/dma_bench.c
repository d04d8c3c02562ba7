/* Host benchmark of the DMA layer's software path: allocator, page-table
 * update (lib/iopt on host pages) and deferred queue, with the invalidation
 * replaced by a counter. Prints cycles per map+unmap pair measured with
 * rdtsc; under callgrind (`--measure`), runs each case once inside a
 * function named measure_<case> so that --toggle-collect counts only the
 * steady-state loop.
 *
 *   dma_bench [--pairs N] [--case NAME] [--list]
 *
 * The stream models a NIC ring: DEPTH buffers in flight; each step unmaps
 * the oldest and maps a new one, 4 KiB each. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <x86intrin.h>

#include "lib/dma/dma.h"

#define DEPTH      256               /* buffers in flight, an e1000 ring */
#define BUF_BASE   0x40000000ull     /* fake physical buffers: never touched */
#define IOVA_BASE  0x100000000ull    /* 4 GiB, 2 MiB aligned */
#define IOVA_PAGES 65536ull          /* 256 MiB of IOVA space */
#define RUNS       5                 /* native: the median of these */

struct counters {
	uint64_t submits, waits, releases;
};

static int count_submit(void *ctx, enum dma_gran g, uint64_t iova, uint64_t npages)
{
	struct counters *c = ctx;

	(void)g, (void)iova, (void)npages;
	c->submits++;
	return 0;
}

static int count_wait(void *ctx)
{
	((struct counters *)ctx)->waits++;
	return 0;
}

static void count_release(void *ctx, uint64_t cookie)
{
	(void)cookie;
	((struct counters *)ctx)->releases++;
}

static uint64_t tsc_now(void *ctx)
{
	(void)ctx;
	return __rdtsc();
}

static uint64_t host_page(void *ctx)
{
	void *p = aligned_alloc(4096, 4096);

	(void)ctx;
	if (!p)
		return 0;
	memset(p, 0, 4096);
	return (uint64_t)(uintptr_t)p;
}

static void host_free(void *ctx, uint64_t page)
{
	(void)ctx;
	free((void *)(uintptr_t)page);
}

struct bench {
	const char *name, *what;
	struct dma_config cfg;
	bool pool;                  /* map DEPTH buffers once; the loop reuses them */
	struct iopt pt;
	struct dma_domain d;
	struct counters c;
	void *storage;
	uint64_t ring[DEPTH];       /* iovas in flight, oldest at head */
	unsigned head;
	uint64_t next;              /* buffer number of the next map */
};

static void die(const char *what, int rc)
{
	fprintf(stderr, "dma_bench: %s failed (%d)\n", what, rc);
	exit(2);
}

static uint64_t buf_phys(uint64_t n)
{
	return BUF_BASE + (n % 1024) * 4096;
}

static void setup(struct bench *b)
{
	struct iopt_ops pops = { host_page, host_free, NULL, NULL };
	struct dma_ops ops = { .inval_submit = count_submit, .inval_wait = count_wait,
			       .now = tsc_now, .release = count_release, .ctx = &b->c };
	size_t bytes;
	int rc;

	b->cfg.iova_base = IOVA_BASE;
	b->cfg.iova_limit = IOVA_BASE + IOVA_PAGES * 4096;
	bytes = dma_storage_bytes(&b->cfg);

	if ((rc = iopt_init(&b->pt, 4, &pops)))
		die("iopt_init", rc);
	b->storage = aligned_alloc(8, bytes ? (bytes + 7) & ~(size_t)7 : 8);
	if ((rc = dma_domain_init(&b->d, &b->pt, &b->cfg, &ops, b->storage, bytes)))
		die("dma_domain_init", rc);
	memset(&b->c, 0, sizeof(b->c));
	for (unsigned i = 0; i < DEPTH; i++)
		if ((rc = dma_map(&b->d, buf_phys(b->next++), 4096, DMA_FROM_DEVICE, &b->ring[i])))
			die("dma_map (fill)", rc);
	b->head = 0;
}

static void teardown(struct bench *b)
{
	for (unsigned i = 0; i < DEPTH; i++)
		dma_unmap(&b->d, b->ring[i], 4096, DMA_FROM_DEVICE, 0);
	dma_flush(&b->d);
	iopt_destroy(&b->pt);
	free(b->storage);
}

/* The steady state: per packet, the oldest buffer's unmap and a new map. */
static __attribute__((noinline)) void run_pairs(struct bench *b, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		uint64_t *slot = &b->ring[b->head];

		if (dma_unmap(&b->d, *slot, 4096, DMA_FROM_DEVICE, b->next) ||
		    dma_map(&b->d, buf_phys(b->next), 4096, DMA_FROM_DEVICE, slot))
			die("steady-state map/unmap", -1);
		b->next++;
		b->head = (b->head + 1) % DEPTH;
	}
}

/* Pool: the buffers stay mapped; a packet only picks the next one. */
static __attribute__((noinline)) void run_pool(struct bench *b, uint64_t n)
{
	uint64_t sum = 0;

	for (uint64_t i = 0; i < n; i++) {
		sum += b->ring[b->head];
		b->head = (b->head + 1) % DEPTH;
	}
	__asm__ volatile("" : : "r"(sum));
}

static void run(struct bench *b, uint64_t n)
{
	if (b->pool)
		run_pool(b, n);
	else
		run_pairs(b, n);
}

/* One per case, so that callgrind can be told to count just this call. */
#define MEASURE(name) \
	static __attribute__((noinline)) void measure_##name(struct bench *b, uint64_t n) { run(b, n); }
MEASURE(strict)
MEASURE(strict_timing)
MEASURE(strict_cm)
MEASURE(batched)
MEASURE(batched_pages)
MEASURE(fq)
MEASURE(pool)

static struct bench cases[] = {
	{ .name = "strict", .what = "strict, invalidation per unmap",
	  .cfg = { .policy = DMA_POLICY_STRICT }, .pool = false },
	{ .name = "strict_timing", .what = "strict, timing on (rdtsc per phase)",
	  .cfg = { .policy = DMA_POLICY_STRICT, .timing = true }, .pool = false },
	{ .name = "strict_cm", .what = "strict, caching mode (map invalidates too)",
	  .cfg = { .policy = DMA_POLICY_STRICT, .caching_mode = true }, .pool = false },
	{ .name = "batched", .what = "batched, hwm 250, domain flush",
	  .cfg = { .policy = DMA_POLICY_BATCHED, .hwm = 250, .batch_gran = DMA_GRAN_DOMAIN }, .pool = false },
	{ .name = "batched_pages", .what = "batched, hwm 250, page-range flush",
	  .cfg = { .policy = DMA_POLICY_BATCHED, .hwm = 250, .batch_gran = DMA_GRAN_PAGES }, .pool = false },
	{ .name = "fq", .what = "fq, ring of 256, domain flush",
	  .cfg = { .policy = DMA_POLICY_FQ, .fq_size = 256 }, .pool = false },
	{ .name = "pool", .what = "pool, buffers mapped once",
	  .cfg = { .policy = DMA_POLICY_POOL }, .pool = true },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

static void measure(struct bench *b, uint64_t n)
{
	static void (*const fns[NCASES])(struct bench *, uint64_t) = {
		measure_strict, measure_strict_timing, measure_strict_cm,
		measure_batched, measure_batched_pages, measure_fq, measure_pool,
	};

	fns[b - cases](b, n);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	uint64_t pairs = 1000000;
	const char *only = NULL;
	bool callgrind = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--pairs") && i + 1 < argc) {
			pairs = strtoull(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--case") && i + 1 < argc) {
			only = argv[++i];
		} else if (!strcmp(argv[i], "--measure")) {
			callgrind = true;
		} else if (!strcmp(argv[i], "--list")) {
			for (size_t k = 0; k < NCASES; k++)
				printf("%s\n", cases[k].name);
			return 0;
		} else {
			fprintf(stderr, "usage: dma_bench [--pairs N] [--case NAME] [--measure] [--list]\n");
			return 2;
		}
	}
	for (size_t k = 0; k < NCASES; k++) {
		struct bench *b = &cases[k];
		uint64_t t[RUNS];

		if (only && strcmp(only, b->name))
			continue;
		setup(b);
		run(b, 4 * DEPTH); /* warm up: free lists, tables, caches */
		if (callgrind) {
			struct counters before = b->c;

			measure(b, pairs);
			printf("%s: %" PRIu64 " pairs, %" PRIu64 " submits, %" PRIu64 " waits\n",
			       b->name, pairs, b->c.submits - before.submits,
			       b->c.waits - before.waits);
		} else {
			for (int r = 0; r < RUNS; r++) {
				uint64_t t0 = __rdtsc();

				run(b, pairs);
				t[r] = __rdtsc() - t0;
			}
			qsort(t, RUNS, sizeof(t[0]), cmp_u64);
			printf("%-14s %-44s %6" PRIu64 ".%01" PRIu64 " TSC cycles/pair\n",
			       b->name, b->what, t[RUNS / 2] / pairs,
			       t[RUNS / 2] % pairs * 10 / pairs);
		}
		teardown(b);
	}
	return 0;
}

/* lib/dma/flushq.c on its own: entries kept in the order they were pushed,
 * capacity, full and empty, the ring wrapping around, and the invalidation
 * ranges a flush asks for. The batched policy's use of it (high-water mark,
 * deadline, forced flush) is tested through the DMA API in test_dma.c. */
#include <stdbool.h>
#include <stdint.h>

#include "check.h"
#include "lib/dma/flushq.h"

#define PAGE 4096ull

struct ranges {
	uint64_t iova[64], npages[64];
	int n, fail_at; /* fn returns -7 on call number fail_at */
};

static int record(void *ctx, uint64_t iova, uint64_t npages)
{
	struct ranges *r = ctx;

	if (r->n == r->fail_at)
		return -7;
	r->iova[r->n] = iova;
	r->npages[r->n] = npages;
	r->n++;
	return 0;
}

/* Queues blocks given as first page number and page count, after emptying
 * the queue (which leaves the ring's start where the last entry was). */
static void fill(struct flushq *q, const uint64_t (*blocks)[2], int n)
{
	while (flushq_count(q))
		flushq_pop(q);
	for (int i = 0; i < n; i++) {
		struct flushq_entry *e = flushq_push(q);

		e->iova = blocks[i][0] * PAGE;
		e->npages = blocks[i][1];
		e->cookie = (uint64_t)i;
	}
}

static void ranges_of(struct flushq *q, struct ranges *r)
{
	r->n = 0;
	r->fail_at = -1;
	CHECK_EQ_U64(flushq_ranges(q, record, r), 0);
}

static void test_init_and_capacity(void)
{
	struct flushq q;
	struct flushq_entry mem[4];

	CHECK_EQ_U64(flushq_storage_bytes(4), sizeof(mem));
	CHECK(flushq_init(&q, 0, mem, sizeof(mem)) != 0);
	CHECK(flushq_init(&q, 4, mem, sizeof(mem) - 1) != 0);
	CHECK(flushq_init(&q, 4, NULL, sizeof(mem)) != 0);
	CHECK(flushq_init(&q, 4, (char *)mem + 4, sizeof(mem) - 4) != 0);
	CHECK_EQ_U64(flushq_init(&q, 4, mem, sizeof(mem)), 0);
	CHECK(flushq_peek(&q) == NULL); /* empty */
	CHECK(!flushq_full(&q));
	for (int i = 0; i < 4; i++) {
		struct flushq_entry *e = flushq_push(&q);

		CHECK(e == &mem[i]); /* in order, from the start */
		e->cookie = 100 + (uint64_t)i;
	}
	CHECK(flushq_full(&q));
	CHECK(flushq_push(&q) == NULL);
	CHECK_EQ_U64(flushq_count(&q), 4);
	for (uint32_t i = 0; i < 4; i++)
		CHECK_EQ_U64(flushq_at(&q, i)->cookie, 100 + (uint64_t)i);
	/* Taken off oldest first. */
	for (int i = 0; i < 4; i++) {
		CHECK(flushq_peek(&q) != NULL);
		CHECK_EQ_U64(flushq_peek(&q)->cookie, 100 + (uint64_t)i);
		flushq_pop(&q);
		CHECK(!flushq_full(&q));
	}
	CHECK_EQ_U64(flushq_count(&q), 0);
	CHECK(flushq_peek(&q) == NULL);
}

/* Entries pushed after some were taken off go round the end of the
 * storage and still come out in order. */
static void test_wrap_around(void)
{
	struct flushq q;
	struct flushq_entry mem[3];
	uint64_t next_in = 0, next_out = 0;

	CHECK_EQ_U64(flushq_init(&q, 3, mem, sizeof(mem)), 0);
	for (int round = 0; round < 10; round++) {
		/* Fill it up, then take off one or two. */
		while (!flushq_full(&q)) {
			struct flushq_entry *e = flushq_push(&q);

			CHECK(e >= mem && e < mem + 3);
			e->seq = next_in++;
		}
		CHECK(flushq_push(&q) == NULL);
		for (int k = 0; k < 1 + round % 2; k++) {
			CHECK_EQ_U64(flushq_peek(&q)->seq, next_out);
			next_out++;
			flushq_pop(&q);
		}
		for (uint32_t k = 0; k < flushq_count(&q); k++)
			CHECK_EQ_U64(flushq_at(&q, k)->seq, next_out + k);
	}
	CHECK(next_in > 3 * 3); /* went round the storage several times */
	while (flushq_count(&q)) {
		CHECK_EQ_U64(flushq_peek(&q)->seq, next_out);
		next_out++;
		flushq_pop(&q);
	}
	CHECK_EQ_U64(next_out, next_in);
}

/* Dropping several oldest entries at once, across the end of the storage
 * too, leaves the rest in order (what a partial retire does). */
static void test_drop_oldest(void)
{
	struct flushq q;
	struct flushq_entry mem[4];
	uint64_t next_in = 0, next_out = 0;

	CHECK_EQ_U64(flushq_init(&q, 4, mem, sizeof(mem)), 0);
	for (int round = 0; round < 12; round++) {
		while (!flushq_full(&q))
			flushq_push(&q)->seq = next_in++;
		uint32_t n = 1 + round % 4; /* 1 to 4: none, some or all left */
		flushq_drop(&q, n);
		next_out += n;
		CHECK_EQ_U64(flushq_count(&q), 4 - n);
		for (uint32_t k = 0; k < flushq_count(&q); k++)
			CHECK_EQ_U64(flushq_at(&q, k)->seq, next_out + k);
		if (flushq_count(&q))
			CHECK_EQ_U64(flushq_peek(&q)->seq, next_out);
	}
	CHECK(next_in > 4 * 4); /* the head went round the storage */
	flushq_drop(&q, 0);
	CHECK_EQ_U64(flushq_count(&q), 4 - (1 + 11 % 4));
}

static void test_ranges_merge_neighbours(void)
{
	struct flushq q;
	struct flushq_entry mem[16];
	struct ranges r;

	CHECK_EQ_U64(flushq_init(&q, 16, mem, sizeof(mem)), 0);

	/* Ascending and descending runs, then a gap. */
	fill(&q, (const uint64_t[][2]){ { 0x100, 1 }, { 0x101, 1 }, { 0x102, 2 },
					{ 0x203, 1 }, { 0x202, 1 }, { 0x200, 2 },
					{ 0x300, 1 } }, 7);
	ranges_of(&q, &r);
	CHECK_EQ_U64(r.n, 3);
	CHECK_EQ_U64(r.iova[0], 0x100 * PAGE);
	CHECK_EQ_U64(r.npages[0], 4);
	CHECK_EQ_U64(r.iova[1], 0x200 * PAGE);
	CHECK_EQ_U64(r.npages[1], 4);
	CHECK_EQ_U64(r.iova[2], 0x300 * PAGE);
	CHECK_EQ_U64(r.npages[2], 1);

	/* Merged with the range being built only, never with one issued. */
	fill(&q, (const uint64_t[][2]){ { 0x10, 1 }, { 0x12, 1 }, { 0x11, 1 } }, 3);
	ranges_of(&q, &r);
	CHECK_EQ_U64(r.n, 2);
	CHECK_EQ_U64(r.iova[0], 0x10 * PAGE);
	CHECK_EQ_U64(r.npages[0], 1);
	CHECK_EQ_U64(r.iova[1], 0x11 * PAGE);
	CHECK_EQ_U64(r.npages[1], 2);

	/* Across an alignment boundary the address mask would have to cover
	 * 1024 pages for two: kept apart. */
	fill(&q, (const uint64_t[][2]){ { 0x1ff, 1 }, { 0x200, 1 } }, 2);
	ranges_of(&q, &r);
	CHECK_EQ_U64(r.n, 2);
	/* Within twice the size: 3 pages under a 4-page mask merge. */
	fill(&q, (const uint64_t[][2]){ { 0x401, 1 }, { 0x402, 1 }, { 0x403, 1 } }, 3);
	ranges_of(&q, &r);
	CHECK_EQ_U64(r.n, 1);
	CHECK_EQ_U64(r.npages[0], 3);

	/* Every queued page is covered, each by exactly one range. */
	fill(&q, (const uint64_t[][2]){ { 7, 1 }, { 6, 1 }, { 9, 1 }, { 8, 1 },
					{ 32, 8 }, { 40, 8 }, { 31, 1 } }, 7);
	ranges_of(&q, &r);
	for (uint64_t p = 0; p < 64; p++) {
		int covered = 0;
		bool queued = false;

		for (int i = 0; i < r.n; i++)
			covered += p >= r.iova[i] / PAGE && p < r.iova[i] / PAGE + r.npages[i];
		for (uint32_t k = 0; k < flushq_count(&q); k++) {
			const struct flushq_entry *e = flushq_at(&q, k);

			queued |= p >= e->iova / PAGE && p < e->iova / PAGE + e->npages;
		}
		CHECK_EQ_U64(covered, queued ? 1 : 0);
	}
}

static void test_ranges_stop_on_error(void)
{
	struct flushq q;
	struct flushq_entry mem[4];
	struct ranges r = { .n = 0, .fail_at = 1 };

	CHECK_EQ_U64(flushq_init(&q, 4, mem, sizeof(mem)), 0);
	CHECK_EQ_U64(flushq_ranges(&q, record, &r), 0); /* empty: no call */
	CHECK_EQ_U64(r.n, 0);
	fill(&q, (const uint64_t[][2]){ { 1, 1 }, { 5, 1 }, { 9, 1 } }, 3);
	CHECK_EQ_U64(flushq_ranges(&q, record, &r), (uint64_t)-7);
	CHECK_EQ_U64(r.n, 1);
	CHECK_EQ_U64(flushq_count(&q), 3); /* the queue itself is untouched */
}

int main(void)
{
	RUN_TEST("flushq", test_init_and_capacity);
	RUN_TEST("flushq", test_wrap_around);
	RUN_TEST("flushq", test_drop_oldest);
	RUN_TEST("flushq", test_ranges_merge_neighbours);
	RUN_TEST("flushq", test_ranges_stop_on_error);
	return CHECK_EXIT_STATUS();
}

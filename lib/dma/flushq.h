/* A first-in first-out queue of IOVA blocks, in a ring over storage that
 * comes from the caller: the batched policy (lib/dma/dma_batched.c) keeps
 * here the blocks whose PTEs are cleared but whose translations may still
 * sit in the IOTLB, until one invalidation covers them all. The queue only
 * keeps them in order; when to flush and what a flush does belong to its
 * user. */
#ifndef LIB_DMA_FLUSHQ_H
#define LIB_DMA_FLUSHQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct flushq_entry {
	uint64_t iova;    /* first page of the block */
	uint64_t npages;
	uint64_t cookie;  /* the user's, given back with the entry */
	uint64_t time;    /* when it was unmapped (the user's clock) */
	uint64_t seq;     /* the user's unmap count just after this unmap */
	uint64_t epoch;   /* fq: flushes started when it was queued */
};

struct flushq {
	struct flushq_entry *e;
	uint32_t cap;
	uint32_t head;    /* index of the oldest entry */
	uint32_t tail;    /* index the next push fills */
	uint32_t count;
};

size_t flushq_storage_bytes(uint32_t cap);
/* cap >= 1; storage 8-byte aligned, flushq_storage_bytes(cap) long.
 * Returns 0 or -1 (bad argument). */
int flushq_init(struct flushq *q, uint32_t cap, void *storage, size_t storage_bytes);

/* Calls fn(ctx, iova, npages) once per invalidation range, oldest entry
 * first: entries whose pages touch are merged while the naturally aligned
 * block covering the merged range (what a VT-d address mask can express)
 * stays within twice its size. Stops at the first non-zero return and
 * passes it up. The queue is not changed. */
int flushq_ranges(const struct flushq *q, int (*fn)(void *ctx, uint64_t iova, uint64_t npages),
		  void *ctx);

static inline uint32_t flushq_count(const struct flushq *q)
{
	return q->count;
}

static inline bool flushq_full(const struct flushq *q)
{
	return q->count == q->cap;
}

/* The k-th oldest entry, k < flushq_count(q). */
static inline struct flushq_entry *flushq_at(const struct flushq *q, uint32_t k)
{
	uint32_t i = q->head + k;

	return &q->e[i >= q->cap ? i - q->cap : i];
}

/* The run of adjacent slots that starts with the k-th oldest entry and
 * ends at the newest one or at the end of the storage: *first gets its
 * first entry, and its length is returned (0 when k >= flushq_count(q)).
 * A walk over the queue run by run costs what a walk over an array does:
 *   for (k = 0; (n = flushq_run(q, k, &e)) != 0; k += n)
 *           for (i = 0; i < n; i++) ... e[i] ... */
static inline uint32_t flushq_run(const struct flushq *q, uint32_t k, struct flushq_entry **first)
{
	uint32_t i, n;

	if (k >= q->count)
		return 0;
	i = q->head + k;
	if (i >= q->cap)
		i -= q->cap;
	n = q->count - k;
	*first = &q->e[i];
	return n < q->cap - i ? n : q->cap - i;
}

/* The oldest entry, NULL when the queue is empty. */
static inline struct flushq_entry *flushq_peek(const struct flushq *q)
{
	return q->count ? &q->e[q->head] : NULL;
}

/* The slot for a new entry, now the newest, NULL when the queue is full;
 * the caller fills it. */
static inline struct flushq_entry *flushq_push(struct flushq *q)
{
	struct flushq_entry *e;

	if (q->count == q->cap)
		return NULL;
	e = &q->e[q->tail];
	q->tail = q->tail + 1 == q->cap ? 0 : q->tail + 1;
	q->count++;
	return e;
}

/* Drops the oldest entry; the queue must not be empty. */
static inline void flushq_pop(struct flushq *q)
{
	q->head = q->head + 1 == q->cap ? 0 : q->head + 1;
	q->count--;
}

/* Drops the n oldest entries, n <= flushq_count(q). */
static inline void flushq_drop(struct flushq *q, uint32_t n)
{
	q->head = q->head + n >= q->cap ? q->head + n - q->cap : q->head + n;
	q->count -= n;
}

/* Drops every entry. */
static inline void flushq_clear(struct flushq *q)
{
	q->head = q->tail = q->count = 0;
}

#endif

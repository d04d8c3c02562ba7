/* How far one CPU's TSC is from another's: a ping-pong through one shared
 * cache line. In round r the asking CPU reads its TSC (t0) and writes the
 * odd number 2r+1; the answering CPU, spinning on the line, reads its TSC
 * (t) and answers 2r+2; the asker reads its TSC again (t1). t was read
 * between t0 and t1 on the asker's clock, so the answerer's TSC minus the
 * asker's is t - (t0 + t1) / 2, within half the round trip. The round with
 * the shortest trip bounds it most tightly and is kept.
 *
 * Pure C with GCC's __atomic builtins (the host tests run both sides on
 * real threads under ThreadSanitizer); every wait is bounded by `limit`
 * TSC ticks, and either side stops at once once `stop` is set. */
#ifndef LIB_TSC_PINGPONG_H
#define LIB_TSC_PINGPONG_H

#include <stdbool.h>
#include <stdint.h>

struct tsc_pingpong {
	uint64_t seq;   /* odd: asked; even: answered */
	uint64_t t;     /* the answerer's TSC, written before its answer */
	uint32_t stop;  /* the asker gave up or has enough rounds */
} __attribute__((aligned(64)));

/* The best round so far: trip UINT64_MAX before the first. */
struct tsc_skew {
	uint64_t trip;
	int64_t skew;
	unsigned rounds;
};

static inline uint64_t tsc_pingpong_now(void)
{
	uint64_t v;
	__asm__ volatile("lfence; rdtsc; shlq $32, %%rdx; orq %%rdx, %%rax"
			 : "=a"(v)::"rdx", "memory");
	return v;
}

static inline void tsc_pingpong_reset(struct tsc_pingpong *p, struct tsc_skew *s)
{
	__atomic_store_n(&p->seq, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&p->stop, 0, __ATOMIC_RELAXED);
	s->trip = UINT64_MAX;
	s->skew = 0;
	s->rounds = 0;
}

static inline void tsc_pingpong_stop(struct tsc_pingpong *p)
{
	__atomic_store_n(&p->stop, 1, __ATOMIC_RELEASE);
}

static inline bool tsc_pingpong_wait(struct tsc_pingpong *p, uint64_t want, uint64_t limit)
{
	uint64_t start = tsc_pingpong_now();

	while (__atomic_load_n(&p->seq, __ATOMIC_ACQUIRE) != want) {
		if (__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE) || tsc_pingpong_now() - start > limit)
			return false;
		__builtin_ia32_pause();
	}
	return true;
}

/* Keeps the round (t0, t, t1) when its trip is the shortest so far. */
static inline void tsc_skew_keep(struct tsc_skew *s, uint64_t t0, uint64_t t, uint64_t t1)
{
	uint64_t trip = t1 - t0;

	s->rounds++;
	if (trip < s->trip) {
		s->trip = trip;
		s->skew = (int64_t)(t - t0) - (int64_t)(trip / 2);
	}
}

/* Half the best round trip, rounded up: how far off the skew may be. */
static inline uint64_t tsc_skew_uncertainty(const struct tsc_skew *s)
{
	return s->trip == UINT64_MAX ? UINT64_MAX : s->trip / 2 + (s->trip & 1);
}

/* The asker's round r; false when no answer came within limit. */
static inline bool tsc_pingpong_ask(struct tsc_pingpong *p, struct tsc_skew *s, uint64_t r,
				    uint64_t limit)
{
	uint64_t t0 = tsc_pingpong_now();

	__atomic_store_n(&p->seq, 2 * r + 1, __ATOMIC_RELEASE);
	if (!tsc_pingpong_wait(p, 2 * r + 2, limit))
		return false;
	uint64_t t1 = tsc_pingpong_now();
	tsc_skew_keep(s, t0, __atomic_load_n(&p->t, __ATOMIC_RELAXED), t1);
	return true;
}

/* The answerer's side: up to `rounds` rounds, until stopped or a wait
 * runs out. Returns the rounds answered. */
static inline uint64_t tsc_pingpong_answer(struct tsc_pingpong *p, uint64_t rounds, uint64_t limit)
{
	uint64_t r;

	for (r = 0; r < rounds; r++) {
		if (!tsc_pingpong_wait(p, 2 * r + 1, limit))
			break;
		__atomic_store_n(&p->t, tsc_pingpong_now(), __ATOMIC_RELAXED);
		__atomic_store_n(&p->seq, 2 * r + 2, __ATOMIC_RELEASE);
	}
	return r;
}

#endif

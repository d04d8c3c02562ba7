/* Repeated rounds of an experiment: the order in which each round runs its
 * rows, and what one figure's values over the rounds come to. Integers
 * only, since the kernel has no floating point. */
#ifndef LIB_ROUNDS_H
#define LIB_ROUNDS_H

#include <stdbool.h>
#include <stdint.h>

#define ROUNDS_MAX 32

/* The row that runs at `position` of round `round` when there are `rows`
 * rows: round r starts r rows further on, so that over `rows` rounds every
 * row runs once in every position and neither drift nor warm-up favours
 * one. rows > 0, position < rows. */
unsigned rounds_row_at(unsigned rows, unsigned round, unsigned position);

struct rounds_summary {
	unsigned n;              /* rounds summarised */
	uint64_t median;         /* of an even count, the mean of the middle two (rounded down) */
	uint64_t min, max;
	uint64_t spread_permille; /* (max - min) * 1000 / median; 0 when the median is 0 */
};

/* Summarises n values (n <= ROUNDS_MAX; the array is left as it is). n == 0
 * gives all zeros. */
void rounds_summarize(const uint64_t *v, unsigned n, struct rounds_summary *s);
/* Whether the two figures' ranges [min, max] meet: then no difference
 * between them can be claimed from these rounds. */
bool rounds_overlap(const struct rounds_summary *a, const struct rounds_summary *b);

#endif

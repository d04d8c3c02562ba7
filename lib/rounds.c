/* Rounds: rotated order and median, range and spread of a figure. */
#include "lib/rounds.h"

unsigned rounds_row_at(unsigned rows, unsigned round, unsigned position)
{
	return (unsigned)(((uint64_t)position + round) % rows);
}

void rounds_summarize(const uint64_t *v, unsigned n, struct rounds_summary *s)
{
	uint64_t sorted[ROUNDS_MAX];

	*s = (struct rounds_summary){ .n = n };
	if (n == 0 || n > ROUNDS_MAX) {
		s->n = 0;
		return;
	}
	/* Insertion sort: at most ROUNDS_MAX values. */
	for (unsigned i = 0; i < n; i++) {
		unsigned j = i;
		while (j > 0 && sorted[j - 1] > v[i]) {
			sorted[j] = sorted[j - 1];
			j--;
		}
		sorted[j] = v[i];
	}
	s->min = sorted[0];
	s->max = sorted[n - 1];
	if (n % 2)
		s->median = sorted[n / 2];
	else /* the mean of the middle two, without overflow */
		s->median = sorted[n / 2 - 1] / 2 + sorted[n / 2] / 2 +
			    (sorted[n / 2 - 1] % 2 + sorted[n / 2] % 2) / 2;
	uint64_t range = s->max - s->min;
	/* A range too wide to multiply is a spread beyond any meaning: cap it. */
	if (!s->median)
		s->spread_permille = 0;
	else if (range > UINT64_MAX / 1000)
		s->spread_permille = UINT64_MAX;
	else
		s->spread_permille = range * 1000 / s->median;
}

bool rounds_overlap(const struct rounds_summary *a, const struct rounds_summary *b)
{
	return a->min <= b->max && b->min <= a->max;
}

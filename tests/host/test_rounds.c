/* lib/rounds.c: the rotated order puts every row in every position, and
 * the summary's median, range, spread and overlap are right. */
#include "check.h"
#include "lib/rounds.h"

/* Over `rows` rounds each row runs once per round and once in each
 * position. */
static void test_rotation_covers_every_position(void)
{
	for (unsigned rows = 1; rows <= 9; rows++) {
		unsigned seen[9][9] = { { 0 } };
		for (unsigned r = 0; r < rows; r++) {
			unsigned in_round[9] = { 0 };
			for (unsigned pos = 0; pos < rows; pos++) {
				unsigned row = rounds_row_at(rows, r, pos);
				CHECK(row < rows);
				in_round[row]++;
				seen[row][pos]++;
			}
			for (unsigned i = 0; i < rows; i++)
				CHECK_EQ_U64(in_round[i], 1);
		}
		for (unsigned i = 0; i < rows; i++)
			for (unsigned pos = 0; pos < rows; pos++)
				CHECK_EQ_U64(seen[i][pos], 1);
	}
	/* More rounds than rows wraps around; round 0 is the plan's order. */
	CHECK_EQ_U64(rounds_row_at(4, 0, 3), 3);
	CHECK_EQ_U64(rounds_row_at(4, 5, 0), 1);
}

static void test_summary_odd_and_even(void)
{
	uint64_t odd[] = { 50, 10, 40, 20, 30 };
	uint64_t even[] = { 7, 1, 4, 2 };
	struct rounds_summary s;

	rounds_summarize(odd, 5, &s);
	CHECK(s.n == 5 && s.median == 30 && s.min == 10 && s.max == 50);
	CHECK_EQ_U64(s.spread_permille, 1333); /* 40 / 30 */
	CHECK_EQ_U64(odd[0], 50);              /* the input is left alone */
	rounds_summarize(even, 4, &s);
	CHECK_EQ_U64(s.median, 3);             /* (2 + 4) / 2 */
	uint64_t big[] = { UINT64_MAX, UINT64_MAX - 1 };
	rounds_summarize(big, 2, &s);
	CHECK_EQ_U64(s.median, UINT64_MAX - 1); /* no overflow in the mean */
	CHECK_EQ_U64(s.spread_permille, 0);
}

static void test_summary_edges(void)
{
	uint64_t zeros[] = { 0, 0, 0 }, one = 9, wide[] = { 0, 1, UINT64_MAX };
	struct rounds_summary s;

	rounds_summarize(NULL, 0, &s);
	CHECK(s.n == 0 && s.median == 0 && s.max == 0);
	rounds_summarize(zeros, 3, &s);
	CHECK(s.median == 0 && s.spread_permille == 0);
	rounds_summarize(&one, 1, &s);
	CHECK(s.median == 9 && s.min == 9 && s.max == 9 && s.spread_permille == 0);
	rounds_summarize(wide, 3, &s);
	CHECK_EQ_U64(s.spread_permille, UINT64_MAX); /* capped, not wrapped */
	uint64_t many[ROUNDS_MAX + 1] = { 0 };
	rounds_summarize(many, ROUNDS_MAX + 1, &s);
	CHECK_EQ_U64(s.n, 0);
}

static void test_overlap(void)
{
	struct rounds_summary a = { .min = 10, .max = 20 }, b = { .min = 20, .max = 30 },
			      c = { .min = 21, .max = 25 }, d = { .min = 12, .max = 14 };

	CHECK(rounds_overlap(&a, &b) && rounds_overlap(&b, &a)); /* touching ends */
	CHECK(!rounds_overlap(&a, &c) && !rounds_overlap(&c, &a));
	CHECK(rounds_overlap(&a, &d) && rounds_overlap(&d, &a)); /* one inside the other */
}

int main(void)
{
	RUN_TEST("rounds", test_rotation_covers_every_position);
	RUN_TEST("rounds", test_summary_odd_and_even);
	RUN_TEST("rounds", test_summary_edges);
	RUN_TEST("rounds", test_overlap);
	return CHECK_EXIT_STATUS();
}

/* lib/clock/calib_round.c: a calibration round gives up on a counter that
 * does not advance, or advances too slowly, once its TSC budget is spent,
 * however many reads that takes. The TSC and the counter are simulated on
 * one simulated clock: every read costs time, a counter read (a slow bus
 * under emulation) COUNTER_READ_TICKS, a TSC read TSC_STEP. */
#include "lib/clock/calib_round.h"
#include "tests/host/check.h"

#define TSC_STEP 50            /* simulated TSC ticks per TSC read */
#define COUNTER_READ_TICKS 5000 /* and per counter read: 1.7 us at 3 GHz */

static uint64_t sim_tsc;
static uint64_t counter_value;
static uint64_t counter_per_tsc_num, counter_per_tsc_den; /* counter rate per TSC tick */
static uint64_t counter_reads;
static uint64_t tsc_reads, jump_at_read, jump_ticks; /* one jump: a descheduled vCPU */

static uint64_t fake_tsc(void)
{
	sim_tsc += TSC_STEP;
	if (++tsc_reads == jump_at_read)
		sim_tsc += jump_ticks;
	return sim_tsc;
}

/* The counter follows the simulated TSC at the chosen rate (0: stuck). */
static uint64_t fake_counter(void)
{
	counter_reads++;
	sim_tsc += COUNTER_READ_TICKS;
	return (counter_value + sim_tsc * counter_per_tsc_num / counter_per_tsc_den) & 0xffffff;
}

static void reset(uint64_t num, uint64_t den, uint64_t start_value)
{
	sim_tsc = 1000;
	counter_value = start_value;
	counter_per_tsc_num = num;
	counter_per_tsc_den = den;
	counter_reads = 0;
	tsc_reads = 0;
	jump_at_read = 0;
}

static const struct calib_round_clocks clocks = { fake_counter, fake_tsc, 0xffffff };
/* 10 ms and 40 ms at a 10 GHz ceiling, as kernel/tsc.c chooses them. */
static const struct calib_round_budget budget = { 100000000ull, 400000000ull };

static void stuck_counter_is_given_up_after_the_edge_budget(void)
{
	struct calib_round_result r;

	reset(0, 1, 0x1234);
	uint64_t begin = sim_tsc;
	CHECK_EQ_U64(calib_round_measure(&clocks, 71590, &budget, &r), CALIB_ROUND_STUCK);
	uint64_t spent = sim_tsc - begin;
	CHECK(spent > budget.edge_tsc);
	CHECK(spent <= budget.edge_tsc + 2 * (TSC_STEP + COUNTER_READ_TICKS));
	CHECK(r.tsc_spent > budget.edge_tsc);
}

static void slow_counter_is_given_up_after_the_round_budget(void)
{
	struct calib_round_result r;

	/* One count per 10^5 TSC ticks: 10^4 counts would take 10^9 ticks. */
	reset(1, 100000, 0);
	uint64_t begin = sim_tsc;
	CHECK_EQ_U64(calib_round_measure(&clocks, 10000, &budget, &r), CALIB_ROUND_TOO_SLOW);
	uint64_t spent = sim_tsc - begin;
	CHECK(spent > budget.round_tsc);
	CHECK(spent <= budget.edge_tsc + budget.round_tsc + 4 * (TSC_STEP + COUNTER_READ_TICKS));
	CHECK(r.counts < 10000);
	CHECK(r.counts >= budget.round_tsc / 100000 - 1);
}

static void working_counter_measures_the_round(void)
{
	struct calib_round_result r;

	/* A 3.579545 MHz counter against a 3 GHz TSC: about 838 ticks a count;
	 * here exactly 1 count per 1000 ticks, so 71590 counts = 7.159e7 ticks. */
	reset(1, 1000, 0xfffff0); /* wraps during the round */
	CHECK_EQ_U64(calib_round_measure(&clocks, 71590, &budget, &r), CALIB_ROUND_OK);
	CHECK(r.counts >= 71590 && r.counts <= 71590 + COUNTER_READ_TICKS / 1000 + 1);
	CHECK(r.tsc_ticks >= 71590ull * 1000 - 1000);
	CHECK(r.tsc_ticks <= 71590ull * 1000 + 1000 + 2 * (TSC_STEP + COUNTER_READ_TICKS));
}

static void counter_that_moved_while_descheduled_is_not_given_up(void)
{
	struct calib_round_result r;

	/* The TSC jumps far past the edge budget at the second read (the
	 * vCPU was descheduled) and the counter moved meanwhile: the counter
	 * read after the deadline sees the change, so the round goes on. */
	reset(1, 1000, 0);
	jump_at_read = 2;
	jump_ticks = 10 * budget.edge_tsc;
	CHECK_EQ_U64(calib_round_measure(&clocks, 100, &budget, &r), CALIB_ROUND_OK);
	CHECK(r.counts >= 100 && r.counts <= 100 + COUNTER_READ_TICKS / 1000 + 1);
}

int main(void)
{
	RUN_TEST("calib_round", stuck_counter_is_given_up_after_the_edge_budget);
	RUN_TEST("calib_round", slow_counter_is_given_up_after_the_round_budget);
	RUN_TEST("calib_round", working_counter_measures_the_round);
	RUN_TEST("calib_round", counter_that_moved_while_descheduled_is_not_given_up);
	return check_tests_failed ? 1 : 0;
}

/* A calibration round bounded by TSC time, not by a count of reads: how
 * long a count of reads lasts depends on how slow the counter's bus is (an
 * HPET or PM timer read can take microseconds), so only a time bound holds.
 * Each wait reads the TSC before the counter: when the TSC says the budget
 * is spent, the counter read that follows still came after the deadline, so
 * a round that was descheduled (the counter moved meanwhile) is not given
 * up by mistake. */
#include "lib/clock/calib_round.h"

enum calib_round_status calib_round_measure(const struct calib_round_clocks *clk,
					    uint64_t target_counts,
					    const struct calib_round_budget *budget,
					    struct calib_round_result *out)
{
	uint64_t begin = clk->read_tsc();
	uint64_t start = clk->read_counter(), c0, c1, now;

	out->tsc_ticks = 0;
	out->counts = 0;
	/* Start on a counter edge so the round is not short by a partial tick. */
	for (;;) {
		now = clk->read_tsc();
		c0 = clk->read_counter();
		if (c0 != start)
			break;
		if (now - begin > budget->edge_tsc) {
			out->tsc_spent = now - begin;
			return CALIB_ROUND_STUCK;
		}
	}
	uint64_t t0 = clk->read_tsc();
	for (;;) {
		now = clk->read_tsc();
		c1 = clk->read_counter();
		out->counts = (c1 - c0) & clk->counter_mask;
		if (out->counts >= target_counts)
			break;
		if (now - t0 > budget->round_tsc) {
			out->tsc_spent = now - begin;
			return CALIB_ROUND_TOO_SLOW;
		}
	}
	uint64_t t1 = clk->read_tsc();
	out->tsc_ticks = t1 - t0;
	out->tsc_spent = t1 - begin;
	return CALIB_ROUND_OK;
}

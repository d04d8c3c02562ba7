/* One calibration round: how many TSC ticks pass while a fixed-rate
 * counter advances by a given number of counts, with both waits bounded in
 * TSC ticks (the caller chooses the budgets; before the TSC is calibrated
 * they come from an upper bound on its rate). Pure logic: the counter and
 * the TSC are read through the functions passed in, so the host tests drive
 * it with simulated clocks. */
#ifndef LIB_CLOCK_CALIB_ROUND_H
#define LIB_CLOCK_CALIB_ROUND_H

#include <stdint.h>

struct calib_round_clocks {
	uint64_t (*read_counter)(void);
	uint64_t (*read_tsc)(void);
	uint64_t counter_mask; /* the counter wraps at mask + 1 */
};

struct calib_round_budget {
	uint64_t edge_tsc;  /* TSC ticks to wait for the counter's first change */
	uint64_t round_tsc; /* TSC ticks to wait for target_counts after that */
};

enum calib_round_status {
	CALIB_ROUND_OK,
	CALIB_ROUND_STUCK,    /* the counter did not change within edge_tsc */
	CALIB_ROUND_TOO_SLOW, /* it moved, but fell short of the target in round_tsc */
};

struct calib_round_result {
	uint64_t tsc_ticks; /* TSC ticks across the counted interval (OK only) */
	uint64_t counts;    /* counter counts across it; for TOO_SLOW, how far it got */
	uint64_t tsc_spent; /* TSC ticks from the first read to the verdict */
};

enum calib_round_status calib_round_measure(const struct calib_round_clocks *clk,
					    uint64_t target_counts,
					    const struct calib_round_budget *budget,
					    struct calib_round_result *out);

#endif

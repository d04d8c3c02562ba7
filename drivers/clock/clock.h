/* Fixed-rate platform counters the TSC is calibrated against. */
#ifndef DRIVERS_CLOCK_CLOCK_H
#define DRIVERS_CLOCK_CLOCK_H

#include <stdint.h>

struct clock_counter {
	const char *name;
	uint64_t (*read)(void);
	uint64_t mask;     /* the counter wraps at mask + 1 */
	uint64_t hz_num;   /* frequency = hz_num / hz_den counts per second */
	uint64_t hz_den;
};

/* Each returns 0 and fills *c when the counter exists and advances. */
int hpet_probe(struct clock_counter *c);
int pmtimer_probe(struct clock_counter *c);

#endif

/* Fixed-rate platform counters the TSC is calibrated against. */
#ifndef DRIVERS_CLOCK_CLOCK_H
#define DRIVERS_CLOCK_CLOCK_H

#include "kernel/tsc.h"

/* Each returns 0 and fills *c when the counter exists and advances. */
int hpet_probe(struct clock_counter *c);
int pmtimer_probe(struct clock_counter *c);

#endif

/* TSC frequency, calibrated at boot. */
#ifndef KERNEL_TSC_H
#define KERNEL_TSC_H

#include <stdint.h>

/* A fixed-rate platform counter the TSC is calibrated against; the clock
 * drivers (drivers/clock) fill one in for each counter they find. */
struct clock_counter {
	const char *name;
	uint64_t (*read)(void);
	uint64_t mask;     /* the counter wraps at mask + 1 */
	uint64_t hz_num;   /* frequency = hz_num / hz_den counts per second */
	uint64_t hz_den;
};

struct tsc_calibration {
	uint64_t hz;            /* the rate every report uses */
	const char *source;     /* what hz came from */
	uint64_t hpet_hz;       /* 0 when that source is absent */
	uint64_t pmtimer_hz;
	uint64_t cpuid15_hz;    /* CPUID leaf 0x15 crystal ratio */
	uint64_t cpuid16_hz;    /* CPUID leaf 0x16 base frequency (nominal) */
	int invariant;          /* CPUID 0x80000007 EDX[8] */
	uint64_t read_overhead; /* cycles between two back-to-back ordered reads */
};

/* Calibrates against the HPET and the ACPI PM timer (either may be NULL
 * when absent) and picks one rate: CPUID 0x15 when it names the crystal,
 * else the HPET's, else the PM timer's. Returns 0, or a negative error when
 * no source exists. */
int tsc_calibrate(const struct clock_counter *hpet, const struct clock_counter *pmtimer);
const struct tsc_calibration *tsc_info(void);
uint64_t tsc_hz(void);
/* Converts a duration to TSC ticks with the calibrated rate. */
uint64_t tsc_from_us(uint64_t us);
uint64_t tsc_to_us(uint64_t ticks);

/* No x86 TSC runs faster than this (invariant TSCs tick at the nominal
 * frequency, today at most about 5 GHz): before calibration, a wait of
 * us microseconds at this rate lasts at least us, and longer only by
 * TSC_HZ_CEILING over the real rate (ten times on a 1 GHz TSC). */
#define TSC_HZ_CEILING 10000000000ull
/* TSC ticks that last at least us microseconds: tsc_from_us once
 * calibrated, from TSC_HZ_CEILING before. */
uint64_t tsc_budget_from_us(uint64_t us);
/* Busy-waits at least us microseconds (see tsc_budget_from_us). */
void tsc_delay_us(uint64_t us);

#endif

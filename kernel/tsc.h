/* TSC frequency, calibrated at boot. */
#ifndef KERNEL_TSC_H
#define KERNEL_TSC_H

#include <stdint.h>

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

/* Calibrates against every fixed-rate counter present and picks one:
 * CPUID 0x15 when it names the crystal, else HPET, else the PM timer.
 * Returns 0, or a negative error when no source exists. */
int tsc_calibrate(void);
const struct tsc_calibration *tsc_info(void);
uint64_t tsc_hz(void);
/* Converts a duration to TSC ticks with the calibrated rate. */
uint64_t tsc_from_us(uint64_t us);
uint64_t tsc_to_us(uint64_t ticks);

#endif

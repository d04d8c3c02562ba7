/* TSC calibration. Each fixed-rate counter is read around a busy wait of
 * CALIBRATION_MS, five times; the median round is kept, so one interrupted
 * or descheduled round (common under emulation) does not skew the rate.
 * The waits are bounded in TSC ticks from TSC_HZ_CEILING (the rate is not
 * known yet): a stuck counter is given up after EDGE_BUDGET_US at the
 * ceiling, 10 ms at 10 GHz and 100 ms on a 1 GHz TSC. */
#include "kernel/tsc.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "lib/clock/calib_round.h"

#define CALIBRATION_MS 20
#define ROUNDS 5
/* Any counter the drivers offer ticks at least every 100 ns (HPET spec
 * 1.0a 2.3, a period of at most 100 ns, as hpet.c checks; the PM timer's is
 * 279 ns), so
 * 10 ms without a change is a stuck counter, not a slow one. */
#define EDGE_BUDGET_US 10000
/* A round lasts CALIBRATION_MS of the counter, which takes at most that
 * many TSC-ceiling milliseconds of ticks; twice that leaves room for a
 * round stretched by emulation, and a counter running at less than half
 * its stated rate (against a TSC at the ceiling) is unusable anyway. */
#define ROUND_BUDGET_US (2 * CALIBRATION_MS * 1000)

static struct tsc_calibration cal;

static uint64_t read_tsc(void)
{
	return rdtsc_ordered();
}

/* One round: the TSC rate from CALIBRATION_MS of the counter. Returns 0
 * after saying why when the counter does not advance, or too slowly. */
static uint64_t measure_round(const struct clock_counter *c)
{
	const struct calib_round_clocks clocks = { c->read, read_tsc, c->mask };
	const struct calib_round_budget budget = {
		.edge_tsc = tsc_budget_from_us(EDGE_BUDGET_US),
		.round_tsc = tsc_budget_from_us(ROUND_BUDGET_US),
	};
	uint64_t target = c->hz_num / c->hz_den * CALIBRATION_MS / 1000;
	struct calib_round_result r;

	switch (calib_round_measure(&clocks, target, &budget, &r)) {
	case CALIB_ROUND_OK:
		return mul_div_u64(r.tsc_ticks, c->hz_num, r.counts * c->hz_den);
	case CALIB_ROUND_STUCK:
		kprintf("tsc: the %s does not advance; not using it\n", c->name);
		return 0;
	case CALIB_ROUND_TOO_SLOW:
		break;
	}
	kprintf("tsc: the %s advanced only %lu of %lu counts within %lu TSC ticks; "
		"not using it\n", c->name, r.counts, target, budget.round_tsc);
	return 0;
}

static void sort_u64(uint64_t *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

static uint64_t calibrate_against(const struct clock_counter *c)
{
	uint64_t hz[ROUNDS];

	for (int i = 0; i < ROUNDS; i++) {
		hz[i] = measure_round(c);
		if (!hz[i])
			return 0;
	}
	sort_u64(hz, ROUNDS);
	uint64_t median = hz[ROUNDS / 2];
	kprintf("tsc: against the %s: %lu Hz (median of %d x %d ms, spread %lu ppm)\n",
		c->name, median, ROUNDS, CALIBRATION_MS,
		mul_div_u64(hz[ROUNDS - 1] - hz[0], 1000000, median));
	return median;
}

static void read_cpuid_rates(void)
{
	uint32_t max, a, b, c, d;

	cpuid(0, 0, &max, &b, &c, &d);
	if (max >= 0x15) {
		cpuid(0x15, 0, &a, &b, &c, &d); /* SDM Vol. 2A CPUID leaf 15H */
		if (a && b && c)
			cal.cpuid15_hz = (uint64_t)c * b / a;
	}
	if (max >= 0x16) {
		cpuid(0x16, 0, &a, &b, &c, &d);
		cal.cpuid16_hz = (uint64_t)(a & 0xffff) * 1000000;
	}
	cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a >= 0x80000007) {
		cpuid(0x80000007, 0, &a, &b, &c, &d);
		cal.invariant = (d >> 8) & 1;
	}
}

/* The cost of one ordered TSC read, as the smallest gap between two
 * back-to-back reads: what each timed interval overstates. */
static uint64_t measure_read_overhead(void)
{
	uint64_t best = ~0ull;

	for (int i = 0; i < 1000; i++) {
		uint64_t a = rdtsc_ordered(), b = rdtsc_ordered();
		if (b - a < best)
			best = b - a;
	}
	return best;
}

int tsc_calibrate(const struct clock_counter *hpet, const struct clock_counter *pmtimer)
{
	cal.read_overhead = measure_read_overhead();
	read_cpuid_rates();
	if (hpet)
		cal.hpet_hz = calibrate_against(hpet);
	if (pmtimer)
		cal.pmtimer_hz = calibrate_against(pmtimer);

	if (cal.cpuid15_hz) {
		cal.hz = cal.cpuid15_hz;
		cal.source = "CPUID 0x15";
	} else if (cal.hpet_hz) {
		cal.hz = cal.hpet_hz;
		cal.source = "HPET";
	} else if (cal.pmtimer_hz) {
		cal.hz = cal.pmtimer_hz;
		cal.source = "ACPI PM timer";
	} else if (cal.cpuid16_hz) {
		cal.hz = cal.cpuid16_hz;
		cal.source = "CPUID 0x16 (nominal, uncalibrated)";
	} else {
		kprintf("tsc: no HPET, no ACPI PM timer and no CPUID frequency: "
			"cannot tell how fast the TSC runs\n");
		return -1;
	}
	kprintf("tsc: %lu Hz (%lu.%03lu MHz) from %s; CPUID 0x15 %lu Hz, 0x16 %lu Hz; %s TSC; "
		"one ordered read costs %lu cycles\n",
		cal.hz, cal.hz / 1000000, cal.hz / 1000 % 1000, cal.source, cal.cpuid15_hz,
		cal.cpuid16_hz, cal.invariant ? "invariant" : "NOT invariant", cal.read_overhead);
	return 0;
}

const struct tsc_calibration *tsc_info(void)
{
	return &cal;
}

uint64_t tsc_hz(void)
{
	return cal.hz;
}

uint64_t tsc_from_us(uint64_t us)
{
	return mul_div_u64(us, cal.hz, 1000000);
}

uint64_t tsc_budget_from_us(uint64_t us)
{
	return cal.hz ? tsc_from_us(us) : us * (TSC_HZ_CEILING / 1000000);
}

void tsc_delay_us(uint64_t us)
{
	uint64_t start = rdtsc_ordered(), ticks = tsc_budget_from_us(us);

	while (rdtsc_ordered() - start < ticks)
		cpu_pause();
}

uint64_t tsc_to_us(uint64_t ticks)
{
	return cal.hz ? mul_div_u64(ticks, 1000000, cal.hz) : 0;
}

/* The report's part on the CPUs: the context's "smp" object (schema 4)
 * and a warning for each CPU whose TSC is measurably off CPU 0's. */
#include "bench/report/report_internal.h"
#include "kernel/console.h"
#include "kernel/smp.h"
#include "kernel/tsc.h"

/* The CPUs the streams use at most: the largest cpus= value, no more
 * than are running. */
static unsigned cpus_used(const struct kernel_options *opt)
{
	unsigned most = 1;

	for (unsigned i = 0; i < opt->cpus_list.count; i++)
		if (opt->cpus_list.v[i] > most)
			most = opt->cpus_list.v[i];
	return most < smp_cpus() ? most : smp_cpus();
}

void report_smp_json(const struct kernel_options *opt)
{
	kprintf(",\"smp\":{\"listed\":%u,\"started\":%u,\"used\":%u,\"cpus\":[", smp_listed(),
		smp_cpus(), cpus_used(opt));
	for (unsigned cpu = 0; cpu < smp_cpus(); cpu++)
		kprintf("%s{\"cpu\":%u,\"apic_id\":%u,\"tsc_skew\":%ld,\"skew_uncertainty\":%lu}",
			cpu ? "," : "", cpu, smp_apic_id_of(cpu), smp_tsc_skew(cpu),
			smp_tsc_skew_uncertainty(cpu));
	kprintf("]}");
}

/* A skew beyond what the measurement can tell apart from zero, with a
 * microsecond to spare, makes one CPU's TSC readings a poor match for
 * another's. */
void report_smp_warnings(void)
{
	uint64_t slack = tsc_from_us(1);

	for (unsigned cpu = 1; cpu < smp_cpus(); cpu++) {
		int64_t s = smp_tsc_skew(cpu);
		uint64_t off = (uint64_t)(s < 0 ? -s : s);
		if (off > smp_tsc_skew_uncertainty(cpu) + slack)
			kprintf("warning: CPU %u's TSC is %c%lu ticks off CPU 0's (+-%lu): times "
				"taken on different CPUs are not comparable\n", cpu,
				s < 0 ? '-' : '+', off, smp_tsc_skew_uncertainty(cpu));
	}
}

/* Printing the report. Numbers are integers (the kernel has no floating
 * point): fractions are printed as fixed-point from integer arithmetic, and
 * the JSON carries raw totals from which any ratio can be recomputed. */
#include "bench/report/report.h"
#include "drivers/vtd/vtd.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/cpuinfo.h"
#include "kernel/firmware_info.h"
#include "kernel/tsc.h"

#ifndef VTDBENCH_VERSION
#define VTDBENCH_VERSION "unknown"
#endif


static void json_string(const char *s)
{
	kprintf("\"");
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			kprintf("\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			kprintf("\\u%04x", c);
		else
			kprintf("%c", c);
	}
	kprintf("\"");
}

/* value / div with one decimal, rounded. */
static void print_fixed1(uint64_t value, uint64_t div)
{
	uint64_t tenths = div ? mul_div_u64(value, 10, div) : 0;
	kprintf("%lu.%lu", tenths / 10, tenths % 10);
}

static uint64_t cycles_to_ns(uint64_t cycles)
{
	return tsc_hz() ? mul_div_u64(cycles, 1000000000, tsc_hz()) : 0;
}

static void print_header(void)
{
	kprintf("report: %-3s %-11s %-8s %-5s %-6s %5s %4s %8s %4s %6s %7s %8s %8s %9s %7s %6s %9s\n",
		"row", "sweep", "policy", "inval", "gran", "hwm", "size", "packets", "lost", "faults",
		"pkt/s", "cyc/pkt", "p99", "max", "inv/pkt", "inv%", "window_us");
}

static void print_human_row(unsigned index, const struct report_row *row)
{
	const struct stream_config *cfg = &row->cfg;
	const struct stream_result *r = &row->res;
	const struct dma_stats *d = &r->dma;
	uint64_t pps = r->tsc_cycles ? mul_div_u64(r->sent, tsc_hz(), r->tsc_cycles) : 0;
	uint64_t inval_cycles = r->phase[PHASE_INVAL_SUBMIT] + r->phase[PHASE_INVAL_WAIT];

	/* The flush granularity matters for batched flushes and the
	 * micro-benchmarks; strict always invalidates page ranges. */
	const char *gran = cfg->policy == DMA_POLICY_BATCHED || row->sweep[0] == 'm' ?
				   dma_gran_name(cfg->batch_gran) : cfg->policy == DMA_POLICY_STRICT ?
				   "pages" : "-";
	kprintf("report: %-3u %-11s %-8s %-5s %-6s %5u %4u %8lu %4lu %6lu %7lu %8lu %8lu %9lu %5s",
		index, row->sweep, dma_policy_name(cfg->policy), vtd_inval_mode_words[row->inval], gran,
		cfg->hwm, cfg->size,
		r->sent, r->lost + r->corrupted + r->duplicated, r->faults, pps, r->per_packet.mean,
		r->per_packet.p99, r->per_packet.max, "");
	print_fixed1(d->inval_submits * 100, r->sent ? r->sent * 100 : 1);
	kprintf(" %5s", "");
	print_fixed1(inval_cycles * 100, r->tsc_cycles);
	kprintf(" %6s", "");
	print_fixed1(cycles_to_ns(d->window_max), 1000);
	kprintf("\n");
}

void report_context(const struct kernel_options *opt, const struct e1000 *nic)
{
	const struct cpu_info *c = cpu_info();
	const struct tsc_calibration *t = tsc_info();
	const struct firmware_info *fw = firmware_info();

	kprintf("REPORT {\"type\":\"context\",\"schema\":%d,\"build\":", REPORT_SCHEMA);
	json_string(VTDBENCH_VERSION);
	kprintf(",\"started\":");
	json_string(fw->started);
	kprintf(",\"machine\":{\"cpu\":");
	json_string(c->brand);
	kprintf(",\"cpu_signature\":\"0x%08x\",\"microcode\":\"0x%08x\",\"hypervisor\":",
		c->signature, c->microcode);
	json_string(c->hypervisor);
	kprintf(",\"firmware\":");
	json_string(fw->vendor);
	kprintf(",\"firmware_revision\":\"0x%x\",\"secure_boot\":\"%s\"", fw->revision,
		fw->secure_boot);
	kprintf("},\"tsc\":{\"hz\":%lu,\"source\":", t->hz);
	json_string(t->source);
	kprintf(",\"hpet_hz\":%lu,\"pmtimer_hz\":%lu,\"cpuid15_hz\":%lu,\"cpuid16_hz\":%lu,"
		"\"invariant\":%s,\"read_overhead_cycles\":%lu},\"vtd\":[",
		t->hpet_hz, t->pmtimer_hz, t->cpuid15_hz, t->cpuid16_hz,
		t->invariant ? "true" : "false", t->read_overhead);
	for (unsigned i = 0; i < vtd_unit_count(); i++) {
		struct vtd_unit_info u;
		vtd_get_info(vtd_unit(i), &u);
		kprintf("%s{\"unit\":%u,\"base\":\"0x%lx\",\"version\":\"%u.%u\",\"cap\":\"0x%016lx\","
			"\"ecap\":\"0x%016lx\",\"levels\":%u,\"coherent\":%s,\"caching_mode\":%s,"
			"\"inval\":\"%s\"}", i ? "," : "", u.index, u.base, u.ver_major, u.ver_minor,
			u.cap, u.ecap, u.levels, u.coherent ? "true" : "false",
			u.caching_mode ? "true" : "false", vtd_inval_mode_words[u.inval]);
	}
	if (nic) {
		kprintf("],\"nic\":{\"model\":");
		json_string(nic->model);
		kprintf(",\"pci_id\":\"8086:%04x\",\"bdf\":\"%02x:%02x.%u\",\"loopback\":\"%s\"},"
			"\"options\":", nic->device_id, nic->bus, nic->dev, nic->fn,
			opt->mac_loopback ? "mac" : "phy");
	} else {
		kprintf("],\"nic\":{\"model\":\"none\",\"pci_id\":\"\",\"bdf\":\"\",\"loopback\":\"\"},"
			"\"options\":");
	}
	json_string(opt->cmdline);
	kprintf("}\n");

	kprintf("report: vtdbench %s on %s, TSC %lu.%03lu MHz (%s), %u VT-d unit%s, NIC %s\n",
		VTDBENCH_VERSION, c->brand, t->hz / 1000000, t->hz / 1000 % 1000, t->source,
		vtd_unit_count(), vtd_unit_count() == 1 ? "" : "s", nic ? nic->model : "none");
	kprintf("report: started %s (firmware clock), firmware %s, Secure Boot %s\n",
		fw->started[0] ? fw->started : "at an unknown time", fw->vendor, fw->secure_boot);
	kprintf("report: cycles are TSC cycles; each timed interval has the cost of a TSC read "
		"(%lu cycles) taken out\n", t->read_overhead);
	print_header();
}

void report_row(unsigned index, const struct report_row *row)
{
	const struct stream_config *cfg = &row->cfg;
	const struct stream_result *r = &row->res;
	const struct dma_stats *d = &r->dma;
	uint64_t pps = r->tsc_cycles ? mul_div_u64(r->sent, tsc_hz(), r->tsc_cycles) : 0;
	uint64_t window_mean = d->window_count ? d->window_sum / d->window_count : 0;
	uint64_t unmaps_mean = d->window_count ? d->window_unmaps_sum / d->window_count : 0;

	kprintf("REPORT {\"type\":\"row\",\"schema\":%d,\"row\":%u,\"sweep\":\"%s\",\"policy\":\"%s\","
		"\"inval\":\"%s\",\"batch_inval\":\"%s\",\"hwm\":%u,\"flush_ms\":%u,\"size\":%u,"
		"\"packets\":%lu,\"received\":%lu,\"lost\":%lu,\"duplicated\":%lu,\"corrupted\":%lu,"
		"\"faults\":%lu,\"tsc_total\":%lu,\"pps\":%lu,", REPORT_SCHEMA, index, row->sweep,
		dma_policy_name(cfg->policy), vtd_inval_mode_words[row->inval], dma_gran_name(cfg->batch_gran),
		cfg->hwm, cfg->flush_ms, cfg->size, r->sent, r->received, r->lost, r->duplicated,
		r->corrupted, r->faults, r->tsc_cycles, pps);
	kprintf("\"cycles_per_packet\":{\"mean\":%lu,\"p50\":%lu,\"p99\":%lu,\"max\":%lu},\"phase\":{",
		r->per_packet.mean, r->per_packet.p50, r->per_packet.p99, r->per_packet.max);
	for (int i = 0; i < PHASE_COUNT; i++)
		kprintf("%s\"%s\":%lu", i ? "," : "", stream_phase_names[i], r->phase[i]);
	kprintf("},\"maps\":%lu,\"unmaps\":%lu,\"invalidations\":%lu,\"inval_waits\":%lu,"
		"\"flushes_hwm\":%lu,\"flushes_deadline\":%lu,\"flushes_forced\":%lu,"
		"\"timer_interrupts\":%lu,\"window\":{\"entries\":%lu,\"mean_cycles\":%lu,"
		"\"max_cycles\":%lu,\"mean_unmaps\":%lu,\"max_unmaps\":%lu},"
		"\"mmio_reads\":%lu,\"mmio_writes\":%lu}\n",
		d->maps, d->unmaps, d->inval_submits, d->inval_waits, d->flushes_hwm,
		d->flushes_deadline, d->flushes_forced, r->timer_interrupts, d->window_count,
		window_mean, d->window_max, unmaps_mean, d->window_unmaps_max, r->mmio_reads,
		r->mmio_writes);

	print_human_row(index, row);
}

static const struct report_row *find(const struct report_row *rows, unsigned n, enum dma_policy p)
{
	for (unsigned i = 0; i < n; i++)
		if (rows[i].cfg.policy == p && rows[i].sweep[0] == 'p' && rows[i].sweep[1] == 'o')
			return &rows[i];
	return NULL;
}

/* "batched costs 24.3% fewer cycles per packet than strict" */
static void compare(const struct report_row *x, const struct report_row *strict)
{
	uint64_t a = x->res.per_packet.mean, b = strict->res.per_packet.mean;

	kprintf("%s ", dma_policy_name(x->cfg.policy));
	if (a <= b) {
		print_fixed1((b - a) * 100, b);
		kprintf("%% fewer");
	} else {
		print_fixed1((a - b) * 100, b);
		kprintf("%% more");
	}
}

void report_finish(const struct report_row *rows, unsigned n, int verdict)
{
	const struct report_row *strict = find(rows, n, DMA_POLICY_STRICT);
	const struct report_row *batched = find(rows, n, DMA_POLICY_BATCHED);
	const struct report_row *pool = find(rows, n, DMA_POLICY_POOL);

	kprintf("\nreport: headline: ");
	if (strict && (batched || pool)) {
		if (batched)
			compare(batched, strict);
		if (batched && pool)
			kprintf(", ");
		if (pool)
			compare(pool, strict);
		kprintf(" cycles per packet than strict");
		if (strict->res.tsc_cycles) {
			kprintf("; strict spends ");
			print_fixed1((strict->res.phase[PHASE_INVAL_SUBMIT] +
				      strict->res.phase[PHASE_INVAL_WAIT]) * 100,
				     strict->res.tsc_cycles);
			kprintf("%% of its cycles invalidating");
		}
	} else if (n && rows[0].sweep[0] == 'm') {
		kprintf("no supported NIC, so only the invalidation micro-benchmarks ran; "
			"cycles per map + unmap + invalidate + wait:");
		for (unsigned i = 0; i < n; i++)
			kprintf(" %s/%s %lu", vtd_inval_mode_words[rows[i].inval], dma_gran_name(rows[i].cfg.batch_gran),
				rows[i].res.per_packet.mean);
	} else {
		kprintf("run policy=strict with batched or pool to compare them");
	}
	if (batched && batched->res.dma.window_count) {
		const struct dma_stats *d = &batched->res.dma;
		kprintf("; batched leaves an unmapped IOVA reachable for up to ");
		print_fixed1(cycles_to_ns(d->window_max), 1000);
		kprintf(" us (mean ");
		print_fixed1(cycles_to_ns(d->window_sum / d->window_count), 1000);
		kprintf(" us), across up to %lu unmaps", d->window_unmaps_max);
	}
	kprintf("\n");
	print_header();
	for (unsigned i = 0; i < n; i++)
		print_human_row(i, &rows[i]);
	kprintf("REPORT {\"type\":\"end\",\"schema\":%d,\"rows\":%u,\"verdict\":%d}\n", REPORT_SCHEMA,
		n, verdict);
}

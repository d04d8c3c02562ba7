/* Printing the report. Numbers are integers (the kernel has no floating
 * point): fractions are printed as fixed-point from integer arithmetic, and
 * the JSON carries raw totals from which any ratio can be recomputed. This
 * file prints the machine's description and each measured stream;
 * report_summary.c what the rounds come to. */
#include "bench/report/report.h"
#include "bench/report/report_internal.h"
#include "drivers/vtd/vtd.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/cpuinfo.h"
#include "kernel/firmware_info.h"
#include "kernel/tsc.h"

#ifndef VTDBENCH_VERSION
#define VTDBENCH_VERSION "unknown"
#endif

void report_json_string(const char *s)
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

void report_print_fixed1(uint64_t value, uint64_t div, int width)
{
	uint64_t tenths = div ? mul_div_u64(value, 10, div) : 0;
	kprintf("%*lu.%lu", width > 2 ? width - 2 : 0, tenths / 10, tenths % 10);
}

uint64_t report_cycles_to_ns(uint64_t cycles)
{
	return tsc_hz() ? mul_div_u64(cycles, 1000000000, tsc_hz()) : 0;
}

const char *report_gran_shown(const struct report_row *row)
{
	if (row->cfg.policy == DMA_POLICY_BATCHED || row->sweep[0] == 'm')
		return dma_gran_name(row->cfg.batch_gran);
	if (row->cfg.policy == DMA_POLICY_FQ)
		return dma_gran_name(DMA_GRAN_DOMAIN);
	return row->cfg.policy == DMA_POLICY_STRICT ? "pages" : "-";
}

bool report_is_policy_row(const struct report_row *row)
{
	return row->sweep[0] == 'p' && row->sweep[1] == 'o';
}

const char *report_workload(const struct report_row *row)
{
	return workload_names[row->workload];
}

unsigned report_qd(const struct report_row *row)
{
	return row->workload == WORKLOAD_NVME ? row->nvme.qd : 0;
}

unsigned report_cpus(const struct report_row *row)
{
	return row->workload == WORKLOAD_NVME && row->nvme.cpus ? row->nvme.cpus : 1;
}

/* Schema 3's fields of every row and summary: the workload and, for NVMe
 * rows, the read's shape (net rows: qd 0, io_bytes the frame size); and
 * schema 4's: the CPUs doing DMA at once, fq's ring size. */
void report_workload_json(const struct report_row *row)
{
	bool nvme = row->workload == WORKLOAD_NVME;

	kprintf(",\"workload\":\"%s\",\"qd\":%u,\"io_bytes\":%u,\"pattern\":\"%s\","
		"\"command_errors\":%lu,\"prp_lists\":%lu,\"cpus\":%u,\"fq_size\":%u",
		report_workload(row), report_qd(row), row->cfg.size,
		nvme ? nvme_pattern_names[row->nvme.pattern] : "", nvme ? row->command_errors : 0,
		nvme ? row->prp_lists : 0, report_cpus(row), row->cfg.fq_size);
}

/* Schema 4: each CPU's part of the stream (net rows: CPU 0 alone). */
static void per_cpu_json(const struct report_row *row)
{
	const struct stream_result *r = &row->res;

	kprintf(",\"wall_tsc\":%lu,\"per_cpu\":[", r->wall_tsc);
	if (row->workload != WORKLOAD_NVME) {
		uint64_t pps = r->tsc_cycles ? mul_div_u64(r->received, tsc_hz(), r->tsc_cycles) : 0;
		kprintf("{\"cpu\":0,\"ios\":%lu,\"pps\":%lu,\"cycles_per_packet\":%lu,"
			"\"lock_cycles\":%lu,\"invalidations\":%lu}]", r->received, pps,
			r->per_packet.mean, r->phase[PHASE_LOCK], r->dma.inval_submits);
		return;
	}
	for (unsigned i = 0; i < report_cpus(row); i++) {
		const struct nvme_cpu_figures *c = &row->cpu[i];
		kprintf("%s{\"cpu\":%u,\"ios\":%lu,\"pps\":%lu,\"cycles_per_packet\":%lu,"
			"\"lock_cycles\":%lu,\"invalidations\":%lu}", i ? "," : "", i, c->ios, c->pps,
			c->ios ? c->tsc_cycles / c->ios : 0, c->lock_cycles, c->invalidations);
	}
	kprintf("]");
}

static void print_header(void)
{
	kprintf("report: %-3s %-5s %-4s %-11s %-8s %-5s %-6s %5s %4s %4s %4s %8s %4s %6s %7s %8s "
		"%8s %9s %7s %6s %9s\n", "row", "round", "work", "sweep", "policy", "inval", "gran",
		"hwm", "size", "qd", "cpus", "packets", "lost", "faults", "pkt/s", "cyc/pkt", "p99", "max",
		"inv/pkt", "inv%", "window_us");
}

static void print_human_row(unsigned index, unsigned round, const struct report_row *row)
{
	const struct stream_config *cfg = &row->cfg;
	const struct stream_result *r = &row->res;
	const struct report_round *f = &row->round[row->rounds - 1];

	kprintf("report: %-3u %-5u %-4s %-11s %-8s %-5s %-6s %5u %4u %4u %4u %8lu %4lu %6lu %7lu "
		"%8lu %8lu %9lu", index, round + 1, report_workload(row), row->sweep,
		dma_policy_name(cfg->policy), vtd_inval_mode_words[row->inval], report_gran_shown(row),
		cfg->hwm, cfg->size, report_qd(row), report_cpus(row), r->sent, r->lost + r->corrupted + r->duplicated, r->faults, f->pps, r->per_packet.mean,
		r->per_packet.p99, r->per_packet.max);
	report_print_fixed1(f->inval_per_packet_x1000, 1000, 8);
	report_print_fixed1(f->inval_permille, 10, 7); /* per mille as a percentage */
	report_print_fixed1(report_cycles_to_ns(r->dma.window_max), 1000, 10);
	kprintf("\n");
}

/* The stream just measured, as the row's next round. */
static void record_round(struct report_row *row)
{
	const struct stream_result *r = &row->res;
	uint64_t packets = r->sent ? r->sent : 1;
	struct report_round *f;

	if (row->rounds == ROUNDS_MAX)
		return; /* the option's bound keeps this from happening */
	f = &row->round[row->rounds++];
	f->cycles_per_packet = r->per_packet.mean;
	f->p99 = r->per_packet.p99;
	/* Over the wall time: with several CPUs their reads overlap. */
	uint64_t wall = r->wall_tsc ? r->wall_tsc : r->tsc_cycles;
	f->pps = wall ? mul_div_u64(r->sent, tsc_hz(), wall) : 0;
	f->inval_permille = r->tsc_cycles ?
		mul_div_u64(r->phase[PHASE_INVAL_SUBMIT] + r->phase[PHASE_INVAL_WAIT], 1000, r->tsc_cycles) : 0;
	f->inval_per_packet_x1000 = mul_div_u64(r->dma.inval_submits, 1000, packets);
	for (int i = 0; i < PHASE_COUNT; i++)
		f->phase[i] = r->phase[i] / packets;
	if (r->dma.window_max > row->window_max)
		row->window_max = r->dma.window_max;
	if (r->dma.window_unmaps_max > row->window_unmaps_max)
		row->window_unmaps_max = r->dma.window_unmaps_max;
	row->lost += r->lost + r->corrupted + r->duplicated;
	row->faults += r->faults;
	report_latency_add(&row->latency, &r->dma);
}

/* The NVMe controller the reads run on, or "model":"none". */
static void nvme_context_json(const struct nvme_info *in)
{
	kprintf(",\"nvme\":{\"model\":");
	report_json_string(in ? in->model : "none");
	if (in) {
		kprintf(",\"serial\":");
		report_json_string(in->serial);
		kprintf(",\"firmware\":");
		report_json_string(in->firmware);
		kprintf(",\"pci_id\":\"%04x:%04x\",\"bdf\":\"%02x:%02x.%u\",\"version\":\"%u.%u\","
			"\"block_size\":%u,\"blocks\":%lu,\"max_transfer\":%u,\"max_qd\":%u",
			in->vendor_id, in->device_id, in->bus, in->dev, in->fn, in->ver_major,
			in->ver_minor, in->block_size, in->blocks, in->max_transfer, in->max_qd);
	}
	kprintf("}");
}

void report_context(const struct kernel_options *opt, const struct e1000 *nic,
		    const struct nvme_info *nvme)
{
	const struct cpu_info *c = cpu_info();
	const struct tsc_calibration *t = tsc_info();
	const struct firmware_info *fw = firmware_info();

	kprintf("REPORT {\"type\":\"context\",\"schema\":%d,\"rounds\":%u,\"build\":", REPORT_SCHEMA,
		opt->rounds);
	report_json_string(VTDBENCH_VERSION);
	kprintf(",\"started\":");
	report_json_string(fw->started);
	kprintf(",\"machine\":{\"cpu\":");
	report_json_string(c->brand);
	kprintf(",\"cpu_signature\":\"0x%08x\",\"microcode\":\"0x%08x\",\"hypervisor\":",
		c->signature, c->microcode);
	report_json_string(c->hypervisor);
	kprintf(",\"firmware\":");
	report_json_string(fw->vendor);
	kprintf(",\"firmware_revision\":\"0x%x\",\"secure_boot\":\"%s\"", fw->revision,
		fw->secure_boot);
	kprintf("},\"tsc\":{\"hz\":%lu,\"source\":", t->hz);
	report_json_string(t->source);
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
		report_json_string(nic->model);
		kprintf(",\"pci_id\":\"8086:%04x\",\"bdf\":\"%02x:%02x.%u\",\"loopback\":\"%s\"},"
			"\"options\":", nic->device_id, nic->bus, nic->dev, nic->fn,
			opt->mac_loopback ? "mac" : "phy");
	} else {
		kprintf("],\"nic\":{\"model\":\"none\",\"pci_id\":\"\",\"bdf\":\"\",\"loopback\":\"\"},"
			"\"options\":");
	}
	report_json_string(opt->cmdline);
	nvme_context_json(nvme);
	report_smp_json(opt);
	kprintf("}\n");
	report_smp_warnings();

	kprintf("report: vtdbench %s on %s, TSC %lu.%03lu MHz (%s), %u VT-d unit%s, NIC %s, "
		"NVMe %s\n", VTDBENCH_VERSION, c->brand, t->hz / 1000000, t->hz / 1000 % 1000,
		t->source, vtd_unit_count(), vtd_unit_count() == 1 ? "" : "s",
		nic ? nic->model : "none", nvme ? nvme->model : "none");
	if (nvme)
		kprintf("report: NVMe reads: %u-byte blocks, %lu of them, MDTS %u bytes; a row's "
			"packets are its reads, pkt/s its IOPS, cyc/pkt its cycles per read\n",
			nvme->block_size, nvme->blocks, nvme->max_transfer);
	kprintf("report: started %s (firmware clock), firmware %s, Secure Boot %s\n",
		fw->started[0] ? fw->started : "at an unknown time", fw->vendor, fw->secure_boot);
	kprintf("report: cycles are TSC cycles; each timed interval has the cost of a TSC read "
		"(%lu cycles) taken out\n", t->read_overhead);
	kprintf("report: every row is measured %u time%s, each round in a rotated order\n",
		opt->rounds, opt->rounds == 1 ? "" : "s");
	print_header();
}

void report_row(unsigned index, struct report_row *row, unsigned round, unsigned position)
{
	const struct stream_config *cfg = &row->cfg;
	const struct stream_result *r = &row->res;
	const struct dma_stats *d = &r->dma;
	uint64_t window_mean = d->window_count ? d->window_sum / d->window_count : 0;
	uint64_t unmaps_mean = d->window_count ? d->window_unmaps_sum / d->window_count : 0;

	record_round(row);
	uint64_t pps = row->round[row->rounds - 1].pps;
	kprintf("REPORT {\"type\":\"row\",\"schema\":%d,\"row\":%u,\"round\":%u,\"position\":%u,"
		"\"sweep\":\"%s\",\"policy\":\"%s\","
		"\"inval\":\"%s\",\"batch_inval\":\"%s\",\"hwm\":%u,\"flush_ms\":%u,\"size\":%u,"
		"\"translation\":\"%s\",\"packets\":%lu,\"received\":%lu,\"lost\":%lu,\"duplicated\":%lu,\"corrupted\":%lu,"
		"\"faults\":%lu,\"tsc_total\":%lu,\"pps\":%lu", REPORT_SCHEMA, index, round, position, row->sweep,
		dma_policy_name(cfg->policy), vtd_inval_mode_words[row->inval], dma_gran_name(cfg->batch_gran),
		cfg->hwm, cfg->flush_ms, cfg->size, r->translation ? r->translation : "none", r->sent,
		r->received, r->lost, r->duplicated,
		r->corrupted, r->faults, r->tsc_cycles, pps);
	report_workload_json(row);
	kprintf(",\"cycles_per_packet\":{\"mean\":%lu,\"p50\":%lu,\"p99\":%lu,\"max\":%lu},\"phase\":{",
		r->per_packet.mean, r->per_packet.p50, r->per_packet.p99, r->per_packet.max);
	for (int i = 0; i < PHASE_COUNT; i++)
		kprintf("%s\"%s\":%lu", i ? "," : "", stream_phase_names[i], r->phase[i]);
	kprintf("},\"maps\":%lu,\"unmaps\":%lu,\"invalidations\":%lu,\"inval_waits\":%lu,"
		"\"flushes_hwm\":%lu,\"flushes_deadline\":%lu,\"flushes_forced\":%lu,"
		"\"retired_by_others\":%lu,\"timer_interrupts\":%lu,"
		"\"window\":{\"entries\":%lu,\"mean_cycles\":%lu,\"max_cycles\":%lu,"
		"\"mean_unmaps\":%lu,\"max_unmaps\":%lu},"
		"\"mmio_reads\":%lu,\"mmio_writes\":%lu",
		d->maps, d->unmaps, d->inval_submits, d->inval_waits, d->flushes_hwm,
		d->flushes_deadline, d->flushes_forced, d->retired_by_others, r->timer_interrupts,
		d->window_count, window_mean, d->window_max, unmaps_mean, d->window_unmaps_max,
		r->mmio_reads, r->mmio_writes);
	per_cpu_json(row);
	report_latency_json(d);
	kprintf("}\n");

	print_human_row(index, round, row);
}

void report_finish(const struct report_row *rows, unsigned n, unsigned rounds, int verdict)
{
	report_summaries(rows, n);
	report_headline(rows, n);
	report_median_table(rows, n);
	kprintf("REPORT {\"type\":\"end\",\"schema\":%d,\"rows\":%u,\"rounds\":%u,\"verdict\":%d}\n",
		REPORT_SCHEMA, n, rounds, verdict);
}

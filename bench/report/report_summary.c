/* What the rounds come to: each row's median, range and spread (JSON and
 * a table), and the headline, which compares medians and claims a
 * difference only where the two rows' ranges do not meet. */
#include "bench/report/report.h"
#include "bench/report/report_internal.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "lib/fmt.h"

/* One figure of a row over its rounds, picked by offset into report_round. */
static void summarize(const struct report_row *row, size_t offset, struct rounds_summary *s)
{
	uint64_t v[ROUNDS_MAX];

	for (unsigned i = 0; i < row->rounds; i++)
		v[i] = *(const uint64_t *)((const char *)&row->round[i] + offset);
	rounds_summarize(v, row->rounds, s);
}

#define FIGURE(row, field, s) summarize(row, offsetof(struct report_round, field), s)

/* Phase p's cycles per packet over the row's rounds. */
static void phase_summary(const struct report_row *row, int p, struct rounds_summary *s)
{
	uint64_t v[ROUNDS_MAX];

	for (unsigned i = 0; i < row->rounds; i++)
		v[i] = row->round[i].phase[p];
	rounds_summarize(v, row->rounds, s);
}

static void cycles_summary(const struct report_row *row, struct rounds_summary *s)
{
	FIGURE(row, cycles_per_packet, s);
}

static void json_figure(const char *name, const struct rounds_summary *s, bool spread)
{
	kprintf(",\"%s\":{\"median\":%lu,\"min\":%lu,\"max\":%lu", name, s->median, s->min, s->max);
	if (spread)
		kprintf(",\"spread_permille\":%lu", s->spread_permille);
	kprintf("}");
}

static void summary_json(unsigned index, const struct report_row *row)
{
	const struct stream_config *cfg = &row->cfg;
	struct rounds_summary s;

	kprintf("REPORT {\"type\":\"summary\",\"schema\":%d,\"row\":%u,\"sweep\":\"%s\","
		"\"policy\":\"%s\",\"inval\":\"%s\",\"batch_inval\":\"%s\",\"hwm\":%u,\"size\":%u,"
		"\"translation\":\"%s\",\"rounds\":%u,\"lost\":%lu,\"faults\":%lu,\"window_max_cycles\":%lu",
		REPORT_SCHEMA, index, row->sweep, dma_policy_name(cfg->policy),
		vtd_inval_mode_words[row->inval], dma_gran_name(cfg->batch_gran), cfg->hwm, cfg->size,
		row->res.translation ? row->res.translation : "none", row->rounds, row->lost, row->faults, row->window_max);
	report_workload_json(row);
	cycles_summary(row, &s);
	json_figure("cycles_per_packet", &s, true);
	FIGURE(row, pps, &s);
	json_figure("pps", &s, true);
	FIGURE(row, p99, &s);
	json_figure("p99", &s, false);
	FIGURE(row, inval_permille, &s);
	json_figure("inval_permille", &s, false);
	kprintf(",\"phase\":{");
	for (int p = 0; p < PHASE_COUNT; p++) {
		phase_summary(row, p, &s);
		kprintf("%s\"%s\":{\"median\":%lu,\"min\":%lu,\"max\":%lu}", p ? "," : "",
			stream_phase_names[p], s.median, s.min, s.max);
	}
	kprintf("}");
	report_latency_total_json(&row->latency);
	kprintf("}\n");
}

void report_summaries(const struct report_row *rows, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (rows[i].rounds)
			summary_json(i, &rows[i]);
}

static void print_median_header(void)
{
	kprintf("report: %-3s %-4s %-11s %-8s %-5s %-6s %5s %4s %4s %4s %6s %4s %6s %7s %8s %8s %8s "
		"%7s %8s %7s %6s %9s\n", "row", "work", "sweep", "policy", "inval", "gran", "hwm", "size",
		"qd", "cpus", "rounds", "lost", "faults", "pkt/s", "cyc/pkt", "min", "max", "spread%", "p99",
		"inv/pkt", "inv%", "window_us");
}

static void print_median_row(unsigned index, const struct report_row *row)
{
	struct rounds_summary cyc, pps, p99, inv, ipp;

	cycles_summary(row, &cyc);
	FIGURE(row, pps, &pps);
	FIGURE(row, p99, &p99);
	FIGURE(row, inval_permille, &inv);
	FIGURE(row, inval_per_packet_x1000, &ipp);
	kprintf("report: %-3u %-4s %-11s %-8s %-5s %-6s %5u %4u %4u %4u %6u %4lu %6lu %7lu %8lu "
		"%8lu %8lu", index, report_workload(row), row->sweep, dma_policy_name(row->cfg.policy),
		vtd_inval_mode_words[row->inval], report_gran_shown(row), row->cfg.hwm, row->cfg.size,
		report_qd(row), report_cpus(row), row->rounds, row->lost,
		row->faults, pps.median, cyc.median, cyc.min, cyc.max);
	report_print_fixed1(cyc.spread_permille, 10, 8);
	kprintf(" %8lu", p99.median);
	report_print_fixed1(ipp.median, 1000, 8);
	report_print_fixed1(inv.median, 10, 7);
	report_print_fixed1(report_cycles_to_ns(row->window_max), 1000, 10);
	kprintf("\n");
}

void report_median_table(const struct report_row *rows, unsigned n)
{
	print_median_header();
	for (unsigned i = 0; i < n; i++)
		if (rows[i].rounds)
			print_median_row(i, &rows[i]);
	/* Each row's invalidations, all rounds together. */
	for (unsigned i = 0; i < n; i++) {
		char label[48];
		fmt_snprintf(label, sizeof(label), "row %u %s %s", i, report_workload(&rows[i]),
			     dma_policy_name(rows[i].cfg.policy));
		report_latency_total_line(label, rows[i].inval, &rows[i].latency);
	}
}

/* ---- the headline --------------------------------------------------------- */

/* The headline and its notes are per workload: they compare the policy
 * rows of one workload only. */
static bool of(const struct report_row *row, enum workload w)
{
	return row->workload == w && report_is_policy_row(row) && row->rounds;
}

static const struct report_row *find(const struct report_row *rows, unsigned n, enum workload w,
				     enum dma_policy p)
{
	for (unsigned i = 0; i < n; i++)
		if (rows[i].cfg.policy == p && of(&rows[i], w))
			return &rows[i];
	return NULL;
}

static bool apart_from(const struct report_row *x, const struct report_row *strict)
{
	struct rounds_summary a, b;

	cycles_summary(x, &a);
	cycles_summary(strict, &b);
	return !rounds_overlap(&a, &b);
}

/* "batched 24.3% fewer" (only for rows whose range misses strict's). */
static void compare(const struct report_row *x, const struct report_row *strict)
{
	struct rounds_summary a, b;

	cycles_summary(x, &a);
	cycles_summary(strict, &b);
	kprintf("%s ", dma_policy_name(x->cfg.policy));
	if (a.median <= b.median) {
		report_print_fixed1((b.median - a.median) * 100, b.median, 0);
		kprintf("%% fewer");
	} else {
		report_print_fixed1((a.median - b.median) * 100, b.median, 0);
		kprintf("%% more");
	}
}

/* The policy rows other than strict, those whose range misses strict's
 * (apart) or those whose range meets it. */
static unsigned list_policies(const struct report_row *rows, unsigned n,
			      const struct report_row *strict, bool apart, bool print)
{
	unsigned listed = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct report_row *x = &rows[i];
		if (x == strict || !of(x, strict->workload) || apart_from(x, strict) != apart)
			continue;
		if (!print) {
			listed++;
			continue;
		}
		kprintf(listed++ ? ", " : "");
		if (apart)
			compare(x, strict);
		else
			kprintf("%s", dma_policy_name(x->cfg.policy));
	}
	return listed;
}

/* The phase whose median per packet differs most between two rows. */
static int phase_differing_most(const struct report_row *a, const struct report_row *b,
				int64_t *diff)
{
	int best = 0;

	*diff = 0;
	for (int p = 0; p < PHASE_COUNT; p++) {
		struct rounds_summary sa, sb;
		phase_summary(a, p, &sa);
		phase_summary(b, p, &sb);
		int64_t d = (int64_t)sa.median - (int64_t)sb.median;
		if ((d < 0 ? -d : d) > (*diff < 0 ? -*diff : *diff)) {
			*diff = d;
			best = p;
		}
	}
	return best;
}

/* A reader expects each policy to cost no less than the one before it
 * here; where the medians say otherwise, the report says whether that is
 * within the spread, or beyond it and in which phase. */
static const enum dma_policy expected_order[] = {
	DMA_POLICY_OFF, DMA_POLICY_IDENTITY, DMA_POLICY_POOL, DMA_POLICY_BATCHED, DMA_POLICY_STRICT,
};

static void order_notes(const struct report_row *rows, unsigned n, enum workload w)
{
	const struct report_row *prev = NULL;

	for (size_t k = 0; k < sizeof(expected_order) / sizeof(expected_order[0]); k++) {
		const struct report_row *cur = find(rows, n, w, expected_order[k]);
		if (!cur)
			continue;
		struct rounds_summary a, b;
		if (prev) {
			cycles_summary(prev, &a);
			cycles_summary(cur, &b);
		}
		if (prev && a.median > b.median) {
			kprintf("report: note: %s: %s's median (%lu cycles per %s) is above %s's (%lu), ",
				workload_names[w], dma_policy_name(prev->cfg.policy), a.median,
				w == WORKLOAD_NVME ? "read" : "packet",
				dma_policy_name(cur->cfg.policy), b.median);
			if (rounds_overlap(&a, &b)) {
				kprintf("but their ranges overlap: within the spread, no difference can be "
					"claimed\n");
			} else {
				int64_t d;
				int p = phase_differing_most(prev, cur, &d);
				kprintf("beyond the spread; the phase that differs most is %s (%s%ld "
					"cycles per %s)\n", stream_phase_names[p], d > 0 ? "+" : "", d,
					w == WORKLOAD_NVME ? "read" : "packet");
			}
		}
		prev = cur;
	}
}

/* One workload's headline line. */
static void workload_headline(const struct report_row *rows, unsigned n, enum workload w)
{
	const struct report_row *strict = find(rows, n, w, DMA_POLICY_STRICT);
	const struct report_row *batched = find(rows, n, w, DMA_POLICY_BATCHED);
	const struct report_row *first = NULL;
	const char *unit = w == WORKLOAD_NVME ? "read" : "packet";
	unsigned others = 0;

	for (unsigned i = 0; i < n && !first; i++)
		if (rows[i].workload == w)
			first = &rows[i];
	if (!first)
		return;
	kprintf("report: headline, %s (medians over %u round%s): ", workload_names[w], first->rounds,
		first->rounds == 1 ? "" : "s");
	if (strict) {
		unsigned apart = list_policies(rows, n, strict, true, true);
		if (apart)
			kprintf(" cycles per %s than strict", unit);
		unsigned together = list_policies(rows, n, strict, false, false);
		if (together) {
			kprintf(apart ? "; " : "");
			list_policies(rows, n, strict, false, true);
			kprintf(" cannot be told apart from strict (the ranges overlap)");
		}
		others = apart + together;
	}
	if (strict && others) {
		struct rounds_summary inv;
		FIGURE(strict, inval_permille, &inv);
		kprintf("; strict spends ");
		report_print_fixed1(inv.median, 10, 0);
		kprintf("%% of its cycles invalidating");
	} else {
		kprintf("run policy=strict with another policy to compare them");
	}
	if (batched && batched->window_max) {
		kprintf("; batched leaves an unmapped IOVA reachable for up to ");
		report_print_fixed1(report_cycles_to_ns(batched->window_max), 1000, 0);
		kprintf(" us, across up to %lu unmaps", batched->window_unmaps_max);
	}
	kprintf("\n");
	order_notes(rows, n, w);
}

void report_headline(const struct report_row *rows, unsigned n)
{
	if (n && rows[0].sweep[0] == 'm') {
		kprintf("\nreport: headline: no supported NIC, so only the invalidation "
			"micro-benchmarks ran; cycles per map + unmap + invalidate + wait:");
		for (unsigned i = 0; i < n; i++)
			kprintf(" %s/%s %lu", vtd_inval_mode_words[rows[i].inval],
				dma_gran_name(rows[i].cfg.batch_gran), rows[i].res.per_packet.mean);
		kprintf("\n");
		return;
	}
	kprintf("\n");
	for (int w = 0; w < WORKLOAD_COUNT; w++)
		workload_headline(rows, n, (enum workload)w);
}

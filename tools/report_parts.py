"""Parts of tools/report.py's page that come from rounds and schema 2: the
results table (median, min, max and spread over the rounds), the
invalidation latency histograms and table, and the micro-benchmark costs.
"""
from html import escape

from report_html import h, policy_swatch, table
from report_svg import histograms, num, pct

DASH = "\u2013"


def spread(stat):
    """spread_permille as a percentage."""
    return "%.1f%%" % (stat["spread_permille"] / 10.0)


def rounds_cell(r, rounds):
    n = len(r["rounds_seen"])
    return str(n) if n >= rounds else h("span", "%d of %d" % (n, rounds), cls="bad")


def _window(r, key="mean"):
    if r["window"]["entries"] == 0:
        return DASH
    return num(r["derived"]["window_us"][key])


# An NVMe row's own columns: its queue depth, bytes per read, LBA order,
# commands the controller failed and reads that needed a PRP list.
NVME_COLUMNS = (("qd", "qd"), ("io_bytes", "bytes /read"), ("pattern", "pattern"),
                ("command_errors", "cmd errors"), ("prp_lists", "PRP lists"))


def _smp_cells(r):
    """cpus, fq's ring size (fq rows only), lock wait per unit of work."""
    return [num(r.get("cpus", 1)), num(r.get("fq_size")) if r["policy"] == "fq" else DASH,
            num(r["derived"]["phase_per_packet"].get("lock"))]


def results_table(rows, rounds, workload="net"):
    """One workload's rows. The NVMe reads' counts sit in the packet
    columns (packets = reads done, pps = IOPS), with NVMe_COLUMNS after.
    Schema 4 rows add their CPU count, fq's ring size and the lock phase."""
    nvme = workload != "net"
    smp = any(r.get("schema", 1) >= 4 for r in rows)
    unit, per = ("read", "/read") if nvme else ("packet", "/pkt")
    head = (["#", "row", "policy", "translation"] +
            (["cpus", "fq size", "lock " + per] if smp else []) +
            ["rounds", unit + "s", "received", "lost", "dup.", "corrupt", "faults",
             ("IOPS" if nvme else "packets /s") + " median", "cycles%s median" % per, "min",
             "max", "spread", "p99", "inval. " + per, "inval. share", "window \u00b5s mean",
             "window \u00b5s max"])
    head += [name for _, name in NVME_COLUMNS] if nvme else []
    out, cls = [], []
    for r in rows:
        d, t, s = r["derived"], r["totals"], r["summary"]
        c = s["cycles_per_packet"]
        bad = t["lost"] or t["duplicated"] or t["corrupted"] or t["faults"] or \
            t["received"] != t["packets"] or not t["packets"] or \
            (nvme and r.get("command_errors"))
        cls.append("problem" if bad else None)
        has = bool(r["packets"])
        out.append([str(r["row"]), escape(d["label"]), policy_swatch(r["policy"]),
                    escape(str(r.get("translation", DASH)))] +
                   (_smp_cells(r) if smp else []) + [rounds_cell(r, rounds)] +
                   [num(t[k]) for k in ("packets", "received", "lost", "duplicated",
                                        "corrupted", "faults")] +
                   [num(s["pps"]["median"])] +
                   ([num(c[k]) for k in ("median", "min", "max")] + [spread(c)]
                    if has else [DASH] * 4) +
                   [num(r["cycles_per_packet"]["p99"]) if has else DASH,
                    num(d["inval_per_packet"]), pct(d["inval_share"]), _window(r),
                    _window(r, "max")] +
                   ([escape(str(r.get(k, DASH))) if k == "pattern" else num(r.get(k))
                     for k, _ in NVME_COLUMNS] if nvme else []))
    return h("div", table(head, out, cls="results", numeric=range(4, len(head)), row_cls=cls),
             cls="scroll")


def results_note(data):
    rounds = data["rounds"]
    n = ("Each row ran in %d rounds, in a rotated order; median, min and max are over "
         "the rounds of each row's mean cycles per packet, spread is (max - min) / median."
         % rounds if rounds > 1 else
         "One round per row (%s): min = max = median, the spread is unknown, so no "
         "difference can be shown to be beyond noise."
         % ("schema 1 log" if data["schema"] < 2 else "rounds=1"))
    if data["summaries"] != "kernel" and data["schema"] >= 2:
        n += " The log has no summary line for %s rows (the run was cut short): this page " \
             "computed their median, min and max from the rounds present." % (
                 "its" if data["summaries"] == "computed" else "some")
    return n + " packets, lost, ...: totals over the rounds; p99, invalidations, shares and " \
        "window: the median round."


# --- latency -------------------------------------------------------------

def _strips(rows):
    """(label, row, latency entry) for every granularity a row timed."""
    return [("%s%s, %s %s" % ("" if r["workload"] == "net" else r["workload"] + " ",
                              r["derived"]["label"], r["inval"], e["gran"]), r, e)
            for r in rows for e in r["summary"]["latency"] if e["count"]]


def latency_section(rows):
    strips = _strips(rows)
    if not strips:
        return ""
    trs = [[escape(r["derived"]["label"]), escape(r["inval"]), escape(e["gran"]),
            num(e["count"]), num(e["p50"]), num(e["p99"]), num(e["max"])]
           for _, r, e in strips]
    svg = histograms([(label, e["buckets"], e) for label, _, e in strips],
                     "Invalidation latency, per row and granularity (all rounds)",
                     "TSC cycles per invalidation (log2 buckets)")
    return (h("h2", "Invalidation latency") + svg +
            h("p", "One strip per row and granularity: bar i counts the invalidations that "
              "took 2^i to 2^(i+1)-1 cycles (bar height on a log scale of the count, so a "
              "single slow one shows). Blue line: p50, red line: p99 (the upper bound of "
              "their bucket), black diamond: the slowest, exact.", cls="note") +
            table(["row", "interface", "granularity", "invalidations", "p50 \u2264",
                   "p99 \u2264", "max"], trs, numeric=range(3, 7)))


# --- costs ---------------------------------------------------------------

def cost_section(costs):
    if not costs:
        return ""
    trs = [[escape(c["what"]), escape(c["inval"]), escape(c["gran"] or DASH),
            num(c["iterations"]), num(c["p50"]), num(c["p99"]), num(c["mean"]),
            num(c["min"]), num(c["max"])] for c in costs]
    return (h("h2", "Costs of single operations") +
            table(["what", "interface", "granularity", "iterations", "p50", "p99", "mean",
                   "min", "max"], trs, numeric=range(3, 9)) +
            h("p", "TSC cycles per operation on unit 0, the cost of reading the TSC taken "
              "out: a register read or write, a wait for an invalidation to complete, a "
              "whole invalidation (submit + wait) per interface and granularity.",
              cls="note"))

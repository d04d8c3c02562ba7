"""The parts of tools/report.py's page that come with many CPUs (schema 4):
the scaling charts (rate and cycles per unit of work against the CPU
count, one line per policy), the machine's CPUs and their TSC skews, and
the notes on skews and on scaling measured under an emulator.
"""
from html import escape

import report_log as rl
from report_html import h, kv, policy_colour, table
from report_parts import DASH
from report_svg import line_chart, num

# The sweeps whose rows a scaling line is drawn through: a cpus sweep's
# point is preferred to the policy sweep's row at the same CPU count (the
# same measurement's twin).
_SCALING_SWEEPS = ("cpus", "policy")


def _int(v):
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def smp(ctx):
    """The context's smp object, or None (schema 3 and older)."""
    s = ctx.get("smp") if isinstance(ctx, dict) else None
    return s if isinstance(s, dict) else None


def _cpu_entries(s):
    cpus = s.get("cpus") if s else None
    return [c for c in cpus if isinstance(c, dict)] if isinstance(cpus, list) else []


def cpu_counts(rows):
    return sorted({r.get("cpus", 1) for r in rows})


def cpus_used(ctx, rows):
    """The most CPUs the run used: the context's count, else the rows'."""
    used = _int((smp(ctx) or {}).get("used")) or 0
    return max([used] + cpu_counts(rows))


def scaling_lines(rows):
    """{policy: [row, ...] in CPU order}: one row per CPU count."""
    by = {}
    for sweep in reversed(_SCALING_SWEEPS):
        for r in rows:
            if r["sweep"] == sweep and r["packets"]:
                by.setdefault(r["policy"], {})[r["cpus"]] = r
    order = [p for p in rl.POLICIES if p in by] + sorted(set(by) - set(rl.POLICIES))
    return {p: [by[p][c] for c in sorted(by[p])] for p in order}


def scaling_section(rows, unit, rate, sub="h2", suffix=""):
    """The rate and the cycles per unit of work against the CPU count, when
    the rows measured more than one count; "" otherwise."""
    if len(cpu_counts(rows)) < 2:
        return ""
    lines = {p: rs for p, rs in scaling_lines(rows).items() if rs}
    rate_series, cost_series = [], []
    for p, rs in lines.items():
        pts_rate, pts_cost = [], []
        for r in rs:
            s = r["summary"]
            pps, cpp = s["pps"], s["cycles_per_packet"]
            pts_rate.append((r["cpus"], pps["median"], pps["min"], pps["max"],
                             "%s, %d CPU%s: %s %s median (%s to %s over the rounds)"
                             % (p, r["cpus"], "" if r["cpus"] == 1 else "s",
                                num(pps["median"]), rate, num(pps["min"]), num(pps["max"]))))
            pts_cost.append((r["cpus"], cpp["median"], None, None,
                             "%s, %d CPU%s: %s cycles per %s median"
                             % (p, r["cpus"], "" if r["cpus"] == 1 else "s",
                                num(cpp["median"]), unit)))
        rate_series.append((p, p, policy_colour(p), pts_rate))
        cost_series.append((p, p, policy_colour(p), pts_cost))
    xlabel = "CPUs doing DMA (each with its own queue)"
    charts = (line_chart(rate_series, "%s against CPUs%s" % (rate, suffix), xlabel,
                         "%s over all CPUs (whisker: min to max)" % rate) +
              line_chart(cost_series, "Cycles per %s against CPUs%s" % (unit, suffix), xlabel,
                         "CPU cycles per %s, summed over CPUs" % unit))
    return (h(sub, "Scaling over CPUs" + escape(suffix)) + h("div", charts, cls="pair") +
            per_cpu_table([r for rs in lines.values() for r in rs if r["cpus"] > 1], unit,
                          rate) +
            h("p", "One line per policy, one point per CPU count (the cpus sweep's rows, "
              "else the policy sweep's). Left: the rate over all CPUs (%s: all CPUs' %ss "
              "over the wall-clock span from the first CPU's start to the last one's end), "
              "median over the rounds, whisker from the slowest to the fastest round. "
              "Right: CPU cycles per %s, every CPU's own cycles added up, so a flat line "
              "is perfect scaling; what rises is time spent waiting (the lock phase) or "
              "CPUs slowing each other down." % (escape(rate), unit, unit), cls="note"))


def per_cpu_table(rows, unit, rate):
    """Each CPU's share of the multi-CPU rows (their median round): an
    uneven split shows here, not in the totals."""
    trs = []
    for r in rows:
        for c in r.get("per_cpu", []):
            ios = c["ios"]
            trs.append([escape(r["derived"]["label"]), str(c["cpu"]), num(ios), num(c["pps"]),
                        num(c["cycles_per_packet"]),
                        num(c["lock_cycles"] / ios) if ios else DASH,
                        num(c["invalidations"])])
    if not trs:
        return ""
    return (h("details", h("summary", "Per CPU (the median round of each row of several "
                              "CPUs)") +
              table(["row", "CPU", unit + "s", escape(rate), "cycles /" + unit, "lock /" + unit,
                     "invalidations"], trs, numeric=range(1, 7))))


# --- the machine's CPUs --------------------------------------------------

def _us(ticks, hz):
    return "%s \u00b5s" % num(ticks * 1e6 / hz) if hz else "? \u00b5s"


def machine_cpus(ctx, hz):
    """The CPUs' part of the machine block: counts and each CPU's TSC skew
    against CPU 0; "" without an smp object."""
    s = smp(ctx)
    if s is None:
        return ""
    counts = kv([("CPUs", "%s listed in the MADT, %s started, %s used (at most max(cpus=))"
                  % tuple(escape(str(s.get(k, "?"))) for k in ("listed", "started", "used")))])
    trs = []
    for c in _cpu_entries(s):
        skew, unc = _int(c.get("tsc_skew")), _int(c.get("skew_uncertainty"))
        trs.append([escape(str(c.get("cpu", "?"))), escape(str(c.get("apic_id", "?"))),
                    num(skew) if skew is not None else "?",
                    _us(skew, hz) if skew is not None else "?",
                    "\u00b1" + num(unc) if unc is not None else "?"])
    return (counts + (table(["CPU", "APIC id", "TSC skew (ticks)", "skew", "uncertainty "
                             "(ticks, half a round trip)"], trs, numeric=range(2, 5))
                      if trs else "") +
            h("p", "TSC skew: the CPU's TSC minus CPU 0's, measured at boot.", cls="note"))


def skewed_cpus(ctx, hz):
    """(cpu, skew, uncertainty) of the CPUs whose TSC is off CPU 0's by more
    than the measurement's uncertainty plus 1 us."""
    margin = hz // 1000000 if hz else 0
    out = []
    for c in _cpu_entries(smp(ctx)):
        skew, unc = _int(c.get("tsc_skew")), _int(c.get("skew_uncertainty"))
        if skew is not None and unc is not None and abs(skew) > unc + margin:
            out.append((c.get("cpu", "?"), skew, unc))
    return out


def skew_note(ctx, hz):
    bad = skewed_cpus(ctx, hz)
    if not bad:
        return ""
    which = "; ".join("CPU %s: %s ticks (%s), \u00b1%s" % (escape(str(c)), num(s), _us(s, hz),
                                                          num(u)) for c, s, u in bad)
    return h("p", "The CPUs' TSCs disagree beyond the measurement's uncertainty plus "
             "1 \u00b5s (%s): a span that starts on one CPU and ends on another "
             "(wall_tsc, and so the rate over all CPUs) is off by as much; each CPU's own "
             "cycles are not." % which, cls="banner warn skew")


def emulated_scaling(ctx, rows):
    """What the emulator note adds when the run used more than one CPU."""
    n = cpus_used(ctx, rows)
    if n < 2:
        return ""
    return (" With %d CPUs the scaling figures are the emulator's: MTTCG runs each "
            "virtual CPU on a thread of the host, so they show how the host's cores "
            "share the emulation; on real hardware they are the point of the sweep." % n)

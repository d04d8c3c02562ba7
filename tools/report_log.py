"""Reads the kernel's machine-readable report out of a serial log and derives
the numbers the page shows (tools/report.py is the command-line tool).

A serial log is mostly other text: OVMF's output with its ANSI escapes, the
kernel's own lines, \r\n line ends. Report lines are `REPORT {json}` (schema
1 to 4), grouped in runs: one `context`, its `row`s (schema 2: once per
round), then (schema 2) one `summary` per row and the `cost` lines, one
`end`. Without summaries (schema 1, or a run cut short) the tool computes
them from the rounds present (tools/report_summary.py). A run that has no
`end` is kept, marked incomplete: the machine died, its rows still count.
A run with a line the tool cannot read (a reset cut it and the next boot's
output ran on, serial noise, a number no 64-bit counter holds) is kept,
marked damaged, and not shown; the other runs are still read. Every
problem that stops the tool is a ReportError naming the log line.

Schema 3 adds the workload: every row and summary says "workload" ("net",
the e1000 packet stream, or "nvme", the NVMe reads) and the device's phase
is "device" (the NIC's or the NVMe controller's part). Older logs are read
as schema 3: no workload is "net", phase "nic" is "device", and a net row's
NVMe fields get their net values (qd 0, io_bytes the frame size, ...).

Schema 4 adds many CPUs: a row's `cpus` (CPUs doing DMA in its stream),
`wall_tsc`, `per_cpu` and the phase `lock`, a summary's `cpus` and
`fq_size`, the sweep `cpus`, the policy `fq`, the context's `smp`. Older
rows and summaries are read as one CPU's (cpus 1, wall_tsc = tsc_total, no
per_cpu).
"""
import json
import re

import report_summary as rs
# The format's vocabulary is report_fields.py's; readers of this module
# (report.py, compare.py, the tests) take POLICIES and SWEEPS from here.
from report_fields import (PHASES, POLICIES, SWEEPS, ReportError,  # noqa: F401
                           check_cost, check_row, check_summary, is_counter)

SCHEMAS = (1, 2, 3, 4)
PREFIX = "REPORT "
# The workloads, in the order the page shows them; a row without one
# (schema <= 2) is the packet stream's.
WORKLOADS = ("net", "nvme")
# What a net row says in the NVMe fields (schema 3), given to older rows.
_NET_DEFAULTS = (("qd", 0), ("pattern", ""), ("command_errors", 0), ("prp_lists", 0))
GRANS = ("pages", "domain", "global")
# What tells a row apart from the other rows of a run, and matches it with
# the same row of another run (tools/compare.py).
ROW_KEY = ("workload", "sweep", "policy", "inval", "batch_inval", "hwm", "size", "qd", "cpus")

# CSI sequences (colours, cursor moves), two-byte escapes and bare carriage
# returns that firmware consoles leave at the start of a line. Only a line's
# start is cleaned: the JSON itself is parsed as it came.
_LEAD = re.compile(r"(?:\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]|\r)+")


class Run:
    """One context..end group of report lines."""

    def __init__(self, index, line, context):
        self.index = index          # 1-based position in the log
        self.line = line            # log line of the context
        self.context = context
        self.rows = []              # (line, row object), every round's
        self.summaries = []         # (line, summary object)
        self.costs = []             # (line, cost object)
        self.end = None
        self.end_line = None
        self.damage = None          # why the run cannot be shown, or None

    @property
    def complete(self):
        return self.end is not None


def report_lines(text):
    """Yields (line number, text after the prefix, whether the line ended)
    for every REPORT line."""
    lines = text.split("\n")
    for n, line in enumerate(lines, 1):
        line = line.rstrip("\r")
        m = _LEAD.match(line)
        if m:
            line = line[m.end():]
        if line.startswith(PREFIX):
            yield n, line[len(PREFIX):], n < len(lines)


def _decode(where, n, payload):
    try:
        obj = json.loads(payload)
    except json.JSONDecodeError as e:
        raise ReportError("%s:%d: malformed REPORT line: %s (column %d)"
                          % (where, n, e.msg, e.colno + len(PREFIX)))
    except (ValueError, RecursionError) as e:
        # Python refuses integers of more than 4300 digits (and nesting
        # deeper than its stack); no kernel line holds either.
        raise ReportError("%s:%d: malformed REPORT line: %s"
                          % (where, n, str(e).split(";")[0]))
    if not isinstance(obj, dict):
        raise ReportError("%s:%d: REPORT line holds a JSON %s, not an object"
                          % (where, n, type(obj).__name__))
    schema = obj.get("schema")
    if schema not in SCHEMAS:
        raise ReportError("%s:%d: report schema %s; this tool reads schemas 1 to %d only "
                          "(a newer kernel needs a newer tools/report.py)"
                          % (where, n, json.dumps(schema), SCHEMAS[-1]))
    types = ("context", "row", "end") + (("summary", "cost") if schema >= 2 else ())
    if obj.get("type") not in types:
        raise ReportError("%s:%d: unknown report type %s"
                          % (where, n, json.dumps(obj.get("type"))))
    if obj["type"] in ("row", "summary"):
        _as_schema4(obj)
    return obj


def _as_schema4(obj):
    """A row or summary of any schema in schema 4's terms (in place): the
    workload named, the device's phase called "device", a net row's NVMe
    fields filled in, an older one's single CPU. A schema-4 or NVMe row's
    own fields are left for check_row."""
    if obj["schema"] < 4:
        obj.setdefault("cpus", 1)
        if obj["type"] == "row":
            obj.setdefault("wall_tsc", obj.get("tsc_total"))
            obj.setdefault("per_cpu", [])
    # fq_size matters to fq rows only (check_row wants it on schema 4's).
    if obj["schema"] < 4 or obj.get("policy") != "fq":
        obj.setdefault("fq_size", 0)
    obj.setdefault("workload", "net")
    ph = obj.get("phase")
    if isinstance(ph, dict) and "nic" in ph and "device" not in ph:
        ph["device"] = ph.pop("nic")
    if obj["workload"] == "net":
        for k, v in _NET_DEFAULTS:
            obj.setdefault(k, v)
        obj.setdefault("io_bytes", obj.get("size"))


def _damaged(run, why, warnings):
    run.damage = why
    warnings.append("run %d (line %d) is damaged and not shown: %s" % (run.index, run.line, why))


_CHECKS = {"row": (check_row, "rows"), "summary": (check_summary, "summaries"),
           "cost": (check_cost, "costs")}


def parse_runs(text, where="log"):
    """Splits a log into runs. Returns (runs, warnings). A line that cannot
    be read inside a run damages that run (its later lines are skipped up
    to the next context); outside any run it stops the tool."""
    runs, warnings = [], []
    cur = None
    for n, payload, ended in report_lines(text):
        open_run = cur is not None and not cur.complete and cur.damage is None
        try:
            obj = _decode(where, n, payload)
        except ReportError as e:
            if not open_run:
                if cur is not None and cur.damage is not None and not cur.complete:
                    continue  # the damaged run's own lines
                raise
            # A machine that dies mid-line leaves a last line without its
            # end; the run it belongs to is incomplete anyway.
            if not ended:
                warnings.append("%s:%d: last line cut short (the machine stopped while "
                                "printing it), ignored" % (where, n))
            else:
                _damaged(cur, str(e), warnings)
            continue
        kind = obj["type"]
        if kind == "context":
            cur = Run(len(runs) + 1, n, obj)
            runs.append(cur)
        elif cur is not None and cur.damage is not None and not cur.complete:
            continue  # the damaged run's own lines
        elif cur is None or cur.complete:
            # Capture started late, or a line got duplicated: not fatal.
            warnings.append("%s:%d: %s line outside any run, ignored" % (where, n, kind))
        elif kind in _CHECKS:
            check, into = _CHECKS[kind]
            try:
                check(where, n, obj)
            except ReportError as e:
                _damaged(cur, str(e), warnings)
                continue
            getattr(cur, into).append((n, obj))
        else:
            cur.end, cur.end_line = obj, n
    return runs, warnings


def pick_run(runs, number=None, where="log"):
    """The run to show: `number` (1-based, negative counts from the end), else
    the last complete run, else the last run. Returns (run, notes)."""
    if not runs:
        raise ReportError("%s: no report in this log (no `REPORT {\"type\":\"context\",...}` "
                          "line); did the run reach the measurements?" % where)
    notes = []
    if number is not None:
        if number == 0 or abs(number) > len(runs):
            raise ReportError("%s: no run %d; the log holds %d run%s (1..%d)"
                              % (where, number, len(runs), "" if len(runs) == 1 else "s",
                                 len(runs)))
        run = runs[number - 1 if number > 0 else number]
        if run.damage is not None:
            raise ReportError("%s: run %d (line %d) is damaged: %s"
                              % (where, run.index, run.line, run.damage))
        return run, notes
    readable = [r for r in runs if r.damage is None]
    if not readable:
        last = runs[-1]
        raise ReportError("%s: every run is damaged; the last, run %d (line %d): %s"
                          % (where, last.index, last.line, last.damage))
    complete = [r for r in readable if r.complete]
    run = complete[-1] if complete else readable[-1]
    if run is not runs[-1] and runs[-1].damage is None:
        notes.append("%s: showing run %d, the last complete one; run %d (line %d) is "
                     "incomplete (--run %d shows it)"
                     % (where, run.index, runs[-1].index, runs[-1].line, runs[-1].index))
    return run, notes


def _ratio(num, den):
    return num / den if den else None


def row_label(row):
    """What tells this row apart from the others of its sweep; a row of
    several CPUs outside the cpus sweep says how many."""
    s = row["sweep"]
    if s == "cpus":
        return "%s cpus=%d" % (row["policy"], row["cpus"])
    more = " cpus=%d" % row["cpus"] if row.get("cpus", 1) != 1 else ""
    if s == "policy":
        return row["policy"] + more
    if s in ("hwm", "size", "qd", "io_bytes"):
        return "%s=%d%s" % (s, row[s], more)
    if s == "micro":
        return "%s/%s%s" % (row["inval"], row["batch_inval"], more)
    return "%s=%s%s" % (s, row[s], more)


def derive(row, hz):
    """The numbers computed from one row: per-packet phases, shares of the
    run's time (fractions 0..1), invalidations per packet and the protection
    window in microseconds. None where a denominator is zero."""
    pk, total, ph, win = row["packets"], row["tsc_total"], row["phase"], row["window"]
    inval = ph["inval_submit"] + ph["inval_wait"]
    per_us = 1e6 / hz if hz else None
    return {
        "label": row_label(row),
        "phase_per_packet": {k: _ratio(ph.get(k, 0), pk) for k in PHASES},
        "phase_share": {k: _ratio(ph.get(k, 0), total) for k in PHASES},
        "phase_sum": sum(ph.get(k, 0) for k in PHASES),  # keys of a newer kernel aside
        "cycles_per_packet": _ratio(total, pk),
        "inval_cycles_per_packet": _ratio(inval, pk),
        "inval_share": _ratio(inval, total),
        "inval_per_packet": _ratio(row["invalidations"], pk),
        "waits_per_packet": _ratio(row["inval_waits"], pk),
        "unmaps_per_invalidation": _ratio(row["unmaps"], row["invalidations"]),
        "loss": _ratio(row["packets"] - row["received"], pk),
        "window_us": {
            "mean": win["mean_cycles"] * per_us if per_us else None,
            "max": win["max_cycles"] * per_us if per_us else None,
        },
    }


def row_key(row):
    """The identity of a row across runs (a tuple of ROW_KEY's values)."""
    return tuple(row.get(k) for k in ROW_KEY)


def ranges_overlap(a, b):
    """Whether two summaries' [min, max] cycles-per-packet ranges meet:
    then the rounds cannot tell the two rows apart."""
    x, y = a["cycles_per_packet"], b["cycles_per_packet"]
    return x["min"] <= y["max"] and y["min"] <= x["max"]


def _cheaper(base, other):
    """How much cheaper `other` is than `base` per packet, in percent
    (negative: dearer), medians over the rounds; None when either cost is
    unknown."""
    if not base["packets"] or not other["packets"]:
        return None
    b = base["summary"]["cycles_per_packet"]["median"]
    o = other["summary"]["cycles_per_packet"]["median"]
    return (b - o) * 100.0 / b if b else None


def workloads(rows):
    """The workloads the rows measured, in WORKLOADS' order, then others."""
    seen = {r["workload"] for r in rows}
    return [w for w in WORKLOADS if w in seen] + sorted(seen - set(WORKLOADS))


def headline(rows):
    """The comparisons at the top of the page, from the policy sweep of the
    first workload the rows measured (the packet stream when there is one;
    tools/report.py's per-workload sections show the others)."""
    first = workloads(rows)[:1]
    by = {}
    for r in (r for r in rows if [r["workload"]] == first):
        if r["sweep"] == "policy":
            by.setdefault(r["policy"], r)
    h = {"policies": [p for p in POLICIES if p in by] + sorted(set(by) - set(POLICIES))}
    strict = by.get("strict")
    for p in ("batched", "fq", "pool", "identity", "bounce", "off"):
        if strict and p in by:
            h["%s_vs_strict_pct" % p] = _cheaper(strict, by[p])
            h["%s_vs_strict_overlap" % p] = ranges_overlap(strict["summary"], by[p]["summary"])
    if strict:
        # The kernel's median over the rounds where it gave one, else the
        # median round's own share.
        permille = strict["summary"].get("inval_permille")
        h["strict_inval_share"] = (permille["median"] / 1000.0 if permille
                                   else strict["derived"]["inval_share"])
    b = by.get("batched")
    if b:
        h["batched_window_us"] = b["derived"]["window_us"]
        h["batched_window_unmaps"] = {"mean": b["window"]["mean_unmaps"],
                                      "max": b["window"]["max_unmaps"]}
        h["batched_hwm"] = b["hwm"]
        h["batched_flush_ms"] = b["flush_ms"]
    return h


_COUNTS = ("packets", "received", "lost", "duplicated", "corrupted", "faults")


def _group_rounds(where, run, warnings):
    """The run's rows by row index, each index's rounds in log order."""
    by = {}
    for n, row in run.rows:
        by.setdefault(row["row"], []).append((n, row))
    for i, rounds in by.items():
        seen = [r.get("round", 0) for _, r in rounds]
        if len(set(seen)) != len(seen):
            warnings.append("%s: run %d: row %d has round numbers %s: a round printed twice?"
                            % (where, run.index, i, seen))
        if len({row_key(r) for _, r in rounds}) != 1:
            warnings.append("%s: run %d: row %d's rounds do not agree on what they measured "
                            "(%s)" % (where, run.index, i, ", ".join(ROW_KEY)))
    return by


def _window_over_rounds(objs):
    """The protection window of every round of a row together."""
    wins = [r["window"] for r in objs]
    entries = sum(w["entries"] for w in wins)

    def mean(field):
        return sum(w[field] * w["entries"] for w in wins) // entries if entries else 0

    return {"entries": entries, "mean_cycles": mean("mean_cycles"),
            "max_cycles": max(w["max_cycles"] for w in wins),
            "mean_unmaps": mean("mean_unmaps"),
            "max_unmaps": max(w["max_unmaps"] for w in wins)}


def _rows(where, run, hz, warnings):
    """One dict per row index: the median round's row, with `derived`, the
    `summary` (the kernel's, else computed: summary_source says which),
    `rounds_seen` (each round's figures) and `totals` (counts over rounds);
    its `window` is every round's together, as the kernel's table gives it
    (the longest of any round, the mean over all entries)."""
    kernel = {}
    for n, s in run.summaries:
        if s["row"] in kernel:
            warnings.append("%s:%d: a second summary of row %d, ignored" % (where, n, s["row"]))
            continue
        kernel[s["row"]] = s
    rows = []
    for i, rounds in sorted(_group_rounds(where, run, warnings).items()):
        objs = [r for _, r in rounds]
        summary = dict(kernel[i]) if i in kernel else rs.compute(objs)
        summary["source"] = "kernel" if i in kernel else "computed"
        summary.setdefault("latency", [])
        rep = rs.representative(objs, summary["cycles_per_packet"]["median"])
        line = next(n for n, r in rounds if r is rep)
        row = dict(rep)
        row["summary"] = summary
        row["rounds_seen"] = [{"round": r.get("round", 0), "position": r.get("position", 0),
                               "cycles_per_packet": r["cycles_per_packet"]["mean"],
                               "pps": r["pps"], "line": n} for n, r in rounds]
        row["totals"] = {k: sum(r[k] for r in objs) for k in _COUNTS}
        row["window"] = _window_over_rounds(objs)
        row["derived"] = derive(row, hz)
        row["derived"]["line"] = line
        for n, r in rounds:
            ps = sum(r["phase"].get(k, 0) for k in PHASES)
            if ps != r["tsc_total"]:
                warnings.append("%s:%d: row %d: phases add up to %d cycles, not tsc_total %d"
                                % (where, n, r["row"], ps, r["tsc_total"]))
            if r["schema"] >= 4 and len(r["per_cpu"]) != r["cpus"]:
                warnings.append("%s:%d: row %d: %d per_cpu entries for %d CPUs"
                                % (where, n, r["row"], len(r["per_cpu"]), r["cpus"]))
        rows.append(row)
    extra = sorted(set(kernel) - {r["row"] for r in rows})
    if extra:
        warnings.append("%s: run %d: summaries of rows %s, which have no round"
                        % (where, run.index, extra[:12]))
    return rows


def load(text, where="log", number=None):
    """Parses a log and returns the chosen run as a plain dict (what --json
    prints): context, rows (one per row index, see _rows), costs, end,
    headline, and the warnings a reader must see."""
    runs, warnings = parse_runs(text, where)
    run, notes = pick_run(runs, number, where)
    ctx = run.context
    tsc = ctx.get("tsc") if isinstance(ctx.get("tsc"), dict) else {}
    hz = tsc.get("hz") if is_counter(tsc.get("hz")) and tsc.get("hz") > 0 else 0
    warnings = warnings + notes
    if not hz:
        warnings.append("%s:%d: context has no TSC rate (tsc.hz); windows cannot be "
                        "shown in microseconds" % (where, run.line))
    schema = ctx.get("schema", 1)
    rounds = ctx.get("rounds") if schema >= 2 and is_counter(ctx.get("rounds")) else 1
    rows = _rows(where, run, hz, warnings)
    seen = [r["row"] for r in rows]
    if seen != list(range(len(seen))):
        warnings.append("%s: run %d: row numbers are %s, expected 0..%d: lines lost?"
                        % (where, run.index, seen[:12], len(seen) - 1))
    short = [r["row"] for r in rows if len(r["rounds_seen"]) < rounds]
    if short:
        warnings.append("%s: run %d: row%s %s measured in fewer than the %d rounds the "
                        "context announces" % (where, run.index, "s" if len(short) > 1 else "",
                                               short[:12], rounds))
    sources = {r["summary"]["source"] for r in rows}
    if schema >= 2 and "computed" in sources:
        warnings.append("%s: run %d: %s (the run was cut short): median, min and max "
                        "computed here from the rounds present"
                        % (where, run.index, "no summary line" if sources == {"computed"}
                           else "some rows have no summary line"))
    end = run.end
    if end is not None:
        if end.get("rows") != len(rows):
            warnings.append("%s:%d: end says %s rows, the run has %d: lines lost?"
                            % (where, run.end_line, end.get("rows"), len(rows)))
        if schema >= 2 and end.get("rounds") != rounds:
            warnings.append("%s:%d: end says %s rounds, the context %d"
                            % (where, run.end_line, end.get("rounds"), rounds))
        if end.get("verdict") != 0:
            warnings.append("%s:%d: the kernel's verdict is %s, not 0 (ok): a check "
                            "failed; see the log" % (where, run.end_line, end.get("verdict")))
    return {
        "log": where,
        "run": run.index,
        "runs": len(runs),
        "complete": run.complete,
        "line": run.line,
        "schema": schema,
        "rounds": rounds,
        "summaries": ("kernel" if sources == {"kernel"} else "computed"
                      if sources <= {"computed"} else "mixed"),
        "context": ctx,
        "rows": rows,
        "costs": [c for _, c in run.costs],
        "end": end,
        "workloads": workloads(rows),
        "headline": headline(rows),
        "warnings": warnings,
    }

"""Reads the kernel's machine-readable report out of a serial log and derives
the numbers the page shows (tools/report.py is the command-line tool).

A serial log is mostly other text: OVMF's output with its ANSI escapes, the
kernel's own lines, \r\n line ends. Report lines are `REPORT {json}` (schema
1), grouped in runs: one `context`, its `row`s, one `end`. A run that has no
`end` is kept, marked incomplete: the machine died, its rows still count.
A run with a line the tool cannot read (a reset cut it and the next boot's
output ran on, serial noise, a number no 64-bit counter holds) is kept,
marked damaged, and not shown; the other runs are still read. Every
problem that stops the tool is a ReportError naming the log line.
"""
import json
import re

SCHEMA = 1
# The kernel's counters are 64-bit: a larger number is damage, not data
# (and would overflow the floats of the derived numbers).
COUNTER_LIMIT = 2 ** 64
PREFIX = "REPORT "
PHASES = ("iova", "pte", "inval_submit", "inval_wait", "nic", "other")
# "micro": the invalidation micro-benchmarks (map + unmap + invalidate +
# wait of one page, no device DMA), one row per interface and granularity.
SWEEPS = ("policy", "hwm", "inval", "batch_inval", "size", "micro")
POLICIES = ("off", "strict", "batched", "pool")

# CSI sequences (colours, cursor moves), two-byte escapes and bare carriage
# returns that firmware consoles leave at the start of a line. Only a line's
# start is cleaned: the JSON itself is parsed as it came.
_LEAD = re.compile(r"(?:\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]|\r)+")

# The fields a row must carry, with the JSON type each holds.
_ROW_INTS = ("row", "hwm", "flush_ms", "size", "packets", "received", "lost",
             "duplicated", "corrupted", "faults", "tsc_total", "pps", "maps",
             "unmaps", "invalidations", "inval_waits", "flushes_hwm",
             "flushes_deadline", "flushes_forced", "timer_interrupts")
_ROW_STRS = ("sweep", "policy", "inval", "batch_inval")
_ROW_OBJS = {
    "cycles_per_packet": ("mean", "p50", "p99", "max"),
    "phase": PHASES,
    "window": ("entries", "mean_cycles", "max_cycles", "mean_unmaps", "max_unmaps"),
}


class ReportError(Exception):
    """A log the tool cannot turn into a report; the message says why."""


class Run:
    """One context..end group of report lines."""

    def __init__(self, index, line, context):
        self.index = index          # 1-based position in the log
        self.line = line            # log line of the context
        self.context = context
        self.rows = []              # (line, row object)
        self.costs = []             # (line, cost object): the micro-benchmarks
        self.end = None
        self.end_line = None
        self.damage = None          # why the run cannot be shown, or None

    @property
    def complete(self):
        return self.end is not None


def _is_int(v):
    # JSON true/false become bool, which is an int subclass in Python.
    return isinstance(v, int) and not isinstance(v, bool)


def _is_counter(v):
    return _is_int(v) and 0 <= v < COUNTER_LIMIT


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
    if schema != SCHEMA:
        raise ReportError("%s:%d: report schema %s; this tool reads schema %d only "
                          "(a newer kernel needs a newer tools/report.py)"
                          % (where, n, json.dumps(schema), SCHEMA))
    if obj.get("type") not in ("context", "row", "cost", "end"):
        raise ReportError("%s:%d: unknown report type %s"
                          % (where, n, json.dumps(obj.get("type"))))
    return obj


def _check_row(where, n, row):
    """Every field the page uses is there with the right type."""
    bad = [k for k in _ROW_INTS if not _is_counter(row.get(k))]
    bad += [k for k in _ROW_STRS if not isinstance(row.get(k), str)]
    for obj, keys in _ROW_OBJS.items():
        sub = row.get(obj)
        if not isinstance(sub, dict):
            bad.append(obj)
            continue
        bad += ["%s.%s" % (obj, k) for k in keys if not _is_counter(sub.get(k))]
    if bad:
        raise ReportError("%s:%d: row is missing or has non-integer fields: %s (each a "
                          "64-bit counter)" % (where, n, ", ".join(bad)))
    if row["sweep"] not in SWEEPS:
        raise ReportError("%s:%d: unknown sweep %s (known: %s)"
                          % (where, n, json.dumps(row["sweep"]), ", ".join(SWEEPS)))


def _damaged(run, why, warnings):
    run.damage = why
    warnings.append("run %d (line %d) is damaged and not shown: %s" % (run.index, run.line, why))


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
        elif kind == "row":
            try:
                _check_row(where, n, obj)
            except ReportError as e:
                _damaged(cur, str(e), warnings)
                continue
            cur.rows.append((n, obj))
        elif kind == "cost":
            cur.costs.append((n, obj))
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
    """What tells this row apart from the others of its sweep."""
    s = row["sweep"]
    if s == "policy":
        return row["policy"]
    if s in ("hwm", "size"):
        return "%s=%d" % (s, row[s])
    if s == "micro":
        return "%s/%s" % (row["inval"], row["batch_inval"])
    return "%s=%s" % (s, row[s])


def derive(row, hz):
    """The numbers computed from one row: per-packet phases, shares of the
    run's time (fractions 0..1), invalidations per packet and the protection
    window in microseconds. None where a denominator is zero."""
    pk, total, ph, win = row["packets"], row["tsc_total"], row["phase"], row["window"]
    inval = ph["inval_submit"] + ph["inval_wait"]
    per_us = 1e6 / hz if hz else None
    return {
        "label": row_label(row),
        "phase_per_packet": {k: _ratio(ph[k], pk) for k in PHASES},
        "phase_share": {k: _ratio(ph[k], total) for k in PHASES},
        "phase_sum": sum(ph[k] for k in PHASES),  # keys of a newer kernel aside
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


def _cheaper(base, other):
    """How much cheaper `other` is than `base` per packet, in percent
    (negative: dearer); None when either cost is unknown."""
    if not base["packets"] or not other["packets"]:
        return None
    b = base["cycles_per_packet"]["mean"]
    o = other["cycles_per_packet"]["mean"]
    return (b - o) * 100.0 / b if b else None


def headline(rows):
    """The comparisons at the top of the page, from the policy sweep."""
    by = {}
    for r in rows:
        if r["sweep"] == "policy":
            by.setdefault(r["policy"], r)
    h = {"policies": [p for p in POLICIES if p in by] + sorted(set(by) - set(POLICIES))}
    strict = by.get("strict")
    for p in ("batched", "pool", "off"):
        if strict and p in by:
            h["%s_vs_strict_pct" % p] = _cheaper(strict, by[p])
    if strict:
        h["strict_inval_share"] = strict["derived"]["inval_share"]
    b = by.get("batched")
    if b:
        h["batched_window_us"] = b["derived"]["window_us"]
        h["batched_window_unmaps"] = {"mean": b["window"]["mean_unmaps"],
                                      "max": b["window"]["max_unmaps"]}
        h["batched_hwm"] = b["hwm"]
        h["batched_flush_ms"] = b["flush_ms"]
    return h


def load(text, where="log", number=None):
    """Parses a log and returns the chosen run as a plain dict (what --json
    prints): context, rows each with a `derived` dict, end, headline, and
    the warnings a reader must see."""
    runs, warnings = parse_runs(text, where)
    run, notes = pick_run(runs, number, where)
    ctx = run.context
    tsc = ctx.get("tsc") if isinstance(ctx.get("tsc"), dict) else {}
    hz = tsc.get("hz") if _is_counter(tsc.get("hz")) and tsc.get("hz") > 0 else 0
    warnings = warnings + notes
    if not hz:
        warnings.append("%s:%d: context has no TSC rate (tsc.hz); windows cannot be "
                        "shown in microseconds" % (where, run.line))
    rows = []
    for n, row in run.rows:
        row = dict(row)
        row["derived"] = derive(row, hz)
        row["derived"]["line"] = n
        if row["derived"]["phase_sum"] != row["tsc_total"]:
            warnings.append("%s:%d: row %d: phases add up to %d cycles, not tsc_total %d"
                            % (where, n, row["row"], row["derived"]["phase_sum"],
                               row["tsc_total"]))
        rows.append(row)
    seen = [r["row"] for r in rows]
    if seen != list(range(len(seen))):
        warnings.append("%s: run %d: row numbers are %s, expected 0..%d: lines lost?"
                        % (where, run.index, seen[:12], len(seen) - 1))
    end = run.end
    if end is not None:
        if end.get("rows") != len(rows):
            warnings.append("%s:%d: end says %s rows, the run has %d: lines lost?"
                            % (where, run.end_line, end.get("rows"), len(rows)))
        if end.get("verdict") != 0:
            warnings.append("%s:%d: the kernel's verdict is %s, not 0 (ok): a check "
                            "failed; see the log" % (where, run.end_line, end.get("verdict")))
    return {
        "log": where,
        "run": run.index,
        "runs": len(runs),
        "complete": run.complete,
        "line": run.line,
        "context": ctx,
        "rows": rows,
        "end": end,
        "headline": headline(rows),
        "warnings": warnings,
    }

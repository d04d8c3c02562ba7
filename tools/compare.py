#!/usr/bin/env python3
"""Compares two vtdbench runs row by row: `make compare A=log1 B=log2`.

usage: compare.py A B [--html OUT] [--run-a N] [--run-b N]

Rows are matched by what they measured (workload, sweep, policy, inval,
batch_inval, hwm, size, qd, cpus), not by their place in the run, so each
CPU count of a cpus sweep is a row of its own. For each row in both runs it
prints the median cycles per packet (per read for the NVMe workload; CPU
cycles, summed over the CPUs, in a row of several) of A and of B, the ratio
B/A and a
verdict: "within the spread" when the two runs' [min, max] ranges over
their rounds overlap, else "B faster" or "B slower" (beyond both runs'
spread). Rows in one run only are listed as such. The header names both
runs and warns when the machines or the options differ; the last line says
whether every row agrees. The same goes to a self-contained HTML page
(default: compare.html beside B).

Exit status: 0 compared (whatever the verdicts), 1 the page could not be
written, 2 bad input (a log that cannot be read, holds no rows, or a schema
this tool does not know).
"""
import argparse
import os
import sys
from html import escape

sys.dont_write_bytecode = True      # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report_log as rl  # noqa: E402
from report_html import CSS, h, kv, table  # noqa: E402
from report_svg import num  # noqa: E402

# What must be the same for two runs' cycles to be comparable.
MACHINE = (("machine", "cpu"), ("machine", "cpu_signature"), ("machine", "microcode"),
           ("machine", "hypervisor"), ("machine", "firmware"),
           ("machine", "firmware_revision"), ("nic", "model"), ("smp", "listed"),
           ("smp", "started"))
WITHIN, FASTER, SLOWER = "within the spread", "B faster", "B slower"


class BadInput(Exception):
    """A log this tool cannot compare; the message says why."""


def _get(d, path, default=None):
    for k in path:
        if not isinstance(d, dict) or k not in d:
            return default
        d = d[k]
    return d


def load(path):
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", errors="replace")
    except OSError as e:
        raise BadInput("cannot read %s: %s" % (path, e.strerror))
    try:
        data = rl.load(text, path)
    except rl.ReportError as e:
        raise BadInput(str(e))
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, ZeroDivisionError,
            RecursionError) as e:
        raise BadInput("%s holds something this tool cannot read (%s: %s)"
                       % (path, type(e).__name__, e))
    if not data["rows"]:
        raise BadInput("%s: run %d has no rows: nothing to compare" % (path, data["run"]))
    return data


def describe(data):
    """One line naming a run: build, CPU, start, rounds."""
    ctx = data["context"]
    return ("%s (run %d of %d%s): build %s, CPU %s, started %s, %d round%s, %d rows"
            % (data["log"], data["run"], data["runs"],
               "" if data["complete"] else ", INCOMPLETE", _get(ctx, ("build",), "?"),
               _get(ctx, ("machine", "cpu"), "?"), _get(ctx, ("started",), "") or "unknown",
               data["rounds"], "" if data["rounds"] == 1 else "s", len(data["rows"])))


def differences(a, b):
    """Warnings about what makes the two runs' cycles not comparable."""
    out = []
    ca, cb = a["context"], b["context"]
    diff = ["%s %s vs %s" % (".".join(p), _get(ca, p), _get(cb, p)) for p in MACHINE
            if _get(ca, p) != _get(cb, p)]
    ua = [(u.get("cap"), u.get("ecap")) for u in _get(ca, ("vtd",), []) or []
          if isinstance(u, dict)]
    ub = [(u.get("cap"), u.get("ecap")) for u in _get(cb, ("vtd",), []) or []
          if isinstance(u, dict)]
    if ua != ub:
        diff.append("VT-d units (CAP, ECAP) %s vs %s" % (ua, ub))
    if diff:
        out.append("the machines differ: " + "; ".join(diff))
    if _get(ca, ("options",)) != _get(cb, ("options",)):
        out.append("the options differ: A \"%s\", B \"%s\"" % (_get(ca, ("options",), ""),
                                                               _get(cb, ("options",), "")))
    if a["rounds"] != b["rounds"]:
        out.append("the rounds per row differ: A %d, B %d" % (a["rounds"], b["rounds"]))
    for name, d in (("A", a), ("B", b)):
        if d["rounds"] == 1:
            out.append("%s has one round per row: its spread is unknown, so any difference "
                       "counts as beyond it" % name)
        if not d["complete"]:
            out.append("%s is incomplete (no end line): its last rows may be missing" % name)
    return out


def label(row):
    """The row's label, with its workload and queue depth beside it when it
    is not the packet stream's: "nvme strict qd=32", "nvme strict cpus=4
    qd=1"."""
    if row.get("workload", "net") == "net":
        return rl.row_label(row)
    if row["sweep"] == "qd":
        return "%s %s" % (row["workload"], rl.row_label(row))
    return "%s %s qd=%s" % (row["workload"], rl.row_label(row), row.get("qd"))


def full_key(row):
    return " ".join("%s=%s" % (k, row[k]) for k in rl.ROW_KEY)


def verdict(sa, sb):
    if rl.ranges_overlap(sa, sb):
        return WITHIN
    return FASTER if sb["cycles_per_packet"]["median"] < sa["cycles_per_packet"]["median"] \
        else SLOWER


def match(a, b):
    """(pairs, only in A, only in B); a key that appears twice in a run is
    matched in order."""
    pool = {}
    for r in b["rows"]:
        pool.setdefault(rl.row_key(r), []).append(r)
    pairs, only_a = [], []
    for r in a["rows"]:
        cand = pool.get(rl.row_key(r))
        if cand:
            pairs.append((r, cand.pop(0)))
        else:
            only_a.append(r)
    matched = {id(rb) for _, rb in pairs}
    return pairs, only_a, [r for r in b["rows"] if id(r) not in matched]


def compare(a, b):
    pairs, only_a, only_b = match(a, b)
    out = []
    for ra, rb in pairs:
        ma = ra["summary"]["cycles_per_packet"]["median"]
        mb = rb["summary"]["cycles_per_packet"]["median"]
        out.append({"label": label(ra), "key": full_key(ra), "a": ra["summary"],
                    "b": rb["summary"], "median_a": ma, "median_b": mb,
                    "ratio": mb / ma if ma else None,
                    "verdict": verdict(ra["summary"], rb["summary"])})
    return out, only_a, only_b


def last_line(results):
    differ = sum(1 for r in results if r["verdict"] != WITHIN)
    if not results:
        return "compare: no row is in both runs"
    if not differ:
        return "compare: all %d rows agree within their spreads" % len(results)
    return "compare: %d of %d rows differ beyond their spreads" % (differ, len(results))


def _ratio(x):
    return "%.3f" % x if x is not None else "-"


def text_report(a, b, warnings, results, only_a, only_b):
    lines = ["compare: A = " + describe(a), "compare: B = " + describe(b)]
    lines += ["compare: warning: " + w for w in warnings]
    w = max([len(r["label"]) for r in results] + [3])
    lines.append("%-*s %12s %12s %7s  %s" % (w, "row", "median A", "median B", "B/A",
                                              "verdict"))
    for r in results:
        lines.append("%-*s %12s %12s %7s  %s" % (w, r["label"], num(r["median_a"]),
                                                 num(r["median_b"]), _ratio(r["ratio"]),
                                                 r["verdict"]))
    lines += ["only in A: %s (%s)" % (label(r), full_key(r)) for r in only_a]
    lines += ["only in B: %s (%s)" % (label(r), full_key(r)) for r in only_b]
    lines.append(last_line(results))
    return "\n".join(lines) + "\n"


def _range(s):
    c = s["cycles_per_packet"]
    return "%s\u2013%s (%.1f%%)" % (num(c["min"]), num(c["max"]), c["spread_permille"] / 10.0)


def html_page(a, b, warnings, results, only_a, only_b):
    title = "vtdbench comparison: %s vs %s" % (os.path.basename(a["log"]),
                                              os.path.basename(b["log"]))
    parts = [h("h1", escape(title)), h("p", escape(last_line(results)), cls="sub")]
    if warnings:
        parts.append(h("div", "Warnings:" + h("ul", "".join(h("li", escape(x))
                                                            for x in warnings)),
                       cls="banner warn"))
    for name, d in (("A", a), ("B", b)):
        ctx = d["context"]
        parts.append(h("h3", "%s: %s" % (name, escape(d["log"]))))
        parts.append(kv([
            ("run", "%d of %d%s" % (d["run"], d["runs"], "" if d["complete"] else
                                    ", " + h("b", "INCOMPLETE", cls="bad"))),
            ("build", h("code", escape(str(_get(ctx, ("build",), "?"))))),
            ("CPU", escape(str(_get(ctx, ("machine", "cpu"), "?")))),
            ("started", escape(str(_get(ctx, ("started",), "") or "unknown"))),
            ("rounds", str(d["rounds"])),
            ("options", h("code", escape(str(_get(ctx, ("options",), ""))) or "(none)")),
        ]))
    cls = {WITHIN: None, FASTER: "good", SLOWER: "bad"}
    trs = [[escape(r["label"]), num(r["median_a"]), escape(_range(r["a"])), num(r["median_b"]),
            escape(_range(r["b"])), _ratio(r["ratio"]),
            h("span", escape(r["verdict"]), cls=cls[r["verdict"]])] for r in results]
    parts.append(h("h2", "Rows in both runs"))
    parts.append(table(["row", "median A", "A min\u2013max (spread)", "median B",
                        "B min\u2013max (spread)", "B/A", "verdict"], trs,
                       numeric=range(1, 6)))
    parts.append(h("p", "Cycles per packet (per read in nvme rows), median over each run's "
                   "rounds. Within the spread: "
                   "the two runs' min\u2013max ranges overlap, so the rounds cannot tell them "
                   "apart; otherwise B is faster or slower beyond both runs' spread.",
                   cls="note"))
    if only_a or only_b:
        parts.append(h("h2", "Rows in one run only"))
        parts.append(table(["run", "row", "what it measured"],
                           [[n, escape(label(r)), h("code", escape(full_key(r)))]
                            for n, rs in (("A", only_a), ("B", only_b)) for r in rs]))
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<title>%s</title>\n<style>%s</style>\n</head>\n<body>\n%s\n</body>\n</html>\n"
            % (escape(title), CSS, "\n".join(parts)))


def main(argv=None):
    ap = argparse.ArgumentParser(description="Compare two vtdbench runs row by row.")
    ap.add_argument("a", metavar="A", help="the first serial log (the reference)")
    ap.add_argument("b", metavar="B", help="the second serial log")
    ap.add_argument("--html", metavar="OUT",
                    help="where to write the page (default: compare.html beside B)")
    args = ap.parse_args(argv)
    try:
        a, b = load(args.a), load(args.b)
    except BadInput as e:
        print("compare: %s" % e, file=sys.stderr)
        return 2
    for name, d in (("A", a), ("B", b)):
        for w in d["warnings"]:
            print("compare: %s: warning: %s" % (name, w), file=sys.stderr)
    warnings = differences(a, b)
    results, only_a, only_b = compare(a, b)
    sys.stdout.write(text_report(a, b, warnings, results, only_a, only_b))
    out = args.html or os.path.join(os.path.dirname(os.path.abspath(args.b)), "compare.html")
    try:
        with open(out + ".tmp", "w", encoding="utf-8") as f:
            f.write(html_page(a, b, warnings, results, only_a, only_b))
        os.replace(out + ".tmp", out)
    except OSError as e:
        print("compare: cannot write %s: %s" % (out, e.strerror), file=sys.stderr)
        return 1
    print("compare: page written to %s" % out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

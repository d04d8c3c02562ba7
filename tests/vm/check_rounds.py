#!/usr/bin/env python3
"""Checks the rounds of a run from its serial log, against what the kernel
itself printed: every row is measured once per round, round r runs the
rows rotated by r (row i at position (i - r) mod n), each `summary` object's
median, minimum, maximum and spread are those of the row's per-round
`cycles_per_packet.mean` figures, the table of medians prints the same
numbers, and each workload's headline claims a difference between a policy
and strict only where their ranges do not overlap.

usage: check_rounds.py SERIAL.log
"""
import json
import re
import sys


def report_objects(log):
    objs = []
    with open(log, "rb") as f:
        for raw in f.read().decode("utf-8", "replace").splitlines():
            line = raw.strip("\r")
            if line.startswith("REPORT "):
                objs.append(json.loads(line[len("REPORT "):]))
    return objs


def median(v):
    s = sorted(v)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) // 2


def check_headline(text, workload, ranges, rounds):
    """The workload's headline line against its policy rows' ranges."""
    problems = []
    head = re.search(r"^report: headline, %s \(medians over (\d+) rounds?\): (.*)$" % workload,
                     text, re.M)
    if not head:
        return ["no headline for %s" % workload]
    if "strict" not in ranges:
        return problems
    if int(head.group(1)) != rounds:
        problems.append("the %s headline says %s rounds" % (workload, head.group(1)))
    lo, hi = ranges["strict"]
    for policy, (a, b) in ranges.items():
        if policy == "strict":
            continue
        overlap = a <= hi and lo <= b
        text_ = head.group(2)
        apart = re.search(r"(?:^|, )%s [0-9.]+%% (?:fewer|more)" % policy, text_)
        together = re.search(r"(?:^|; )((?:\w+, )*\w+) cannot be told apart from strict", text_)
        in_together = bool(together) and policy in together.group(1).split(", ")
        if apart and in_together or not (apart or in_together):
            problems.append("the %s headline does not compare %s with strict once"
                            % (workload, policy))
        elif overlap != in_together:
            problems.append("the %s headline says %s %s strict, but the ranges [%d, %d] and "
                            "strict's [%d, %d] %s" % (workload, policy, "is like" if in_together
                                                       else "differs from", a, b, lo, hi,
                                                       "overlap" if overlap else
                                                       "do not overlap"))
    return problems


def check(log):
    problems = []
    text = open(log, "rb").read().decode("utf-8", "replace").replace("\r", "")
    objs = report_objects(log)
    ctx = [o for o in objs if o["type"] == "context"]
    end = [o for o in objs if o["type"] == "end"]
    if len(ctx) != 1 or len(end) != 1:
        return ["expected one context and one end object, got %d and %d" % (len(ctx), len(end))]
    rounds, nrows = ctx[0]["rounds"], end[0]["rows"]
    if end[0]["rounds"] != rounds:
        problems.append("end says %d rounds, context %d" % (end[0]["rounds"], rounds))
    rows = [o for o in objs if o["type"] == "row"]
    if len(rows) != rounds * nrows:
        problems.append("%d row objects for %d rows x %d rounds" % (len(rows), nrows, rounds))
    # The order: the k-th stream of round r is row (k + r) mod n.
    for k, o in enumerate(rows):
        r, pos = divmod(k, nrows)
        want = (pos + r) % nrows
        if (o["round"], o["position"], o["row"]) != (r, pos, want):
            problems.append("stream %d: round %d position %d row %d, expected round %d "
                            "position %d row %d" % (k, o["round"], o["position"], o["row"],
                                                    r, pos, want))
    summaries = {o["row"]: o for o in objs if o["type"] == "summary"}
    if sorted(summaries) != list(range(nrows)):
        problems.append("summaries for rows %s, expected 0..%d" % (sorted(summaries), nrows - 1))
    ranges = {}
    for i, s in summaries.items():
        mine = [o for o in rows if o["row"] == i]
        v = [o["cycles_per_packet"]["mean"] for o in mine]
        if s["rounds"] != len(v):
            problems.append("row %d: summary of %d rounds, %d row objects" % (i, s["rounds"], len(v)))
            continue
        c = s["cycles_per_packet"]
        m = median(v)
        spread = (max(v) - min(v)) * 1000 // m if m else 0
        if (c["median"], c["min"], c["max"], c["spread_permille"]) != (m, min(v), max(v), spread):
            problems.append("row %d: summary %s, the rounds give median %d min %d max %d "
                            "spread %d" % (i, c, m, min(v), max(v), spread))
        if any(o["policy"] != s["policy"] or o["sweep"] != s["sweep"] or
               o["workload"] != s["workload"] for o in mine):
            problems.append("row %d: its rounds are not all of one workload, policy and sweep" % i)
        if s["sweep"] == "policy":
            ranges.setdefault(s["workload"], {})[s["policy"]] = (c["min"], c["max"])
        # The table of medians: row, work, sweep, policy, ..., rounds, lost, faults, pkt/s,
        # cyc/pkt, min, max.
        line = re.search(r"^report: %d +%s +%s +%s +.* %d +\d+ +\d+ +(\d+) +(\d+) +(\d+) +(\d+) "
                         % (i, s["workload"], s["sweep"], s["policy"], s["rounds"]), text, re.M)
        if not line:
            problems.append("row %d: no line in the table of medians" % i)
        elif [int(x) for x in line.groups()] != [s["pps"]["median"], m, min(v), max(v)]:
            problems.append("row %d: the table says %s, the summary %s" %
                            (i, line.groups(), (s["pps"]["median"], m, min(v), max(v))))
    for workload, wranges in sorted(ranges.items()):
        problems += check_headline(text, workload, wranges, rounds)
    return problems


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    problems = check(argv[1])
    for p in problems:
        print("check_rounds: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
"""Checks the cost micro-benchmarks in a serial log: every
`REPORT {"type":"cost",...}` line parses as JSON and carries the schema's
fields with sane values (integers, min <= p50 <= p99 <= max, the mean
between min and max, the report's schema), and together they cover a
register read and write, every granularity by each interface measured,
and the empty wait when the queued interface is there. Any `latency`
array in a row or summary is checked too: known granularities, counts
that are the sum of the buckets, no trailing empty bucket, p50/p99 the
upper bound of the bucket holding their nearest rank, max inside the
last bucket.

usage: check_costs.py SERIAL.log
"""
import json
import sys

FIELDS = ("type", "schema", "unit", "what", "inval", "gran", "iterations",
          "mean", "p50", "p99", "min", "max")
WHATS = ("mmio_read", "mmio_write", "wait", "inval")
INVALS = ("qi", "reg")
GRANS = ("pages", "domain", "global")


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def check_cost(obj, schema):
    errors = []
    missing = [f for f in FIELDS if f not in obj]
    if missing:
        return ["missing fields %s" % ", ".join(missing)]
    extra = sorted(set(obj) - set(FIELDS))
    if extra:
        errors.append("unknown fields %s" % ", ".join(extra))
    if obj["schema"] != schema:
        errors.append("schema %r, the context says %r" % (obj["schema"], schema))
    for f in ("unit", "iterations", "mean", "p50", "p99", "min", "max"):
        if not is_int(obj[f]) or obj[f] < 0:
            errors.append("%s is %r, not a non-negative integer" % (f, obj[f]))
    if errors:
        return errors
    if obj["what"] not in WHATS:
        errors.append("what %r" % obj["what"])
    if obj["inval"] not in INVALS:
        errors.append("inval %r" % obj["inval"])
    if obj["what"] == "inval" and obj["gran"] not in GRANS:
        errors.append("an invalidation of granularity %r" % obj["gran"])
    if obj["what"] != "inval" and obj["gran"] != "":
        errors.append("gran %r on a %s" % (obj["gran"], obj["what"]))
    if obj["what"] == "wait" and obj["inval"] != "qi":
        errors.append("an empty wait by %s" % obj["inval"])
    if obj["iterations"] == 0:
        errors.append("no iterations")
    if not obj["min"] <= obj["p50"] <= obj["p99"] <= obj["max"]:
        errors.append("min %(min)d, p50 %(p50)d, p99 %(p99)d, max %(max)d out of order" % obj)
    if not obj["min"] <= obj["mean"] <= obj["max"]:
        errors.append("mean %(mean)d outside [%(min)d, %(max)d]" % obj)
    return errors


def upper(i):
    return (2 << i) - 1


def bucket_of(v):
    return max(v.bit_length() - 1, 0)


def percentile(buckets, count, pct):
    rank = max((pct * count + 99) // 100, 1)
    seen = 0
    for i, b in enumerate(buckets):
        seen += b
        if seen >= rank:
            return upper(i)
    return None


def check_latency(lat):
    if not isinstance(lat, list):
        return ["latency is not an array"]
    errors, seen = [], set()
    for e in lat:
        if not isinstance(e, dict) or set(e) != {"gran", "count", "p50", "p99", "max", "buckets"}:
            errors.append("latency entry %r" % (e,))
            continue
        if e["gran"] not in GRANS or e["gran"] in seen:
            errors.append("latency granularity %r (twice, or unknown)" % e["gran"])
        seen.add(e["gran"])
        b = e["buckets"]
        if not isinstance(b, list) or not b or not all(is_int(x) and x >= 0 for x in b):
            errors.append("%s: buckets %r" % (e["gran"], b))
            continue
        if b[-1] == 0:
            errors.append("%s: a trailing empty bucket" % e["gran"])
        if e["count"] != sum(b) or e["count"] == 0:
            errors.append("%s: count %r, buckets sum to %d" % (e["gran"], e["count"], sum(b)))
        for pct in (50, 99):
            want = percentile(b, sum(b), pct)
            if e["p%d" % pct] != want:
                errors.append("%s: p%d %r, the buckets say %r" % (e["gran"], pct, e["p%d" % pct], want))
        if not is_int(e["max"]) or bucket_of(e["max"]) != len(b) - 1:
            errors.append("%s: max %r is not in the last bucket (%d)" % (e["gran"], e["max"], len(b) - 1))
    return errors


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    schema, costs, failures = None, [], []
    with open(argv[1], "rb") as f:
        lines = f.read().decode("utf-8", "replace").splitlines()
    for n, raw in enumerate(lines, 1):
        line = raw.strip("\r")
        if not line.startswith("REPORT "):
            continue
        try:
            obj = json.loads(line[len("REPORT "):])
        except ValueError as e:
            if '"type":"cost"' in line:
                failures.append("line %d: a cost line that is not JSON: %s" % (n, e))
            continue
        if not isinstance(obj, dict):
            continue
        kind = obj.get("type")
        if kind == "context":
            schema = obj.get("schema")
        elif kind == "cost":
            for e in check_cost(obj, schema):
                failures.append("line %d: cost: %s" % (n, e))
            costs.append(obj)
        if kind in ("row", "summary") and "latency" in obj:
            for e in check_latency(obj["latency"]):
                failures.append("line %d: %s latency: %s" % (n, kind, e))
    if not costs:
        failures.append("no REPORT cost line in the log")
    have = {(c.get("what"), c.get("inval"), c.get("gran")) for c in costs}
    whats = {c.get("what") for c in costs}
    for w in ("mmio_read", "mmio_write"):
        if w not in whats:
            failures.append("no %s cost" % w)
    for inval in sorted({c.get("inval") for c in costs if c.get("what") == "inval"} | {"reg"}):
        for g in GRANS:
            if ("inval", inval, g) not in have:
                failures.append("no %s %s invalidation cost" % (inval, g))
    if any(c.get("inval") == "qi" for c in costs) and ("wait", "qi", "") not in have:
        failures.append("no empty queued wait cost")
    for f in failures:
        print("check_costs: " + f)
    if failures:
        return 1
    print("check_costs: %d cost lines, all well-formed" % len(costs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

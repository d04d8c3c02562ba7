"""The per-row summary over rounds, as the kernel prints it in schema 2
(`summary` lines), computed on the host when the log has none: a schema-1
log (one round per row) or a run cut short before its summaries.

Only integers, like the kernel's own numbers: the median of an even count
is the lower of the two middle values, so it is always one round's figure.
"""

PER_ROUND = ("cycles_per_packet", "pps")


def median_low(values):
    s = sorted(values)
    return s[(len(s) - 1) // 2]


def spread_permille(lo, hi, median):
    return (hi - lo) * 1000 // median if median else 0


def stat(values):
    """median, min, max and spread of one figure over the rounds."""
    m, lo, hi = median_low(values), min(values), max(values)
    return {"median": m, "min": lo, "max": hi, "spread_permille": spread_permille(lo, hi, m)}


def round_figure(row, what):
    """A row's per-round figure: its cycles_per_packet.mean, its pps."""
    return row["cycles_per_packet"]["mean"] if what == "cycles_per_packet" else row["pps"]


def rank_bound(buckets, count, q):
    """The upper bound (2^(i+1)-1) of the bucket holding the nearest-rank
    q-quantile; 0 for no sample."""
    if not count:
        return 0
    rank = max(1, -(-count * q // 100))
    seen = 0
    for i, b in enumerate(buckets):
        seen += b
        if seen >= rank:
            return 2 ** (i + 1) - 1
    return 2 ** len(buckets) - 1


def merge_latency(arrays):
    """One latency entry per granularity, buckets added over the rounds."""
    by = {}
    for arr in arrays:
        for e in arr or []:
            m = by.setdefault(e["gran"], {"gran": e["gran"], "count": 0, "max": 0,
                                          "buckets": []})
            m["count"] += e["count"]
            m["max"] = max(m["max"], e["max"])
            b = e["buckets"]
            if len(b) > len(m["buckets"]):
                m["buckets"] += [0] * (len(b) - len(m["buckets"]))
            for i, v in enumerate(b):
                m["buckets"][i] += v
    out = []
    for m in by.values():
        m["p50"] = rank_bound(m["buckets"], m["count"], 50)
        m["p99"] = rank_bound(m["buckets"], m["count"], 99)
        out.append(m)
    return out


def compute(rounds):
    """A summary object like the kernel's from a row's rounds (row dicts)."""
    first = rounds[0]
    s = {k: first.get(k) for k in ("row", "workload", "sweep", "policy", "inval",
                                   "batch_inval", "hwm", "size", "qd", "cpus", "fq_size")}
    s["translation"] = first.get("translation", "")
    s["rounds"] = len(rounds)
    for what in PER_ROUND:
        s[what] = stat([round_figure(r, what) for r in rounds])
    phase = {}
    for k in first["phase"]:
        per = [r["phase"].get(k, 0) // r["packets"] for r in rounds
               if r["packets"] and isinstance(r["phase"].get(k, 0), int)]
        if per:
            phase[k] = {"median": median_low(per), "min": min(per), "max": max(per)}
    s["phase"] = phase
    s["latency"] = merge_latency([r.get("latency") for r in rounds])
    return s


def representative(rounds, median):
    """The round whose cycles figure is nearest the median: the one the
    per-phase charts draw."""
    return min(rounds, key=lambda r: (abs(r["cycles_per_packet"]["mean"] - median),
                                      r.get("round", 0)))

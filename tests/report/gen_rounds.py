"""The schema-2 sample logs (rounds, summaries, costs, latency), written by
gen_logs.py from its cost model: each round of a row is the schema-1 row
scaled by a few per mille of noise, the rounds run in rotated order, and
the summaries are computed here, independently of the tool, the way the
kernel computes them (lower median, spread in per mille of it).

rounds.log          3 rounds, policy sweep + hwm=16,250, complete
rounds_cut.log      the same, dead in the second round: no summary, no end
rounds_same.log     rounds.log's rows with the same noise in another order:
                    every row agrees with rounds.log within its spread
rounds_changed.log  strict 25% cheaper, batched 15% dearer, hwm=16 gone,
                    hwm=1024 new (printed before hwm=250), other options
                    and microcode
"""
import math

POLICIES = ("off", "identity", "strict", "batched", "pool", "bounce")
ROUNDS = 3
TRANSLATION = {"off": "passthrough", "identity": "identity"}
COSTS = [("mmio_read", "qi", "", 1200, 1199), ("mmio_write", "qi", "", 1150, 1103),
         ("wait", "qi", "", 2100, 2047), ("inval", "qi", "pages", 2800, 2047),
         ("inval", "qi", "domain", 2900, 4095), ("inval", "qi", "global", 3500, 4095),
         ("inval", "reg", "pages", 3400, 4095), ("inval", "reg", "domain", 3450, 4095),
         ("inval", "reg", "global", 3900, 4095)]


def noise(i, r):
    """Per-mille noise of row i in round r: -8..+8, never the same twice in
    a row's rounds."""
    return (-8, 0, 8)[(i + r) % ROUNDS]


def median_low(v):
    return sorted(v)[(len(v) - 1) // 2]


def bound(buckets, count, q):
    rank, seen = max(1, -(-count * q // 100)), 0
    for i, b in enumerate(buckets):
        seen += b
        if seen >= rank:
            return 2 ** (i + 1) - 1
    return 0


def latency(row):
    """One latency entry: the invalidation waits of the row, mostly in the
    bucket of their mean, one slow outlier."""
    n = row["invalidations"]
    if not n:
        return []
    gran = "pages" if row["policy"] == "strict" else row["batch_inval"]
    mean = max(2, (row["phase"]["inval_submit"] + row["phase"]["inval_wait"]) // n)
    c = int(math.log2(mean))
    b = [0] * (c + 6)
    b[c - 1], b[c + 1] = n * 5 // 100, n * 13 // 100
    b[c + 2], b[c + 5] = n * 1 // 100, 1
    b[c] = n - sum(b)
    return [{"gran": gran, "count": n, "p50": bound(b, n, 50), "p99": bound(b, n, 99),
             "max": 2 ** (c + 5) + 1234, "buckets": b}]


def round_row(row, n, sweep, policy, r, scale, **kw):
    """Row n in round r: the cost model's row, its cycles scaled by
    `scale` per mille plus the round's noise."""
    base = row(n, sweep, policy, **kw)
    pk = base["packets"]
    if policy == "bounce":
        base["phase"]["copy"] = 1800 * pk
        base["phase"]["iova"], base["phase"]["pte"] = 512 * 60, 512 * 400
    elif policy == "identity":
        base["phase"]["other"] += 300 * pk
    f = (scale + noise(n, r)) / 1000.0
    phase = {k: int(v * f) for k, v in base["phase"].items() if k != "other"}
    total = int((sum(base["phase"].values())) * f)
    phase["other"] = total - sum(phase.values())
    mean = total // pk
    base.update(schema=2, round=r, translation=TRANSLATION.get(policy, "remapped"),
                phase=phase, tsc_total=total, pps=pk * 2445501858 // total,
                cycles_per_packet={"mean": mean, "p50": mean * 96 // 100,
                                   "p99": mean * 135 // 100, "max": 900000})
    base["latency"] = latency(base)
    return base


def summary(rounds):
    f = rounds[0]
    s = {"type": "summary", "schema": 2, "row": f["row"]}
    for k in ("sweep", "policy", "inval", "batch_inval", "hwm", "size", "translation"):
        s[k] = f[k]
    s["rounds"] = len(rounds)
    for k, get in (("cycles_per_packet", lambda r: r["cycles_per_packet"]["mean"]),
                   ("pps", lambda r: r["pps"])):
        v = [get(r) for r in rounds]
        m = median_low(v)
        s[k] = {"median": m, "min": min(v), "max": max(v),
                "spread_permille": (max(v) - min(v)) * 1000 // m}
    s["phase"] = {}
    for k in f["phase"]:
        v = [r["phase"][k] // r["packets"] for r in rounds]
        s["phase"][k] = {"median": median_low(v), "min": min(v), "max": max(v)}
    lat = []
    for e in f["latency"]:
        b = [sum(r["latency"][0]["buckets"][i] for r in rounds) for i in range(len(e["buckets"]))]
        n = sum(b)
        lat.append({"gran": e["gran"], "count": n, "p50": bound(b, n, 50),
                    "p99": bound(b, n, 99), "max": e["max"], "buckets": b})
    s["latency"] = lat
    return s


def plan(hwms, scales):
    """The rows of a run: (sweep, policy, keyword arguments, scale)."""
    rows = [("policy", p, {}, scales.get(p, 1000)) for p in POLICIES]
    rows += [("hwm", "batched", {"hwm": h}, 1000) for h in hwms]
    return rows


def run(row, report, boot, context, cmdline, hwms, scales=None, die_at=None, shift=0,
        microcode=None):
    """The lines of one schema-2 run. die_at=(round, position): the machine
    stops before that stream. shift rotates the noise between rounds."""
    ctx = context(cmdline)
    ctx.update(schema=2, rounds=ROUNDS)
    if microcode:
        ctx["machine"]["microcode"] = microcode
    lines = [l.format(cmdline=cmdline) for l in boot] + report([ctx])
    rows = plan(hwms, scales or {})
    by = {}
    for r in range(ROUNDS):
        order = list(range(len(rows)))[r:] + list(range(len(rows)))[:r]
        for pos, i in enumerate(order):
            if die_at == (r, pos):
                lines.append("stream: round %d, policy %s" % (r + 1, rows[i][1]))
                lines.append("!!!! X64 Exception Type - 0D(#GP - General Protection)  "
                             "CPU Apic ID - 00000000 !!!!")
                return lines
            sweep, policy, kw, scale = rows[i]
            o = round_row(row, i, sweep, policy, (r + shift) % ROUNDS, scale, **kw)
            o["round"], o["position"] = r, pos
            by.setdefault(i, []).append(o)
            lines.append("stream: round %d, policy %s, %d frames" % (r + 1, policy,
                                                                    o["packets"]))
            lines += report([o])
    lines += report([summary(by[i]) for i in sorted(by)])
    for what, inval, gran, mean, p50 in COSTS:
        lines += report([{"type": "cost", "schema": 2, "unit": 0, "what": what,
                          "inval": inval, "gran": gran, "iterations": 1000, "mean": mean,
                          "p50": p50, "p99": p50 * 2 + 1, "min": mean * 9 // 10,
                          "max": mean * 6}])
    lines += report([{"type": "end", "schema": 2, "rows": len(rows), "rounds": ROUNDS,
                      "verdict": 0}])
    lines.append("EXIT: 0 (ok)")
    return lines


def write_all(write, ovmf, boot, context, row, report):
    cmd = "exit=qemu rounds=3 sweep=hwm hwm=16,250"
    write("rounds.log", ovmf + run(row, report, boot, context, cmd, (16, 250)))
    write("rounds_cut.log", ovmf + run(row, report, boot, context, cmd, (16, 250),
                                       die_at=(1, 3)))
    write("rounds_same.log", ovmf + run(row, report, boot, context, cmd, (16, 250), shift=1))
    write("rounds_changed.log", ovmf + run(
        row, report, boot, context, "exit=qemu rounds=3 sweep=hwm hwm=1024,250", (1024, 250),
        scales={"strict": 750, "batched": 1150}, microcode="0x00000002"))

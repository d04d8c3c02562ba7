"""The schema-3 sample logs: both workloads in one run, written by
gen_logs.py. The packet stream's rows are gen_rounds.py's schema-2 rows in
schema 3's terms (workload "net", phase "device", the NVMe fields at their
net values); the NVMe rows come from a small cost model of 4 KiB reads
from QEMU's emulated controller under TCG: the device phase is the
controller's time from doorbell to completion, the DMA layer maps and
unmaps each read's buffer the way it maps a frame. Summaries are computed
the kernel's way (gen_rounds.summary), not by the tool.

workloads.log          3 rounds: net policy sweep; nvme policy sweep at
                       qd=1; nvme qd sweep (strict, qd 1 and 32, 16 KiB
                       reads, which need a PRP list)
workloads_changed.log  the same with nvme strict 20% dearer at qd=1, the
                       qd=32 row gone and a qd=64 row new
"""
import gen_rounds as g2

IOS = 20000
TRANSLATION = {"off": "passthrough", "identity": "identity"}


def nvme_row(n, policy, qd=1, io_bytes=4096, pattern="rand", sweep="policy"):
    """One NVMe row of the cost model (schema 3, before the rounds' noise)."""
    pages = io_bytes // 4096
    device = 52000 + 9000 * pages - (qd > 1) * 30000   # a deeper queue overlaps reads
    other = 1800
    iova = pte = sub = wt = copy = 0
    invals = maps = 0
    if policy in ("strict", "batched"):
        iova, pte, maps = 60, 850 * pages, IOS
    if policy == "strict":
        sub, wt, invals = 700, 2100, IOS
    elif policy == "batched":
        sub, wt, invals = 3, 14, IOS // 250
    elif policy == "bounce":
        copy = 900 * pages
    elif policy == "identity":
        other += 300
    phase = {"iova": iova * IOS, "pte": pte * IOS, "inval_submit": sub * IOS,
             "inval_wait": wt * IOS, "device": device * IOS}
    if policy == "bounce":
        phase["copy"] = copy * IOS
    total = sum(phase.values()) + other * IOS + 450000
    phase["other"] = total - sum(phase.values())
    mean = total // IOS
    return {
        "type": "row", "schema": 3, "row": n, "workload": "nvme", "sweep": sweep,
        "policy": policy, "inval": "qi", "batch_inval": "global", "hwm": 250, "flush_ms": 10,
        "size": io_bytes, "packets": IOS, "received": IOS, "lost": 0, "duplicated": 0,
        "corrupted": 0, "faults": 0, "tsc_total": total, "pps": IOS * g2_hz() // total,
        "cycles_per_packet": {"mean": mean, "p50": mean * 97 // 100, "p99": mean * 140 // 100,
                              "max": 700000},
        "phase": phase, "maps": maps, "unmaps": maps, "invalidations": invals,
        "inval_waits": invals, "flushes_hwm": invals if policy == "batched" else 0,
        "flushes_deadline": 0, "flushes_forced": 0, "timer_interrupts": 0,
        "window": dict(entries=0, mean_cycles=0, max_cycles=0, mean_unmaps=0, max_unmaps=0),
        "qd": qd, "io_bytes": io_bytes, "pattern": pattern, "command_errors": 0,
        "prp_lists": IOS if pages > 2 else 0,
    }


def g2_hz():
    return 2445501858


def as_schema3(o):
    """A schema-2 net row or summary as the schema-3 kernel prints it."""
    o = dict(o, schema=3)
    out = {}
    for k, v in o.items():
        out[k] = v
        if k == "row":
            out["workload"] = "net"
    if "phase" in o:
        out["phase"] = {("device" if k == "nic" else k): v for k, v in o["phase"].items()}
    if o["type"] == "row":
        out.update(qd=0, io_bytes=o["size"], pattern="", command_errors=0, prp_lists=0)
    return out


def noisy(base, n, r, scale):
    """Row n in round r: its cycles scaled by `scale` per mille plus noise."""
    f = (scale + g2.noise(n, r)) / 1000.0
    row = dict(base, schema=3, translation=TRANSLATION.get(base["policy"], "remapped"))
    phase = {k: int(v * f) for k, v in base["phase"].items() if k != "other"}
    total = int(base["tsc_total"] * f)
    phase["other"] = total - sum(phase.values())
    mean = total // row["packets"]
    row.update(phase=phase, tsc_total=total, pps=row["packets"] * g2_hz() // total,
               cycles_per_packet=dict(base["cycles_per_packet"], mean=mean))
    row["latency"] = g2.latency(row)
    return row


def plan(qds, nvme_scales):
    """(make row n in round r) for every row of the run."""
    rows = []
    for p in g2.POLICIES:
        rows.append(lambda n, r, p=p: as_schema3(g2.round_row(g2_row[0], n, "policy", p, r,
                                                              1000)))
    for p in g2.POLICIES:
        rows.append(lambda n, r, p=p: noisy(nvme_row(n, p), n, r, nvme_scales.get(p, 1000)))
    for qd in qds:
        rows.append(lambda n, r, qd=qd: noisy(nvme_row(n, "strict", qd, 16384, sweep="qd"),
                                              n, r, 1000))
    return rows


g2_row = [None]     # gen_logs.py's row(): the net cost model


def run(report, boot, context, cmdline, qds, nvme_scales=None):
    ctx = context(cmdline)
    ctx.update(schema=3, rounds=g2.ROUNDS)
    lines = [l.format(cmdline=cmdline) for l in boot] + report([ctx])
    rows = plan(qds, nvme_scales or {})
    by = {}
    for r in range(g2.ROUNDS):
        order = list(range(len(rows)))[r:] + list(range(len(rows)))[:r]
        for pos, i in enumerate(order):
            o = rows[i](i, r)
            o["round"], o["position"] = r, pos
            by.setdefault(i, []).append(o)
            lines.append("stream: round %d, %s policy %s" % (r + 1, o["workload"], o["policy"]))
            lines += report([o])
    for i in sorted(by):
        s = g2.summary(by[i])
        f = by[i][0]
        s.update(schema=3, workload=f["workload"], qd=f["qd"])
        lines += report([s])
    lines += report([{"type": "end", "schema": 3, "rows": len(rows), "rounds": g2.ROUNDS,
                      "verdict": 0}])
    lines.append("EXIT: 0 (ok)")
    return lines


def write_all(write, ovmf, boot, context, row, report):
    g2_row[0] = row
    cmd = "exit=qemu rounds=3 workload=net,nvme nvme_qd=1,32 nvme_io=4096"
    write("workloads.log", ovmf + run(report, boot, context, cmd, (1, 32)))
    write("workloads_changed.log", ovmf + run(
        report, boot, context, cmd.replace("1,32", "1,64"), (1, 64), {"strict": 1200}))

"""The schema-4 sample logs (many CPUs), written by gen_logs.py. GENERATED:
no kernel printed these; the numbers come from gen_workloads.py's cost
model of 4 KiB NVMe reads under TCG, spread over CPUs, so that every row is
self-consistent the way the kernel's are: phases (lock included) add up to
tsc_total, the sum of the CPUs' own spans; wall_tsc is the longest span;
pps is all CPUs' reads * tsc_hz / wall_tsc; per_cpu holds one entry per
CPU. Summaries are computed the kernel's way (gen_rounds.summary).

The model: each CPU reads IOS blocks through its own queue pair; a policy
with a shared lock (strict: the invalidation queue's, batched: the global
list's, fq: the queue's at each of its rare flushes) waits for it in
proportion to the other CPUs; under MTTCG the 4 virtual CPUs share the
host's 2 cores, so beyond 2 CPUs every CPU's span stretches: the scaling
is the emulator's.

cpus.log          3 rounds, SMP 4: net policy sweep (1 CPU, every policy
                  including fq); nvme policy sweep at 1 CPU; nvme cpus
                  sweep, every policy at 1, 2 and 4 CPUs
cpus_changed.log  the same run with cpus=4,2,1 (the sweep's rows in
                  another order) and nvme strict at 4 CPUs 20% dearer
"""
import gen_rounds as g2
import gen_workloads as g3

POLICIES = ("off", "identity", "strict", "batched", "fq", "pool", "bounce")
HOST_CORES = 2          # what MTTCG had to run the virtual CPUs on
FQ_SIZE = 256
# Cycles per read spent waiting for a shared lock, per other CPU.
LOCK_PER_OTHER = {"strict": 420, "batched": 900, "fq": 25}
SKEWS = [(0, 0, 0, 0), (1, 1, 812, 1300), (2, 2, -640, 1250), (3, 3, 1490, 1320)]


def context(base, cmdline, cpus_max):
    ctx = base(cmdline)
    ctx.update(schema=4, rounds=g2.ROUNDS)
    ctx["smp"] = {"listed": 4, "started": 4, "used": cpus_max,
                  "cpus": [{"cpu": c, "apic_id": a, "tsc_skew": s, "skew_uncertainty": u}
                           for c, a, s, u in SKEWS]}
    return ctx


def per_read(policy):
    """One CPU's phases per read (cycles) from the schema-3 NVMe model."""
    if policy == "fq":
        r = g3.nvme_row(0, "batched")
        r["invalidations"] = r["inval_waits"] = g3.IOS // FQ_SIZE
        r["flushes_hwm"] = r["invalidations"]
    else:
        r = g3.nvme_row(0, policy)
    return r, {k: v // g3.IOS for k, v in r["phase"].items()}


def smp_row(n, sweep, policy, cpus, scale=1000, rnd=0):
    """Row n at `cpus` CPUs, its cycles scaled by `scale` per mille plus the
    round's noise (gen_rounds.noise)."""
    base, ph = per_read(policy)
    # The latency histogram from the cycles before the round's noise, so
    # that every round has the same buckets (as gen_workloads.py's do).
    lat = g2.latency({"invalidations": base["invalidations"] * cpus, "policy": policy,
                      "batch_inval": base["batch_inval"],
                      "phase": {k: ph[k] * g3.IOS * cpus for k in ("inval_submit",
                                                                   "inval_wait")}})
    f = (scale + g2.noise(n, rnd)) / 1000.0
    stretch = max(1.0, cpus / HOST_CORES)
    ph = dict(ph, lock=LOCK_PER_OTHER.get(policy, 0) * (cpus - 1))
    ph = {k: int(v * f * stretch) for k, v in ph.items()}
    per_cpu, phase = [], {k: 0 for k in ph}
    spans = []
    for c in range(cpus):
        drift = 1000 + 3 * c        # per mille: the CPUs do not finish together
        span = 0
        for k, v in ph.items():
            phase[k] += v * g3.IOS * drift // 1000
            span += v * g3.IOS * drift // 1000
        spans.append(span)
        per_cpu.append({"cpu": c, "ios": g3.IOS, "pps": g3.IOS * g3.g2_hz() // span,
                        "cycles_per_packet": span // g3.IOS,
                        "lock_cycles": ph["lock"] * g3.IOS * drift // 1000,
                        "invalidations": base["invalidations"]})
    total = sum(phase.values())
    ios = cpus * g3.IOS
    mean = total // ios
    row = dict(base, schema=4, row=n, sweep=sweep, policy=policy, cpus=cpus,
               fq_size=FQ_SIZE, translation=g3.TRANSLATION.get(policy, "remapped"),
               packets=ios, received=ios, tsc_total=total, wall_tsc=max(spans),
               pps=ios * g3.g2_hz() // max(spans), phase=phase, per_cpu=per_cpu,
               cycles_per_packet=dict(base["cycles_per_packet"], mean=mean,
                                      p50=mean * 97 // 100, p99=mean * 140 // 100),
               maps=base["maps"] * cpus, unmaps=base["unmaps"] * cpus,
               invalidations=base["invalidations"] * cpus,
               inval_waits=base["inval_waits"] * cpus,
               flushes_hwm=base["flushes_hwm"] * cpus)
    # fq's flushes are domain-selective.
    row["latency"] = [dict(e, gran="domain" if policy == "fq" else e["gran"])
                      for e in lat]
    return row


def net_row(n, policy, rnd):
    """A packet-stream row in schema 4: one CPU, the lock phase 0."""
    # fq: batched's model with its flushes a little cheaper (per-CPU rings,
    # a domain-selective flush).
    p = "batched" if policy == "fq" else policy
    r = g3.as_schema3(g2.round_row(g3.g2_row[0], n, "policy", p, rnd,
                                   985 if policy == "fq" else 1000))
    r.update(schema=4, policy=policy, cpus=1, fq_size=FQ_SIZE, wall_tsc=r["tsc_total"])
    r["phase"] = dict(r["phase"], lock=0)
    r["per_cpu"] = [{"cpu": 0, "ios": r["packets"], "pps": r["pps"],
                     "cycles_per_packet": r["cycles_per_packet"]["mean"], "lock_cycles": 0,
                     "invalidations": r["invalidations"]}]
    return r


def plan(cpu_list, scales):
    """(make row n in round r) for every row of the run."""
    rows = [lambda n, r, p=p: net_row(n, p, r) for p in POLICIES]
    rows += [lambda n, r, p=p: smp_row(n, "policy", p, 1, rnd=r) for p in POLICIES]
    rows += [lambda n, r, p=p, c=c: smp_row(n, "cpus", p, c, scales.get((p, c), 1000), r)
             for c in cpu_list for p in POLICIES]
    return rows


def run(report, boot, base_context, cmdline, cpu_list, scales=None):
    ctx = context(base_context, cmdline, max(cpu_list))
    lines = [l.format(cmdline=cmdline) for l in boot] + report([ctx])
    rows = plan(cpu_list, scales or {})
    by = {}
    for r in range(g2.ROUNDS):
        order = list(range(len(rows)))[r:] + list(range(len(rows)))[:r]
        for pos, i in enumerate(order):
            o = rows[i](i, r)
            o["round"], o["position"] = r, pos
            by.setdefault(i, []).append(o)
            lines.append("stream: round %d, %s policy %s on %d CPU%s"
                         % (r + 1, o["workload"], o["policy"], o["cpus"],
                            "" if o["cpus"] == 1 else "s"))
            lines += report([o])
    for i in sorted(by):
        s = g2.summary(by[i])
        f = by[i][0]
        s.update(schema=4, workload=f["workload"], qd=f["qd"], cpus=f["cpus"],
                 fq_size=f["fq_size"])
        lines += report([s])
    lines += report([{"type": "end", "schema": 4, "rows": len(rows), "rounds": g2.ROUNDS,
                      "verdict": 0}])
    lines.append("EXIT: 0 (ok)")
    return lines


def write_all(write, ovmf, boot, context_of, row, report):
    g3.g2_row[0] = row
    cmd = "exit=qemu rounds=3 workload=net,nvme cpus=1,2,4 fq_size=256"
    write("cpus.log", ovmf + run(report, boot, context_of, cmd, (1, 2, 4)))
    write("cpus_changed.log", ovmf + run(report, boot, context_of,
                                         cmd.replace("1,2,4", "4,2,1"), (4, 2, 1),
                                         {("strict", 4): 1200}))

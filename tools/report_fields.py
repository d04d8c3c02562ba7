"""The fields every REPORT line must carry, with their types, and the
vocabulary of the format (phases, sweeps, policies): tools/report_log.py
checks each row, summary and cost line with these before it uses it.
"""
import json

import report_summary as rs

# The kernel's counters are 64-bit: a larger number is damage, not data
# (and would overflow the floats of the derived numbers).
COUNTER_LIMIT = 2 ** 64
# Every row has the first six; "copy" (the bounce policy's copies) only
# schema 2 on, "lock" (waiting for shared locks) schema 4 on. "device" was
# "nic" up to schema 2 (read as "device").
PHASES = ("iova", "pte", "copy", "lock", "inval_submit", "inval_wait", "device", "other")
REQUIRED_PHASES = ("iova", "pte", "inval_submit", "inval_wait", "device", "other")
# "micro": the invalidation micro-benchmarks (map + unmap + invalidate +
# wait of one page, no device DMA), one row per interface and granularity.
# "qd" and "io_bytes": the NVMe workload's nvme_qd= and nvme_io= lists;
# "cpus": the cpus= list (every policy at each CPU count, schema 4).
SWEEPS = ("policy", "hwm", "inval", "batch_inval", "size", "micro", "qd", "io_bytes", "cpus")
POLICIES = ("off", "identity", "strict", "batched", "fq", "pool", "bounce")

# The fields a row must carry, with the JSON type each holds.
_ROW_INTS = ("row", "hwm", "flush_ms", "size", "packets", "received", "lost",
             "duplicated", "corrupted", "faults", "tsc_total", "pps", "maps",
             "unmaps", "invalidations", "inval_waits", "flushes_hwm",
             "flushes_deadline", "flushes_forced", "timer_interrupts")
_ROW_STRS = ("workload", "sweep", "policy", "inval", "batch_inval")
# What an NVMe row carries beyond a net row's (schema 3).
_NVME_INTS = ("qd", "io_bytes", "command_errors", "prp_lists")
# What a schema-4 row carries beyond a schema-3 row's, and each per_cpu
# entry's fields.
_SMP_INTS = ("cpus", "wall_tsc")
PER_CPU_INTS = ("cpu", "ios", "pps", "cycles_per_packet", "lock_cycles", "invalidations")
_ROW_OBJS = {
    "cycles_per_packet": ("mean", "p50", "p99", "max"),
    "phase": REQUIRED_PHASES,
    "window": ("entries", "mean_cycles", "max_cycles", "mean_unmaps", "max_unmaps"),
}


class ReportError(Exception):
    """A log the tool cannot turn into a report; the message says why."""


def is_int(v):
    # JSON true/false become bool, which is an int subclass in Python.
    return isinstance(v, int) and not isinstance(v, bool)


def is_counter(v):
    return is_int(v) and 0 <= v < COUNTER_LIMIT


def check_row(where, n, row):
    """Every field the page uses is there with the right type."""
    bad = [k for k in _ROW_INTS if not is_counter(row.get(k))]
    bad += [k for k in _ROW_STRS if not isinstance(row.get(k), str)]
    for obj, keys in _ROW_OBJS.items():
        sub = row.get(obj)
        if not isinstance(sub, dict):
            bad.append(obj)
            continue
        bad += ["%s.%s" % (obj, k) for k in keys if not is_counter(sub.get(k))]
    if bad:
        raise ReportError("%s:%d: row is missing or has non-integer fields: %s (each a "
                          "64-bit counter)" % (where, n, ", ".join(bad)))
    if row["sweep"] not in SWEEPS:
        raise ReportError("%s:%d: unknown sweep %s (known: %s)"
                          % (where, n, json.dumps(row["sweep"]), ", ".join(SWEEPS)))
    if row["schema"] >= 2:
        bad = [k for k in ("round", "position") if not is_counter(row.get(k))]
        bad += [k for k in ("translation",) if not isinstance(row.get(k), str)]
        bad += ["phase.copy"] if "copy" in row["phase"] and not is_counter(
            row["phase"]["copy"]) else []
        bad += bad_latency(row.get("latency", []))
        if bad:
            raise ReportError("%s:%d: schema-2 row is missing or has bad fields: %s"
                              % (where, n, ", ".join(bad)))
    if row["workload"] != "net":
        bad = [k for k in _NVME_INTS if not is_counter(row.get(k))]
        bad += ["pattern"] if not isinstance(row.get("pattern"), str) else []
        if bad:
            raise ReportError("%s:%d: %s row is missing or has bad fields: %s"
                              % (where, n, row["workload"], ", ".join(bad)))
    bad = ["fq_size"] if not is_counter(row.get("fq_size")) else []
    if row["schema"] >= 4:
        bad += [k for k in _SMP_INTS if not is_counter(row.get(k))]
        bad += ["phase.lock"] if not is_counter(row["phase"].get("lock")) else []
        bad += bad_per_cpu(row.get("per_cpu"))
        if is_counter(row.get("cpus")) and row["cpus"] < 1:
            bad.append("cpus (at least 1)")
    if bad:
        raise ReportError("%s:%d: row is missing or has bad fields: %s"
                          % (where, n, ", ".join(bad)))


def bad_per_cpu(arr):
    """The fields of a per_cpu array that are not what schema 4 says."""
    if not isinstance(arr, list) or len(arr) > 4096:
        return ["per_cpu"]
    bad = []
    for i, e in enumerate(arr):
        if not isinstance(e, dict):
            bad.append("per_cpu[%d]" % i)
            continue
        bad += ["per_cpu[%d].%s" % (i, k) for k in PER_CPU_INTS if not is_counter(e.get(k))]
    return bad


def bad_latency(arr):
    """The fields of a latency array that are not what schema 2 says."""
    if not isinstance(arr, list):
        return ["latency"]
    bad = []
    for i, e in enumerate(arr):
        if not isinstance(e, dict) or not isinstance(e.get("gran"), str):
            bad.append("latency[%d]" % i)
            continue
        bad += ["latency[%d].%s" % (i, k) for k in ("count", "p50", "p99", "max")
                if not is_counter(e.get(k))]
        b = e.get("buckets")
        if not isinstance(b, list) or len(b) > 64 or not all(is_counter(v) for v in b):
            bad.append("latency[%d].buckets" % i)
    return bad


def check_summary(where, n, s):
    bad = [k for k in ("row", "hwm", "size", "rounds") if not is_counter(s.get(k))]
    bad += [k for k in ("workload", "sweep", "policy", "inval", "batch_inval")
            if not isinstance(s.get(k), str)]
    bad += [k for k in ("qd", "cpus", "fq_size") if not is_counter(s.get(k, 0))]
    bad += ["cpus"] if s["schema"] >= 4 and "cpus" not in s else []
    for k in rs.PER_ROUND:
        sub = s.get(k)
        if not isinstance(sub, dict):
            bad.append(k)
            continue
        bad += ["%s.%s" % (k, f) for f in ("median", "min", "max", "spread_permille")
                if not is_counter(sub.get(f))]
    ph = s.get("phase", {})
    if not isinstance(ph, dict) or not all(
            isinstance(v, dict) and all(is_counter(v.get(f)) for f in ("median", "min", "max"))
            for v in ph.values()):
        bad.append("phase")
    bad += bad_latency(s.get("latency", []))
    if bad:
        raise ReportError("%s:%d: summary is missing or has bad fields: %s"
                          % (where, n, ", ".join(bad)))


def check_cost(where, n, c):
    bad = [k for k in ("what", "inval", "gran") if not isinstance(c.get(k), str)]
    bad += [k for k in ("iterations", "mean", "p50", "p99", "min", "max")
            if not is_counter(c.get(k))]
    if bad:
        raise ReportError("%s:%d: cost is missing or has bad fields: %s"
                          % (where, n, ", ".join(bad)))

#!/usr/bin/env python3
"""Checks the kernel's count of VT-d register accesses against QEMU's trace
of the same run (-trace vtd_reg_read -trace vtd_reg_write):
 - the whole run: the kernel's "register accesses over the whole run"
   line equals the number of vtd_reg_read / vtd_reg_write events (the
   firmware does not touch the unit, so both sides count the same run);
 - each measured stream's row (its `result:` line) counts no more than
   that, and a strict stream with queued invalidation makes exactly one
   register write (IQT) and no read per invalidation.

usage: check_mmio_trace.py SERIAL.log TRACE.log
"""
import re
import sys

TOTAL = re.compile(r"^vtd0: register accesses over the whole run: (\d+) reads, (\d+) writes")
# A packet stream's line, or an NVMe stream's (result: workload=nvme policy=...).
RESULT = re.compile(r"^result: (?:workload=\S+ )?policy=(\S+) .*\binvalidations=(\d+) waits=(\d+) .*"
                    r"\bmmio_reads=(\d+) mmio_writes=(\d+)")
# \b keeps vtd_reg_write_gcmd and the like out of the count.
TRACE_READ = re.compile(r"\bvtd_reg_read\b")
TRACE_WRITE = re.compile(r"\bvtd_reg_write\b")


def lines(path):
    with open(path, "rb") as f:
        for raw in f:
            yield raw.decode("utf-8", "replace").rstrip("\r\n")


def main(log, trace):
    errors = []
    total = None
    results = []
    for line in lines(log):
        m = TOTAL.match(line)
        if m:
            total = (int(m.group(1)), int(m.group(2)))
        m = RESULT.match(line)
        if m:
            results.append((m.group(1), int(m.group(2)), int(m.group(3)),
                            int(m.group(4)), int(m.group(5))))
    reads = writes = 0
    for line in lines(trace):
        if TRACE_READ.search(line):
            reads += 1
        elif TRACE_WRITE.search(line):
            writes += 1
    if total is None:
        errors.append("no 'vtd0: register accesses over the whole run' line")
    elif total != (reads, writes):
        errors.append(f"the kernel counted {total[0]} reads, {total[1]} writes; "
                      f"QEMU's trace shows {reads} reads, {writes} writes")
    if not results:
        errors.append("no result: line with mmio_reads/mmio_writes")
    for policy, invals, waits, r, w in results:
        if r > reads or w > writes:
            errors.append(f"{policy}: the row counts {r} reads, {w} writes, more than the "
                          f"whole run's trace ({reads}, {writes})")
        if policy == "strict":
            if invals == 0 or waits != invals:
                errors.append(f"strict: {invals} invalidations, {waits} waits")
            if w != invals or r != 0:
                errors.append(f"strict: {w} register writes and {r} reads for {invals} "
                              "invalidations; queued invalidation takes 1 write, 0 reads each")
    for e in errors:
        print("check_mmio_trace: " + e)
    if not errors:
        print(f"check_mmio_trace: kernel and trace agree ({reads} reads, {writes} writes); "
              f"rows: {results}")
    return 1 if errors else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))

#!/usr/bin/env python3
"""Checks the kernel's count of IOTLB invalidations against QEMU's trace of
the same run (-trace 'vtd_inv_desc_iotlb_*' -trace vtd_inv_desc_wait_sw),
with queued invalidation and one unit:
 - the whole run: the kernel's "IOTLB invalidations over the whole run"
   line (page, domain and global descriptors, and status-writing wait
   descriptors, as the driver wrote them into the queue) equals QEMU's
   count of each event, so no CPU's descriptor was lost or doubled on the
   way through the shared queue;
 - each stream's `result:` line counts no more invalidations than the
   trace shows in all;
 - an fq stream (`result: ... policy=fq`) made one domain-selective
   invalidation per flush, its flushes when a CPU's ring was full are at
   most unmaps / fq_size and, with the deadline's and the final flushes,
   fq_size entries each at most, and the entries other CPUs' flushes
   retired (retired_by_others), cover every unmap.

usage: check_inval_trace.py SERIAL.log TRACE.log [FQ_SIZE]
"""
import re
import sys

TOTAL = re.compile(r"^vtd0: IOTLB invalidations over the whole run: (\d+) pages, (\d+) domain, "
                   r"(\d+) global; (\d+) waits")
RESULT = re.compile(r"^result: (?:workload=\S+ )?policy=(\S+) ")
EVENTS = {"pages": re.compile(r"\bvtd_inv_desc_iotlb_pages\b"),
          "domain": re.compile(r"\bvtd_inv_desc_iotlb_domain\b"),
          "global": re.compile(r"\bvtd_inv_desc_iotlb_global\b"),
          "waits": re.compile(r"\bvtd_inv_desc_wait_sw\b")}


def lines(path):
    with open(path, "rb") as f:
        for raw in f:
            yield raw.decode("utf-8", "replace").rstrip("\r\n")


def check_fq(fields, fq_size):
    unmaps, invals = int(fields["unmaps"]), int(fields["invalidations"])
    hwm, deadline = int(fields["flushes_hwm"]), int(fields["flushes_deadline"])
    forced = int(fields["flushes_forced"])
    by_others = int(fields.get("retired_by_others", 0))
    flushes = hwm + deadline + forced
    errors = []
    if invals != flushes:
        errors.append(f"fq: {invals} invalidations for {flushes} flushes")
    if hwm > unmaps // fq_size:
        errors.append(f"fq: {hwm} flushes of a full ring, more than {unmaps} unmaps / {fq_size}")
    if flushes * fq_size + by_others < unmaps:
        errors.append(f"fq: {flushes} flushes of {fq_size} entries at most and {by_others} "
                      f"entries retired by other CPUs' flushes cannot cover {unmaps} unmaps")
    return errors


def main(log, trace, fq_size):
    errors, total, results = [], None, []
    for line in lines(log):
        m = TOTAL.match(line)
        if m:
            total = dict(zip(("pages", "domain", "global", "waits"), map(int, m.groups())))
        m = RESULT.match(line)
        if m:
            results.append((m.group(1), dict(re.findall(r"(\w+)=(\w+)", line))))
    seen = dict.fromkeys(EVENTS, 0)
    for line in lines(trace):
        for name, event in EVENTS.items():
            if event.search(line):
                seen[name] += 1
                break
    if total is None:
        errors.append("no 'vtd0: IOTLB invalidations over the whole run' line")
    elif total != seen:
        errors.append(f"the kernel wrote {total}; QEMU's trace shows {seen}")
    if not results:
        errors.append("no result: line")
    iotlb = seen["pages"] + seen["domain"] + seen["global"]
    for policy, fields in results:
        if int(fields["invalidations"]) > iotlb:
            errors.append(f"{policy}: {fields['invalidations']} invalidations, more than the "
                          f"whole run's trace ({iotlb})")
        if policy == "fq":
            errors += check_fq(fields, fq_size)
    for e in errors:
        print("check_inval_trace: " + e)
    if not errors:
        print(f"check_inval_trace: kernel and trace agree ({seen}); "
              f"{len(results)} streams checked")
    return 1 if errors else 0


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) == 4 else 256))

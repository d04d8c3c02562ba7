#!/usr/bin/env python3
"""Checks that the report tool reads from a serial log the same numbers the
kernel counted: each `result:` line (printed from the stream's counters)
against the matching REPORT row as tools/report.py --json parses it (NVMe
rows: `result: workload=nvme ... ios= mismatches=`, the row's packets and
corrupted). And that each batched row's protection window covers its
measured stream alone: one window entry per unmap of the row, and the
row's unmaps are the measured packets' own (a transmit and a receive
buffer each; an NVMe read's data buffer and its PRP list), so neither the
warm-up nor the set-up is counted.

usage: report_vs_counters.py SERIAL.log
"""
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = os.path.join(HERE, "..", "..", "tools", "report.py")
# result: line field -> REPORT row field
FIELDS = {"packets": "packets", "received": "received", "lost": "lost",
          "corrupted": "corrupted", "faults": "faults", "maps": "maps",
          "unmaps": "unmaps", "invalidations": "invalidations", "waits": "inval_waits",
          "flushes_hwm": "flushes_hwm", "flushes_deadline": "flushes_deadline",
          "flushes_forced": "flushes_forced"}
# An NVMe row's result line names some of them its own way, and has more.
NVME_FIELDS = dict(FIELDS, ios="packets", mismatches="corrupted", qd="qd",
                   io_bytes="io_bytes", command_errors="command_errors",
                   prp_lists="prp_lists")
del NVME_FIELDS["packets"], NVME_FIELDS["corrupted"]


def kernel_results(log):
    rows = []
    with open(log, "rb") as f:
        for raw in f.read().decode("utf-8", "replace").splitlines():
            line = raw.strip("\r")
            if line.startswith("result: "):
                rows.append(dict(re.findall(r"(\w+)=(\w+)", line)))
    return rows


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    p = subprocess.run([sys.executable, TOOL, "--json", argv[1]], capture_output=True, text=True)
    if p.returncode != 0:
        print("report.py failed: " + p.stderr.strip())
        return 1
    rows = json.loads(p.stdout)["rows"]
    results = kernel_results(argv[1])
    problems = []
    if len(rows) != len(results) or not rows:
        problems.append("%d REPORT rows but %d result lines" % (len(rows), len(results)))
    for i, (row, res) in enumerate(zip(rows, results)):
        workload = res.get("workload", "net")
        if row["policy"] != res["policy"] or row.get("workload", "net") != workload:
            problems.append("row %d: %s %s vs %s %s" % (i, row.get("workload"), row["policy"],
                                                      workload, res["policy"]))
            continue
        for k, field in (NVME_FIELDS if workload == "nvme" else FIELDS).items():
            if int(res[k]) != row[field]:
                problems.append("row %d (%s): %s=%s in the kernel's line, %s in the report"
                                % (i, res["policy"], k, res[k], row[field]))
    for i, row in enumerate(rows):
        if row["policy"] != "batched":
            continue
        if row.get("workload", "net") == "nvme":
            measured = row["packets"] + row["prp_lists"]
        else:
            measured = 2 * row["packets"]
        if row["unmaps"] != measured or row["window"]["entries"] != measured:
            problems.append("row %d (batched, %s sweep): %d unmaps and %d window entries for "
                            "%d packets; both must be %d (the measured stream's)"
                            % (i, row["sweep"], row["unmaps"], row["window"]["entries"],
                               row["packets"], measured))
    for line in problems:
        print(line)
    if not problems:
        print("%d rows agree with the kernel's counters" % len(rows))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
"""Checks, from QEMU's own trace of a run, that nothing wrote to the NVMe
drive: every I/O command QEMU's controller received is a Read, and every
admin command one of those a read-only driver needs. Run QEMU with
-trace pci_nvme_io_cmd -trace pci_nvme_admin_cmd -D TRACE.

 - I/O commands: only Read (NVMe base spec, NVM command set: opcode 0x02);
   Write (0x01), Flush (0x00), Write Zeroes, Dataset Management... fail;
 - admin commands: only Delete I/O SQ (0x00), Create I/O SQ (0x01), Get Log
   Page (0x02), Delete I/O CQ (0x04), Create I/O CQ (0x05), Identify (0x06)
   and Get Features (0x0a); Set Features, Format NVM, Sanitize, Firmware
   Commit, Namespace Management... fail;
 - the trace holds at least one Read (an empty trace means the trace was
   not on, and proves nothing), and no fewer than the reads the kernel's
   NVMe rows in the serial log say they made (the firmware reads too, so
   the trace may hold more).
Prints the counts of reads and of each admin command.

usage: check_nvme_trace.py SERIAL.log TRACE.log
"""
import collections
import json
import re
import sys

READ = 0x02
IO_ALLOWED = {READ: "Read"}
ADMIN_ALLOWED = {0x00: "Delete I/O SQ", 0x01: "Create I/O SQ", 0x02: "Get Log Page",
                 0x04: "Delete I/O CQ", 0x05: "Create I/O CQ", 0x06: "Identify",
                 0x0a: "Get Features"}
# QEMU 7.2 hw/nvme/trace-events: "pci_nvme_io_cmd cid %u nsid 0x%x sqid %u
# opc 0x%x opname '%s'", "pci_nvme_admin_cmd cid %u sqid %u opc 0x%x opname
# '%s'"; the log backend may put "pid@seconds:" before the name.
TRACE_CMD = re.compile(r"\bpci_nvme_(io|admin)_cmd\b.*?\bopc 0x([0-9a-fA-F]+)"
                       r"(?:.*?\bopname '([^']*)')?")


def lines(path):
    with open(path, "rb") as f:
        for raw in f:
            yield raw.decode("utf-8", "replace").rstrip("\r\n")


def kernel_reads(log):
    """The reads the serial log's NVMe rows made: (rows, reads)."""
    rows = reads = 0
    for line in lines(log):
        if not line.startswith("REPORT "):
            continue
        try:
            o = json.loads(line[len("REPORT "):])
        except ValueError:
            continue
        if isinstance(o, dict) and o.get("type") == "row" and o.get("workload") == "nvme":
            rows += 1
            reads += int(o.get("packets", 0))
    return rows, reads


def check(log, trace):
    """(errors, summary line)."""
    errors = []
    io, admin = collections.Counter(), collections.Counter()
    for n, line in enumerate(lines(trace), 1):
        m = TRACE_CMD.search(line)
        if not m:
            continue
        kind, opc, name = m.group(1), int(m.group(2), 16), m.group(3) or "?"
        allowed = IO_ALLOWED if kind == "io" else ADMIN_ALLOWED
        (io if kind == "io" else admin)[opc] += 1
        if opc not in allowed:
            errors.append(f"{trace}:{n}: {kind} command opcode 0x{opc:02x} ({name}) is not "
                          f"one a read-only driver sends: {line.strip()}")
    reads = io[READ]
    if not reads:
        errors.append(f"{trace}: no NVMe Read in the trace (was QEMU run with "
                      "-trace pci_nvme_io_cmd -trace pci_nvme_admin_cmd -D TRACE?)")
    # A self-test reads without REPORT rows; a workload's rows must not
    # claim more reads than QEMU saw.
    rows, kreads = kernel_reads(log)
    if kreads > reads:
        errors.append(f"the kernel's {rows} NVMe rows made {kreads} reads, QEMU's trace "
                      f"shows only {reads}")
    others = sum(io.values()) - reads
    adm = ", ".join(f"{ADMIN_ALLOWED.get(o, hex(o))} {c}" for o, c in sorted(admin.items()))
    summary = (f"{reads} reads ({kreads} by the kernel's {rows} NVMe rows), "
               f"{others} other I/O commands, admin: {adm or 'none'}")
    return errors, summary


def main(log, trace):
    errors, summary = check(log, trace)
    for e in errors[:20]:
        print("check_nvme_trace: " + e)
    if len(errors) > 20:
        print(f"check_nvme_trace: ... and {len(errors) - 20} more")
    print(("check_nvme_trace: FAILED: " if errors else "check_nvme_trace: no write: ") + summary)
    return 1 if errors else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))

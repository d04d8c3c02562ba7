#!/usr/bin/env python3
"""Checks, from QEMU's own trace of a run, that nothing wrote to the NVMe
drive: every I/O command QEMU's controller received is a Read, and every
admin command one of those a read-only driver needs. Run QEMU with
-trace pci_nvme_io_cmd -trace pci_nvme_admin_cmd -trace pci_nvme_setfeat
-D TRACE.

 - I/O commands: only Read (NVMe base spec, NVM command set: opcode 0x02);
   Write (0x01), Flush (0x00), Write Zeroes, Dataset Management... fail;
 - admin commands: only Delete I/O SQ (0x00), Create I/O SQ (0x01), Get Log
   Page (0x02), Delete I/O CQ (0x04), Create I/O CQ (0x05), Identify (0x06),
   Get Features (0x0a), and Set Features (0x09) for Number of Queues (FID
   0x07, not saved) only: the driver asks for its I/O queue pairs with it.
   A Set Features of any other feature, one saved, or one whose feature the
   trace does not show (pci_nvme_setfeat not traced) fails; so do Format
   NVM, Sanitize, Firmware Commit, Namespace Management...;
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
SET_FEATURES = 0x09
NUMBER_OF_QUEUES = 0x07  # NVMe base spec 5.21.1.7: the one feature allowed
IO_ALLOWED = {READ: "Read"}
ADMIN_ALLOWED = {0x00: "Delete I/O SQ", 0x01: "Create I/O SQ", 0x02: "Get Log Page",
                 0x04: "Delete I/O CQ", 0x05: "Create I/O CQ", 0x06: "Identify",
                 SET_FEATURES: "Set Features", 0x0a: "Get Features"}
# QEMU 7.2 hw/nvme/trace-events: "pci_nvme_io_cmd cid %u nsid 0x%x sqid %u
# opc 0x%x opname '%s'", "pci_nvme_admin_cmd cid %u sqid %u opc 0x%x opname
# '%s'"; the log backend may put "pid@seconds:" before the name.
TRACE_CMD = re.compile(r"\bpci_nvme_(io|admin)_cmd\b.*?\bopc 0x([0-9a-fA-F]+)"
                       r"(?:.*?\bopname '([^']*)')?")
# "pci_nvme_setfeat cid %u nsid 0x%x fid 0x%x save 0x%x cdw11 0x%x" (QEMU
# 7.2; older ones lack the nsid).
TRACE_SETFEAT = re.compile(r"\bpci_nvme_setfeat\b.*?\bfid 0x([0-9a-fA-F]+)"
                           r"(?:.*?\bsave 0x([0-9a-fA-F]+))?")


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
    features = collections.Counter()
    for n, line in enumerate(lines(trace), 1):
        f = TRACE_SETFEAT.search(line)
        if f:
            fid, save = int(f.group(1), 16), int(f.group(2) or "0", 16)
            features[fid] += 1
            if fid != NUMBER_OF_QUEUES or save:
                errors.append(f"{trace}:{n}: Set Features of feature 0x{fid:02x}"
                              f"{' (saved)' if save else ''}: only Number of Queues (0x07, "
                              f"not saved) is one a read-only driver sends: {line.strip()}")
            continue
        m = TRACE_CMD.search(line)
        if not m:
            continue
        kind, opc, name = m.group(1), int(m.group(2), 16), m.group(3) or "?"
        allowed = IO_ALLOWED if kind == "io" else ADMIN_ALLOWED
        (io if kind == "io" else admin)[opc] += 1
        if opc not in allowed:
            errors.append(f"{trace}:{n}: {kind} command opcode 0x{opc:02x} ({name}) is not "
                          f"one a read-only driver sends: {line.strip()}")
    unseen = admin[SET_FEATURES] - sum(features.values())
    if unseen > 0:
        errors.append(f"{trace}: {unseen} Set Features whose feature the trace does not show "
                      "(was QEMU run with -trace pci_nvme_setfeat?)")
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
    feats = ", ".join(f"0x{fid:02x} {c}" for fid, c in sorted(features.items()))
    summary = (f"{reads} reads ({kreads} by the kernel's {rows} NVMe rows), "
               f"{others} other I/O commands, admin: {adm or 'none'}"
               + (f"; Set Features of feature {feats}" if feats else ""))
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

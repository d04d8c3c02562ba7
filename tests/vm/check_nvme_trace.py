#!/usr/bin/env python3
"""Checks QEMU's trace of an NVMe run (-trace pci_nvme_io_cmd -trace
pci_nvme_admin_cmd): every I/O command the controller received is a Read
(opcode 0x2) and every admin command one of Delete I/O SQ (0x0), Create
I/O SQ (0x1), Delete I/O CQ (0x4), Create I/O CQ (0x5), Identify (0x6)
(NVMe base specification 1.4, Figures 139 and 346), and at least one
read was seen.

usage: check_nvme_trace.py TRACE.log
"""
import re
import sys

IO = re.compile(r"\bpci_nvme_io_cmd\b.*\bopc 0x([0-9a-f]+)")
ADMIN = re.compile(r"\bpci_nvme_admin_cmd\b.*\bopc 0x([0-9a-f]+)")
IO_ALLOWED = {0x02}
ADMIN_ALLOWED = {0x00, 0x01, 0x04, 0x05, 0x06}


def main(trace):
    reads = 0
    bad = []
    with open(trace, "rb") as f:
        for raw in f:
            line = raw.decode("utf-8", "replace").rstrip()
            m = IO.search(line)
            if m:
                opc = int(m.group(1), 16)
                reads += opc == 0x02
                if opc not in IO_ALLOWED:
                    bad.append(line)
                continue
            m = ADMIN.search(line)
            if m and int(m.group(1), 16) not in ADMIN_ALLOWED:
                bad.append(line)
    for line in bad[:5]:
        print("command outside the allowed set: " + line)
    if not reads:
        print("no Read command in the trace")
    print("%d reads, %d other commands outside the allowed set" % (reads, len(bad)))
    return 1 if bad or not reads else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))

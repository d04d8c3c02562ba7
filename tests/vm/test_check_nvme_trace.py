#!/usr/bin/env python3
"""Tests of check_nvme_trace.py on synthetic QEMU traces: a run that only
reads passes; a Write, a Flush, a Set Features or a Format NVM anywhere in
the trace fails, except a Set Features of Number of Queues (FID 0x07, not
saved) that the trace shows as such; so do an empty trace and a kernel
that claims more reads than QEMU saw. One PASS:/FAIL: line per case.

usage: test_check_nvme_trace.py WORKDIR
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_nvme_trace  # noqa: E402

ADMIN = ["pci_nvme_admin_cmd cid 0 sqid 0 opc 0x6 opname 'NVME_ADM_CMD_IDENTIFY'",
         "1234@1764633600.000100:pci_nvme_admin_cmd cid 1 sqid 0 opc 0x5 "
         "opname 'NVME_ADM_CMD_CREATE_CQ'",
         "pci_nvme_admin_cmd cid 2 sqid 0 opc 0x1 opname 'NVME_ADM_CMD_CREATE_SQ'",
         "pci_nvme_admin_cmd cid 3 sqid 0 opc 0xa opname 'NVME_ADM_CMD_GET_FEATURES'",
         "pci_nvme_admin_cmd cid 4 sqid 0 opc 0x2 opname 'NVME_ADM_CMD_GET_LOG_PAGE'"]
READS = ["pci_nvme_io_cmd cid %d nsid 0x1 sqid 1 opc 0x2 opname 'NVME_NVM_CMD_READ'" % i
         for i in range(5)]
TEARDOWN = ["pci_nvme_admin_cmd cid 5 sqid 0 opc 0x0 opname 'NVME_ADM_CMD_DELETE_SQ'",
            "pci_nvme_admin_cmd cid 6 sqid 0 opc 0x4 opname 'NVME_ADM_CMD_DELETE_CQ'"]
def set_features(cid, fid, save=0):
    """A Set Features as QEMU 7.2 traces it: the command, then its feature."""
    return ["pci_nvme_admin_cmd cid %d sqid 0 opc 0x9 opname 'NVME_ADM_CMD_SET_FEATURES'" % cid,
            "1234@1764633600.000200:pci_nvme_setfeat cid %d nsid 0x0 fid 0x%x save 0x%x "
            "cdw11 0x30003" % (cid, fid, save)]


NUMQ = set_features(7, 0x7)
ROW = ('REPORT {"type":"row","schema":3,"row":0,"workload":"nvme","policy":"strict",'
       '"packets":%d}')

CASES = [
    # name, trace lines, kernel's reads, should pass
    ("reads_only_pass", ADMIN + READS + TEARDOWN, 5, True),
    ("firmware_reads_too_pass", ADMIN + READS + READS, 5, True),
    ("write_fails", ADMIN + READS[:2] +
     ["pci_nvme_io_cmd cid 9 nsid 0x1 sqid 1 opc 0x1 opname 'NVME_NVM_CMD_WRITE'"] + READS[2:],
     5, False),
    ("flush_fails", ADMIN + READS +
     ["pci_nvme_io_cmd cid 9 nsid 0x1 sqid 1 opc 0x0 opname 'NVME_NVM_CMD_FLUSH'"], 5, False),
    ("write_zeroes_fails", ADMIN + READS +
     ["pci_nvme_io_cmd cid 9 nsid 0x1 sqid 1 opc 0x8 opname 'NVME_NVM_CMD_WRITE_ZEROES'"],
     5, False),
    ("set_features_number_of_queues_pass", ADMIN + NUMQ + READS + TEARDOWN, 5, True),
    ("set_features_unseen_fid_fails", ADMIN +
     ["pci_nvme_admin_cmd cid 7 sqid 0 opc 0x9 opname 'NVME_ADM_CMD_SET_FEATURES'"] + READS,
     5, False),
    ("set_features_volatile_cache_fails", ADMIN + set_features(7, 0x6) + READS, 5, False),
    ("set_features_arbitration_fails", ADMIN + NUMQ + set_features(8, 0x1) + READS, 5, False),
    ("set_features_saved_fails", ADMIN + set_features(7, 0x7, save=1) + READS, 5, False),
    ("set_features_one_of_two_unseen_fails", ADMIN + NUMQ +
     ["pci_nvme_admin_cmd cid 8 sqid 0 opc 0x9 opname 'NVME_ADM_CMD_SET_FEATURES'"] + READS,
     5, False),
    ("write_with_number_of_queues_fails", ADMIN + NUMQ + READS[:2] +
     ["pci_nvme_io_cmd cid 9 nsid 0x1 sqid 2 opc 0x1 opname 'NVME_NVM_CMD_WRITE'"], 5, False),
    ("format_fails", ADMIN + READS +
     ["pci_nvme_admin_cmd cid 8 sqid 0 opc 0x80 opname 'NVME_ADM_CMD_FORMAT_NVM'"], 5, False),
    ("empty_trace_fails", [], 0, False),
    ("kernel_claims_more_fails", ADMIN + READS, 6, False),
]


def main(work):
    os.makedirs(work, exist_ok=True)
    log, trace = os.path.join(work, "serial.log"), os.path.join(work, "trace.log")
    failed = 0
    for name, trace_lines, kreads, ok in CASES:
        with open(trace, "w") as f:
            f.write("\n".join(trace_lines + ["pci_nvme_mmio_read addr 0x1c size 4"]) + "\n")
        with open(log, "w") as f:
            f.write("vtdbench\n" + ROW % kreads + "\nEXIT: 0 (ok)\n")
        errors, summary = check_nvme_trace.check(log, trace)
        if (not errors) == ok:
            print(f"PASS: nvme-trace/{name}")
        else:
            failed += 1
            print(f"FAIL: nvme-trace/{name}")
            print(f"  expected it to {'pass' if ok else 'fail'}; errors: {errors}; {summary}")
    # The counts it reports.
    with open(trace, "w") as f:
        f.write("\n".join(ADMIN + READS + READS) + "\n")
    with open(log, "w") as f:
        f.write(ROW % 5 + "\n")
    errors, summary = check_nvme_trace.check(log, trace)
    if not errors and summary.startswith("10 reads (5 by the kernel's 1 NVMe rows)") \
            and "Identify 1" in summary:
        print("PASS: nvme-trace/counts_reads")
    else:
        failed += 1
        print(f"FAIL: nvme-trace/counts_reads\n  {errors} {summary}")
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))

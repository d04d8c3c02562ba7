#!/usr/bin/env python3
"""Tests of check_inval_trace.py on synthetic logs and QEMU traces: a run
whose whole-run count equals the trace passes; one descriptor more or
fewer on either side fails, as do a stream claiming more invalidations
than the trace holds and fq rows whose flushes (with what other CPUs'
flushes retired) do not add up. One
PASS:/FAIL: line per case.

usage: test_check_inval_trace.py WORKDIR
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_inval_trace  # noqa: E402

TOTAL = "vtd0: IOTLB invalidations over the whole run: %d pages, %d domain, %d global; %d waits"
FQ = ("result: workload=nvme policy=fq ios=2000 qd=1 io_bytes=4096 pattern=rand received=2000 "
      "lost=0 mismatches=0 command_errors=0 faults=0 prp_lists=0 blocks_checked=16000 "
      "cycles_per_io=100 maps=2000 unmaps=%d invalidations=%d waits=%d flushes_hwm=%d "
      "flushes_deadline=%d flushes_forced=%d timer_interrupts=0 mmio_reads=0 mmio_writes=9 cpus=2 "
      "retired_by_others=%d")


def trace(pages, domain, glob, waits):
    out = []
    out += ["1@1.0:vtd_inv_desc_iotlb_pages domain 0x2 addr 0x%x mask 0x0 ih 0" % i
            for i in range(pages)]
    out += ["1@1.0:vtd_inv_desc_iotlb_domain domain 0x2"] * domain
    out += ["vtd_inv_desc_iotlb_global "] * glob
    out += ["vtd_inv_desc_wait_sw addr 0x1000 data 0x1"] * waits
    return out


CASES = [
    # name, log lines, trace lines, should pass
    ("agree_pass", [TOTAL % (5, 9, 1, 15), FQ % (2000, 9, 9, 7, 1, 1, 0)],
     trace(5, 9, 1, 15), True),
    ("kernel_one_page_more_fails", [TOTAL % (6, 9, 1, 15), FQ % (2000, 9, 9, 7, 1, 1, 0)],
     trace(5, 9, 1, 15), False),
    ("trace_one_wait_more_fails", [TOTAL % (5, 9, 1, 15), FQ % (2000, 9, 9, 7, 1, 1, 0)],
     trace(5, 9, 1, 16), False),
    ("no_total_fails", [FQ % (2000, 9, 9, 7, 1, 1, 0)], trace(5, 9, 1, 15), False),
    ("row_beyond_trace_fails", [TOTAL % (0, 3, 0, 3), FQ % (2000, 9, 9, 7, 1, 1, 0)],
     trace(0, 3, 0, 3), False),
    ("fq_invalidations_not_flushes_fails", [TOTAL % (5, 10, 1, 16), FQ % (2000, 10, 10, 7, 1, 1, 0)],
     trace(5, 10, 1, 16), False),
    ("fq_too_many_full_rings_fails", [TOTAL % (5, 9, 1, 15), FQ % (2000, 9, 9, 8, 0, 1, 0)],
     trace(5, 9, 1, 15), False),
    ("fq_too_few_flushes_fails", [TOTAL % (5, 7, 1, 13), FQ % (2000, 7, 7, 6, 0, 1, 0)],
     trace(5, 7, 1, 13), False),
    # 5 flushes retire 1280 at most; the other CPU's flushes covered 720.
    ("fq_covered_by_others_pass", [TOTAL % (5, 5, 1, 11), FQ % (2000, 5, 5, 4, 0, 1, 720)],
     trace(5, 5, 1, 11), True),
    ("fq_covered_by_others_short_fails",
     [TOTAL % (5, 5, 1, 11), FQ % (2000, 5, 5, 4, 0, 1, 719)], trace(5, 5, 1, 11), False),
]


def main(argv):
    work = argv[1]
    os.makedirs(work, exist_ok=True)
    failed = 0
    for name, log_lines, trace_lines, ok in CASES:
        log, tr = os.path.join(work, name + ".log"), os.path.join(work, name + ".trace")
        with open(log, "w") as f:
            f.write("\n".join(log_lines) + "\n")
        with open(tr, "w") as f:
            f.write("\n".join(trace_lines) + "\n")
        with open(os.devnull, "w") as quiet:
            saved, sys.stdout = sys.stdout, quiet
            try:
                rc = check_inval_trace.main(log, tr, 256)
            finally:
                sys.stdout = saved
        good = (rc == 0) == ok
        failed += not good
        print("%s: inval-trace/%s" % ("PASS" if good else "FAIL", name))
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv))

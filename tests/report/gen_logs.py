#!/usr/bin/env python3
"""Writes the sample serial logs in tests/report/logs/ (they are committed;
run this again only to change them).

The numbers come from a small cost model of the loopback stream under QEMU's
TCG, so that each row is self-consistent the way the kernel's are: phases
add up to tsc_total, the mean cost per packet is tsc_total / packets,
batched windows follow from hwm, the packet rate and flush_ms. The noise
around the report lines (OVMF's escapes, \\r\\n, the kernel's own lines, a
reboot, a crash) is what real logs hold. The schema-2 logs come from
gen_rounds.py, the schema-3 ones (both workloads) from gen_workloads.py,
the schema-4 ones (many CPUs, generated too: no kernel printed them) from
gen_cpus.py; kernel_schema1.log and kernel_rounds.log are not written
here: they are serial logs of the kernel itself, kept as they came.
"""
import json
import os
import re
import sys

sys.dont_write_bytecode = True      # no __pycache__ in the source tree
import gen_rounds as schema2  # noqa: E402
import gen_workloads as schema3  # noqa: E402
import gen_cpus as schema4  # noqa: E402

HZ = 2445501858
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "logs")
RING = 256                  # buffers per ring: pool maps 2 * RING once

OVMF = [
    "\x1b[2J\x1b[01;01H\x1b[=3h\x1b[2J\x1b[01;01HBdsDxe: loading Boot0001 \"UEFI QEMU HARDDISK "
    "QM00001 \" from PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x0,0xFFFF,0x0)",
    "BdsDxe: starting Boot0001 \"UEFI QEMU HARDDISK QM00001 \" from "
    "PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x0,0xFFFF,0x0)",
    "\x1b[0m\x1b[37m\x1b[40mvtdbench loader",
    "loader: kernel \\EFI\\BOOT\\KERNEL.ELF at 0x1DE49000 (136 KiB), ACPI RSDP 2.0 at "
    "0x1F77D014, framebuffer 1280x800",
]

BOOT = [
    "vtdbench v0.3-41-g7762918",
    "boot: kernel at 0x1de49000 (136 KiB), command line: {cmdline}",
    "cpu: QEMU TCG CPU version 2.5+, signature 0x60fb1 (family 15 model 107 stepping 1)",
    "mem: 505 MiB usable in 111 ranges of 127 map entries, RAM up to 0x20000000, 504 MiB free",
    "tsc: against the HPET: 2445501858 Hz (median of 5 x 20 ms, spread 1708 ppm)",
    "tsc: against the ACPI PM timer: 2445433342 Hz (median of 5 x 20 ms, spread 1138 ppm)",
    "tsc: 2445501858 Hz (2445.501 MHz) from HPET; CPUID 0x15 0 Hz, 0x16 0 Hz; NOT invariant TSC",
    "vtd0: translation enabled (3-level tables, queued invalidation)",
    "e1000: using 00:02.0 8086:100e (Intel 82540EM), registers at 0xc1000000",
    "e1000: MAC 52:54:00:12:34:56, link up, PHY loopback",
]


def context(cmdline, build="v0.3-41-g7762918"):
    return {
        "type": "context", "schema": 1, "build": build,
        "machine": {"cpu": "QEMU TCG CPU version 2.5+", "cpu_signature": "0x00060fb1",
                    "microcode": "0x00000001", "hypervisor": "TCGTCGTCGTCG"},
        "tsc": {"hz": HZ, "source": "HPET", "hpet_hz": HZ, "pmtimer_hz": 2445433342,
                "cpuid15_hz": 0, "cpuid16_hz": 0, "invariant": False,
                "read_overhead_cycles": 40},
        "vtd": [{"unit": 0, "base": "0xfed90000", "version": "1.0",
                 "cap": "0x00d2008c22260206", "ecap": "0x0000000000f00f4a", "levels": 3,
                 "coherent": False, "caching_mode": False, "inval": "qi"}],
        "nic": {"model": "82540EM", "pci_id": "8086:100e", "bdf": "00:02.0", "loopback": "phy"},
        "options": cmdline,
    }


def row(n, sweep, policy, packets=100000, size=64, hwm=250, flush_ms=10, inval="qi",
        batch_inval="global"):
    """One row of the cost model (cycles per packet, then totals)."""
    nic = 19500 + 8 * size
    other = 2200
    submit = {"qi": 700, "reg": 1500}[inval]      # one invalidation request
    wait = {"qi": 2100, "reg": 1900}[inval]       # its completion
    iova = pte = sub = wt = 0.0
    maps = unmaps = invals = waits = 0
    fl_hwm = fl_dl = fl_forced = timers = 0
    win = dict(entries=0, mean_cycles=0, max_cycles=0, mean_unmaps=0, max_unmaps=0)
    if policy == "strict":
        iova, pte, sub, wt = 60, 850, 2 * submit, 2 * wait
        maps = unmaps = invals = waits = 2 * packets
    elif policy == "batched":
        iova, pte, other = 60, 850, other + 40
        maps = unmaps = 2 * packets
        per = {"global": 1.0, "domain": 1.1, "pages": 0.0}[batch_inval]
        base = nic + other + iova + pte
        deadline = flush_ms * HZ // 1000
        # Unmaps come every base/2 cycles; a batch is hwm of them unless
        # the deadline of its oldest entry comes first.
        batch = min(hwm, max(1, int(deadline / (base / 2))))
        flushes = -(-unmaps // batch)
        if batch < hwm:
            fl_dl, fl_forced = flushes - 1, 1
            timers = fl_dl + 3
        else:
            fl_hwm, fl_dl, fl_forced = flushes - 1, 0, 1
        if batch_inval == "pages":
            invals, waits = unmaps, flushes
            sub = unmaps * submit / packets
        else:
            invals = waits = flushes
            sub = flushes * submit * per / packets
        wt = flushes * (wait + 1400) / packets    # a global flush waits longer
        gap = (base + sub + wt) / 2
        win = dict(entries=unmaps, mean_unmaps=(batch - 1) // 2, max_unmaps=batch - 1,
                   mean_cycles=int((batch - 1) / 2 * gap + wait + 1400),
                   max_cycles=int((batch - 1) * gap + wait + 1400 + (40000 if fl_dl else 9000)))
    elif policy == "pool":
        maps = 2 * RING
        iova, pte = maps * 60 / packets, maps * 400 / packets
    phase = {"iova": int(iova * packets), "pte": int(pte * packets),
             "inval_submit": int(sub * packets), "inval_wait": int(wt * packets),
             "nic": int(nic * packets)}
    # One slow packet (the first, and a timer or two) drags the max up.
    total = int((nic + other + iova + pte + sub + wt) * packets) + 880000
    phase["other"] = total - sum(phase.values())
    mean = total // packets if packets else 0
    return {
        "type": "row", "schema": 1, "row": n, "sweep": sweep, "policy": policy,
        "inval": inval, "batch_inval": batch_inval, "hwm": hwm, "flush_ms": flush_ms,
        "size": size, "packets": packets, "received": packets, "lost": 0, "duplicated": 0,
        "corrupted": 0, "faults": 0, "tsc_total": total,
        "pps": packets * HZ // total if total else 0,
        "cycles_per_packet": {"mean": mean, "p50": mean * 96 // 100,
                              "p99": mean * 135 // 100, "max": 900000},
        "phase": phase, "maps": maps, "unmaps": unmaps, "invalidations": invals,
        "inval_waits": waits, "flushes_hwm": fl_hwm, "flushes_deadline": fl_dl,
        "flushes_forced": fl_forced, "timer_interrupts": timers, "window": win,
    }


def policy_rows(start=0, **kw):
    return [row(start + i, "policy", p, **kw)
            for i, p in enumerate(("off", "strict", "batched", "pool"))]


def sweep_rows(start):
    rows = [row(start + i, "hwm", "batched", hwm=h)
            for i, h in enumerate((1, 4, 16, 64, 250, 1024, 4096, 16384))]
    rows += [row(start + len(rows) + i, "inval", "strict", inval=v)
             for i, v in enumerate(("reg", "qi"))]
    rows += [row(start + len(rows) + i, "batch_inval", "batched", batch_inval=v)
             for i, v in enumerate(("global", "domain", "pages"))]
    rows += [row(start + len(rows) + i, "size", "strict", size=s)
             for i, s in enumerate((64, 512, 1514))]
    return rows


def report(objs):
    return ["REPORT " + json.dumps(o, separators=(",", ":")) for o in objs]


def run_lines(cmdline, rows, end=True, verdict=0):
    lines = [l.format(cmdline=cmdline) for l in BOOT]
    for r in rows:
        lines.append("stream: policy %s, %d frames of %d bytes"
                     % (r["policy"], r["packets"], r["size"]))
        lines.append("stream: receive works after 1001 ms")
        lines += report([r])
    objs = [context(cmdline)]
    lines[len(BOOT):len(BOOT)] = report(objs)
    if end:
        lines += report([{"type": "end", "schema": 1, "rows": len(rows), "verdict": verdict}])
        lines.append("EXIT: %d (%s)" % (verdict, "ok" if verdict == 0 else "self-test failed"))
    return lines


def write(name, lines, crlf=True, final_newline=True):
    text = ("\r\n" if crlf else "\n").join(lines) + (("\r\n" if crlf else "\n")
                                                   if final_newline else "")
    with open(os.path.join(OUT, name), "w", newline="") as f:
        f.write(text)


def main():
    os.makedirs(OUT, exist_ok=True)
    schema2.write_all(write, OVMF, BOOT, context, row, report)
    schema3.write_all(write, OVMF, BOOT, context, row, report)
    schema4.write_all(write, OVMF, BOOT, context, row, report)
    # Two boots: a short policy run, then the full sweep after a reboot.
    first = OVMF + run_lines("exit=reboot packets=20000", policy_rows(packets=20000))
    second = OVMF + run_lines("exit=qemu sweep=hwm,inval,batch_inval,size",
                              policy_rows() + sweep_rows(4))
    write("two_runs.log", first + second)

    # A complete run, then one that dies in its third stream.
    died = run_lines("exit=qemu", policy_rows()[:2], end=False)
    died += ["stream: policy batched, 100000 frames of 64 bytes",
             "!!!! X64 Exception Type - 0E(#PF - Page-Fault)  CPU Apic ID - 00000000 !!!!"]
    write("incomplete.log", OVMF + run_lines("exit=qemu", policy_rows()) + OVMF + died)

    # Only a run that died, its last line cut short by the reset.
    cut = run_lines("exit=qemu", policy_rows()[:3], end=False)
    cut[-1] = cut[-1][:97]
    write("truncated.log", OVMF + cut, final_newline=False)

    # A kernel newer than the tool.
    newer = run_lines("exit=qemu", policy_rows())
    newer = [l.replace('"schema":1', '"schema":5', 1) if '"type":"context"' in l else l
             for l in newer]
    write("bad_schema.log", OVMF + newer)

    # A row with a corrupted byte (serial noise).
    bad = run_lines("exit=qemu", policy_rows())
    i = next(i for i, l in enumerate(bad) if '"row":2,' in l)
    bad[i] = bad[i].replace('"packets":100000,', '"packets":100000;', 1)
    write("malformed.log", OVMF + bad, crlf=False)

    # A reset in the middle of a row: the cut line runs on into the next
    # boot's firmware output, and that boot's run is complete.
    reset = run_lines("exit=reboot", policy_rows()[:3], end=False)
    reset[-1] = reset[-1][:97] + OVMF[0]
    write("reset_mid_line.log", OVMF + reset + OVMF[1:] + run_lines("exit=qemu", policy_rows()))

    # Numbers no kernel prints (its counters are 64-bit), in a run beside a
    # good one: 5000 digits (past Python's limit for reading an int) before
    # it, and 400 digits (past what a float holds) in the last run.
    for name, digits, field in (("huge_number.log", 5000, '"packets":'),
                                ("overflow.log", 400, '"mean_cycles":')):
        odd = run_lines("exit=reboot", policy_rows())
        i = next(i for i, l in enumerate(odd) if '"row":2,' in l)
        odd[i] = re.sub(field + r"[0-9]+", field + "9" * digits, odd[i], count=1)
        good = OVMF + run_lines("exit=qemu", policy_rows())
        write(name, OVMF + odd + good if digits > 4300 else good + OVMF + odd)

    # A row whose phase object carries a key the tool does not know.
    extra = run_lines("exit=qemu", policy_rows())
    i = next(i for i, l in enumerate(extra) if '"row":1,' in l)
    extra[i] = extra[i].replace('"phase":{', '"phase":{"note":"late",', 1)
    write("phase_extra_key.log", OVMF + extra)

    # No report at all: the firmware had VT-d off.
    write("no_run.log", OVMF + BOOT[:7] + ["dmar: no DMAR table: VT-d is off in the firmware "
                                          "setup, or QEMU has no intel-iommu",
                                          "EXIT: 8 (no DMAR table)"])

    # Nothing to divide by: no TSC rate, a stream that sent nothing.
    zc = context("exit=qemu policy=strict,batched")
    zc["tsc"]["hz"] = 0
    zero = dict(row(1, "policy", "batched"), packets=0, received=0, tsc_total=0, pps=0,
                cycles_per_packet={"mean": 0, "p50": 0, "p99": 0, "max": 0},
                phase={k: 0 for k in ("iova", "pte", "inval_submit", "inval_wait", "nic",
                                      "other")},
                maps=0, unmaps=0, invalidations=0, inval_waits=0, flushes_hwm=0,
                flushes_forced=0, window=dict(entries=0, mean_cycles=0, max_cycles=0,
                                              mean_unmaps=0, max_unmaps=0))
    z = BOOT[:3] + report([zc, row(0, "policy", "strict"), zero,
                           {"type": "end", "schema": 1, "rows": 2, "verdict": 1}])
    z.append("EXIT: 1 (self-test failed)")
    write("zero.log", z)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The MADT decoder (lib/acpi/madt.c) against tables iasl builds, run by
`make madt-tests`.

For each tests/madt/NAME.dsl: iasl compiles it into --work (bytes that an
`after-iasl: OFFSET=HEX ...` line in the source names are then set and the
checksum fixed, for what iasl cannot write); the sanitized madt_print
decodes the table, and its output must equal
  madt/iasl/NAME/expected      NAME.expected, written by hand from the source
  madt/iasl/NAME/disassembly   the same facts taken from `iasl -d` of the
                               very bytes decoded, with the kernel's rule
                               (Enabled or Online Capable lists a CPU)
Prints one PASS:/FAIL: line per check, details indented under a failure;
exits 0 once it has started printing verdicts.
"""
import argparse
import difflib
import glob
import os
import re
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True      # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(HERE))
import iasl_suite  # noqa: E402
from iasl_suite import ANNOTATION, LINE, run, verdict  # noqa: E402

AFTER_IASL = re.compile(r"after-iasl:((?:\s+\d+=[0-9A-Fa-f]{2})+)")
LISTED = 0x3    # Enabled | Online Capable, ACPI 6.5 5.2.12.2

def patch(aml, source):
    """Applies the source's after-iasl bytes to the compiled table."""
    table = bytearray(aml)
    for m in AFTER_IASL.finditer(source):
        for item in m.group(1).split():
            off, value = item.split("=")
            table[int(off)] = int(value, 16)
    table[9] = 0
    table[9] = -sum(table) & 0xFF   # ACPI 6.5 5.2.6: all bytes sum to 0
    return bytes(table)


def num(value):
    return int(ANNOTATION.sub("", value.strip()), 16)


def from_disassembly(text):
    """The lines madt_print would print, from iasl's decoding of a table
    (its field labels as iasl 20200925 prints them)."""
    header, subs = {}, []
    for line in text.splitlines():
        if line.startswith("Raw Table Data"):
            break
        if line.startswith("****"):
            raise ValueError("iasl reported: " + line)
        m = LINE.match(line)
        if not m:
            continue
        off, label, value = int(m.group(1), 16), m.group(4).strip(), m.group(5)
        if label == "Subtable Type":
            subs.append({"offset": off, "type": num(value)})
        elif subs:
            subs[-1].setdefault(label, value)
        else:
            header.setdefault(label, value)
    cpus, ioapics = [], []
    lapic_address = num(header["Local Apic Address"])
    for s in subs:
        if s["type"] == 0:
            cpu = (num(s["Local Apic ID"]), num(s["Processor ID"]))
        elif s["type"] == 9:
            cpu = (num(s["Processor x2Apic ID"]), num(s["Processor UID"]))
        elif s["type"] == 1:
            ioapics.append("ioapic id=%d address=0x%x gsi_base=%d" % (
                num(s["I/O Apic ID"]), num(s["Address"]), num(s["Interrupt"])))
            continue
        elif s["type"] == 5:
            lapic_address = num(s["APIC Address"])
            continue
        else:
            continue
        flags = num(s["Flags (decoded below)"])
        if flags & LISTED:
            cpus.append("cpu offset=%d type=%d apic_id=0x%x uid=0x%x flags=0x%x" % (
                s["offset"], s["type"], cpu[0], cpu[1], flags))
    return cpus + [
        "lapic_address=0x%x" % lapic_address,
        "pcat_compat=%d" % (num(header["Flags (decoded below)"]) & 1),
        "cpus=%d" % len(cpus),
    ] + ioapics + ["short_entries=0", "result=ok"], len(subs)


def diff(want, got, what):
    """The lines that differ, "-" as `what` says, "+" as the decoder prints."""
    return [line for line in difflib.unified_diff(want, got, what, "decoder", n=0, lineterm="")
            if not line.startswith("@@")]


def check_table(args, dsl):
    name = os.path.splitext(os.path.basename(dsl))[0]
    work = os.path.join(args.work, name)
    os.makedirs(work, exist_ok=True)
    aml = os.path.join(work, name + ".aml")
    if os.path.exists(aml):
        os.remove(aml)
    p = run([args.iasl, "-p", os.path.join(work, name), dsl])
    if p.returncode != 0 or not os.path.exists(aml):
        verdict("madt/iasl/%s/compile" % name,
                ["iasl could not compile %s: %s" % (dsl, p.stdout.decode()[-400:])])
        return
    with open(dsl) as f:
        source = f.read()
    with open(aml, "rb") as f:
        table = patch(f.read(), source)
    dat = os.path.join(work, name + ".dat")
    with open(dat, "wb") as f:
        f.write(table)

    p = run([args.madt_print, dat])
    if p.returncode != 0:
        verdict("madt/iasl/%s/decode" % name, ["madt_print exited with status %d: %s" % (
            p.returncode, p.stderr.decode()[-600:])])
        return
    got = p.stdout.decode().splitlines()

    with open(os.path.join(HERE, name + ".expected")) as f:
        want = [line for line in f.read().splitlines() if line and not line.startswith("#")]
    verdict("madt/iasl/%s/expected" % name, diff(want, got, name + ".expected"))

    dis = os.path.join(work, name + ".dsl")
    if os.path.exists(dis):
        os.remove(dis)
    p = run([args.iasl, "-d", os.path.basename(dat)], cwd=work)
    problems = []
    if p.returncode != 0 or not os.path.exists(dis):
        problems.append("iasl -d failed (status %d): %s" % (p.returncode,
                                                           p.stdout.decode()[-300:]))
    else:
        with open(dis) as f:
            text = f.read()
        if "Checksum" not in text or re.search(r"Incorrect checksum", text):
            problems.append("iasl -d finds the table's checksum wrong")
        try:
            ref, subtables = from_disassembly(text)
            if subtables < 5:
                problems.append("only %d subtables from iasl: its output was not understood"
                                % subtables)
            problems += diff(ref, got, "iasl -d")
        except (KeyError, ValueError) as e:
            problems.append("cannot read iasl's disassembly %s: %r" % (dis, e))
    verdict("madt/iasl/%s/disassembly" % name, problems)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--madt-print", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--iasl", default="iasl")
    args = ap.parse_args()
    args.madt_print = os.path.abspath(args.madt_print)
    os.makedirs(args.work, exist_ok=True)
    if not shutil.which(args.iasl):
        verdict("madt/iasl", ["%s not found: install Debian's acpica-tools (make deps)"
                              % args.iasl])
        return 0
    sources = sorted(glob.glob(os.path.join(HERE, "*.dsl")))
    if not sources:
        verdict("madt/iasl", ["no *.dsl in " + HERE])
    for dsl in sources:
        check_table(args, dsl)
    print("madt tests: %d failed" % iasl_suite.failed, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

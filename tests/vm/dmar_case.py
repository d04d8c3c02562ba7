#!/usr/bin/env python3
"""Writes one table of tests/dmar/malformed.cases (built on a real table)
as a file QEMU's -acpitable option can inject, so the kernel meets the same
broken tables that dmardump is tested on.

usage: dmar_case.py CASE TESTDATA_DIR OUT.dat
"""
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main(argv):
    if len(argv) != 4:
        sys.stderr.write(__doc__)
        return 2
    name, testdata, out = argv[1:]
    spec = importlib.util.spec_from_file_location(
        "malformed", os.path.join(HERE, "..", "dmar", "malformed.py"))
    malformed = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(malformed)
    with open(os.path.join(HERE, "..", "dmar", "malformed.cases")) as f:
        cases = {c["name"]: c for c in malformed.parse_cases(f.read())}
    case = cases.get(name)
    if case is None or case["base"] == "synthetic":
        sys.stderr.write("dmar_case: no case %r built on a real table\n" % name)
        return 1
    with open(os.path.join(testdata, case["base"] + ".dat"), "rb") as f:
        base = f.read()
    with open(out, "wb") as f:
        f.write(malformed.build(case, base))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
"""Every wait in the kernel, the drivers and the loader is bounded by time
(the TSC, kernel/tsc.h), never by a count of loop passes or register reads:
how long a count lasts depends on the CPU and on how slow the bus is. This
finds the two shapes a count-bounded wait takes in this tree: an empty
`for (volatile ...)` delay loop, and a *SPIN_LIMIT* read budget. Prints one
PASS:/FAIL: line per rule; --self-test first proves on samples that each
rule catches its shape."""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DIRS = ("boot", "kernel", "drivers", "bench")
RULES = {
    "no-volatile-delay-loops": re.compile(r"\bfor\s*\(\s*volatile\b"),
    "no-spin-count-limits": re.compile(r"\b\w*SPIN_LIMIT\w*\b"),
}


def findings(rule, files):
    pat = RULES[rule]
    out = []
    for name, text in files:
        for n, line in enumerate(text.splitlines(), 1):
            if pat.search(line):
                out.append(f"{name}:{n}: {line.strip()}")
    return out


def tree_files():
    for d in DIRS:
        for p in sorted((ROOT / d).rglob("*.[ch]")):
            yield str(p.relative_to(ROOT)), p.read_text(errors="replace")


def self_test():
    samples = {
        "no-volatile-delay-loops": "\tfor (volatile int i = 0; i < 10000; i++)\n\t\t;\n",
        "no-spin-count-limits": "#define TX_SPIN_LIMIT 100000\n",
    }
    ok = True
    for rule, text in samples.items():
        caught = findings(rule, [("sample.c", text)])
        clean = findings(rule, [("clean.c", "\ttsc_delay_us(1000);\n")])
        good = bool(caught) and not clean
        print(f"{'PASS' if good else 'FAIL'}: waits/self-test {rule}")
        ok &= good
    return ok


def main():
    ok = True
    if "--self-test" in sys.argv:
        ok = self_test()
    files = list(tree_files())
    for rule in RULES:
        found = findings(rule, files)
        print(f"{'FAIL' if found else 'PASS'}: waits/{rule}")
        for f in found:
            print(f"  {f}")
        ok &= not found
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The tree's structure, checked: every #include points down a floor or
stays inside its own module, no file includes another module's private
header, every included file exists, and no source file outside tests/
grows past the size at which it should be split.

Floors, bottom first (a file may include its own floor and those below):
    lib/       pure C for the kernel and the host: includes lib/ only
    kernel/    the core: lib/, kernel/, and the loader's hand-over headers
    drivers/   hardware: lib/, kernel/, drivers/, hand-over headers
    bench/     what the OS exists for: all of the above
boot/ (the loader) includes lib/ and boot/; tools/ (host programs)
includes lib/ and tools/. A module is one folder (drivers/vtd, lib/dma,
...); its private headers (*_regs.h, *_internal.h, *_core.h, and the
loader's loader.h and report_save.h) are included only from that folder.

usage: check_layers.py [--root DIR] [--self-test]
Prints `PASS: layers/NAME` or `FAIL: layers/NAME` lines, the offending
lines indented under a failure; exits 0 once the checks ran.
"""
import argparse
import os
import re
import shutil
import sys
import tempfile

FLOORS = {"lib": 0, "kernel": 1, "drivers": 2, "bench": 3}
# Headers of the loader that the kernel reads too: the hand-over structure
# and protocol. Every other boot/ header is the loader's own.
BOOT_PRIVATE = {"boot/loader.h", "boot/report_save.h"}
PRIVATE_SUFFIXES = ("_regs.h", "_internal.h", "_core.h")
SOURCE_DIRS = ("boot", "kernel", "drivers", "bench", "lib", "tools")
MAX_LINES = 600
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def sources(root):
    for top in SOURCE_DIRS:
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for name in sorted(files):
                if name.endswith((".c", ".h", ".asm", ".py", ".sh")):
                    path = os.path.join(dirpath, name)
                    yield os.path.relpath(path, root).replace(os.sep, "/")


def includes(root, rel):
    if not rel.endswith((".c", ".h")):
        return
    with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if m:
                yield number, m.group(1)


def top(path):
    return path.split("/", 1)[0]


def allowed_tops(src):
    t = top(src)
    if t == "boot":
        return {"boot", "lib"}
    if t == "tools":
        return {"tools", "lib"}
    floor = FLOORS[t]
    allowed = {name for name, f in FLOORS.items() if f <= floor}
    allowed.add("boot")          # only its shared headers: see private()
    return allowed


def private(header):
    return header in BOOT_PRIVATE or header.endswith(PRIVATE_SUFFIXES)


def check_tree(root):
    """Returns {check name: [problem lines]} for the tree at root."""
    problems = {"includes-point-down": [], "private-headers-stay-home": [],
                "included-files-exist": [], "files-stay-small": []}
    for src in sources(root):
        with open(os.path.join(root, src), encoding="utf-8", errors="replace") as f:
            count = sum(1 for _ in f)
        if count > MAX_LINES:
            problems["files-stay-small"].append(f"{src}: {count} lines (split it past {MAX_LINES})")
        for number, inc in includes(root, src):
            where = f"{src}:{number}: #include \"{inc}\""
            if "/" not in inc:
                continue         # a header beside it, or a system one given in quotes
            if not os.path.exists(os.path.join(root, inc)):
                problems["included-files-exist"].append(where + " (no such file)")
                continue
            if top(inc) not in allowed_tops(src):
                problems["includes-point-down"].append(
                    where + f" ({top(src)}/ may not include {top(inc)}/)")
            elif private(inc) and os.path.dirname(inc) != os.path.dirname(src):
                problems["private-headers-stay-home"].append(
                    where + f" (private to {os.path.dirname(inc)}/)")
    return problems


def report(problems, prefix="layers/"):
    for name, lines in problems.items():
        if lines:
            print(f"FAIL: {prefix}{name}")
            for line in lines:
                print(f"  {line}")
        else:
            print(f"PASS: {prefix}{name}")


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def self_test():
    """Each rule, broken once in a small tree: the checker must name it."""
    cases = {
        "includes-point-down": ("kernel/a.c", '#include "drivers/x/x.h"\n'),
        "private-headers-stay-home": ("bench/a.c", '#include "drivers/x/x_regs.h"\n'),
        "included-files-exist": ("lib/a.c", '#include "lib/gone.h"\n'),
        "files-stay-small": ("lib/big.c", "int x;\n" * (MAX_LINES + 1)),
    }
    for rule, (rel, text) in cases.items():
        root = tempfile.mkdtemp(prefix="layers-")
        try:
            write(root, "drivers/x/x.h", "")
            write(root, "drivers/x/x_regs.h", "")
            write(root, "drivers/x/x.c", '#include "drivers/x/x_regs.h"\n#include "kernel/k.h"\n')
            write(root, "kernel/k.h", '#include "lib/l.h"\n')
            write(root, "lib/l.h", "")
            clean = check_tree(root)
            write(root, rel, text)
            broken = check_tree(root)
            ok = not any(clean.values()) and broken[rule] and \
                not any(v for k, v in broken.items() if k != rule)
            print(f"{'PASS' if ok else 'FAIL'}: layers/self-test-{rule}")
            if not ok:
                print(f"  clean tree: {clean}\n  with {rel}: {broken}")
        finally:
            shutil.rmtree(root)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))))
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if args.self_test:
        self_test()
    report(check_tree(args.root))
    return 0


if __name__ == "__main__":
    sys.exit(main())
